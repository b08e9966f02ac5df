/* mcfg: the PCI Express ECAM regions of the "MCFG" table (PCI Firmware 3.3 §4.1.2). */
#ifndef CAPOS_LIB_ACPI_MCFG_H
#define CAPOS_LIB_ACPI_MCFG_H

#include <stddef.h>
#include <stdint.h>

#include "lib/acpi/status.h"

#define ACPI_MCFG_MAX_REGIONS 16

/* One ECAM window: bus b of `segment` has its 1 MiB of config space at base + (b << 20),
 * for bus_start <= b <= bus_end. */
struct acpi_mcfg_region {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
};

struct acpi_mcfg_info {
	struct acpi_mcfg_region region[ACPI_MCFG_MAX_REGIONS];
	size_t count;
	size_t overflow; /* valid entries that did not fit */
	size_t ignored;	 /* malformed entries dropped (the first 8 reported) */
};

/* acpi_mcfg_parse: decodes the MCFG at `table` (`len` readable bytes) into *out (fully
 * overwritten), in table order. Returns ACPI_OK, or ACPI_ERR_CORRUPT when the table is
 * too short (out empty) or some entry was dropped (bus start after bus end, unaligned or
 * wrapping base, trailing partial entry); problems are reported with hook_log (at most 8
 * dropped entries per table). */
enum acpi_status acpi_mcfg_parse(const void *table, size_t len, struct acpi_mcfg_info *out);

#endif
