/* pci_cfg: counted configuration accesses bound to one function. */
#include "lib/pci/pci_cfg.h"

#include <stdarg.h>

#include "hw/pci.h"
#include "lib/fmt.h"
#include "lib/hooks.h"

#define PCI_REPORT_LEN 160

const char *pci_status_str(enum pci_status s)
{
	switch (s) {
	case PCI_OK:
		return "ok";
	case PCI_ERR_ARG:
		return "bad argument";
	case PCI_ERR_TRUNCATED:
		return "table full";
	}
	return "unknown";
}

uint32_t pci_fn_read_raw(struct pci_fn_cfg *f, uint16_t off)
{
	off &= (uint16_t)~3u;
	if (off >= f->cfg->size)
		return 0xffffffffu;
	f->stats->cfg_reads++;
	return f->cfg->ops->read32(f->cfg->ctx, f->seg, f->bus, f->dev, f->fn, off);
}

uint32_t pci_fn_read(struct pci_fn_cfg *f, uint16_t off)
{
	uint32_t v = pci_fn_read_raw(f, off);

	if (v != 0xffffffffu || f->gone)
		return v;
	/* A master abort reads as all-ones (PCI 3.0 §6.1); the vendor ID tells a register
	 * that really holds all-ones from a function that has stopped answering. */
	if ((pci_fn_read_raw(f, PCI_VENDOR_ID) & PCI_DW_VENDOR_MASK) == PCI_VENDOR_NONE) {
		f->gone = true;
		pci_fn_report(f, "reads all-ones at 0x%03x, device vanished, skipped", off);
	}
	return v;
}

void pci_fn_write(struct pci_fn_cfg *f, uint16_t off, uint32_t val)
{
	off &= (uint16_t)~3u;
	if (off >= f->cfg->size || f->gone)
		return;
	f->stats->cfg_writes++;
	f->cfg->ops->write32(f->cfg->ctx, f->seg, f->bus, f->dev, f->fn, off, val);
}

void pci_fn_write_command(struct pci_fn_cfg *f, uint16_t cmd)
{
	pci_fn_write(f, PCI_COMMAND, cmd);
}

uint16_t pci_fn_read16(struct pci_fn_cfg *f, uint16_t off)
{
	return (uint16_t)(pci_fn_read_raw(f, off) >> ((off & 2u) * 8));
}

uint8_t pci_fn_read8(struct pci_fn_cfg *f, uint16_t off)
{
	return (uint8_t)(pci_fn_read_raw(f, off) >> ((off & 3u) * 8));
}

void pci_fn_report(struct pci_fn_cfg *f, const char *fmt, ...)
{
	char msg[PCI_REPORT_LEN];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->stats->problems++;
	hook_log("pci: %04x:%02x:%02x.%x %s", f->seg, f->bus, f->dev, f->fn, msg);
}
