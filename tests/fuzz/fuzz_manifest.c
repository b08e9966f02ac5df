/* fuzz_manifest: arbitrary bytes as a boot manifest blob. The validator must
 * refuse or accept without reading outside the blob, and an accepted manifest's
 * every reader must stay inside it too, the device matcher included. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/manifest/devmatch.h"
#include "lib/manifest/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few functions for the matcher: ids, classes and addresses a fuzzed record may hit. */
static const struct devmatch_fn fns[] = {
    {0, 0, 0, 0, false, 0x8086, 0x29c0, 0x060000}, {0, 0, 3, 0, true, 0x1234, 0x11e8, 0x060400},
    {0, 0, 4, 0, false, 0x1234, 0x11e8, 0x00ff00}, {0, 1, 0, 0, false, 0x1234, 0x11e8, 0x00ff00},
    {1, 0, 2, 7, false, 0x1b36, 0x0010, 0x010802},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the end. */
	uint8_t *blob = malloc(size ? size : 1);
	struct manifest m;
	char why[160];
	if (blob == NULL)
		return 0;
	memcpy(blob, data, size);
	if (manifest_parse(blob, size, &m, why, sizeof(why)) == MANIFEST_OK) {
		for (uint32_t i = 0; i < m.binary_count; i++)
			(void)strlen(manifest_binary_name(&m, i));
		struct manifest_service s;
		for (uint32_t i = 0; manifest_service(&m, i, &s); i++) {
			(void)strlen(s.name);
			(void)strlen(s.binary_name);
			for (uint32_t g = 0; g < s.grant_count; g++) {
				struct manifest_grant gr;
				if (manifest_grant(&m, i, g, &gr))
					(void)strlen(gr.name);
			}
		}
		struct manifest_device d;
		uint32_t idx, out[CAPOS_MANIFEST_MAX_DEVICES];
		for (uint32_t i = 0; manifest_device(&m, i, &d); i++)
			if (!manifest_device_find(&m, d.name, &idx) || idx != i)
				abort(); /* names are unique: the lookup finds this one */
		(void)devmatch_resolve(&m, fns, sizeof(fns) / sizeof(fns[0]), out,
				       CAPOS_MANIFEST_MAX_DEVICES, why, sizeof(why));
	}
	free(blob);
	return 0;
}
