/* fadt: the fields capOS needs from the Fixed ACPI Description Table ("FACP",
 * ACPI 6.5 §5.2.9). Only fields that lie within the table's length are used. */
#ifndef CAPOS_LIB_ACPI_FADT_H
#define CAPOS_LIB_ACPI_FADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/acpi.h"
#include "lib/acpi/status.h"

struct acpi_pm_timer {
	bool present;
	uint8_t space;	  /* ACPI_GAS_SPACE_IO or ACPI_GAS_SPACE_MEMORY */
	uint64_t address; /* port or physical address */
	bool is_32bit;	  /* else the counter is 24 bits wide */
};

struct acpi_fadt_info {
	uint8_t revision;
	uint32_t length;
	uint32_t flags;		 /* ACPI_FADT_FLAG_*; 0 when the table ends before it */
	uint16_t iapc_boot_arch; /* ACPI_FADT_IAPC_*; 0 before revision 2 */
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t century; /* CMOS index of the century, 0 if none */
	struct acpi_pm_timer pm_timer;
	bool has_reset_reg; /* RESET_REG_SUP set and reset_reg within the table */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint64_t dsdt; /* physical address: X_DSDT when present and non-zero, else DSDT */
	uint64_t facs; /* X_FIRMWARE_CTRL when present and non-zero, else FIRMWARE_CTRL */
};

/* acpi_fadt_parse: decodes the FADT at `table` (`len` readable bytes) into *out (fully
 * overwritten). Returns ACPI_OK; ACPI_ERR_CORRUPT (reported, out zeroed) when the table is
 * too short to hold even the DSDT pointer. A table shorter than its revision promises is
 * reported and read up to its length; absent fields read as 0. */
enum acpi_status acpi_fadt_parse(const void *table, size_t len, struct acpi_fadt_info *out);

#endif
