/* echo-client: holds an EndpointClient (slot 0), a Console (slot 1) and a
 * Timer (slot 2). Checks, in order, exiting with a distinct status at the
 * first failure:
 *  - it cannot RECV through its client facet;
 *  - ROUNDS messages come back unchanged (timed with the Timer);
 *  - a Console copied to the server stays usable here;
 *  - a Timer moved to the server is stale here at once, and comes back in
 *    the reply under a new handle that works (Timer.sleep, measured);
 *  - a released handle is stale. */
#include "lib/capos.h"
#include "echo-server/echo.h"

#define ROUNDS	 100
#define SLEEP_MS 20

int main(struct capos_ring *ring);

static int echo_rounds(struct capos_ring *ring, struct capos_handle ep, struct capos_handle console,
		       struct capos_handle timer)
{
	uint64_t *msg = capos_malloc(4 * sizeof(uint64_t));
	uint64_t *reply = capos_malloc(4 * sizeof(uint64_t));
	uint64_t t0, t1;
	struct capos_cqe c;
	if (msg == NULL || reply == NULL)
		return 20;
	if (timer_now(ring, timer, &t0) != CAPOS_OK)
		return 2;
	for (uint64_t i = 0; i < ROUNDS; i++) {
		msg[0] = 0x0000000100000000ull;	    /* a root pointer to an empty struct... */
		msg[1] = i * 0x9e3779b97f4a7c15ull; /* ...and payload words */
		msg[2] = ~msg[1];
		if (capos_call_caps(ring, ep, ECHO_ECHO, msg, 24, reply, 32, 0, 0, false, &c) !=
			CAPOS_OK ||
		    c.result_len != 24 || reply[1] != msg[1] || reply[2] != msg[2])
			return 3;
	}
	if (timer_now(ring, timer, &t1) != CAPOS_OK)
		return 4;
	console_printf(ring, console, "echo-client: %u round trips ok, %llu us each\n", ROUNDS,
		       (unsigned long long)((t1 - t0) / ROUNDS / 1000));
	if (capos_free(msg) != 0 || capos_free(reply) != 0 || capos_free(msg) == 0)
		return 21; /* freed once each; the second free of msg is refused */
	return 0;
}

int main(struct capos_ring *ring)
{
	struct capos_handle ep = {0, 1}, console = {1, 1}, timer = {2, 1};
	uint64_t msg[1] = {0}, buf[4], t0, t1;
	struct capos_cqe c;
	int err;

	/* The client facet may only CALL: a RECV through it is refused. */
	if (capos_recv(ring, ep, buf, sizeof(buf), 0, 0, &c) != CAPOS_E_INVOKE)
		return 1;
	if ((err = echo_rounds(ring, ep, console, timer)) != 0)
		return err;

	/* Copy: the server writes through its copy; ours keeps working. */
	if (capos_call_caps(ring, ep, ECHO_TAKE_CONSOLE, msg, 8, buf, sizeof(buf), &console, 1,
			    false, &c) != CAPOS_OK ||
	    console_write_line(ring, console,
			       "echo-client: my Console still works after the copy") != CAPOS_OK)
		return 5;

	/* Move: our handle is stale; the reply brings the Timer back, new handle. */
	if (capos_call_caps(ring, ep, ECHO_BORROW_TIMER, msg, 8, buf, sizeof(buf), &timer, 1, true,
			    &c) != CAPOS_OK ||
	    c.xfer_count != 1)
		return 6;
	struct capos_handle back = capos_handle_of(c.aux);
	if (timer_now(ring, timer, &t0) != CAPOS_E_LOOKUP)
		return 7;
	console_printf(
	    ring, console,
	    "echo-client: moved Timer {%u,%u} away, stale now; it came back as {%u,%u}\n",
	    timer.slot, timer.gen, back.slot, back.gen);
	if (timer_now(ring, back, &t0) != CAPOS_OK ||
	    timer_sleep(ring, back, SLEEP_MS * 1000000ull) != CAPOS_OK ||
	    timer_now(ring, back, &t1) != CAPOS_OK)
		return 8;
	console_printf(ring, console,
		       "echo-client: slept %llu ms on the returned Timer, asked for %u\n",
		       (unsigned long long)((t1 - t0) / 1000000), SLEEP_MS);

	/* Release: the handle is stale at once. */
	if (capos_release(ring, back) != CAPOS_OK || timer_now(ring, back, &t0) != CAPOS_E_LOOKUP ||
	    capos_release(ring, back) != CAPOS_E_LOOKUP)
		return 9;
	console_write_line(ring, console, "echo-client: released the Timer; its handle is stale");

	return capos_call_caps(ring, ep, ECHO_BYE, msg, 8, buf, sizeof(buf), 0, 0, false, &c) ==
		       CAPOS_OK
		   ? 0
		   : 10;
}
