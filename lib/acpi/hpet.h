/* hpet: the "HPET" table (IA-PC HPET 1.0a §3.2.4), one timer block per table. */
#ifndef CAPOS_LIB_ACPI_HPET_H
#define CAPOS_LIB_ACPI_HPET_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "lib/acpi/status.h"

struct acpi_hpet_info {
	uint64_t address;  /* MMIO base of the 1 KiB register block */
	uint32_t block_id; /* ACPI_HPET_ID_* */
	uint8_t number;	   /* sequence number of this block */
	uint16_t min_tick; /* minimum periodic tick, in main counter ticks */
	uint8_t page_protection;
	uint8_t comparators;
	bool counter_64;
	bool legacy_route;
};

/* acpi_hpet_parse: decodes the HPET table at `table` (`len` readable bytes) into *out
 * (fully overwritten). Returns ACPI_OK, or ACPI_ERR_CORRUPT (reported with hook_log, out
 * zeroed) when the table is short or its base is not a non-zero memory address. */
enum acpi_status acpi_hpet_parse(const void *table, size_t len, struct acpi_hpet_info *out);

#endif
