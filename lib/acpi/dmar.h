/* dmar: the DMA Remapping Reporting table ("DMAR", Intel VT-d 4.1 chapter 8): remapping
 * hardware units, reserved memory regions and ATS-capable root ports, each with the
 * device scopes they apply to. */
#ifndef CAPOS_LIB_ACPI_DMAR_H
#define CAPOS_LIB_ACPI_DMAR_H

#include <stddef.h>
#include <stdint.h>

#include "hw/acpi.h"
#include "lib/acpi/status.h"

#define ACPI_DMAR_MAX_DRHD   16
#define ACPI_DMAR_MAX_RMRR   16
#define ACPI_DMAR_MAX_ATSR   8
#define ACPI_DMAR_MAX_SCOPES 16
#define ACPI_DMAR_MAX_PATH   8

/* One device scope (VT-d §8.3.1): the device reached from start_bus through path[]. */
struct acpi_dmar_dev {
	uint8_t type; /* ACPI_DMAR_SCOPE_* */
	uint8_t flags;
	uint8_t enumeration_id; /* I/O APIC id, HPET number or ACPI device number */
	uint8_t start_bus;
	uint8_t npath;
	struct acpi_dmar_path path[ACPI_DMAR_MAX_PATH];
};

/* The scopes of one structure; overflow counts scopes that did not fit, including those
 * with a path deeper than ACPI_DMAR_MAX_PATH. A caller deciding what a unit covers must
 * treat overflow != 0 as "unknown". */
struct acpi_dmar_scopes {
	struct acpi_dmar_dev dev[ACPI_DMAR_MAX_SCOPES];
	size_t count;
	size_t overflow;
};

struct acpi_drhd {
	uint8_t flags; /* ACPI_DMAR_DRHD_* */
	uint8_t size;
	uint16_t segment;
	uint64_t base; /* register set */
	struct acpi_dmar_scopes scopes;
};

struct acpi_rmrr {
	uint16_t segment;
	uint64_t base;
	uint64_t limit; /* inclusive */
	struct acpi_dmar_scopes scopes;
};

struct acpi_atsr {
	uint8_t flags; /* ACPI_DMAR_ATSR_* */
	uint16_t segment;
	struct acpi_dmar_scopes scopes;
};

struct acpi_dmar_info {
	uint8_t host_address_width; /* DMA addresses are this + 1 bits wide */
	uint8_t flags;		    /* ACPI_DMAR_FLAG_* */
	struct acpi_drhd drhd[ACPI_DMAR_MAX_DRHD];
	size_t ndrhd;
	size_t drhd_overflow;
	struct acpi_rmrr rmrr[ACPI_DMAR_MAX_RMRR];
	size_t nrmrr;
	size_t rmrr_overflow;
	struct acpi_atsr atsr[ACPI_DMAR_MAX_ATSR];
	size_t natsr;
	size_t atsr_overflow;
	size_t other; /* structures of other types (RHSA, ANDD, SATC, ...), skipped */
};

/* acpi_dmar_parse: decodes the DMAR at `table` (`len` readable bytes) into *out (fully
 * overwritten), structures in table order. All or nothing: the DMAR decides which devices
 * the IOMMU isolates, so any malformed structure or device scope (bad length, overrun of
 * its parent, register base 0, RMRR base after limit) rejects the whole table: it is
 * reported with hook_log, *out is zeroed and ACPI_ERR_CORRUPT returned. */
enum acpi_status acpi_dmar_parse(const void *table, size_t len, struct acpi_dmar_info *out);

#endif
