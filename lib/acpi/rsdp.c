/* rsdp: finding and validating the Root System Description Pointer (ACPI 6.5 §5.2.5). */
#include "lib/acpi/internal.h"
#include "lib/str.h"

/* Revision 2 defines a 36-byte RSDP; a larger `length` is accepted for later revisions,
 * but not an absurd one. */
#define RSDP_MAX_LEN 4096

static bool rsdp_v1_valid(const uint8_t *p)
{
	return memcmp(p, ACPI_RSDP_SIGNATURE, 8) == 0 && acpi_sum8(p, ACPI_RSDP_V1_LEN) == 0;
}

enum acpi_status acpi_rsdp_check(const struct acpi_mem *mem, uint64_t phys,
				 struct acpi_rsdp_info *out)
{
	struct acpi_rsdp r;
	const uint8_t *p;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	p = acpi_map_range(mem, phys, ACPI_RSDP_V1_LEN);
	if (p == NULL)
		return ACPI_ERR_UNMAPPED;
	memcpy(&r, p, ACPI_RSDP_V1_LEN);
	if (memcmp(r.signature, ACPI_RSDP_SIGNATURE, 8) != 0)
		return ACPI_ERR_NOT_FOUND;
	/* §5.2.5.3: the checksum covers the first 20 bytes (the ACPI 1.0 structure). */
	if (acpi_sum8(p, ACPI_RSDP_V1_LEN) != 0) {
		acpi_report("RSDP", "bad checksum");
		return ACPI_ERR_CORRUPT;
	}
	out->revision = r.revision;
	memcpy(out->oem_id, r.oem_id, sizeof(out->oem_id));
	out->rsdt = r.rsdt_address;
	if (r.revision < 2)
		return ACPI_OK;

	/* Revision 2+: the extended checksum covers `length` bytes. When the extension is
	 * broken the ACPI 1.0 part above is still valid, so fall back to the RSDT. */
	p = acpi_map_range(mem, phys, ACPI_RSDP_V2_LEN);
	if (p == NULL) {
		acpi_report("RSDP", "extension unmapped");
		return ACPI_OK;
	}
	memcpy((uint8_t *)&r + ACPI_RSDP_V1_LEN, p + ACPI_RSDP_V1_LEN,
	       ACPI_RSDP_V2_LEN - ACPI_RSDP_V1_LEN);
	if (r.length < ACPI_RSDP_V2_LEN || r.length > RSDP_MAX_LEN) {
		acpi_report("RSDP", "bad extended length");
		return ACPI_OK;
	}
	p = acpi_map_range(mem, phys, r.length);
	if (p == NULL) {
		acpi_report("RSDP", "extension unmapped");
		return ACPI_OK;
	}
	if (acpi_sum8(p, r.length) != 0) {
		acpi_report("RSDP", "bad extended checksum");
		return ACPI_OK;
	}
	out->xsdt = r.xsdt_address;
	return ACPI_OK;
}

enum acpi_status acpi_rsdp_scan(const struct acpi_mem *mem, uint64_t start, size_t len,
				uint64_t *out_phys)
{
	/* §5.2.5.1: the RSDP sits on a 16-byte boundary. */
	uint64_t first = (start + 15) & ~(uint64_t)15;

	if (first < start)
		return ACPI_ERR_NOT_FOUND;
	for (uint64_t off = first - start; off + ACPI_RSDP_V1_LEN <= len; off += 16) {
		const uint8_t *p = acpi_map_range(mem, start + off, ACPI_RSDP_V1_LEN);
		if (p == NULL)
			return ACPI_ERR_UNMAPPED;
		if (rsdp_v1_valid(p)) {
			*out_phys = start + off;
			return ACPI_OK;
		}
	}
	return ACPI_ERR_NOT_FOUND;
}
