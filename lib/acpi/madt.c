/* madt: decoding the Multiple APIC Description Table (ACPI 6.5 §5.2.12). */
#include "lib/acpi/internal.h"
#include "lib/str.h"

/* Bytes each entry type needs. Entries may be longer than this (later revisions append
 * fields, §5.2.12: the length byte is what steps to the next entry), never shorter. */
static size_t entry_min_len(uint8_t type)
{
	switch (type) {
	case ACPI_MADT_TYPE_LAPIC:
		return sizeof(struct acpi_madt_lapic);
	case ACPI_MADT_TYPE_IOAPIC:
		return sizeof(struct acpi_madt_ioapic);
	case ACPI_MADT_TYPE_ISO:
		return sizeof(struct acpi_madt_iso);
	case ACPI_MADT_TYPE_NMI_SOURCE:
		return sizeof(struct acpi_madt_nmi_source);
	case ACPI_MADT_TYPE_LAPIC_NMI:
		return sizeof(struct acpi_madt_lapic_nmi);
	case ACPI_MADT_TYPE_LAPIC_OVERRIDE:
		return sizeof(struct acpi_madt_lapic_override);
	case ACPI_MADT_TYPE_X2APIC:
		return sizeof(struct acpi_madt_x2apic);
	case ACPI_MADT_TYPE_X2APIC_NMI:
		return sizeof(struct acpi_madt_x2apic_nmi);
	default:
		return sizeof(struct acpi_madt_entry);
	}
}

/* Records a processor; false when it duplicates an APIC ID already recorded. */
static bool add_cpu(struct acpi_madt_info *m, uint32_t apic_id, uint32_t uid, uint32_t flags,
		    bool x2apic)
{
	/* §5.2.12.2: a processor neither enabled nor online capable must not be used.
	 * Online Capable exists from MADT revision 5 (ACPI 6.3); before, the bit is
	 * reserved and means nothing. */
	if (m->revision < 5)
		flags &= ~ACPI_MADT_LAPIC_ONLINE_CAPABLE;
	if (!(flags & (ACPI_MADT_LAPIC_ENABLED | ACPI_MADT_LAPIC_ONLINE_CAPABLE)))
		return true;
	for (size_t i = 0; i < m->ncpu; i++)
		if (m->cpu[i].apic_id == apic_id)
			return false;
	if (m->ncpu >= ACPI_MADT_MAX_CPUS) {
		m->cpu_overflow++;
		return true;
	}
	m->cpu[m->ncpu++] = (struct acpi_cpu){apic_id, uid, flags, x2apic};
	if (flags & ACPI_MADT_LAPIC_ENABLED)
		m->cpus_enabled++;
	return true;
}

static void add_lapic_nmi(struct acpi_madt_info *m, uint32_t uid, uint16_t flags, uint8_t lint)
{
	if (m->nlapic_nmi >= ACPI_MADT_MAX_LAPIC_NMIS) {
		m->lapic_nmi_overflow++;
		return;
	}
	m->lapic_nmi[m->nlapic_nmi++] = (struct acpi_lapic_nmi){uid, flags, lint};
}

/* Decodes one entry of a checked length. Returns NULL, or why the entry is dropped. */
static const char *decode_entry(struct acpi_madt_info *m, const uint8_t *p, uint8_t type)
{
	switch (type) {
	case ACPI_MADT_TYPE_LAPIC: {
		struct acpi_madt_lapic e;
		memcpy(&e, p, sizeof(e));
		/* 0xff is the broadcast ID, never a processor's (Linux skips it too). */
		if (e.apic_id == 0xff)
			return NULL;
		if (!add_cpu(m, e.apic_id, e.processor_uid, e.flags, false))
			return "duplicate APIC ID";
		return NULL;
	}
	case ACPI_MADT_TYPE_X2APIC: {
		struct acpi_madt_x2apic e;
		memcpy(&e, p, sizeof(e));
		if (e.x2apic_id == 0xffffffffu)
			return NULL;
		if (!add_cpu(m, e.x2apic_id, e.processor_uid, e.flags, true))
			return "duplicate APIC ID";
		return NULL;
	}
	case ACPI_MADT_TYPE_IOAPIC: {
		struct acpi_madt_ioapic e;
		memcpy(&e, p, sizeof(e));
		if (e.address == 0)
			return "I/O APIC at address 0";
		if (m->nioapic >= ACPI_MADT_MAX_IOAPICS) {
			m->ioapic_overflow++;
			return NULL;
		}
		m->ioapic[m->nioapic++] = (struct acpi_ioapic){e.ioapic_id, e.address, e.gsi_base};
		return NULL;
	}
	case ACPI_MADT_TYPE_ISO: {
		struct acpi_madt_iso e;
		memcpy(&e, p, sizeof(e));
		if (m->niso >= ACPI_MADT_MAX_ISOS) {
			m->iso_overflow++;
			return NULL;
		}
		m->iso[m->niso++] = (struct acpi_iso){e.bus, e.source, e.flags, e.gsi};
		return NULL;
	}
	case ACPI_MADT_TYPE_NMI_SOURCE: {
		struct acpi_madt_nmi_source e;
		memcpy(&e, p, sizeof(e));
		if (m->nnmi_source >= ACPI_MADT_MAX_NMI_SOURCES) {
			m->nmi_source_overflow++;
			return NULL;
		}
		m->nmi_source[m->nnmi_source++] = (struct acpi_nmi_source){e.flags, e.gsi};
		return NULL;
	}
	case ACPI_MADT_TYPE_LAPIC_NMI: {
		struct acpi_madt_lapic_nmi e;
		memcpy(&e, p, sizeof(e));
		/* §5.2.12.7: UID 0xff applies to all processors. */
		uint32_t uid = e.processor_uid == 0xff ? ACPI_LAPIC_NMI_ALL_CPUS : e.processor_uid;
		add_lapic_nmi(m, uid, e.flags, e.lint);
		return NULL;
	}
	case ACPI_MADT_TYPE_X2APIC_NMI: {
		struct acpi_madt_x2apic_nmi e;
		memcpy(&e, p, sizeof(e));
		add_lapic_nmi(m, e.processor_uid, e.flags, e.lint);
		return NULL;
	}
	case ACPI_MADT_TYPE_LAPIC_OVERRIDE: {
		struct acpi_madt_lapic_override e;
		memcpy(&e, p, sizeof(e));
		/* §5.2.12.8: when present, this 64-bit address replaces the header's. */
		if (e.address == 0)
			return "local APIC override to address 0";
		m->lapic_address = e.address;
		return NULL;
	}
	default:
		m->unknown++;
		return NULL;
	}
}

enum acpi_status acpi_madt_parse(const void *table, size_t len, struct acpi_madt_info *out)
{
	const uint8_t *p = table;
	struct acpi_sdt_header hdr;
	struct acpi_madt madt;
	enum acpi_status st = ACPI_OK;

	memset(out, 0, sizeof(*out));
	if (acpi_check_header(table, len, sizeof(madt), "APIC", &hdr) != ACPI_OK)
		return ACPI_ERR_CORRUPT;
	memcpy(&madt, p, sizeof(madt));
	out->revision = hdr.revision;
	out->lapic_address = madt.lapic_address;
	out->flags = madt.flags;

	/* Every step advances by at least 2 bytes and stays within hdr.length, so the walk
	 * ends after at most length / 2 entries. */
	size_t off = sizeof(madt);
	while (off < hdr.length) {
		struct acpi_madt_entry e;
		if (hdr.length - off < sizeof(e)) {
			acpi_report("APIC", "partial entry header");
			return ACPI_ERR_CORRUPT;
		}
		memcpy(&e, p + off, sizeof(e));
		if (e.length < sizeof(e)) {
			acpi_report("APIC", "entry length below 2");
			return ACPI_ERR_CORRUPT;
		}
		if (e.length > hdr.length - off) {
			acpi_report("APIC", "entry overruns table");
			return ACPI_ERR_CORRUPT;
		}
		const char *why = e.length < entry_min_len(e.type)
				      ? "entry too short for its type"
				      : decode_entry(out, p + off, e.type);
		if (why != NULL) {
			/* Bounded: a hostile table cannot flood the log. */
			if (out->ignored++ < ACPI_REPORTS_PER_TABLE)
				acpi_report("APIC", why);
			st = ACPI_ERR_CORRUPT;
		}
		off += e.length;
	}
	return st;
}
