/* madt: the Multiple APIC Description Table ("APIC", ACPI 6.5 §5.2.12) decoded into
 * fixed-capacity arrays: processors, I/O APICs, interrupt source overrides and NMIs. */
#ifndef CAPOS_LIB_ACPI_MADT_H
#define CAPOS_LIB_ACPI_MADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/acpi/status.h"

#define ACPI_MADT_MAX_CPUS	  256
#define ACPI_MADT_MAX_IOAPICS	  16
#define ACPI_MADT_MAX_ISOS	  32
#define ACPI_MADT_MAX_NMI_SOURCES 16
#define ACPI_MADT_MAX_LAPIC_NMIS  32

#define ACPI_LAPIC_NMI_ALL_CPUS 0xffffffffu /* acpi_lapic_nmi.uid for "every processor" */

/* A usable processor: enabled now, or online capable (ACPI_MADT_LAPIC_* in flags). */
struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid; /* ACPI processor UID */
	uint32_t flags;
	bool x2apic; /* described by a local x2APIC entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

/* Interrupt source override: ISA IRQ `source` is GSI `gsi` (flags: ACPI_MPS_*). */
struct acpi_iso {
	uint8_t bus;
	uint8_t source;
	uint16_t flags;
	uint32_t gsi;
};

struct acpi_nmi_source {
	uint16_t flags;
	uint32_t gsi;
};

/* A local APIC or x2APIC NMI entry; uid is ACPI_LAPIC_NMI_ALL_CPUS for every processor. */
struct acpi_lapic_nmi {
	uint32_t uid;
	uint16_t flags;
	uint8_t lint;
};

struct acpi_madt_info {
	uint8_t revision;
	uint64_t lapic_address; /* from the header, or the address override entry */
	uint32_t flags;		/* ACPI_MADT_FLAG_* */

	struct acpi_cpu cpu[ACPI_MADT_MAX_CPUS];
	size_t ncpu;
	size_t cpus_enabled; /* entries in cpu[] with ACPI_MADT_LAPIC_ENABLED */
	size_t cpu_overflow; /* usable processors that did not fit */

	struct acpi_ioapic ioapic[ACPI_MADT_MAX_IOAPICS];
	size_t nioapic;
	size_t ioapic_overflow;

	struct acpi_iso iso[ACPI_MADT_MAX_ISOS];
	size_t niso;
	size_t iso_overflow;

	struct acpi_nmi_source nmi_source[ACPI_MADT_MAX_NMI_SOURCES];
	size_t nnmi_source;
	size_t nmi_source_overflow;

	struct acpi_lapic_nmi lapic_nmi[ACPI_MADT_MAX_LAPIC_NMIS];
	size_t nlapic_nmi;
	size_t lapic_nmi_overflow;

	size_t unknown; /* entries of types not decoded here (skipped by length) */
	size_t ignored; /* entries dropped as malformed or duplicate (the first 8 reported) */
};

/* acpi_madt_parse: decodes the MADT at `table`, of which `len` bytes are readable, into
 * *out (fully overwritten). Entries come out in table order. Returns ACPI_OK, or
 * ACPI_ERR_CORRUPT when the table or an entry was malformed: problems are reported with
 * hook_log (at most 8 dropped entries per table), a malformed entry is skipped and a
 * broken entry length ends the walk; *out then holds everything decoded before and
 * around the problem. */
enum acpi_status acpi_madt_parse(const void *table, size_t len, struct acpi_madt_info *out);

#endif
