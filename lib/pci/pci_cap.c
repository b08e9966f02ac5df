/* pci_cap: bounded capability and extended capability walks, MSI/MSI-X decode. */
#include "lib/pci/pci_cap.h"

#include "hw/pci.h"

/* MSI: everything is in message control, in the header word (PCI 3.0 §6.8.1.3). */
static void msi_decode(struct pci_fn_cfg *f, struct pci_fn *out, uint8_t off, uint32_t hdr)
{
	uint16_t ctrl = (uint16_t)(hdr >> PCI_DW_CAP_REG_SHIFT);
	bool is64 = (ctrl & PCI_MSI_CTRL_64BIT) != 0;
	bool maskable = (ctrl & PCI_MSI_CTRL_MASKABLE) != 0;
	unsigned len = is64 ? (maskable ? PCI_MSI_SIZE_64_MASK : PCI_MSI_SIZE_64)
			    : (maskable ? PCI_MSI_SIZE_32_MASK : PCI_MSI_SIZE_32);
	unsigned mmc = (ctrl & PCI_MSI_CTRL_MMC_MASK) >> PCI_MSI_CTRL_MMC_SHIFT;

	if (out->flags & PCI_FN_MSI) {
		pci_fn_report(f, "second msi cap at 0x%02x, ignored", off);
		return;
	}
	if (off + len > PCI_CFG_SIZE) {
		pci_fn_report(f, "msi cap at 0x%02x runs past 0xff, ignored", off);
		return;
	}
	out->flags |= PCI_FN_MSI;
	out->msi.off = off;
	/* MMC is log2 of the vectors the function can request; 6 and 7 are reserved, so
	 * cap at 32. */
	out->msi.vectors = (uint8_t)(1u << (mmc > 5 ? 5 : mmc));
	out->msi.is64 = is64;
	out->msi.maskable = maskable;
}

/* Does [off, off + len) lie inside the decoded size of the BAR with register index
 * bir? A BIR naming no decoded BAR (absent, ignored, upper half, reserved 6..7) fails. */
static bool msix_fits(const struct pci_fn *out, unsigned bir, uint32_t off, uint32_t len)
{
	const struct pci_bar *bar = pci_fn_bar_by_index(out, bir);

	return bar != NULL && (uint64_t)off + len <= bar->size;
}

/* MSI-X: table and PBA locations are the two words after the header (§6.8.2). */
static void msix_decode(struct pci_fn_cfg *f, struct pci_fn *out, uint8_t off, uint32_t hdr)
{
	uint16_t ctrl = (uint16_t)(hdr >> PCI_DW_CAP_REG_SHIFT);
	struct pci_msix *m = &out->msix;

	if (out->flags & PCI_FN_MSIX) {
		pci_fn_report(f, "second msix cap at 0x%02x, ignored", off);
		return;
	}
	if (off + PCI_MSIX_SIZE > PCI_CFG_SIZE) {
		pci_fn_report(f, "msix cap at 0x%02x runs past 0xff, ignored", off);
		return;
	}
	uint32_t table = pci_fn_read(f, off + PCI_MSIX_TABLE);
	uint32_t pba = pci_fn_read(f, off + PCI_MSIX_PBA);
	if (f->gone)
		return;
	out->flags |= PCI_FN_MSIX;
	m->off = off;
	m->table_size = (uint16_t)((ctrl & PCI_MSIX_CTRL_QSIZE_MASK) + 1);
	m->table_bir = (uint8_t)(table & PCI_MSIX_BIR_MASK);
	m->table_off = table & PCI_MSIX_OFFSET_MASK;
	m->pba_bir = (uint8_t)(pba & PCI_MSIX_BIR_MASK);
	m->pba_off = pba & PCI_MSIX_OFFSET_MASK;

	uint32_t table_len = (uint32_t)m->table_size * sizeof(struct pci_msix_entry);
	m->table_fits = msix_fits(out, m->table_bir, m->table_off, table_len);
	m->pba_fits = msix_fits(out, m->pba_bir, m->pba_off, PCI_MSIX_PBA_BYTES(m->table_size));
	if (!m->table_fits)
		pci_fn_report(f, "msix table bar%u+0x%x/0x%x outside its bar, flagged",
			      m->table_bir, m->table_off, table_len);
	if (!m->pba_fits)
		pci_fn_report(f, "msix pba bar%u+0x%x/0x%x outside its bar, flagged", m->pba_bir,
			      m->pba_off, PCI_MSIX_PBA_BYTES(m->table_size));
}

bool pci_cap_walk(struct pci_fn_cfg *f, struct pci_fn *out)
{
	/* One bit per 4-byte slot of 0x40..0xFF: a pointer seen twice is a loop. */
	uint64_t seen = 0;
	uint32_t ptr = pci_fn_read(f, PCI_CAP_PTR) & PCI_DW_CAP_ID_MASK;

	/* §6.7: the low two bits of every pointer are reserved; software masks them. */
	ptr &= PCI_CAP_PTR_MASK;
	while (ptr != 0 && !f->gone) {
		if (ptr < PCI_STD_HEADER_SIZE) {
			pci_fn_report(f, "cap pointer 0x%02x into the header, list truncated", ptr);
			out->flags |= PCI_FN_CAPS_TRUNC;
			break;
		}
		uint64_t bit = 1ull << ((ptr - PCI_STD_HEADER_SIZE) / 4);
		if ((seen & bit) != 0 || out->ncaps >= PCI_MAX_CAPS) {
			pci_fn_report(f, "cap list loops back to 0x%02x, truncated", ptr);
			out->flags |= PCI_FN_CAPS_TRUNC;
			break;
		}
		seen |= bit;
		uint32_t hdr = pci_fn_read(f, (uint16_t)ptr);
		if (f->gone)
			break;
		uint8_t id = (uint8_t)(hdr & PCI_DW_CAP_ID_MASK);
		out->cap[out->ncaps].id = id;
		out->cap[out->ncaps].off = (uint8_t)ptr;
		out->ncaps++;
		if (id == PCI_CAP_ID_MSI) {
			msi_decode(f, out, (uint8_t)ptr, hdr);
		} else if (id == PCI_CAP_ID_MSIX) {
			msix_decode(f, out, (uint8_t)ptr, hdr);
		} else if (id == PCI_CAP_ID_EXP && !(out->flags & PCI_FN_PCIE)) {
			/* PCIe 4.0 §7.5.3.2: the capabilities register shares the header word. */
			uint16_t flags = (uint16_t)(hdr >> PCI_DW_CAP_REG_SHIFT);
			out->flags |= PCI_FN_PCIE;
			out->pcie_off = (uint8_t)ptr;
			out->pcie_type = (uint8_t)((flags & PCI_EXP_FLAGS_TYPE_MASK) >>
						   PCI_EXP_FLAGS_TYPE_SHIFT);
		}
		ptr = (hdr >> PCI_DW_CAP_NEXT_SHIFT) & PCI_CAP_PTR_MASK;
	}
	return !f->gone;
}

bool pci_ecap_walk(struct pci_fn_cfg *f, struct pci_fn *out)
{
	uint32_t seen[(PCI_ECAP_WALK_MAX + 31) / 32] = {0};
	uint32_t off = PCI_ECAP_START;

	/* Only PCIe functions have extended configuration space (PCIe 4.0 §7.2.2): a
	 * conventional function behind a PCIe-to-PCI bridge is reached through ECAM too. */
	if (!(out->flags & PCI_FN_PCIE) || f->cfg->size < PCI_CFG_SIZE_EXP)
		return true;
	for (unsigned n = 0; !f->gone; n++) {
		unsigned slot = (off - PCI_ECAP_START) / 4;
		if (n >= PCI_ECAP_WALK_MAX || (seen[slot / 32] & (1u << (slot % 32))) != 0) {
			pci_fn_report(f, "ecap list loops back to 0x%03x, truncated", off);
			out->flags |= PCI_FN_ECAPS_TRUNC;
			break;
		}
		seen[slot / 32] |= 1u << (slot % 32);
		uint32_t hdr = pci_fn_read(f, (uint16_t)off);
		/* §7.6.3: a header of 0 at 0x100 means no extended capabilities; anywhere
		 * else it is a pointer to nothing, ending the list the same way. */
		if (f->gone || hdr == 0)
			break;
		if (hdr == 0xffffffffu) {
			pci_fn_report(f, "ecap at 0x%03x reads all-ones, truncated", off);
			out->flags |= PCI_FN_ECAPS_TRUNC;
			break;
		}
		if (out->necaps >= PCI_MAX_ECAPS) {
			pci_fn_report(f, "more than %d ecaps, truncated", PCI_MAX_ECAPS);
			out->flags |= PCI_FN_ECAPS_TRUNC;
			break;
		}
		struct pci_ecap *e = &out->ecap[out->necaps++];
		e->id = (uint16_t)(hdr & PCI_ECAP_ID_MASK);
		e->ver = (uint8_t)((hdr & PCI_ECAP_VER_MASK) >> PCI_ECAP_VER_SHIFT);
		e->off = (uint16_t)off;
		/* §7.6.3: the next pointer's low two bits are reserved and masked. */
		uint32_t next = (hdr >> PCI_ECAP_NEXT_SHIFT) & PCI_ECAP_NEXT_ALIGN;
		if (next == 0)
			break;
		if (next < PCI_ECAP_START) {
			pci_fn_report(f, "ecap pointer 0x%03x below 0x100, truncated", next);
			out->flags |= PCI_FN_ECAPS_TRUNC;
			break;
		}
		off = next;
	}
	return !f->gone;
}
