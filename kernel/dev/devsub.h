/* devsub: the sub-handles a Device issues (DeviceMmio, Interrupt, DMAPool),
 * kernel objects each naming one slot of the device manager's ledger
 * {epoch, slot, generation, kind}. Every method checks that handle against the
 * record under the records' lock first and fails closed with CAPOS_E_STALE.
 *
 * Shared between devslot.c (DeviceSlot, Device) and devsub.c; the teardown in
 * devmgr_k.c calls devsub_revoke right after a teardown begins and
 * devsub_drain at its IRQ_DRAIN step. */
#ifndef CAPOS_DEV_DEVSUB_H
#define CAPOS_DEV_DEVSUB_H

#include <stdbool.h>
#include <stdint.h>

#include "devmgr_k.h"
#include "lib/dev/devwin.h"
#include "lib/irq/registry.h"
#include "mm/umap.h"
#include "obj/kobj.h"

struct proc;

struct devsub {
	struct kobj hdr;
	struct kdev *d;
	struct dev_handle_ref ref; /* its ledger slot; ref.kind says which object */
	bool gone;		   /* released or torn down (records' lock) */
	struct umap map;	   /* the holder's (DeviceMmio, DMAPool); records' lock */
	/* DeviceMmio */
	uint8_t bar;
	uint64_t off, len, addr;
	/* Interrupt */
	struct irq_handle irq;
	bool routed; /* the route is still to be released (records' lock) */
	uint8_t ikind;
	uint16_t index;
	uint64_t pending, total; /* atomics: fired since the last wait, ever */
	struct proc *waiters;
	struct kobj *event; /* bound once (a reference), signalled by the handler */
	/* DMAPool */
	struct dma_pool *pool;		/* dereferenced only by whoever owns its release */
	uint64_t pool_iova, pool_bytes; /* copied at creation, under the records' lock */
	bool pool_iommu;
	struct devbuf_pool bufs; /* tags: ledger slots of DEV_H_BUFFER handles */
};

/* devsub_mmio / devsub_interrupt / devsub_pool: a new sub-handle under the
 * claim of epoch, for the caller p; its handle goes to *out. CAPOS_E_STALE
 * when the claim ended, CAPOS_E_NO_RESOURCES over budget or out of slots,
 * CAPOS_E_NO_DEVICE / CAPOS_E_BAD_PARAMS for what the device cannot give. */
enum capos_status devsub_mmio(struct kdev *d, uint64_t epoch, struct proc *p, unsigned bar,
			      uint64_t off, uint64_t len, struct capos_handle *out);
enum capos_status devsub_interrupt(struct kdev *d, uint64_t epoch, struct proc *p, unsigned index,
				   unsigned kind, struct capos_handle *out);
enum capos_status devsub_pool(struct kdev *d, uint64_t epoch, struct proc *p, uint64_t bytes,
			      struct capos_handle *out);

/* devsub_revoke: the claim's teardown began: every sub-handle is dead; the
 * holders' mappings are removed on every CPU and Interrupt waiters woken. */
void devsub_revoke(struct kdev *d);
/* devsub_drain: every interrupt route of the ended claim released (no CPU
 * runs its handler any more) and the MSI-X table closed; with mask_ok false
 * (the device may still fire) the routes are dropped without freeing their
 * vectors. false when a release failed. */
bool devsub_drain(struct kdev *d, bool mask_ok);

/* devsub_audit: one `audit:` line on COM1 naming the device, never a process. */
void devsub_audit(const struct kdev *d, const char *what, uint64_t epoch, const char *detail);

#endif
