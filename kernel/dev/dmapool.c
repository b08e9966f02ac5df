/* dmapool: the DMA ledger, pool memory, and its mapping into a domain. */
#include "dmapool.h"
#include "core/console.h"
#include "core/diag.h"
#include "core/spinlock.h"
#include "iommu/vtd.h"
#include "lib/irq/registry.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "mm/layout.h"

#define DMA_MAX_POOLS 64

static struct dma_pool *ledger[DMA_MAX_POOLS];
static uint32_t next_id = 1, next_gen = 1;
static uint64_t scrubbed_pages;
static spinlock_t ledger_lock = SPINLOCK_INIT;

static bool ledger_add(struct dma_pool *p)
{
	bool ok = false;
	uint64_t fl = spin_lock_class(&ledger_lock, LOCK_CLASS_DMA);
	for (int i = 0; i < DMA_MAX_POOLS && !ok; i++)
		if (ledger[i] == NULL) {
			ledger[i] = p;
			p->id = next_id++;
			p->gen = next_gen++;
			ok = true;
		}
	spin_unlock_class(&ledger_lock, LOCK_CLASS_DMA, fl);
	return ok;
}

static void ledger_remove(struct dma_pool *p)
{
	uint64_t fl = spin_lock_class(&ledger_lock, LOCK_CLASS_DMA);
	for (int i = 0; i < DMA_MAX_POOLS; i++)
		if (ledger[i] == p)
			ledger[i] = NULL;
	scrubbed_pages += p->pages;
	spin_unlock_class(&ledger_lock, LOCK_CLASS_DMA, fl);
}

enum dma_status dma_pool_create(struct vtd_domain *dom, uint16_t seg, uint8_t bus, uint8_t devfn,
				uint64_t bytes, uint64_t dma_limit, struct dma_pool **out)
{
	uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	if (pages == 0 || pages > 1024)
		return DMA_E_INVALID;
	struct dma_pool *p = kmalloc(sizeof(*p));
	if (p == NULL)
		return DMA_E_NOMEM;
	memset(p, 0, sizeof(*p));
	*p = (struct dma_pool){.seg = seg,
			       .bus = bus,
			       .devfn = devfn,
			       .pages = pages,
			       .dom = dom,
			       .attr = dom ? DMA_IOMMU : DMA_UNCONFINED};
	/* Zeroed by the frame allocator: nothing of a former user. */
	if (!frame_alloc_contig(pages, PAGE_SIZE, &p->pa)) {
		kfree(p);
		return DMA_E_NOMEM;
	}
	p->va = phys_to_virt(p->pa);
	enum dma_status st = DMA_OK;
	bool reachable = false; /* the device may reach the frames: they must not be freed */
	if (dom != NULL) {
		enum vtd_status vs = VTD_OK;
		if (vtd_iova_alloc(dom, pages, dma_limit, &p->iova) != IOVA_OK)
			st = DMA_E_NOMEM;
		else if ((vs = vtd_map(dom, p->iova, p->pa, pages, VTD_PT_READ | VTD_PT_WRITE)) !=
			 VTD_OK)
			st = DMA_E_IOMMU;
		/* A map that was written but not invalidated (caching mode) is
		 * undone, and only an unmap proven complete frees anything. */
		if (vs == VTD_E_TIMEOUT)
			reachable = vtd_unmap(dom, p->iova, pages) != VTD_OK;
		if (st == DMA_E_IOMMU && !reachable)
			vtd_iova_free(dom, p->iova, pages);
	} else {
		p->iova = p->pa; /* what the device sees is physical */
		if (dma_limit != 0 && p->pa + pages * PAGE_SIZE > dma_limit)
			st = DMA_E_LIMIT;
	}
	if (st == DMA_OK && !ledger_add(p)) {
		if (dom != NULL) {
			reachable = vtd_unmap(dom, p->iova, pages) != VTD_OK;
			if (!reachable)
				vtd_iova_free(dom, p->iova, pages);
		}
		st = DMA_E_NOMEM;
	}
	if (st != DMA_OK) {
		if (reachable) {
			/* Never reused: kept out of the allocator for good. */
			kprintf(
			    "dma: %llu frames at 0x%llx stay reachable by %02x:%02x.%u (the IOMMU "
			    "did not confirm the unmap): kept, never reused\n",
			    (unsigned long long)pages, (unsigned long long)p->pa, bus, devfn >> 3,
			    devfn & 7);
			return st;
		}
		for (uint64_t i = 0; i < pages; i++)
			frame_free(p->pa + i * PAGE_SIZE);
		kfree(p);
		return st;
	}
	if (p->attr == DMA_UNCONFINED)
		kprintf("dma: pool %u for %02x:%02x.%u is UNCONFINED: no IOMMU translates for "
			"this device; whoever programs it can reach any memory\n",
			p->id, bus, devfn >> 3, devfn & 7);
	*out = p;
	return DMA_OK;
}

enum dma_status dma_pool_quarantine(struct dma_pool *p)
{
	if (p->state != DMA_LIVE)
		return DMA_E_INVALID;
	if (p->dom != NULL && vtd_unmap(p->dom, p->iova, p->pages) != VTD_OK) {
		/* Not proven unreachable: it stays live, and is never reused. */
		kprintf("dma: pool %u: unmap or its invalidation failed; kept out of use\n", p->id);
		return DMA_E_IOMMU;
	}
	if (p->dom != NULL)
		vtd_iova_free(p->dom, p->iova, p->pages);
	p->state = DMA_QUARANTINED;
	return DMA_OK;
}

enum dma_status dma_pool_release(struct dma_pool *p, bool device_quiet)
{
	/* Quiet: an iommu pool once unmapped and invalidated; an unconfined one
	 * only when its device is stopped (it sees physical addresses). */
	if (p->state != DMA_QUARANTINED || (p->attr == DMA_UNCONFINED && !device_quiet))
		return DMA_E_INVALID;
	memset(p->va, 0, p->pages * PAGE_SIZE); /* scrubbed before reuse */
	ledger_remove(p);
	for (uint64_t i = 0; i < p->pages; i++)
		frame_free(p->pa + i * PAGE_SIZE);
	kfree(p);
	return DMA_OK;
}

void dma_pool_print(void)
{
	uint64_t pages = 0, quarantined = 0;
	unsigned n = 0;
	uint64_t fl = spin_lock_class(&ledger_lock, LOCK_CLASS_DMA);
	for (int i = 0; i < DMA_MAX_POOLS; i++) {
		const struct dma_pool *p = ledger[i];
		if (p == NULL)
			continue;
		n++;
		pages += p->pages;
		if (p->state == DMA_QUARANTINED)
			quarantined += p->pages;
		kprintf("dma pool=%u gen=%u device=%02x:%02x.%u pages=%llu bytes=%llu "
			"iova=0x%llx-0x%llx %s %s\n",
			p->id, p->gen, p->bus, p->devfn >> 3, p->devfn & 7,
			(unsigned long long)p->pages, (unsigned long long)p->pages * PAGE_SIZE,
			(unsigned long long)p->iova,
			(unsigned long long)(p->iova + p->pages * PAGE_SIZE - 1),
			p->attr == DMA_IOMMU ? "iommu" : "UNCONFINED",
			p->state == DMA_LIVE ? "live" : "quarantined");
	}
	spin_unlock_class(&ledger_lock, LOCK_CLASS_DMA, fl);
	kprintf("dma: %u pools, %llu pages, %llu in quarantine, %llu scrubbed and freed so far; "
		"%s\n",
		n, (unsigned long long)pages, (unsigned long long)quarantined,
		(unsigned long long)scrubbed_pages,
		vtd_active() ? "an IOMMU confines devices given a domain"
			     : "no IOMMU: every pool is unconfined");
}

static void cmd_dma(void)
{
	dma_pool_print();
}

const struct diag_cmd diag_cmds_dma[] = {
    {"dma", "the DMA ledger: pools, pages, IOVAs, isolation, quarantine", cmd_dma},
};
const size_t diag_cmds_dma_count = sizeof(diag_cmds_dma) / sizeof(diag_cmds_dma[0]);
