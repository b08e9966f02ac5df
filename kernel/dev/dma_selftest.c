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
#include "dmapool.h"
#include "pci.h"
#include "arch/x86_64/clock.h"
#include "core/console.h"
#include "core/selftest.h"
#include "hw/edu.h"
#include "hw/pci.h"
#include "iommu/vtd.h"
#include "lib/fmt.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/layout.h"

#define EDU_DMA_WAIT_US 3000000 /* edu runs a transfer 100 ms (virtual) after the command */
#define DMA_LIMIT	(1ull << EDU_DMA_MASK_BITS)
/* QEMU 7.2's edu refuses (with a hardware error that stops QEMU) a transfer that
 * ends exactly at the end of its buffer: its range check wants the end inside. */
#define XFER		2048u

static volatile uint8_t *edu;
static const struct pci_fn *edu_fn;
static char why[128];

static void edu_wr64(uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(edu + off) = v;
}

static uint64_t edu_rd64(uint32_t off)
{
	return *(volatile uint64_t *)(edu + off);
}

/* Starts one edu transfer of len bytes between its buffer and bus address a. */
static void edu_start(uint64_t a, uint32_t len, bool to_ram)
{
	edu_wr64(EDU_DMA_SRC, to_ram ? EDU_DMA_BUF : a);
	edu_wr64(EDU_DMA_DST, to_ram ? a : EDU_DMA_BUF);
	edu_wr64(EDU_DMA_COUNT, len);
	edu_wr64(EDU_DMA_CMD, EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0));
}

/* Waits, bounded, for edu's transfer to be over (faulted or not). */
static bool edu_wait(void)
{
	uint64_t end = clock_ns() + (uint64_t)EDU_DMA_WAIT_US * 1000;
	while (edu_rd64(EDU_DMA_CMD) & EDU_DMA_CMD_START)
		if (clock_ns() > end)
			return false;
	return true;
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

/* A DMA from edu to an address must fault and leave what is there alone. */
static const char *expect_write_fault(uint64_t a, const void *va, uint8_t seed, const char *what)
{
	struct vtd_fault f = {0};
	vtd_poll_faults(NULL);
	if (!edu_dma(a, XFER, true))
		return fail("edu did not finish a transfer");
	unsigned n = vtd_poll_faults(&f);
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

const struct selftest selftests_dma[] = {
    {"dma", test_dma},
};
const size_t selftests_dma_count = sizeof(selftests_dma) / sizeof(selftests_dma[0]);
