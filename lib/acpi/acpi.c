/* acpi: acpi_parse, the one call that finds and decodes every table lib/acpi knows. */
#include "lib/acpi/internal.h"
#include "lib/str.h"

/* Maps the first table with signature sig; NULL (and *len 0) when absent or unmapped. */
static const void *map_first(const struct acpi_tables *t, const char *sig, size_t *len)
{
	const struct acpi_table *tab = acpi_table_find(t, sig, 0);
	const void *p = tab != NULL ? acpi_table_map(t, tab) : NULL;

	*len = p != NULL ? tab->len : 0;
	return p;
}

enum acpi_status acpi_parse(struct acpi_info *out, const struct acpi_mem *mem, uint64_t rsdp_phys)
{
	enum acpi_status st;
	const void *p;
	size_t len;

	memset(out, 0, sizeof(*out));
	st = acpi_tables_init(&out->tables, mem, rsdp_phys);
	if (st != ACPI_OK)
		return st;

	/* The FADT first: it leads to the DSDT and FACS. A second FADT would be a firmware
	 * bug; only the first is used. */
	p = map_first(&out->tables, "FACP", &len);
	if (p != NULL && acpi_fadt_parse(p, len, &out->fadt) == ACPI_OK) {
		out->has_fadt = true;
		acpi_tables_add_fadt(&out->tables, &out->fadt);
	}
	p = map_first(&out->tables, "APIC", &len);
	if (p != NULL) {
		acpi_madt_parse(p, len, &out->madt); /* partial results are kept */
		out->has_madt = true;
	}
	p = map_first(&out->tables, "MCFG", &len);
	if (p != NULL) {
		acpi_mcfg_parse(p, len, &out->mcfg); /* bad entries are dropped, others kept */
		out->has_mcfg = true;
	}
	p = map_first(&out->tables, "HPET", &len);
	if (p != NULL)
		out->has_hpet = acpi_hpet_parse(p, len, &out->hpet) == ACPI_OK;
	p = map_first(&out->tables, "DMAR", &len);
	if (p != NULL)
		out->has_dmar = acpi_dmar_parse(p, len, &out->dmar) == ACPI_OK;
	return ACPI_OK;
}
