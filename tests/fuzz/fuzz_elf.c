/* fuzz_elf: arbitrary bytes as an executable: elf_check must refuse or accept
 * without reading outside the file, and an accepted image's segments must lie
 * in the file and in user space. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/elf/elf.h"

#define LIMIT 0x0000800000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *file = malloc(size ? size : 1);
	struct elf_image img;
	char err[96];
	if (file == NULL)
		return 0;
	memcpy(file, data, size);
	if (elf_check(file, size, LIMIT, &img, err, sizeof(err)) == ELF_OK) {
		for (size_t i = 0; i < img.nseg; i++) {
			const struct elf_segment *s = &img.seg[i];
			if (s->file_off > size || s->filesz > size - s->file_off ||
			    s->vaddr + s->memsz > LIMIT || (s->write && s->exec))
				abort();
		}
	}
	free(file);
	return 0;
}
