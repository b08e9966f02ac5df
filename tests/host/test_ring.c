/* test_ring: kernel-side ring logic: NOP round trip, bounded batches and CQ
 * back-pressure, wrap-around of the free-running indices, corrupt sq_tail
 * resynchronisation, a lying cq_head, indices the kernel must not trust, every decode
 * rule with its exact status, and a hostile generator (random and corrupt SQEs, random
 * index scribbles between calls) checked against a shadow of the kernel's indices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/ring/ring.h"

#define SQN CAPOS_RING_SQ_ENTRIES
#define CQN CAPOS_RING_CQ_ENTRIES
#define LIM RING_USER_LIMIT

static struct capos_ring *page;
static struct ring_kstate k;

/* Exactly the struct, so ASan catches any access past its end. */
static int setup(void **state)
{
	(void)state;
	page = aligned_alloc(64, sizeof(struct capos_ring));
	assert_non_null(page);
	ring_init(page, &k);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(page);
	return 0;
}

/* User side: submit one SQE at the page's sq_tail. */
static void user_submit(const struct capos_sqe *s)
{
	page->sq[page->sq_tail % SQN] = *s;
	page->sq_tail++;
}

static struct capos_sqe nop(uint64_t ud)
{
	struct capos_sqe s;
	memset(&s, 0, sizeof(s));
	s.opcode = CAPOS_OP_NOP;
	s.user_data = ud;
	return s;
}

/* Kernel side: one cap_enter's worth of work with NOPs and decode failures. */
static uint32_t kernel_enter(uint32_t max)
{
	uint32_t n, done = 0;
	struct capos_sqe sqe;
	struct ring_req req;
	if (ring_sq_pending(page, &k, max, &n) == RING_SQ_CORRUPT)
		ring_post_status(page, &k, 0, CAPOS_E_MALFORMED);
	while (ring_take_sqe(page, &k, &sqe) == RING_OK) {
		ring_post_status(page, &k, sqe.user_data, ring_decode_sqe(&sqe, LIM, &req));
		done++;
	}
	assert_int_equal(done, n);
	return done;
}

static void test_nop_round_trip(void **state)
{
	(void)state;
	struct capos_sqe s = nop(0x1234567890abcdefull);
	user_submit(&s);
	assert_int_equal(kernel_enter(SQN), 1);
	assert_int_equal(page->sq_head, 1);
	assert_int_equal(page->cq_tail, 1);
	assert_int_equal(ring_cq_ready(page, &k), 1);
	assert_int_equal(page->cq[0].user_data, 0x1234567890abcdefull);
	assert_int_equal(page->cq[0].status, CAPOS_OK);
	page->cq_head = 1;
	assert_int_equal(ring_cq_ready(page, &k), 0);
	assert_int_equal(k.consumed_total, 1);
	assert_int_equal(k.posted_total, 1);
	assert_int_equal(page->sq_entries, SQN);
	assert_int_equal(page->cq_entries, CQN);
}

static void test_bounded_batches(void **state)
{
	(void)state;
	uint32_t n;
	struct capos_sqe s;
	for (uint32_t i = 0; i < SQN; i++) {
		s = nop(i);
		user_submit(&s);
	}
	assert_int_equal(ring_sq_pending(page, &k, 4, &n), RING_OK);
	assert_int_equal(n, 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(ring_take_sqe(page, &k, &s), RING_OK);
		assert_int_equal(s.user_data, i);
	}
	assert_int_equal(ring_take_sqe(page, &k, &s), RING_EMPTY);
	assert_int_equal(page->sq_head, 4);
	/* Max 0 opens an empty batch. */
	assert_int_equal(ring_sq_pending(page, &k, 0, &n), RING_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ring_take_sqe(page, &k, &s), RING_EMPTY);
	/* Back-pressure: only as many SQEs as free CQ slots. */
	k.cq_tail = CQN - 3;
	page->cq_tail = k.cq_tail;
	assert_int_equal(ring_cq_free(page, &k), 3);
	assert_int_equal(ring_sq_pending(page, &k, SQN, &n), RING_OK);
	assert_int_equal(n, 3);
	page->cq_head = k.cq_tail;
	assert_int_equal(kernel_enter(SQN), SQN - 4);
	assert_int_equal(k.sq_head, SQN);
}

static void test_wraparound(void **state)
{
	(void)state;
	k.sq_head = k.cq_tail = UINT32_MAX - 5;
	page->sq_head = page->sq_tail = page->cq_head = page->cq_tail = k.sq_head;
	for (uint64_t round = 0; round < 4; round++) {
		struct capos_sqe s;
		for (uint32_t i = 0; i < 5; i++) {
			s = nop(round * 10 + i);
			user_submit(&s);
		}
		assert_int_equal(kernel_enter(SQN), 5);
		for (uint32_t i = 0; i < 5; i++) {
			assert_int_equal(page->cq[page->cq_head % CQN].user_data, round * 10 + i);
			page->cq_head++;
		}
	}
	assert_int_equal(k.sq_head, (uint32_t)(UINT32_MAX - 5 + 20));
	assert_int_equal(k.cq_overflow, 0);
	uint32_t n;
	assert_int_equal(ring_sq_count(3, UINT32_MAX - 2, SQN, &n), RING_OK);
	assert_int_equal(n, 6);
	assert_int_equal(ring_sq_count(UINT32_MAX, 2, SQN, &n), RING_SQ_CORRUPT);
	assert_int_equal(n, 0);
	assert_int_equal(ring_sq_count(SQN, 0, SQN, &n), RING_OK);
	assert_int_equal(ring_sq_count(SQN + 1, 0, SQN, &n), RING_SQ_CORRUPT);
}

static void test_sq_corrupt_resync(void **state)
{
	(void)state;
	uint32_t n;
	struct capos_sqe s;
	page->sq_tail = SQN + 1;
	assert_int_equal(ring_sq_pending(page, &k, SQN, &n), RING_SQ_CORRUPT);
	assert_int_equal(n, 0);
	assert_int_equal(k.sq_head, SQN + 1);
	assert_int_equal(page->sq_head, SQN + 1);
	assert_int_equal(k.sq_corrupt, 1);
	assert_int_equal(ring_take_sqe(page, &k, &s), RING_EMPTY);
	assert_int_equal(k.consumed_total, 0);
	/* The kernel's error completion, then normal service from the new head. */
	assert_int_equal(ring_post_status(page, &k, 0, CAPOS_E_MALFORMED), RING_OK);
	assert_int_equal(page->cq[0].user_data, 0);
	assert_int_equal(page->cq[0].status, CAPOS_E_MALFORMED);
	s = nop(7);
	user_submit(&s);
	assert_int_equal(kernel_enter(SQN), 1);
	assert_int_equal(page->cq[1].user_data, 7);
	/* A tail behind the head is as corrupt as one too far ahead. */
	page->sq_tail = k.sq_head - 1;
	assert_int_equal(kernel_enter(SQN), 0);
	assert_int_equal(k.sq_corrupt, 2);
	assert_int_equal(page->sq_head, page->sq_tail);
	assert_int_equal(page->cq[2].status, CAPOS_E_MALFORMED);
}

static void test_cq_lies(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < CQN; i++)
		assert_int_equal(ring_post_status(page, &k, i, CAPOS_OK), RING_OK);
	assert_int_equal(ring_post_status(page, &k, 99, CAPOS_OK), RING_CQ_FULL);
	assert_int_equal(k.cq_overflow, 1);
	assert_int_equal(k.cq_corrupt, 0);
	assert_int_equal(ring_cq_ready(page, &k), CQN);
	/* cq_head ahead of cq_tail: treated as full, never written. */
	page->cq_head = k.cq_tail + 5;
	assert_int_equal(ring_post_status(page, &k, 100, CAPOS_OK), RING_CQ_FULL);
	assert_int_equal(k.cq_overflow, 2);
	assert_true(k.cq_corrupt >= 1);
	assert_int_equal(ring_cq_ready(page, &k), CQN);
	assert_int_equal(ring_cq_free(page, &k), 0);
	for (uint32_t i = 0; i < CQN; i++)
		assert_int_equal(page->cq[i].user_data, i);
	/* One past full is a lie as well, counted once per load. */
	uint64_t lies = k.cq_corrupt;
	page->cq_head = k.cq_tail - (CQN + 1);
	assert_int_equal(ring_cq_free(page, &k), 0);
	assert_int_equal(k.cq_corrupt, lies + 1);
	page->cq_head = k.cq_tail - CQN;
	assert_int_equal(ring_cq_free(page, &k), 0);
	assert_int_equal(k.cq_corrupt, lies + 1);
	/* The process repairs cq_head: service resumes. */
	page->cq_head = k.cq_tail;
	assert_int_equal(ring_post_status(page, &k, 101, CAPOS_OK), RING_OK);
	assert_int_equal(page->cq[0].user_data, 101);
}

static void test_untrusted_published_fields(void **state)
{
	(void)state;
	struct capos_sqe s = nop(1);
	user_submit(&s);
	page->sq_head = 12345;
	page->cq_tail = 777;
	page->sq_entries = UINT32_MAX;
	page->cq_entries = 0;
	assert_int_equal(kernel_enter(SQN), 1);
	assert_int_equal(page->sq_head, 1);
	assert_int_equal(page->cq_tail, 1);
	assert_int_equal(page->cq[0].user_data, 1);
}

struct decode_case {
	const char *name;
	struct capos_sqe sqe;
	enum capos_status want;
};

/* Each case is a valid base with one field changed: the overrides are the point. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

#define CALL_OK                                                                                    \
	.opcode = CAPOS_OP_CALL, .method = 3, .target = {2, 1}, .params_addr = 0x1000,             \
	.params_len = 64, .result_addr = 0x2000, .result_len = 128
#define RECV_OK .opcode = CAPOS_OP_RECV, .target = {1, 1}, .result_addr = 0x2000, .result_len = 4096
#define RETURN_OK                                                                                  \
	.opcode = CAPOS_OP_RETURN, .target = {9, 4}, .params_addr = 0x1000, .params_len = 8

static const struct decode_case decode_cases[] = {
    {"nop", {.opcode = CAPOS_OP_NOP, .user_data = ~0ull}, CAPOS_OK},
    {"opcode 5", {.opcode = 5}, CAPOS_E_RESERVED_OPCODE},
    {"opcode 255 before reserved", {.opcode = 255, .reserved = 1}, CAPOS_E_RESERVED_OPCODE},
    {"reserved", {.opcode = CAPOS_OP_NOP, .reserved = 1}, CAPOS_E_MALFORMED},
    {"call reserved", {CALL_OK, .reserved = 1ull << 63}, CAPOS_E_MALFORMED},
    {"flag 0x02", {.opcode = CAPOS_OP_NOP, .flags = 0x02}, CAPOS_E_MALFORMED},
    {"flag 0x80 on call", {CALL_OK, .flags = 0x80}, CAPOS_E_MALFORMED},
    {"nop move", {.opcode = CAPOS_OP_NOP, .flags = CAPOS_SQE_F_MOVE}, CAPOS_E_MALFORMED},
    {"nop target", {.opcode = CAPOS_OP_NOP, .target = {0, 1}}, CAPOS_E_MALFORMED},
    {"nop method", {.opcode = CAPOS_OP_NOP, .method = 1}, CAPOS_E_MALFORMED},
    {"nop params",
     {.opcode = CAPOS_OP_NOP, .params_addr = 0x1000, .params_len = 8},
     CAPOS_E_MALFORMED},
    {"nop result len", {.opcode = CAPOS_OP_NOP, .result_len = 8}, CAPOS_E_MALFORMED},
    {"nop xfer addr", {.opcode = CAPOS_OP_NOP, .xfer_addr = 0x1000}, CAPOS_E_MALFORMED},
    {"release", {.opcode = CAPOS_OP_RELEASE, .target = {3, 7}}, CAPOS_OK},
    {"release method", {.opcode = CAPOS_OP_RELEASE, .method = 2}, CAPOS_E_MALFORMED},
    {"release params", {.opcode = CAPOS_OP_RELEASE, .params_len = 8}, CAPOS_E_MALFORMED},
    {"release result", {.opcode = CAPOS_OP_RELEASE, .result_addr = 8}, CAPOS_E_MALFORMED},
    {"release xfer", {.opcode = CAPOS_OP_RELEASE, .xfer_count = 1}, CAPOS_E_MALFORMED},
    {"call", {CALL_OK}, CAPOS_OK},
    {"call no result", {CALL_OK, .result_addr = 0, .result_len = 0}, CAPOS_OK},
    {"call move xfer",
     {CALL_OK, .flags = CAPOS_SQE_F_MOVE, .xfer_count = 8, .xfer_addr = 0x3000},
     CAPOS_OK},
    {"call no params", {CALL_OK, .params_addr = 0, .params_len = 0}, CAPOS_E_BAD_PARAMS},
    {"call params addr, len 0", {CALL_OK, .params_len = 0}, CAPOS_E_MALFORMED},
    {"call params null", {CALL_OK, .params_addr = 0}, CAPOS_E_BAD_PARAMS},
    {"call params 64 KiB", {CALL_OK, .params_len = RING_MAX_MSG}, CAPOS_OK},
    {"call params too big", {CALL_OK, .params_len = RING_MAX_MSG + 1}, CAPOS_E_BAD_PARAMS},
    {"call params end at limit", {CALL_OK, .params_addr = LIM - 64}, CAPOS_OK},
    {"call params past limit", {CALL_OK, .params_addr = LIM - 63}, CAPOS_E_BAD_PARAMS},
    {"call params kernel half",
     {CALL_OK, .params_addr = 0xffff800000000000ull},
     CAPOS_E_BAD_PARAMS},
    {"call params wrap", {CALL_OK, .params_addr = UINT64_MAX - 8}, CAPOS_E_BAD_PARAMS},
    {"call move no xfer", {CALL_OK, .flags = CAPOS_SQE_F_MOVE}, CAPOS_E_MALFORMED},
    {"call xfer 9", {CALL_OK, .xfer_count = 9, .xfer_addr = 0x3000}, CAPOS_E_MALFORMED},
    {"call xfer huge", {CALL_OK, .xfer_count = UINT32_MAX, .xfer_addr = 0x3000}, CAPOS_E_MALFORMED},
    {"call xfer null", {CALL_OK, .xfer_count = 1}, CAPOS_E_BAD_PARAMS},
    {"call xfer addr, count 0", {CALL_OK, .xfer_addr = 0x3000}, CAPOS_E_MALFORMED},
    {"call xfer end at limit", {CALL_OK, .xfer_count = 1, .xfer_addr = LIM - 8}, CAPOS_OK},
    {"call xfer past limit", {CALL_OK, .xfer_count = 2, .xfer_addr = LIM - 8}, CAPOS_E_BAD_PARAMS},
    {"call result too big", {CALL_OK, .result_len = RING_MAX_MSG + 1}, CAPOS_E_BAD_RESULT},
    {"call result null", {CALL_OK, .result_addr = 0}, CAPOS_E_BAD_RESULT},
    {"call result addr, len 0", {CALL_OK, .result_len = 0}, CAPOS_E_MALFORMED},
    {"call result wrap", {CALL_OK, .result_addr = UINT64_MAX - 64}, CAPOS_E_BAD_RESULT},
    {"call result past limit", {CALL_OK, .result_addr = LIM}, CAPOS_E_BAD_RESULT},
    {"call params before result",
     {CALL_OK, .params_addr = LIM, .result_addr = LIM},
     CAPOS_E_BAD_PARAMS},
    {"recv", {RECV_OK}, CAPOS_OK},
    {"recv no result", {RECV_OK, .result_addr = 0, .result_len = 0}, CAPOS_E_BAD_RESULT},
    {"recv params", {RECV_OK, .params_addr = 0x1000, .params_len = 8}, CAPOS_E_MALFORMED},
    {"recv method", {RECV_OK, .method = 1}, CAPOS_E_MALFORMED},
    {"recv xfer room", {RECV_OK, .xfer_count = 1, .xfer_addr = 0x3000}, CAPOS_OK},
    {"recv xfer room wraps",
     {RECV_OK, .xfer_count = 2, .xfer_addr = UINT64_MAX - 8},
     CAPOS_E_BAD_RESULT},
    {"recv xfer room null", {RECV_OK, .xfer_count = 1, .xfer_addr = 0}, CAPOS_E_BAD_RESULT},
    {"recv xfer room too big",
     {RECV_OK, .xfer_count = RING_MAX_XFER + 1, .xfer_addr = 0x3000},
     CAPOS_E_MALFORMED},
    {"recv move", {RECV_OK, .flags = CAPOS_SQE_F_MOVE}, CAPOS_E_MALFORMED},
    {"recv move with room",
     {RECV_OK, .flags = CAPOS_SQE_F_MOVE, .xfer_count = 1, .xfer_addr = 0x3000},
     CAPOS_E_MALFORMED},
    {"return", {RETURN_OK}, CAPOS_OK},
    {"return empty", {RETURN_OK, .params_addr = 0, .params_len = 0}, CAPOS_OK},
    {"return move xfer",
     {RETURN_OK, .flags = CAPOS_SQE_F_MOVE, .xfer_count = 2, .xfer_addr = 0x3000},
     CAPOS_OK},
    {"return result", {RETURN_OK, .result_addr = 0x2000, .result_len = 8}, CAPOS_E_MALFORMED},
    {"return method", {RETURN_OK, .method = 1}, CAPOS_E_MALFORMED},
    {"return params past limit", {RETURN_OK, .params_addr = LIM - 4}, CAPOS_E_BAD_PARAMS},
};

static void test_decode_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		const struct decode_case *c = &decode_cases[i];
		struct ring_req req;
		memset(&req, 0xa5, sizeof(req));
		enum capos_status st = ring_decode_sqe(&c->sqe, LIM, &req);
		if (st != c->want)
			fail_msg("%s: got %d, want %d", c->name, st, c->want);
		assert_int_equal(req.user_data, c->sqe.user_data);
		if (st != CAPOS_OK) {
			struct ring_req zero;
			memset(&zero, 0, sizeof(zero));
			zero.user_data = c->sqe.user_data;
			assert_memory_equal(&req, &zero, sizeof(req));
		}
	}
}

static void test_decode_fields(void **state)
{
	(void)state;
	struct capos_sqe s = {CALL_OK, .flags = CAPOS_SQE_F_MOVE, .xfer_count = 3,
			      .xfer_addr = 0x3000, .user_data = 42};
	struct ring_req r;
	assert_int_equal(ring_decode_sqe(&s, LIM, &r), CAPOS_OK);
	assert_int_equal(r.op, CAPOS_OP_CALL);
	assert_true(r.move);
	assert_int_equal(r.method, 3);
	assert_int_equal(r.target.slot, 2);
	assert_int_equal(r.target.gen, 1);
	assert_int_equal(r.user_data, 42);
	assert_int_equal(r.params_addr, 0x1000);
	assert_int_equal(r.params_len, 64);
	assert_int_equal(r.result_addr, 0x2000);
	assert_int_equal(r.result_len, 128);
	assert_int_equal(r.xfer_addr, 0x3000);
	assert_int_equal(r.xfer_count, 3);
	/* The limit is the caller's. */
	assert_int_equal(ring_decode_sqe(&s, 0x1040, &r), CAPOS_E_BAD_PARAMS);
	assert_int_equal(ring_decode_sqe(&s, 0x2080, &r), CAPOS_E_BAD_PARAMS);
	assert_int_equal(ring_decode_sqe(&s, 0x3018, &r), CAPOS_OK);
	assert_int_equal(ring_decode_sqe(&s, 0x3017, &r), CAPOS_E_BAD_PARAMS);
}

/* ---- hostile generator ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t pick_addr(void)
{
	static const uint64_t addrs[] = {0,   0x1000,	  LIM - 64,	  LIM - 8,
					 LIM, UINT64_MAX, UINT64_MAX - 8, 0x7ffff000};
	return (xorshift() & 1) ? xorshift() : addrs[xorshift() % 8];
}

static uint32_t pick_len(void)
{
	static const uint32_t lens[] = {0, 1, 8, 64, RING_MAX_MSG, RING_MAX_MSG + 1, UINT32_MAX};
	return (xorshift() & 1) ? (uint32_t)xorshift() : lens[xorshift() % 7];
}

/* An SQE that is random bytes, a valid one, or a valid one with one field mangled. */
static void hostile_sqe(struct capos_sqe *s)
{
	static const struct capos_sqe valid[] = {
	    {.opcode = CAPOS_OP_NOP},
	    {CALL_OK, .flags = CAPOS_SQE_F_MOVE, .xfer_count = 2, .xfer_addr = 0x3000},
	    {RECV_OK},
	    {RETURN_OK},
	    {.opcode = CAPOS_OP_RELEASE, .target = {1, 1}},
	};
	uint64_t mode = xorshift() % 4;
	if (mode == 0) {
		for (size_t i = 0; i < sizeof(*s); i += 8) {
			uint64_t w = xorshift();
			memcpy((uint8_t *)s + i, &w, 8);
		}
		return;
	}
	*s = valid[xorshift() % 5];
	s->user_data = xorshift();
	if (mode == 1)
		return;
	switch (xorshift() % 10) {
	case 0:
		s->opcode = (uint8_t)xorshift();
		break;
	case 1:
		s->flags = (uint8_t)xorshift();
		break;
	case 2:
		s->reserved = xorshift() & 1;
		break;
	case 3:
		s->params_addr = pick_addr();
		break;
	case 4:
		s->params_len = pick_len();
		break;
	case 5:
		s->result_addr = pick_addr();
		break;
	case 6:
		s->result_len = pick_len();
		break;
	case 7:
		s->xfer_count = (uint32_t)(xorshift() % 12);
		break;
	case 8:
		s->xfer_addr = pick_addr();
		break;
	default:
		s->method = (uint16_t)xorshift();
		break;
	}
}

static bool known_status(int32_t st)
{
	return st <= CAPOS_OK && st >= CAPOS_E_NO_RESOURCES;
}

static void test_hostile(void **state)
{
	(void)state;
	uint64_t seen[8] = {0};
	uint32_t shadow_head = k.sq_head, shadow_cq = k.cq_tail;
	uint64_t errors = 0, overflows = 0, posts = 0;
	while (k.consumed_total < 100000) {
		/* The user: submissions at random slots, then maybe lies. */
		uint32_t nsub = (uint32_t)(xorshift() % (SQN + 1));
		for (uint32_t i = 0; i < nsub; i++)
			hostile_sqe(&page->sq[(page->sq_tail + i) % SQN]);
		switch (xorshift() % 8) {
		case 0:
			page->sq_tail = (uint32_t)xorshift();
			break;
		case 1:
			page->sq_tail = k.sq_head + SQN + 1 + (uint32_t)(xorshift() % 4);
			break;
		default:
			page->sq_tail = k.sq_head + nsub;
			break;
		}
		uint64_t r = xorshift();
		if (r % 4 == 0)
			page->cq_head = (uint32_t)xorshift();
		else
			page->cq_head = k.cq_tail - (uint32_t)(xorshift() % (CQN + 1));
		if (r % 5 == 0) {
			page->sq_head = (uint32_t)xorshift();
			page->cq_tail = (uint32_t)xorshift();
			page->sq_entries = (uint32_t)xorshift();
			page->cq_entries = (uint32_t)xorshift();
		}

		/* The kernel. */
		uint64_t errors_before = errors, posts_before = posts;
		uint32_t n, tail = page->sq_tail, max = 1 + (uint32_t)(xorshift() % SQN);
		if (ring_sq_pending(page, &k, max, &n) == RING_SQ_CORRUPT) {
			assert_int_equal(n, 0);
			shadow_head = tail;
			errors++;
			if (ring_post_status(page, &k, 0, CAPOS_E_MALFORMED) == RING_OK)
				shadow_cq++, posts++;
			else
				overflows++;
		} else {
			assert_true(n <= max && n <= tail - shadow_head);
		}
		struct capos_sqe sqe;
		struct ring_req req;
		uint32_t taken = 0;
		while (ring_take_sqe(page, &k, &sqe) == RING_OK) {
			assert_memory_equal(&sqe, &page->sq[shadow_head % SQN], sizeof(sqe));
			shadow_head++;
			taken++;
			enum capos_status st = ring_decode_sqe(&sqe, LIM, &req);
			assert_true(known_status(st));
			seen[-st]++;
			if (ring_post_status(page, &k, sqe.user_data, st) == RING_OK) {
				const struct capos_cqe *c = &page->cq[shadow_cq % CQN];
				assert_int_equal(c->user_data, sqe.user_data);
				assert_int_equal(c->status, st);
				shadow_cq++, posts++;
			} else {
				overflows++;
			}
		}
		assert_int_equal(taken, n);
		assert_int_equal(k.sq_head, shadow_head);
		assert_int_equal(k.cq_tail, shadow_cq);
		/* Published whenever they move (a scribble is left alone otherwise). */
		if (taken > 0 || k.sq_corrupt != errors_before)
			assert_int_equal(page->sq_head, k.sq_head);
		if (posts != posts_before)
			assert_int_equal(page->cq_tail, k.cq_tail);
		assert_true(k.sq_avail == 0);
		assert_true(ring_cq_ready(page, &k) <= CQN);
		assert_int_equal(k.posted_total, posts);
		assert_int_equal(k.cq_overflow, overflows);
		assert_int_equal(k.sq_corrupt, errors);
		assert_int_equal(k.posted_total + k.cq_overflow, k.consumed_total + k.sq_corrupt);
	}
	/* The generator reached every decode outcome. */
	assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0 && seen[3] > 0 && seen[6] > 0);
	assert_true(errors > 0 && overflows > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_nop_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounded_batches, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wraparound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sq_corrupt_resync, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cq_lies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_untrusted_published_fields, setup, teardown),
	    cmocka_unit_test(test_decode_rules),
	    cmocka_unit_test(test_decode_fields),
	    cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
