/* echo-client: holds an EndpointClient (slot 0), a Console (slot 1) and a Timer
 * (slot 2). Sends ROUNDS messages through the endpoint, checks each comes back
 * unchanged, times the round trips, then says bye. It cannot RECV: checked. */
#include "lib/capos.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"

#define ROUNDS 100
#define BYE    1

int main(struct capos_ring *ring);

static char *put(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	*p = '\0';
	return p;
}

int main(struct capos_ring *ring)
{
	struct capos_handle ep = {0, 1}, console = {1, 1}, timer = {2, 1};
	uint64_t msg[4], reply[4], t0, t1;
	char line[96], num[21];

	/* The client facet may only CALL: a RECV through it is refused. */
	struct capos_sqe e = {.opcode = CAPOS_OP_RECV,
			      .target = ep,
			      .result_addr = (uint64_t)(uintptr_t)reply,
			      .result_len = sizeof(reply)};
	struct capos_cqe c;
	if (capos_submit(ring, &e, &c) != CAPOS_E_INVOKE)
		return 1;
	if (timer_now(ring, timer, &t0) != CAPOS_OK)
		return 2;
	for (uint64_t i = 0; i < ROUNDS; i++) {
		msg[0] = 0x0000000100000000ull;	    /* a root pointer to an empty struct... */
		msg[1] = i * 0x9e3779b97f4a7c15ull; /* ...and payload words */
		msg[2] = ~msg[1];
		e = (struct capos_sqe){.opcode = CAPOS_OP_CALL,
				       .method = 0,
				       .target = ep,
				       .params_addr = (uint64_t)(uintptr_t)msg,
				       .params_len = 24,
				       .result_addr = (uint64_t)(uintptr_t)reply,
				       .result_len = sizeof(reply)};
		if (capos_submit(ring, &e, &c) != CAPOS_OK || c.result_len != 24 ||
		    reply[1] != msg[1] || reply[2] != msg[2])
			return 3;
	}
	if (timer_now(ring, timer, &t1) != CAPOS_OK)
		return 4;
	char *p = put(line, "echo-client: ");
	p = put(p, fmt_u64(num, ROUNDS));
	p = put(p, " round trips ok, ");
	p = put(p, fmt_u64(num, (t1 - t0) / ROUNDS / 1000));
	put(p, " us each");
	console_write_line(ring, console, line);
	e = (struct capos_sqe){.opcode = CAPOS_OP_CALL,
			       .method = BYE,
			       .target = ep,
			       .params_addr = (uint64_t)(uintptr_t)msg,
			       .params_len = 8,
			       .result_addr = (uint64_t)(uintptr_t)reply,
			       .result_len = sizeof(reply)};
	return capos_submit(ring, &e, &c) == CAPOS_OK ? 0 : 5;
}
