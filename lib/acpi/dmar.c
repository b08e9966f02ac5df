/* dmar: decoding the DMA Remapping Reporting table (Intel VT-d 4.1 chapter 8). */
#include "lib/acpi/internal.h"
#include "lib/str.h"

#define PAGE_MASK 0xfffu

/* Records one checked scope whose path entries start at path. */
static void add_scope(struct acpi_dmar_scopes *out, const struct acpi_dmar_scope *s,
		      const uint8_t *path)
{
	size_t npath = (s->length - sizeof(*s)) / sizeof(struct acpi_dmar_path);

	if (out->count >= ACPI_DMAR_MAX_SCOPES || npath > ACPI_DMAR_MAX_PATH) {
		out->overflow++;
		return;
	}
	struct acpi_dmar_dev *d = &out->dev[out->count++];
	d->type = s->type;
	d->flags = s->flags;
	d->enumeration_id = s->enumeration_id;
	d->start_bus = s->start_bus;
	d->npath = (uint8_t)npath;
	memcpy(d->path, path, npath * sizeof(struct acpi_dmar_path));
}

/* Decodes the device scopes in [off, end) of the table at p (VT-d §8.3.1) into out, or
 * only checks them when out is NULL. Returns NULL, or the reason the whole table must be
 * rejected. */
static const char *decode_scopes(const uint8_t *p, size_t off, size_t end,
				 struct acpi_dmar_scopes *out)
{
	while (off < end) {
		struct acpi_dmar_scope s;
		if (end - off < sizeof(s))
			return "device scope overruns its structure";
		memcpy(&s, p + off, sizeof(s));
		/* The length is 6 plus 2 bytes per path entry. */
		if (s.length < sizeof(s) || (s.length - sizeof(s)) % 2 != 0)
			return "bad device scope length";
		if (s.length > end - off)
			return "device scope overruns its structure";
		if (out != NULL)
			add_scope(out, &s, p + off + sizeof(s));
		off += s.length;
	}
	return NULL;
}

/* Decodes one remapping structure of `len` bytes at p + off (VT-d §8.2). Returns NULL,
 * or the reason the table must be rejected. */
static const char *decode_struct(const uint8_t *p, size_t off, uint16_t type, size_t len,
				 struct acpi_dmar_info *out)
{
	size_t end = off + len;

	switch (type) {
	case ACPI_DMAR_TYPE_DRHD: {
		struct acpi_dmar_drhd d;
		if (len < sizeof(d))
			return "short DRHD";
		memcpy(&d, p + off, sizeof(d));
		/* §8.3: the register set is page-aligned. */
		if (d.register_base == 0 || (d.register_base & PAGE_MASK) != 0)
			return "bad DRHD register base";
		if (out->ndrhd >= ACPI_DMAR_MAX_DRHD) {
			out->drhd_overflow++;
			return decode_scopes(p, off + sizeof(d), end, NULL);
		}
		struct acpi_drhd *u = &out->drhd[out->ndrhd++];
		u->flags = d.flags;
		u->size = d.size;
		u->segment = d.segment;
		u->base = d.register_base;
		return decode_scopes(p, off + sizeof(d), end, &u->scopes);
	}
	case ACPI_DMAR_TYPE_RMRR: {
		struct acpi_dmar_rmrr r;
		if (len < sizeof(r))
			return "short RMRR";
		memcpy(&r, p + off, sizeof(r));
		/* §8.4: base is 4 KiB aligned and limit is the region's last byte. */
		if (r.base > r.limit)
			return "RMRR base above limit";
		if (out->nrmrr >= ACPI_DMAR_MAX_RMRR) {
			out->rmrr_overflow++;
			return decode_scopes(p, off + sizeof(r), end, NULL);
		}
		struct acpi_rmrr *m = &out->rmrr[out->nrmrr++];
		m->segment = r.segment;
		m->base = r.base;
		m->limit = r.limit;
		return decode_scopes(p, off + sizeof(r), end, &m->scopes);
	}
	case ACPI_DMAR_TYPE_ATSR: {
		struct acpi_dmar_atsr a;
		if (len < sizeof(a))
			return "short ATSR";
		memcpy(&a, p + off, sizeof(a));
		if (out->natsr >= ACPI_DMAR_MAX_ATSR) {
			out->atsr_overflow++;
			return decode_scopes(p, off + sizeof(a), end, NULL);
		}
		struct acpi_atsr *s = &out->atsr[out->natsr++];
		s->flags = a.flags;
		s->segment = a.segment;
		return decode_scopes(p, off + sizeof(a), end, &s->scopes);
	}
	default:
		/* RHSA, ANDD, SATC, SIDP and later types: skipped by their length. */
		out->other++;
		return NULL;
	}
}

enum acpi_status acpi_dmar_parse(const void *table, size_t len, struct acpi_dmar_info *out)
{
	const uint8_t *p = table;
	struct acpi_sdt_header hdr;
	struct acpi_dmar dmar;
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	if (acpi_check_header(table, len, sizeof(dmar), "DMAR", &hdr) != ACPI_OK)
		return ACPI_ERR_CORRUPT;
	memcpy(&dmar, p, sizeof(dmar));
	out->host_address_width = dmar.host_address_width;
	out->flags = dmar.flags;

	/* Each structure is at least 4 bytes and stays within the table: the walk is
	 * bounded by length / 4 steps. */
	size_t off = sizeof(dmar);
	while (why == NULL && off < hdr.length) {
		struct acpi_dmar_entry e;
		if (hdr.length - off < sizeof(e)) {
			why = "partial structure header";
			break;
		}
		memcpy(&e, p + off, sizeof(e));
		if (e.length < sizeof(e))
			why = "structure length below 4";
		else if (e.length > hdr.length - off)
			why = "structure overruns table";
		else
			why = decode_struct(p, off, e.type, e.length, out);
		off += e.length;
	}
	if (why != NULL) {
		acpi_report("DMAR", why);
		memset(out, 0, sizeof(*out));
		return ACPI_ERR_CORRUPT;
	}
	return ACPI_OK;
}
