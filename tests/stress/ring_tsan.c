/* ring_tsan: the SQ/CQ protocol under two threads, for ThreadSanitizer.
 *
 * The producer plays libcapos: it writes SQEs with plain stores, publishes sq_tail
 * with a release store, reads CQEs after an acquire load of cq_tail and hands their
 * slots back with a release store of cq_head. The consumer plays cap_enter through
 * lib/ring. Every seventh SQE is malformed (reserved field set) so both statuses
 * travel. Each user_data must come back exactly once, in order, with the status its
 * SQE deserves, and nothing may overflow or be taken for corrupt.
 *
 * clang -std=gnu11 -DCAPOS_HOST -I. -Iinclude -O1 -g -fsanitize=thread \
 *	tests/stress/ring_tsan.c lib/ring/ring.c -lpthread -o /tmp/ring_tsan
 * Prints `ring_tsan: N ops ok`; exits non-zero on any error (TSan: 66 on a race).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ring/ring.h"

#define OPS   1000000u
#define SQN   CAPOS_RING_SQ_ENTRIES
#define CQN   CAPOS_RING_CQ_ENTRIES
#define SPINS 64 /* idle polls before yielding the CPU */

static struct capos_ring ring __attribute__((aligned(4096)));
static struct ring_kstate kst;
static int failed; /* accessed atomically */

static void fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "ring_tsan: %s (%llu, %llu)\n", what, (unsigned long long)a,
		(unsigned long long)b);
	__atomic_store_n(&failed, 1, __ATOMIC_RELAXED);
}

static bool has_failed(void)
{
	return __atomic_load_n(&failed, __ATOMIC_RELAXED) != 0;
}

static volatile uint32_t *index_field(size_t off)
{
	return (volatile uint32_t *)((uintptr_t)&ring + off);
}

static uint32_t load_acquire(size_t off)
{
	return __atomic_load_n(index_field(off), __ATOMIC_ACQUIRE);
}

static void store_release(size_t off, uint32_t v)
{
	__atomic_store_n(index_field(off), v, __ATOMIC_RELEASE);
}

static bool malformed(uint64_t user_data)
{
	return user_data % 7 == 0;
}

static void idle(unsigned *spins)
{
	if (++*spins >= SPINS) {
		*spins = 0;
		sched_yield();
	}
}

static void *producer(void *arg)
{
	(void)arg;
	uint64_t next_submit = 1, next_expect = 1;
	uint32_t sq_tail = 0, cq_head = 0;
	unsigned spins = 0;
	while (next_expect <= OPS && !has_failed()) {
		bool progress = false;
		uint32_t head = load_acquire(offsetof(struct capos_ring, sq_head));
		while (next_submit <= OPS && sq_tail - head < SQN) {
			struct capos_sqe s;
			memset(&s, 0, sizeof(s));
			s.opcode = CAPOS_OP_NOP;
			s.user_data = next_submit;
			s.reserved = malformed(next_submit);
			memcpy(&ring.sq[sq_tail % SQN], &s, sizeof(s));
			sq_tail++;
			next_submit++;
			progress = true;
		}
		if (progress)
			store_release(offsetof(struct capos_ring, sq_tail), sq_tail);

		uint32_t tail = load_acquire(offsetof(struct capos_ring, cq_tail));
		if (tail - cq_head > CQN) {
			fail("cq_tail out of range", tail, cq_head);
			break;
		}
		while (cq_head != tail) {
			struct capos_cqe c;
			memcpy(&c, &ring.cq[cq_head % CQN], sizeof(c));
			int32_t want = malformed(next_expect) ? CAPOS_E_MALFORMED : CAPOS_OK;
			if (c.user_data != next_expect)
				fail("user_data out of order or lost", c.user_data, next_expect);
			if (c.status != want)
				fail("wrong status", (uint64_t)(int64_t)c.status, next_expect);
			next_expect++;
			cq_head++;
			progress = true;
		}
		store_release(offsetof(struct capos_ring, cq_head), cq_head);
		if (!progress)
			idle(&spins);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	unsigned spins = 0;
	while (kst.consumed_total < OPS && !has_failed()) {
		uint32_t n;
		struct capos_sqe sqe;
		struct ring_req req;
		if (ring_sq_pending(&ring, &kst, SQN, &n) != RING_OK) {
			fail("sq corrupt", kst.sq_head, 0);
			break;
		}
		while (ring_take_sqe(&ring, &kst, &sqe) == RING_OK) {
			enum capos_status st = ring_decode_sqe(&sqe, RING_USER_LIMIT, &req);
			if (ring_post_status(&ring, &kst, sqe.user_data, st) != RING_OK)
				fail("cq overflow", sqe.user_data, 0);
		}
		if (n == 0)
			idle(&spins);
	}
	return NULL;
}

int main(void)
{
	pthread_t p, c;
	ring_init(&ring, &kst);
	if (pthread_create(&c, NULL, consumer, NULL) != 0 ||
	    pthread_create(&p, NULL, producer, NULL) != 0) {
		fprintf(stderr, "ring_tsan: pthread_create failed\n");
		return 1;
	}
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	if (kst.consumed_total != OPS || kst.posted_total != OPS || kst.cq_overflow != 0 ||
	    kst.sq_corrupt != 0 || kst.cq_corrupt != 0)
		fail("kernel counters", kst.consumed_total, kst.posted_total);
	if (has_failed())
		return 1;
	printf("ring_tsan: %u ops ok\n", OPS);
	return 0;
}
