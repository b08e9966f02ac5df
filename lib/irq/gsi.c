/* gsi: GSI -> I/O APIC pin, and ISA IRQ -> GSI through the MADT's overrides. */
#include "lib/irq/gsi.h"

#include "hw/acpi.h"
#include "hw/ioapic.h"
#include "lib/hooks.h"
#include "lib/str.h"

uint32_t irq_ioapic_ver_entries(uint32_t ver)
{
	return ((ver & IOAPIC_VER_MAX_REDIR_MASK) >> IOAPIC_VER_MAX_REDIR_SHIFT) + 1u;
}

/* Checks one I/O APIC against the chips accepted so far; reports and returns false when
 * it must be left out. */
static bool ioapic_acceptable(const struct irq_gsi_map *map, const struct acpi_ioapic *a,
			      uint32_t ver)
{
	if (ver == IOAPIC_ALL_ONES) {
		hook_log("irq: ioapic %u at 0x%x reads all-ones, ignored", a->id, a->address);
		return false;
	}
	uint32_t n = irq_ioapic_ver_entries(ver);
	/* VER always gives 1..256; 0 is refused too so a changed source cannot slip by. */
	if (n == 0 || n > IRQ_IOAPIC_MAX_ENTRIES) {
		hook_log("irq: ioapic %u has %u redirection entries, ignored", a->id, n);
		return false;
	}
	uint64_t last = (uint64_t)a->gsi_base + n - 1;
	if (last > UINT32_MAX) {
		hook_log("irq: ioapic %u gsi %u-%llu beyond the GSI space, ignored", a->id,
			 a->gsi_base, (unsigned long long)last);
		return false;
	}
	for (size_t i = 0; i < map->nioapic; i++) {
		const struct irq_gsi_ioapic *b = &map->ioapic[i];
		uint64_t b_last = (uint64_t)b->gsi_base + b->entries - 1;
		if (a->gsi_base <= b_last && b->gsi_base <= last) {
			hook_log("irq: ioapic %u gsi %u-%u overlaps ioapic %u, ignored", a->id,
				 a->gsi_base, (uint32_t)last, b->id);
			return false;
		}
	}
	return true;
}

/* MPS INTI flags (ACPI 6.5 §5.2.12.5, table 5.26). "Conforms" means the bus default,
 * which for ISA is edge triggered, active high; the reserved value 10b gets it too. */
static void iso_flags(uint8_t irq, uint16_t flags, struct irq_isa_route *r)
{
	switch (flags & ACPI_MPS_POLARITY_MASK) {
	case ACPI_MPS_POLARITY_LOW:
		r->polarity = IRQ_POLARITY_LOW;
		break;
	case ACPI_MPS_POLARITY_CONFORMS:
	case ACPI_MPS_POLARITY_HIGH:
		r->polarity = IRQ_POLARITY_HIGH;
		break;
	default:
		hook_log("irq: isa irq %u override has reserved polarity, using active high", irq);
		r->polarity = IRQ_POLARITY_HIGH;
		break;
	}
	switch (flags & ACPI_MPS_TRIGGER_MASK) {
	case ACPI_MPS_TRIGGER_LEVEL:
		r->trigger = IRQ_TRIGGER_LEVEL;
		break;
	case ACPI_MPS_TRIGGER_CONFORMS:
	case ACPI_MPS_TRIGGER_EDGE:
		r->trigger = IRQ_TRIGGER_EDGE;
		break;
	default:
		hook_log("irq: isa irq %u override has reserved trigger, using edge", irq);
		r->trigger = IRQ_TRIGGER_EDGE;
		break;
	}
}

/* Applies one override; reports and returns false when it must be ignored. */
static bool iso_apply(struct irq_gsi_map *map, const struct acpi_iso *o)
{
	/* Bus 0 is ISA, the only bus ACPI defines for overrides (§5.2.12.5, table 5.25). */
	if (o->bus != 0) {
		hook_log("irq: override bus %u irq %u is not ISA, ignored", o->bus, o->source);
		return false;
	}
	if (o->source >= IRQ_ISA_IRQS) {
		hook_log("irq: override of isa irq %u out of range, ignored", o->source);
		return false;
	}
	if (map->isa[o->source].overridden) {
		hook_log("irq: isa irq %u overridden twice, ignored", o->source);
		return false;
	}
	for (size_t i = 0; i < IRQ_ISA_IRQS; i++) {
		if (map->isa[i].overridden && map->isa[i].gsi == o->gsi) {
			hook_log("irq: isa irq %u override to gsi %u taken by isa irq %zu, ignored",
				 o->source, o->gsi, i);
			return false;
		}
	}
	struct irq_isa_route *r = &map->isa[o->source];
	r->overridden = true;
	r->present = true;
	r->gsi = o->gsi;
	iso_flags(o->source, o->flags, r);
	return true;
}

enum irq_status irq_gsi_map_build(struct irq_gsi_map *map, const struct acpi_madt_info *madt,
				  const uint32_t *ver, size_t nver)
{
	memset(map, 0, sizeof(*map));
	if (nver != madt->nioapic || madt->nioapic > ACPI_MADT_MAX_IOAPICS ||
	    madt->niso > ACPI_MADT_MAX_ISOS)
		return IRQ_ERR_INVALID;

	for (size_t i = 0; i < madt->nioapic; i++) {
		const struct acpi_ioapic *a = &madt->ioapic[i];
		if (!ioapic_acceptable(map, a, ver[i])) {
			map->ioapic_rejected++;
			continue;
		}
		struct irq_gsi_ioapic *g = &map->ioapic[map->nioapic++];
		g->id = a->id;
		g->version = (uint8_t)(ver[i] & IOAPIC_VER_VERSION_MASK);
		g->madt_index = i;
		g->address = a->address;
		g->gsi_base = a->gsi_base;
		g->entries = irq_ioapic_ver_entries(ver[i]);
	}

	for (size_t i = 0; i < madt->niso; i++)
		if (!iso_apply(map, &madt->iso[i]))
			map->iso_rejected++;

	/* Without an override, ISA IRQ n is GSI n, edge, active high (§5.2.12.5) - unless
	 * an override moved another IRQ onto GSI n (as Linux's mp_config_acpi_legacy_irqs
	 * also skips it). */
	for (uint32_t n = 0; n < IRQ_ISA_IRQS; n++) {
		struct irq_isa_route *r = &map->isa[n];
		if (r->overridden)
			continue;
		r->gsi = n;
		r->trigger = IRQ_TRIGGER_EDGE;
		r->polarity = IRQ_POLARITY_HIGH;
		r->present = true;
		for (size_t j = 0; j < IRQ_ISA_IRQS; j++)
			if (map->isa[j].overridden && map->isa[j].gsi == n)
				r->present = false;
	}

	if (map->ioapic_rejected != 0 || map->iso_rejected != 0)
		return IRQ_ERR_CORRUPT;
	return IRQ_OK;
}

enum irq_status irq_gsi_lookup(const struct irq_gsi_map *map, uint32_t gsi, size_t *ioapic,
			       uint32_t *pin)
{
	for (size_t i = 0; i < map->nioapic && i < IRQ_GSI_MAX_IOAPICS; i++) {
		const struct irq_gsi_ioapic *g = &map->ioapic[i];
		if (gsi >= g->gsi_base && gsi - g->gsi_base < g->entries) {
			*ioapic = i;
			*pin = gsi - g->gsi_base;
			return IRQ_OK;
		}
	}
	return IRQ_ERR_NOT_FOUND;
}

enum irq_status irq_gsi_isa(const struct irq_gsi_map *map, uint32_t isa_irq,
			    struct irq_isa_route *out)
{
	if (isa_irq >= IRQ_ISA_IRQS)
		return IRQ_ERR_INVALID;
	if (!map->isa[isa_irq].present)
		return IRQ_ERR_NOT_FOUND;
	*out = map->isa[isa_irq];
	return IRQ_OK;
}
