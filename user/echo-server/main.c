/* echo-server: holds the Endpoint (slot 0) and a Console (slot 1). Receives
 * calls and returns each message unchanged (method ECHO), and takes part in
 * the client's capability-transfer checks:
 *   TAKE_CONSOLE: a Console copied beside the call: writes through it,
 *                 releases it, and checks the released handle is stale;
 *   BORROW_TIMER: a Timer moved beside the call: reads it, moves it back in
 *                 the reply, and checks its own handle went stale;
 *   BYE: ends the server. */
#include "lib/capos.h"
#include "echo.h"

int main(struct capos_ring *ring);

static int take_console(struct capos_ring *ring, struct capos_handle console,
			const struct capos_cqe *c, const struct capos_handle *got)
{
	if (c->xfer_count != 1)
		return 10;
	if (console_write_line(ring, got[0],
			       "echo-server: writing through a Console the "
			       "client copied to me") != CAPOS_OK ||
	    capos_release(ring, got[0]) != CAPOS_OK)
		return 11;
	if (console_write_line(ring, got[0], "not printed") != CAPOS_E_LOOKUP)
		return 12;
	console_write_line(ring, console, "echo-server: released it; that handle is now stale");
	return capos_return(ring, c->aux, 0, 0, 0, false) == CAPOS_OK ? 0 : 13;
}

static int borrow_timer(struct capos_ring *ring, struct capos_handle console,
			const struct capos_cqe *c, const struct capos_handle *got)
{
	uint64_t ns;
	if (c->xfer_count != 1)
		return 20;
	if (timer_now(ring, got[0], &ns) != CAPOS_OK)
		return 21;
	console_printf(ring, console, "echo-server: the client's Timer moved to me reads %llu ms\n",
		       (unsigned long long)(ns / 1000000));
	if (capos_return(ring, c->aux, 0, 0, &got[0], true) != CAPOS_OK)
		return 22;
	if (timer_now(ring, got[0], &ns) != CAPOS_E_LOOKUP)
		return 23;
	console_write_line(ring, console, "echo-server: moved it back; my handle to it is stale");
	return 0;
}

int main(struct capos_ring *ring)
{
	static uint64_t buf[512];
	struct capos_handle ep = {0, 1}, console = {1, 1}, got[ECHO_MAX_CAPS];
	unsigned served = 0;
	uint64_t echo_token = 0; /* an echo still to return, with the next RECV */
	uint32_t echo_len = 0;
	for (;;) {
		struct capos_cqe c;
		int err = 0;
		int32_t st = echo_token != 0
				 ? capos_return_recv(ring, echo_token, buf, echo_len, ep, buf,
						     sizeof(buf), got, ECHO_MAX_CAPS, &c)
				 : capos_recv(ring, ep, buf, sizeof(buf), got, ECHO_MAX_CAPS, &c);
		echo_token = 0;
		if (st != CAPOS_OK)
			return 1;
		switch (c.method) {
		case ECHO_TAKE_CONSOLE:
			err = take_console(ring, console, &c, got);
			break;
		case ECHO_BORROW_TIMER:
			err = borrow_timer(ring, console, &c, got);
			break;
		default:
			if (c.xfer_count != 0)
				return 3; /* an echo carries no capabilities */
			/* Returned together with the next RECV, in one cap_enter;
			 * the last one (BYE) at once. */
			echo_token = c.aux;
			echo_len = c.result_len;
			if (c.method == ECHO_BYE) {
				if (capos_return(ring, c.aux, buf, c.result_len, 0, false) !=
				    CAPOS_OK)
					return 2;
				echo_token = 0;
			}
			break;
		}
		if (err != 0)
			return err;
		if (c.method == ECHO_BYE)
			break;
		served += c.method == ECHO_ECHO;
	}
	console_printf(ring, console, "echo-server: served %u echoes\n", served);
	return 0;
}
