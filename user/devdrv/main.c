/* devdrv: the drivers devproof starts, one role each (devproof.h), against
 * QEMU's edu device. Slots: 0 Device, 1 EndpointClient (to devproof),
 * 2 Console, 3 Timer. Each role prints what it saw; its exit status is the
 * number of checks that failed (a role that must fault ends by faulting). */
#include "devdrv/devproof.h"
#include "capos/gen/capos_schema.h"
#include "hw/edu.h"
#include "lib/capdev.h"
#include "lib/capos.h"

#define POOL	     16384u
#define XFER	     2048u
#define EDU_IRQ_MINE 0x1000u
#define EDU_IRQ_DMA  0x100u

int main(struct capos_ring *ring);

static struct capos_ring *R;
static const struct capos_handle dev = {0, 1}, ep = {1, 1}, con = {2, 1}, tmr = {3, 1};
static struct capos_handle win, irq, pool;
static volatile uint8_t *regs;
static struct capdev_buf buf;
static unsigned failed;

static void check(int ok, const char *what, int32_t st)
{
	if (!ok) {
		failed++;
		console_printf(R, con, "devdrv: FAILED: %s (status %d)\n", what, st);
	}
}

static void expect(int32_t st, int32_t want, const char *what)
{
	check(st == want, what, st);
}

static uint64_t call2(uint16_t method, uint64_t a, uint64_t b, uint64_t *r1)
{
	uint64_t p[2] = {a, b}, r[2] = {0, 0};
	int32_t st = capos_call(R, ep, method, p, sizeof(p), r, sizeof(r));
	check(st == CAPOS_OK, "call to devproof", st);
	if (r1 != 0)
		*r1 = r[1];
	return r[0];
}

static void wr32(unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(regs + off) = v;
}

static uint32_t rd32(unsigned off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void edu_dma(uint64_t src, uint64_t dst, uint32_t len, int to_ram, int irq_on)
{
	*(volatile uint64_t *)(regs + EDU_DMA_SRC) = src;
	*(volatile uint64_t *)(regs + EDU_DMA_DST) = dst;
	*(volatile uint64_t *)(regs + EDU_DMA_COUNT) = len;
	*(volatile uint64_t *)(regs + EDU_DMA_CMD) =
	    EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0) | (irq_on ? EDU_DMA_CMD_IRQ : 0);
}

/* Waits (bounded, sleeping) for edu's DMA engine to finish. */
static int edu_dma_idle(void)
{
	for (int i = 0; i < 100; i++) {
		if (!(*(volatile uint64_t *)(regs + EDU_DMA_CMD) & EDU_DMA_CMD_START))
			return 1;
		timer_sleep(R, tmr, 20000000ull);
	}
	return 0;
}

static void fill(volatile uint8_t *p, uint8_t v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = v;
}

static int intact(const volatile uint8_t *p, uint8_t v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* BAR0's first page, edu's MSI, a pool with one buffer. */
static void setup(int with_pool)
{
	expect(dev_mmio(R, dev, 0, 0, 4096, &win, &regs), CAPOS_OK, "mmio");
	check(regs != 0 && rd32(EDU_ID) == EDU_ID_VALUE, "edu's id through the window", 0);
	wr32(EDU_IRQ_ACK, 0xffffffffu);
	expect(dev_interrupt(R, dev, 0, CAPOS_INTERRUPT_KIND_AUTO, &irq), CAPOS_OK, "interrupt");
	/* An MSI is a memory write by the device: bus mastering too. */
	expect(dev_set_bus_master(R, dev, 1), CAPOS_OK, "bus master on");
	if (!with_pool)
		return;
	expect(dev_dma_pool(R, dev, POOL, &pool), CAPOS_OK, "dma pool");
	expect(pool_alloc(R, pool, XFER, 4096, &buf), CAPOS_OK, "buffer");
}

static int iommu(void)
{
	uint16_t iso = 0xffff;
	uint64_t b, u;
	return pool_info(R, pool, &iso, &b, &u) == CAPOS_OK && iso == CAPOS_DMA_ISOLATION_IOMMU;
}

/* Every method of every handle kind, and a buffer: all CAPOS_E_STALE. */
static unsigned all_stale(const char *when)
{
	uint64_t a, l, n;
	uint16_t iso;
	struct capdev_info info;
	struct capos_handle h;
	struct capdev_buf b2;
	volatile uint8_t *p;
	unsigned before = failed;
	expect(mmio_info(R, win, &a, &l), CAPOS_E_STALE, "DeviceMmio.info");
	expect(irq_total(R, irq, &n), CAPOS_E_STALE, "Interrupt.info");
	expect(irq_wait(R, irq, &n), CAPOS_E_STALE, "Interrupt.wait");
	expect(irq_mask(R, irq, 1), CAPOS_E_STALE, "Interrupt.mask");
	expect(irq_ack(R, irq), CAPOS_E_STALE, "Interrupt.ack");
	expect(pool_alloc(R, pool, 64, 0, &b2), CAPOS_E_STALE, "DMAPool.alloc");
	expect(pool_free(R, pool, buf.id, buf.gen), CAPOS_E_STALE, "DMAPool.free of a buffer");
	expect(pool_info(R, pool, &iso, &a, &l), CAPOS_E_STALE, "DMAPool.info");
	expect(dev_info(R, dev, &info), CAPOS_E_STALE, "Device.info");
	expect(dev_mmio(R, dev, 0, 0, 4096, &h, &p), CAPOS_E_STALE, "Device.mmio");
	expect(dev_dma_pool(R, dev, 4096, &h), CAPOS_E_STALE, "Device.dmaPool");
	expect(dev_set_bus_master(R, dev, 1), CAPOS_E_STALE, "Device.setBusMaster");
	console_printf(R, con,
		       "devdrv: %s: 12 calls on DeviceMmio, Interrupt, DMAPool, a buffer "
		       "and the Device: %s\n",
		       when, failed == before ? "all stale" : "NOT ALL STALE");
	return failed - before;
}

static void role_stale_revoke(void)
{
	setup(1);
	call2(DP_SYNC, DP_ARMED, 0, 0);
	all_stale("after revoke");
	console_printf(R, con, "devdrv: touching the revoked window now\n");
	(void)rd32(EDU_ID); /* must fault: the window is gone on every CPU */
	console_printf(R, con, "devdrv: FAILED: the revoked window still answered\n");
}

static void role_reset(void)
{
	struct capdev_info a, b;
	uint64_t e2 = 0, x, y;
	struct capos_handle w2;
	volatile uint8_t *r2;
	setup(1);
	expect(dev_info(R, dev, &a), CAPOS_OK, "info");
	expect(dev_reset(R, dev, &e2), CAPOS_OK, "Device.reset");
	check(e2 > a.epoch, "a new epoch after reset", (int32_t)e2);
	expect(mmio_info(R, win, &x, &y), CAPOS_E_STALE, "old window after reset");
	expect(irq_total(R, irq, &x), CAPOS_E_STALE, "old interrupt after reset");
	expect(pool_free(R, pool, buf.id, buf.gen), CAPOS_E_STALE, "old buffer after reset");
	uint16_t iso;
	expect(pool_info(R, pool, &iso, &x, &y), CAPOS_E_STALE, "old pool after reset");
	expect(dev_info(R, dev, &b), CAPOS_OK, "the Device after reset");
	check(b.epoch == e2, "the Device's epoch is the new one", 0);
	expect(dev_mmio(R, dev, 0, 0, 4096, &w2, &r2), CAPOS_OK, "a new window");
	check(*(volatile uint32_t *)(r2 + EDU_ID) == EDU_ID_VALUE, "edu through the new window", 0);
	console_printf(R, con,
		       "devdrv: reset: epoch %llu -> %llu, the old window, interrupt, pool and "
		       "buffer stale, the Device and a new window work: %s\n",
		       (unsigned long long)a.epoch, (unsigned long long)e2,
		       failed == 0 ? "ok" : "FAILED");
}

static void role_misc(void)
{
	struct capdev_buf b1, b2, other;
	struct capos_handle w2, p2, h, irq2;
	volatile uint8_t *r2, *old;
	uint64_t a, l;
	uint16_t iso;
	struct capos_cqe c;
	setup(1);
	/* Reuse: a freed buffer's id comes back under a new generation. */
	expect(pool_alloc(R, pool, 512, 0, &b1), CAPOS_OK, "alloc b1");
	expect(pool_free(R, pool, b1.id, b1.gen), CAPOS_OK, "free b1");
	expect(pool_alloc(R, pool, 512, 0, &b2), CAPOS_OK, "alloc b2");
	check(b2.id == b1.id && b2.gen != b1.gen, "b2 reuses b1's slot, new generation", 0);
	expect(pool_free(R, pool, b1.id, b1.gen), CAPOS_E_STALE,
	       "free of b1 after its slot's reuse");
	expect(pool_free(R, pool, b2.id, b2.gen), CAPOS_OK, "free b2");
	expect(pool_free(R, pool, b2.id, b2.gen), CAPOS_E_STALE, "double free of b2");
	/* Forged buffers: wrong slot, wrong generation, another pool's. */
	expect(pool_free(R, pool, 63, 1), CAPOS_E_STALE, "forged buffer id");
	expect(pool_free(R, pool, 100000, 1), CAPOS_E_STALE, "buffer id out of range");
	expect(pool_free(R, pool, buf.id, buf.gen + 1), CAPOS_E_STALE, "forged generation");
	expect(dev_dma_pool(R, dev, 8192, &p2), CAPOS_OK, "second pool");
	expect(pool_alloc(R, p2, 256, 0, &other), CAPOS_OK, "its buffer");
	expect(pool_free(R, pool, other.id, other.gen), CAPOS_E_STALE, "another pool's buffer");
	expect(pool_free(R, p2, other.id, other.gen), CAPOS_OK, "free it from its own pool");
	console_printf(R, con,
		       "devdrv: buffers: reused slot, double free, forged id, forged "
		       "generation and another pool's buffer refused as stale\n");
	/* An alloc whose result buffer cannot hold the reply allocates nothing
	 * (it used to leave a buffer the caller could not name: 32 such calls
	 * filled the pool). */
	for (int i = 0; i < 40; i++) {
		uint64_t q[3], tiny[2];
		struct capnp_builder qb;
		struct capnp_struct qr;
		capnp_builder_init(&qb, q, sizeof(q));
		capos_dmapool_alloc_params_init_root(&qb, &qr);
		capos_dmapool_alloc_params_set_bytes(&qb, &qr, 64);
		expect(capos_call(R, p2, CAPOS_DMAPOOL_ALLOC, q, qb.used, tiny, sizeof(tiny)),
		       CAPOS_E_BAD_RESULT, "DMAPool.alloc into a 16-byte result");
	}
	expect(pool_info(R, p2, &iso, &a, &l), CAPOS_OK, "pool info");
	check(l == 0, "nothing left allocated by the refused allocs", (int32_t)l);
	expect(pool_alloc(R, p2, 64, 0, &other), CAPOS_OK, "an alloc after them");
	expect(pool_free(R, p2, other.id, other.gen), CAPOS_OK, "free it");
	console_printf(R, con, "devdrv: an alloc with no room for its reply allocates nothing\n");
	/* Double release, wrong object, a handle never received. */
	expect(dev_mmio(R, dev, 0, 4096, 4096, &w2, &r2), CAPOS_OK, "second window");
	expect(capos_release(R, w2), CAPOS_OK, "release");
	expect(capos_release(R, w2), CAPOS_E_LOOKUP, "double release");
	expect(mmio_info(R, w2, &a, &l), CAPOS_E_LOOKUP, "a released window's handle");
	expect(pool_free(R, win, 0, 1), CAPOS_E_INVOKE, "a DMAPool method on a DeviceMmio");
	expect(dev_reset(R, pool, &a), CAPOS_E_INVOKE, "a Device method on a DMAPool");
	expect(mmio_info(R, (struct capos_handle){40, 1}, &a, &l), CAPOS_E_LOOKUP,
	       "a slot never received");
	expect(mmio_info(R, (struct capos_handle){win.slot, win.gen + 5}, &a, &l), CAPOS_E_LOOKUP,
	       "a forged generation of a live slot");
	console_printf(R, con,
		       "devdrv: double release, wrong object, handles never received: "
		       "refused\n");
	/* Windows: outside the BAR, overflowing, zero, no such BAR. edu has no
	 * MSI-X table (the refusal of its page is host-tested: test_devwin). */
	expect(dev_mmio(R, dev, 0, 1u << 20, 4096, &h, &r2), CAPOS_E_BAD_PARAMS, "past BAR0");
	expect(dev_mmio(R, dev, 0, (1u << 20) - 100, 200, &h, &r2), CAPOS_E_BAD_PARAMS,
	       "across BAR0's end");
	expect(dev_mmio(R, dev, 0, ~0ull - 4095, 8192, &h, &r2), CAPOS_E_BAD_PARAMS,
	       "offset + length overflowing");
	expect(dev_mmio(R, dev, 0, 0, 0, &h, &r2), CAPOS_E_BAD_PARAMS, "length 0");
	expect(dev_mmio(R, dev, 1, 0, 4096, &h, &r2), CAPOS_E_BAD_PARAMS, "BAR 1 (none)");
	expect(dev_mmio(R, dev, 7, 0, 4096, &h, &r2), CAPOS_E_BAD_PARAMS, "BAR 7");
	console_printf(R, con,
		       "devdrv: windows outside the BAR, overflowing, empty or of no BAR: "
		       "refused\n");
	/* Budgets (manifest: pool 64K, mmio 1M, 2 interrupts): typed errors,
	 * nothing half-made. */
	uint64_t used_before = 0, bytes;
	expect(pool_info(R, pool, &iso, &bytes, &used_before), CAPOS_OK, "pool info");
	expect(dev_dma_pool(R, dev, 128u << 10, &h), CAPOS_E_NO_RESOURCES, "a pool over budget");
	expect(dev_dma_pool(R, dev, 48u << 10, &h), CAPOS_E_NO_RESOURCES,
	       "a pool past what is left");
	expect(dev_mmio(R, dev, 0, 0, 1u << 20, &h, &r2), CAPOS_E_NO_RESOURCES,
	       "a window past the MMIO budget");
	expect(dev_interrupt(R, dev, 0, CAPOS_INTERRUPT_KIND_MSI, &irq2), CAPOS_E_NO_DEVICE,
	       "edu's one MSI vector twice");
	expect(dev_interrupt(R, dev, 3, CAPOS_INTERRUPT_KIND_MSIX, &irq2), CAPOS_E_NO_DEVICE,
	       "an MSI-X entry of a function without MSI-X");
	uint64_t used_after = 1;
	expect(pool_info(R, pool, &iso, &bytes, &used_after), CAPOS_OK, "pool info");
	check(used_after == used_before, "nothing half-made", 0);
	expect(dev_dma_pool(R, dev, 8192, &h), CAPOS_OK, "a pool within budget still");
	/* At transfer: a DMAPool or a window never leaves its holder. */
	uint64_t msg[2] = {DP_XFER, 0};
	expect(capos_call_caps(R, ep, DP_SYNC, msg, sizeof(msg), 0, 0, &pool, 1, 0, &c),
	       CAPOS_E_INVOKE, "sending a DMAPool");
	expect(capos_call_caps(R, ep, DP_SYNC, msg, sizeof(msg), 0, 0, &win, 1, 1, &c),
	       CAPOS_E_INVOKE, "moving a DeviceMmio");
	expect(pool_info(R, pool, &iso, &bytes, &l), CAPOS_OK, "the pool after the refused send");
	console_printf(R, con,
		       "devdrv: budgets: over-budget pool, window and interrupt refused "
		       "(no resources / no device), nothing half-made; a DMAPool and a "
		       "DeviceMmio refused at transfer\n");
	/* A released pool gives its budget back at once only where an IOMMU
	 * confines it; an unconfined one stays charged until the teardown. */
	int confined = iommu();
	expect(capos_release(R, p2), CAPOS_OK, "release the second pool");
	expect(dev_dma_pool(R, dev, 40u << 10, &h), confined ? CAPOS_OK : CAPOS_E_NO_RESOURCES,
	       "a pool in the budget a released pool gave back");
	expect(capos_release(R, confined ? h : pool), CAPOS_OK, "release a pool");
	/* Pools made and released in a loop: the device area of the address
	 * space is bounded (it is never reused), so this ends refused, and
	 * nothing leaks (the ledgers at the end say so). */
	unsigned made = 0;
	int32_t st = CAPOS_OK;
	while (made < 100000 && (st = dev_dma_pool(R, dev, 16u << 10, &h)) == CAPOS_OK) {
		made++;
		capos_release(R, h);
	}
	check(st == CAPOS_E_NO_RESOURCES, "pool churn ends refused", st);
	console_printf(R, con,
		       "devdrv: a released pool's budget: %s; %u pools made and released, then "
		       "refused (no resources)\n",
		       confined ? "back at once (iommu)" : "kept until teardown (unconfined)",
		       made);
	/* A released window faults. */
	old = regs;
	expect(capos_release(R, win), CAPOS_OK, "release the window");
	console_printf(R, con, "devdrv: misc: %u failed; touching the released window now\n",
		       failed);
	(void)*(volatile uint32_t *)(old + EDU_ID);
	console_printf(R, con, "devdrv: FAILED: the released window still answered\n");
}

static void role_killed(void)
{
	uint64_t n = 0;
	struct capos_handle irq2;
	setup(1);
	/* Sub-handles released one by one, each slot given back: a new
	 * interrupt after the old one's release. */
	expect(capos_release(R, irq), CAPOS_OK, "release the interrupt");
	expect(dev_interrupt(R, dev, 0, CAPOS_INTERRUPT_KIND_AUTO, &irq2), CAPOS_OK,
	       "an interrupt again after its release");
	expect(capos_release(R, pool), CAPOS_OK, "release the pool");
	expect(pool_info(R, pool, 0, 0, 0), CAPOS_E_LOOKUP, "the released pool's handle");
	expect(dev_dma_pool(R, dev, POOL, &pool), CAPOS_OK, "a pool again after its release");
	call2(DP_SYNC, DP_ARMED, (uint64_t)failed, 0);
	console_printf(R, con, "devdrv: waiting for an interrupt that will not come\n");
	irq_wait(R, irq2, &n); /* killed in here */
	console_printf(R, con, "devdrv: FAILED: the wait returned\n");
}

static void role_irq_a(void)
{
	uint64_t n = 0;
	setup(0);
	wr32(EDU_IRQ_RAISE, EDU_IRQ_MINE);
	for (int i = 0; i < 50 && irq_total(R, irq, &n) == CAPOS_OK && n == 0; i++)
		timer_sleep(R, tmr, 1000000);
	check(n == 1, "A's interrupt arrived at A's route", (int32_t)n);
	call2(DP_SYNC, DP_RAISED, 0, 0); /* revoked and reassigned meanwhile */
	expect(irq_wait(R, irq, &n), CAPOS_E_STALE, "A's wait after reassignment");
	expect(irq_total(R, irq, &n), CAPOS_E_STALE, "A's interrupt info after reassignment");
	console_printf(R, con,
		       "devdrv: A: raised one interrupt, never handled it; after "
		       "reassignment its Interrupt is stale\n");
}

static void role_irq_b(void)
{
	uint64_t n = 0, total = 99;
	setup(0);
	expect(irq_total(R, irq, &total), CAPOS_OK, "B's interrupt info");
	check(total == 0, "B's new Interrupt starts at 0", (int32_t)total);
	/* Masking and unmasking say what state to be in: repeating either is fine. */
	expect(irq_mask(R, irq, true), CAPOS_OK, "mask");
	expect(irq_mask(R, irq, true), CAPOS_OK, "mask again");
	expect(irq_mask(R, irq, false), CAPOS_OK, "unmask");
	expect(irq_mask(R, irq, false), CAPOS_OK, "unmask again");
	for (int i = 0; i < 3; i++) {
		wr32(EDU_IRQ_RAISE, 0x2000);
		expect(irq_wait(R, irq, &n), CAPOS_OK, "B's wait");
		check(n == 1, "one interrupt per raise", (int32_t)n);
		wr32(EDU_IRQ_ACK, 0x2000);
	}
	expect(irq_total(R, irq, &total), CAPOS_OK, "B's interrupt info");
	check(total == 3, "B counted exactly its own 3", (int32_t)total);
	console_printf(R, con, "devdrv: B: %llu interrupts counted, exactly its own 3: %s\n",
		       (unsigned long long)total, total == 3 ? "ok" : "FAILED");
}

/* A DMA from edu's buffer into our buffer, 100 ms from now, with its
 * completion interrupt. */
static void start_late_dma(void)
{
	fill(buf.va, 0x11, XFER);
	edu_dma(EDU_DMA_BUF, buf.iova, XFER, 1, 1);
}

static void role_dma_a(int crash)
{
	setup(1);
	start_late_dma();
	if (crash) {
		console_printf(R, con, "devdrv: A started a DMA into its pool and crashes now\n");
		*(volatile uint32_t *)0 = 1;
	}
	call2(DP_SYNC, DP_STARTED, 0, 0);
	console_printf(R, con, "devdrv: A started a DMA into its pool and was revoked at once\n");
}

static void role_dma_b(void)
{
	uint64_t total = 99;
	setup(1);
	fill(buf.va, 0xc3, XFER);
	timer_sleep(R, tmr, 300000000ull);
	check(intact(buf.va, 0xc3, XFER), "B's memory untouched", 0);
	expect(irq_total(R, irq, &total), CAPOS_OK, "B's interrupt info");
	check(total == 0, "no completion interrupt reached B", (int32_t)total);
	console_printf(R, con,
		       "devdrv: B: after 300 ms its pool is intact and its interrupt "
		       "counted %llu: %s\n",
		       (unsigned long long)total, failed == 0 ? "ok" : "FAILED");
}

static void role_ood_x(void)
{
	setup(1);
	fill(buf.va, 0x5a, XFER);
	call2(DP_SYNC, DP_READY, buf.iova, 0);
	call2(DP_SYNC, DP_HOLD, 0, 0);
	check(intact(buf.va, 0x5a, XFER), "X's canary intact", 0);
	console_printf(R, con, "devdrv: X: its canary at iova 0x%llx intact: %s\n",
		       (unsigned long long)buf.iova, failed == 0 ? "ok" : "FAILED");
}

static void role_ood_a(uint64_t x_iova)
{
	setup(1);
	if (!iommu()) {
		console_printf(R, con,
			       "devdrv: out-of-domain DMA: no IOMMU confines edu "
			       "(UNCONFINED pool): nothing to prove\n");
		call2(DP_SYNC, DP_DONE, 0, 0);
		return;
	}
	fill(buf.va, 0xa5, XFER);
	/* edu's buffer first holds 0xee from our own buffer... */
	fill(buf.va, 0xee, XFER);
	edu_dma(buf.iova, EDU_DMA_BUF, XFER, 0, 0);
	check(edu_dma_idle(), "edu loaded", 0);
	fill(buf.va, 0xa5, XFER);
	uint64_t target[3] = {buf.iova + (1u << 20), 0x100000, x_iova};
	const char *what[3] = {"an unmapped IOVA", "the kernel image's physical address",
			       "the other driver's buffer IOVA"};
	for (int i = 0; i < 3; i++) {
		int own = target[i] >= buf.iova && target[i] < buf.iova + POOL;
		if (own) {
			console_printf(R, con,
				       "devdrv: %s 0x%llx is one of my own IOVAs: skipped\n",
				       what[i], (unsigned long long)target[i]);
			continue;
		}
		edu_dma(EDU_DMA_BUF, target[i], XFER, 1, 0);
		check(edu_dma_idle(), "edu finished", 0);
		console_printf(R, con, "devdrv: pointed edu at %s 0x%llx\n", what[i],
			       (unsigned long long)target[i]);
	}
	check(intact(buf.va, 0xa5, XFER), "A's own canary intact", 0);
	call2(DP_SYNC, DP_DONE, 0, 0);
}

int main(struct capos_ring *ring)
{
	uint64_t arg = 0;
	R = ring;
	uint64_t role = call2(DP_HELLO, 0, 0, &arg);
	switch (role) {
	case DP_STALE_REVOKE:
		role_stale_revoke();
		break;
	case DP_RESET:
		role_reset();
		break;
	case DP_MISC:
		role_misc();
		break;
	case DP_IRQ_A:
		role_irq_a();
		break;
	case DP_IRQ_B:
		role_irq_b();
		break;
	case DP_DMA_A:
	case DP_DMA_CRASH:
		role_dma_a(role == DP_DMA_CRASH);
		break;
	case DP_DMA_B:
		role_dma_b();
		break;
	case DP_OOD_X:
		role_ood_x();
		break;
	case DP_OOD_A:
		role_ood_a(arg);
		break;
	case DP_KILLED:
		role_killed();
		break;
	default:
		console_printf(ring, con, "devdrv: unknown role %llu\n", (unsigned long long)role);
		return 100;
	}
	return (int)failed;
}
