/* vtd_scope: resolving DMAR device scopes (VT-d rev 5.10 §8.3.1). */
#include "lib/iommu/vtd_scope.h"

#include "hw/acpi.h"
#include "hw/vtd.h"

#define PCI_MAX_DEV 31u
#define PCI_MAX_FN  7u

int vtd_scope_resolve(const struct acpi_dmar_dev *s, vtd_bus_reg_fn secondary_bus, void *ctx,
		      uint8_t *bus, uint8_t *devfn)
{
	uint8_t b = s->start_bus;
	size_t n = s->npath;

	if (n == 0 || n > ACPI_DMAR_MAX_PATH)
		return VTD_SCOPE_ERR_INVALID;
	for (size_t i = 0; i < n; i++)
		if (s->path[i].device > PCI_MAX_DEV || s->path[i].function > PCI_MAX_FN)
			return VTD_SCOPE_ERR_INVALID;
	/* §8.3.1: for HPET and ACPI devices the path is the low byte of a platform-assigned
	 * source id, not a walk. */
	if ((s->type == ACPI_DMAR_SCOPE_HPET || s->type == ACPI_DMAR_SCOPE_NAMESPACE) && n != 1)
		return VTD_SCOPE_ERR_INVALID;
	for (size_t i = 0; i + 1 < n; i++) {
		uint8_t sec = secondary_bus(ctx, b, s->path[i].device, s->path[i].function);
		if (sec == 0)
			return VTD_SCOPE_ERR_NOBRIDGE;
		if (sec <= b)
			return VTD_SCOPE_ERR_BUS;
		b = sec;
	}
	*bus = b;
	*devfn = vtd_devfn(s->path[n - 1].device, s->path[n - 1].function);
	return VTD_SCOPE_OK;
}

bool vtd_scope_covers(const struct acpi_dmar_dev *s, const struct vtd_bridge_ops *ops, uint8_t bus,
		      uint8_t devfn)
{
	uint8_t b, df, sec, sub;

	if (s->type != ACPI_DMAR_SCOPE_ENDPOINT && s->type != ACPI_DMAR_SCOPE_BRIDGE)
		return false;
	if (vtd_scope_resolve(s, ops->secondary_bus, ops->ctx, &b, &df) != VTD_SCOPE_OK)
		return false;
	if (b == bus && df == devfn)
		return true;
	if (s->type != ACPI_DMAR_SCOPE_BRIDGE)
		return false;
	sec = ops->secondary_bus(ops->ctx, b, df >> 3, df & 7);
	if (sec <= b)
		return false; /* not a bridge (0), or one numbered against PCI's rules */
	sub = ops->subordinate_bus(ops->ctx, b, df >> 3, df & 7);
	if (sub < sec)
		sub = sec;
	return bus >= sec && bus <= sub;
}

int vtd_drhd_find(const struct acpi_dmar_info *d, uint16_t segment,
		  const struct vtd_bridge_ops *ops, uint8_t bus, uint8_t devfn, size_t *unit)
{
	bool lost = d->drhd_overflow != 0;
	size_t n = d->ndrhd < ACPI_DMAR_MAX_DRHD ? d->ndrhd : ACPI_DMAR_MAX_DRHD;

	for (size_t i = 0; i < n; i++) {
		const struct acpi_drhd *u = &d->drhd[i];
		size_t ns =
		    u->scopes.count < ACPI_DMAR_MAX_SCOPES ? u->scopes.count : ACPI_DMAR_MAX_SCOPES;
		if (u->segment != segment || (u->flags & ACPI_DMAR_DRHD_INCLUDE_PCI_ALL) != 0)
			continue;
		for (size_t k = 0; k < ns; k++) {
			if (vtd_scope_covers(&u->scopes.dev[k], ops, bus, devfn)) {
				*unit = i;
				return VTD_SCOPE_OK;
			}
		}
		if (u->scopes.overflow != 0)
			lost = true;
	}
	if (lost)
		return VTD_SCOPE_ERR_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		if (d->drhd[i].segment == segment &&
		    (d->drhd[i].flags & ACPI_DMAR_DRHD_INCLUDE_PCI_ALL) != 0) {
			*unit = i;
			return VTD_SCOPE_OK;
		}
	}
	return VTD_SCOPE_ERR_NONE;
}

bool vtd_rmrr_next(const struct acpi_dmar_info *d, uint16_t segment,
		   const struct vtd_bridge_ops *ops, uint8_t bus, uint8_t devfn, size_t *cursor,
		   size_t *index)
{
	size_t n = d->nrmrr < ACPI_DMAR_MAX_RMRR ? d->nrmrr : ACPI_DMAR_MAX_RMRR;
	for (size_t i = *cursor; i < n; i++) {
		const struct acpi_rmrr *r = &d->rmrr[i];
		size_t ns =
		    r->scopes.count < ACPI_DMAR_MAX_SCOPES ? r->scopes.count : ACPI_DMAR_MAX_SCOPES;
		if (r->segment != segment)
			continue;
		for (size_t k = 0; k < ns; k++)
			if (vtd_scope_covers(&r->scopes.dev[k], ops, bus, devfn)) {
				*index = i;
				*cursor = i + 1;
				return true;
			}
	}
	*cursor = n;
	return false;
}

int vtd_ioapic_find(const struct acpi_dmar_info *d, uint8_t ioapic_id, vtd_bus_reg_fn secondary_bus,
		    void *ctx, size_t *unit, uint8_t *bus, uint8_t *devfn)
{
	size_t n = d->ndrhd < ACPI_DMAR_MAX_DRHD ? d->ndrhd : ACPI_DMAR_MAX_DRHD;
	for (size_t i = 0; i < n; i++) {
		const struct acpi_dmar_scopes *sc = &d->drhd[i].scopes;
		size_t ns = sc->count < ACPI_DMAR_MAX_SCOPES ? sc->count : ACPI_DMAR_MAX_SCOPES;
		for (size_t k = 0; k < ns; k++) {
			const struct acpi_dmar_dev *s = &sc->dev[k];
			if (s->type != ACPI_DMAR_SCOPE_IOAPIC || s->enumeration_id != ioapic_id)
				continue;
			int st = vtd_scope_resolve(s, secondary_bus, ctx, bus, devfn);
			if (st == VTD_SCOPE_OK)
				*unit = i;
			return st;
		}
	}
	return VTD_SCOPE_ERR_NONE;
}
