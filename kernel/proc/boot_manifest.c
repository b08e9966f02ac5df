/* boot_manifest: selection and validation of the boot manifest. */
#include "boot_manifest.h"
#include "bundle.h"
#include "core/console.h"
#include "lib/manifest/manifest.h"
#include "capos/gen/capos_schema.h"
#include "obj/kobj.h"
#include "obj/endpoint.h"
#include "proc.h"

static struct manifest boot_manifest;
static bool checked;

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
	case CAPOS_IFACE_ENDPOINT:
		*obj = NULL; /* a new one per grant, made at start */
		return true;
	default:
		return false;
	}
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
			ok = (obj = endpoint_new()) != NULL;
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
	if (missing != 0)
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
