/* pci_fn: what enumeration records about one PCI function. */
#ifndef CAPOS_LIB_PCI_FN_H
#define CAPOS_LIB_PCI_FN_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/pci.h"

/* Capacity of the per-function lists. The legacy capability area 0x40..0xFF has 48
 * 4-byte slots, so a list without a loop has at most 48 entries. Extended capability
 * lists are walked up to (4096 - 256) / 4 entries but only the first PCI_MAX_ECAPS are
 * kept (real functions have a dozen or two). */
#define PCI_MAX_CAPS	  ((PCI_CFG_SIZE - PCI_STD_HEADER_SIZE) / 4)
#define PCI_MAX_ECAPS	  32
#define PCI_ECAP_WALK_MAX ((PCI_CFG_SIZE_EXP - PCI_CFG_SIZE) / 4)

enum pci_bar_kind {
	PCI_BAR_NONE = 0,
	PCI_BAR_IO,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
};

/* One decoded, sized BAR. A 64-bit BAR is recorded once under its low register index;
 * the next index is its upper half. */
struct pci_bar {
	uint64_t addr;
	uint64_t size;
	uint8_t index; /* BAR register index, 0..5 */
	uint8_t kind;  /* enum pci_bar_kind */
	bool prefetch;
};

/* pci_bar_assigned: whether b was given an address. Firmware, and the kernel where there
 * is none (kernel/dev/pci_assign.c, which never places I/O BARs), leave a BAR they did not
 * place at 0, and nothing on a PC decodes there (memory 0 is RAM, port 0 the DMA
 * controller), so 0 means unassigned, as Linux takes it. */
static inline bool pci_bar_assigned(const struct pci_bar *b)
{
	return b->addr != 0;
}

struct pci_cap {
	uint8_t id;
	uint8_t off;
};

struct pci_ecap {
	uint16_t id;
	uint16_t off;
	uint8_t ver;
};

/* MSI capability (PCI 3.0 §6.8.1); valid when PCI_FN_MSI is set. */
struct pci_msi {
	uint8_t off;
	uint8_t vectors; /* 2^MMC, capped at 32 */
	bool is64;	 /* 64-bit message address */
	bool maskable;	 /* per-vector masking */
};

/* MSI-X capability (PCI 3.0 §6.8.2); valid when PCI_FN_MSIX is set. The fit flags say
 * whether the table (table_size * 16 bytes) and the pending bit array lie inside the
 * decoded size of the BAR that their BIR names; a consumer must refuse a region that
 * does not fit. */
struct pci_msix {
	uint32_t table_off;
	uint32_t pba_off;
	uint16_t table_size; /* entries, N + 1 */
	uint8_t off;
	uint8_t table_bir;
	uint8_t pba_bir;
	bool table_fits;
	bool pba_fits;
};

/* pci_fn.flags */
#define PCI_FN_MULTIFN	   0x0001 /* function 0 of a multi-function device */
#define PCI_FN_BRIDGE	   0x0002 /* header type 1: sec_bus/sub_bus are valid */
#define PCI_FN_PCIE	   0x0004 /* has the PCI Express capability */
#define PCI_FN_MSI	   0x0008
#define PCI_FN_MSIX	   0x0010
#define PCI_FN_CAPS_TRUNC  0x0020 /* capability list cut short (reported) */
#define PCI_FN_ECAPS_TRUNC 0x0040 /* extended capability list cut short (reported) */

struct pci_fn {
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint8_t header_type; /* bits 6:0 of the header type register */
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint16_t command; /* as found; enumeration leaves it unchanged */
	uint16_t status;
	uint16_t flags; /* PCI_FN_* */
	uint8_t irq_line, irq_pin;
	uint8_t sec_bus, sub_bus; /* bridges: as the firmware assigned them */
	uint8_t pcie_off;	  /* PCI_FN_PCIE: capability offset and device/port type */
	uint8_t pcie_type;
	uint8_t nbars, ncaps, necaps;
	struct pci_bar bar[PCI_TYPE0_NBARS];
	struct pci_cap cap[PCI_MAX_CAPS];    /* in list order */
	struct pci_ecap ecap[PCI_MAX_ECAPS]; /* in list order, PCIe functions only */
	struct pci_msi msi;
	struct pci_msix msix;
};

/* pci_fn_bar_by_index: the recorded BAR whose register index is `index`, or NULL. */
const struct pci_bar *pci_fn_bar_by_index(const struct pci_fn *e, unsigned index);

#endif
