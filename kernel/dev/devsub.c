/* devsub: DeviceMmio, Interrupt and DMAPool (schema/capos.capnp). */
#include "devsub.h"
#include "dmapool.h"
#include "arch/x86_64/paging.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "core/console.h"
#include "irq/irq.h"
#include "lib/fmt.h"
#include "lib/str.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "proc/proc.h"

static const struct kobj_ops mmio_ops, irq_ops, pool_ops;

void devsub_audit(const struct kdev *d, const char *what, uint64_t epoch, const char *detail)
{
	kprintf("audit: %s device=%04x:%02x:%02x.%u epoch=%llu%s%s\n", what, d->fn->seg, d->fn->bus,
		d->fn->dev, d->fn->fn, (unsigned long long)epoch, detail ? " " : "",
		detail ? detail : "");
}

/* Whether s still names a LIVE sub-handle of the current claim (records' lock held). */
static bool live_locked(const struct devsub *s)
{
	return !s->gone && dev_handle_check(&s->d->rec, &s->ref) == DEV_OK;
}

static bool live(const struct devsub *s)
{
	uint64_t fl = devmgr_lock_take();
	bool ok = live_locked(s);
	devmgr_lock_drop(fl);
	return ok;
}

/* The holder's mapping: unmapped here when this caller took it (a flush some
 * CPU did not confirm marks the device: its memory is then never reused),
 * else waited for. */
static void unmap_or_wait(struct devsub *s, bool mine)
{
	if (mine && !umap_finish(&s->map)) {
		__atomic_store_n(&s->d->tlb_failed, true, __ATOMIC_RELEASE);
		kprintf("devmgr: %02x:%02x.%u: a mapping's removal was not confirmed on every "
			"CPU; its memory is kept out of use\n",
			s->d->fn->bus, s->d->fn->dev, s->d->fn->fn);
	} else if (!mine) {
		umap_wait(&s->map);
	}
}

static struct devsub *sub_new(struct kdev *d, const struct kobj_ops *ops)
{
	struct devsub *s = kmalloc(sizeof(*s));
	if (s == NULL)
		return NULL;
	memset(s, 0, sizeof(*s));
	kobj_init(&s->hdr, ops);
	s->d = d;
	return s;
}

/* Issues a ledger slot of kind for s under the claim of epoch, charged charge;
 * on success s is registered and its handle committed (records' lock held). */
static enum capos_status issue_locked(struct devsub *s, uint64_t epoch, enum dev_kind kind,
				      const uint64_t charge[DEV_R_COUNT], struct dev_txn *t)
{
	struct kdev *d = s->d;
	if (d->rec.state != DEV_CLAIMED || d->rec.epoch != epoch)
		return CAPOS_E_STALE;
	switch (dev_handle_reserve(&d->rec, kind, charge, t)) {
	case DEV_OK:
		return CAPOS_OK;
	case DEV_E_BUDGET:
	case DEV_E_FULL:
		return CAPOS_E_NO_RESOURCES;
	default:
		return CAPOS_E_STALE;
	}
}

static void commit_locked(struct devsub *s, struct dev_txn *t)
{
	dev_handle_commit(t, &s->ref);
	s->d->sub[s->ref.slot] = s;
}

/* Hands s to p as iface: the handle is the caller's; on failure s is
 * released as if its last handle went. */
static enum capos_status hand_over(struct devsub *s, struct proc *p, uint64_t iface,
				   struct capos_handle *out)
{
	if (proc_install(p, &s->hdr, iface, out) != CAP_OK) {
		s->hdr.ops->on_zero_handles(&s->hdr);
		kobj_put(&s->hdr);
		return CAPOS_E_NO_RESOURCES;
	}
	kobj_put(&s->hdr); /* the slot holds it now */
	return CAPOS_OK;
}

/* ---- DeviceMmio ---- */

enum capos_status devsub_mmio(struct kdev *d, uint64_t epoch, struct proc *p, unsigned bar,
			      uint64_t off, uint64_t len, struct capos_handle *out)
{
	struct devwin w;
	struct dev_txn t;
	if (devwin_check(d->fn, bar, off, len, &w) != DEVWIN_OK)
		return CAPOS_E_BAD_PARAMS;
	struct devsub *s = sub_new(d, &mmio_ops);
	if (s == NULL)
		return CAPOS_E_NO_RESOURCES;
	uint64_t charge[DEV_R_COUNT] = {[DEV_R_MMIO_BYTES] = w.pages * PAGE_SIZE};
	uint64_t fl = devmgr_lock_take();
	enum capos_status st = issue_locked(s, epoch, DEV_H_MMIO, charge, &t);
	if (st == CAPOS_OK && !umap_map(&s->map, p, w.phys, w.pages, PTE_W | PTE_PCD | PTE_PWT)) {
		dev_handle_abort(&t);
		st = CAPOS_E_NO_RESOURCES;
	}
	if (st == CAPOS_OK)
		commit_locked(s, &t);
	devmgr_lock_drop(fl);
	if (st != CAPOS_OK) {
		kfree(s);
		return st;
	}
	s->bar = (uint8_t)bar;
	s->off = off;
	s->len = len;
	s->addr = s->map.va + w.first;
	return hand_over(s, p, CAPOS_IFACE_DEVICE_MMIO, out);
}

/* The holder's release (its last handle went): vacate the slot, unmap. */
static void mmio_release(struct kobj *o)
{
	struct devsub *s = (struct devsub *)o;
	uint64_t fl = devmgr_lock_take();
	bool mine = false;
	if (!s->gone) {
		s->gone = true;
		if (s->d->sub[s->ref.slot] == s)
			s->d->sub[s->ref.slot] = NULL;
		dev_handle_release(&s->d->rec, &s->ref); /* fails once a teardown began */
	}
	mine = umap_take(&s->map);
	devmgr_lock_drop(fl);
	unmap_or_wait(s, mine);
}

static void sub_destroy(struct kobj *o)
{
	kfree(o);
}

static enum capos_status result_ok(struct kcall *c)
{
	c->result_len = 0;
	return CAPOS_OK;
}

static enum capos_status mmio_decode(struct kobj *o, const struct kcall *c)
{
	(void)o;
	return c->iface == CAPOS_IFACE_DEVICE_MMIO && c->method == CAPOS_DEVICE_MMIO_INFO
		   ? CAPOS_OK
		   : CAPOS_E_INVOKE;
}

static enum capos_status mmio_invoke(struct kobj *o, struct kcall *c)
{
	struct devsub *s = (struct devsub *)o;
	struct capnp_builder b;
	struct capnp_struct r;
	if (!live(s))
		return CAPOS_E_STALE;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    capos_device_mmio_info_results_init_root(&b, &r) != CAPNP_OK ||
	    capos_device_mmio_info_results_set_address(&b, &r, s->addr) != CAPNP_OK ||
	    capos_device_mmio_info_results_set_length(&b, &r, s->len) != CAPNP_OK ||
	    capos_device_mmio_info_results_set_bar(&b, &r, s->bar) != CAPNP_OK ||
	    capos_device_mmio_info_results_set_offset(&b, &r, s->off) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	c->result_len = b.used;
	return CAPOS_OK;
}

static const struct kobj_ops mmio_ops = {.name = "DeviceMmio",
					 .no_xfer = true,
					 .decode = mmio_decode,
					 .invoke = mmio_invoke,
					 .on_zero_handles = mmio_release,
					 .destroy = sub_destroy};

/* ---- Interrupt ---- */

/* In interrupt context: counts into the route's own object, whoever holds
 * it; a late interrupt of an ended claim counts only there. */
static void irq_fired(void *ctx)
{
	struct devsub *s = ctx;
	__atomic_add_fetch(&s->pending, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&s->total, 1, __ATOMIC_RELAXED);
	proc_wake_all(&s->waiters);
	/* Bound once and kept until the route is gone: no handler runs then. */
	struct kobj *ev = __atomic_load_n(&s->event, __ATOMIC_ACQUIRE);
	if (ev != NULL)
		event_signal_kobj(ev);
}

static bool irq_mode_busy_locked(const struct kdev *d, unsigned kind, unsigned index)
{
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++) {
		const struct devsub *o = d->sub[i];
		if (o == NULL || o->ref.kind != DEV_H_IRQ)
			continue;
		if (o->ikind != kind || o->index == index)
			return true; /* MSI and MSI-X never both; one route per source */
	}
	return false;
}

enum capos_status devsub_interrupt(struct kdev *d, uint64_t epoch, struct proc *p, unsigned index,
				   unsigned kind, struct capos_handle *out)
{
	const struct pci_fn *f = d->fn;
	struct dev_txn t;
	if (kind == CAPOS_INTERRUPT_KIND_AUTO)
		kind = (f->flags & PCI_FN_MSIX)	 ? CAPOS_INTERRUPT_KIND_MSIX
		       : (f->flags & PCI_FN_MSI) ? CAPOS_INTERRUPT_KIND_MSI
						 : CAPOS_INTERRUPT_KIND_INTX;
	if ((kind == CAPOS_INTERRUPT_KIND_MSIX &&
	     (!(f->flags & PCI_FN_MSIX) || index >= f->msix.table_size)) ||
	    (kind == CAPOS_INTERRUPT_KIND_MSI && (!(f->flags & PCI_FN_MSI) || index != 0)) ||
	    kind == CAPOS_INTERRUPT_KIND_INTX || kind > CAPOS_INTERRUPT_KIND_INTX)
		return CAPOS_E_NO_DEVICE; /* INTx routes for drivers: not yet */
	struct devsub *s = sub_new(d, &irq_ops);
	if (s == NULL)
		return CAPOS_E_NO_RESOURCES;
	s->ikind = (uint8_t)kind;
	s->index = (uint16_t)index;
	uint64_t charge[DEV_R_COUNT] = {[DEV_R_IRQS] = 1};
	uint64_t fl = devmgr_lock_take();
	enum capos_status st = issue_locked(s, epoch, DEV_H_IRQ, charge, &t);
	if (st == CAPOS_OK && irq_mode_busy_locked(d, kind, index)) {
		dev_handle_abort(&t);
		st = CAPOS_E_NO_DEVICE;
	}
	if (st == CAPOS_OK && kind == CAPOS_INTERRUPT_KIND_MSIX && !d->msix_open) {
		if (msix_open(&d->msix, f) == MSI_OK)
			d->msix_open = true;
		else {
			dev_handle_abort(&t);
			st = CAPOS_E_NO_DEVICE;
		}
	}
	enum irq_status is = IRQ_OK;
	if (st == CAPOS_OK) {
		is = kind == CAPOS_INTERRUPT_KIND_MSIX
			 ? irq_route_msix(&d->msix, index, 0, irq_fired, s, &s->irq)
			 : irq_route_msi(f, 0, irq_fired, s, &s->irq);
		if (is == IRQ_OK && kind == CAPOS_INTERRUPT_KIND_MSIX)
			msix_function_mask(&d->msix, false);
		if (is == IRQ_OK)
			is = irq_enable(s->irq);
		if (is != IRQ_OK) {
			dev_handle_abort(&t);
			st = CAPOS_E_NO_DEVICE;
		} else {
			s->routed = true;
			commit_locked(s, &t);
		}
	}
	devmgr_lock_drop(fl);
	if (st != CAPOS_OK) {
		if (is != IRQ_OK && s->irq.gen != 0)
			irq_release(s->irq);
		kfree(s);
		return st;
	}
	return hand_over(s, p, CAPOS_IFACE_INTERRUPT, out);
}

/* Takes s's route for release (records' lock held). */
static bool route_take_locked(struct devsub *s)
{
	bool r = s->routed;
	s->routed = false;
	return r;
}

/* Releases s's route (taken by the caller under the records' lock, counted
 * in d->inflight); a handler that never left keeps s alive for good. */
static bool route_release(struct devsub *s)
{
	enum irq_status st = irq_release(s->irq); /* masks, waits for the handler, frees */
	if (st == IRQ_ERR_BUSY)
		kobj_get(&s->hdr);
	__atomic_sub_fetch(&s->d->inflight, 1, __ATOMIC_ACQ_REL);
	return st == IRQ_OK;
}

static void irq_release_obj(struct kobj *o)
{
	struct devsub *s = (struct devsub *)o;
	uint64_t fl = devmgr_lock_take();
	if (!s->gone) {
		s->gone = true;
		dev_handle_release(&s->d->rec, &s->ref);
	}
	if (s->d->sub[s->ref.slot] == s)
		s->d->sub[s->ref.slot] = NULL;
	bool mine = route_take_locked(s);
	if (mine)
		__atomic_add_fetch(&s->d->inflight, 1, __ATOMIC_ACQ_REL);
	devmgr_lock_drop(fl);
	if (mine)
		route_release(s);
	proc_wake_all(&s->waiters);
}

static bool irq_ready(void *arg)
{
	struct devsub *s = arg;
	return __atomic_load_n(&s->pending, __ATOMIC_ACQUIRE) != 0 ||
	       __atomic_load_n(&s->gone, __ATOMIC_ACQUIRE);
}

static enum capos_status irq_decode(struct kobj *o, const struct kcall *c)
{
	struct capnp_struct r;
	uint32_t idx;
	(void)o;
	if (c->iface != CAPOS_IFACE_INTERRUPT || c->method > CAPOS_INTERRUPT_BIND_EVENT)
		return CAPOS_E_INVOKE;
	if (c->method != CAPOS_INTERRUPT_BIND_EVENT)
		return c->nxfer == 0 ? CAPOS_OK : CAPOS_E_INVOKE;
	return c->nxfer == 1 && capnp_get_root(c->params, c->params_len, &r) == CAPNP_OK &&
		       capos_interrupt_bind_event_params_get_event(c->params, c->params_len, &r,
								   &idx) == CAPNP_OK &&
		       idx == 0
		   ? CAPOS_OK
		   : CAPOS_E_BAD_PARAMS;
}

/* Interrupt.bindEvent: the Event beside the call, once. */
static enum capos_status irq_bind(struct devsub *s, struct kcall *c)
{
	struct cap_ref ref;
	if (cap_lookup(&c->caller->caps, c->xfer[0], &ref) != CAP_OK || ref.type != KOBJ_SLOT_TAG ||
	    ref.iface != CAPOS_IFACE_EVENT || !kobj_is_event(ref.obj))
		return CAPOS_E_BAD_PARAMS;
	struct kobj *ev = ref.obj;
	kobj_get(ev);
	struct kobj *none = NULL;
	if (!__atomic_compare_exchange_n(&s->event, &none, ev, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		kobj_put(ev);
		return CAPOS_E_INVOKE; /* bound already */
	}
	c->result_len = 0;
	return CAPOS_OK;
}

static enum capos_status irq_invoke(struct kobj *o, struct kcall *c)
{
	struct devsub *s = (struct devsub *)o;
	struct capnp_builder b;
	struct capnp_struct r;
	uint64_t n;
	if (!live(s))
		return CAPOS_E_STALE;
	switch (c->method) {
	case CAPOS_INTERRUPT_WAIT:
		proc_wait_on(&s->waiters, irq_ready, s);
		if (proc_killed_current())
			return CAPOS_E_INVOKE;
		if (!live(s))
			return CAPOS_E_STALE; /* the claim ended while it waited */
		n = __atomic_exchange_n(&s->pending, 0, __ATOMIC_ACQ_REL);
		if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
		    capos_interrupt_wait_results_init_root(&b, &r) != CAPNP_OK ||
		    capos_interrupt_wait_results_set_count(&b, &r, n) != CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
		c->result_len = b.used;
		return CAPOS_OK;
	case CAPOS_INTERRUPT_ACK:
		return result_ok(c); /* edge-triggered messages: nothing to re-arm */
	case CAPOS_INTERRUPT_MASK:
	case CAPOS_INTERRUPT_UNMASK: {
		uint64_t fl = devmgr_lock_take();
		enum irq_status is = IRQ_ERR_STALE;
		if (live_locked(s) && s->routed)
			is = c->method == CAPOS_INTERRUPT_MASK ? irq_mask(s->irq)
							       : irq_enable(s->irq);
		devmgr_lock_drop(fl);
		/* Masking a masked source (or unmasking an enabled one) is no error:
		 * the registry refuses the transition, the state is what was asked. */
		return is == IRQ_OK || is == IRQ_ERR_STATE ? result_ok(c) : CAPOS_E_STALE;
	}
	case CAPOS_INTERRUPT_BIND_EVENT:
		return irq_bind(s, c);
	case CAPOS_INTERRUPT_INFO:
		if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
		    capos_interrupt_info_results_init_root(&b, &r) != CAPNP_OK ||
		    capos_interrupt_info_results_set_kind(&b, &r, s->ikind) != CAPNP_OK ||
		    capos_interrupt_info_results_set_index(&b, &r, s->index) != CAPNP_OK ||
		    capos_interrupt_info_results_set_count(
			&b, &r, __atomic_load_n(&s->total, __ATOMIC_RELAXED)) != CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
		c->result_len = b.used;
		return CAPOS_OK;
	default:
		return CAPOS_E_INVOKE;
	}
}

static void irq_destroy(struct kobj *o)
{
	struct devsub *s = (struct devsub *)o;
	if (s->event != NULL)
		kobj_put(s->event); /* the route is released: no handler runs */
	kfree(o);
}

static const struct kobj_ops irq_ops = {.name = "Interrupt",
					.takes_caps = true,
					.move_only = true,
					.decode = irq_decode,
					.invoke = irq_invoke,
					.on_zero_handles = irq_release_obj,
					.destroy = irq_destroy};

/* ---- DMAPool ---- */

enum capos_status devsub_pool(struct kdev *d, uint64_t epoch, struct proc *p, uint64_t bytes,
			      struct capos_handle *out)
{
	struct dma_pool *pool;
	struct dev_handle_ref ref;
	if (bytes == 0 || bytes > d->limits[DEV_R_POOL_BYTES])
		return bytes == 0 ? CAPOS_E_BAD_PARAMS : CAPOS_E_NO_RESOURCES;
	struct devsub *s = sub_new(d, &pool_ops);
	if (s == NULL)
		return CAPOS_E_NO_RESOURCES;
	uint64_t fl = devmgr_lock_take();
	bool current = d->rec.state == DEV_CLAIMED && d->rec.epoch == epoch;
	devmgr_lock_drop(fl);
	enum dev_status ds = current ? devmgr_pool(d, bytes, &pool, &ref) : DEV_E_STATE;
	if (ds != DEV_OK) {
		kfree(s);
		return ds == DEV_E_BUDGET || ds == DEV_E_FULL ? CAPOS_E_NO_RESOURCES
		       : ds == DEV_E_STATE && current	      ? CAPOS_E_NO_RESOURCES
							      : CAPOS_E_STALE;
	}
	enum capos_status st = CAPOS_OK;
	fl = devmgr_lock_take();
	s->ref = ref;
	if (dev_handle_check(&d->rec, &ref) != DEV_OK) {
		st = CAPOS_E_STALE; /* torn down meanwhile: the teardown has the pool */
	} else {
		/* Live, so still in d->pool[]: its fields are safe to read here. */
		s->pool = pool;
		s->pool_iova = pool->iova;
		s->pool_bytes = pool->pages * PAGE_SIZE;
		s->pool_iommu = pool->attr == DMA_IOMMU;
		devbuf_init(&s->bufs, s->pool_bytes);
		if (!umap_map(&s->map, p, pool->pa, pool->pages, PTE_W))
			st = CAPOS_E_NO_RESOURCES;
		else
			d->sub[ref.slot] = s;
	}
	devmgr_lock_drop(fl);
	if (st == CAPOS_E_NO_RESOURCES) {
		s->map.state = UMAP_NONE;
		s->hdr.ops->on_zero_handles(&s->hdr); /* gives the pool back */
	}
	if (st != CAPOS_OK) {
		kfree(s);
		return st;
	}
	return hand_over(s, p, CAPOS_IFACE_DMAPOOL, out);
}

/* The buffers' ledger slots (records' lock held, claim current). */
static void bufs_release_locked(struct devsub *s)
{
	for (uint32_t i = 0; i < s->bufs.n; i++) {
		uint32_t tag = s->bufs.b[i].tag;
		struct dev_handle_ref h = {s->ref.epoch, (uint16_t)tag, s->d->rec.slot[tag].gen,
					   DEV_H_BUFFER};
		dev_handle_release(&s->d->rec, &h);
	}
	s->bufs.n = 0;
}

static void pool_release(struct kobj *o)
{
	struct devsub *s = (struct devsub *)o;
	struct kdev *d = s->d;
	struct dma_pool *mine_pool = NULL;
	uint64_t fl = devmgr_lock_take();
	if (!s->gone) {
		s->gone = true;
		if (d->sub[s->ref.slot] == s)
			d->sub[s->ref.slot] = NULL;
		/* An IOMMU pool is quiet once unmapped from the domain and
		 * invalidated: it leaves the claim now, its charge with it. An
		 * unconfined one stays with the claim, charged, until the
		 * teardown proves the device quiet. */
		if (s->pool_iommu && dev_handle_check(&d->rec, &s->ref) == DEV_OK) {
			bufs_release_locked(s);
			dev_handle_release(&d->rec, &s->ref);
			for (int i = 0; i < KDEV_MAX_POOLS; i++)
				if (d->pool[i] == s->pool) {
					d->pool[i] = NULL;
					mine_pool = s->pool;
				}
			if (mine_pool != NULL) /* the teardown's DONE waits for it */
				__atomic_add_fetch(&d->inflight, 1, __ATOMIC_ACQ_REL);
		}
	}
	bool mine = umap_take(&s->map);
	devmgr_lock_drop(fl);
	unmap_or_wait(s, mine);
	if (mine_pool == NULL)
		return;
	if (__atomic_load_n(&d->tlb_failed, __ATOMIC_ACQUIRE) ||
	    dma_pool_quarantine(mine_pool) != DMA_OK ||
	    dma_pool_release(mine_pool, false) != DMA_OK)
		kprintf("devmgr: a released pool was not confirmed unreachable: its frames stay "
			"quarantined\n");
	__atomic_sub_fetch(&d->inflight, 1, __ATOMIC_ACQ_REL);
}

static enum capos_status pool_decode(struct kobj *o, const struct kcall *c)
{
	struct capnp_struct r;
	uint64_t v;
	uint32_t u;
	(void)o;
	if (c->iface != CAPOS_IFACE_DMAPOOL)
		return CAPOS_E_INVOKE;
	switch (c->method) {
	case CAPOS_DMAPOOL_ALLOC:
		return capnp_get_root(c->params, c->params_len, &r) == CAPNP_OK &&
			       capos_dmapool_alloc_params_get_bytes(c->params, c->params_len, &r,
								    &v) == CAPNP_OK &&
			       capos_dmapool_alloc_params_get_align(c->params, c->params_len, &r,
								    &v) == CAPNP_OK
			   ? CAPOS_OK
			   : CAPOS_E_BAD_PARAMS;
	case CAPOS_DMAPOOL_FREE:
		return capnp_get_root(c->params, c->params_len, &r) == CAPNP_OK &&
			       capos_dmapool_free_params_get_id(c->params, c->params_len, &r, &u) ==
				   CAPNP_OK
			   ? CAPOS_OK
			   : CAPOS_E_BAD_PARAMS;
	case CAPOS_DMAPOOL_INFO:
		return CAPOS_OK;
	default:
		return CAPOS_E_INVOKE;
	}
}

static enum capos_status pool_alloc(struct devsub *s, struct kcall *c)
{
	struct capnp_struct r, buf;
	struct capnp_builder b;
	struct dev_txn t;
	struct dev_handle_ref h;
	uint64_t bytes = 0, align = 0, off = 0;
	capnp_get_root(c->params, c->params_len, &r);
	capos_dmapool_alloc_params_get_bytes(c->params, c->params_len, &r, &bytes);
	capos_dmapool_alloc_params_get_align(c->params, c->params_len, &r, &align);
	uint64_t zero[DEV_R_COUNT] = {0};
	enum capos_status st = CAPOS_OK;
	uint64_t fl = devmgr_lock_take();
	if (!live_locked(s))
		st = CAPOS_E_STALE;
	else if (dev_handle_reserve(&s->d->rec, DEV_H_BUFFER, zero, &t) != DEV_OK)
		st = CAPOS_E_NO_RESOURCES;
	else if (!devbuf_alloc(&s->bufs, bytes, align, t.slot, &off)) {
		dev_handle_abort(&t);
		st = bytes == 0 || (align & (align - 1)) != 0 ? CAPOS_E_BAD_PARAMS
							      : CAPOS_E_NO_RESOURCES;
	} else
		dev_handle_commit(&t, &h);
	devmgr_lock_drop(fl);
	if (st != CAPOS_OK)
		return st;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    capos_dmapool_alloc_results_init_root(&b, &r) != CAPNP_OK ||
	    capos_dmapool_alloc_results_init_buffer(&b, &r, &buf) != CAPNP_OK ||
	    capos_dma_buffer_set_id(&b, &buf, h.slot) != CAPNP_OK ||
	    capos_dma_buffer_set_generation(&b, &buf, h.gen) != CAPNP_OK ||
	    capos_dma_buffer_set_iova(&b, &buf, s->pool_iova + off) != CAPNP_OK ||
	    capos_dma_buffer_set_address(&b, &buf, s->map.va + off) != CAPNP_OK ||
	    capos_dma_buffer_set_length(&b, &buf, bytes) != CAPNP_OK) {
		/* No room for the reply: a buffer the caller cannot name would be
		 * held until its pool goes. Undo it (unless the pool went
		 * meanwhile, taking it along). */
		fl = devmgr_lock_take();
		if (live_locked(s) && dev_handle_check(&s->d->rec, &h) == DEV_OK) {
			devbuf_free(&s->bufs, h.slot);
			dev_handle_release(&s->d->rec, &h);
		}
		devmgr_lock_drop(fl);
		return CAPOS_E_BAD_RESULT;
	}
	c->result_len = b.used;
	return CAPOS_OK;
}

static enum capos_status pool_free(struct devsub *s, struct kcall *c)
{
	struct capnp_struct r;
	uint32_t id = 0, gen = 0;
	uint64_t off, len;
	capnp_get_root(c->params, c->params_len, &r);
	capos_dmapool_free_params_get_id(c->params, c->params_len, &r, &id);
	capos_dmapool_free_params_get_generation(c->params, c->params_len, &r, &gen);
	struct dev_handle_ref h = {s->ref.epoch, (uint16_t)id, gen, DEV_H_BUFFER};
	enum capos_status st = CAPOS_E_STALE;
	uint64_t fl = devmgr_lock_take();
	/* A buffer of this pool, of this claim, at this generation: else stale. */
	if (live_locked(s) && id < DEV_MAX_HANDLES && dev_handle_check(&s->d->rec, &h) == DEV_OK &&
	    devbuf_find(&s->bufs, id, &off, &len)) {
		devbuf_free(&s->bufs, id);
		dev_handle_release(&s->d->rec, &h);
		st = CAPOS_OK;
	}
	devmgr_lock_drop(fl);
	return st == CAPOS_OK ? result_ok(c) : st;
}

static enum capos_status pool_invoke(struct kobj *o, struct kcall *c)
{
	struct devsub *s = (struct devsub *)o;
	struct capnp_builder b;
	struct capnp_struct r;
	if (c->method == CAPOS_DMAPOOL_ALLOC)
		return pool_alloc(s, c);
	if (c->method == CAPOS_DMAPOOL_FREE)
		return pool_free(s, c);
	uint64_t fl = devmgr_lock_take();
	bool ok = live_locked(s);
	uint64_t used = devbuf_used(&s->bufs);
	devmgr_lock_drop(fl);
	if (!ok)
		return CAPOS_E_STALE;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    capos_dmapool_info_results_init_root(&b, &r) != CAPNP_OK ||
	    capos_dmapool_info_results_set_isolation(
		&b, &r,
		s->pool->attr == DMA_IOMMU ? CAPOS_DMA_ISOLATION_IOMMU
					   : CAPOS_DMA_ISOLATION_UNCONFINED) != CAPNP_OK ||
	    capos_dmapool_info_results_set_bytes(&b, &r, s->pool->pages * PAGE_SIZE) != CAPNP_OK ||
	    capos_dmapool_info_results_set_used(&b, &r, used) != CAPNP_OK ||
	    capos_dmapool_info_results_set_address(&b, &r, s->map.va) != CAPNP_OK ||
	    capos_dmapool_info_results_set_iova(&b, &r, s->pool_iova) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	c->result_len = b.used;
	return CAPOS_OK;
}

static const struct kobj_ops pool_ops = {.name = "DMAPool",
					 .no_xfer = true,
					 .decode = pool_decode,
					 .invoke = pool_invoke,
					 .on_zero_handles = pool_release,
					 .destroy = sub_destroy};

/* ---- teardown ---- */

void devsub_revoke(struct kdev *d)
{
	struct devsub *got[DEV_MAX_HANDLES];
	bool unmap[DEV_MAX_HANDLES];
	unsigned n = 0;
	uint64_t fl = devmgr_lock_take();
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++) {
		struct devsub *s = d->sub[i];
		if (s == NULL || s->gone)
			continue;
		s->gone = true;
		if (s->ref.kind != DEV_H_IRQ)
			d->sub[i] = NULL; /* routes stay for the drain step */
		kobj_get(&s->hdr);
		unmap[n] = umap_take(&s->map);
		got[n++] = s;
	}
	devmgr_lock_drop(fl);
	for (unsigned i = 0; i < n; i++) {
		if (unmap[i])
			unmap_or_wait(got[i], true);
		if (got[i]->ref.kind == DEV_H_IRQ)
			proc_wake_all(&got[i]->waiters);
		kobj_put(&got[i]->hdr);
	}
}

bool devsub_drain(struct kdev *d, bool mask_ok)
{
	struct devsub *got[DEV_MAX_HANDLES];
	unsigned n = 0;
	bool ok = true;
	uint64_t fl = devmgr_lock_take();
	for (unsigned i = 0; i < DEV_MAX_HANDLES; i++) {
		struct devsub *s = d->sub[i];
		if (s == NULL || s->ref.kind != DEV_H_IRQ)
			continue;
		d->sub[i] = NULL;
		if (route_take_locked(s) && mask_ok) {
			kobj_get(&s->hdr);
			__atomic_add_fetch(&d->inflight, 1, __ATOMIC_ACQ_REL);
			got[n++] = s;
		} else if (!mask_ok) {
			/* Not proven masked: it may still fire, so its vector is never
			 * given to anyone else and its handler's context stays. */
			kobj_get(&s->hdr);
		}
	}
	devmgr_lock_drop(fl);
	for (unsigned i = 0; i < n; i++) {
		ok = route_release(got[i]) && ok;
		kobj_put(&got[i]->hdr);
	}
	/* A holder's release may still be masking through the MSI-X table. */
	devmgr_wait_inflight(d);
	if (d->msix_open) {
		msix_close(&d->msix);
		d->msix_open = false;
	}
	return ok && mask_ok;
}
