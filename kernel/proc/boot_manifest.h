/* boot_manifest: the manifest this boot runs, checked before any user code. */
#ifndef CAPOS_PROC_BOOT_MANIFEST_H
#define CAPOS_PROC_BOOT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

/* boot_manifest_check: finds the bundled manifest [name, name+len) (`manifest=`,
 * default "default"), validates it (lib/manifest), checks that every binary it
 * names is in the boot image, and prints a summary. false (reason printed as
 * `manifest: ...`) for anything wrong: the caller stops the boot. */
bool boot_manifest_check(const char *name, size_t len);

#endif
