/* blkq: block request and completion queues in shared memory; see blkq.h for the layout
 * and the trust model.
 *
 * Ordering. Counters and entries are accessed with relaxed __atomic loads and stores
 * (so a racing, hostile peer is no undefined behaviour on our side; on x86_64 these are
 * plain moves) and ordered by explicit fences:
 *   producer: load the peer's head, acquire fence, write the entry, release fence,
 *	       store the tail;
 *   consumer: load the peer's tail, acquire fence, copy the entry out, release fence,
 *	       store the head.
 * The producer's release fence before the tail store pairs with the consumer's acquire
 * fence after its tail load: an entry the consumer sees covered by the tail is complete.
 * The consumer's release fence before the head store pairs with the producer's acquire
 * fence after its head load: the consumer has finished copying a slot before the
 * producer may overwrite it. */
#include "lib/blkq/blkq.h"

#include "lib/str.h"

_Static_assert(sizeof(struct blkq_req) % sizeof(uint64_t) == 0, "req copied by words");
_Static_assert(sizeof(struct blkq_cpl) % sizeof(uint64_t) == 0, "cpl copied by words");
_Static_assert(offsetof(struct blkq_hdr, pad0) == 32, "fixed header fields: 32 bytes");
_Static_assert(BLKQ_REQ_OFF % sizeof(uint64_t) == 0, "req[] word aligned");
_Static_assert(BLKQ_CPL_OFF(1) % sizeof(uint64_t) == 0, "cpl[] word aligned");
_Static_assert(BLKQ_RINGS_END(BLKQ_MAX_DEPTH) < UINT32_MAX, "ring offsets are small");

static bool blkq_depth_ok(uint32_t depth)
{
	return depth >= 1 && depth <= BLKQ_MAX_DEPTH && (depth & (depth - 1)) == 0;
}

static bool blkq_block_size_ok(uint32_t block_size)
{
	return block_size == 512 || block_size == 4096;
}

int blkq_layout(uint32_t depth, uint64_t region_len, uint32_t block_size, struct blkq_layout *out)
{
	if (out == NULL || !blkq_depth_ok(depth) || !blkq_block_size_ok(block_size))
		return BLKQ_E_INVAL;
	uint64_t rings_end = BLKQ_RINGS_END(depth);
	uint64_t data_off = (rings_end + BLKQ_PAGE - 1) & ~(uint64_t)(BLKQ_PAGE - 1);
	if (region_len < data_off || region_len - data_off < block_size)
		return BLKQ_E_INVAL;
	out->depth = depth;
	out->block_size = block_size;
	out->req_off = BLKQ_REQ_OFF;
	out->cpl_off = BLKQ_CPL_OFF(depth);
	out->rings_end = rings_end;
	out->data_off = data_off;
	out->data_len = (region_len - data_off) & ~(uint64_t)(block_size - 1);
	return BLKQ_OK;
}

int blkq_init(void *region, uint64_t region_len, uint32_t depth, uint32_t block_size)
{
	struct blkq_layout l;
	if (region == NULL || (uintptr_t)region % BLKQ_REGION_ALIGN != 0)
		return BLKQ_E_INVAL;
	if (blkq_layout(depth, region_len, block_size, &l) != BLKQ_OK)
		return BLKQ_E_INVAL;
	/* Before the region is shared: the capability transfer that hands it to the
	 * driver orders these writes before anything the driver reads. */
	memset(region, 0, l.data_off);
	struct blkq_hdr *h = region;
	h->magic = BLKQ_MAGIC;
	h->version = BLKQ_VERSION;
	h->depth = depth;
	h->block_size = block_size;
	h->data_off = l.data_off;
	h->data_len = l.data_len;
	return BLKQ_OK;
}

/* A counter of the region, addressed by its offset in struct blkq_hdr (naturally
 * aligned: the region is BLKQ_REGION_ALIGN aligned). */
static uint32_t *blkq_ctr(const struct blkq_view *v, size_t off)
{
	return (uint32_t *)(void *)(v->base + off);
}

static uint32_t blkq_load(const struct blkq_view *v, size_t off)
{
	return __atomic_load_n(blkq_ctr(v, off), __ATOMIC_RELAXED);
}

static void blkq_store(const struct blkq_view *v, size_t off, uint32_t val)
{
	__atomic_store_n(blkq_ctr(v, off), val, __ATOMIC_RELAXED);
}

/* One read of each word of src: every later check looks at the copy in dst only. */
static void blkq_copy_in(void *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len / sizeof(uint64_t); i++) {
		uint64_t w =
		    __atomic_load_n((const uint64_t *)(const void *)src + i, __ATOMIC_RELAXED);
		memcpy((uint8_t *)dst + i * sizeof(w), &w, sizeof(w));
	}
}

static void blkq_copy_out(uint8_t *dst, const void *src, size_t len)
{
	for (size_t i = 0; i < len / sizeof(uint64_t); i++) {
		uint64_t w;
		memcpy(&w, (const uint8_t *)src + i * sizeof(w), sizeof(w));
		__atomic_store_n((uint64_t *)(void *)dst + i, w, __ATOMIC_RELAXED);
	}
}

int blkq_attach(void *region, uint64_t region_len, struct blkq_view *out)
{
	struct blkq_hdr h;
	struct blkq_layout l;
	memset(out, 0, sizeof(*out));
	out->broken = true;
	if (region == NULL || (uintptr_t)region % BLKQ_REGION_ALIGN != 0 ||
	    region_len < BLKQ_HDR_SIZE)
		return BLKQ_E_INVAL;
	blkq_copy_in(&h, region, offsetof(struct blkq_hdr, pad0));
	if (h.magic != BLKQ_MAGIC || h.version != BLKQ_VERSION)
		goto refuse;
	/* Depth and block size as the client may choose them, and the rings plus one
	 * block fit in the region. */
	if (blkq_layout(h.depth, region_len, h.block_size, &l) != BLKQ_OK)
		goto refuse;
	if (h.data_off % BLKQ_PAGE != 0 || h.data_off < l.rings_end || h.data_off > region_len)
		goto refuse;
	if (h.data_len < h.block_size || h.data_len % h.block_size != 0 ||
	    h.data_len > region_len - h.data_off)
		goto refuse;

	out->base = region;
	out->region_len = region_len;
	out->depth = h.depth;
	out->block_size = h.block_size;
	out->cpl_off = l.cpl_off;
	out->data_off = h.data_off;
	out->data_len = h.data_len;
	out->req_tail = blkq_load(out, offsetof(struct blkq_hdr, req_tail));
	out->req_head = blkq_load(out, offsetof(struct blkq_hdr, req_head));
	out->cpl_tail = blkq_load(out, offsetof(struct blkq_hdr, cpl_tail));
	out->cpl_head = blkq_load(out, offsetof(struct blkq_hdr, cpl_head));
	/* Pairs with the peer's release fence before whatever counter it published. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	out->broken = false;
	return BLKQ_OK;

refuse:
	memset(out, 0, sizeof(*out));
	out->broken = true;
	return BLKQ_E_INVAL;
}

/* One ring as seen by one side: the counter it owns (private, published at own_off),
 * the peer's counter at peer_off, and the entries. */
struct blkq_ring {
	uint32_t *own;
	size_t own_off;
	size_t peer_off;
	uint64_t ring_off;
	size_t entry;
};

/* Producer: own is the tail, the peer's counter the head. Returns 1, 0 when full, or
 * BLKQ_E_PEER (and breaks the view) when the head is more than depth behind, or ahead
 * of, the tail. */
static int blkq_produce(struct blkq_view *v, const struct blkq_ring *q, const void *e)
{
	if (v->broken)
		return BLKQ_E_PEER;
	uint32_t head = blkq_load(v, q->peer_off);
	/* Acquire: the consumer's copies of the slots it freed are done (its release
	 * fence before the head store) before this side overwrites one. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint32_t used = *q->own - head;
	if (used > v->depth) {
		v->broken = true;
		return BLKQ_E_PEER;
	}
	if (used == v->depth)
		return 0;
	uint32_t slot = *q->own & (v->depth - 1);
	blkq_copy_out(v->base + q->ring_off + (uint64_t)slot * q->entry, e, q->entry);
	/* Release: the entry is written before the tail that covers it is visible. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	(*q->own)++;
	blkq_store(v, q->own_off, *q->own);
	return 1;
}

/* Consumer: own is the head, the peer's counter the tail. Returns 1, 0 when empty, or
 * BLKQ_E_PEER (and breaks the view) when the tail is more than depth ahead of the head
 * (or behind it, which shows as a huge count modulo 2^32). */
static int blkq_consume(struct blkq_view *v, const struct blkq_ring *q, void *e)
{
	if (v->broken)
		return BLKQ_E_PEER;
	uint32_t tail = blkq_load(v, q->peer_off);
	/* Acquire: the entries the tail covers were written before it (the producer's
	 * release fence before the tail store). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint32_t avail = tail - *q->own;
	if (avail > v->depth) {
		v->broken = true;
		return BLKQ_E_PEER;
	}
	if (avail == 0)
		return 0;
	uint32_t slot = *q->own & (v->depth - 1);
	blkq_copy_in(e, v->base + q->ring_off + (uint64_t)slot * q->entry, q->entry);
	/* Release: the copy is complete before the producer may reuse the slot. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	(*q->own)++;
	blkq_store(v, q->own_off, *q->own);
	return 1;
}

bool blkq_submit(struct blkq_view *v, const struct blkq_req *r)
{
	struct blkq_ring q = {&v->req_tail, offsetof(struct blkq_hdr, req_tail),
			      offsetof(struct blkq_hdr, req_head), BLKQ_REQ_OFF, sizeof(*r)};
	return blkq_produce(v, &q, r) == 1;
}

int blkq_reap(struct blkq_view *v, struct blkq_cpl *out)
{
	struct blkq_ring q = {&v->cpl_head, offsetof(struct blkq_hdr, cpl_head),
			      offsetof(struct blkq_hdr, cpl_tail), v->cpl_off, sizeof(*out)};
	return blkq_consume(v, &q, out);
}

int blkq_take(struct blkq_view *v, struct blkq_req *out)
{
	struct blkq_ring q = {&v->req_head, offsetof(struct blkq_hdr, req_head),
			      offsetof(struct blkq_hdr, req_tail), BLKQ_REQ_OFF, sizeof(*out)};
	return blkq_consume(v, &q, out);
}

bool blkq_complete(struct blkq_view *v, const struct blkq_cpl *c)
{
	struct blkq_cpl w = {.id = c->id, .status = c->status, .reserved = 0};
	struct blkq_ring q = {&v->cpl_tail, offsetof(struct blkq_hdr, cpl_tail),
			      offsetof(struct blkq_hdr, cpl_head), v->cpl_off, sizeof(w)};
	return blkq_produce(v, &q, &w) == 1;
}

bool blkq_broken(const struct blkq_view *v)
{
	return v->broken;
}

int blkq_check(const struct blkq_view *v, const struct blkq_req *r, uint64_t capacity_blocks)
{
	if (r->op != BLKQ_OP_READ && r->op != BLKQ_OP_WRITE && r->op != BLKQ_OP_FLUSH)
		return BLKQ_E_UNSUPPORTED;
	if (r->op == BLKQ_OP_FLUSH)
		return (r->count | r->block | r->offset) == 0 ? BLKQ_OK : BLKQ_E_BAD;
	/* block_size is 0 only in a view blkq_attach refused: nothing fits in it. */
	if (r->count == 0 || v->block_size == 0 || r->offset % v->block_size != 0)
		return BLKQ_E_BAD;
	/* count < 2^32 and block_size <= 4096: the product fits in 44 bits. */
	uint64_t bytes = (uint64_t)r->count * v->block_size;
	if (r->offset > v->data_len || bytes > v->data_len - r->offset)
		return BLKQ_E_BAD;
	if (r->block > capacity_blocks || r->count > capacity_blocks - r->block)
		return BLKQ_E_RANGE;
	return BLKQ_OK;
}

void *blkq_data(const struct blkq_view *v, uint64_t offset)
{
	if (offset >= v->data_len)
		return NULL;
	return v->base + v->data_off + offset;
}
