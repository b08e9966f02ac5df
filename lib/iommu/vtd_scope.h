/* vtd_scope: which PCI function a DMAR device scope names, and which remapping unit
 * translates a given function (VT-d rev 5.10 §8.3, §8.3.1).
 *
 * A scope is firmware input and config space is device input: every walk is bounded by
 * the scope's path length (at most ACPI_DMAR_MAX_PATH), and every bridge on the way must
 * lead to a higher bus number (PCI numbers buses depth-first, so a secondary bus is
 * always above its bridge's own), which also rules out cycles.
 */
#ifndef CAPOS_LIB_IOMMU_VTD_SCOPE_H
#define CAPOS_LIB_IOMMU_VTD_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/acpi/dmar.h"

/* The int results of the functions below. */
enum vtd_scope_status {
	VTD_SCOPE_OK = 0,
	VTD_SCOPE_ERR_INVALID,	/* empty or too long path, device > 31 or function > 7, or a
				   several-element path for an HPET or ACPI device scope */
	VTD_SCOPE_ERR_NOBRIDGE, /* a path element before the last is absent or no bridge */
	VTD_SCOPE_ERR_BUS,	/* a bridge's secondary bus is not above its own bus */
	VTD_SCOPE_ERR_NONE,	/* drhd_find: no unit translates the function */
	VTD_SCOPE_ERR_UNKNOWN,	/* drhd_find: the DMAR lost scopes (overflow): undecidable */
};

/* Reads a bus register of the function bus:dev.fn: its secondary (or subordinate) bus
 * number, or 0 when the function is absent or not a PCI-to-PCI bridge. */
typedef uint8_t (*vtd_bus_reg_fn)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn);

struct vtd_bridge_ops {
	vtd_bus_reg_fn secondary_bus;
	vtd_bus_reg_fn subordinate_bus;
	void *ctx;
};

/* vtd_scope_resolve: the function scope s names, as §8.3.1's pseudocode finds it: the
 * first path element is on s->start_bus, each later one on the secondary bus of the
 * bridge the previous one names. For HPET and ACPI namespace scopes start bus and the one
 * path element are the source id itself (no walk). Stores bus and devfn (dev << 3 | fn)
 * on success; on error leaves them untouched. secondary_bus is called at most
 * npath - 1 times. */
int vtd_scope_resolve(const struct acpi_dmar_dev *s, vtd_bus_reg_fn secondary_bus, void *ctx,
		      uint8_t *bus, uint8_t *devfn);

/* vtd_scope_covers: whether scope s includes the PCI function bus:devfn: an endpoint
 * scope that resolves to it, or a bridge (sub-hierarchy) scope that resolves to it or to
 * a bridge whose bus range [secondary, subordinate] holds bus (a range with subordinate
 * below secondary counts as the secondary bus alone). Other scope types (I/O APIC, HPET,
 * ACPI namespace) and unresolvable scopes cover no PCI function. */
bool vtd_scope_covers(const struct acpi_dmar_dev *s, const struct vtd_bridge_ops *ops, uint8_t bus,
		      uint8_t devfn);

/* vtd_drhd_find: the index into d->drhd of the unit translating DMA from segment:bus:devfn
 * (§8.3): the first unit of that segment one of whose scopes covers it, else the
 * segment's INCLUDE_PCI_ALL unit. VTD_SCOPE_ERR_NONE when there is neither: the function's
 * DMA is not remapped. VTD_SCOPE_ERR_UNKNOWN when no scope matched but the DMAR dropped
 * units or scopes (overflow) that might have: treat the function as untranslatable. */
int vtd_drhd_find(const struct acpi_dmar_info *d, uint16_t segment,
		  const struct vtd_bridge_ops *ops, uint8_t bus, uint8_t devfn, size_t *unit);

/* vtd_rmrr_next: the reserved memory regions (RMRRs, VT-d §8.4) that name
 * segment:bus:devfn in their scopes, one at a time: starting at *cursor (0 the
 * first time), the next such RMRR's index goes to *index and *cursor moves past
 * it; false when there is none left. A device with an RMRR must keep DMA to
 * [base, limit] working (firmware uses it), identity-mapped in its domain. */
bool vtd_rmrr_next(const struct acpi_dmar_info *d, uint16_t segment,
		   const struct vtd_bridge_ops *ops, uint8_t bus, uint8_t devfn, size_t *cursor,
		   size_t *index);

/* vtd_ioapic_find: the unit (index into d->drhd) whose scopes name the I/O APIC with
 * id ioapic_id (VT-d §8.3.1.1: an IOAPIC scope, enumeration id = the I/O APIC id), and the
 * source id its interrupt requests carry (*bus, *devfn). VTD_SCOPE_ERR_NONE when no unit
 * names it (its interrupts cannot be remapped), or the scope's status when its path is
 * bad. */
int vtd_ioapic_find(const struct acpi_dmar_info *d, uint8_t ioapic_id, vtd_bus_reg_fn secondary_bus,
		    void *ctx, size_t *unit, uint8_t *bus, uint8_t *devfn);

#endif
