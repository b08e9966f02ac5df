/* util: range-checked mapping, checksums and the one report format of lib/acpi. */
#include "lib/acpi/internal.h"
#include "lib/hooks.h"
#include "lib/str.h"

const void *acpi_map_range(const struct acpi_mem *mem, uint64_t phys, uint64_t len)
{
	if (mem == NULL || mem->map == NULL || len == 0 || len > SIZE_MAX)
		return NULL;
	if (phys + (len - 1) < phys)
		return NULL;
	return mem->map(mem->ctx, phys, (size_t)len);
}

void acpi_report(const char *sig, const char *reason)
{
	char s[5];

	for (int i = 0; i < 4; i++) {
		char c = sig[i];
		s[i] = (c >= 0x20 && c <= 0x7e) ? c : '?';
	}
	s[4] = '\0';
	hook_log("acpi: %s %s, ignored", s, reason);
}

uint8_t acpi_sum8(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

enum acpi_status acpi_check_header(const void *table, size_t len, size_t min_len, const char *sig,
				   struct acpi_sdt_header *hdr)
{
	if (table == NULL || len < sizeof(*hdr) || len < min_len) {
		acpi_report(sig, "too short");
		return ACPI_ERR_CORRUPT;
	}
	memcpy(hdr, table, sizeof(*hdr));
	if (hdr->length < min_len) {
		acpi_report(sig, "too short");
		return ACPI_ERR_CORRUPT;
	}
	if (hdr->length > len) {
		acpi_report(sig, "truncated");
		return ACPI_ERR_CORRUPT;
	}
	return ACPI_OK;
}

const char *acpi_status_str(enum acpi_status s)
{
	switch (s) {
	case ACPI_OK:
		return "ok";
	case ACPI_ERR_NOT_FOUND:
		return "not found";
	case ACPI_ERR_UNMAPPED:
		return "unmapped";
	case ACPI_ERR_CORRUPT:
		return "corrupt";
	}
	return "unknown";
}
