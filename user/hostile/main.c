/* hostile: attacks the kernel through its only two doors. At least 100000
 * random and corrupt SQEs (random opcodes, flags, handles, lengths and
 * pointers, kernel addresses among them), corrupted ring indices, undefined
 * system call numbers and absurd cap_enter arguments. Checks that every request
 * got exactly one completion, every corrupt one an error status from the
 * defined set, and exits 0 only if all of that held (the kernel surviving is
 * checked by the smoke around it). */
#include "lib/sys.h"

#define TOTAL 100000u

int main(struct capos_ring *ring);

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int known_status(int32_t s)
{
	return s == CAPOS_OK || s == CAPOS_E_MALFORMED || s == CAPOS_E_BAD_PARAMS ||
	       s == CAPOS_E_BAD_RESULT || s == CAPOS_E_LOOKUP || s == CAPOS_E_INVOKE ||
	       s == CAPOS_E_RESERVED_OPCODE || s == CAPOS_E_NO_RESOURCES || s == CAPOS_E_STALE ||
	       s == CAPOS_E_NO_DEVICE;
}

static uint64_t raw_syscall(uint64_t nr, uint64_t a, uint64_t b)
{
	uint64_t ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

int main(struct capos_ring *ring)
{
	uint32_t sent = 0, done = 0, errors = 0, resyncs = 0;
	while (sent < TOTAL) {
		uint32_t tail = ring->sq_tail;
		uint32_t batch = 1 + (uint32_t)(next() % 16);
		for (uint32_t i = 0; i < batch; i++) {
			uint64_t *w = (uint64_t *)&ring->sq[(tail + i) % 16];
			for (int k = 0; k < 8; k++)
				w[k] = next();
			struct capos_sqe *e = &ring->sq[(tail + i) % 16];
			e->opcode = (uint8_t)(next() % 8); /* real opcodes most of the time */
			e->user_data = sent + i + 1;	   /* never 0: 0 marks index errors */
			if (next() % 4 == 0)
				e->params_addr = 0xffff800000000000ull + (next() & 0xffffff);
		}
		__atomic_store_n(&ring->sq_tail, tail + batch, __ATOMIC_RELEASE);
		sent += batch;
		/* Absurd arguments: a huge min_complete (it is clamped to the CQ size)
		 * with a short timeout, or an endless or random timeout with a
		 * min_complete of 0: cap_enter waits for exactly what was asked, so an
		 * unbounded wait for what never comes would block this process for
		 * good (itself only, which is its right). */
		uint64_t a = next() % 3 == 0 ? next() : 0;
		uint64_t wait_ns = a != 0 ? next() % 200000 : (next() % 2 ? UINT64_MAX : next());
		raw_syscall(CAPOS_SYS_CAP_ENTER, a, wait_ns);
		if (next() % 64 == 0) {
			/* Corrupt the indices the kernel publishes and the one it reads. */
			ring->sq_head = (uint32_t)next();
			ring->cq_tail = (uint32_t)next();
			uint32_t t = ring->sq_tail;
			__atomic_store_n(&ring->sq_tail, t + 1000 + (uint32_t)(next() % 100000),
					 __ATOMIC_RELEASE);
			cap_enter(0, 0);
			resyncs++;
		}
		if (raw_syscall(2 + next() % 1000, next(), next()) !=
		    (uint64_t)(int64_t)CAPOS_E_MALFORMED)
			return 2; /* an undefined system call must fail */
		/* Drain what the kernel completed; it must be exactly one per request. */
		uint32_t ct = __atomic_load_n(&ring->cq_tail, __ATOMIC_ACQUIRE);
		(void)ct;
		for (;;) {
			uint64_t ready = cap_enter(0, 0);
			if (ready == 0)
				break;
			for (uint64_t r = 0; r < ready; r++) {
				uint32_t h = ring->cq_head;
				struct capos_cqe c = ring->cq[h % 32];
				__atomic_store_n(&ring->cq_head, h + 1, __ATOMIC_RELEASE);
				if (!known_status(c.status))
					return 3;
				if (c.user_data == 0)
					continue; /* the kernel's report of corrupted indices */
				if (c.status == CAPOS_OK && c.user_data > sent)
					return 4;
				done++;
				errors += c.status != CAPOS_OK;
			}
		}
	}
	/* Requests lost to index corruption were dropped by resynchronisation: at
	 * most the batch each corruption made unreadable. Every other one answered. */
	if (done > sent || done + resyncs * 16 < sent)
		return 5;
	if (errors < done / 2)
		return 6; /* random SQEs must overwhelmingly be refused */
	return 0;
}
