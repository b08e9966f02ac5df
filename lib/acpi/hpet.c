/* hpet: decoding the HPET description table (IA-PC HPET 1.0a §3.2.4). */
#include "lib/acpi/internal.h"
#include "lib/str.h"

enum acpi_status acpi_hpet_parse(const void *table, size_t len, struct acpi_hpet_info *out)
{
	struct acpi_sdt_header hdr;
	struct acpi_hpet h;

	memset(out, 0, sizeof(*out));
	if (acpi_check_header(table, len, sizeof(h), "HPET", &hdr) != ACPI_OK)
		return ACPI_ERR_CORRUPT;
	memcpy(&h, table, sizeof(h));
	/* §3.2.4: the register block is memory-mapped; the GAS names system memory. */
	if (h.base.space_id != ACPI_GAS_SPACE_MEMORY || h.base.address == 0) {
		acpi_report("HPET", "base not a memory address");
		return ACPI_ERR_CORRUPT;
	}
	out->address = h.base.address;
	out->block_id = h.event_timer_block_id;
	out->number = h.hpet_number;
	out->min_tick = h.min_clock_tick;
	out->page_protection = h.page_protection & ACPI_HPET_PAGE_PROT_MASK;
	out->comparators = (uint8_t)ACPI_HPET_ID_COMPARATORS(h.event_timer_block_id);
	out->counter_64 = (h.event_timer_block_id & ACPI_HPET_ID_COUNT_64) != 0;
	out->legacy_route = (h.event_timer_block_id & ACPI_HPET_ID_LEGACY_ROUTE) != 0;
	return ACPI_OK;
}
