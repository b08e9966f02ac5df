/* dmapool: DMA memory for one device: pinned, contiguous, zeroed before the
 * device first sees it, scrubbed before it is reused, and labelled with what
 * confines the device: `iommu` (the device reaches only the pool's IOVAs in its
 * own domain) or `unconfined` (no IOMMU translates for it: the pool's bus
 * addresses are physical, and whoever programs the device reaches any memory).
 * Every pool is in the DMA ledger (`dma` diagnostics). */
#ifndef CAPOS_DEV_DMAPOOL_H
#define CAPOS_DEV_DMAPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_domain;

enum dma_attr { DMA_IOMMU, DMA_UNCONFINED };
enum dma_state {
	DMA_LIVE,	 /* the device may reach it */
	DMA_QUARANTINED, /* unmapped or its device stopped, not yet proven quiet */
};

struct dma_pool {
	uint32_t id, gen;
	uint16_t seg;
	uint8_t bus, devfn;
	enum dma_attr attr;
	enum dma_state state;
	uint64_t pages;
	uint64_t pa;   /* the kernel's; never handed out where an IOMMU confines */
	uint64_t iova; /* the device's address of the first byte */
	void *va;      /* the kernel's mapping (direct map) */
	struct vtd_domain *dom;
};

enum dma_status {
	DMA_OK = 0,
	DMA_E_NOMEM,   /* frames, IOVA space or ledger entries ran out */
	DMA_E_LIMIT,   /* no memory below the device's DMA limit (unconfined) */
	DMA_E_IOMMU,   /* the IOMMU refused or timed out */
	DMA_E_INVALID, /* bad arguments or state */
};

/* dma_pool_create: bytes (rounded up to pages) of zeroed, pinned memory for
 * the device seg:bus:devfn. With dom, mapped read/write at IOVAs below
 * dma_limit in that domain (attribute iommu); without, its physical addresses
 * must lie below dma_limit (attribute unconfined, said loudly on COM1). */
enum dma_status dma_pool_create(struct vtd_domain *dom, uint16_t seg, uint8_t bus, uint8_t devfn,
				uint64_t bytes, uint64_t dma_limit, struct dma_pool **out);

/* dma_pool_quarantine: the device may no longer reach p: for an iommu pool its
 * mapping is removed and the IOTLB invalidation waited for (then it is quiet
 * at once); an unconfined pool only stays quarantined until its device is
 * proven quiet (bus mastering off, or reset). */
enum dma_status dma_pool_quarantine(struct dma_pool *p);

/* dma_pool_release: once quiet (quarantined iommu pool, or device_quiet for an
 * unconfined one): scrubbed, its frames freed, out of the ledger. Refused
 * (DMA_E_INVALID, nothing freed) while the device may still reach it. */
enum dma_status dma_pool_release(struct dma_pool *p, bool device_quiet);

/* dma_pool_print: the `dma` diagnostics: the ledger and its totals. */
void dma_pool_print(void);

#endif
