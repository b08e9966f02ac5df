/* devmatch: resolves the device declarations of a validated boot manifest to the PCI
 * functions they name. Pure: the caller lists the candidate functions. */
#ifndef CAPOS_LIB_MANIFEST_DEVMATCH_H
#define CAPOS_LIB_MANIFEST_DEVMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/manifest/manifest.h"

/* One candidate function, as enumeration found it. */
struct devmatch_fn {
	uint16_t seg;
	uint8_t bus, dev, fn;
	bool is_bridge; /* never matches */
	uint16_t vendor, device;
	uint32_t class24; /* class << 16 | subclass << 8 | prog-if */
};

enum devmatch_status {
	DEVMATCH_OK = 0,
	DEVMATCH_E_NONE = -1,	/* a declaration matches no function (or too few for nth) */
	DEVMATCH_E_SHARED = -2, /* two declarations name the same function */
	DEVMATCH_E_ROOM = -3,	/* out has fewer than device_count entries */
};

/* devmatch_matches: whether function f fits d's match (ignoring nth); bridges never. */
bool devmatch_matches(const struct manifest_device *d, const struct devmatch_fn *f);

/* devmatch_describe: d's match as the source writes it, e.g. "1234:11e8 #1",
 * "class:0108 #0", "addr:0000:00:03.0", into buf (len bytes, terminated when len > 0). */
void devmatch_describe(const struct manifest_device *d, char *buf, size_t len);

/* devmatch_resolve: for each device i of the validated manifest m, out[i] becomes the
 * index in fns[0..nfns) (enumeration order) of its nth matching function. out has room
 * for out_len entries. On failure returns the status and writes one line to why
 * (why_len bytes, may be 0), such as
 * "manifest: device 'edu0' (1234:11e8 #1) matches no function"; out is then
 * unspecified. */
enum devmatch_status devmatch_resolve(const struct manifest *m, const struct devmatch_fn *fns,
				      size_t nfns, uint32_t *out, size_t out_len, char *why,
				      size_t why_len);

#endif
