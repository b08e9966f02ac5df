/* boot_manifest: the manifest this boot runs, checked before any user code. */
#ifndef CAPOS_PROC_BOOT_MANIFEST_H
#define CAPOS_PROC_BOOT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

/* boot_manifest_check: finds the bundled manifest [name, name+len) (`manifest=`,
 * default "default"), validates it (lib/manifest), checks that every binary it
 * names is in the boot image, resolves each of its devices to the PCI function it
 * names (lib/manifest/devmatch), and prints a summary. false (reason printed as
 * `manifest: ...`) for anything wrong: the caller stops the boot. */
bool boot_manifest_check(const char *name, size_t len);

struct manifest;

/* boot_manifest_get: the checked manifest, or NULL before a successful check. */
const struct manifest *boot_manifest_get(void);

/* boot_manifest_start_init: creates init with exactly the capabilities the
 * manifest grants it (in manifest order: slot i is grant i) and starts it, its
 * first BootManifest grant named by its second start argument.
 * false (reason printed) when that fails; nothing is left half-created. */
bool boot_manifest_start_init(void);

#endif
