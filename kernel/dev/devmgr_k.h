/* devmgr (kernel glue): one record (lib/dev/devmgr) per PCI endpoint function,
 * the claim with its DMA policy and domain, DMA pools issued as handles against
 * the claim's budget, and the one ordered teardown carried out on the
 * hardware, step by step, each step bounded and reported. */
#ifndef CAPOS_DEV_DEVMGR_K_H
#define CAPOS_DEV_DEVMGR_K_H

#include <stdbool.h>
#include <stdint.h>

#include "dmapool.h"
#include "irq/msi.h"
#include "lib/dev/devmgr.h"
#include "lib/pci/pci_fn.h"

#define KDEV_MAX_POOLS 8

struct devsub;
struct devobj;

struct kdev {
	struct dev_record rec;
	const struct pci_fn *fn;
	struct vtd_domain *dom; /* NULL: no IOMMU translates (unconfined) */
	struct dma_pool *pool[KDEV_MAX_POOLS];
	struct dev_handle_ref pool_ref[KDEV_MAX_POOLS];
	uint64_t dma_limit;
	/* Userspace authority (devslot.c), under the records' lock. */
	bool has_slot;			     /* a DeviceSlot names it */
	bool allow_unconfined;		     /* its claims may go ahead without an IOMMU */
	uint64_t limits[DEV_R_COUNT];	     /* each claim's budget */
	struct devobj *owner;		     /* the Device of the current claim, or NULL */
	struct devsub *sub[DEV_MAX_HANDLES]; /* by ledger slot: the sub-handle's object */
	uint64_t iova_floor;	/* IOVAs below it were some earlier claim's: never reissued */
	uint64_t hold_until;	/* clock_ns: no claim before (a device without reset) */
	uint32_t inflight;	/* holders' releases still touching the hardware (atomic) */
	bool tlb_failed;	/* a holder's mapping was not confirmed gone on every CPU */
	struct msix_table msix; /* opened for the claim's first MSI-X route */
	bool msix_open;
};

enum kdev_policy { KDEV_REQUIRE_IOMMU, KDEV_ALLOW_UNCONFINED };

/* A device no reset reaches can still hold work its last owner started (edu
 * runs a DMA 100 ms after it is told to): after its teardown no new claim is
 * made for this long, so that work finishes (against a detached domain and
 * bus mastering off) before anyone else's vectors and memory are there. */
#define KDEV_NORESET_HOLD_NS 500000000ull

/* devmgr_init: a record for every endpoint function of the PCI table. */
void devmgr_init(void);
/* devmgr_find: the record of seg:bus:dev.fn, or NULL. */
struct kdev *devmgr_find(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn);

/* devmgr_claim: claims d with limits[DEV_R_COUNT]; where an IOMMU translates
 * the device it gets its own domain (DMA below dma_limit), else the claim is
 * unconfined, refused (DEV_E_STATE) under KDEV_REQUIRE_IOMMU. */
enum dev_status devmgr_claim(struct kdev *d, const uint64_t limits[DEV_R_COUNT], uint64_t dma_limit,
			     enum kdev_policy policy, uint64_t *epoch);
/* devmgr_pool: a DMA pool of bytes under the claim (charged to its budget);
 * *ref names it. */
enum dev_status devmgr_pool(struct kdev *d, uint64_t bytes, struct dma_pool **pool,
			    struct dev_handle_ref *ref);
/* devmgr_summary: claims, live handles and the DMA ledger, one line each
 * (printed when every process has ended, to show they came back). */
void devmgr_summary(void);

/* devmgr_lock_take / devmgr_lock_drop: the records' lock (LOCK_CLASS_DEVMGR). */
uint64_t devmgr_lock_take(void);
void devmgr_lock_drop(uint64_t flags);

/* devmgr_teardown: the ordered teardown for trigger why of the claim of epoch
 * (0: whatever claim is current; DEV_E_EPOCH when the record's claim is another
 * one), every step carried out and printed (`devmgr: 00:03.0 busmaster-off ok`). */
enum dev_status devmgr_teardown(struct kdev *d, enum dev_trigger why, uint64_t epoch);
/* devmgr_wait_inflight: waits (bounded) until no holder's release is still
 * touching the device's routes, MSI-X table or domain. */
void devmgr_wait_inflight(struct kdev *d);

#endif
