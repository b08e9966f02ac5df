/* bundle: the user binaries linked into the kernel image (build/gen/bundle.S). */
#ifndef CAPOS_PROC_BUNDLE_H
#define CAPOS_PROC_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

struct bundle_entry {
	const char *name;
	const uint8_t *start;
	const uint8_t *end;
};

/* bundle_find: the binary called name, or NULL. */
const struct bundle_entry *bundle_find(const char *name);

/* bundle_manifest: the compiled boot manifest called [name, name+len), or NULL. */
const struct bundle_entry *bundle_manifest(const char *name, size_t len);

#endif
