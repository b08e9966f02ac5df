/* vtd: the Intel VT-d remapping units (legacy mode): one per DRHD of the DMAR,
 * translation on with every device denied until it is given a domain, one
 * domain per device, register-based invalidation waited for, faults recorded.
 * Page-table, capability, fault and scope logic live in lib/iommu. */
#ifndef CAPOS_IOMMU_VTD_H
#define CAPOS_IOMMU_VTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/iommu/iova.h"
#include "lib/iommu/vtd_fault.h"
#include "lib/iommu/vtd_pt.h"

struct vtd_unit;

/* A device's domain: its own page tables and I/O virtual address space. */
struct vtd_domain {
	struct vtd_unit *unit;
	uint16_t did;
	uint16_t seg;
	uint8_t bus, devfn;
	bool attached;
	struct vtd_pt pt;
	struct iova_space iova;
	uint64_t maps, unmaps; /* pages mapped and unmapped over its life */
};

enum vtd_status {
	VTD_OK = 0,
	VTD_E_NONE,    /* no unit translates this device */
	VTD_E_NOMEM,   /* frames, domain ids or IOVA space ran out */
	VTD_E_TIMEOUT, /* the unit did not complete a command in time */
	VTD_E_INVALID, /* bad arguments (unaligned, not mapped, already attached) */
};

/* vtd_init: brings up every usable unit of the DMAR (reported on COM1): root
 * table, caches invalidated, fault recording cleared, translation enabled.
 * From then on a device without a domain cannot DMA. Returns the number of
 * units translating (0: no IOMMU, or none usable). */
unsigned vtd_init(void);

/* vtd_active: whether some unit translates DMA. */
bool vtd_active(void);

/* vtd_covers: whether a unit translates seg:bus:devfn. */
bool vtd_covers(uint16_t seg, uint8_t bus, uint8_t devfn);

/* vtd_domain_create: a new, unattached domain for seg:bus:devfn whose IOVAs
 * lie below iova_limit (the device's DMA limit; the tables' width bounds it
 * too). VTD_E_NONE when no unit translates the device. */
enum vtd_status vtd_domain_create(uint16_t seg, uint8_t bus, uint8_t devfn, uint64_t iova_limit,
				  struct vtd_domain **out);
/* vtd_prepare: makes the (empty, denying) context table of seg:bus at boot,
 * so a device's first claim allocates nothing the machine keeps for good. */
void vtd_prepare(uint16_t seg, uint8_t bus, uint8_t devfn);
/* vtd_domain_attach: points the device's context entry at d and invalidates
 * its context-cache entry (and the domain's IOTLB). */
enum vtd_status vtd_domain_attach(struct vtd_domain *d);
/* vtd_domain_detach: clears the device's context entry, then invalidates the
 * context cache and the domain's IOTLB, waiting for both: when it returns OK
 * the device reaches nothing. */
enum vtd_status vtd_domain_detach(struct vtd_domain *d);
/* vtd_domain_destroy: frees a detached domain's tables and id. */
void vtd_domain_destroy(struct vtd_domain *d);

/* vtd_iova_alloc / vtd_iova_free: IOVA space of d, under the unit's lock
 * (pools of one device may be made on several CPUs at once). */
int vtd_iova_alloc(struct vtd_domain *d, uint64_t pages, uint64_t limit, uint64_t *iova);
void vtd_iova_free(struct vtd_domain *d, uint64_t iova, uint64_t pages);

/* vtd_map: maps pages frames from pa at iova (perm VTD_PT_READ|VTD_PT_WRITE);
 * all or nothing. In caching mode the IOTLB is invalidated after. */
enum vtd_status vtd_map(struct vtd_domain *d, uint64_t iova, uint64_t pa, uint64_t pages,
			unsigned perm);
/* vtd_unmap: unmaps them and waits for the IOTLB invalidation to complete:
 * when it returns OK the device cannot reach those frames any more. */
enum vtd_status vtd_unmap(struct vtd_domain *d, uint64_t iova, uint64_t pages);

/* vtd_poll_faults: reads, reports (COM1, bounded) and clears every pending
 * fault record of every unit; returns how many it found. The last one goes
 * to *last when last is not NULL. */
unsigned vtd_poll_faults(struct vtd_fault *last);

/* vtd_last_fault: the most recent fault of any unit (false: none yet), with
 * the total of faults recorded and of fault event interrupts taken. */
bool vtd_last_fault(struct vtd_fault *out, uint64_t *count, uint64_t *irqs);

/* vtd_faults_for: faults recorded so far for requester sid (bus << 8 | devfn). */
uint64_t vtd_faults_for(uint16_t sid);

/* vtd_ir_covers: whether interrupt remapping is on for the unit that
 * translates seg:bus:devfn (its MSIs must then be in remappable format). */
bool vtd_ir_covers(uint16_t seg, uint8_t bus, uint8_t devfn);
/* vtd_irte_alloc: an interrupt remapping entry delivering vector to the CPU
 * with apic_id, accepted only from requester sid (bus << 8 | devfn) of that
 * unit; *handle is what goes into the remappable-format MSI address
 * (vtd_msi_remap_addr). VTD_E_NONE without remapping, VTD_E_NOMEM when full. */
enum vtd_status vtd_irte_alloc(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t sid,
			       uint8_t vector, uint32_t apic_id, uint16_t *handle);
/* vtd_irte_alloc_ioapic: an entry for the I/O APIC with id ioapic_id (its
 * source id from the DMAR's IOAPIC scope), level or edge; *unit for freeing.
 * VTD_E_NONE when no remapping unit names that I/O APIC. */
enum vtd_status vtd_irte_alloc_ioapic(uint8_t ioapic_id, uint8_t vector, uint32_t apic_id,
				      bool level, uint16_t *handle, unsigned *unit);
void vtd_irte_free_unit(unsigned unit, uint16_t handle);
/* vtd_ir_on: whether some unit remaps interrupts. */
bool vtd_ir_on(void);
/* vtd_irte_vector: the vector entry handle delivers; false if not present. */
bool vtd_irte_vector(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t handle, uint8_t *vector);
/* vtd_irte_free: clears the entry and invalidates its interrupt-entry cache. */
void vtd_irte_free(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t handle);

/* vtd_print: the `iommu` diagnostics: units, state, domains, invalidations, faults. */
void vtd_print(void);

#endif
