/* boot_manifest: selection and validation of the boot manifest. */
#include "boot_manifest.h"
#include "bundle.h"
#include "core/console.h"
#include "lib/manifest/manifest.h"

static struct manifest boot_manifest;

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
	kprintf("manifest: %s ok: %u binaries, %u services besides init (init: %s with %u "
		"capabilities)\n",
		e->name, boot_manifest.binary_count, boot_manifest.service_count - 1u,
		init.binary_name, init.grant_count);
	return true;
}
