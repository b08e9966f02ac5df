/* pktq: the four frame rings a network client and a userspace NIC driver share in one
 * SharedMemory region (docs/shared-memory.md), pure logic. The sibling of lib/blkq, with
 * the same trust rules.
 *
 * Region layout (little-endian, from offset 0; the region is at least 64-byte aligned):
 *	struct pktq_hdr			 PKTQ_HDR_SIZE bytes: the fixed fields, then the eight
 *					 ring counters, each on its own 64-byte line
 *	uint32_t ring[4][nslots]	 at PKTQ_RING_OFF(r, nslots), r = enum pktq_ring
 *	data area			 at data_off (page aligned): nslots slots of
 *					 PKTQ_SLOT_SIZE bytes, slot i at data_off + i * 2048
 * Every ring is single producer, single consumer. An entry is slot | len << 16:
 *	TX	client -> driver  a frame to send, len PKTQ_TX_MIN..PKTQ_SLOT_SIZE
 *	TXDONE	driver -> client  a slot whose frame was sent, len 0
 *	RXFREE	client -> driver  an empty slot the driver may fill, len 0
 *	RX	driver -> client  a received frame, len 1..PKTQ_SLOT_SIZE
 * The producer of a ring writes its entries and its tail, the consumer its head.
 * Counters are free-running uint32_t: used = tail - head (mod 2^32), index = counter %
 * nslots (nslots is a power of two, so it divides 2^32 and wrap-around needs no special
 * case).
 *
 * Ownership. Every slot belongs to exactly one side or is in flight in exactly one ring;
 * at init all are the client's. Each side keeps a private bitmap of the slots it owns:
 * it may hand over (and, by convention, touch the data of) only those, and it owns a
 * slot again when the peer hands it back. So no ring ever holds more than nslots
 * entries, and the peer cannot name a slot twice without lying.
 *
 * Trust. Each side treats the other as hostile, and the region as writable by it at any
 * moment:
 *   - pktq_attach reads the header once into a private struct pktq_view; the view's
 *     copies (nslots, data_off) are all that count afterwards;
 *   - each side keeps the four counters it owns in the view and only ever publishes
 *     them; it never reads them back;
 *   - the peer's counter is loaded once per operation and checked against the private
 *     one: a distance above nslots cannot come from an honest peer;
 *   - an entry is loaded once into private memory and validated there: a slot out of
 *     range, a len the ring does not allow, or a slot the receiver already owns;
 *   - any of these marks the view broken (sticky: every later operation on it fails),
 *     and the caller stops serving, or using, that peer;
 *   - nothing loops on a value read from the region.
 * A peer can still write any slot's data at any time (it is shared memory): a side that
 * needs a frame to stay put copies it out of the slot before looking inside it.
 *
 * Use. Client: pktq_init, pktq_attach(.., false, ..), then pktq_rx_give its empty slots,
 * pktq_tx_put frames, and pktq_tx_reap / pktq_rx_get (giving received slots back with
 * pktq_rx_give once done). Driver: pktq_attach(.., true, ..), then pktq_tx_take ->
 * send -> pktq_tx_done, and pktq_rx_take_free -> receive -> pktq_rx_put. A return < 0,
 * or false with pktq_broken, ends the conversation with that peer. A device's DMA into
 * or out of a slot must be complete (the device said so, and the driver ordered its
 * own accesses after that) before the slot is handed back. One view is driven by one
 * thread; the two sides may run concurrently.
 */
#ifndef CAPOS_LIB_PKTQ_PKTQ_H
#define CAPOS_LIB_PKTQ_PKTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKTQ_MAGIC	    0x51544b50u /* "PKTQ" */
#define PKTQ_VERSION	    1u
#define PKTQ_MAX_SLOTS	    256u
#define PKTQ_SLOT_SIZE	    2048u
#define PKTQ_TX_MIN	    14u	  /* an Ethernet header */
#define PKTQ_PAGE	    4096u /* data_off alignment */
#define PKTQ_LINE	    64u	  /* one ring counter per line: no false sharing */
#define PKTQ_REGION_ALIGN   PKTQ_LINE
#define PKTQ_NRINGS	    4u
#define PKTQ_HDR_SIZE	    ((1u + 2u * PKTQ_NRINGS) * PKTQ_LINE)
#define PKTQ_TAIL_OFF(r)    (PKTQ_LINE + 2u * PKTQ_LINE * (r))
#define PKTQ_HEAD_OFF(r)    (PKTQ_TAIL_OFF(r) + PKTQ_LINE)
#define PKTQ_RING_OFF(r, n) (PKTQ_HDR_SIZE + (uint64_t)(r) * (uint64_t)(n) * sizeof(uint32_t))
#define PKTQ_RINGS_END(n)   PKTQ_RING_OFF(PKTQ_NRINGS, n)

/* Entries: slot in bits 0..15, len in bits 16..31. */
#define PKTQ_ENT_SLOT_MASK  0xffffu
#define PKTQ_ENT_LEN_SHIFT  16u
#define PKTQ_ENT(slot, len) ((uint32_t)(slot) | (uint32_t)(len) << PKTQ_ENT_LEN_SHIFT)

enum pktq_status {
	PKTQ_OK = 0,
	PKTQ_E_INVAL = -1, /* bad arguments, or a header pktq_attach refuses */
	PKTQ_E_PEER = -2,  /* the peer broke the protocol; the view is broken */
};

/* The rings, in region order. TX and RXFREE are produced by the client, TXDONE and RX
 * by the driver. */
enum pktq_ring {
	PKTQ_RING_TX = 0,
	PKTQ_RING_TXDONE = 1,
	PKTQ_RING_RXFREE = 2,
	PKTQ_RING_RX = 3,
};

/* The header, at offset 0. Written by pktq_init; the counters as described above. */
struct pktq_hdr {
	uint32_t magic;	    /* PKTQ_MAGIC */
	uint32_t version;   /* PKTQ_VERSION */
	uint32_t nslots;    /* entries per ring and slots: power of two, 1..PKTQ_MAX_SLOTS */
	uint32_t slot_size; /* PKTQ_SLOT_SIZE */
	uint64_t data_off;  /* data area: page aligned, after the rings */
	uint8_t pad0[PKTQ_LINE - 24];
	uint32_t tx_tail; /* client */
	uint8_t pad1[PKTQ_LINE - 4];
	uint32_t tx_head; /* driver */
	uint8_t pad2[PKTQ_LINE - 4];
	uint32_t txdone_tail; /* driver */
	uint8_t pad3[PKTQ_LINE - 4];
	uint32_t txdone_head; /* client */
	uint8_t pad4[PKTQ_LINE - 4];
	uint32_t rxfree_tail; /* client */
	uint8_t pad5[PKTQ_LINE - 4];
	uint32_t rxfree_head; /* driver */
	uint8_t pad6[PKTQ_LINE - 4];
	uint32_t rx_tail; /* driver */
	uint8_t pad7[PKTQ_LINE - 4];
	uint32_t rx_head; /* client */
	uint8_t pad8[PKTQ_LINE - 4];
} __attribute__((packed));
_Static_assert(sizeof(struct pktq_hdr) == PKTQ_HDR_SIZE, "pktq_hdr");
_Static_assert(offsetof(struct pktq_hdr, tx_tail) == PKTQ_TAIL_OFF(PKTQ_RING_TX), "tx_tail");
_Static_assert(offsetof(struct pktq_hdr, tx_head) == PKTQ_HEAD_OFF(PKTQ_RING_TX), "tx_head");
_Static_assert(offsetof(struct pktq_hdr, txdone_tail) == PKTQ_TAIL_OFF(PKTQ_RING_TXDONE),
	       "txdone_tail");
_Static_assert(offsetof(struct pktq_hdr, txdone_head) == PKTQ_HEAD_OFF(PKTQ_RING_TXDONE),
	       "txdone_head");
_Static_assert(offsetof(struct pktq_hdr, rxfree_tail) == PKTQ_TAIL_OFF(PKTQ_RING_RXFREE),
	       "rxfree_tail");
_Static_assert(offsetof(struct pktq_hdr, rxfree_head) == PKTQ_HEAD_OFF(PKTQ_RING_RXFREE),
	       "rxfree_head");
_Static_assert(offsetof(struct pktq_hdr, rx_tail) == PKTQ_TAIL_OFF(PKTQ_RING_RX), "rx_tail");
_Static_assert(offsetof(struct pktq_hdr, rx_head) == PKTQ_HEAD_OFF(PKTQ_RING_RX), "rx_head");

/* Where everything lands in a region, all offsets from its start. */
struct pktq_layout {
	uint32_t nslots;
	uint32_t slot_size;
	uint64_t ring_off[PKTQ_NRINGS]; /* by enum pktq_ring */
	uint64_t rings_end;
	uint64_t data_off;
	uint64_t data_len; /* nslots * PKTQ_SLOT_SIZE */
	uint64_t size;	   /* data_off + data_len: the smallest region that holds it */
};

/* One side's private view of a region. Only its owner writes it. ctr[r] is the counter
 * this side owns on ring r: the tail where it produces, the head where it consumes. */
struct pktq_view {
	uint8_t *base;
	uint64_t region_len;
	uint64_t data_off;
	uint32_t nslots;
	uint32_t ctr[PKTQ_NRINGS];
	uint64_t owned[PKTQ_MAX_SLOTS / 64]; /* bit s: this side owns slot s */
	bool driver;
	bool broken; /* the peer broke the protocol: every ring operation fails */
};

/* pktq_layout: where the header, rings and data area land for nslots slots in a region
 * of region_len bytes. data_off is the first page boundary after the rings. Returns
 * PKTQ_OK, or PKTQ_E_INVAL (out untouched) for a null out, an nslots that is not a
 * power of two in 1..PKTQ_MAX_SLOTS, or a region shorter than out->size. */
int pktq_layout(uint32_t nslots, uint64_t region_len, struct pktq_layout *out);

/* pktq_init (client): zeroes the region up to data_off (the data area is left alone)
 * and writes the header by pktq_layout; all eight counters start at 0. Returns PKTQ_OK,
 * or PKTQ_E_INVAL for a null or misaligned region (PKTQ_REGION_ALIGN) or what
 * pktq_layout refuses (nothing written). */
int pktq_init(void *region, uint64_t region_len, uint32_t nslots);

/* pktq_attach (either side, the driver on a region it does not trust): copies the
 * header once into *out and validates the copy: magic, version, nslots as pktq_layout
 * takes it, slot_size PKTQ_SLOT_SIZE, data_off page aligned at or after the rings, and
 * the data area inside region_len (the caller's own size of its mapping). Copies the
 * four counters this side owns once. The client (driver false) starts owning every
 * slot, the driver none: the client attaches before it shares the region. Returns
 * PKTQ_OK, or PKTQ_E_INVAL (out zeroed and broken, so every operation on it fails). */
int pktq_attach(void *region, uint64_t region_len, bool driver, struct pktq_view *out);

/* pktq_slot: the address of slot's PKTQ_SLOT_SIZE bytes, or NULL when slot >= nslots
 * (always, on a view pktq_attach refused). Ownership is not checked. */
void *pktq_slot(const struct pktq_view *v, uint32_t slot);

/* Handing a slot over (pktq_tx_put, pktq_rx_give, pktq_tx_done, pktq_rx_put): writes the
 * entry, publishes the tail, and gives up the slot. Returns true, or false with nothing
 * written when the caller is the wrong side for the ring, does not own slot (out of
 * range, already handed over), len is outside what the ring allows, the ring is full,
 * or the view is broken (a peer head more than nslots behind, or ahead of, the private
 * tail breaks it; pktq_broken tells this case apart).
 *
 * Taking a slot (pktq_tx_reap, pktq_rx_get, pktq_tx_take, pktq_rx_take_free): loads
 * the next entry once, validates it, publishes the head, and owns the slot. Returns 1
 * with *slot (and *len) set, 0 when the ring is empty, or PKTQ_E_PEER when the view is
 * broken: already, or now because the peer's tail is more than nslots ahead of the
 * private head, or the entry names a slot out of range or one this side owns, or a len
 * the ring does not allow. PKTQ_E_INVAL for the wrong side (the view is not broken). */

/* client: a frame of len PKTQ_TX_MIN..PKTQ_SLOT_SIZE bytes in slot, to send. */
bool pktq_tx_put(struct pktq_view *v, uint32_t slot, uint32_t len);
/* client: a slot whose frame the driver sent (TXDONE len must be 0). */
int pktq_tx_reap(struct pktq_view *v, uint32_t *slot);
/* client: an empty slot the driver may receive into. */
bool pktq_rx_give(struct pktq_view *v, uint32_t slot);
/* client: a received frame of *len bytes (1..PKTQ_SLOT_SIZE) in *slot. */
int pktq_rx_get(struct pktq_view *v, uint32_t *slot, uint32_t *len);

/* driver: a frame to send, *len bytes (PKTQ_TX_MIN..PKTQ_SLOT_SIZE) in *slot. */
int pktq_tx_take(struct pktq_view *v, uint32_t *slot, uint32_t *len);
/* driver: slot's frame was sent (or dropped); the slot goes back to the client. */
bool pktq_tx_done(struct pktq_view *v, uint32_t slot);
/* driver: an empty slot to receive into (RXFREE len must be 0). */
int pktq_rx_take_free(struct pktq_view *v, uint32_t *slot);
/* driver: a received frame of len 1..PKTQ_SLOT_SIZE bytes in slot. */
bool pktq_rx_put(struct pktq_view *v, uint32_t slot, uint32_t len);

/* pktq_broken: whether the peer broke the protocol on this view (or attach refused). */
bool pktq_broken(const struct pktq_view *v);

/* pktq_owns: whether this side owns slot (false when slot >= nslots). */
bool pktq_owns(const struct pktq_view *v, uint32_t slot);

#endif
