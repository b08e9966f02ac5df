/* fuzz_acpi: libFuzzer target for lib/acpi. The input becomes a fake physical memory
 * holding an RSDP, an XSDT or RSDT and tables, and goes through acpi_parse, acpi_print,
 * the AML lookups, and every table decoder directly.
 *
 * Input byte 0 selects the mode:
 *   bit 0 clear: raw. The rest of the input is memory from FAKE_BASE on, RSDP first.
 *   bit 0 set: structured. The rest is a list of chunks [sel][len lo][len hi][bytes]; the
 *     harness lays them out as tables behind a valid RSDP and root table, so that the
 *     fuzzer reaches the decoders without having to find checksums:
 *       bit 1: fix each chunk's length field and checksum;
 *       bit 2: use an RSDT (revision 0 RSDP) instead of an XSDT;
 *       bit 3: point the FADT's DSDT/FACS fields at the DSDT/FACS chunks.
 *     sel's low 4 bits pick a signature to write over the chunk's first 4 bytes.
 *
 * The map hook hands out a heap copy of exactly the requested range and frees it on the
 * next call, so ASan sees any read past a mapped range or through a stale pointer.
 *
 * Build: clang -std=gnu11 -DCAPOS_HOST -I. -Iinclude -g -O1
 *   -fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_acpi.c lib/acpi/[*].c lib/fmt.c
 *   tests/host/hooks_host.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi.h"
#include "lib/acpi/acpi.h"

#define FAKE_BASE  0x1000u
#define IMG_SIZE   (256u * 1024u)
#define MAX_CHUNKS 24
#define CHUNK_BASE 512u /* after the RSDP (0) and the root table (64) */

static uint8_t img[IMG_SIZE];
static size_t img_len;
static void *last_map;
static struct acpi_info info;

static const void *fuzz_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	free(last_map);
	last_map = NULL;
	if (phys < FAKE_BASE || phys - FAKE_BASE > img_len || len > img_len - (phys - FAKE_BASE))
		return NULL;
	last_map = malloc(len);
	if (last_map != NULL)
		memcpy(last_map, img + (phys - FAKE_BASE), len);
	return last_map;
}

static void emit_nothing(void *ctx, const char *line)
{
	size_t *n = ctx;
	*n += strlen(line);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	uint8_t s = 0;
	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	p[at] = (uint8_t)-s;
}

/* Runs every decoder directly on len bytes at p (a fresh exact-size copy). */
static void decode_all(const uint8_t *p, size_t len)
{
	static struct acpi_madt_info madt;
	static struct acpi_mcfg_info mcfg;
	static struct acpi_dmar_info dmar;
	struct acpi_fadt_info fadt;
	struct acpi_hpet_info hpet;
	uint8_t *copy = malloc(len + 1);

	if (copy == NULL)
		return;
	memcpy(copy, p, len);
	acpi_madt_parse(copy, len, &madt);
	acpi_mcfg_parse(copy, len, &mcfg);
	acpi_dmar_parse(copy, len, &dmar);
	acpi_fadt_parse(copy, len, &fadt);
	acpi_hpet_parse(copy, len, &hpet);
	free(copy);
}

/* Parses the image and uses every result. */
static void run(const struct acpi_mem *mem, uint64_t rsdp)
{
	struct acpi_aml aml;
	size_t n = 0;
	uint64_t at;

	acpi_parse(&info, mem, rsdp);
	acpi_print(&info, emit_nothing, &n);
	if (acpi_dsdt(&info.tables, &aml) == ACPI_OK && aml.len > 0)
		n += aml.body[aml.len - 1];
	for (size_t i = 0; acpi_ssdt(&info.tables, i, &aml) == ACPI_OK; i++)
		if (aml.len > 0)
			n += aml.body[0];
	for (size_t i = 0; i < info.tables.count; i++) {
		const uint8_t *p = acpi_table_map(&info.tables, &info.tables.table[i]);
		if (p != NULL)
			n += p[info.tables.table[i].len - 1];
	}
	acpi_rsdp_scan(mem, FAKE_BASE, img_len, &at);
	(void)n;
}

static const char *const sigs[16] = {
    "APIC", "MCFG", "FACP", "HPET", "DMAR", "SSDT", "DSDT", "FACS",
    "XSDT", "RSDT", "WAET", NULL,   NULL,   NULL,   NULL,   NULL,
};

/* Lays out the chunks and a valid RSDP/root table in front of them; returns false when
 * the input has no chunk. */
static bool build_structured(uint8_t flags, const uint8_t *data, size_t size)
{
	uint64_t entry[MAX_CHUNKS], dsdt = 0, facs = 0;
	size_t fadt_off = 0, fadt_len = 0, n = 0, off = CHUNK_BASE;
	bool rsdt = flags & 4;

	memset(img, 0, CHUNK_BASE);
	while (size >= 3 && n < MAX_CHUNKS) {
		uint8_t sel = data[0];
		size_t len = (size_t)data[1] | (size_t)data[2] << 8;
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (off + len > IMG_SIZE)
			break;
		uint8_t *t = img + off;
		memcpy(t, data, len);
		data += len;
		size -= len;
		const char *sig = sigs[sel & 15];
		if (sig != NULL && len >= 4)
			memcpy(t, sig, 4);
		bool is_facs = len >= 4 && memcmp(t, "FACS", 4) == 0;
		if ((flags & 2) && len >= 8)
			put32(t + 4, (uint32_t)len);
		if ((flags & 2) && len >= 10 && !is_facs)
			fix_sum(t, len, 9);
		uint64_t phys = FAKE_BASE + off;
		if (len >= 4 && memcmp(t, "DSDT", 4) == 0 && dsdt == 0)
			dsdt = phys;
		else if (is_facs && facs == 0)
			facs = phys;
		else
			entry[n++] = phys;
		if (len >= 4 && memcmp(t, "FACP", 4) == 0 && fadt_len == 0) {
			fadt_off = off;
			fadt_len = len;
		}
		off = (off + len + 15) & ~(size_t)15;
	}
	if (n == 0)
		return false;
	img_len = off;

	if ((flags & 8) && fadt_len >= 44) {
		uint8_t *f = img + fadt_off;
		put32(f + 36, (uint32_t)facs);
		put32(f + 40, (uint32_t)dsdt);
		if (fadt_len >= 148)
			put64(f + 140, dsdt);
		if (flags & 2)
			fix_sum(f, fadt_len, 9);
	}

	/* Root table at 64: header plus the entries. */
	uint8_t *root = img + 64;
	size_t esz = rsdt ? 4 : 8;
	size_t rlen = 36 + n * esz;
	memcpy(root, rsdt ? "RSDT" : "XSDT", 4);
	put32(root + 4, (uint32_t)rlen);
	root[8] = 1;
	for (size_t i = 0; i < n; i++)
		memcpy(root + 36 + i * esz, &entry[i], esz);
	fix_sum(root, rlen, 9);

	memcpy(img, "RSD PTR ", 8);
	img[15] = rsdt ? 0 : 2;
	put32(img + 16, rsdt ? FAKE_BASE + 64 : 0);
	put32(img + 20, 36);
	put64(img + 24, rsdt ? 0 : FAKE_BASE + 64);
	fix_sum(img, 20, 8);
	fix_sum(img, 36, 32);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acpi_mem mem = {.map = fuzz_map, .ctx = NULL};

	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	data++;
	size--;
	if (flags & 1) {
		_Static_assert(CHUNK_BASE >= 64 + 36 + MAX_CHUNKS * 8, "root table fits");
		if (!build_structured(flags, data, size))
			return 0;
	} else {
		img_len = size < IMG_SIZE ? size : IMG_SIZE;
		memcpy(img, data, img_len);
		decode_all(img, img_len);
	}
	run(&mem, FAKE_BASE);
	for (size_t i = 0; i < info.tables.count; i++) {
		const uint8_t *p = acpi_table_map(&info.tables, &info.tables.table[i]);
		if (p != NULL)
			decode_all(p, info.tables.table[i].len);
	}
	free(last_map);
	last_map = NULL;
	return 0;
}
