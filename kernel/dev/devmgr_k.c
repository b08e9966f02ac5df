/* devmgr_k: the device manager's records and the teardown on real hardware. */
#include "devmgr_k.h"
#include "devctl.h"
#include "devsub.h"
#include "pci.h"
#include "arch/x86_64/clock.h"
#include "core/console.h"
#include "core/diag.h"
#include "core/spinlock.h"
#include "iommu/vtd.h"
#include "lib/iommu/iova.h"
#include "lib/irq/registry.h"
#include "lib/str.h"
#include "mm/heap.h"
#include "mm/layout.h"

static struct kdev *devs;
static size_t ndevs;
/* The records' lock (LOCK_CLASS_DEVMGR, first in the table): held for every
 * state change of a record and from a handle's reserve to its commit or abort,
 * so a teardown never begins under a half-issued handle. The teardown's steps
 * run without it (they wait for hardware); one teardown per record at a time
 * is the lib's rule (DEV_E_TEARDOWN). */
static spinlock_t devmgr_lock = SPINLOCK_INIT;

uint64_t devmgr_lock_take(void)
{
	return spin_lock_class(&devmgr_lock, LOCK_CLASS_DEVMGR);
}

void devmgr_lock_drop(uint64_t flags)
{
	spin_unlock_class(&devmgr_lock, LOCK_CLASS_DEVMGR, flags);
}

static uint8_t devfn_of(const struct kdev *d)
{
	return (uint8_t)(d->fn->dev << 3 | d->fn->fn);
}

void devmgr_init(void)
{
	const struct pci_table *t = pci_devices();
	if (t == NULL || t->count == 0)
		return;
	devs = kmalloc(t->count * sizeof(*devs));
	if (devs == NULL) {
		kprintf("devmgr: no memory for %zu records\n", (size_t)t->count);
		return;
	}
	for (size_t i = 0; i < t->count; i++) {
		const struct pci_fn *f = &t->fn[i];
		if (f->flags & PCI_FN_BRIDGE)
			continue; /* bridges are the kernel's */
		struct kdev *d = &devs[ndevs++];
		memset(d, 0, sizeof(*d));
		d->fn = f;
		struct dev_id id = {f->seg,
				    f->bus,
				    f->dev,
				    f->fn,
				    f->vendor,
				    f->device,
				    (uint32_t)f->class_code << 16 | f->subclass << 8 | f->prog_if};
		dev_record_init(&d->rec, &id);
		vtd_prepare(f->seg, f->bus, devfn_of(d));
	}
}

struct kdev *devmgr_find(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (size_t i = 0; i < ndevs; i++) {
		const struct pci_fn *f = devs[i].fn;
		if (f->seg == seg && f->bus == bus && f->dev == dev && f->fn == fn)
			return &devs[i];
	}
	return NULL;
}

enum dev_status devmgr_claim(struct kdev *d, const uint64_t limits[DEV_R_COUNT], uint64_t dma_limit,
			     enum kdev_policy policy, uint64_t *epoch)
{
	struct vtd_domain *dom = NULL;
	if (d->rec.state != DEV_UNCLAIMED)
		return DEV_E_STATE;
	enum vtd_status vs =
	    vtd_domain_create(d->fn->seg, d->fn->bus, devfn_of(d), dma_limit, &dom);
	if (vs == VTD_E_NONE && policy == KDEV_REQUIRE_IOMMU) {
		kprintf("devmgr: %02x:%02x.%u: no IOMMU translates it and the claim requires one\n",
			d->fn->bus, d->fn->dev, d->fn->fn);
		return DEV_E_STATE;
	}
	if (vs != VTD_OK && vs != VTD_E_NONE)
		return DEV_E_BUDGET;
	/* IOVAs an earlier claim's pools had are never issued again (until the
	 * space runs out): a late DMA of an old owner faults in this domain
	 * instead of reaching the new owner's memory. */
	uint64_t floor = d->iova_floor;
	if (dom != NULL && floor > PAGE_SIZE && floor < dma_limit / 2 &&
	    iova_reserve(&dom->iova, PAGE_SIZE, (floor - PAGE_SIZE) / PAGE_SIZE) != IOVA_OK)
		floor = 0;
	if (dom != NULL && floor >= dma_limit / 2)
		d->iova_floor = 0; /* exhausted: start again from the bottom */
	if (dom != NULL && vtd_domain_attach(dom) != VTD_OK) {
		vtd_domain_destroy(dom);
		return DEV_E_STATE;
	}
	uint64_t fl = spin_lock_class(&devmgr_lock, LOCK_CLASS_DEVMGR);
	enum dev_status st = dev_claim(&d->rec, limits, epoch);
	spin_unlock_class(&devmgr_lock, LOCK_CLASS_DEVMGR, fl);
	if (st != DEV_OK) {
		if (dom != NULL)
			vtd_domain_destroy(dom);
		return st;
	}
	d->dom = dom;
	d->dma_limit = dma_limit;
	if (dom == NULL)
		kprintf("devmgr: %02x:%02x.%u claimed UNCONFINED: no IOMMU translates it; its "
			"driver can reach any memory through it\n",
			d->fn->bus, d->fn->dev, d->fn->fn);
	return DEV_OK;
}

enum dev_status devmgr_pool(struct kdev *d, uint64_t bytes, struct dma_pool **pool,
			    struct dev_handle_ref *ref)
{
	uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t charge[DEV_R_COUNT] = {
	    [DEV_R_POOL_BYTES] = pages * PAGE_SIZE, [DEV_R_POOL_PAGES] = pages};
	struct dev_txn t;
	int slot = -1;
	for (int i = 0; i < KDEV_MAX_POOLS && slot < 0; i++)
		if (d->pool[i] == NULL)
			slot = i;
	if (slot < 0)
		return DEV_E_FULL;
	uint64_t fl = spin_lock_class(&devmgr_lock, LOCK_CLASS_DEVMGR);
	enum dev_status st = dev_handle_reserve(&d->rec, DEV_H_POOL, charge, &t);
	if (st == DEV_OK && dma_pool_create(d->dom, d->fn->seg, d->fn->bus, devfn_of(d), bytes,
					    d->dma_limit, pool) != DMA_OK) {
		dev_handle_abort(&t);
		st = DEV_E_BUDGET;
	} else if (st == DEV_OK) {
		uint64_t end = (*pool)->iova + (*pool)->pages * PAGE_SIZE;
		if ((*pool)->attr == DMA_IOMMU && end > d->iova_floor)
			d->iova_floor = end;
		dev_handle_commit(&t, ref);
		d->pool[slot] = *pool;
		d->pool_ref[slot] = *ref;
	}
	spin_unlock_class(&devmgr_lock, LOCK_CLASS_DEVMGR, fl);
	return st;
}

/* One step on the hardware; the result the lib takes. */
static enum dev_step_result do_step(struct kdev *d, enum dev_step s)
{
	const struct pci_fn *f = d->fn;
	bool ok = true;
	switch (s) {
	case DEV_STEP_BUSMASTER_OFF:
		return devctl_busmaster_off(f) ? DEV_SR_OK : DEV_SR_FAILED;
	case DEV_STEP_IRQ_MASK:
		return devctl_irq_mask(f) ? DEV_SR_OK : DEV_SR_FAILED;
	case DEV_STEP_IRQ_DRAIN:
		/* Every route of the claim released: no CPU runs its handler any
		 * more, a late message finds no route (devsub.c). Where the mask
		 * step failed the device may still fire: the vectors are kept. */
		return devsub_drain(d, d->rec.result[DEV_STEP_IRQ_MASK] == DEV_SR_OK)
			   ? DEV_SR_OK
			   : DEV_SR_FAILED;
	case DEV_STEP_IOMMU_DETACH:
		if (d->dom == NULL)
			return DEV_SR_UNAVAILABLE;
		return vtd_domain_detach(d->dom) == VTD_OK ? DEV_SR_OK : DEV_SR_FAILED;
	case DEV_STEP_RESET:
		if (devctl_reset_method(f) != DEVCTL_RESET_NONE && devctl_reset(f))
			return DEV_SR_OK;
		/* Published before the record can be claimed again (DONE). */
		__atomic_store_n(&d->hold_until, clock_ns() + KDEV_NORESET_HOLD_NS,
				 __ATOMIC_RELEASE);
		return devctl_reset_method(f) == DEVCTL_RESET_NONE ? DEV_SR_UNAVAILABLE
								   : DEV_SR_FAILED;
	case DEV_STEP_QUARANTINE:
		for (int i = 0; i < KDEV_MAX_POOLS; i++)
			if (d->pool[i] != NULL && d->pool[i]->state == DMA_LIVE)
				ok = dma_pool_quarantine(d->pool[i]) == DMA_OK && ok;
		/* A holder's mapping not confirmed gone on some CPU: the frames may
		 * still be reachable from user mode, so they never leave. */
		return ok && !__atomic_load_n(&d->tlb_failed, __ATOMIC_ACQUIRE) ? DEV_SR_OK
										: DEV_SR_FAILED;
	case DEV_STEP_SCRUB:
		/* Asked only when the device is proven quiet. */
		for (int i = 0; i < KDEV_MAX_POOLS; i++)
			if (d->pool[i] != NULL)
				memset(d->pool[i]->va, 0, d->pool[i]->pages * PAGE_SIZE);
		return DEV_SR_OK;
	case DEV_STEP_EPOCH:
		return DEV_SR_OK; /* no route is keyed by the old epoch yet */
	case DEV_STEP_DONE:
		devmgr_wait_inflight(d); /* a holder's pool release still unmapping */
		for (int i = 0; i < KDEV_MAX_POOLS; i++) {
			/* Frames go back only when the lib says they may; else they
			 * stay quarantined in the ledger for good. */
			if (d->pool[i] != NULL && dev_frames_reusable(&d->rec) && !d->tlb_failed &&
			    dma_pool_release(d->pool[i], true) == DMA_OK)
				d->pool[i] = NULL;
		}
		if (d->dom != NULL && !d->dom->attached) {
			vtd_domain_destroy(d->dom);
			d->dom = NULL;
		}
		return DEV_SR_OK;
	default:
		return DEV_SR_FAILED;
	}
}

void devmgr_wait_inflight(struct kdev *d)
{
	for (long i = 0; i < 100000000L && __atomic_load_n(&d->inflight, __ATOMIC_ACQUIRE); i++)
		__asm__ volatile("pause");
	if (__atomic_load_n(&d->inflight, __ATOMIC_ACQUIRE))
		kprintf("devmgr: %02x:%02x.%u: a release did not finish\n", d->fn->bus, d->fn->dev,
			d->fn->fn);
}

enum dev_status devmgr_teardown(struct kdev *d, enum dev_trigger why, uint64_t epoch)
{
	uint64_t fl = spin_lock_class(&devmgr_lock, LOCK_CLASS_DEVMGR);
	enum dev_status st = epoch != 0 && d->rec.state == DEV_CLAIMED && d->rec.epoch != epoch
				 ? DEV_E_EPOCH
				 : dev_teardown_begin(&d->rec, why);
	spin_unlock_class(&devmgr_lock, LOCK_CLASS_DEVMGR, fl);
	if (st != DEV_OK)
		return st;
	/* Every sub-handle is dead from here; the holder's windows and pool
	 * mappings go first, on every CPU, before the device is touched. */
	devsub_revoke(d);
	enum dev_step s;
	unsigned bound = DEV_STEPS + 1; /* the sequence has DEV_STEPS - 1 steps */
	while ((s = dev_teardown_next(&d->rec)) != DEV_STEP_NONE && bound-- > 0) {
		enum dev_step_result r = do_step(d, s);
		kprintf("devmgr: %02x:%02x.%u %s: %s %s\n", d->fn->bus, d->fn->dev, d->fn->fn,
			dev_trigger_name(why), dev_step_name(s),
			r == DEV_SR_OK		  ? "ok"
			: r == DEV_SR_UNAVAILABLE ? "unavailable"
						  : "FAILED");
		fl = spin_lock_class(&devmgr_lock, LOCK_CLASS_DEVMGR);
		st = dev_teardown_report(&d->rec, s, r);
		spin_unlock_class(&devmgr_lock, LOCK_CLASS_DEVMGR, fl);
		if (st != DEV_OK)
			return st;
	}
	kprintf("devmgr: %02x:%02x.%u teardown done: %s, epoch %llu, frames %s\n", d->fn->bus,
		d->fn->dev, d->fn->fn, dev_state_name(d->rec.state),
		(unsigned long long)d->rec.epoch,
		dev_frames_reusable(&d->rec) ? "scrubbed and freed" : "kept in quarantine");
	return DEV_OK;
}

void devmgr_summary(void)
{
	unsigned claimed = 0, handles = 0, retired = 0;
	uint64_t fl = devmgr_lock_take();
	for (size_t i = 0; i < ndevs; i++) {
		const struct dev_record *r = &devs[i].rec;
		claimed += r->state != DEV_UNCLAIMED && r->state != DEV_RETIRED;
		retired += r->state == DEV_RETIRED;
		for (unsigned k = 0; k < DEV_KINDS; k++)
			handles += r->count[k];
	}
	devmgr_lock_drop(fl);
	kprintf("devmgr: %u devices claimed, %u handles, %u retired\n", claimed, handles, retired);
	dma_pool_print();
}

static void cmd_devices(void)
{
	if (ndevs == 0) {
		kprintf("devices: none\n");
		return;
	}
	for (size_t i = 0; i < ndevs; i++) {
		const struct kdev *d = &devs[i];
		const struct pci_fn *f = d->fn;
		uint8_t devfn = (uint8_t)(f->dev << 3 | f->fn);
		bool iommu = vtd_covers(f->seg, f->bus, devfn);
		/* The prompt runs while drivers do: a consistent copy of what is
		 * printed (not the whole record, with its 64 slots). */
		struct {
			struct dev_id id;
			uint8_t state;
			uint64_t epoch;
			uint32_t count[DEV_KINDS];
			struct dev_budget budget;
		} r;
		uint64_t fl = devmgr_lock_take();
		r.id = d->rec.id;
		r.state = d->rec.state;
		r.epoch = d->rec.epoch;
		memcpy(r.count, d->rec.count, sizeof(r.count));
		r.budget = d->rec.budget;
		devmgr_lock_drop(fl);
		kprintf("device %04x:%02x:%02x.%u %04x:%04x class=%06x state=%s epoch=%llu "
			"handles=mmio:%u,irq:%u,pool:%u,buffer:%u pool-bytes=%llu/%llu "
			"isolation=%s reset=%s\n",
			f->seg, f->bus, f->dev, f->fn, f->vendor, f->device, r.id.class,
			dev_state_name(r.state), (unsigned long long)r.epoch, r.count[DEV_H_MMIO],
			r.count[DEV_H_IRQ], r.count[DEV_H_POOL], r.count[DEV_H_BUFFER],
			(unsigned long long)r.budget.used[DEV_R_POOL_BYTES],
			(unsigned long long)r.budget.limit[DEV_R_POOL_BYTES],
			iommu ? "iommu" : "UNCONFINED", devctl_reset_name(devctl_reset_method(f)));
	}
}

const struct diag_cmd diag_cmds_devices[] = {
    {"devices", "device records: state, epoch, handles, budget, isolation, reset", cmd_devices},
};
const size_t diag_cmds_devices_count = sizeof(diag_cmds_devices) / sizeof(diag_cmds_devices[0]);
