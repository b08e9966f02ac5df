/* hog: lives in system calls: 16 CALLs to Timer.now with 64 KiB messages and
 * 64 KiB results per cap_enter, in a loop for about 1.5 s, almost never in
 * user mode when a timer tick comes. It must be preempted all the same (the
 * kernel used to preempt only at interrupts from user mode: a sleeper beside
 * two hogs on two CPUs slept seconds instead of 30 ms). Timer in slot 1. */
#include "lib/capos.h"
#include "capos/gen/capos_schema.h"

#define RUN_NS 1500000000ull

int main(struct capos_ring *ring);

static uint8_t params[65536], result[65536];

int main(struct capos_ring *ring)
{
	struct capos_handle timer = {1, 1};
	uint64_t t0, now = 0;
	params[0] = 0; /* a message the Timer reads as an empty root */
	if (timer_now(ring, timer, &t0) != CAPOS_OK)
		return 1;
	do {
		uint32_t tail = ring->sq_tail;
		for (uint32_t i = 0; i < 16; i++)
			ring->sq[(tail + i) % CAPOS_RING_SQ_ENTRIES] =
			    (struct capos_sqe){.opcode = CAPOS_OP_CALL,
					       .method = CAPOS_TIMER_NOW,
					       .target = timer,
					       .user_data = 1000 + i,
					       .params_addr = (uint64_t)(uintptr_t)params,
					       .params_len = sizeof(params),
					       .result_addr = (uint64_t)(uintptr_t)result,
					       .result_len = sizeof(result)};
		__atomic_store_n(&ring->sq_tail, tail + 16, __ATOMIC_RELEASE);
		cap_enter(16, 0);
		__atomic_store_n(&ring->cq_head, ring->cq_tail, __ATOMIC_RELEASE);
	} while (timer_now(ring, timer, &now) == CAPOS_OK && now - t0 < RUN_NS);
	return now - t0 >= RUN_NS ? 0 : 2;
}
