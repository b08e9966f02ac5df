/* acpi (kernel side): finds the RSDP the boot protocol gave (or scans the BIOS
 * areas for it) and parses the tables once at boot with lib/acpi. */
#ifndef CAPOS_DEV_ACPI_H
#define CAPOS_DEV_ACPI_H

#include "lib/acpi/acpi.h"

/* acpi_init: locates and parses the tables. Returns false when the machine has
 * no usable ACPI (reported); the rest of the kernel then does without. */
bool acpi_init(void);

/* acpi_get: the parsed tables, or NULL when acpi_init failed. */
const struct acpi_info *acpi_get(void);

/* acpi_kernel_mem: the physical memory reader lib/acpi uses in the kernel. */
const struct acpi_mem *acpi_kernel_mem(void);

#endif
