/* gsi: the Global System Interrupt map (ACPI 6.5 §5.2.13) built from the MADT and the
 * I/O APICs' version registers: which I/O APIC pin each GSI is, and which GSI, trigger
 * and polarity each ISA IRQ has (§5.2.12.5 interrupt source overrides).
 *
 * Firmware tables and register reads are untrusted: an I/O APIC that reads all-ones
 * (no chip there), reports an implausible number of pins, or whose GSI range overlaps
 * one accepted before it is reported with hook_log and left out; a malformed override
 * is reported and ignored. Fixed capacities, no allocation, no global state.
 */
#ifndef CAPOS_LIB_IRQ_GSI_H
#define CAPOS_LIB_IRQ_GSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/acpi/madt.h"
#include "lib/irq/irq_encode.h"

#define IRQ_GSI_MAX_IOAPICS    ACPI_MADT_MAX_IOAPICS
/* More pins than this is taken as a bad read of IOAPICVER. */
#define IRQ_IOAPIC_MAX_ENTRIES 240u
#define IRQ_ISA_IRQS	       16u

/* An accepted I/O APIC: it owns GSIs [gsi_base, gsi_base + entries). */
struct irq_gsi_ioapic {
	uint8_t id;	   /* I/O APIC ID from the MADT */
	uint8_t version;   /* IOAPICVER bits 7:0 */
	size_t madt_index; /* index in acpi_madt_info.ioapic[] */
	uint32_t address;  /* MMIO base */
	uint32_t gsi_base;
	uint32_t entries; /* redirection entries (pins) */
};

/* Where an ISA IRQ arrives. */
struct irq_isa_route {
	bool present;	 /* false: its GSI was taken by another IRQ's override */
	bool overridden; /* an interrupt source override described it */
	uint32_t gsi;
	enum irq_trigger trigger;
	enum irq_polarity polarity;
};

struct irq_gsi_map {
	struct irq_gsi_ioapic ioapic[IRQ_GSI_MAX_IOAPICS]; /* in MADT order */
	size_t nioapic;
	size_t ioapic_rejected;
	size_t iso_rejected;
	struct irq_isa_route isa[IRQ_ISA_IRQS];
};

/* irq_ioapic_ver_entries: the number of redirection entries an IOAPICVER value
 * announces (maximum redirection entry + 1, 82093AA §3.2.2). */
uint32_t irq_ioapic_ver_entries(uint32_t ver);

/* irq_gsi_map_build: builds *map (fully overwritten) from madt and ver[i], the
 * IOAPICVER value the kernel read from madt->ioapic[i], for every i < madt->nioapic
 * (nver must equal madt->nioapic, else IRQ_ERR_INVALID and *map is empty). Returns
 * IRQ_OK, or IRQ_ERR_CORRUPT when an I/O APIC or override was rejected (each reported;
 * the rest of the map is usable). ISA IRQs without an override map to the GSI of the
 * same number, edge triggered, active high (§5.2.12.5). */
enum irq_status irq_gsi_map_build(struct irq_gsi_map *map, const struct acpi_madt_info *madt,
				  const uint32_t *ver, size_t nver);

/* irq_gsi_lookup: the I/O APIC (index into map->ioapic[]) and pin that carry gsi.
 * IRQ_ERR_NOT_FOUND when no accepted I/O APIC does. */
enum irq_status irq_gsi_lookup(const struct irq_gsi_map *map, uint32_t gsi, size_t *ioapic,
			       uint32_t *pin);

/* irq_gsi_isa: the GSI, trigger and polarity of ISA IRQ isa_irq. IRQ_ERR_INVALID for an
 * IRQ above 15, IRQ_ERR_NOT_FOUND when its GSI is another IRQ's (e.g. IRQ 2 when IRQ 0
 * is overridden to GSI 2). The GSI itself is checked by irq_gsi_lookup. */
enum irq_status irq_gsi_isa(const struct irq_gsi_map *map, uint32_t isa_irq,
			    struct irq_isa_route *out);

#endif
