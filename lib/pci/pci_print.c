/* pci_print: diagnostic lines. */
#include "lib/pci/pci_print.h"

#include <stdarg.h>

#include "lib/fmt.h"

/* An append cursor over a caller buffer that keeps counting past its end. */
struct line {
	char *buf;
	size_t n;
	size_t len;
};

static void append(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(struct line *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (l->len < l->n)
		l->len += fmt_vsnprintf(l->buf + l->len, l->n - l->len, fmt, ap);
	else
		l->len += fmt_vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
}

static const char *bar_kind_str(unsigned kind)
{
	switch (kind) {
	case PCI_BAR_IO:
		return "io";
	case PCI_BAR_MEM32:
		return "mem32";
	case PCI_BAR_MEM64:
		return "mem64";
	}
	return "none";
}

size_t pci_format_fn(const struct pci_fn *e, char *buf, size_t n)
{
	struct line l = {buf, n, 0};

	if (n > 0)
		buf[0] = '\0';
	append(&l, "pci %04x:%02x:%02x.%x %04x:%04x class=%02x%02x%02x hdr=%02x", e->seg, e->bus,
	       e->dev, e->fn, e->vendor, e->device, e->class_code, e->subclass, e->prog_if,
	       e->header_type);
	if (e->flags & PCI_FN_BRIDGE)
		append(&l, " bus=%02x-%02x", e->sec_bus, e->sub_bus);
	for (unsigned i = 0; i < e->nbars && i < PCI_TYPE0_NBARS; i++) {
		const struct pci_bar *b = &e->bar[i];
		append(&l, " bar%u=%s%s:", b->index, bar_kind_str(b->kind),
		       b->prefetch ? ",pf" : "");
		if (pci_bar_assigned(b))
			append(&l, "0x%llx", (unsigned long long)b->addr);
		else
			append(&l, "unassigned");
		append(&l, "/0x%llx", (unsigned long long)b->size);
	}
	append(&l, " caps=");
	for (unsigned i = 0; i < e->ncaps && i < PCI_MAX_CAPS; i++)
		append(&l, "%s%02x", i ? "," : "", e->cap[i].id);
	append(&l, " ecaps=");
	for (unsigned i = 0; i < e->necaps && i < PCI_MAX_ECAPS; i++)
		append(&l, "%s%04x", i ? "," : "", e->ecap[i].id);
	if (e->flags & PCI_FN_MSI)
		append(&l, " msi=%u", e->msi.vectors);
	if (e->flags & PCI_FN_MSIX)
		append(&l, " msix=%u", e->msix.table_size);
	return l.len;
}

size_t pci_format_stats(const struct pci_stats *s, char *buf, size_t n)
{
	return fmt_snprintf(buf, n, "pci-stats functions=%u buses=%u cfg-reads=%u cfg-writes=%u",
			    s->functions, s->buses, s->cfg_reads, s->cfg_writes);
}

void pci_emit_all(const struct pci_table *t, void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[PCI_LINE_MAX];

	for (size_t i = 0; i < t->count && i < PCI_MAX_FUNCS; i++) {
		pci_format_fn(&t->fn[i], line, sizeof(line));
		emit(ctx, line);
	}
}
