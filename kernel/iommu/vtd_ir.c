/* vtd_ir: interrupt remapping (VT-d §5.1): a one-page table of remapped-format
 * entries (IRTEs), each naming its vector, destination and the one requester id
 * it accepts (SVT). Compatibility-format interrupts stay blocked (GCMD.CFI
 * clear): a device's MSI is delivered only through an entry made for it. */
#include "vtd_internal.h"
#include "arch/x86_64/lapic.h"
#include "core/console.h"
#include "dev/acpi.h"
#include "lib/iommu/vtd_scope.h"
#include "mm/frames.h"
#include "mm/layout.h"

bool vtd_ir_enable(struct vtd_unit *u)
{
	if (!frame_alloc(&u->irt_pa)) {
		kprintf("iommu: unit %u: no frame for the remapping table\n", u->index);
		return false;
	}
	u->irt = phys_to_virt(u->irt_pa);
	vtd_flush_cache(u, u->irt, VTD_PAGE_SIZE);
	/* x2APIC destinations need extended interrupt mode (EIM). */
	bool eim = lapic_x2apic();
	if (eim && !u->caps.eim) {
		kprintf("iommu: unit %u: x2APIC without EIM: interrupt remapping off\n", u->index);
		return false;
	}
	vtd_wr64(u, VTD_IRTA, u->irt_pa | (eim ? VTD_IRTA_EIME : 0) | VTD_IRTA_S_256);
	/* Compatibility-format interrupts blocked: CFI cleared explicitly, since
	 * GCMD writes carry GSTS's persistent bits, CFIS among them (§11.4.4). */
	if (!vtd_gcmd_oneshot(u, VTD_GCMD_SIRTP, VTD_GSTS_IRTPS, true) ||
	    !vtd_gcmd(u, VTD_GCMD_CFI, VTD_GSTS_CFIS, false) ||
	    !vtd_qi_submit(u, vtd_inv_iec(false, 0, 0)) ||
	    !vtd_gcmd(u, VTD_GCMD_IRE, VTD_GSTS_IRES, true)) {
		kprintf("iommu: unit %u: interrupt remapping does not turn on\n", u->index);
		return false;
	}
	u->ir = true;
	kprintf("iommu: unit %u: interrupt remapping on (%u entries, %s; compatibility format "
		"blocked)\n",
		u->index, VTD_IRTE_ENTRIES, eim ? "x2APIC" : "xAPIC");
	return true;
}

bool vtd_ir_covers(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	struct vtd_unit *u = vtd_unit_for(seg, bus, devfn);
	return u != NULL && u->ir;
}

/* An entry of unit u for requester sid; *handle its index. */
static enum vtd_status irte_alloc(struct vtd_unit *u, uint16_t sid, uint8_t vector,
				  uint32_t apic_id, bool level, uint16_t *handle)
{
	enum vtd_status st = VTD_E_NOMEM;
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	for (uint32_t i = 0; i < VTD_IRTE_ENTRIES; i++) {
		if (u->irte_used[i / 8] & (1u << (i % 8)))
			continue;
		u->irte_used[i / 8] |= (uint8_t)(1u << (i % 8));
		struct vtd_irte e = vtd_irte_make(vector, apic_id, lapic_x2apic(), sid, level);
		u->irt[i].hi = e.hi; /* present with the low half */
		__atomic_store_n(&u->irt[i].lo, e.lo, __ATOMIC_RELEASE);
		vtd_flush_cache(u, &u->irt[i], sizeof(e));
		/* An entry not present may still be cached: invalidate it (§6.5.2.8). */
		u->iec_inv++;
		st = vtd_qi_submit(u, vtd_inv_iec(true, (uint16_t)i, 0)) ? VTD_OK : VTD_E_TIMEOUT;
		if (st != VTD_OK) {
			/* Not proven usable: the entry goes not-present again and its
			 * index stays taken (it may be cached). */
			__atomic_store_n(&u->irt[i].lo, 0, __ATOMIC_RELEASE);
			vtd_flush_cache(u, &u->irt[i], sizeof(e));
		}
		*handle = (uint16_t)i;
		break;
	}
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
	return st;
}

static void irte_free(struct vtd_unit *u, uint16_t handle)
{
	if (!u->ir || handle >= VTD_IRTE_ENTRIES)
		return;
	uint64_t fl = spin_lock_class(&u->lock, LOCK_CLASS_IOMMU);
	__atomic_store_n(&u->irt[handle].lo, 0, __ATOMIC_RELEASE);
	u->irt[handle].hi = 0;
	vtd_flush_cache(u, &u->irt[handle], sizeof(u->irt[handle]));
	u->iec_inv++;
	vtd_qi_submit(u, vtd_inv_iec(true, handle, 0));
	u->irte_used[handle / 8] &= (uint8_t) ~(1u << (handle % 8));
	spin_unlock_class(&u->lock, LOCK_CLASS_IOMMU, fl);
}

enum vtd_status vtd_irte_alloc(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t sid,
			       uint8_t vector, uint32_t apic_id, uint16_t *handle)
{
	struct vtd_unit *u = vtd_unit_for(seg, bus, devfn);
	if (u == NULL || !u->ir)
		return VTD_E_NONE;
	return irte_alloc(u, sid, vector, apic_id, false, handle);
}

void vtd_irte_free(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t handle)
{
	struct vtd_unit *u = vtd_unit_for(seg, bus, devfn);
	if (u != NULL)
		irte_free(u, handle);
}

enum vtd_status vtd_irte_alloc_ioapic(uint8_t ioapic_id, uint8_t vector, uint32_t apic_id,
				      bool level, uint16_t *handle, unsigned *unit)
{
	const struct acpi_info *ai = acpi_get();
	size_t drhd;
	uint8_t bus, devfn;
	if (ai == NULL || !ai->has_dmar ||
	    vtd_ioapic_find(&ai->dmar, ioapic_id, vtd_bridge_ops.secondary_bus, NULL, &drhd, &bus,
			    &devfn) != VTD_SCOPE_OK)
		return VTD_E_NONE;
	for (unsigned i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];
		if (u->drhd != drhd || !u->ir)
			continue;
		*unit = i;
		return irte_alloc(u, (uint16_t)(bus << 8 | devfn), vector, apic_id, level, handle);
	}
	return VTD_E_NONE;
}

void vtd_irte_free_unit(unsigned unit, uint16_t handle)
{
	if (unit < vtd_nunits)
		irte_free(&vtd_units[unit], handle);
}

bool vtd_ir_on(void)
{
	for (unsigned i = 0; i < vtd_nunits; i++)
		if (vtd_units[i].ir)
			return true;
	return false;
}

bool vtd_irte_vector(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t handle, uint8_t *vector)
{
	struct vtd_unit *u = vtd_unit_for(seg, bus, devfn);
	if (u == NULL || !u->ir || handle >= VTD_IRTE_ENTRIES ||
	    !(u->irt[handle].lo & VTD_IRTE_LO_P))
		return false;
	*vector = (uint8_t)(u->irt[handle].lo >> VTD_IRTE_LO_VEC_SHIFT);
	return true;
}
