/* fuzz_manifest: arbitrary bytes as a boot manifest blob. The validator must
 * refuse or accept without reading outside the blob, and an accepted manifest's
 * every reader must stay inside it too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/manifest/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	}
	free(blob);
	return 0;
}
