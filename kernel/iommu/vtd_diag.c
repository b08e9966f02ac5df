/* vtd_diag: the `iommu` diagnostics command: units, translation, domains,
 * invalidations and faults, bounded (at most VTD_MAX_UNITS + VTD_MAX_DOMAINS
 * lines), naming devices by address, never owners. */
#include "vtd_internal.h"
#include "core/console.h"
#include "core/diag.h"

void vtd_print(void)
{
	if (vtd_nunits == 0) {
		kprintf("iommu: none (no DMAR, or no usable unit): DMA is unconfined\n");
		return;
	}
	for (unsigned i = 0; i < vtd_nunits; i++) {
		struct vtd_unit *u = &vtd_units[i];
		kprintf("iommu unit %u base=0x%llx version=%u.%u levels=%u domains=%u cm=%s "
			"invalidation=%s "
			"translation=%s remapping=%s inv-context=%llu inv-iotlb=%llu inv-iec=%llu "
			"timeouts=%llu faults=%llu fault-irqs=%llu\n",
			u->index, (unsigned long long)u->base,
			(u->ver >> VTD_VER_MAJOR_SHIFT) & 0xf, u->ver & 0xf, u->levels,
			u->caps.ndomains, u->caps.cm ? "on" : "off", u->qi ? "queued" : "registers",
			u->te ? "on" : "off", u->ir ? "on" : "off",
			(unsigned long long)u->inv_context, (unsigned long long)u->inv_iotlb,
			(unsigned long long)u->iec_inv, (unsigned long long)u->timeouts,
			(unsigned long long)u->faults, (unsigned long long)u->fault_irqs);
		if (u->has_last)
			kprintf(
			    "iommu unit %u last-fault %02x:%02x.%u %s 0x%llx reason 0x%x (%s)\n",
			    u->index, u->last.sid >> 8, (u->last.sid >> 3) & 0x1f, u->last.sid & 7,
			    u->last.read ? "read" : "write", (unsigned long long)u->last.addr,
			    u->last.reason, vtd_fault_reason_name(u->last.reason));
	}
	uint64_t fl = spin_lock_class(&vtd_domains_lock, LOCK_CLASS_IOMMU);
	for (unsigned i = 0; i < VTD_MAX_DOMAINS; i++) {
		const struct vtd_domain *d = vtd_domains[i];
		if (d == NULL)
			continue;
		kprintf(
		    "iommu domain did=%u unit=%u device=%02x:%02x.%u levels=%u %s pages=%llu "
		    "tables=%llu iova-pages=%llu faults=%llu\n",
		    d->did, d->unit->index, d->bus, d->devfn >> 3, d->devfn & 7, d->pt.levels,
		    d->attached ? "attached" : "detached", (unsigned long long)d->pt.mapped_pages,
		    (unsigned long long)d->pt.table_pages, (unsigned long long)d->iova.used_pages,
		    (unsigned long long)vtd_faults_for(vtd_sid(d->bus, d->devfn)));
	}
	spin_unlock_class(&vtd_domains_lock, LOCK_CLASS_IOMMU, fl);
}

static void cmd_iommu(void)
{
	vtd_poll_faults(NULL);
	vtd_print();
}

const struct diag_cmd diag_cmds_iommu[] = {
    {"iommu", "IOMMU units, translation, domains, invalidations, faults", cmd_iommu},
};
const size_t diag_cmds_iommu_count = sizeof(diag_cmds_iommu) / sizeof(diag_cmds_iommu[0]);
