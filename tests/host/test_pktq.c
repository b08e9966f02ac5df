/* test_pktq: the shared frame rings. Layout sizes and refusals; attach validating every
 * header field; the ownership rules (double give, slots not owned, out of range, every
 * len edge, the wrong side's calls); a peer handing back slots it never had, out of
 * range or with a bad len; hostile peer counters at every distance; the header and
 * owned counters rewritten after attach; a client and a driver exchanging more than
 * 200000 frames each way across the wrap of the uint32 counters with payload checks,
 * interleaved and on two threads; and random operations checked against a shadow
 * model. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/pktq/pktq.h"

#define NEAR_WRAP (UINT32_MAX - 9u) /* 2^32 - 10 */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A region shared by a client view and a driver view. */
struct pair {
	uint8_t *mem;
	uint64_t len;
	uint32_t n;
	struct pktq_hdr *h;
	struct pktq_view cli;
	struct pktq_view drv;
};

static uint32_t *ctr_at(struct pair *p, uint64_t off)
{
	return (uint32_t *)(void *)(p->mem + off);
}

static uint32_t *ring_at(struct pair *p, uint32_t r)
{
	return (uint32_t *)(void *)(p->mem + PKTQ_RING_OFF(r, p->n));
}

/* Exactly the layout's size (ASan catches any access past the end), filled with
 * garbage pktq_init must clear. All eight counters start at start. */
static void pair_open(struct pair *p, uint32_t n, uint32_t start)
{
	struct pktq_layout l;
	assert_int_equal(pktq_layout(n, UINT64_MAX, &l), PKTQ_OK);
	assert_int_equal(posix_memalign((void **)&p->mem, PKTQ_PAGE, l.size), 0);
	memset(p->mem, 0x5a, l.size);
	p->len = l.size;
	p->n = n;
	p->h = (struct pktq_hdr *)p->mem;
	assert_int_equal(pktq_init(p->mem, p->len, n), PKTQ_OK);
	for (uint32_t r = 0; r < PKTQ_NRINGS; r++) {
		assert_int_equal(*ctr_at(p, PKTQ_TAIL_OFF(r)) | *ctr_at(p, PKTQ_HEAD_OFF(r)), 0);
		*ctr_at(p, PKTQ_TAIL_OFF(r)) = *ctr_at(p, PKTQ_HEAD_OFF(r)) = start;
	}
	assert_int_equal(pktq_attach(p->mem, p->len, false, &p->cli), PKTQ_OK);
	assert_int_equal(pktq_attach(p->mem, p->len, true, &p->drv), PKTQ_OK);
}

static void pair_close(struct pair *p)
{
	free(p->mem);
	p->mem = NULL;
}

static void test_struct_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct pktq_hdr), 576);
	assert_int_equal(offsetof(struct pktq_hdr, nslots), 8);
	assert_int_equal(offsetof(struct pktq_hdr, slot_size), 12);
	assert_int_equal(offsetof(struct pktq_hdr, data_off), 16);
	assert_int_equal(offsetof(struct pktq_hdr, tx_tail), 64);
	assert_int_equal(offsetof(struct pktq_hdr, rx_head), 512);
	assert_int_equal(PKTQ_MAGIC, 'P' | 'K' << 8 | 'T' << 16 | 'Q' << 24);
	assert_int_equal(PKTQ_ENT(3, 2048), 0x08000003u);
	assert_int_equal(PKTQ_ENT(255, 0), 255);
}

static void test_layout(void **state)
{
	(void)state;
	struct pktq_layout l;
	assert_int_equal(pktq_layout(1, 6144, &l), PKTQ_OK);
	assert_int_equal(l.nslots, 1);
	assert_int_equal(l.slot_size, 2048);
	assert_int_equal(l.ring_off[PKTQ_RING_TX], 576);
	assert_int_equal(l.ring_off[PKTQ_RING_TXDONE], 580);
	assert_int_equal(l.ring_off[PKTQ_RING_RXFREE], 584);
	assert_int_equal(l.ring_off[PKTQ_RING_RX], 588);
	assert_int_equal(l.rings_end, 592);
	assert_int_equal(l.data_off, 4096);
	assert_int_equal(l.data_len, 2048);
	assert_int_equal(l.size, 6144);
	assert_int_equal(pktq_layout(128, 4096 + 128 * 2048, &l), PKTQ_OK);
	assert_int_equal(l.ring_off[PKTQ_RING_RX], 576 + 3 * 512);
	assert_int_equal(l.rings_end, 576 + 2048);
	assert_int_equal(l.data_off, 4096);
	/* 256 slots: 4672 bytes of header and rings push the data to the second page. */
	assert_int_equal(pktq_layout(256, UINT64_MAX, &l), PKTQ_OK);
	assert_int_equal(l.rings_end, 576 + 4096);
	assert_int_equal(l.data_off, 8192);
	assert_int_equal(l.data_len, 256 * 2048);
	assert_int_equal(l.size, 8192 + 256 * 2048);
	/* One byte short, for each size; a null out. */
	for (uint32_t n = 1; n <= PKTQ_MAX_SLOTS; n *= 2) {
		assert_int_equal(pktq_layout(n, UINT64_MAX, &l), PKTQ_OK);
		uint64_t size = l.size;
		assert_int_equal(pktq_layout(n, size, &l), PKTQ_OK);
		uint64_t data_off = l.data_off;
		memset(&l, 0xee, sizeof(l));
		assert_int_equal(pktq_layout(n, size - 1, &l), PKTQ_E_INVAL);
		assert_int_equal(pktq_layout(n, data_off, &l), PKTQ_E_INVAL);
		assert_int_equal(l.nslots, 0xeeeeeeeeu);
		assert_int_equal(pktq_layout(n, size, NULL), PKTQ_E_INVAL);
	}
	assert_int_equal(pktq_layout(1, 0, &l), PKTQ_E_INVAL);
	const uint32_t bad[] = {0, 3, 6, 100, 255, 257, 512, 0x10000, 0x80000000u, UINT32_MAX};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pktq_layout(bad[i], UINT64_MAX, &l), PKTQ_E_INVAL);
}

static void test_init_attach(void **state)
{
	(void)state;
	struct pair p;
	pair_open(&p, 16, 0);
	assert_int_equal(p.h->magic, PKTQ_MAGIC);
	assert_int_equal(p.h->version, PKTQ_VERSION);
	assert_int_equal(p.h->nslots, 16);
	assert_int_equal(p.h->slot_size, PKTQ_SLOT_SIZE);
	assert_int_equal(p.h->data_off, 4096);
	assert_int_equal(p.drv.nslots, 16);
	assert_false(pktq_broken(&p.cli) || pktq_broken(&p.drv));
	/* Everything before the data area is zeroed; the data area is left alone. */
	for (uint64_t i = 24; i < 4096; i++)
		assert_int_equal(p.mem[i], 0);
	assert_int_equal(p.mem[4096], 0x5a);
	/* The client owns every slot, the driver none. */
	for (uint32_t s = 0; s < 16; s++) {
		assert_true(pktq_owns(&p.cli, s));
		assert_false(pktq_owns(&p.drv, s));
		assert_ptr_equal(pktq_slot(&p.cli, s), p.mem + 4096 + s * 2048);
		assert_ptr_equal(pktq_slot(&p.drv, s), p.mem + 4096 + s * 2048);
	}
	const uint32_t out[] = {16, 17, 255, 256, 0x10000, UINT32_MAX};
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		assert_false(pktq_owns(&p.cli, out[i]));
		assert_null(pktq_slot(&p.cli, out[i]));
	}
	/* Refusals write nothing. */
	memset(p.mem, 0x77, p.len);
	assert_int_equal(pktq_init(p.mem + 8, p.len - 8, 16), PKTQ_E_INVAL);
	assert_int_equal(pktq_init(NULL, p.len, 16), PKTQ_E_INVAL);
	assert_int_equal(pktq_init(p.mem, p.len, 3), PKTQ_E_INVAL);
	assert_int_equal(pktq_init(p.mem, p.len, 32), PKTQ_E_INVAL); /* too small */
	assert_int_equal(pktq_init(p.mem, p.len - 1, 16), PKTQ_E_INVAL);
	for (uint64_t i = 0; i < p.len; i++)
		assert_int_equal(p.mem[i], 0x77);
	pair_close(&p);
	/* Every size: all slots the client's, the last slot ending at the region's end. */
	for (uint32_t n = 1; n <= PKTQ_MAX_SLOTS; n *= 2) {
		pair_open(&p, n, 0);
		for (uint32_t s = 0; s < PKTQ_MAX_SLOTS; s++)
			assert_int_equal(pktq_owns(&p.cli, s), s < n);
		assert_ptr_equal((uint8_t *)pktq_slot(&p.cli, n - 1) + PKTQ_SLOT_SIZE,
				 p.mem + p.len);
		pair_close(&p);
	}
}

/* Every operation on a broken view fails and writes nothing to the region. */
static void assert_dead(struct pair *p, struct pktq_view *v)
{
	uint8_t before[PKTQ_HDR_SIZE];
	uint32_t slot, len;
	memcpy(before, p->mem, sizeof(before));
	assert_true(pktq_broken(v));
	for (uint32_t s = 0; s < 2; s++) {
		assert_false(pktq_tx_put(v, s, 64));
		assert_false(pktq_rx_give(v, s));
		assert_false(pktq_tx_done(v, s));
		assert_false(pktq_rx_put(v, s, 64));
	}
	assert_int_equal(pktq_tx_reap(v, &slot), PKTQ_E_PEER);
	assert_int_equal(pktq_rx_get(v, &slot, &len), PKTQ_E_PEER);
	assert_int_equal(pktq_tx_take(v, &slot, &len), PKTQ_E_PEER);
	assert_int_equal(pktq_rx_take_free(v, &slot), PKTQ_E_PEER);
	assert_memory_equal(before, p->mem, sizeof(before));
	assert_true(pktq_broken(v));
}

static void test_attach_refuses(void **state)
{
	(void)state;
	struct pair p;
	struct pktq_view v;
	pair_open(&p, 8, 0); /* data_off 4096, 8 slots: 20480 bytes */
	const uint64_t len = p.len;
	struct pktq_hdr good = *p.h;
	struct {
		size_t off;
		uint64_t val;
		unsigned width;
	} bad[] = {
	    {offsetof(struct pktq_hdr, magic), 0, 4},
	    {offsetof(struct pktq_hdr, magic), PKTQ_MAGIC ^ 1, 4},
	    {offsetof(struct pktq_hdr, magic), 0x514b4c42u, 4}, /* "BLKQ" */
	    {offsetof(struct pktq_hdr, version), 0, 4},
	    {offsetof(struct pktq_hdr, version), 2, 4},
	    {offsetof(struct pktq_hdr, nslots), 0, 4},
	    {offsetof(struct pktq_hdr, nslots), 12, 4},
	    {offsetof(struct pktq_hdr, nslots), 16, 4}, /* data past the region */
	    {offsetof(struct pktq_hdr, nslots), 512, 4},
	    {offsetof(struct pktq_hdr, nslots), 1u << 31, 4},
	    {offsetof(struct pktq_hdr, slot_size), 0, 4},
	    {offsetof(struct pktq_hdr, slot_size), 1024, 4},
	    {offsetof(struct pktq_hdr, slot_size), 2049, 4},
	    {offsetof(struct pktq_hdr, slot_size), 4096, 4},
	    {offsetof(struct pktq_hdr, data_off), 0, 8}, /* over the header */
	    {offsetof(struct pktq_hdr, data_off), 512, 8},
	    {offsetof(struct pktq_hdr, data_off), 4096 + 64, 8},
	    {offsetof(struct pktq_hdr, data_off), 8192, 8}, /* data one page too long */
	    {offsetof(struct pktq_hdr, data_off), 20480, 8},
	    {offsetof(struct pktq_hdr, data_off), 1ull << 40, 8},
	    {offsetof(struct pktq_hdr, data_off), UINT64_MAX & ~4095ull, 8},
	    {offsetof(struct pktq_hdr, data_off), UINT64_MAX, 8},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		*p.h = good;
		memcpy(p.mem + bad[i].off, &bad[i].val, bad[i].width);
		for (int driver = 0; driver < 2; driver++) {
			assert_int_equal(pktq_attach(p.mem, len, driver, &v), PKTQ_E_INVAL);
			assert_dead(&p, &v);
			assert_null(pktq_slot(&v, 0));
			assert_false(pktq_owns(&v, 0));
		}
	}
	/* A smaller nslots than the client set up is consistent, and accepted. */
	*p.h = good;
	p.h->nslots = 4;
	assert_int_equal(pktq_attach(p.mem, len, true, &v), PKTQ_OK);
	/* 256 slots put the rings past the first page: data_off 4096 overlaps them. */
	p.h->nslots = 256;
	assert_int_equal(pktq_attach(p.mem, 8192 + 256 * 2048, true, &v), PKTQ_E_INVAL);
	/* The caller's region_len counts, not the client's idea of it. */
	*p.h = good;
	assert_int_equal(pktq_attach(p.mem, len, true, &v), PKTQ_OK);
	assert_int_equal(pktq_attach(p.mem, len - 1, true, &v), PKTQ_E_INVAL);
	assert_int_equal(pktq_attach(p.mem, PKTQ_HDR_SIZE - 1, true, &v), PKTQ_E_INVAL);
	assert_int_equal(pktq_attach(p.mem, 0, true, &v), PKTQ_E_INVAL);
	assert_int_equal(pktq_attach(NULL, len, true, &v), PKTQ_E_INVAL);
	assert_int_equal(pktq_attach(p.mem + 32, len - 32, true, &v), PKTQ_E_INVAL);
	assert_dead(&p, &v);
	/* A client may leave a gap before the data area. */
	pair_close(&p);
	assert_int_equal(posix_memalign((void **)&p.mem, PKTQ_PAGE, 12288 + 2048), 0);
	assert_int_equal(pktq_init(p.mem, 12288 + 2048, 1), PKTQ_OK);
	((struct pktq_hdr *)p.mem)->data_off = 12288;
	assert_int_equal(pktq_attach(p.mem, 12288 + 2048, true, &v), PKTQ_OK);
	assert_ptr_equal(pktq_slot(&v, 0), p.mem + 12288);
	assert_int_equal(pktq_attach(p.mem, 12288 + 2047, true, &v), PKTQ_E_INVAL);
	free(p.mem);
}

/* The ring counters in the header, to check that a refusal wrote none of them. */
static void counters(struct pair *p, uint32_t c[2 * PKTQ_NRINGS])
{
	for (uint32_t r = 0; r < PKTQ_NRINGS; r++) {
		c[2 * r] = *ctr_at(p, PKTQ_TAIL_OFF(r));
		c[2 * r + 1] = *ctr_at(p, PKTQ_HEAD_OFF(r));
	}
}

static void test_ownership(void **state)
{
	(void)state;
	struct pair p;
	uint32_t slot, len, before[8], after[8];
	pair_open(&p, 8, NEAR_WRAP);
	counters(&p, before);
	uint8_t rings[16 * 8];
	memcpy(rings, ring_at(&p, 0), sizeof(rings));
	/* Out of range, bad lens, the wrong side's calls: refused, nothing written. */
	const uint32_t far[] = {8, 9, 255, 256, 0xffff, 0x10000, 0x10003, UINT32_MAX};
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		assert_false(pktq_tx_put(&p.cli, far[i], 64));
		assert_false(pktq_rx_give(&p.cli, far[i]));
	}
	const uint32_t bad_tx[] = {0, 1, 13, 2049, 4096, 0x10000, UINT32_MAX};
	for (size_t i = 0; i < sizeof(bad_tx) / sizeof(bad_tx[0]); i++)
		assert_false(pktq_tx_put(&p.cli, 0, bad_tx[i]));
	assert_false(pktq_tx_done(&p.cli, 0));
	assert_false(pktq_rx_put(&p.cli, 0, 64));
	assert_int_equal(pktq_tx_take(&p.cli, &slot, &len), PKTQ_E_INVAL);
	assert_int_equal(pktq_rx_take_free(&p.cli, &slot), PKTQ_E_INVAL);
	assert_false(pktq_tx_put(&p.drv, 0, 64));
	assert_false(pktq_rx_give(&p.drv, 0));
	assert_int_equal(pktq_tx_reap(&p.drv, &slot), PKTQ_E_INVAL);
	assert_int_equal(pktq_rx_get(&p.drv, &slot, &len), PKTQ_E_INVAL);
	/* The driver owns nothing yet: it cannot hand back a slot it never had. */
	for (uint32_t s = 0; s < 8; s++) {
		assert_false(pktq_tx_done(&p.drv, s));
		assert_false(pktq_rx_put(&p.drv, s, 64));
	}
	counters(&p, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_memory_equal(rings, ring_at(&p, 0), sizeof(rings));
	assert_false(pktq_broken(&p.cli) || pktq_broken(&p.drv));
	for (uint32_t s = 0; s < 8; s++)
		assert_true(pktq_owns(&p.cli, s));

	/* The edges of len that are allowed. */
	assert_true(pktq_tx_put(&p.cli, 0, PKTQ_TX_MIN));
	assert_true(pktq_tx_put(&p.cli, 1, PKTQ_SLOT_SIZE));
	/* Double give: a slot handed over is no longer the client's, on either ring. */
	assert_false(pktq_tx_put(&p.cli, 0, 64));
	assert_false(pktq_rx_give(&p.cli, 1));
	assert_true(pktq_rx_give(&p.cli, 2));
	assert_false(pktq_rx_give(&p.cli, 2));
	assert_false(pktq_tx_put(&p.cli, 2, 64));
	assert_false(pktq_owns(&p.cli, 0) || pktq_owns(&p.cli, 1) || pktq_owns(&p.cli, 2));
	assert_int_equal(p.h->tx_tail, NEAR_WRAP + 2);
	assert_int_equal(p.h->rxfree_tail, NEAR_WRAP + 1);
	assert_int_equal(ring_at(&p, PKTQ_RING_TX)[(NEAR_WRAP + 1) & 7], PKTQ_ENT(1, 2048));

	/* The driver owns what it took, and only that. */
	assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), 1);
	assert_true(slot == 0 && len == PKTQ_TX_MIN);
	assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), 1);
	assert_true(slot == 1 && len == PKTQ_SLOT_SIZE);
	assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), 0);
	assert_int_equal(pktq_rx_take_free(&p.drv, &slot), 1);
	assert_int_equal(slot, 2);
	assert_int_equal(pktq_rx_take_free(&p.drv, &slot), 0);
	assert_true(pktq_owns(&p.drv, 0) && pktq_owns(&p.drv, 1) && pktq_owns(&p.drv, 2));
	assert_false(pktq_tx_done(&p.drv, 3));
	assert_false(pktq_rx_put(&p.drv, 2, 0));
	assert_false(pktq_rx_put(&p.drv, 2, 2049));
	assert_false(pktq_rx_put(&p.drv, 8, 64));
	/* Any slot the driver owns may go back either way (a TX slot reused for a
	 * received frame is the driver's choice; the client sees a slot it gave up). */
	assert_true(pktq_rx_put(&p.drv, 2, 1));
	assert_true(pktq_rx_put(&p.drv, 0, PKTQ_SLOT_SIZE));
	assert_true(pktq_tx_done(&p.drv, 1));
	assert_false(pktq_tx_done(&p.drv, 1));
	assert_false(pktq_rx_put(&p.drv, 1, 64));
	assert_int_equal(pktq_rx_get(&p.cli, &slot, &len), 1);
	assert_true(slot == 2 && len == 1);
	assert_int_equal(pktq_rx_get(&p.cli, &slot, &len), 1);
	assert_true(slot == 0 && len == PKTQ_SLOT_SIZE);
	assert_int_equal(pktq_rx_get(&p.cli, &slot, &len), 0);
	assert_int_equal(pktq_tx_reap(&p.cli, &slot), 1);
	assert_int_equal(slot, 1);
	assert_int_equal(pktq_tx_reap(&p.cli, &slot), 0);
	for (uint32_t s = 0; s < 8; s++) {
		assert_true(pktq_owns(&p.cli, s));
		assert_false(pktq_owns(&p.drv, s));
	}
	assert_false(pktq_broken(&p.cli) || pktq_broken(&p.drv));

	/* All eight in flight at once: each ring holds at most nslots, and never needs
	 * more. */
	for (uint32_t s = 0; s < 8; s++)
		assert_true(s % 2 ? pktq_tx_put(&p.cli, s, 100 + s) : pktq_rx_give(&p.cli, s));
	for (uint32_t s = 0; s < 8; s++)
		assert_false(pktq_owns(&p.cli, s));
	pair_close(&p);
}

/* Writes entry into ring r as its producer would, past the producer's view. */
static void inject(struct pair *p, uint32_t r, uint32_t entry)
{
	uint32_t *tail = ctr_at(p, PKTQ_TAIL_OFF(r));
	ring_at(p, r)[*tail & (p->n - 1)] = entry;
	(*tail)++;
}

/* A peer handing over what it does not have: a slot the receiver owns, one out of
 * range, a len the ring does not allow. The first lie breaks the view for good, with
 * the head not published and the ownership unchanged. */
static void test_peer_lies(void **state)
{
	(void)state;
	enum { NONE, SENT0, GAVE0 }; /* slot 0 handed to the driver first, by TX or RXFREE */
	const struct {
		uint32_t ring;
		int prep;
		uint32_t entry;
		int want;
	} cases[] = {
	    /* TXDONE, seen by the client. */
	    {PKTQ_RING_TXDONE, NONE, PKTQ_ENT(3, 0), PKTQ_E_PEER}, /* never had it */
	    {PKTQ_RING_TXDONE, SENT0, PKTQ_ENT(1, 0), PKTQ_E_PEER},
	    {PKTQ_RING_TXDONE, SENT0, PKTQ_ENT(8, 0), PKTQ_E_PEER},
	    {PKTQ_RING_TXDONE, SENT0, PKTQ_ENT(0xffff, 0), PKTQ_E_PEER},
	    {PKTQ_RING_TXDONE, SENT0, PKTQ_ENT(0, 1), PKTQ_E_PEER},
	    {PKTQ_RING_TXDONE, SENT0, PKTQ_ENT(0, 60), PKTQ_E_PEER},
	    {PKTQ_RING_TXDONE, SENT0, 0xffffffffu, PKTQ_E_PEER},
	    {PKTQ_RING_TXDONE, SENT0, PKTQ_ENT(0, 0), 1},
	    {PKTQ_RING_TXDONE, GAVE0, PKTQ_ENT(0, 0), 1}, /* the driver's choice */
	    /* RX, seen by the client. */
	    {PKTQ_RING_RX, NONE, PKTQ_ENT(0, 60), PKTQ_E_PEER},
	    {PKTQ_RING_RX, GAVE0, PKTQ_ENT(5, 60), PKTQ_E_PEER},
	    {PKTQ_RING_RX, GAVE0, PKTQ_ENT(8, 60), PKTQ_E_PEER},
	    {PKTQ_RING_RX, GAVE0, PKTQ_ENT(0x100, 60), PKTQ_E_PEER},
	    {PKTQ_RING_RX, GAVE0, PKTQ_ENT(0, 0), PKTQ_E_PEER},
	    {PKTQ_RING_RX, GAVE0, PKTQ_ENT(0, 2049), PKTQ_E_PEER},
	    {PKTQ_RING_RX, GAVE0, PKTQ_ENT(0, 0xffff), PKTQ_E_PEER},
	    {PKTQ_RING_RX, GAVE0, PKTQ_ENT(0, 1), 1},
	    {PKTQ_RING_RX, GAVE0, PKTQ_ENT(0, 2048), 1},
	    /* TX, seen by the driver. */
	    {PKTQ_RING_TX, NONE, PKTQ_ENT(0, 13), PKTQ_E_PEER},
	    {PKTQ_RING_TX, NONE, PKTQ_ENT(0, 0), PKTQ_E_PEER},
	    {PKTQ_RING_TX, NONE, PKTQ_ENT(0, 2049), PKTQ_E_PEER},
	    {PKTQ_RING_TX, NONE, PKTQ_ENT(8, 60), PKTQ_E_PEER},
	    {PKTQ_RING_TX, NONE, PKTQ_ENT(0x8000, 60), PKTQ_E_PEER},
	    {PKTQ_RING_TX, GAVE0, PKTQ_ENT(0, 60), PKTQ_E_PEER}, /* the driver's already */
	    {PKTQ_RING_TX, NONE, PKTQ_ENT(7, 14), 1},
	    {PKTQ_RING_TX, NONE, PKTQ_ENT(7, 2048), 1},
	    /* RXFREE, seen by the driver. */
	    {PKTQ_RING_RXFREE, NONE, PKTQ_ENT(0, 1), PKTQ_E_PEER},
	    {PKTQ_RING_RXFREE, NONE, PKTQ_ENT(0, 2048), PKTQ_E_PEER},
	    {PKTQ_RING_RXFREE, NONE, PKTQ_ENT(9, 0), PKTQ_E_PEER},
	    {PKTQ_RING_RXFREE, SENT0, PKTQ_ENT(0, 0), PKTQ_E_PEER},
	    {PKTQ_RING_RXFREE, NONE, PKTQ_ENT(6, 0), 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair p;
		uint32_t slot = 0xdead, len = 0xdead, before[8], after[8];
		pair_open(&p, 8, NEAR_WRAP);
		if (cases[i].prep == SENT0) {
			assert_true(pktq_tx_put(&p.cli, 0, 60));
			assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), 1);
		} else if (cases[i].prep == GAVE0) {
			assert_true(pktq_rx_give(&p.cli, 0));
			assert_int_equal(pktq_rx_take_free(&p.drv, &slot), 1);
		}
		uint32_t r = cases[i].ring;
		bool by_client = r == PKTQ_RING_TX || r == PKTQ_RING_RXFREE;
		struct pktq_view *v = by_client ? &p.drv : &p.cli;
		uint64_t owned[PKTQ_MAX_SLOTS / 64];
		memcpy(owned, v->owned, sizeof(owned));
		inject(&p, r, cases[i].entry);
		counters(&p, before);
		int got;
		switch (r) {
		case PKTQ_RING_TXDONE:
			got = pktq_tx_reap(v, &slot);
			break;
		case PKTQ_RING_RX:
			got = pktq_rx_get(v, &slot, &len);
			break;
		case PKTQ_RING_TX:
			got = pktq_tx_take(v, &slot, &len);
			break;
		default:
			got = pktq_rx_take_free(v, &slot);
			break;
		}
		assert_int_equal(got, cases[i].want);
		counters(&p, after);
		if (got == 1) {
			uint32_t s = cases[i].entry & 0xffff;
			assert_int_equal(slot, s);
			assert_true(pktq_owns(v, s));
			if (r == PKTQ_RING_TX || r == PKTQ_RING_RX)
				assert_int_equal(len, cases[i].entry >> 16);
			assert_int_equal(after[2 * r + 1], before[2 * r + 1] + 1);
			/* The same entry again: the slot is the receiver's now. */
			inject(&p, r, cases[i].entry);
			got = r == PKTQ_RING_TXDONE ? pktq_tx_reap(v, &slot)
			      : r == PKTQ_RING_RX   ? pktq_rx_get(v, &slot, &len)
			      : r == PKTQ_RING_TX   ? pktq_tx_take(v, &slot, &len)
						    : pktq_rx_take_free(v, &slot);
			assert_int_equal(got, PKTQ_E_PEER);
			memcpy(owned, v->owned, sizeof(owned));
		} else {
			assert_memory_equal(before, after, sizeof(before));
		}
		assert_memory_equal(owned, v->owned, sizeof(owned));
		assert_dead(&p, v);
		/* Honest again: too late. */
		inject(&p, PKTQ_RING_TX, PKTQ_ENT(4, 60));
		inject(&p, PKTQ_RING_TXDONE, PKTQ_ENT(0, 0));
		assert_dead(&p, v);
		pair_close(&p);
	}
}

/* A peer's counter set to a random value (biased to the edges) after some honest
 * traffic: the operation that loads it gives exactly what the distance from the
 * private counter predicts, and breaks the view when that distance exceeds nslots. */
static void test_hostile_counters(void **state)
{
	(void)state;
	for (int run = 0; run < 8000; run++) {
		uint32_t n = 1u << (next() % 9), slot, len;
		struct pair p;
		pair_open(&p, n, (uint32_t)next());
		for (uint32_t k = (uint32_t)(next() % (2 * n + 1)); k > 0; k--) {
			assert_true(pktq_tx_put(&p.cli, 0, 60));
			assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), 1);
			assert_true(pktq_rx_put(&p.drv, slot, len));
			assert_int_equal(pktq_rx_get(&p.cli, &slot, &len), 1);
			assert_true(pktq_rx_give(&p.cli, 0));
			assert_int_equal(pktq_rx_take_free(&p.drv, &slot), 1);
			assert_true(pktq_tx_done(&p.drv, 0));
			assert_int_equal(pktq_tx_reap(&p.cli, &slot), 1);
		}
		uint32_t r = (uint32_t)(next() % PKTQ_NRINGS);
		bool produce = next() % 2;
		bool by_client = r == PKTQ_RING_TX || r == PKTQ_RING_RXFREE;
		struct pktq_view *prod = by_client ? &p.cli : &p.drv;
		struct pktq_view *cons = by_client ? &p.drv : &p.cli;
		/* Slot 0 with the producer (to hand over) or in flight (for an entry). */
		if (!by_client) {
			assert_true(pktq_rx_give(&p.cli, 0));
			assert_int_equal(pktq_rx_take_free(&p.drv, &slot), 1);
		}
		uint32_t delta = next() % 2 ? (uint32_t)next() : (uint32_t)(next() % 5) + n - 2;
		int got, want;
		if (produce) {
			/* The consumer's head, seen by the producer: used = tail - head. */
			uint32_t val = prod->ctr[r] - delta;
			*ctr_at(&p, PKTQ_HEAD_OFF(r)) = val;
			bool ok = r == PKTQ_RING_TX	  ? pktq_tx_put(prod, 0, 60)
				  : r == PKTQ_RING_RXFREE ? pktq_rx_give(prod, 0)
				  : r == PKTQ_RING_TXDONE ? pktq_tx_done(prod, 0)
							  : pktq_rx_put(prod, 0, 60);
			got = ok ? 1 : pktq_broken(prod) ? PKTQ_E_PEER : 0;
			want = delta > n ? PKTQ_E_PEER : delta < n;
			assert_int_equal(pktq_owns(prod, 0), got != 1);
		} else {
			/* The producer's tail, seen by the consumer, with an honest entry
			 * where the consumer reads next: avail = tail - head. */
			uint32_t len_ok = r == PKTQ_RING_TX || r == PKTQ_RING_RX ? 60 : 0;
			ring_at(&p, r)[cons->ctr[r] & (n - 1)] = PKTQ_ENT(0, len_ok);
			*ctr_at(&p, PKTQ_TAIL_OFF(r)) = cons->ctr[r] + delta;
			got = r == PKTQ_RING_TX	      ? pktq_tx_take(cons, &slot, &len)
			      : r == PKTQ_RING_RXFREE ? pktq_rx_take_free(cons, &slot)
			      : r == PKTQ_RING_TXDONE ? pktq_tx_reap(cons, &slot)
						      : pktq_rx_get(cons, &slot, &len);
			want = delta > n ? PKTQ_E_PEER : delta > 0;
			assert_int_equal(pktq_owns(cons, 0), got == 1);
		}
		assert_int_equal(got, want);
		assert_int_equal(pktq_broken(produce ? prod : cons), want < 0);
		pair_close(&p);
	}
}

/* The header rewritten after attach, and the counters each side owns scribbled by the
 * other: the views keep their copies, and republish their own counters with their next
 * operations (before the peer looks at them: the peer would rightly see a lie). */
static void test_header_rewritten(void **state)
{
	(void)state;
	struct pair p;
	uint32_t slot, len;
	pair_open(&p, 4, NEAR_WRAP);
	memset(p.mem, 0xff, offsetof(struct pktq_hdr, pad0));
	p.h->nslots = 1u << 31;
	p.h->data_off = 0;
	assert_true(pktq_tx_put(&p.cli, 3, 1514));
	assert_true(pktq_tx_put(&p.cli, 2, 60));
	assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), 1);
	assert_true(slot == 3 && len == 1514);
	assert_ptr_equal(pktq_slot(&p.drv, 3), p.mem + 4096 + 3 * 2048);
	assert_null(pktq_slot(&p.drv, 4));
	/* The driver's counters. */
	p.h->tx_head = 12345;
	p.h->txdone_tail = 0;
	p.h->rx_tail = 777;
	assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), 1);
	assert_true(slot == 2 && len == 60);
	assert_int_equal(p.h->tx_head, NEAR_WRAP + 2);
	assert_true(pktq_rx_put(&p.drv, 3, 100));
	assert_int_equal(p.h->rx_tail, NEAR_WRAP + 1);
	assert_true(pktq_tx_done(&p.drv, 2));
	assert_int_equal(p.h->txdone_tail, NEAR_WRAP + 1);
	/* The client's. */
	p.h->tx_tail = 999;
	p.h->txdone_head = 1;
	p.h->rxfree_tail = UINT32_MAX;
	p.h->rx_head = 0xabcd;
	assert_int_equal(pktq_rx_get(&p.cli, &slot, &len), 1);
	assert_true(slot == 3 && len == 100);
	assert_int_equal(p.h->rx_head, NEAR_WRAP + 1);
	assert_int_equal(pktq_tx_reap(&p.cli, &slot), 1);
	assert_int_equal(slot, 2);
	assert_int_equal(p.h->txdone_head, NEAR_WRAP + 1);
	assert_true(pktq_tx_put(&p.cli, 2, 60));
	assert_int_equal(p.h->tx_tail, NEAR_WRAP + 3);
	assert_true(pktq_rx_give(&p.cli, 3));
	assert_int_equal(p.h->rxfree_tail, NEAR_WRAP + 1);
	assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), 1);
	assert_int_equal(pktq_rx_take_free(&p.drv, &slot), 1);
	assert_int_equal(slot, 3);
	assert_false(pktq_broken(&p.cli) || pktq_broken(&p.drv));
	pair_close(&p);
}

/* Frame k in direction dir (0 TX, 1 RX): its length, and its bytes (k in the first
 * eight, a byte of k after). Every length is reached within 2048 frames. */
static uint32_t frame_len(uint64_t k, int dir)
{
	if (dir == 0)
		return PKTQ_TX_MIN +
		       (uint32_t)(k * 2654435761u % (PKTQ_SLOT_SIZE - PKTQ_TX_MIN + 1));
	return 1 + (uint32_t)((k * 40503u + 7) % PKTQ_SLOT_SIZE);
}

static void frame_fill(uint8_t *buf, uint64_t k, int dir)
{
	uint32_t len = frame_len(k, dir);
	memset(buf, (int)(uint8_t)(k * 131 + 17 + (unsigned)dir * 89), len);
	memcpy(buf, &k, len < sizeof(k) ? len : sizeof(k));
}

static bool frame_ok(const uint8_t *buf, uint32_t len, uint64_t k, int dir)
{
	uint8_t want[PKTQ_SLOT_SIZE];
	if (len != frame_len(k, dir))
		return false;
	frame_fill(want, k, dir);
	return memcmp(buf, want, len) == 0;
}

/* The slots a side holds, as a stack. */
struct stack {
	uint32_t n;
	uint32_t s[PKTQ_MAX_SLOTS];
};

/* Client and driver interleaved at random over one region, the counters starting at
 * 2^32 - 10: total frames each way, in order, with their bytes. The client gives at
 * most total slots to RXFREE (so every one comes back with a frame). */
static void exchange(uint32_t n, uint64_t total)
{
	struct pair p;
	struct stack cli = {0}, drv = {0};
	uint64_t sent = 0, taken = 0, reaped = 0, given = 0, filled = 0, got = 0;
	uint32_t slot, len;
	pair_open(&p, n, NEAR_WRAP);
	for (uint32_t s = 0; s < n; s++)
		cli.s[cli.n++] = s;
	for (uint64_t step = 0; reaped < total || got < total; step++) {
		assert_true(step < 100 * total);
		/* Client: send or give what it holds, then reap and receive. */
		for (unsigned i = (unsigned)(next() % (n + 1)); i > 0 && cli.n > 0; i--) {
			bool tx = sent < total && (given == total || next() % 2);
			if (!tx && given == total)
				break;
			slot = cli.s[--cli.n];
			if (tx) {
				frame_fill(pktq_slot(&p.cli, slot), sent, 0);
				assert_true(pktq_tx_put(&p.cli, slot, frame_len(sent++, 0)));
			} else {
				assert_true(pktq_rx_give(&p.cli, slot));
				given++;
			}
		}
		/* Driver: send, collect free slots, fill them. */
		for (unsigned i = (unsigned)(next() % (n + 1)); i > 0; i--) {
			if (pktq_tx_take(&p.drv, &slot, &len) != 1)
				break;
			assert_true(frame_ok(pktq_slot(&p.drv, slot), len, taken++, 0));
			assert_true(pktq_tx_done(&p.drv, slot));
		}
		for (unsigned i = (unsigned)(next() % (n + 1)); i > 0; i--) {
			if (pktq_rx_take_free(&p.drv, &slot) != 1)
				break;
			drv.s[drv.n++] = slot;
		}
		for (unsigned i = (unsigned)(next() % (n + 1)); i > 0 && drv.n > 0; i--) {
			slot = drv.s[--drv.n];
			frame_fill(pktq_slot(&p.drv, slot), filled, 1);
			assert_true(pktq_rx_put(&p.drv, slot, frame_len(filled++, 1)));
		}
		for (unsigned i = (unsigned)(next() % (n + 1)); i > 0; i--) {
			if (pktq_tx_reap(&p.cli, &slot) != 1)
				break;
			cli.s[cli.n++] = slot;
			reaped++;
		}
		for (unsigned i = (unsigned)(next() % (n + 1)); i > 0; i--) {
			if (pktq_rx_get(&p.cli, &slot, &len) != 1)
				break;
			assert_true(frame_ok(pktq_slot(&p.cli, slot), len, got++, 1));
			cli.s[cli.n++] = slot;
		}
	}
	assert_false(pktq_broken(&p.cli) || pktq_broken(&p.drv));
	assert_true(sent == total && taken == total && filled == total);
	assert_int_equal(cli.n, n);
	for (uint32_t s = 0; s < n; s++)
		assert_true(pktq_owns(&p.cli, s) && !pktq_owns(&p.drv, s));
	/* The counters went through 2^32. */
	assert_int_equal(p.h->tx_tail, (uint32_t)(NEAR_WRAP + total));
	assert_int_equal(p.h->rx_head, (uint32_t)(NEAR_WRAP + total));
	assert_true(p.cli.ctr[PKTQ_RING_TX] < NEAR_WRAP);
	pair_close(&p);
}

static void test_exchange_wrap(void **state)
{
	(void)state;
	exchange(8, 210000);
	exchange(1, 20000);
	exchange(256, 60000);
}

/* Two threads. cmocka asserts are not thread-safe: each side records its first
 * failure in fail (atomically: the other side polls it to stop) and the main thread
 * asserts after the join. */
#define THREAD_FRAMES 200000u
#define THREAD_SLOTS  32u
#define SPIN_LIMIT    50000000u

struct thread_arg {
	struct pair *p;
	const char *fail;
};

static const char *thread_failed(struct thread_arg *a)
{
	return __atomic_load_n(&a->fail, __ATOMIC_RELAXED);
}

static void thread_fail(struct thread_arg *a, const char *why)
{
	const char *none = NULL;
	__atomic_compare_exchange_n(&a->fail, &none, why, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

/* The driver: checks each frame sent, fills each free slot with the next received
 * frame. */
static void *driver_thread(void *arg)
{
	struct thread_arg *a = arg;
	struct pktq_view *v = &a->p->drv;
	struct stack held = {0};
	uint64_t taken = 0, filled = 0, spins = 0;
	uint32_t slot, len;
	while ((taken < THREAD_FRAMES || filled < THREAD_FRAMES) && thread_failed(a) == NULL) {
		if (++spins > SPIN_LIMIT)
			thread_fail(a, "driver: spin limit");
		int t = pktq_tx_take(v, &slot, &len);
		int f = held.n < THREAD_SLOTS ? pktq_rx_take_free(v, &held.s[held.n]) : 0;
		if (t < 0 || f < 0) {
			thread_fail(a, "driver: peer");
			break;
		}
		held.n += (uint32_t)f;
		if (t == 1) {
			if (!frame_ok(pktq_slot(v, slot), len, taken++, 0))
				thread_fail(a, "sent frame");
			if (!pktq_tx_done(v, slot))
				thread_fail(a, "tx_done");
		}
		if (held.n > 0 && filled < THREAD_FRAMES) {
			slot = held.s[--held.n];
			frame_fill(pktq_slot(v, slot), filled, 1);
			if (!pktq_rx_put(v, slot, frame_len(filled++, 1)))
				thread_fail(a, "rx_put");
		}
		if (t == 0 && held.n == 0)
			sched_yield();
	}
	return NULL;
}

/* The client (this thread): sends and gives in turn from the slots it holds. */
static void client_run(struct thread_arg *a)
{
	struct pktq_view *v = &a->p->cli;
	struct stack held = {0};
	uint64_t sent = 0, given = 0, reaped = 0, got = 0, spins = 0;
	uint32_t slot, len;
	for (uint32_t s = 0; s < THREAD_SLOTS; s++)
		held.s[held.n++] = s;
	while ((reaped < THREAD_FRAMES || got < THREAD_FRAMES) && thread_failed(a) == NULL) {
		if (++spins > SPIN_LIMIT)
			thread_fail(a, "client: spin limit");
		if (held.n > 0 && sent < THREAD_FRAMES && (given == THREAD_FRAMES || spins % 2)) {
			slot = held.s[--held.n];
			frame_fill(pktq_slot(v, slot), sent, 0);
			if (!pktq_tx_put(v, slot, frame_len(sent++, 0)))
				thread_fail(a, "tx_put");
		} else if (held.n > 0 && given < THREAD_FRAMES) {
			if (!pktq_rx_give(v, held.s[--held.n]))
				thread_fail(a, "rx_give");
			given++;
		}
		int r = pktq_tx_reap(v, &slot);
		if (r == 1) {
			held.s[held.n++] = slot;
			reaped++;
		}
		int g = pktq_rx_get(v, &slot, &len);
		if (g == 1) {
			if (!frame_ok(pktq_slot(v, slot), len, got++, 1))
				thread_fail(a, "received frame");
			held.s[held.n++] = slot;
		}
		if (r < 0 || g < 0)
			thread_fail(a, "client: peer");
		if (r == 0 && g == 0 && held.n == 0)
			sched_yield();
	}
}

static void test_threads(void **state)
{
	(void)state;
	struct pair p;
	pthread_t t;
	struct thread_arg a = {.p = &p};
	pair_open(&p, THREAD_SLOTS, NEAR_WRAP);
	assert_int_equal(pthread_create(&t, NULL, driver_thread, &a), 0);
	client_run(&a);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_null(a.fail);
	assert_int_equal(p.h->tx_head, (uint32_t)(NEAR_WRAP + THREAD_FRAMES));
	assert_int_equal(p.h->rx_head, (uint32_t)(NEAR_WRAP + THREAD_FRAMES));
	assert_false(pktq_broken(&p.cli) || pktq_broken(&p.drv));
	pair_close(&p);
}

/* The shadow: where each slot is, and each ring's entries in order. */
enum { AT_CLIENT, AT_DRIVER, IN_RING }; /* IN_RING + r: in flight on ring r */

struct shadow {
	uint32_t n;
	uint32_t where[PKTQ_MAX_SLOTS];
	uint32_t q[PKTQ_NRINGS][PKTQ_MAX_SLOTS]; /* entries */
	uint64_t head[PKTQ_NRINGS], tail[PKTQ_NRINGS];
};

/* A hand-over the model allows: the slot at the producer, len in the ring's range. */
static bool shadow_put(struct shadow *m, uint32_t r, uint32_t slot, uint32_t len)
{
	static const uint32_t lo[] = {PKTQ_TX_MIN, 0, 0, 1},
			      hi[] = {PKTQ_SLOT_SIZE, 0, 0, PKTQ_SLOT_SIZE};
	bool by_client = r == PKTQ_RING_TX || r == PKTQ_RING_RXFREE;
	if (slot >= m->n || m->where[slot] != (by_client ? AT_CLIENT : AT_DRIVER) || len < lo[r] ||
	    len > hi[r])
		return false;
	/* The producer holds the slot, so fewer than n are in flight on the ring. */
	assert_true(m->tail[r] - m->head[r] < m->n);
	m->q[r][m->tail[r]++ % m->n] = PKTQ_ENT(slot, len);
	m->where[slot] = IN_RING + r;
	return true;
}

/* The next entry of ring r, moved to its consumer; 0 when there is none. */
static int shadow_take(struct shadow *m, uint32_t r, uint32_t *entry)
{
	if (m->head[r] == m->tail[r])
		return 0;
	*entry = m->q[r][m->head[r]++ % m->n];
	bool by_client = r == PKTQ_RING_TX || r == PKTQ_RING_RXFREE;
	m->where[*entry & 0xffff] = by_client ? AT_DRIVER : AT_CLIENT;
	return 1;
}

/* Random operations from both sides, a third of them refused (slots not held, out of
 * range, bad lens, the wrong side), against the shadow; the header's fixed fields, its
 * padding and the data area scribbled in between. Starting counters are random (and
 * near the wrap half the time). */
static void test_fuzz_shadow(void **state)
{
	(void)state;
	const uint32_t lens[] = {0, 1, 13, 14, 60, 1514, 2047, 2048, 2049, 0xffff, 0x10000};
	for (int run = 0; run < 96; run++) {
		uint32_t n = 1u << (next() % 9), slot, len, e;
		uint32_t start = run % 2 ? (uint32_t)next() : NEAR_WRAP - (uint32_t)(next() % 600);
		struct pair p;
		static struct shadow m;
		memset(&m, 0, sizeof(m));
		m.n = n;
		pair_open(&p, n, start);
		for (int step = 0; step < 6000; step++) {
			slot =
			    next() % 8 ? (uint32_t)(next() % n) : (uint32_t)next() >> (next() % 32);
			len = next() % 3 ? lens[next() % (sizeof(lens) / sizeof(lens[0]))]
					 : (uint32_t)(next() % 2100);
			uint32_t op = (uint32_t)(next() % 11);
			int got, want;
			switch (op) {
			case 0:
				assert_int_equal(pktq_tx_put(&p.cli, slot, len),
						 shadow_put(&m, PKTQ_RING_TX, slot, len));
				break;
			case 1:
				assert_int_equal(pktq_rx_give(&p.cli, slot),
						 shadow_put(&m, PKTQ_RING_RXFREE, slot, 0));
				break;
			case 2:
				assert_int_equal(pktq_tx_done(&p.drv, slot),
						 shadow_put(&m, PKTQ_RING_TXDONE, slot, 0));
				break;
			case 3:
				assert_int_equal(pktq_rx_put(&p.drv, slot, len),
						 shadow_put(&m, PKTQ_RING_RX, slot, len));
				break;
			case 4:
				want = shadow_take(&m, PKTQ_RING_TX, &e);
				assert_int_equal(pktq_tx_take(&p.drv, &slot, &len), want);
				if (want)
					assert_int_equal(PKTQ_ENT(slot, len), e);
				break;
			case 5:
				want = shadow_take(&m, PKTQ_RING_RXFREE, &e);
				assert_int_equal(pktq_rx_take_free(&p.drv, &slot), want);
				if (want)
					assert_int_equal(slot, e);
				break;
			case 6:
				want = shadow_take(&m, PKTQ_RING_TXDONE, &e);
				assert_int_equal(pktq_tx_reap(&p.cli, &slot), want);
				if (want)
					assert_int_equal(slot, e);
				break;
			case 7:
				want = shadow_take(&m, PKTQ_RING_RX, &e);
				assert_int_equal(pktq_rx_get(&p.cli, &slot, &len), want);
				if (want)
					assert_int_equal(PKTQ_ENT(slot, len), e);
				break;
			case 8: /* the wrong side */
				got = next() % 2 ? pktq_tx_take(&p.cli, &slot, &len)
						 : pktq_tx_reap(&p.drv, &slot);
				assert_int_equal(got, PKTQ_E_INVAL);
				assert_false(
				    pktq_tx_put(&p.drv, slot, len) || pktq_rx_give(&p.drv, slot) ||
				    pktq_tx_done(&p.cli, slot) || pktq_rx_put(&p.cli, slot, len));
				break;
			case 9: { /* header bytes other than the counters */
				uint32_t off = (uint32_t)(next() % PKTQ_HDR_SIZE);
				if (off < PKTQ_LINE || off % PKTQ_LINE >= sizeof(uint32_t))
					p.mem[off] = (uint8_t)next();
				break;
			}
			default:
				p.mem[p.drv.data_off + next() % (n * PKTQ_SLOT_SIZE)] =
				    (uint8_t)next();
				break;
			}
			uint32_t s = (uint32_t)(next() % n);
			assert_int_equal(pktq_owns(&p.cli, s), m.where[s] == AT_CLIENT);
			assert_int_equal(pktq_owns(&p.drv, s), m.where[s] == AT_DRIVER);
		}
		assert_false(pktq_broken(&p.cli) || pktq_broken(&p.drv));
		for (uint32_t r = 0; r < PKTQ_NRINGS; r++) {
			assert_int_equal(*ctr_at(&p, PKTQ_TAIL_OFF(r)),
					 (uint32_t)(start + m.tail[r]));
			assert_int_equal(*ctr_at(&p, PKTQ_HEAD_OFF(r)),
					 (uint32_t)(start + m.head[r]));
		}
		pair_close(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_struct_layout),    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_init_attach),	     cmocka_unit_test(test_attach_refuses),
	    cmocka_unit_test(test_ownership),	     cmocka_unit_test(test_peer_lies),
	    cmocka_unit_test(test_hostile_counters), cmocka_unit_test(test_header_rewritten),
	    cmocka_unit_test(test_exchange_wrap),    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_fuzz_shadow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
