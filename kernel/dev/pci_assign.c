/* pci_assign: a bump allocator per host window and BAR register writes
 * (PCI 3.0 §6.2.5.1: sizing by writing all-ones with decode off). */
#include "pci_assign.h"
#include "pci.h"
#include "core/console.h"
#include "hw/pci.h"

struct window {
	uint64_t next, end;
};

/* Takes size bytes aligned to size from w; false when it does not fit. */
static bool take(struct window *w, uint64_t size, uint64_t *at)
{
	uint64_t a = (w->next + size - 1) & ~(size - 1);
	if (a < w->next || a > w->end || size > w->end - a)
		return false;
	*at = a;
	w->next = a + size;
	return true;
}

/* Size of a 32-bit memory BAR whose register reads 0 (decode already off), or 0
 * when the register is not implemented. */
static uint64_t size_zero_bar(const struct pci_fn *f, unsigned i)
{
	pci_cfg_write32(f, PCI_BAR(i), 0xffffffffu);
	uint32_t rb = pci_cfg_read32(f, PCI_BAR(i));
	pci_cfg_write32(f, PCI_BAR(i), 0);
	uint32_t mask = rb & PCI_BAR_MEM_ADDR_MASK;
	if (mask == 0 || (rb & (PCI_BAR_SPACE_IO | PCI_BAR_MEM_TYPE_MASK)) != 0)
		return 0;
	return (uint64_t)(~mask) + 1;
}

unsigned pci_assign_bars(const struct pci_table *t, const struct acpi_pci_host *h)
{
	struct window w32 = {0, 0}, w64 = {0, 0};
	unsigned placed = 0;
	for (unsigned k = 0; k < h->nmem; k++) {
		const struct aml_mem_window *m = &h->mem[k];
		struct window *w = m->base + m->len <= (1ull << 32) ? &w32 : &w64;
		if (w->end == 0)
			*w = (struct window){m->base, m->base + m->len};
	}
	for (size_t i = 0; i < t->count; i++) {
		const struct pci_fn *f = &t->fn[i];
		if (f->seg != h->segment || f->bus != h->base_bus || (f->flags & PCI_FN_BRIDGE))
			continue;
		uint16_t cmd = pci_cfg_read16(f, PCI_COMMAND);
		pci_cfg_write16(f, PCI_COMMAND, cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
		bool any = false;
		for (unsigned b = 0; b < PCI_TYPE0_NBARS; b++) {
			const struct pci_bar *bar = pci_fn_bar_by_index(f, b);
			uint64_t size, at;
			bool is64 = false;
			if (bar != NULL) {
				if (bar->kind == PCI_BAR_IO || pci_bar_assigned(bar))
					continue;
				size = bar->size;
				is64 = bar->kind == PCI_BAR_MEM64;
			} else if (pci_cfg_read32(f, PCI_BAR(b)) == 0) {
				size = size_zero_bar(f, b);
				if (size == 0)
					continue;
			} else {
				continue;
			}
			struct window *w = is64 && w64.end != 0 ? &w64 : &w32;
			if (w->end == 0 || !take(w, size, &at)) {
				kprintf("pci: %04x:%02x:%02x.%x bar%u 0x%llx bytes: no room in the "
					"host "
					"windows\n",
					f->seg, f->bus, f->dev, f->fn, b, (unsigned long long)size);
				continue;
			}
			uint32_t lo = pci_cfg_read32(f, PCI_BAR(b)) & ~PCI_BAR_MEM_ADDR_MASK;
			pci_cfg_write32(f, PCI_BAR(b), lo | (uint32_t)at);
			if (is64)
				pci_cfg_write32(f, PCI_BAR(b + 1), (uint32_t)(at >> 32));
			placed++;
			any = true;
			if (is64)
				b++;
		}
		pci_cfg_write16(f, PCI_COMMAND, any ? cmd | PCI_COMMAND_MEMORY : cmd);
	}
	return placed;
}
