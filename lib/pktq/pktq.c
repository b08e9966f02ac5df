/* pktq: frame rings in shared memory; see pktq.h for the layout, ownership and the
 * trust model.
 *
 * Ordering. Counters and entries are accessed with relaxed __atomic loads and stores
 * (so a racing, hostile peer is no undefined behaviour on our side; on x86_64 these are
 * plain moves) and ordered by explicit fences:
 *   producer: load the peer's head, acquire fence, write the entry, release fence,
 *	       store the tail;
 *   consumer: load the peer's tail, acquire fence, load the entry, release fence,
 *	       store the head.
 * The producer's release fence before the tail store pairs with the consumer's acquire
 * fence after its tail load: the entry, and everything the producer did to the slot's
 * data before handing it over, is visible to the consumer once the tail covers it. The
 * consumer's release fence before the head store pairs with the producer's acquire
 * fence after its head load: the consumer has loaded the entry before the producer may
 * overwrite it. */
#include "lib/pktq/pktq.h"

#include "lib/str.h"

_Static_assert(offsetof(struct pktq_hdr, pad0) == 24, "fixed header fields: 24 bytes");
_Static_assert(offsetof(struct pktq_hdr, pad0) % sizeof(uint64_t) == 0, "copied by words");
_Static_assert(PKTQ_HDR_SIZE % sizeof(uint32_t) == 0, "ring entries aligned");
_Static_assert(PKTQ_RINGS_END(PKTQ_MAX_SLOTS) < UINT32_MAX, "ring offsets are small");
_Static_assert(PKTQ_MAX_SLOTS - 1 <= PKTQ_ENT_SLOT_MASK, "a slot fits its field");
_Static_assert(PKTQ_SLOT_SIZE <= UINT32_MAX >> PKTQ_ENT_LEN_SHIFT, "a len fits its field");
_Static_assert(PKTQ_MAX_SLOTS % 64 == 0, "owned[] is whole words");

/* What each ring carries: who produces it and the lens its entries may have. */
static const struct {
	bool by_driver;
	uint32_t len_min;
	uint32_t len_max;
} pktq_rings[PKTQ_NRINGS] = {
    [PKTQ_RING_TX] = {false, PKTQ_TX_MIN, PKTQ_SLOT_SIZE},
    [PKTQ_RING_TXDONE] = {true, 0, 0},
    [PKTQ_RING_RXFREE] = {false, 0, 0},
    [PKTQ_RING_RX] = {true, 1, PKTQ_SLOT_SIZE},
};

static bool pktq_nslots_ok(uint32_t nslots)
{
	return nslots >= 1 && nslots <= PKTQ_MAX_SLOTS && (nslots & (nslots - 1)) == 0;
}

int pktq_layout(uint32_t nslots, uint64_t region_len, struct pktq_layout *out)
{
	if (out == NULL || !pktq_nslots_ok(nslots))
		return PKTQ_E_INVAL;
	uint64_t rings_end = PKTQ_RINGS_END(nslots);
	uint64_t data_off = (rings_end + PKTQ_PAGE - 1) & ~(uint64_t)(PKTQ_PAGE - 1);
	uint64_t data_len = (uint64_t)nslots * PKTQ_SLOT_SIZE;
	if (region_len < data_off || region_len - data_off < data_len)
		return PKTQ_E_INVAL;
	out->nslots = nslots;
	out->slot_size = PKTQ_SLOT_SIZE;
	for (uint32_t r = 0; r < PKTQ_NRINGS; r++)
		out->ring_off[r] = PKTQ_RING_OFF(r, nslots);
	out->rings_end = rings_end;
	out->data_off = data_off;
	out->data_len = data_len;
	out->size = data_off + data_len;
	return PKTQ_OK;
}

int pktq_init(void *region, uint64_t region_len, uint32_t nslots)
{
	struct pktq_layout l;
	if (region == NULL || (uintptr_t)region % PKTQ_REGION_ALIGN != 0)
		return PKTQ_E_INVAL;
	if (pktq_layout(nslots, region_len, &l) != PKTQ_OK)
		return PKTQ_E_INVAL;
	/* Before the region is shared: the capability transfer that hands it to the
	 * driver orders these writes before anything the driver reads. */
	memset(region, 0, l.data_off);
	struct pktq_hdr *h = region;
	h->magic = PKTQ_MAGIC;
	h->version = PKTQ_VERSION;
	h->nslots = nslots;
	h->slot_size = PKTQ_SLOT_SIZE;
	h->data_off = l.data_off;
	return PKTQ_OK;
}

/* A 32-bit word of the region at off (naturally aligned: the region is
 * PKTQ_REGION_ALIGN aligned and every counter and entry offset a multiple of 4). */
static uint32_t pktq_load(const struct pktq_view *v, uint64_t off)
{
	return __atomic_load_n((const uint32_t *)(const void *)(v->base + off), __ATOMIC_RELAXED);
}

static void pktq_store(const struct pktq_view *v, uint64_t off, uint32_t val)
{
	__atomic_store_n((uint32_t *)(void *)(v->base + off), val, __ATOMIC_RELAXED);
}

/* One read of each word of src: every later check looks at the copy in dst only. */
static void pktq_copy_in(void *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len / sizeof(uint64_t); i++) {
		uint64_t w =
		    __atomic_load_n((const uint64_t *)(const void *)src + i, __ATOMIC_RELAXED);
		memcpy((uint8_t *)dst + i * sizeof(w), &w, sizeof(w));
	}
}

/* Whether this side produces ring r (else it consumes it). */
static bool pktq_produces(const struct pktq_view *v, uint32_t r)
{
	return pktq_rings[r].by_driver == v->driver;
}

int pktq_attach(void *region, uint64_t region_len, bool driver, struct pktq_view *out)
{
	struct pktq_hdr h;
	struct pktq_layout l;
	memset(out, 0, sizeof(*out));
	out->broken = true;
	if (region == NULL || (uintptr_t)region % PKTQ_REGION_ALIGN != 0 ||
	    region_len < PKTQ_HDR_SIZE)
		return PKTQ_E_INVAL;
	pktq_copy_in(&h, region, offsetof(struct pktq_hdr, pad0));
	if (h.magic != PKTQ_MAGIC || h.version != PKTQ_VERSION || h.slot_size != PKTQ_SLOT_SIZE)
		goto refuse;
	/* nslots as the client may choose it, and the rings plus the data area at the
	 * first page after them fit in the region ... */
	if (pktq_layout(h.nslots, region_len, &l) != PKTQ_OK)
		goto refuse;
	/* ... and so they do at the client's data_off, which may leave a gap. */
	if (h.data_off % PKTQ_PAGE != 0 || h.data_off < l.rings_end || h.data_off > region_len ||
	    l.data_len > region_len - h.data_off)
		goto refuse;

	out->base = region;
	out->region_len = region_len;
	out->data_off = h.data_off;
	out->nslots = h.nslots;
	out->driver = driver;
	for (uint32_t r = 0; r < PKTQ_NRINGS; r++)
		out->ctr[r] =
		    pktq_load(out, pktq_produces(out, r) ? PKTQ_TAIL_OFF(r) : PKTQ_HEAD_OFF(r));
	/* Pairs with the peer's release fence before whatever counter it published. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (uint32_t s = 0; !driver && s < h.nslots; s++)
		out->owned[s / 64] |= 1ull << (s % 64);
	out->broken = false;
	return PKTQ_OK;

refuse:
	memset(out, 0, sizeof(*out));
	out->broken = true;
	return PKTQ_E_INVAL;
}

void *pktq_slot(const struct pktq_view *v, uint32_t slot)
{
	if (slot >= v->nslots)
		return NULL;
	return v->base + v->data_off + (uint64_t)slot * PKTQ_SLOT_SIZE;
}

bool pktq_owns(const struct pktq_view *v, uint32_t slot)
{
	return slot < v->nslots && (v->owned[slot / 64] >> (slot % 64) & 1) != 0;
}

bool pktq_broken(const struct pktq_view *v)
{
	return v->broken;
}

static void pktq_set_owned(struct pktq_view *v, uint32_t slot, bool own)
{
	uint64_t bit = 1ull << (slot % 64);
	v->owned[slot / 64] = own ? v->owned[slot / 64] | bit : v->owned[slot / 64] & ~bit;
}

static bool pktq_len_ok(uint32_t r, uint32_t len)
{
	return len >= pktq_rings[r].len_min && len <= pktq_rings[r].len_max;
}

/* Producer on ring r: own counter the tail, the peer's the head. Every refusal comes
 * before the first write to the region. */
static bool pktq_produce(struct pktq_view *v, uint32_t r, uint32_t slot, uint32_t len)
{
	if (v->broken || !pktq_produces(v, r) || !pktq_owns(v, slot) || !pktq_len_ok(r, len))
		return false;
	uint32_t head = pktq_load(v, PKTQ_HEAD_OFF(r));
	/* Acquire: the consumer's load of the entry it freed is done (its release fence
	 * before the head store) before this side overwrites it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint32_t used = v->ctr[r] - head;
	if (used > v->nslots) {
		v->broken = true;
		return false;
	}
	if (used == v->nslots)
		return false;
	uint32_t idx = v->ctr[r] & (v->nslots - 1);
	pktq_store(v, PKTQ_RING_OFF(r, v->nslots) + (uint64_t)idx * sizeof(uint32_t),
		   PKTQ_ENT(slot, len));
	/* Release: the entry, and this side's accesses to the slot's data, come before
	 * the tail that hands the slot over. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	v->ctr[r]++;
	pktq_store(v, PKTQ_TAIL_OFF(r), v->ctr[r]);
	pktq_set_owned(v, slot, false);
	return true;
}

/* Consumer on ring r: own counter the head, the peer's the tail. A tail behind the
 * head shows as a huge count modulo 2^32 and breaks the view like one too far ahead. */
static int pktq_consume(struct pktq_view *v, uint32_t r, uint32_t *slot, uint32_t *len)
{
	if (v->broken)
		return PKTQ_E_PEER;
	if (pktq_produces(v, r))
		return PKTQ_E_INVAL;
	uint32_t tail = pktq_load(v, PKTQ_TAIL_OFF(r));
	/* Acquire: the entries the tail covers, and the producer's writes to their slots,
	 * came before it (the producer's release fence before the tail store). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint32_t avail = tail - v->ctr[r];
	if (avail > v->nslots)
		goto broken;
	if (avail == 0)
		return 0;
	uint32_t idx = v->ctr[r] & (v->nslots - 1);
	/* One load: s and l are private from here on. */
	uint32_t e = pktq_load(v, PKTQ_RING_OFF(r, v->nslots) + (uint64_t)idx * sizeof(uint32_t));
	uint32_t s = e & PKTQ_ENT_SLOT_MASK, l = e >> PKTQ_ENT_LEN_SHIFT;
	/* An honest peer hands over only slots it owns, so never one this side owns. */
	if (s >= v->nslots || pktq_owns(v, s) || !pktq_len_ok(r, l))
		goto broken;
	/* Release: the entry is loaded before the producer may reuse its place. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	v->ctr[r]++;
	pktq_store(v, PKTQ_HEAD_OFF(r), v->ctr[r]);
	pktq_set_owned(v, s, true);
	*slot = s;
	if (len != NULL)
		*len = l;
	return 1;

broken:
	v->broken = true;
	return PKTQ_E_PEER;
}

bool pktq_tx_put(struct pktq_view *v, uint32_t slot, uint32_t len)
{
	return pktq_produce(v, PKTQ_RING_TX, slot, len);
}

int pktq_tx_reap(struct pktq_view *v, uint32_t *slot)
{
	return pktq_consume(v, PKTQ_RING_TXDONE, slot, NULL);
}

bool pktq_rx_give(struct pktq_view *v, uint32_t slot)
{
	return pktq_produce(v, PKTQ_RING_RXFREE, slot, 0);
}

int pktq_rx_get(struct pktq_view *v, uint32_t *slot, uint32_t *len)
{
	return pktq_consume(v, PKTQ_RING_RX, slot, len);
}

int pktq_tx_take(struct pktq_view *v, uint32_t *slot, uint32_t *len)
{
	return pktq_consume(v, PKTQ_RING_TX, slot, len);
}

bool pktq_tx_done(struct pktq_view *v, uint32_t slot)
{
	return pktq_produce(v, PKTQ_RING_TXDONE, slot, 0);
}

int pktq_rx_take_free(struct pktq_view *v, uint32_t *slot)
{
	return pktq_consume(v, PKTQ_RING_RXFREE, slot, NULL);
}

bool pktq_rx_put(struct pktq_view *v, uint32_t slot, uint32_t len)
{
	return pktq_produce(v, PKTQ_RING_RX, slot, len);
}
