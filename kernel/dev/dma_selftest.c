/* dma_selftest: `selftest=dma`, proven with QEMU's edu device, which copies
 * between its own 4 KiB buffer and memory by DMA about 100 ms after it is told
 * to (hw/edu.h).
 * With an IOMMU: a mapped pool page receives edu's DMA and another is read by
 * it; a DMA to an IOVA nobody mapped leaves a canary frame (at that same
 * physical address) untouched and records a fault with edu's requester id and
 * that address; after an unmap the same DMA faults (the invalidation really
 * happened: the unit had translated that IOVA a moment before); after detach
 * every DMA faults; a DMA started and torn down before it runs (bus mastering
 * off, domain detached) never lands, and the pool is quarantined until then.
 * Without one: the pool is unconfined, DMA works, and a DMA started before bus
 * mastering is turned off never lands. */
#include "devctl.h"
#include "devmgr_k.h"
#include "dmapool.h"
#include "edu_dma.h"
#include "pci.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "core/console.h"
#include "core/selftest.h"
#include "hw/edu.h"
#include "hw/pci.h"
#include "iommu/vtd.h"
#include "lib/fmt.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/layout.h"

#define DMA_LIMIT (1ull << EDU_DMA_MASK_BITS)
/* QEMU 7.2's edu refuses (with a hardware error that stops QEMU) a transfer that
 * ends exactly at the end of its buffer: its range check wants the end inside. */
#define XFER	  2048u

static volatile uint8_t *edu;
static const struct pci_fn *edu_fn;
static char why[128];

/* Starts one edu transfer of len bytes between its buffer and bus address a. */
static void edu_start(uint64_t a, uint32_t len, bool to_ram)
{
	edu_dma_start(edu, to_ram ? EDU_DMA_BUF : a, to_ram ? a : EDU_DMA_BUF, len, to_ram);
}

static bool edu_wait(void)
{
	return edu_dma_wait(edu);
}

static bool edu_dma(uint64_t a, uint32_t len, bool to_ram)
{
	edu_start(a, len, to_ram);
	return edu_wait();
}

static void bus_master(bool on)
{
	uint16_t cmd = pci_cfg_read16(edu_fn, PCI_COMMAND);
	cmd = on ? (cmd | PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY) : (cmd & ~PCI_COMMAND_MASTER);
	pci_cfg_write16(edu_fn, PCI_COMMAND, cmd);
}

static void fill(void *va, uint8_t seed)
{
	uint8_t *b = va;
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

static bool filled(const void *va, uint8_t seed)
{
	const uint8_t *b = va;
	for (unsigned i = 0; i < XFER; i++)
		if (b[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

static const char *fail(const char *what)
{
	fmt_snprintf(why, sizeof(why), "%s", what);
	return why;
}

/* A DMA from edu to an address must fault and leave what is there alone. The
 * fault is found by the fault event interrupt or, failing that, by polling. */
static const char *expect_write_fault(uint64_t a, const void *va, uint8_t seed, const char *what)
{
	struct vtd_fault f = {0};
	uint64_t before, after, irqs;
	vtd_poll_faults(NULL);
	vtd_last_fault(&f, &before, &irqs);
	if (!edu_dma(a, XFER, true))
		return fail("edu did not finish a transfer");
	/* Interrupts on while waiting (boot runs selftests with them off). */
	uint64_t end = clock_ns() + 100000000ull, rf = read_rflags();
	__asm__ volatile("sti" : : : "memory");
	do
		vtd_last_fault(&f, &after, &irqs);
	while (after == before && clock_ns() < end);
	if (!(rf & (1u << 9)))
		__asm__ volatile("cli" : : : "memory");
	if (after == before)
		vtd_poll_faults(NULL);
	vtd_last_fault(&f, &after, &irqs);
	unsigned n = (unsigned)(after - before);
	uint16_t sid = (uint16_t)(edu_fn->bus << 8 | edu_fn->dev << 3 | edu_fn->fn);
	if (!filled(va, seed)) {
		fmt_snprintf(why, sizeof(why), "%s: the DMA landed", what);
		return why;
	}
	if (n == 0 || f.sid != sid || f.addr != (a & ~0xfffull) || f.read) {
		fmt_snprintf(why, sizeof(why), "%s: no write fault from edu at 0x%llx", what,
			     (unsigned long long)a);
		return why;
	}
	kprintf("selftest dma: %s: edu's write to 0x%llx faulted (%s), memory untouched\n", what,
		(unsigned long long)a, vtd_fault_reason_name(f.reason));
	return NULL;
}

static const char *with_iommu(uint8_t devfn)
{
	struct vtd_domain *dom;
	struct dma_pool *pool, *late;
	const char *r;
	if (vtd_domain_create(0, edu_fn->bus, devfn, DMA_LIMIT, &dom) != VTD_OK ||
	    vtd_domain_attach(dom) != VTD_OK)
		return fail("no domain for edu");
	if (dma_pool_create(dom, 0, edu_fn->bus, devfn, 2 * PAGE_SIZE, DMA_LIMIT, &pool) != DMA_OK)
		return fail("no pool");
	uint8_t *page0 = pool->va, *page1 = page0 + PAGE_SIZE;
	fill(page0, 0x11);
	/* Through edu's buffer: page 0 read by the device, page 1 written. */
	if (!edu_dma(pool->iova, XFER, false) || !edu_dma(pool->iova + PAGE_SIZE, XFER, true) ||
	    !filled(page1, 0x11))
		return fail("the mapped pool did not receive edu's DMA");
	kprintf("selftest dma: edu read pool page 0 at iova 0x%llx and wrote it to page 1 at "
		"iova 0x%llx (iommu)\n",
		(unsigned long long)pool->iova, (unsigned long long)(pool->iova + PAGE_SIZE));
	/* A canary whose physical address is an IOVA nobody mapped. */
	uint64_t canary;
	if (!frame_alloc(&canary) || canary + PAGE_SIZE > DMA_LIMIT)
		return fail("no canary frame below edu's DMA limit");
	fill(phys_to_virt(canary), 0x5a);
	if ((r = expect_write_fault(canary, phys_to_virt(canary), 0x5a, "unmapped iova")) != NULL)
		return r;
	frame_free(canary);
	/* Page 1 was translated a moment ago; once unmapped, the same DMA faults. */
	fill(page1, 0x22);
	if (vtd_unmap(dom, pool->iova + PAGE_SIZE, 1) != VTD_OK)
		return fail("unmap");
	if ((r = expect_write_fault(pool->iova + PAGE_SIZE, page1, 0x22, "after unmap")) != NULL)
		return r;
	if (vtd_map(dom, pool->iova + PAGE_SIZE, pool->pa + PAGE_SIZE, 1,
		    VTD_PT_READ | VTD_PT_WRITE) != VTD_OK)
		return fail("remap");
	/* Detached: nothing reaches page 0 either. */
	if (vtd_domain_detach(dom) != VTD_OK)
		return fail("detach");
	fill(page0, 0x33);
	if ((r = expect_write_fault(pool->iova, page0, 0x33, "after detach")) != NULL)
		return r;
	if (dma_pool_quarantine(pool) != DMA_OK || dma_pool_release(pool, false) != DMA_OK)
		return fail("releasing the pool");
	/* A DMA started, then torn down before it runs: bus mastering off, the
	 * domain detached and invalidated; it must never land. */
	if (vtd_domain_attach(dom) != VTD_OK ||
	    dma_pool_create(dom, 0, edu_fn->bus, devfn, PAGE_SIZE, DMA_LIMIT, &late) != DMA_OK)
		return fail("second pool");
	fill(late->va, 0x44);
	if (!edu_dma(late->iova, XFER, false)) /* edu's buffer now holds 0x44... */
		return fail("loading edu's buffer");
	fill(late->va, 0x66);
	edu_start(late->iova, XFER, true);
	bus_master(false);
	if (vtd_domain_detach(dom) != VTD_OK || dma_pool_quarantine(late) != DMA_OK)
		return fail("teardown");
	bool done = edu_wait();
	bool landed = !filled(late->va, 0x66);
	bus_master(true);
	if (landed)
		return fail("a DMA torn down before it ran landed");
	/* Unmapped and invalidated: quiet, so its frames may be scrubbed and reused. */
	if (dma_pool_release(late, false) != DMA_OK)
		return fail("a quarantined iommu pool was not released once invalidated");
	kprintf("selftest dma: a DMA started and torn down before it ran never landed%s\n",
		done ? "" : " (edu still busy)");
	vtd_domain_destroy(dom);
	uint64_t count, irqs;
	struct vtd_fault last;
	vtd_last_fault(&last, &count, &irqs);
	kprintf("selftest dma: %llu faults recorded, %llu fault event interrupts taken\n",
		(unsigned long long)count, (unsigned long long)irqs);
	return NULL;
}

static const char *without_iommu(uint8_t devfn)
{
	struct dma_pool *pool;
	if (dma_pool_create(NULL, 0, edu_fn->bus, devfn, 2 * PAGE_SIZE, DMA_LIMIT, &pool) != DMA_OK)
		return fail("no unconfined pool below edu's DMA limit");
	uint8_t *page0 = pool->va, *page1 = page0 + PAGE_SIZE;
	fill(page0, 0x11);
	if (!edu_dma(pool->iova, XFER, false) || !edu_dma(pool->iova + PAGE_SIZE, XFER, true) ||
	    !filled(page1, 0x11))
		return fail("the unconfined pool did not receive edu's DMA");
	kprintf("selftest dma: edu read and wrote the pool at bus address 0x%llx (UNCONFINED: "
		"no IOMMU)\n",
		(unsigned long long)pool->iova);
	fill(page1, 0x22);
	edu_start(pool->iova + PAGE_SIZE, XFER, true);
	bus_master(false); /* before edu's timer fires */
	if (dma_pool_quarantine(pool) != DMA_OK)
		return fail("quarantine");
	if (dma_pool_release(pool, false) == DMA_OK)
		return fail("an unconfined pool was released before its device was quiet");
	bool done = edu_wait();
	bool landed = !filled(page1, 0x22);
	bus_master(true);
	if (landed)
		return fail("a DMA started before bus mastering went off landed");
	if (dma_pool_release(pool, true) != DMA_OK)
		return fail("release");
	kprintf("selftest dma: a DMA started before bus mastering went off never landed%s\n",
		done ? "" : " (edu still busy)");
	return NULL;
}

static const char *test_dma(void)
{
	void *va;
	edu_fn = pci_find_id(EDU_VENDOR, EDU_DEVICE);
	if (edu_fn == NULL)
		return SELFTEST_SKIP "no edu device";
	if (edu_fn->bar[0].addr == 0)
		return SELFTEST_SKIP "edu BAR0 not assigned by firmware";
	if (pci_bar_map(edu_fn, 0, 0, 0x1000, &va) != PCI_MAP_OK)
		return fail("cannot map edu's BAR0");
	edu = va;
	bus_master(true);
	uint8_t devfn = (uint8_t)(edu_fn->dev << 3 | edu_fn->fn);
	const char *r =
	    vtd_covers(0, edu_fn->bus, devfn) ? with_iommu(devfn) : without_iommu(devfn);
	bus_master(false);
	pci_bar_unmap(edu_fn, va, 0x1000);
	dma_pool_print();
	return r;
}

static bool all_zero(uint64_t pa)
{
	const uint8_t *b = phys_to_virt(pa);
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* The device manager's claim and ordered teardown on edu: a DMA under way when
 * the claim is revoked never lands (not even in the scrubbed, freed frames);
 * every handle of the old claim fails closed, the stale epoch too. */
static const char *test_devmgr(void)
{
	void *va;
	struct dma_pool *pool;
	struct dev_handle_ref ref;
	uint64_t epoch, epoch2;
	const uint64_t limits[DEV_R_COUNT] = {
	    [DEV_R_POOL_BYTES] = 2 * PAGE_SIZE, [DEV_R_POOL_PAGES] = 2};
	edu_fn = pci_find_id(EDU_VENDOR, EDU_DEVICE);
	if (edu_fn == NULL)
		return SELFTEST_SKIP "no edu device";
	struct kdev *d = devmgr_find(edu_fn->seg, edu_fn->bus, edu_fn->dev, edu_fn->fn);
	if (d == NULL || pci_bar_map(edu_fn, 0, 0, 0x1000, &va) != PCI_MAP_OK)
		return fail("no record, or edu's BAR0 cannot be mapped");
	edu = va;
	if (devmgr_claim(d, limits, DMA_LIMIT, KDEV_ALLOW_UNCONFINED, &epoch) != DEV_OK ||
	    devmgr_pool(d, PAGE_SIZE, &pool, &ref) != DEV_OK)
		return fail("claim or pool");
	struct dma_pool *extra;
	struct dev_handle_ref extra_ref;
	if (devmgr_pool(d, 2 * PAGE_SIZE, &extra, &extra_ref) != DEV_E_BUDGET)
		return fail("a pool beyond the claim's budget was granted");
	bus_master(true);
	fill(pool->va, 0x44);
	if (!edu_dma(pool->iova, XFER, false)) /* edu's buffer holds 0x44... now */
		return fail("loading edu's buffer");
	fill(pool->va, 0x66);
	uint64_t pa = pool->pa;
	edu_start(pool->iova, XFER, true); /* lands about 100 ms from now, unless stopped */
	/* A teardown names the claim it ends: one for another epoch is refused
	 * (a stale Device cannot end its successor's claim). */
	if (devmgr_teardown(d, DEV_T_REVOKE, d->rec.epoch + 1) != DEV_E_EPOCH)
		return fail("a teardown for another epoch was not refused");
	if (devmgr_teardown(d, DEV_T_REVOKE, d->rec.epoch) != DEV_OK)
		return fail("teardown");
	bool done = edu_wait();
	if (!all_zero(pa))
		return fail("the DMA under way at the revoke landed after the teardown");
	enum dev_status stale = dev_handle_check(&d->rec, &ref);
	if (stale != DEV_E_STATE)
		return fail("a handle of the revoked claim still checks");
	if (devmgr_claim(d, limits, DMA_LIMIT, KDEV_ALLOW_UNCONFINED, &epoch2) != DEV_OK ||
	    epoch2 <= epoch || dev_handle_check(&d->rec, &ref) != DEV_E_EPOCH)
		return fail("re-claim: the epoch did not move on, or the old handle checks");
	kprintf("selftest devmgr: a DMA under way at the revoke never landed%s; the old handle "
		"fails (%s, then %s once re-claimed at epoch %llu)\n",
		done ? "" : " (edu still busy)", dev_status_name(stale),
		dev_status_name(dev_handle_check(&d->rec, &ref)), (unsigned long long)epoch2);
	devmgr_teardown(d, DEV_T_RELEASE, 0);
	pci_bar_unmap(edu_fn, va, 0x1000);
	return NULL;
}

/* A teardown with a reset: every function that has a reset method (FLR, or
 * the PM D3hot->D0 cycle) is claimed and reset through the teardown; it must
 * come back answering, with the BARs the kernel placed. */
static const char *test_devreset(void)
{
	const struct pci_table *t = pci_devices();
	const uint64_t limits[DEV_R_COUNT] = {0};
	unsigned n = 0;
	for (size_t i = 0; t != NULL && i < t->count; i++) {
		const struct pci_fn *f = &t->fn[i];
		struct kdev *d = devmgr_find(f->seg, f->bus, f->dev, f->fn);
		enum devctl_reset how = devctl_reset_method(f);
		uint64_t epoch;
		if (d == NULL || how == DEVCTL_RESET_NONE)
			continue;
		uint32_t bar0 = pci_cfg_read32(f, PCI_BAR(0));
		if (devmgr_claim(d, limits, 0, KDEV_ALLOW_UNCONFINED, &epoch) != DEV_OK ||
		    devmgr_teardown(d, DEV_T_RESET, 0) != DEV_OK)
			return fail("claim or teardown");
		if (d->rec.result[DEV_STEP_RESET] != DEV_SR_OK || d->rec.state != DEV_UNCLAIMED ||
		    pci_cfg_read16(f, PCI_VENDOR_ID) != f->vendor ||
		    pci_cfg_read32(f, PCI_BAR(0)) != bar0) {
			fmt_snprintf(why, sizeof(why), "%02x:%02x.%u did not come back from %s",
				     f->bus, f->dev, f->fn, devctl_reset_name(how));
			return why;
		}
		kprintf("selftest devreset: %02x:%02x.%u %04x:%04x reset by %s, back with its "
			"BARs, epoch %llu\n",
			f->bus, f->dev, f->fn, f->vendor, f->device, devctl_reset_name(how),
			(unsigned long long)d->rec.epoch);
		n++;
	}
	return n == 0 ? SELFTEST_SKIP "no function with a reset method" : NULL;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

/* Cycles (TSC) to map and unmap n pages in a domain, the invalidations
 * included and waited for; the median of three runs of 32. */
static uint64_t bench_map(struct vtd_domain *dom, uint64_t pa, uint64_t n, bool unmap)
{
	uint64_t r[3];
	for (int k = 0; k < 3; k++) {
		uint64_t total = 0;
		for (int i = 0; i < 32; i++) {
			uint64_t t0 = rdtsc();
			enum vtd_status a =
			    vtd_map(dom, 0x100000, pa, n, VTD_PT_READ | VTD_PT_WRITE);
			uint64_t t1 = rdtsc();
			enum vtd_status b = vtd_unmap(dom, 0x100000, n);
			uint64_t t2 = rdtsc();
			if (a != VTD_OK || b != VTD_OK)
				return 0; /* reported as 0: the bench refuses to guess */
			total += unmap ? t2 - t1 : t1 - t0;
		}
		r[k] = total / 32;
	}
	return median3(r[0], r[1], r[2]);
}

/* `selftest=bench-dma`: map/unmap costs (with an IOMMU) and an edu DMA round
 * trip (start to done; edu itself waits 100 ms of virtual time before it
 * copies, which dominates). Prints one `bench dma ...` line. */
static const char *test_bench_dma(void)
{
	void *va;
	struct dma_pool *pool;
	edu_fn = pci_find_id(EDU_VENDOR, EDU_DEVICE);
	if (edu_fn == NULL)
		return SELFTEST_SKIP "no edu device";
	if (pci_bar_map(edu_fn, 0, 0, 0x1000, &va) != PCI_MAP_OK)
		return fail("cannot map edu's BAR0");
	edu = va;
	bus_master(true);
	uint8_t devfn = (uint8_t)(edu_fn->dev << 3 | edu_fn->fn);
	struct vtd_domain *dom = NULL;
	uint64_t m1 = 0, u1 = 0, m64 = 0, u64 = 0, frames;
	if (vtd_covers(0, edu_fn->bus, devfn)) {
		if (vtd_domain_create(0, edu_fn->bus, devfn, DMA_LIMIT, &dom) != VTD_OK ||
		    vtd_domain_attach(dom) != VTD_OK || !frame_alloc_contig(64, PAGE_SIZE, &frames))
			return fail("domain");
		m1 = bench_map(dom, frames, 1, false);
		u1 = bench_map(dom, frames, 1, true);
		m64 = bench_map(dom, frames, 64, false);
		u64 = bench_map(dom, frames, 64, true);
		for (int i = 0; i < 64; i++)
			frame_free(frames + (uint64_t)i * PAGE_SIZE);
	}
	if (dma_pool_create(dom, 0, edu_fn->bus, devfn, PAGE_SIZE, DMA_LIMIT, &pool) != DMA_OK)
		return fail("pool");
	uint64_t t0 = rdtsc();
	bool ok = edu_dma(pool->iova, XFER, true);
	uint64_t rt = rdtsc() - t0;
	dma_pool_quarantine(pool);
	dma_pool_release(pool, true);
	if (dom != NULL)
		vtd_domain_destroy(dom);
	bus_master(false);
	pci_bar_unmap(edu_fn, va, 0x1000);
	if (!ok)
		return fail("edu did not finish");
	kprintf("bench dma iommu=%s map1=%llu unmap1=%llu map64=%llu unmap64=%llu edu-rt=%llu "
		"cycles\n",
		dom ? "on" : "off", (unsigned long long)m1, (unsigned long long)u1,
		(unsigned long long)m64, (unsigned long long)u64, (unsigned long long)rt);
	return NULL;
}

const struct selftest selftests_dma[] = {
    {"bench-dma", test_bench_dma},
    {"dma", test_dma},
    {"devmgr", test_devmgr},
    {"devreset", test_devreset},
};
const size_t selftests_dma_count = sizeof(selftests_dma) / sizeof(selftests_dma[0]);
