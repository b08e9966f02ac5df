/* fuzz_ring: the kernel's reading of a hostile ring page. The input is
 *	flags (1) | user limit (8) | one SQE (64) | start sq index (4) | start cq index (4)
 * followed by a script of user writes (indices, SQEs, header scribbles) and kernel
 * steps (open a batch, take an SQE, post a CQE, a whole cap_enter). The SQE and every
 * SQE the kernel takes go through ring_decode_sqe, whose accepted requests must lie
 * below the limit; the kernel steps are checked against a shadow of the kernel's
 * indices, and must touch only what the kernel owns on the page (sq_head, cq_tail,
 * one CQ slot). The page is an exact-size heap block, so ASan sees any access past it.
 * A broken invariant is __builtin_trap(). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ring/ring.h"

#define SQN CAPOS_RING_SQ_ENTRIES
#define CQN CAPOS_RING_CQ_ENTRIES

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t n;
};

/* Next len bytes of the input; zeroes once it runs out. */
static void take(struct input *in, void *dst, size_t len)
{
	size_t k = len < in->n ? len : in->n;
	memset(dst, 0, len);
	memcpy(dst, in->p, k);
	in->p += k;
	in->n -= k;
}

static uint32_t take_u32(struct input *in)
{
	uint32_t v;
	take(in, &v, sizeof(v));
	return v;
}

static uint8_t take_u8(struct input *in)
{
	uint8_t v;
	take(in, &v, sizeof(v));
	return v;
}

/* A non-empty user range as ring_decode_sqe must have checked it. */
static void check_range(uint64_t addr, uint64_t len, uint64_t limit)
{
	CHECK(addr != 0 && len <= RING_MAX_MSG);
	CHECK(addr <= limit && len <= limit - addr);
}

/* ring_decode_sqe on s: an accepted request lies under limit and sets only what its
 * opcode uses; a refusal leaves *out zero apart from user_data. */
static void check_decode(const struct capos_sqe *s, uint64_t limit)
{
	struct capos_sqe copy = *s;
	struct ring_req req;
	enum capos_status st = ring_decode_sqe(s, limit, &req);
	CHECK(memcmp(&copy, s, sizeof(copy)) == 0);
	CHECK(req.user_data == s->user_data);
	if (st != CAPOS_OK) {
		CHECK(st == CAPOS_E_MALFORMED || st == CAPOS_E_BAD_PARAMS ||
		      st == CAPOS_E_BAD_RESULT || st == CAPOS_E_RESERVED_OPCODE);
		CHECK(req.op == 0 && !req.move && req.method == 0 && req.target.slot == 0 &&
		      req.target.gen == 0 && req.params_addr == 0 && req.params_len == 0 &&
		      req.result_addr == 0 && req.result_len == 0 && req.xfer_addr == 0 &&
		      req.xfer_count == 0);
		return;
	}
	CHECK(s->reserved == 0 && (s->flags & ~CAPOS_SQE_F_MOVE) == 0);
	CHECK(req.op <= CAPOS_OP_RELEASE && (uint8_t)req.op == s->opcode);
	CHECK(req.xfer_count <= RING_MAX_XFER);
	CHECK(!req.move || (req.xfer_count != 0 && req.op != CAPOS_OP_RECV));
	CHECK(req.op != CAPOS_OP_CALL || req.params_len != 0);
	CHECK(req.op != CAPOS_OP_RECV || req.result_len != 0);
	if (req.params_len != 0)
		check_range(req.params_addr, req.params_len, limit);
	else
		CHECK(req.params_addr == 0);
	if (req.result_len != 0)
		check_range(req.result_addr, req.result_len, limit);
	else
		CHECK(req.result_addr == 0);
	if (req.xfer_count != 0)
		check_range(req.xfer_addr, (uint64_t)req.xfer_count * sizeof(struct capos_xfer),
			    limit);
	else
		CHECK(req.xfer_addr == 0);
	switch (req.op) {
	case CAPOS_OP_NOP:
		CHECK(req.target.slot == 0 && req.target.gen == 0);
		/* fall through */
	case CAPOS_OP_RELEASE:
		CHECK(req.params_len == 0 && req.result_len == 0 && req.xfer_count == 0);
		/* fall through */
	case CAPOS_OP_RECV:
		CHECK(req.params_len == 0);
		/* fall through */
	case CAPOS_OP_RETURN:
		CHECK(req.op == CAPOS_OP_RECV || req.result_len == 0);
		CHECK(req.method == 0);
		break;
	case CAPOS_OP_CALL:
		break;
	}
}

/* The test's model of the kernel: its private indices and the open batch. */
struct shadow {
	uint32_t sq_head, cq_tail, batch;
};

/* CQ slots free by the page's cq_head, as ring_cq_free must count them. */
static uint32_t shadow_cq_free(const struct capos_ring *page, const struct shadow *sh)
{
	uint32_t used = sh->cq_tail - page->cq_head;
	return used >= CQN ? 0 : CQN - used;
}

/* What a kernel step may publish on the page. */
enum { W_SQ_HEAD = 1u << 0, W_CQ_TAIL = 1u << 1 };

/* After a kernel step: the kernel's state matches the shadow, and of the page it
 * changed at most what wrote names and the CQ slot at cqe_slot (-1: none). */
static void check_kernel_wrote(const struct capos_ring *page, const struct capos_ring *before,
			       const struct ring_kstate *k, const struct shadow *sh, unsigned wrote,
			       int cqe_slot)
{
	CHECK(k->sq_head == sh->sq_head && k->cq_tail == sh->cq_tail && k->sq_avail == sh->batch);
	CHECK(page->sq_head == ((wrote & W_SQ_HEAD) ? sh->sq_head : before->sq_head));
	CHECK(page->cq_tail == ((wrote & W_CQ_TAIL) ? sh->cq_tail : before->cq_tail));
	CHECK(page->sq_tail == before->sq_tail && page->cq_head == before->cq_head);
	CHECK(page->sq_entries == before->sq_entries && page->cq_entries == before->cq_entries);
	CHECK(memcmp(page->pad, before->pad, sizeof(page->pad)) == 0);
	CHECK(memcmp(page->sq, before->sq, sizeof(page->sq)) == 0);
	for (int i = 0; i < (int)CQN; i++)
		CHECK(i == cqe_slot ||
		      memcmp(&page->cq[i], &before->cq[i], sizeof(page->cq[i])) == 0);
}

/* Opens a batch of at most max; returns whether sq_tail was out of range. */
static bool kernel_pending(struct capos_ring *page, struct ring_kstate *k, struct shadow *sh,
			   uint32_t max)
{
	struct capos_ring before = *page;
	uint32_t n, count, tail = page->sq_tail, avail = tail - sh->sq_head;
	bool corrupt = avail > SQN;
	enum ring_status st = ring_sq_count(tail, sh->sq_head, SQN, &count);
	CHECK(st == (corrupt ? RING_SQ_CORRUPT : RING_OK) && count == (corrupt ? 0 : avail));
	st = ring_sq_pending(page, k, max, &n);
	if (corrupt) {
		CHECK(st == RING_SQ_CORRUPT && n == 0);
		sh->sq_head = tail;
		sh->batch = 0;
	} else {
		uint32_t room = shadow_cq_free(page, sh);
		uint32_t want = avail < max ? avail : max;
		CHECK(st == RING_OK && n == (want < room ? want : room));
		CHECK(n <= SQN && n <= max && n <= room);
		sh->batch = n;
	}
	check_kernel_wrote(page, &before, k, sh, corrupt ? W_SQ_HEAD : 0, -1);
	return corrupt;
}

/* Takes one SQE into *sqe and decodes it; returns whether there was one. */
static bool kernel_take(struct capos_ring *page, struct ring_kstate *k, struct shadow *sh,
			uint64_t limit, struct capos_sqe *sqe)
{
	struct capos_ring before = *page;
	uint32_t consumed = k->consumed_total;
	enum ring_status st = ring_take_sqe(page, k, sqe);
	if (sh->batch == 0) {
		CHECK(st == RING_EMPTY && k->consumed_total == consumed);
	} else {
		CHECK(st == RING_OK && k->consumed_total == consumed + 1);
		CHECK(memcmp(sqe, &before.sq[sh->sq_head % SQN], sizeof(*sqe)) == 0);
		sh->sq_head++;
		sh->batch--;
		check_decode(sqe, limit);
	}
	check_kernel_wrote(page, &before, k, sh, st == RING_OK ? W_SQ_HEAD : 0, -1);
	return st == RING_OK;
}

static void kernel_post(struct capos_ring *page, struct ring_kstate *k, struct shadow *sh,
			const struct capos_cqe *c)
{
	struct capos_ring before = *page;
	uint64_t overflow = k->cq_overflow;
	uint32_t slot = sh->cq_tail % CQN;
	bool room = shadow_cq_free(page, sh) != 0;
	enum ring_status st = ring_post_cqe(page, k, c);
	CHECK(st == (room ? RING_OK : RING_CQ_FULL));
	if (room) {
		CHECK(memcmp(&page->cq[slot], c, sizeof(*c)) == 0);
		sh->cq_tail++;
	} else {
		CHECK(k->cq_overflow == overflow + 1);
	}
	check_kernel_wrote(page, &before, k, sh, room ? W_CQ_TAIL : 0, room ? (int)slot : -1);
	uint32_t ready = ring_cq_ready(page, k);
	uint32_t used = sh->cq_tail - page->cq_head;
	CHECK(ready == (used > CQN ? CQN : used));
}

/* One cap_enter as the kernel runs it (lib/ring/ring.h): every SQE of the batch is
 * taken and completed, none beyond it, and none of its completions is dropped. */
static void kernel_enter(struct capos_ring *page, struct ring_kstate *k, struct shadow *sh,
			 uint32_t max, uint64_t limit)
{
	struct capos_sqe sqe;
	struct capos_cqe c;
	struct ring_req req;
	uint32_t taken = 0;
	memset(&c, 0, sizeof(c));
	if (kernel_pending(page, k, sh, max)) {
		c.status = CAPOS_E_MALFORMED;
		kernel_post(page, k, sh, &c);
	}
	uint32_t batch = sh->batch, start = sh->sq_head;
	while (kernel_take(page, k, sh, limit, &sqe)) {
		/* The batch was sized to the free CQ slots. */
		CHECK(shadow_cq_free(page, sh) != 0);
		c.user_data = sqe.user_data;
		c.status = ring_decode_sqe(&sqe, limit, &req);
		kernel_post(page, k, sh, &c);
		taken++;
	}
	CHECK(taken == batch && taken <= SQN && taken <= max && sh->sq_head - start == taken);
}

enum {
	OP_SQ_TAIL,   /* u32: user sets sq_tail */
	OP_CQ_HEAD,   /* u32: user sets cq_head */
	OP_SUBMIT,    /* sqe: user writes the SQE at sq_tail and advances it */
	OP_WRITE_SQE, /* u8 slot, sqe: user writes any SQ slot */
	OP_SCRIBBLE,  /* u8 word, u32: user writes any word of the header */
	OP_CONSUME,   /* user consumes every CQE the kernel published */
	OP_PENDING,   /* u8 max */
	OP_TAKE,
	OP_POST,  /* cqe */
	OP_ENTER, /* u8 max */
	OP_COUNT,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct capos_ring *page = aligned_alloc(64, sizeof(struct capos_ring));
	struct ring_kstate k;
	struct shadow sh = {0, 0, 0};
	struct capos_sqe sqe;
	struct capos_cqe cqe;
	uint64_t limit;
	uint32_t v, taken = 0, steps = 0, scratch;
	if (page == NULL)
		return 0;
	uint8_t flags = take_u8(&in);
	take(&in, &limit, sizeof(limit));
	if (!(flags & 1))
		limit = RING_USER_LIMIT;
	take(&in, &sqe, sizeof(sqe));
	check_decode(&sqe, limit);

	/* Start anywhere in the free-running index space, so that runs cross the wrap. */
	ring_init(page, &k);
	sh.sq_head = k.sq_head = page->sq_head = page->sq_tail = take_u32(&in);
	sh.cq_tail = k.cq_tail = page->cq_tail = page->cq_head = take_u32(&in);

	while (in.n > 0 && steps++ < 4096) {
		switch (take_u8(&in) % OP_COUNT) {
		case OP_SQ_TAIL:
			page->sq_tail = take_u32(&in);
			break;
		case OP_CQ_HEAD:
			page->cq_head = take_u32(&in);
			break;
		case OP_SUBMIT:
			take(&in, &page->sq[page->sq_tail % SQN], sizeof(sqe));
			page->sq_tail++;
			break;
		case OP_WRITE_SQE:
			v = take_u8(&in) % SQN;
			take(&in, &page->sq[v], sizeof(sqe));
			break;
		case OP_SCRIBBLE:
			v = take_u8(&in) % (offsetof(struct capos_ring, sq) / 4);
			scratch = take_u32(&in);
			memcpy((uint8_t *)page + 4 * v, &scratch, sizeof(scratch));
			break;
		case OP_CONSUME:
			page->cq_head = page->cq_tail;
			break;
		case OP_PENDING:
			(void)kernel_pending(page, &k, &sh, take_u8(&in));
			break;
		case OP_TAKE:
			taken += kernel_take(page, &k, &sh, limit, &sqe);
			break;
		case OP_POST:
			take(&in, &cqe, sizeof(cqe));
			kernel_post(page, &k, &sh, &cqe);
			break;
		case OP_ENTER:
			v = k.consumed_total;
			kernel_enter(page, &k, &sh, take_u8(&in), limit);
			taken += k.consumed_total - v;
			break;
		}
		/* Whatever the process writes, each step takes at most one SQ's worth. */
		CHECK(taken <= steps * SQN && taken == k.consumed_total);
	}
	free(page);
	return 0;
}
