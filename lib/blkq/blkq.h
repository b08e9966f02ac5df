/* blkq: the request and completion queues a block client and a userspace block driver
 * share in one SharedMemory region (docs/shared-memory.md), pure logic.
 *
 * Region layout (little-endian, from offset 0; the region is at least 64-byte aligned):
 *	struct blkq_hdr			 BLKQ_HDR_SIZE bytes: the fixed fields, then the four
 *					 ring counters, each on its own 64-byte line
 *	struct blkq_req req[depth]	 at BLKQ_REQ_OFF
 *	struct blkq_cpl cpl[depth]	 right after req[]
 *	data area			 at data_off (page aligned), data_len bytes: the
 *					 buffers requests name by byte offset
 * The client writes req[] and req_tail, and cpl_head; the driver writes req_head, cpl[]
 * and cpl_tail. Counters are free-running uint32_t: used = tail - head (mod 2^32),
 * slot = counter % depth (depth is a power of two, so it divides 2^32 and wrap-around
 * needs no special case).
 *
 * Trust. Each side treats the other as hostile, and the region as writable by it at any
 * moment:
 *   - blkq_attach reads the header once into a private struct blkq_view; the view's
 *     copies (depth, block size, data area) are all that count afterwards;
 *   - each side keeps the two counters it owns in the view and only ever publishes them;
 *     it never reads them back;
 *   - the peer's counter is loaded once per operation and checked against the private
 *     one: a used count above depth cannot come from an honest peer, so the view is
 *     marked broken (sticky: every later operation on it fails) and the caller stops
 *     serving, or using, that peer;
 *   - an entry is copied once, word by word, into private memory; the caller validates
 *     the copy (blkq_check for requests; the client matches cpl.id against its own
 *     requests and treats any status it does not know as an error);
 *   - nothing loops on a value read from the region.
 *
 * Use. Client: blkq_init, blkq_attach, then blkq_submit and blkq_reap. Driver:
 * blkq_attach (on its own mapping), then
 *	int r;
 *	while ((r = blkq_take(&v, &req)) == 1) {
 *		struct blkq_cpl c = {.id = req.id, .status = blkq_check(&v, &req, cap)};
 *		if (c.status == BLKQ_OK)
 *			c.status = ... do the I/O at blkq_data(&v, req.offset) ...;
 *		... blkq_complete(&v, &c), waiting while it returns false and the view is
 *		    not broken ...
 *	}
 *	if (r < 0) ... stop serving this client ...
 * One view is driven by one thread; the two sides may run concurrently.
 */
#ifndef CAPOS_LIB_BLKQ_BLKQ_H
#define CAPOS_LIB_BLKQ_BLKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLKQ_MAGIC	  0x514b4c42u /* "BLKQ" */
#define BLKQ_VERSION	  1u
#define BLKQ_MAX_DEPTH	  256u
#define BLKQ_PAGE	  4096u /* data_off alignment */
#define BLKQ_LINE	  64u	/* one ring counter per line: no false sharing */
#define BLKQ_REGION_ALIGN BLKQ_LINE
#define BLKQ_HDR_SIZE	  (5u * BLKQ_LINE)
#define BLKQ_REQ_OFF	  BLKQ_HDR_SIZE
#define BLKQ_CPL_OFF(d)	  (BLKQ_REQ_OFF + (uint64_t)(d) * sizeof(struct blkq_req))
#define BLKQ_RINGS_END(d) (BLKQ_CPL_OFF(d) + (uint64_t)(d) * sizeof(struct blkq_cpl))

/* Statuses. The first five are wire values (struct blkq_cpl.status, from blkq_check);
 * BLKQ_E_INVAL and BLKQ_E_PEER are returned by the functions here and never sent. */
enum blkq_status {
	BLKQ_OK = 0,
	BLKQ_E_IO = -1,		 /* the device failed the transfer */
	BLKQ_E_RANGE = -2,	 /* blocks beyond the device's capacity */
	BLKQ_E_UNSUPPORTED = -3, /* unknown op (or one the driver does not do) */
	BLKQ_E_BAD = -4,	 /* malformed: count 0, buffer misaligned or outside data */
	BLKQ_E_INVAL = -5,	 /* bad arguments, or a header blkq_attach refuses */
	BLKQ_E_PEER = -6,	 /* the peer broke the protocol; the view is broken */
};

enum blkq_op {
	BLKQ_OP_READ = 0,
	BLKQ_OP_WRITE = 1,
	BLKQ_OP_FLUSH = 2,
};

/* The header, at offset 0. Written by blkq_init; the counters as described above. */
struct blkq_hdr {
	uint32_t magic;	     /* BLKQ_MAGIC */
	uint32_t version;    /* BLKQ_VERSION */
	uint32_t depth;	     /* entries per ring: power of two, 1..BLKQ_MAX_DEPTH */
	uint32_t block_size; /* 512 or 4096 */
	uint64_t data_off;   /* data area: page aligned, after the rings */
	uint64_t data_len;   /* a multiple of block_size, >= block_size */
	uint8_t pad0[BLKQ_LINE - 32];
	uint32_t req_tail; /* client */
	uint8_t pad1[BLKQ_LINE - 4];
	uint32_t req_head; /* driver */
	uint8_t pad2[BLKQ_LINE - 4];
	uint32_t cpl_tail; /* driver */
	uint8_t pad3[BLKQ_LINE - 4];
	uint32_t cpl_head; /* client */
	uint8_t pad4[BLKQ_LINE - 4];
} __attribute__((packed));
_Static_assert(sizeof(struct blkq_hdr) == BLKQ_HDR_SIZE, "blkq_hdr");
_Static_assert(offsetof(struct blkq_hdr, req_tail) == 1 * BLKQ_LINE, "req_tail line");
_Static_assert(offsetof(struct blkq_hdr, req_head) == 2 * BLKQ_LINE, "req_head line");
_Static_assert(offsetof(struct blkq_hdr, cpl_tail) == 3 * BLKQ_LINE, "cpl_tail line");
_Static_assert(offsetof(struct blkq_hdr, cpl_head) == 4 * BLKQ_LINE, "cpl_head line");

/* A request, 32 bytes. FLUSH must have count, block and offset 0 (blkq_check). */
struct blkq_req {
	uint64_t id;	 /* the client's; echoed in the completion */
	uint32_t op;	 /* enum blkq_op */
	uint32_t count;	 /* blocks */
	uint64_t block;	 /* first block */
	uint64_t offset; /* byte offset into the data area, block_size aligned */
} __attribute__((packed));
_Static_assert(sizeof(struct blkq_req) == 32, "blkq_req");

/* A completion, 16 bytes. */
struct blkq_cpl {
	uint64_t id;
	int32_t status;	   /* enum blkq_status: BLKQ_OK or a negative wire error */
	uint32_t reserved; /* written 0 by blkq_complete */
} __attribute__((packed));
_Static_assert(sizeof(struct blkq_cpl) == 16, "blkq_cpl");

/* Where everything lands in a region, all offsets from its start. */
struct blkq_layout {
	uint32_t depth;
	uint32_t block_size;
	uint64_t req_off;
	uint64_t cpl_off;
	uint64_t rings_end; /* end of cpl[] */
	uint64_t data_off;
	uint64_t data_len;
};

/* One side's private view of a region. Only its owner writes it. Of the counters, the
 * client uses req_tail and cpl_head, the driver req_head and cpl_tail (each copies all
 * four once at attach and uses only its own two). */
struct blkq_view {
	uint8_t *base;
	uint64_t region_len;
	uint32_t depth;
	uint32_t block_size;
	uint64_t cpl_off;
	uint64_t data_off;
	uint64_t data_len;
	uint32_t req_tail;
	uint32_t req_head;
	uint32_t cpl_tail;
	uint32_t cpl_head;
	bool broken; /* the peer broke the protocol: every queue operation fails */
};

/* blkq_layout: where the header, rings and data area of a region of region_len bytes
 * land for depth entries per ring and block_size. data_off is the first page boundary
 * after the rings; data_len the rest of the region rounded down to whole blocks.
 * Returns BLKQ_OK, or BLKQ_E_INVAL (out untouched) for a depth that is not a power of
 * two in 1..BLKQ_MAX_DEPTH, a block size other than 512 or 4096, or a region too small
 * for the rings and one block of data. */
int blkq_layout(uint32_t depth, uint64_t region_len, uint32_t block_size, struct blkq_layout *out);

/* blkq_init (client): zeroes the region up to data_off and writes the header by
 * blkq_layout; all four counters start at 0. Returns BLKQ_OK, or BLKQ_E_INVAL for a
 * null or misaligned region (BLKQ_REGION_ALIGN) or what blkq_layout refuses (nothing
 * written). */
int blkq_init(void *region, uint64_t region_len, uint32_t depth, uint32_t block_size);

/* blkq_attach (either side, the driver on a region it does not trust): copies the
 * header once into *out and validates the copy: magic, version, depth and block size as
 * blkq_layout takes them, the rings inside the region, data_off page aligned at or after
 * the rings, data_len a non-zero multiple of block_size with the data area inside
 * region_len (the caller's own size of its mapping). Copies the four counters once.
 * Returns BLKQ_OK, or BLKQ_E_INVAL (out zeroed, so every operation on it fails). */
int blkq_attach(void *region, uint64_t region_len, struct blkq_view *out);

/* blkq_submit (client): copies *r into the next request slot, then publishes req_tail.
 * Returns true, or false when the ring is full or the view is broken (a req_head more
 * than depth behind, or ahead of, the client's req_tail breaks it; blkq_broken). */
bool blkq_submit(struct blkq_view *v, const struct blkq_req *r);

/* blkq_reap (client): copies the next completion into *out, then publishes cpl_head.
 * Returns 1, 0 when there is none, or BLKQ_E_PEER when the view is broken (a cpl_tail
 * more than depth ahead of the private cpl_head breaks it). */
int blkq_reap(struct blkq_view *v, struct blkq_cpl *out);

/* blkq_take (driver): copies the next request into *out (not validated: blkq_check),
 * then publishes req_head. Returns 1, 0 when there is none, or BLKQ_E_PEER when the
 * view is broken (a req_tail more than depth ahead of the private req_head breaks it;
 * the driver then stops serving that client). */
int blkq_take(struct blkq_view *v, struct blkq_req *out);

/* blkq_complete (driver): writes {c->id, c->status, reserved 0} into the next
 * completion slot, then publishes cpl_tail. Returns true, or false when the ring is full
 * or the view is broken (a cpl_head more than depth behind, or ahead of, the private
 * cpl_tail breaks it). */
bool blkq_complete(struct blkq_view *v, const struct blkq_cpl *c);

/* blkq_broken: whether the peer broke the protocol on this view. */
bool blkq_broken(const struct blkq_view *v);

/* blkq_check (driver): validates a copied request, no side effects, for a device of
 * capacity_blocks blocks of v->block_size. The first failure decides:
 *  1. op READ, WRITE or FLUSH, else BLKQ_E_UNSUPPORTED;
 *  2. FLUSH: count, block and offset all 0, else BLKQ_E_BAD; then BLKQ_OK;
 *  3. READ/WRITE: count >= 1, offset a multiple of block_size, and
 *     [offset, offset + count * block_size) inside the data area, else BLKQ_E_BAD;
 *  4. block + count <= capacity_blocks without wrapping, else BLKQ_E_RANGE.
 * Returns BLKQ_OK or the status to complete the request with. */
int blkq_check(const struct blkq_view *v, const struct blkq_req *r, uint64_t capacity_blocks);

/* blkq_data: the address of byte offset in the data area, for an offset blkq_check
 * accepted (NULL when offset is outside the data area). */
void *blkq_data(const struct blkq_view *v, uint64_t offset);

#endif
