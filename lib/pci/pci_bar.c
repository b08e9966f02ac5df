/* pci_bar: BAR decode and sizing (PCI 3.0 §6.2.5.1). */
#include "lib/pci/pci_bar.h"

#include "hw/pci.h"

#define PCI_DECODE_BITS (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)

/* What one BAR looked like before and after the all-ones write. */
struct bar_sample {
	unsigned index;
	uint8_t kind;
	uint32_t lo, hi;       /* original register values (hi: 64-bit only) */
	uint32_t rb_lo, rb_hi; /* values read back after writing all-ones */
};

const struct pci_bar *pci_fn_bar_by_index(const struct pci_fn *e, unsigned index)
{
	for (unsigned i = 0; i < e->nbars; i++)
		if (e->bar[i].index == index)
			return &e->bar[i];
	return NULL;
}

/* Checks a sample and turns it into *bar; reports and returns false when the BAR must
 * be ignored. Pure: no configuration access. */
static bool bar_decode(struct pci_fn_cfg *f, const struct bar_sample *s, struct pci_bar *bar)
{
	uint32_t flags_mask =
	    s->kind == PCI_BAR_IO ? PCI_BAR_IO_FLAGS_MASK : PCI_BAR_MEM_FLAGS_MASK;
	uint64_t addr, mask, limit;

	/* The type bits are read-only, so a readback that changes them (all-ones from a
	 * device that stopped decoding, or a register that is writable everywhere) says
	 * nothing about the size. */
	if ((s->rb_lo & flags_mask) != (s->lo & flags_mask)) {
		pci_fn_report(f, "bar%u sizing reads 0x%08x, type bits changed, ignored", s->index,
			      s->rb_lo);
		return false;
	}
	if (s->kind == PCI_BAR_IO) {
		addr = s->lo & PCI_BAR_IO_ADDR_MASK;
		mask = s->rb_lo & PCI_BAR_IO_ADDR_MASK;
		limit = 0xffffffffu;
		/* A device built for the 64 KiB x86 I/O space may hardwire the upper 16 bits
		 * to 0 (§6.2.5.1): its decoder covers only 16 bits. */
		if (mask != 0 && (mask & 0xffff0000u) == 0) {
			mask |= 0xffff0000u;
			limit = 0xffffu;
		}
	} else if (s->kind == PCI_BAR_MEM32) {
		addr = s->lo & PCI_BAR_MEM_ADDR_MASK;
		mask = s->rb_lo & PCI_BAR_MEM_ADDR_MASK;
		limit = 0xffffffffu;
	} else {
		addr = ((uint64_t)s->hi << 32) | (s->lo & PCI_BAR_MEM_ADDR_MASK);
		mask = ((uint64_t)s->rb_hi << 32) | (s->rb_lo & PCI_BAR_MEM_ADDR_MASK);
		limit = ~0ull;
	}
	if (mask == 0) {
		pci_fn_report(f, "bar%u sizes to 0, ignored", s->index);
		return false;
	}
	/* The writable address bits are the size mask and the lowest one is the size
	 * (§6.2.5.1); above a 32-bit decoder's width the mask is extended with ones. */
	if (s->kind != PCI_BAR_MEM64)
		mask |= 0xffffffff00000000ull;
	uint64_t size = mask & (~mask + 1);
	if ((mask | (size - 1)) != ~0ull) {
		pci_fn_report(f, "bar%u size mask 0x%llx not contiguous, ignored", s->index,
			      (unsigned long long)mask);
		return false;
	}
	if (size - 1 > limit || addr > limit - (size - 1)) {
		pci_fn_report(f, "bar%u 0x%llx/0x%llx exceeds its address space, ignored", s->index,
			      (unsigned long long)addr, (unsigned long long)size);
		return false;
	}
	/* Address bits below the size are hardwired to 0, so a set one means the register
	 * contents do not match what the sizing showed. */
	if ((addr & (size - 1)) != 0) {
		pci_fn_report(f, "bar%u 0x%llx not aligned to its size 0x%llx, ignored", s->index,
			      (unsigned long long)addr, (unsigned long long)size);
		return false;
	}
	bar->index = (uint8_t)s->index;
	bar->kind = s->kind;
	bar->prefetch = s->kind != PCI_BAR_IO && (s->lo & PCI_BAR_MEM_PREFETCH) != 0;
	bar->addr = addr;
	bar->size = size;
	return true;
}

/* Writes all-ones and reads back (both halves of a 64-bit BAR), then restores. */
static void bar_size(struct pci_fn_cfg *f, struct bar_sample *s)
{
	uint16_t reg = PCI_BAR(s->index);

	pci_fn_write(f, reg, 0xffffffffu);
	if (s->kind == PCI_BAR_MEM64)
		pci_fn_write(f, reg + 4, 0xffffffffu);
	s->rb_lo = pci_fn_read(f, reg);
	if (s->kind == PCI_BAR_MEM64)
		s->rb_hi = pci_fn_read_raw(f, reg + 4); /* all-ones is normal here */
	pci_fn_write(f, reg, s->lo);
	if (s->kind == PCI_BAR_MEM64)
		pci_fn_write(f, reg + 4, s->hi);
}

bool pci_bar_probe(struct pci_fn_cfg *f, struct pci_fn *out, uint16_t command, unsigned nbars)
{
	bool decode_off = false;

	for (unsigned i = 0; i < nbars && !f->gone; i++) {
		struct bar_sample s = {.index = i};

		s.lo = pci_fn_read(f, PCI_BAR(i));
		if (f->gone || s.lo == 0)
			continue;
		/* All-ones from a live function: the reserved type bits (or the reserved I/O
		 * bit 1) are set, so this is no BAR; sizing it would change nothing. */
		if (s.lo == 0xffffffffu) {
			pci_fn_report(f, "bar%u reads 0xffffffff, ignored", i);
			continue;
		}
		if (s.lo & PCI_BAR_SPACE_IO) {
			s.kind = PCI_BAR_IO;
		} else {
			uint32_t type = (s.lo & PCI_BAR_MEM_TYPE_MASK) >> PCI_BAR_MEM_TYPE_SHIFT;
			if (type == PCI_BAR_MEM_TYPE_64 && i + 1 >= nbars) {
				pci_fn_report(f, "bar%u 64-bit with no upper register, ignored", i);
				continue;
			}
			if (type != PCI_BAR_MEM_TYPE_32 && type != PCI_BAR_MEM_TYPE_64) {
				pci_fn_report(f, "bar%u reserved memory type %u, ignored", i, type);
				continue;
			}
			s.kind = type == PCI_BAR_MEM_TYPE_64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32;
		}
		if (s.kind == PCI_BAR_MEM64)
			s.hi = pci_fn_read_raw(f, PCI_BAR(i + 1));
		/* §6.2.5.1: decode off while the register holds all-ones, or the function
		 * would claim whatever range that all-ones value names. Only functions with a
		 * BAR to size are touched: turning off decode of, say, the LPC bridge would
		 * cut off the legacy devices behind it. */
		if (!decode_off && (command & PCI_DECODE_BITS) != 0) {
			pci_fn_write_command(f, command & (uint16_t)~PCI_DECODE_BITS);
			decode_off = true;
		}
		bar_size(f, &s);
		if (s.kind == PCI_BAR_MEM64)
			i++; /* the upper half is consumed, ignored or not */
		if (f->gone)
			break;
		if (bar_decode(f, &s, &out->bar[out->nbars]))
			out->nbars++;
	}
	if (decode_off)
		pci_fn_write_command(f, command);
	return !f->gone;
}
