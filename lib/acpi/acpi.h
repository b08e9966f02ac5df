/* acpi: finds and validates the ACPI tables (ACPI 6.5 §5.2) and decodes the ones the
 * kernel needs before it can run AML: FADT, MADT, MCFG, HPET and DMAR.
 *
 * Firmware tables are untrusted input. Physical memory is reached only through the
 * caller's map hook, one checked range at a time; every length, checksum and count is
 * checked before use; a corrupt table is reported with
 *   hook_log("acpi: %s %s, ignored", sig, reason)
 * and skipped. Nothing here allocates, panics or keeps global state.
 *
 * Typical use (the kernel keeps one struct acpi_info in static storage):
 *   acpi_parse(&info, &mem, rsdp_phys);
 *   acpi_print(&info, emit_line, NULL);
 */
#ifndef CAPOS_LIB_ACPI_ACPI_H
#define CAPOS_LIB_ACPI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/acpi/status.h"
#include "lib/acpi/dmar.h"
#include "lib/acpi/fadt.h"
#include "lib/acpi/hpet.h"
#include "lib/acpi/madt.h"
#include "lib/acpi/mcfg.h"

/* map: returns a pointer through which [phys, phys + len) can be read, or NULL when that
 * range is not (entirely) accessible. The parser never reads outside a range it mapped,
 * and uses a returned pointer only until its next call of map (so a kernel may reuse one
 * temporary mapping window); acpi_table_map hands the pointer to its caller. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

struct acpi_mem {
	acpi_map_fn map;
	void *ctx;
};

#define ACPI_MAX_ROOT_ENTRIES 64 /* XSDT/RSDT entries looked at; more are reported */
#define ACPI_MAX_TABLES	      (ACPI_MAX_ROOT_ENTRIES + 2) /* + DSDT and FACS */
#define ACPI_MAX_TABLE_LEN    (16u << 20)		  /* longer "tables" are taken as corrupt */

/* How a table was reached. */
#define ACPI_ORIGIN_ROOT 0 /* listed in the XSDT or RSDT */
#define ACPI_ORIGIN_FADT 1 /* DSDT or FACS, through the FADT */

/* A validated table: signature and length checked, checksum verified (the FACS has
 * none), and [phys, phys + len) mapped successfully. */
struct acpi_table {
	char sig[4];
	uint8_t revision;
	uint8_t origin; /* ACPI_ORIGIN_* */
	uint32_t len;
	uint64_t phys;
};

struct acpi_rsdp_info {
	uint8_t revision;
	char oem_id[6];
	uint32_t rsdt; /* physical address, 0 if none */
	uint64_t xsdt; /* 0 unless revision >= 2 with a valid extended checksum */
};

struct acpi_tables {
	struct acpi_mem mem;
	struct acpi_rsdp_info rsdp;
	uint64_t root_phys; /* the XSDT or RSDT that was walked */
	bool root_is_xsdt;
	struct acpi_table table[ACPI_MAX_TABLES]; /* root order, then DSDT, FACS */
	size_t count;
	size_t overflow; /* root entries past ACPI_MAX_ROOT_ENTRIES, not looked at */
	size_t ignored;	 /* root entries skipped (null, unmapped, corrupt, duplicate) */
	const struct acpi_table *dsdt; /* the FADT's DSDT, in table[], or NULL */
};

/* acpi_rsdp_check: validates the RSDP at phys (§5.2.5.3): signature and the 20-byte
 * checksum, and for revision >= 2 the length and extended checksum. Fills *out. Returns
 * ACPI_OK; ACPI_ERR_UNMAPPED; ACPI_ERR_NOT_FOUND (no signature); ACPI_ERR_CORRUPT (bad
 * checksum; reported). A bad extended checksum is reported and only the v1 part used. */
enum acpi_status acpi_rsdp_check(const struct acpi_mem *mem, uint64_t phys,
				 struct acpi_rsdp_info *out);

/* acpi_rsdp_scan: looks for a valid RSDP on 16-byte boundaries in [start, start + len)
 * (§5.2.5.1: the EBDA's first KiB, or 0xe0000..0xfffff). *out_phys receives its address.
 * Returns ACPI_OK, ACPI_ERR_NOT_FOUND, or ACPI_ERR_UNMAPPED. */
enum acpi_status acpi_rsdp_scan(const struct acpi_mem *mem, uint64_t start, size_t len,
				uint64_t *out_phys);

/* acpi_tables_init: validates the RSDP at rsdp_phys, walks the XSDT (falling back to the
 * RSDT when the XSDT is absent or corrupt) and records every valid table in *t (fully
 * overwritten; *mem is copied). Bad entries are reported and skipped. Returns ACPI_OK, or
 * the RSDP's error, or ACPI_ERR_CORRUPT when no usable root table exists. */
enum acpi_status acpi_tables_init(struct acpi_tables *t, const struct acpi_mem *mem,
				  uint64_t rsdp_phys);

/* acpi_tables_add_fadt: adds the DSDT and FACS that fadt points to (each validated; a bad
 * one is reported and left out, one already listed is not added twice) and sets t->dsdt. */
void acpi_tables_add_fadt(struct acpi_tables *t, const struct acpi_fadt_info *fadt);

/* acpi_table_find: the instance-th (from 0) table with signature sig (4 characters), in
 * table order, or NULL. */
const struct acpi_table *acpi_table_find(const struct acpi_tables *t, const char *sig,
					 size_t instance);

/* acpi_table_map: maps a table from t->table[] and returns its tab->len bytes, or NULL
 * when the map hook refuses. */
const void *acpi_table_map(const struct acpi_tables *t, const struct acpi_table *tab);

/* An AML definition block: the body of a DSDT or SSDT after its 36-byte header. */
struct acpi_aml {
	const uint8_t *body;
	size_t len;
	uint64_t phys;	  /* of the table (header included) */
	uint8_t revision; /* of the table: below 2 means 32-bit AML integers (§5.2.11.1) */
};

/* acpi_dsdt: the AML of the DSDT the FADT names (§5.2.11.1; after acpi_tables_add_fadt).
 * Returns ACPI_OK, ACPI_ERR_NOT_FOUND, or ACPI_ERR_UNMAPPED. */
enum acpi_status acpi_dsdt(const struct acpi_tables *t, struct acpi_aml *out);

/* acpi_ssdt: the instance-th SSDT's AML, in table order. Same returns as acpi_dsdt. */
enum acpi_status acpi_ssdt(const struct acpi_tables *t, size_t instance, struct acpi_aml *out);

/* Everything acpi_parse decodes. Each has_* says whether that table was found and
 * decoded; a table that decoded with problems (ACPI_ERR_CORRUPT from its parser) still
 * counts as found for the MADT and MCFG (partial result), not for the others. */
struct acpi_info {
	struct acpi_tables tables;
	bool has_fadt;
	struct acpi_fadt_info fadt;
	bool has_madt;
	struct acpi_madt_info madt;
	bool has_mcfg;
	struct acpi_mcfg_info mcfg;
	bool has_hpet;
	struct acpi_hpet_info hpet;
	bool has_dmar;
	struct acpi_dmar_info dmar;
};

/* acpi_parse: acpi_tables_init, then the first FADT (and its DSDT and FACS), MADT, MCFG,
 * HPET and DMAR. *out is fully overwritten. Returns acpi_tables_init's status: a missing
 * or bad individual table is reported and leaves its has_* false. */
enum acpi_status acpi_parse(struct acpi_info *out, const struct acpi_mem *mem, uint64_t rsdp_phys);

/* A line sink: receives one NUL-terminated line, without newline. */
typedef void (*acpi_emit_fn)(void *ctx, const char *line);

/* The longest line is a full madt line: "madt cpus=256" (13 characters), 16 times
 * " ioapic=255@0xffffffff/gsi=4294967295" (37) and 32 times " iso=255>4294967295/0xffff"
 * (26): 1437 characters. */
#define ACPI_PRINT_LINE_MAX 1600

/* acpi_print: emits the diagnostics lines for info (docs/acpi.md): one "acpi SIG len=N"
 * per table ordered by signature, each followed by its decoded summary line(s) (madt,
 * mcfg, dmar drhd). */
void acpi_print(const struct acpi_info *info, acpi_emit_fn emit, void *ctx);

#endif
