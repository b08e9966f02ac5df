/* acpi_print: the "acpi" diagnostics lines (format in docs/acpi.md). */
#include "lib/acpi/internal.h"
#include "lib/fmt.h"
#include "lib/str.h"

/* One line buffer, reused for every line, so printing costs one ACPI_PRINT_LINE_MAX of
 * stack. */
struct line {
	char buf[ACPI_PRINT_LINE_MAX];
	size_t len;
	acpi_emit_fn emit;
	void *ctx;
};

static void line_emit(struct line *l)
{
	l->emit(l->ctx, l->buf);
	l->len = 0;
	l->buf[0] = '\0';
}

/* Appends to l; output that does not fit is cut (fmt_vsnprintf always terminates). */
static void __attribute__((format(printf, 2, 3))) line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	size_t n = fmt_vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	l->len += n < sizeof(l->buf) - l->len ? n : sizeof(l->buf) - l->len - 1;
}

static void print_madt(const struct acpi_madt_info *m, struct line *l)
{
	line_add(l, "madt cpus=%zu", m->cpus_enabled);
	for (size_t i = 0; i < m->nioapic; i++)
		line_add(l, " ioapic=%u@0x%x/gsi=%u", m->ioapic[i].id, m->ioapic[i].address,
			 m->ioapic[i].gsi_base);
	for (size_t i = 0; i < m->niso; i++)
		line_add(l, " iso=%u>%u/0x%x", m->iso[i].source, m->iso[i].gsi, m->iso[i].flags);
	line_emit(l);
}

static void print_mcfg(const struct acpi_mcfg_info *m, struct line *l)
{
	for (size_t i = 0; i < m->count; i++) {
		const struct acpi_mcfg_region *r = &m->region[i];
		line_add(l, "mcfg seg=%u base=0x%llx bus=%02x-%02x", r->segment,
			 (unsigned long long)r->base, r->bus_start, r->bus_end);
		line_emit(l);
	}
}

static void print_dmar(const struct acpi_dmar_info *d, struct line *l)
{
	for (size_t i = 0; i < d->ndrhd; i++) {
		const struct acpi_drhd *u = &d->drhd[i];
		line_add(l, "dmar drhd seg=%u base=0x%llx flags=0x%x", u->segment,
			 (unsigned long long)u->base, u->flags);
		line_emit(l);
	}
}

/* Sorts table indices by signature; insertion sort is stable, so equal signatures stay
 * in table order. */
static void sort_by_sig(const struct acpi_tables *t, uint8_t *idx)
{
	for (size_t i = 0; i < t->count; i++) {
		size_t j = i;
		idx[i] = (uint8_t)i;
		while (j > 0 && memcmp(t->table[idx[j - 1]].sig, t->table[i].sig, 4) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = (uint8_t)i;
	}
}

void acpi_print(const struct acpi_info *info, acpi_emit_fn emit, void *ctx)
{
	const struct acpi_tables *t = &info->tables;
	uint8_t idx[ACPI_MAX_TABLES];
	struct line l;

	_Static_assert(ACPI_MAX_TABLES <= 256, "indices fit in a byte");
	l.len = 0;
	l.buf[0] = '\0';
	l.emit = emit;
	l.ctx = ctx;
	sort_by_sig(t, idx);
	for (size_t i = 0; i < t->count; i++) {
		const struct acpi_table *tab = &t->table[idx[i]];
		char sig[5];
		for (int k = 0; k < 4; k++)
			sig[k] = (tab->sig[k] >= 0x20 && tab->sig[k] <= 0x7e) ? tab->sig[k] : '?';
		sig[4] = '\0';
		line_add(&l, "acpi %s len=%u", sig, (unsigned)tab->len);
		line_emit(&l);
		/* The decoded summaries belong to the first table of each signature, the one
		 * acpi_parse decoded. */
		if (info->has_madt && tab == acpi_table_find(t, "APIC", 0))
			print_madt(&info->madt, &l);
		if (info->has_mcfg && tab == acpi_table_find(t, "MCFG", 0))
			print_mcfg(&info->mcfg, &l);
		if (info->has_dmar && tab == acpi_table_find(t, "DMAR", 0))
			print_dmar(&info->dmar, &l);
	}
}
