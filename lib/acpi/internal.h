/* internal: helpers shared by the files of lib/acpi, not part of its interface. */
#ifndef CAPOS_LIB_ACPI_INTERNAL_H
#define CAPOS_LIB_ACPI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hw/acpi.h"
#include "lib/acpi/acpi.h"

/* Reports of dropped entries per table; further ones are only counted. */
#define ACPI_REPORTS_PER_TABLE 8

/* acpi_map_range: mem->map with the range checked first (non-empty, no wrap-around, fits
 * size_t); NULL when refused. */
const void *acpi_map_range(const struct acpi_mem *mem, uint64_t phys, uint64_t len);

/* acpi_report: hook_log("acpi: SIG reason, ignored") with the signature's bytes made
 * printable ('?' for anything outside 0x20..0x7e). */
void acpi_report(const char *sig, const char *reason);

/* acpi_sum8: the 8-bit sum of len bytes; a valid table sums to 0. */
uint8_t acpi_sum8(const void *p, size_t len);

/* acpi_check_header: copies the SDT header at table (len readable bytes) into *hdr and
 * checks that its length is at least min_len and no more than len. On failure reports
 * under sig and returns ACPI_ERR_CORRUPT. */
enum acpi_status acpi_check_header(const void *table, size_t len, size_t min_len, const char *sig,
				   struct acpi_sdt_header *hdr);

#endif
