/* edu: what devhostile does with edu itself through live windows of BAR0: its
 * safe registers, its interrupt raised and taken, and its DMA engine where an
 * IOMMU confines it. */
#include "devhostile.h"

volatile uint8_t *dh_live_regs(uint64_t off, uint64_t len)
{
	for (uint32_t i = 0; i < dh_nheld; i++) {
		struct held *h = &dh_held[i];
		if (h->kind == K_MMIO && h->state == S_LIVE && h->off <= off &&
		    off + len <= h->off + h->len)
			return (volatile uint8_t *)(uintptr_t)(h->addr + (off - h->off));
	}
	return NULL;
}

/* A live window of BAR0 covering [off, off + len), made when there is none
 * (releasing what is in the way); NULL when none could be made. */
static volatile uint8_t *regs_at(uint64_t off, uint64_t len)
{
	struct fields f = {0, 0, PAGE};
	for (int round = 0; round < 3; round++) {
		volatile uint8_t *r = dh_live_regs(off, len);
		if (r != NULL)
			return r;
		if (dh_nheld == MAX_HELD) {
			struct held *w = &dh_held[dh_below(dh_nheld)];
			dh_check(dh_release(w->h, 0, 0), A(CAPOS_OK),
				 "releasing a handle for room");
			dh_forget(w);
		}
		struct capos_cqe c;
		uint32_t allowed = dh_expect_device(CAPOS_DEVICE_MMIO, f);
		int32_t st = dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_MMIO, f, &c);
		dh_check(st, allowed, "a window for edu's registers");
		if (st == CAPOS_OK)
			continue;
		struct held *w = dh_any_live(K_MMIO); /* make room: budget or ledger */
		if (w == NULL && dh_nheld != 0)
			w = &dh_held[dh_below(dh_nheld)];
		if (w == NULL)
			return NULL;
		dh_check(dh_release(w->h, 0, 0), A(CAPOS_OK), "releasing a handle for room");
		dh_forget(w);
	}
	return NULL;
}

static uint32_t rd32(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint32_t *)(base + off);
}

void dh_wr32(volatile uint8_t *base, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

/* edu raises its interrupt through a live window; where it can arrive (a
 * live, unmasked route and bus mastering on: MSI is a memory write) it must,
 * and Interrupt.wait then returns it. */
static void irq_round(void)
{
	struct capos_cqe c;
	dh_what = "edu's interrupt";
	volatile uint8_t *r = regs_at(0, EDU_IRQ_ACK + 4);
	struct held *q = dh_live_irq();
	if (r == NULL)
		return;
	if (q == NULL) {
		int32_t st = dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_INTERRUPT,
				       (struct fields){0, CAPOS_INTERRUPT_KIND_AUTO, 0}, &c);
		dh_check(st, A(CAPOS_OK) | A(CAPOS_E_NO_RESOURCES),
			 "Device.interrupt for edu's MSI");
		if ((q = dh_live_irq()) == NULL)
			return;
	}
	if (q->masked && dh_below(2)) {
		dh_check(dh_simple(q->h, CAPOS_IFACE_INTERRUPT, CAPOS_INTERRUPT_UNMASK,
				   (struct fields){0}, &c),
			 A(CAPOS_OK), "Interrupt.unmask");
		q->masked = false;
	}
	bool master = dh_bus_master();
	if (!master && dh_below(2)) {
		dh_check(dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_SET_BUS_MASTER,
				   (struct fields){1, 0, 0}, &c),
			 A(CAPOS_OK), "setBusMaster(on)");
		master = dh_bus_master();
	}
	uint64_t before = dh_irq_total(q);
	dh_wr32(r, EDU_IRQ_RAISE, 1u << dh_below(32));
	bool arrives = master && !q->masked;
	for (int i = 0; arrives && i < 400 && dh_irq_total(q) == before; i++)
		timer_sleep(dh_ring, tim, 500000);
	if (arrives && q->total == before)
		dh_fail("edu's MSI never arrived through a live route", 0);
	dh_wr32(r, EDU_IRQ_ACK, 0xffffffffu);
	if (q->total > q->consumed) {
		dh_check(dh_simple(q->h, CAPOS_IFACE_INTERRUPT, CAPOS_INTERRUPT_WAIT,
				   (struct fields){0}, &c),
			 A(CAPOS_OK), "Interrupt.wait with an interrupt pending");
		dh_after_sub(q, CAPOS_INTERRUPT_WAIT, CAPOS_OK, R_GOOD, (struct fields){0}, &c);
		dh_n_taken++;
	}
}

/* edu's registers that are safe to write: liveness (reads back inverted), the
 * interrupt raise and acknowledge. Never the DMA registers here, nor the
 * factorial (a huge one keeps edu's thread busy for minutes). */
void dh_attack_regs(void)
{
	dh_what = "edu's registers";
	volatile uint8_t *r = regs_at(0, EDU_IRQ_ACK + 4);
	if (r == NULL)
		return;
	uint32_t v = (uint32_t)dh_rnd();
	switch (dh_below(4)) {
	case 0:
		if (rd32(r, EDU_ID) != EDU_ID_VALUE)
			dh_fail("edu's id register through a live window", 0);
		dh_wr32(r, EDU_LIVENESS, v);
		if (rd32(r, EDU_LIVENESS) != ~v)
			dh_fail("edu's liveness register through a live window", 0);
		break;
	case 1:
		dh_wr32(r, EDU_IRQ_RAISE, v); /* may arrive later: waits check the count first */
		break;
	case 2:
		dh_wr32(r, EDU_IRQ_ACK, v);
		break;
	default:
		irq_round();
		break;
	}
}

static void wr64(volatile uint8_t *base, uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(base + off) = v;
}

/* Starts one edu transfer; edu's side is its own buffer (anything else
 * makes QEMU's edu abort), the other an IOVA. */
static void dma_start(volatile uint8_t *r, uint64_t iova, uint32_t len, bool to_ram)
{
	wr64(r, EDU_DMA_SRC, to_ram ? EDU_DMA_BUF : iova);
	wr64(r, EDU_DMA_DST, to_ram ? iova : EDU_DMA_BUF);
	wr64(r, EDU_DMA_COUNT, len);
	wr64(r, EDU_DMA_CMD, EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0));
	dh_n_dma++;
}

static void dma_wait(volatile uint8_t *r)
{
	for (int i = 0; i < 200; i++) {
		if ((rd32(r, EDU_DMA_CMD) & EDU_DMA_CMD_START) == 0)
			return;
		timer_sleep(dh_ring, tim, 10000000);
	}
	dh_fail("edu's DMA did not complete", 0);
}

/* A live pool with a buffer of at least 64 bytes, made when there is none. */
static struct buf *dma_buffer(void)
{
	struct capos_cqe c;
	struct held *p = dh_any_live(K_POOL);
	if (p == NULL) {
		struct fields f = {2 * PAGE, 0, 0};
		uint32_t allowed = dh_expect_device(CAPOS_DEVICE_DMA_POOL, f);
		dh_check(dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_DMA_POOL, f, &c), allowed,
			 "Device.dmaPool for DMA");
		if ((p = dh_any_live(K_POOL)) == NULL)
			return NULL;
	}
	for (uint32_t i = 0; i < p->nbuf; i++)
		if (p->buf[i].len >= 64)
			return &p->buf[i];
	struct fields f = {PAGE, PAGE, 0};
	uint32_t allowed = dh_expect_sub(p, CAPOS_DMAPOOL_ALLOC, f);
	int32_t st = dh_simple(p->h, CAPOS_IFACE_DMAPOOL, CAPOS_DMAPOOL_ALLOC, f, &c);
	dh_check(st, allowed, "DMAPool.alloc for DMA");
	dh_after_sub(p, CAPOS_DMAPOOL_ALLOC, st, R_GOOD, f, &c);
	if (st != CAPOS_OK || p->nbuf == 0 || p->buf[p->nbuf - 1].len < 64)
		return NULL;
	return &p->buf[p->nbuf - 1];
}

/* Every live pool's memory filled with a pattern (fill) or checked against it. */
static bool canaries(bool fill)
{
	for (uint32_t i = 0; i < dh_nheld; i++) {
		struct held *h = &dh_held[i];
		if (h->kind != K_POOL || h->state != S_LIVE)
			continue;
		volatile uint8_t *m = (volatile uint8_t *)(uintptr_t)h->va;
		for (uint64_t j = 0; j < h->charge; j++) {
			uint8_t want = (uint8_t)(0xc3 ^ j ^ (j >> 8) ^ i);
			if (fill)
				m[j] = want;
			else if (m[j] != want)
				return false;
		}
	}
	return true;
}

/* Whether [iova, iova + len) touches a live pool's IOVAs. */
static bool hits_live_pool(uint64_t iova, uint64_t len)
{
	for (uint32_t i = 0; i < dh_nheld; i++) {
		const struct held *h = &dh_held[i];
		if (h->kind == K_POOL && h->state == S_LIVE && iova < h->iova + h->charge &&
		    h->iova < iova + len)
			return true;
	}
	return false;
}

/* edu's DMA engine, only where an IOMMU confines it: into its own buffer and
 * back (it must arrive intact); to an IOVA of an ended claim or a random one
 * (where no live pool is there, every live pool must stay as it was: the
 * IOMMU refused it); and torn down by a reset while it runs. */
void dh_attack_dma(void)
{
	struct capos_cqe c;
	dh_what = "DMA";
	if (dh_isolation != CAPOS_DMA_ISOLATION_IOMMU || dh_n_dma >= MAX_DMA)
		return;
	volatile uint8_t *r = regs_at(0, EDU_DMA_CMD + 8);
	if (r == NULL)
		return;
	dma_wait(r); /* an earlier transfer, maybe of an ended claim, finishes first */
	if (!dh_bus_master())
		dh_check(dh_simple(dev, CAPOS_IFACE_DEVICE, CAPOS_DEVICE_SET_BUS_MASTER,
				   (struct fields){1, 0, 0}, &c),
			 A(CAPOS_OK), "setBusMaster(on) for DMA");
	unsigned x = (unsigned)dh_below(8);
	if (x < 4) {
		struct buf *b = dma_buffer();
		if (b == NULL)
			return;
		uint32_t len = 1 + (uint32_t)dh_below(b->len < 2048 ? b->len : 2048);
		volatile uint8_t *m = (volatile uint8_t *)(uintptr_t)b->va;
		uint8_t seed = (uint8_t)dh_rnd();
		for (uint32_t i = 0; i < len; i++)
			m[i] = (uint8_t)(seed + i * 7);
		dma_start(r, b->iova, len, false);
		dma_wait(r);
		for (uint32_t i = 0; i < len; i++)
			m[i] = 0;
		dma_start(r, b->iova, len, true);
		if (x == 3) { /* torn down while it runs: it lands nowhere */
			dh_attack_reset();
			return;
		}
		dma_wait(r);
		for (uint32_t i = 0; i < len; i++)
			if (m[i] != (uint8_t)(seed + i * 7))
				dh_fail("edu's DMA through the IOMMU did not arrive intact",
					(int32_t)i);
		dh_n_dma_checked++;
		return;
	}
	uint32_t len = 1 + (uint32_t)dh_below(2048);
	uint64_t iova =
	    dh_ndeadiova != 0 && dh_below(2)
		? dh_deadiova[dh_below(dh_ndeadiova < MAX_OLD ? dh_ndeadiova : MAX_OLD)] +
		      dh_below(2 * PAGE)
		: dh_below(IOVA_MAX - 2048);
	if (iova + len > IOVA_MAX) /* past edu's mask it would only be cut back */
		iova = IOVA_MAX - len;
	bool to_ram = x < 7, watch = to_ram && !hits_live_pool(iova, len);
	if (watch)
		canaries(true);
	dma_start(r, iova, len, to_ram);
	dma_wait(r);
	if (watch && !canaries(false))
		dh_fail("a DMA to an IOVA no live pool has changed a live pool", 0);
	dh_n_dma_stray += watch;
}
