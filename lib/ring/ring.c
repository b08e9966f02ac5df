/* ring: kernel-side consumption of the capability ring; see ring.h for the trust model. */
#include "lib/ring/ring.h"

#include "lib/str.h"

_Static_assert(sizeof(struct capos_sqe) % sizeof(uint64_t) == 0, "SQE copied by words");
_Static_assert(sizeof(struct capos_cqe) % sizeof(uint64_t) == 0, "CQE written by words");
_Static_assert(offsetof(struct capos_ring, sq) % sizeof(uint64_t) == 0, "SQ word-aligned");
_Static_assert(offsetof(struct capos_ring, cq) % sizeof(uint64_t) == 0, "CQ word-aligned");
_Static_assert(RING_MAX_XFER <= UINT32_MAX / sizeof(struct capos_xfer), "xfer bytes fit");

/* The index fields, addressed without taking the address of a packed member: the page
 * is page-aligned, so each is a naturally aligned uint32_t. */
static volatile uint32_t *ring_index(struct capos_ring *page, size_t off)
{
	return (volatile uint32_t *)((uintptr_t)page + off);
}

static uint32_t ring_load(struct capos_ring *page, size_t off)
{
	return __atomic_load_n(ring_index(page, off), __ATOMIC_ACQUIRE);
}

static void ring_store(struct capos_ring *page, size_t off, uint32_t v)
{
	__atomic_store_n(ring_index(page, off), v, __ATOMIC_RELEASE);
}

void ring_init(struct capos_ring *page, struct ring_kstate *k)
{
	memset(page, 0, sizeof(*page));
	memset(k, 0, sizeof(*k));
	page->sq_entries = CAPOS_RING_SQ_ENTRIES;
	page->cq_entries = CAPOS_RING_CQ_ENTRIES;
}

enum ring_status ring_sq_count(uint32_t tail, uint32_t head, uint32_t entries, uint32_t *pending)
{
	/* Unsigned subtraction is exact modulo 2^32, so wrap-around of the free-running
	 * indices needs no special case; a tail "behind" head shows as a huge count. */
	uint32_t n = tail - head;
	if (n > entries) {
		*pending = 0;
		return RING_SQ_CORRUPT;
	}
	*pending = n;
	return RING_OK;
}

/* Used CQ slots by the untrusted cq_head, or entries + 1 when cq_head is out of range. */
static uint32_t ring_cq_used(struct capos_ring *page, struct ring_kstate *k)
{
	uint32_t used = k->cq_tail - ring_load(page, offsetof(struct capos_ring, cq_head));
	if (used > CAPOS_RING_CQ_ENTRIES) {
		k->cq_corrupt++;
		return CAPOS_RING_CQ_ENTRIES + 1;
	}
	return used;
}

uint32_t ring_cq_free(struct capos_ring *page, struct ring_kstate *k)
{
	uint32_t used = ring_cq_used(page, k);
	return used >= CAPOS_RING_CQ_ENTRIES ? 0 : CAPOS_RING_CQ_ENTRIES - used;
}

uint32_t ring_cq_ready(struct capos_ring *page, struct ring_kstate *k)
{
	uint32_t used = ring_cq_used(page, k);
	return used > CAPOS_RING_CQ_ENTRIES ? CAPOS_RING_CQ_ENTRIES : used;
}

enum ring_status ring_sq_pending(struct capos_ring *page, struct ring_kstate *k, uint32_t max,
				 uint32_t *pending)
{
	uint32_t tail = ring_load(page, offsetof(struct capos_ring, sq_tail));
	uint32_t n;
	k->sq_avail = 0;
	*pending = 0;
	if (ring_sq_count(tail, k->sq_head, CAPOS_RING_SQ_ENTRIES, &n) != RING_OK) {
		/* Drop everything up to the observed tail unread; the process sees an
		 * empty SQ (sq_head == its sq_tail) and one MALFORMED completion. */
		k->sq_head = tail;
		k->sq_corrupt++;
		ring_store(page, offsetof(struct capos_ring, sq_head), k->sq_head);
		return RING_SQ_CORRUPT;
	}
	uint32_t room = ring_cq_free(page, k);
	if (n > max)
		n = max;
	if (n > room)
		n = room;
	k->sq_avail = n;
	*pending = n;
	return RING_OK;
}

enum ring_status ring_take_sqe(struct capos_ring *page, struct ring_kstate *k,
			       struct capos_sqe *out)
{
	if (k->sq_avail == 0)
		return RING_EMPTY;
	uint32_t slot = k->sq_head % CAPOS_RING_SQ_ENTRIES;
	const volatile uint64_t *src =
	    (const volatile uint64_t *)((uintptr_t)page + offsetof(struct capos_ring, sq) +
					slot * sizeof(struct capos_sqe));
	uint64_t words[sizeof(struct capos_sqe) / sizeof(uint64_t)];
	/* One read of each word: every later check looks at this copy only. */
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		words[i] = src[i];
	memcpy(out, words, sizeof(*out));
	k->sq_avail--;
	k->sq_head++;
	k->consumed_total++;
	/* Release: the copy above completes before the process may reuse the slot. */
	ring_store(page, offsetof(struct capos_ring, sq_head), k->sq_head);
	return RING_OK;
}

/* Fields an opcode may set (beyond opcode, flags and user_data). */
enum {
	USES_TARGET = 1u << 0,
	USES_METHOD = 1u << 1,
	USES_PARAMS = 1u << 2,
	USES_RESULT = 1u << 3,
	USES_XFER = 1u << 4,
};

static const uint8_t ring_op_uses[] = {
    [CAPOS_OP_NOP] = 0,
    [CAPOS_OP_CALL] = USES_TARGET | USES_METHOD | USES_PARAMS | USES_RESULT | USES_XFER,
    [CAPOS_OP_RECV] = USES_TARGET | USES_RESULT | USES_XFER,
    [CAPOS_OP_RETURN] = USES_TARGET | USES_PARAMS | USES_XFER,
    [CAPOS_OP_RELEASE] = USES_TARGET,
};

/* A user buffer of len > 0 bytes: non-null, bounded, and [addr, addr + len) below limit
 * without wrapping. */
static bool ring_user_range_ok(uint64_t addr, uint64_t len, uint64_t limit)
{
	if (addr == 0 || len > RING_MAX_MSG)
		return false;
	return addr <= limit && len <= limit - addr;
}

static bool ring_stray_fields(const struct capos_sqe *s, unsigned uses)
{
	if (!(uses & USES_TARGET) && (s->target.slot != 0 || s->target.gen != 0))
		return true;
	if (!(uses & USES_METHOD) && s->method != 0)
		return true;
	if (!(uses & USES_PARAMS) && (s->params_addr != 0 || s->params_len != 0))
		return true;
	if (!(uses & USES_RESULT) && (s->result_addr != 0 || s->result_len != 0))
		return true;
	if (!(uses & USES_XFER) && (s->xfer_addr != 0 || s->xfer_count != 0))
		return true;
	return false;
}

enum capos_status ring_decode_sqe(const struct capos_sqe *sqe, uint64_t user_limit,
				  struct ring_req *out)
{
	memset(out, 0, sizeof(*out));
	out->user_data = sqe->user_data;
	if (sqe->opcode >= sizeof(ring_op_uses) / sizeof(ring_op_uses[0]))
		return CAPOS_E_RESERVED_OPCODE;
	if (sqe->reserved != 0 || (sqe->flags & ~CAPOS_SQE_F_MOVE) != 0)
		return CAPOS_E_MALFORMED;
	if (ring_stray_fields(sqe, ring_op_uses[sqe->opcode]))
		return CAPOS_E_MALFORMED;
	if ((sqe->flags & CAPOS_SQE_F_MOVE) != 0 &&
	    (sqe->xfer_count == 0 || sqe->opcode == CAPOS_OP_RECV))
		return CAPOS_E_MALFORMED;
	if (sqe->xfer_count > RING_MAX_XFER)
		return CAPOS_E_MALFORMED;
	if ((sqe->params_len == 0 && sqe->params_addr != 0) ||
	    (sqe->result_len == 0 && sqe->result_addr != 0) ||
	    (sqe->xfer_count == 0 && sqe->xfer_addr != 0))
		return CAPOS_E_MALFORMED;

	if (sqe->opcode == CAPOS_OP_CALL && sqe->params_len == 0)
		return CAPOS_E_BAD_PARAMS;
	if (sqe->params_len != 0 &&
	    !ring_user_range_ok(sqe->params_addr, sqe->params_len, user_limit))
		return CAPOS_E_BAD_PARAMS;
	/* CALL and RETURN send the xfer array (part of the parameters); RECV receives
	 * into it (part of the result). */
	bool xfer_in = sqe->opcode != CAPOS_OP_RECV;
	if (xfer_in && sqe->xfer_count != 0 &&
	    !ring_user_range_ok(sqe->xfer_addr,
				(uint64_t)sqe->xfer_count * sizeof(struct capos_xfer), user_limit))
		return CAPOS_E_BAD_PARAMS;
	if (sqe->opcode == CAPOS_OP_RECV && sqe->result_len == 0)
		return CAPOS_E_BAD_RESULT;
	if (sqe->result_len != 0 &&
	    !ring_user_range_ok(sqe->result_addr, sqe->result_len, user_limit))
		return CAPOS_E_BAD_RESULT;
	if (!xfer_in && sqe->xfer_count != 0 &&
	    !ring_user_range_ok(sqe->xfer_addr,
				(uint64_t)sqe->xfer_count * sizeof(struct capos_xfer), user_limit))
		return CAPOS_E_BAD_RESULT;

	out->op = (enum capos_op)sqe->opcode;
	out->move = (sqe->flags & CAPOS_SQE_F_MOVE) != 0;
	out->method = sqe->method;
	out->target = sqe->target;
	out->params_addr = sqe->params_addr;
	out->params_len = sqe->params_len;
	out->result_addr = sqe->result_addr;
	out->result_len = sqe->result_len;
	out->xfer_addr = sqe->xfer_addr;
	out->xfer_count = sqe->xfer_count;
	return CAPOS_OK;
}

enum ring_status ring_post_cqe(struct capos_ring *page, struct ring_kstate *k,
			       const struct capos_cqe *c)
{
	if (ring_cq_free(page, k) == 0) {
		k->cq_overflow++;
		return RING_CQ_FULL;
	}
	uint32_t slot = k->cq_tail % CAPOS_RING_CQ_ENTRIES;
	volatile uint64_t *dst =
	    (volatile uint64_t *)((uintptr_t)page + offsetof(struct capos_ring, cq) +
				  slot * sizeof(struct capos_cqe));
	uint64_t words[sizeof(struct capos_cqe) / sizeof(uint64_t)];
	memcpy(words, c, sizeof(words));
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		dst[i] = words[i];
	k->cq_tail++;
	k->posted_total++;
	/* Release: the entry is complete before the process can see the new tail. */
	ring_store(page, offsetof(struct capos_ring, cq_tail), k->cq_tail);
	return RING_OK;
}

enum ring_status ring_post_status(struct capos_ring *page, struct ring_kstate *k,
				  uint64_t user_data, enum capos_status status)
{
	struct capos_cqe c;
	memset(&c, 0, sizeof(c));
	c.user_data = user_data;
	c.status = (int32_t)status;
	return ring_post_cqe(page, k, &c);
}

uint32_t ring_token_gen_after(uint32_t gen)
{
	return gen >= RING_TOKEN_RETIRED - 1 ? RING_TOKEN_RETIRED : gen;
}
