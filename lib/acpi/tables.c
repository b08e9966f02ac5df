/* tables: the XSDT/RSDT walk (ACPI 6.5 §5.2.7, §5.2.8) and the list of validated tables,
 * plus the DSDT and FACS reached through the FADT (§5.2.9, §5.2.10). */
#include "lib/acpi/internal.h"
#include "lib/str.h"

#define FACS_MIN_LEN 64 /* §5.2.10: the FACS has no SDT header and no checksum */

/* Validates the table at phys: header mapped, signature (when want is set), length within
 * [min_len, ACPI_MAX_TABLE_LEN], whole table mapped and (unless it is the FACS) a zero
 * checksum. Fills *out. Problems are reported under want, or the table's signature. */
static enum acpi_status table_check(const struct acpi_mem *mem, uint64_t phys, const char *want,
				    struct acpi_table *out)
{
	bool facs = want != NULL && memcmp(want, "FACS", 4) == 0;
	size_t hdr_len = facs ? 8 : sizeof(struct acpi_sdt_header);
	size_t min_len = facs ? FACS_MIN_LEN : sizeof(struct acpi_sdt_header);
	struct acpi_sdt_header hdr;
	const uint8_t *p;

	memset(&hdr, 0, sizeof(hdr));
	p = acpi_map_range(mem, phys, hdr_len);
	if (p == NULL) {
		acpi_report(want != NULL ? want : "????", "unmapped");
		return ACPI_ERR_UNMAPPED;
	}
	memcpy(&hdr, p, hdr_len);
	if (want != NULL && memcmp(hdr.signature, want, 4) != 0) {
		acpi_report(want, "bad signature");
		return ACPI_ERR_CORRUPT;
	}
	if (hdr.length < min_len) {
		acpi_report(hdr.signature, "too short");
		return ACPI_ERR_CORRUPT;
	}
	if (hdr.length > ACPI_MAX_TABLE_LEN) {
		acpi_report(hdr.signature, "too long");
		return ACPI_ERR_CORRUPT;
	}
	p = acpi_map_range(mem, phys, hdr.length);
	if (p == NULL) {
		acpi_report(hdr.signature, "truncated");
		return ACPI_ERR_UNMAPPED;
	}
	/* §5.2.6: the entire table, checksum byte included, sums to zero. */
	if (!facs && acpi_sum8(p, hdr.length) != 0) {
		acpi_report(hdr.signature, "bad checksum");
		return ACPI_ERR_CORRUPT;
	}
	memcpy(out->sig, hdr.signature, 4);
	out->revision = facs ? 0 : hdr.revision;
	out->len = hdr.length;
	out->phys = phys;
	out->origin = ACPI_ORIGIN_ROOT;
	return ACPI_OK;
}

static bool table_listed(const struct acpi_tables *t, uint64_t phys)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->table[i].phys == phys)
			return true;
	return false;
}

/* Records the table a root entry points to; reports and counts a bad entry. */
static void add_root_entry(struct acpi_tables *t, const char *root_sig, uint64_t phys)
{
	struct acpi_table tab;

	if (phys == 0) {
		acpi_report(root_sig, "null entry");
		t->ignored++;
		return;
	}
	if (table_listed(t, phys)) {
		acpi_report(root_sig, "duplicate entry");
		t->ignored++;
		return;
	}
	if (t->count >= ACPI_MAX_TABLES || table_check(&t->mem, phys, NULL, &tab) != ACPI_OK) {
		t->ignored++;
		return;
	}
	t->table[t->count++] = tab;
}

/* Validates and walks one root table; false (reported) when it is unusable. */
static bool walk_root(struct acpi_tables *t, uint64_t phys, bool xsdt)
{
	const char *sig = xsdt ? "XSDT" : "RSDT";
	size_t esz = xsdt ? sizeof(uint64_t) : sizeof(uint32_t);
	struct acpi_table root;

	if (table_check(&t->mem, phys, sig, &root) != ACPI_OK)
		return false;
	size_t body = root.len - sizeof(struct acpi_sdt_header);
	size_t n = body / esz;
	if (body % esz != 0)
		acpi_report(sig, "partial entry");
	if (n > ACPI_MAX_ROOT_ENTRIES) {
		acpi_report(sig, "entries past 64");
		t->overflow = n - ACPI_MAX_ROOT_ENTRIES;
		n = ACPI_MAX_ROOT_ENTRIES;
	}
	t->root_phys = phys;
	t->root_is_xsdt = xsdt;
	for (size_t i = 0; i < n; i++) {
		uint64_t at = phys + sizeof(struct acpi_sdt_header) + i * esz;
		const uint8_t *e = acpi_map_range(&t->mem, at, esz);
		uint64_t entry = 0;
		if (e == NULL) {
			acpi_report(sig, "truncated");
			break;
		}
		memcpy(&entry, e, esz); /* little-endian: a 4-byte entry fills the low half */
		add_root_entry(t, sig, entry);
	}
	return true;
}

enum acpi_status acpi_tables_init(struct acpi_tables *t, const struct acpi_mem *mem,
				  uint64_t rsdp_phys)
{
	enum acpi_status st;

	memset(t, 0, sizeof(*t));
	t->mem = *mem;
	st = acpi_rsdp_check(mem, rsdp_phys, &t->rsdp);
	if (st != ACPI_OK)
		return st;
	/* §5.2.5.3: an OS uses the XSDT when there is one; fall back to the RSDT only when
	 * the XSDT cannot be used, as ACPICA does. */
	if (t->rsdp.xsdt != 0 && walk_root(t, t->rsdp.xsdt, true))
		return ACPI_OK;
	if (t->rsdp.rsdt != 0 && walk_root(t, t->rsdp.rsdt, false))
		return ACPI_OK;
	acpi_report("RSDP", "no usable XSDT or RSDT");
	return ACPI_ERR_CORRUPT;
}

/* Finds or adds the table the FADT points to; NULL when it is invalid (reported). */
static const struct acpi_table *add_fadt_ref(struct acpi_tables *t, uint64_t phys, const char *sig)
{
	struct acpi_table tab;

	for (size_t i = 0; i < t->count; i++) {
		if (t->table[i].phys != phys)
			continue;
		/* Already listed by the root table: the same table, if it has the right
		 * signature. */
		if (memcmp(t->table[i].sig, sig, 4) != 0) {
			acpi_report(sig, "bad signature");
			return NULL;
		}
		return &t->table[i];
	}
	if (t->count >= ACPI_MAX_TABLES || table_check(&t->mem, phys, sig, &tab) != ACPI_OK)
		return NULL;
	tab.origin = ACPI_ORIGIN_FADT;
	t->table[t->count] = tab;
	return &t->table[t->count++];
}

void acpi_tables_add_fadt(struct acpi_tables *t, const struct acpi_fadt_info *fadt)
{
	if (fadt->dsdt != 0)
		t->dsdt = add_fadt_ref(t, fadt->dsdt, "DSDT");
	else
		acpi_report("DSDT", "null pointer");
	/* §5.2.9: hardware-reduced platforms have no FACS. */
	if (fadt->facs != 0)
		add_fadt_ref(t, fadt->facs, "FACS");
	else if (!(fadt->flags & ACPI_FADT_FLAG_HW_REDUCED))
		acpi_report("FACS", "null pointer");
}

const struct acpi_table *acpi_table_find(const struct acpi_tables *t, const char *sig,
					 size_t instance)
{
	for (size_t i = 0; i < t->count; i++) {
		if (memcmp(t->table[i].sig, sig, 4) != 0)
			continue;
		if (instance == 0)
			return &t->table[i];
		instance--;
	}
	return NULL;
}

const void *acpi_table_map(const struct acpi_tables *t, const struct acpi_table *tab)
{
	return acpi_map_range(&t->mem, tab->phys, tab->len);
}

static enum acpi_status aml_of(const struct acpi_tables *t, const struct acpi_table *tab,
			       struct acpi_aml *out)
{
	const uint8_t *p;

	memset(out, 0, sizeof(*out));
	if (tab == NULL)
		return ACPI_ERR_NOT_FOUND;
	p = acpi_table_map(t, tab);
	if (p == NULL)
		return ACPI_ERR_UNMAPPED;
	/* table_check guaranteed len >= the header (§5.2.11: the AML follows it). */
	out->body = p + sizeof(struct acpi_sdt_header);
	out->len = tab->len - sizeof(struct acpi_sdt_header);
	out->phys = tab->phys;
	out->revision = tab->revision;
	return ACPI_OK;
}

enum acpi_status acpi_dsdt(const struct acpi_tables *t, struct acpi_aml *out)
{
	return aml_of(t, t->dsdt, out);
}

enum acpi_status acpi_ssdt(const struct acpi_tables *t, size_t instance, struct acpi_aml *out)
{
	return aml_of(t, acpi_table_find(t, "SSDT", instance), out);
}
