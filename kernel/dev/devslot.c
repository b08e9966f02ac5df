/* devslot: DeviceSlot and Device (schema/capos.capnp; docs/device-authority.md).
 *
 * A kdev's owner field names the Device of its current claim. Whoever sets it
 * (DeviceSlot.claim, under the records' lock, before the claim is made) holds
 * the device; DeviceSlot.revoke clears it and tears the claim down; a Device
 * whose epoch is not its record's current one is stale in every method. */
#include "devslot.h"
#include "devctl.h"
#include "devmgr_k.h"
#include "devsub.h"
#include "pci.h"
#include "arch/x86_64/clock.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "core/console.h"
#include "iommu/vtd.h"
#include "lib/fmt.h"
#include "lib/str.h"
#include "mm/heap.h"
#include "obj/kobj.h"
#include "proc/proc.h"

/* QEMU's edu device masks DMA addresses to 28 bits unless told otherwise
 * (hw/misc/edu.c's default dma_mask): its domain's IOVAs stay below. Every
 * other device gets 32-bit IOVAs, which any DMA engine reaches. */
#define DMA_LIMIT_DEFAULT (1ull << 32)
#define DMA_LIMIT_EDU	  (1ull << 28)

struct slotobj {
	struct kobj hdr;
	struct kdev *d;
};

struct devobj {
	struct kobj hdr;
	struct kdev *d;
	uint64_t epoch; /* records' lock */
};

static const struct kobj_ops slot_ops, dev_ops;

static uint64_t dma_limit_of(const struct kdev *d)
{
	return d->fn->vendor == 0x1234 && d->fn->device == 0x11e8 ? DMA_LIMIT_EDU
								  : DMA_LIMIT_DEFAULT;
}

/* Whether o is the current claim's Device (records' lock held). */
static bool current_locked(const struct devobj *o)
{
	const struct kdev *d = o->d;
	return d->owner == o && d->rec.state == DEV_CLAIMED && d->rec.epoch == o->epoch;
}

static bool current(struct devobj *o, uint64_t *epoch)
{
	uint64_t fl = devmgr_lock_take();
	bool ok = current_locked(o);
	*epoch = o->epoch;
	devmgr_lock_drop(fl);
	return ok;
}

static void teardown(struct kdev *d, enum dev_trigger why, uint64_t epoch)
{
	devsub_audit(d, "teardown", epoch, dev_trigger_name(why));
	enum dev_status st = devmgr_teardown(d, why, epoch);
	if (st != DEV_OK && st != DEV_E_TEARDOWN && st != DEV_E_EPOCH)
		kprintf("devmgr: teardown refused: %s\n", dev_status_name(st));
}

/* Makes a claim for o (already d's owner): false when it cannot. When a
 * revoke cleared the owner meanwhile, the fresh claim is torn down again. */
static bool claim_for(struct devobj *o)
{
	struct kdev *d = o->d;
	uint64_t epoch;
	enum dev_status st =
	    devmgr_claim(d, d->limits, dma_limit_of(d),
			 d->allow_unconfined ? KDEV_ALLOW_UNCONFINED : KDEV_REQUIRE_IOMMU, &epoch);
	uint64_t fl = devmgr_lock_take();
	bool still = d->owner == o;
	if (st == DEV_OK)
		o->epoch = epoch;
	else if (still)
		d->owner = NULL;
	devmgr_lock_drop(fl);
	if (st == DEV_OK && !still)
		teardown(d, DEV_T_REVOKE, epoch);
	return st == DEV_OK && still;
}

/* ---- DeviceSlot ---- */

struct kobj *devslot_new(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			 const uint64_t limits[DEV_R_COUNT], bool allow_unconfined)
{
	struct kdev *d = devmgr_find(seg, bus, dev, fn);
	if (d == NULL || d->has_slot) {
		kprintf("devmgr: %02x:%02x.%u: %s\n", bus, dev, fn,
			d == NULL ? "no such device" : "granted twice");
		return NULL;
	}
	struct slotobj *s = kmalloc(sizeof(*s));
	if (s == NULL)
		return NULL;
	kobj_init(&s->hdr, &slot_ops);
	s->d = d;
	d->has_slot = true;
	memcpy(d->limits, limits, sizeof(d->limits));
	d->allow_unconfined = allow_unconfined;
	return &s->hdr;
}

static enum capos_status slot_decode(struct kobj *o, const struct kcall *c)
{
	(void)o;
	return c->iface == CAPOS_IFACE_DEVICE_SLOT && c->method <= CAPOS_DEVICE_SLOT_REVOKE
		   ? CAPOS_OK
		   : CAPOS_E_INVOKE;
}

static enum capos_status slot_claim(struct kdev *d, struct kcall *c)
{
	struct devobj *o = kmalloc(sizeof(*o));
	if (o == NULL)
		return CAPOS_E_NO_RESOURCES;
	kobj_init(&o->hdr, &dev_ops);
	o->d = d;
	o->epoch = 0;
	/* A device without a reset is held out of service a while after its
	 * teardown (KDEV_NORESET_HOLD_NS): the claim waits for that. */
	uint64_t hold = __atomic_load_n(&d->hold_until, __ATOMIC_ACQUIRE);
	if (clock_ns() < hold)
		proc_sleep_until(hold);
	uint64_t fl = devmgr_lock_take();
	bool free =
	    d->owner == NULL && d->rec.state == DEV_UNCLAIMED && clock_ns() >= d->hold_until;
	if (free)
		d->owner = o;
	devmgr_lock_drop(fl);
	if (!free || !claim_for(o)) {
		kfree(o);
		return CAPOS_E_NO_DEVICE;
	}
	if (proc_install(c->caller, &o->hdr, CAPOS_IFACE_DEVICE, &c->ret) != CAP_OK) {
		kobj_put(&o->hdr); /* no handle: destroy tears the claim down */
		return CAPOS_E_NO_RESOURCES;
	}
	kobj_put(&o->hdr); /* the slot holds it */
	c->has_ret = true;
	char det[32];
	fmt_snprintf(det, sizeof(det), "handle=device:%u.%u", c->ret.slot, c->ret.gen);
	devsub_audit(d, "claim", o->epoch, det);
	struct capnp_builder b;
	struct capnp_struct r;
	if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
	    capos_device_slot_claim_results_init_root(&b, &r) == CAPNP_OK &&
	    capos_device_slot_claim_results_set_device(&b, &r, 0) == CAPNP_OK)
		c->result_len = b.used;
	return CAPOS_OK;
}

static enum capos_status slot_invoke(struct kobj *obj, struct kcall *c)
{
	struct kdev *d = ((struct slotobj *)obj)->d;
	if (c->method == CAPOS_DEVICE_SLOT_CLAIM)
		return slot_claim(d, c);
	uint64_t fl = devmgr_lock_take();
	struct devobj *o = d->owner;
	uint64_t epoch = o != NULL ? o->epoch : 0;
	d->owner = NULL; /* from now on no Device of this claim is current */
	devmgr_lock_drop(fl);
	if (o == NULL)
		return CAPOS_E_NO_DEVICE; /* nothing claimed */
	devsub_audit(d, "revoke", epoch, NULL);
	teardown(d, DEV_T_REVOKE, epoch);
	/* Another CPU's teardown (a release, an exit) may still be running:
	 * revoke returns once the claim is really over (bounded: 5 s). */
	for (int i = 0; i < 5000; i++) {
		fl = devmgr_lock_take();
		bool over = d->rec.state != DEV_REVOKING && d->rec.state != DEV_QUARANTINED;
		devmgr_lock_drop(fl);
		if (over || proc_killed_current())
			break;
		proc_sleep_current(1000000);
	}
	c->result_len = 0;
	return CAPOS_OK;
}

/* The last reference went (init released it, or ended): a claim in progress
 * goes on under its Device; the device may be granted a slot again. */
static void slot_destroy(struct kobj *obj)
{
	struct slotobj *s = (struct slotobj *)obj;
	uint64_t fl = devmgr_lock_take();
	s->d->has_slot = false;
	devmgr_lock_drop(fl);
	kfree(s);
}

static const struct kobj_ops slot_ops = {.name = "DeviceSlot",
					 .move_only = true,
					 .decode = slot_decode,
					 .invoke = slot_invoke,
					 .destroy = slot_destroy};

/* ---- Device ---- */

/* The last handle went (released, or its holder ended): the claim ends. */
static void dev_zero_handles(struct kobj *obj)
{
	struct devobj *o = (struct devobj *)obj;
	struct kdev *d = o->d;
	uint64_t fl = devmgr_lock_take();
	bool cur = current_locked(o);
	if (cur)
		d->owner = NULL;
	devmgr_lock_drop(fl);
	if (cur)
		/* In a process's own call: it released it; else its reaper. */
		teardown(d, proc_current() != NULL ? DEV_T_RELEASE : DEV_T_EXIT, o->epoch);
}

static void dev_destroy(struct kobj *obj)
{
	struct devobj *o = (struct devobj *)obj;
	if (o->hdr.handles == 0) /* never handed out (a failed install) */
		dev_zero_handles(obj);
	kfree(obj);
}

static enum capos_status dev_decode(struct kobj *o, const struct kcall *c)
{
	struct capnp_struct r;
	uint64_t v;
	uint16_t h;
	uint8_t u;
	bool on;
	(void)o;
	if (c->iface != CAPOS_IFACE_DEVICE)
		return CAPOS_E_INVOKE;
	bool root = capnp_get_root(c->params, c->params_len, &r) == CAPNP_OK;
	switch (c->method) {
	case CAPOS_DEVICE_INFO:
	case CAPOS_DEVICE_RESET:
		return CAPOS_OK;
	case CAPOS_DEVICE_CONFIG_READ:
		return root &&
			       capos_device_config_read_params_get_offset(c->params, c->params_len,
									  &r, &h) == CAPNP_OK &&
			       capos_device_config_read_params_get_width(c->params, c->params_len,
									 &r, &u) == CAPNP_OK &&
			       (u == 1 || u == 2 || u == 4) && h < 256 && (h & (u - 1)) == 0
			   ? CAPOS_OK
			   : CAPOS_E_BAD_PARAMS;
	case CAPOS_DEVICE_MMIO:
		return root && capos_device_mmio_params_get_offset(c->params, c->params_len, &r,
								   &v) == CAPNP_OK
			   ? CAPOS_OK
			   : CAPOS_E_BAD_PARAMS;
	case CAPOS_DEVICE_INTERRUPT:
		return root && capos_device_interrupt_params_get_index(c->params, c->params_len, &r,
								       &h) == CAPNP_OK
			   ? CAPOS_OK
			   : CAPOS_E_BAD_PARAMS;
	case CAPOS_DEVICE_DMA_POOL:
		return root && capos_device_dma_pool_params_get_bytes(c->params, c->params_len, &r,
								      &v) == CAPNP_OK
			   ? CAPOS_OK
			   : CAPOS_E_BAD_PARAMS;
	case CAPOS_DEVICE_SET_BUS_MASTER:
		return root && capos_device_set_bus_master_params_get_on(c->params, c->params_len,
									 &r, &on) == CAPNP_OK
			   ? CAPOS_OK
			   : CAPOS_E_BAD_PARAMS;
	default:
		return CAPOS_E_INVOKE;
	}
}

static uint8_t bar_kind(const struct pci_bar *b)
{
	if (b == NULL)
		return CAPOS_BAR_KIND_NONE;
	switch (b->kind) {
	case PCI_BAR_MEM32:
		return CAPOS_BAR_KIND_MEM32;
	case PCI_BAR_MEM64:
		return CAPOS_BAR_KIND_MEM64;
	case PCI_BAR_IO:
		return CAPOS_BAR_KIND_IO;
	default:
		return CAPOS_BAR_KIND_NONE;
	}
}

static enum capos_status dev_info(struct devobj *o, uint64_t epoch, struct kcall *c)
{
	const struct pci_fn *f = o->d->fn;
	struct capnp_builder b;
	struct capnp_struct r, info, e;
	struct capnp_list bars;
	int ok = capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
		 capos_device_info_results_init_root(&b, &r) == CAPNP_OK &&
		 capos_device_info_results_init_info(&b, &r, &info) == CAPNP_OK &&
		 capos_device_info_init_bars(&b, &info, PCI_TYPE0_NBARS, &bars) == CAPNP_OK;
	for (unsigned i = 0; ok && i < PCI_TYPE0_NBARS; i++) {
		const struct pci_bar *pb = pci_fn_bar_by_index(f, i);
		ok = capnp_list_struct(b.cap, &bars, i, &e) == CAPNP_OK &&
		     capos_bar_info_set_kind(&b, &e, bar_kind(pb)) == CAPNP_OK &&
		     capos_bar_info_set_size(&b, &e, pb ? pb->size : 0) == CAPNP_OK &&
		     capos_bar_info_set_prefetchable(&b, &e, pb ? pb->prefetch : false) == CAPNP_OK;
	}
	ok = ok && capos_device_info_set_vendor(&b, &info, f->vendor) == CAPNP_OK &&
	     capos_device_info_set_device(&b, &info, f->device) == CAPNP_OK &&
	     capos_device_info_set_class_code(&b, &info, o->d->rec.id.class) == CAPNP_OK &&
	     capos_device_info_set_segment(&b, &info, f->seg) == CAPNP_OK &&
	     capos_device_info_set_bus(&b, &info, f->bus) == CAPNP_OK &&
	     capos_device_info_set_dev(&b, &info, f->dev) == CAPNP_OK &&
	     capos_device_info_set_function(&b, &info, f->fn) == CAPNP_OK &&
	     capos_device_info_set_msi_count(
		 &b, &info, (f->flags & PCI_FN_MSI) ? f->msi.vectors : 0) == CAPNP_OK &&
	     capos_device_info_set_msix_count(
		 &b, &info, (f->flags & PCI_FN_MSIX) ? f->msix.table_size : 0) == CAPNP_OK &&
	     capos_device_info_set_intx_pin(&b, &info, f->irq_pin) == CAPNP_OK &&
	     capos_device_info_set_isolation(&b, &info,
					     o->d->dom != NULL
						 ? CAPOS_DMA_ISOLATION_IOMMU
						 : CAPOS_DMA_ISOLATION_UNCONFINED) == CAPNP_OK &&
	     capos_device_info_set_epoch(&b, &info, epoch) == CAPNP_OK;
	if (!ok)
		return CAPOS_E_BAD_RESULT;
	c->result_len = b.used;
	return CAPOS_OK;
}

static enum capos_status dev_config_read(struct devobj *o, struct kcall *c)
{
	struct capnp_struct r;
	struct capnp_builder b;
	uint16_t off = 0;
	uint8_t width = 0;
	capnp_get_root(c->params, c->params_len, &r);
	capos_device_config_read_params_get_offset(c->params, c->params_len, &r, &off);
	capos_device_config_read_params_get_width(c->params, c->params_len, &r, &width);
	uint32_t v = pci_cfg_read32(o->d->fn, (uint16_t)(off & ~3u)) >> (8 * (off & 3u));
	v &= width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    capos_device_config_read_results_init_root(&b, &r) != CAPNP_OK ||
	    capos_device_config_read_results_set_value(&b, &r, v) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	c->result_len = b.used;
	return CAPOS_OK;
}

/* Device.reset: the ordered teardown, then a new claim for the same Device. */
static enum capos_status dev_reset(struct devobj *o, uint64_t epoch, struct kcall *c)
{
	struct kdev *d = o->d;
	devsub_audit(d, "reset", epoch, NULL);
	teardown(d, DEV_T_RESET, epoch);
	if (!claim_for(o))
		return CAPOS_E_NO_DEVICE; /* retired, or revoked meanwhile */
	devsub_audit(d, "claim", o->epoch, "after reset");
	struct capnp_builder b;
	struct capnp_struct r;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    capos_device_reset_results_init_root(&b, &r) != CAPNP_OK ||
	    capos_device_reset_results_set_epoch(&b, &r, o->epoch) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	c->result_len = b.used;
	return CAPOS_OK;
}

/* The result of a method returning one capability: its pointer names the
 * capability beside the reply (index 0), the handle c->ret. */
static enum capos_status cap_result(struct kcall *c, enum capos_status st,
				    int (*init)(struct capnp_builder *, struct capnp_struct *),
				    int (*set)(struct capnp_builder *, const struct capnp_struct *,
					       uint32_t))
{
	struct capnp_builder b;
	struct capnp_struct r;
	c->result_len = 0;
	if (st != CAPOS_OK)
		return st;
	c->has_ret = true;
	if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
	    init(&b, &r) == CAPNP_OK && set(&b, &r, 0) == CAPNP_OK)
		c->result_len = b.used;
	return CAPOS_OK;
}

static enum capos_status dev_invoke(struct kobj *obj, struct kcall *c)
{
	struct devobj *o = (struct devobj *)obj;
	struct kdev *d = o->d;
	struct capnp_struct r;
	uint64_t epoch, off = 0, len = 0, bytes = 0;
	uint16_t index = 0, kind = 0;
	uint8_t bar = 0;
	bool on = false;
	enum capos_status st;
	if (!current(o, &epoch))
		return CAPOS_E_STALE;
	capnp_get_root(c->params, c->params_len, &r);
	switch (c->method) {
	case CAPOS_DEVICE_INFO:
		return dev_info(o, epoch, c);
	case CAPOS_DEVICE_CONFIG_READ:
		return dev_config_read(o, c);
	case CAPOS_DEVICE_MMIO:
		capos_device_mmio_params_get_bar(c->params, c->params_len, &r, &bar);
		capos_device_mmio_params_get_offset(c->params, c->params_len, &r, &off);
		capos_device_mmio_params_get_length(c->params, c->params_len, &r, &len);
		st = devsub_mmio(d, epoch, c->caller, bar, off, len, &c->ret);
		return cap_result(c, st, capos_device_mmio_results_init_root,
				  capos_device_mmio_results_set_window);
	case CAPOS_DEVICE_INTERRUPT:
		capos_device_interrupt_params_get_index(c->params, c->params_len, &r, &index);
		capos_device_interrupt_params_get_kind(c->params, c->params_len, &r, &kind);
		st = devsub_interrupt(d, epoch, c->caller, index, kind, &c->ret);
		return cap_result(c, st, capos_device_interrupt_results_init_root,
				  capos_device_interrupt_results_set_irq);
	case CAPOS_DEVICE_DMA_POOL:
		capos_device_dma_pool_params_get_bytes(c->params, c->params_len, &r, &bytes);
		st = devsub_pool(d, epoch, c->caller, bytes, &c->ret);
		return cap_result(c, st, capos_device_dma_pool_results_init_root,
				  capos_device_dma_pool_results_set_pool);
	case CAPOS_DEVICE_SET_BUS_MASTER: {
		capos_device_set_bus_master_params_get_on(c->params, c->params_len, &r, &on);
		/* Under the records' lock, so the write is either before a
		 * teardown begins (whose first step turns it off again) or
		 * refused. */
		uint64_t fl = devmgr_lock_take();
		st = current_locked(o) ? CAPOS_OK : CAPOS_E_STALE;
		if (st == CAPOS_OK && on)
			devctl_busmaster_on(d->fn);
		else if (st == CAPOS_OK && !devctl_busmaster_off(d->fn))
			st = CAPOS_E_NO_DEVICE;
		devmgr_lock_drop(fl);
		c->result_len = 0;
		return st;
	}
	case CAPOS_DEVICE_RESET:
		return dev_reset(o, epoch, c);
	default:
		return CAPOS_E_INVOKE;
	}
}

static const struct kobj_ops dev_ops = {.name = "Device",
					.move_only = true,
					.decode = dev_decode,
					.invoke = dev_invoke,
					.on_zero_handles = dev_zero_handles,
					.destroy = dev_destroy};
