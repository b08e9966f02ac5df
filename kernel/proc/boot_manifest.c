/* boot_manifest: selection and validation of the boot manifest. */
#include "boot_manifest.h"
#include "bundle.h"
#include "core/console.h"
#include "dev/devslot.h"
#include "dev/pci.h"
#include "lib/manifest/devmatch.h"
#include "lib/manifest/manifest.h"
#include "lib/pci/pci_enum.h"
#include "capos/gen/capos_schema.h"
#include "mm/layout.h"
#include "obj/kobj.h"
#include "obj/endpoint.h"
#include "proc.h"

static struct manifest boot_manifest;
static bool checked;
/* The function each device of the manifest names, resolved by the check. */
static struct devmatch_fn device_fn[CAPOS_MANIFEST_MAX_DEVICES];

const struct manifest *boot_manifest_get(void)
{
	return checked ? &boot_manifest : NULL;
}

/* The kernel object behind an interface init may be granted, or false when this
 * kernel does not provide it yet. */
static bool init_object(uint64_t iface, struct kobj **obj)
{
	switch (iface) {
	case CAPOS_IFACE_CONSOLE:
		*obj = &kobj_console;
		return true;
	case CAPOS_IFACE_TIMER:
		*obj = &kobj_timer;
		return true;
	case CAPOS_IFACE_PROCESS_SPAWNER:
		*obj = &kobj_spawner;
		return true;
	case CAPOS_IFACE_BOOT_MANIFEST:
		*obj = &kobj_bootmanifest;
		return true;
	case CAPOS_IFACE_MEMORY:
		*obj = &kobj_memory;
		return true;
	case CAPOS_IFACE_ENDPOINT:
	case CAPOS_IFACE_DEVICE_SLOT:
		*obj = NULL; /* a new one per grant, made at start */
		return true;
	default:
		return false;
	}
}

/* A DeviceSlot for init's grant of the device named name: the function the check
 * resolved, the manifest's budget (lib/dev/devmgr.h order) and DMA policy. NULL (reason
 * printed) when devslot_new refuses. */
static struct kobj *device_slot_new(const char *name)
{
	struct manifest_device d;
	uint32_t i;
	if (!manifest_device_find(&boot_manifest, name, &i) ||
	    !manifest_device(&boot_manifest, i, &d))
		return NULL; /* the validator made every DeviceSlot grant name a device */
	uint64_t pages = (d.pool_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t limits[DEV_R_COUNT] = {0};
	limits[DEV_R_POOL_BYTES] = pages * PAGE_SIZE;
	limits[DEV_R_POOL_PAGES] = pages;
	limits[DEV_R_MMIO_BYTES] = d.mmio_bytes;
	limits[DEV_R_IRQS] = d.irqs;
	limits[DEV_R_RING_DEPTH] = d.ring_depth;
	limits[DEV_R_INFLIGHT] = d.inflight;
	const struct devmatch_fn *f = &device_fn[i];
	return devslot_new(f->seg, f->bus, f->dev, f->fn, limits, d.unconfined);
}

/* A new object for init's grant g of an interface init_object leaves to the start. */
static struct kobj *fresh_object(const struct manifest_grant *g)
{
	if (g->iface == CAPOS_IFACE_DEVICE_SLOT)
		return device_slot_new(g->name);
	return endpoint_new();
}

/* resolve_devices: each device of the manifest to the PCI function it names (device_fn),
 * from the enumerated table in its order; false (reason printed) when one names none or
 * two name the same. */
static bool resolve_devices(const char *mname)
{
	static struct devmatch_fn fns[PCI_MAX_FUNCS];
	uint32_t idx[CAPOS_MANIFEST_MAX_DEVICES];
	char why[160], desc[40];
	const struct pci_table *t = pci_devices();
	size_t n = 0;
	if (boot_manifest.device_count == 0)
		return true;
	for (size_t i = 0; t != NULL && i < t->count && i < PCI_MAX_FUNCS; i++) {
		const struct pci_fn *f = &t->fn[i];
		fns[n++] = (struct devmatch_fn){
		    .seg = f->seg,
		    .bus = f->bus,
		    .dev = f->dev,
		    .fn = f->fn,
		    .is_bridge = (f->flags & PCI_FN_BRIDGE) != 0,
		    .vendor = f->vendor,
		    .device = f->device,
		    .class24 =
			(uint32_t)f->class_code << 16 | (uint32_t)f->subclass << 8 | f->prog_if,
		};
	}
	if (devmatch_resolve(&boot_manifest, fns, n, idx, CAPOS_MANIFEST_MAX_DEVICES, why,
			     sizeof(why)) != DEVMATCH_OK) {
		kprintf("%s (manifest %s, %zu PCI functions)\n", why, mname, n);
		return false;
	}
	for (uint32_t i = 0; i < boot_manifest.device_count; i++) {
		struct manifest_device d;
		manifest_device(&boot_manifest, i, &d);
		devmatch_describe(&d, desc, sizeof(desc));
		device_fn[i] = fns[idx[i]];
		kprintf("manifest: device '%s' (%s) is %04x:%02x:%02x.%u%s\n", d.name, desc,
			device_fn[i].seg, device_fn[i].bus, device_fn[i].dev, device_fn[i].fn,
			d.unconfined ? ", DMA may be unconfined" : "");
	}
	return true;
}

bool boot_manifest_start_init(void)
{
	struct manifest_service init;
	struct manifest_grant g;
	struct kobj *obj;
	bool have_manifest = false;
	manifest_service(&boot_manifest, 0, &init);
	struct proc *p = proc_create("init", init.binary_name);
	if (p == NULL)
		return false;
	for (uint32_t i = 0; i < init.grant_count; i++) {
		struct capos_handle h;
		manifest_grant(&boot_manifest, 0, i, &g);
		bool ok = init_object(g.iface, &obj);
		bool fresh = ok && obj == NULL;
		if (fresh)
			ok = (obj = fresh_object(&g)) != NULL;
		ok = ok && proc_install(p, obj, g.iface, &h) == CAP_OK;
		if (fresh && obj != NULL)
			kobj_put(obj); /* the slot holds it now (or nobody does) */
		if (!ok || h.slot != i) {
			kprintf("manifest: init grant '%s' (%s) could not be installed\n", g.name,
				g.iface_name);
			proc_abandon(p);
			return false;
		}
		if (g.iface == CAPOS_IFACE_BOOT_MANIFEST && !have_manifest) {
			proc_set_start_handle(p, h);
			have_manifest = true;
		}
	}
	proc_start(p);
	return true;
}

bool boot_manifest_check(const char *name, size_t len)
{
	char why[160];
	const struct bundle_entry *e = bundle_manifest(name, len);
	if (e == NULL) {
		kprintf("manifest: no bundled manifest '%.*s'\n", (int)(len > 40 ? 40 : len), name);
		return false;
	}
	enum manifest_status st =
	    manifest_parse(e->start, (size_t)(e->end - e->start), &boot_manifest, why, sizeof(why));
	if (st != MANIFEST_OK) {
		kprintf("%s (manifest %s, %s)\n", why, e->name, manifest_status_name(st));
		return false;
	}
	unsigned missing = 0;
	for (uint32_t i = 0; i < boot_manifest.binary_count; i++) {
		const char *b = manifest_binary_name(&boot_manifest, i);
		if (bundle_find(b) == NULL) {
			kprintf("manifest: %s: binary '%s' is not in the boot image\n", e->name, b);
			missing++;
		}
	}
	if (missing != 0 || !resolve_devices(e->name))
		return false;
	struct manifest_service init;
	manifest_service(&boot_manifest, 0, &init);
	for (uint32_t i = 0; i < init.grant_count; i++) {
		struct manifest_grant g;
		struct kobj *obj;
		manifest_grant(&boot_manifest, 0, i, &g);
		if (!init_object(g.iface, &obj)) {
			kprintf("manifest: %s: init grant '%s' is a %s, which this kernel does not "
				"provide yet\n",
				e->name, g.name, g.iface_name);
			return false;
		}
	}
	checked = true;
	kprintf("manifest: %s ok: %u binaries, %u services besides init (init: %s with %u "
		"capabilities)\n",
		e->name, boot_manifest.binary_count, boot_manifest.service_count - 1u,
		init.binary_name, init.grant_count);
	return true;
}
