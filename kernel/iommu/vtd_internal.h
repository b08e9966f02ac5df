/* vtd_internal: what vtd.c, vtd_domain.c and vtd_diag.c share. */
#ifndef CAPOS_IOMMU_VTD_INTERNAL_H
#define CAPOS_IOMMU_VTD_INTERNAL_H

#include "vtd.h"
#include "core/spinlock.h"
#include "hw/vtd.h"
#include "lib/iommu/vtd_cap.h"
#include "irq/irq.h"
#include "lib/irq/registry.h"

#define VTD_MAX_UNITS	   VTD_UNITS_MAX
#define VTD_UNITS_MAX	   8
#define VTD_MAX_DOMAINS	   64	 /* domains alive at once (all units) */
#define VTD_DID_MAX	   1024	 /* domain ids used per unit (fewer if CAP.ND says so) */
#define VTD_FAULT_SIDS	   32	 /* requesters whose faults are counted apart */
#define VTD_RMRR_MAX_PAGES 16384 /* 64 MiB: a larger reserved region is refused */

struct vtd_unit {
	unsigned index;
	size_t drhd; /* its DRHD in the DMAR */
	uint16_t seg;
	uint64_t base;
	volatile uint8_t *regs;
	uint32_t ver;
	struct vtd_caps caps;
	unsigned levels;
	bool usable; /* its capabilities passed the checks: its registers may be read */
	bool te;     /* translation enabled */
	uint64_t root_pa;
	struct vtd_root_entry *root;
	uint64_t ctx_pa[VTD_ROOT_ENTRIES]; /* context table per bus, 0: none yet */
	uint8_t did_used[VTD_DID_MAX / 8];
	spinlock_t lock; /* LOCK_CLASS_IOMMU: tables, ids, commands, fault records */
	uint64_t inv_context, inv_iotlb, timeouts;
	uint64_t faults;
	struct vtd_fault last;
	bool has_last;
	bool qi; /* queued invalidation on: the command registers are not used any more */
	struct vtd_inv_desc *iq;
	uint64_t iq_pa, status_pa;
	volatile uint32_t *status;
	uint32_t iq_tail, status_seq;
	bool ir; /* interrupt remapping on */
	struct vtd_irte *irt;
	uint64_t irt_pa;
	uint8_t irte_used[VTD_IRTE_ENTRIES / 8];
	uint64_t iec_inv;
	bool irq_routed; /* the fault event is a source in the interrupt registry */
	struct irq_handle irq;
	volatile uint64_t fault_irqs;
};

extern struct vtd_unit vtd_units[VTD_MAX_UNITS];
extern unsigned vtd_nunits;
extern struct vtd_domain *vtd_domains[VTD_MAX_DOMAINS];
extern spinlock_t vtd_domains_lock;

uint32_t vtd_rd32(struct vtd_unit *u, uint32_t off);
uint64_t vtd_rd64(struct vtd_unit *u, uint32_t off);
void vtd_wr32(struct vtd_unit *u, uint32_t off, uint32_t v);
void vtd_wr64(struct vtd_unit *u, uint32_t off, uint64_t v);
void vtd_flush_cache(struct vtd_unit *u, void *va, size_t len);
void vtd_write_buffer_flush(struct vtd_unit *u);
/* vtd_inv_ctx / vtd_inv_tlb: a context-cache or IOTLB invalidation, queued
 * (when QI is on) or through the command registers, waited for (bounded);
 * false on a timeout, a queue error or a request the unit refused. Lock held. */
bool vtd_inv_ctx(struct vtd_unit *u, unsigned gran, uint16_t did, uint16_t sid);
bool vtd_inv_tlb(struct vtd_unit *u, unsigned gran, uint16_t did, uint64_t addr, unsigned am);
/* GCMD commands (persistent bits kept; bounded waits) and queued invalidation. */
bool vtd_gcmd(struct vtd_unit *u, uint32_t cmd, uint32_t status, bool on);
bool vtd_gcmd_oneshot(struct vtd_unit *u, uint32_t cmd, uint32_t status, bool set_when_done);
bool vtd_qi_submit(struct vtd_unit *u, struct vtd_inv_desc d);
/* vtd_ir_enable: interrupt remapping on for u (needs QI). In vtd_ir.c. */
bool vtd_ir_enable(struct vtd_unit *u);

/* vtd_bridge_ops: bridge bus numbers from the PCI table, for DMAR scopes. */
#include "lib/iommu/vtd_scope.h"
extern const struct vtd_bridge_ops vtd_bridge_ops;
/* vtd_unit_for: the translating unit of seg:bus:devfn, or NULL. */
struct vtd_unit *vtd_unit_for(uint16_t seg, uint8_t bus, uint8_t devfn);

#endif
