/* mcfg: decoding the PCI Express ECAM table (PCI Firmware 3.3 §4.1.2). */
#include "lib/acpi/internal.h"
#include "lib/str.h"

#define ECAM_BUS_SHIFT 20 /* 1 MiB of configuration space per bus (PCIe 6.0 §7.2.2) */
#define ECAM_ALIGN     0xfffu

/* Checks one allocation entry; NULL when fine, else the reason it is dropped. */
static const char *region_problem(const struct acpi_mcfg_alloc *a)
{
	if (a->bus_start > a->bus_end)
		return "bad bus range";
	if (a->base == 0 || (a->base & ECAM_ALIGN) != 0)
		return "bad base";
	/* base is where bus 0 would be; the window must not wrap past 2^64. */
	uint64_t top = ((uint64_t)a->bus_end + 1) << ECAM_BUS_SHIFT;
	if (a->base > UINT64_MAX - top + 1)
		return "bad base";
	return NULL;
}

enum acpi_status acpi_mcfg_parse(const void *table, size_t len, struct acpi_mcfg_info *out)
{
	const uint8_t *p = table;
	struct acpi_sdt_header hdr;
	enum acpi_status st = ACPI_OK;

	memset(out, 0, sizeof(*out));
	if (acpi_check_header(table, len, sizeof(struct acpi_mcfg), "MCFG", &hdr) != ACPI_OK)
		return ACPI_ERR_CORRUPT;
	size_t body = hdr.length - sizeof(struct acpi_mcfg);
	size_t n = body / sizeof(struct acpi_mcfg_alloc);
	if (body % sizeof(struct acpi_mcfg_alloc) != 0) {
		acpi_report("MCFG", "partial entry");
		st = ACPI_ERR_CORRUPT;
	}
	for (size_t i = 0; i < n; i++) {
		struct acpi_mcfg_alloc a;
		memcpy(&a, p + sizeof(struct acpi_mcfg) + i * sizeof(a), sizeof(a));
		const char *why = region_problem(&a);
		if (why != NULL) {
			/* Bounded: a hostile table cannot flood the log. */
			if (out->ignored++ < ACPI_REPORTS_PER_TABLE)
				acpi_report("MCFG", why);
			st = ACPI_ERR_CORRUPT;
			continue;
		}
		if (out->count >= ACPI_MCFG_MAX_REGIONS) {
			out->overflow++;
			continue;
		}
		out->region[out->count++] = (struct acpi_mcfg_region){
		    .base = a.base,
		    .segment = a.segment,
		    .bus_start = a.bus_start,
		    .bus_end = a.bus_end,
		};
	}
	return st;
}
