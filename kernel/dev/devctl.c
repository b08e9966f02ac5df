/* devctl: bus mastering, interrupt messages and reset of a PCI function. */
#include "devctl.h"
#include "pci.h"
#include "arch/x86_64/clock.h"
#include "hw/msi.h"
#include "hw/pci.h"

#define FLR_WAIT_US   100000  /* PCIe 6.0 §6.6.2: 100 ms after initiating FLR */
#define PM_D3_WAIT_US 10000   /* PCI PM 1.2 §5.6.1: 10 ms D3hot -> D0 recovery */
#define BACK_WAIT_US  1000000 /* then the function must answer within 1 s */
#define TRPND_WAIT_US 100000

static uint8_t cap_off(const struct pci_fn *f, uint8_t id)
{
	for (unsigned i = 0; i < f->ncaps && i < PCI_MAX_CAPS; i++)
		if (f->cap[i].id == id)
			return f->cap[i].off;
	return 0;
}

bool devctl_busmaster_off(const struct pci_fn *f)
{
	uint16_t cmd = pci_cfg_read16(f, PCI_COMMAND);
	pci_cfg_write16(f, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
	uint16_t back = pci_cfg_read16(f, PCI_COMMAND);
	return back != 0xffff && !(back & PCI_COMMAND_MASTER);
}

void devctl_busmaster_on(const struct pci_fn *f)
{
	uint16_t cmd = pci_cfg_read16(f, PCI_COMMAND);
	pci_cfg_write16(f, PCI_COMMAND, cmd | PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY);
}

static bool msi_off(const struct pci_fn *f)
{
	uint8_t o = f->msi.off;
	uint16_t ctl = pci_cfg_read16(f, o + PCI_MSI_CTRL);
	pci_cfg_write16(f, o + PCI_MSI_CTRL, ctl & ~PCI_MSI_CTRL_ENABLE);
	if (f->msi.maskable)
		pci_cfg_write32(f, o + (f->msi.is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32),
				0xffffffffu);
	pci_cfg_write32(f, o + PCI_MSI_ADDR_LO, 0);
	if (f->msi.is64) {
		pci_cfg_write32(f, o + PCI_MSI_ADDR_HI, 0);
		pci_cfg_write16(f, o + PCI_MSI_DATA_64, 0);
	} else {
		pci_cfg_write16(f, o + PCI_MSI_DATA_32, 0);
	}
	return !(pci_cfg_read16(f, o + PCI_MSI_CTRL) & PCI_MSI_CTRL_ENABLE) &&
	       pci_cfg_read32(f, o + PCI_MSI_ADDR_LO) == 0;
}

static bool msix_off(const struct pci_fn *f)
{
	uint8_t o = f->msix.off;
	uint16_t ctl = pci_cfg_read16(f, o + PCI_MSIX_CTRL);
	/* The function mask first: no entry can fire while they are rewritten. */
	pci_cfg_write16(f, o + PCI_MSIX_CTRL, ctl | PCI_MSIX_CTRL_FN_MASK);
	bool ok = (pci_cfg_read16(f, o + PCI_MSIX_CTRL) & PCI_MSIX_CTRL_FN_MASK) != 0;
	void *va;
	uint64_t len = (uint64_t)f->msix.table_size * MSIX_ENTRY_SIZE;
	if (!f->msix.table_fits ||
	    pci_bar_map(f, f->msix.table_bir, f->msix.table_off, len, &va) != PCI_MAP_OK)
		return false;
	volatile uint8_t *t = va;
	for (uint32_t n = 0; n < f->msix.table_size; n++) {
		volatile uint32_t *e = (volatile uint32_t *)(t + MSIX_ENTRY_OFFSET(n));
		e[MSIX_ENTRY_VECTOR_CTRL / 4] |= MSIX_ENTRY_CTRL_MASKED;
		e[MSIX_ENTRY_ADDR_LO / 4] = 0;
		e[MSIX_ENTRY_ADDR_HI / 4] = 0;
		e[MSIX_ENTRY_DATA / 4] = 0;
		ok = ok && (e[MSIX_ENTRY_VECTOR_CTRL / 4] & MSIX_ENTRY_CTRL_MASKED) &&
		     e[MSIX_ENTRY_ADDR_LO / 4] == 0;
	}
	pci_bar_unmap(f, va, len);
	pci_cfg_write16(f, o + PCI_MSIX_CTRL,
			(pci_cfg_read16(f, o + PCI_MSIX_CTRL) | PCI_MSIX_CTRL_FN_MASK) &
			    ~PCI_MSIX_CTRL_ENABLE);
	return ok;
}

bool devctl_irq_mask(const struct pci_fn *f)
{
	bool ok = true;
	if (f->flags & PCI_FN_MSI)
		ok = msi_off(f) && ok;
	if (f->flags & PCI_FN_MSIX)
		ok = msix_off(f) && ok;
	/* INTx: the function stops asserting its pin (PCI 3.0 §6.2.2). */
	uint16_t cmd = pci_cfg_read16(f, PCI_COMMAND);
	pci_cfg_write16(f, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
	return ok;
}

enum devctl_reset devctl_reset_method(const struct pci_fn *f)
{
	uint8_t e = cap_off(f, PCI_CAP_ID_EXP), pm = cap_off(f, PCI_CAP_ID_PM);
	if (e != 0 && (pci_cfg_read32(f, e + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR))
		return DEVCTL_RESET_FLR;
	/* D3hot -> D0 resets only where No_Soft_Reset is clear (PCI PM 1.2 §3.2.4). */
	if (pm != 0 && !(pci_cfg_read16(f, pm + PCI_PM_PMCSR) & PCI_PM_PMCSR_NO_SOFT_RESET))
		return DEVCTL_RESET_PM;
	return DEVCTL_RESET_NONE;
}

const char *devctl_reset_name(enum devctl_reset r)
{
	return r == DEVCTL_RESET_FLR ? "flr" : r == DEVCTL_RESET_PM ? "pm-d3hot" : "none";
}

static bool answers(const struct pci_fn *f)
{
	uint64_t end = clock_ns() + (uint64_t)BACK_WAIT_US * 1000;
	while (pci_cfg_read16(f, PCI_VENDOR_ID) != f->vendor)
		if (clock_ns() > end)
			return false;
	return true;
}

bool devctl_reset(const struct pci_fn *f)
{
	enum devctl_reset how = devctl_reset_method(f);
	uint32_t bars[6], line = pci_cfg_read32(f, PCI_INTERRUPT_LINE);
	uint16_t cmd = pci_cfg_read16(f, PCI_COMMAND);
	for (unsigned i = 0; i < 6; i++)
		bars[i] = pci_cfg_read32(f, PCI_BAR(i));
	if (how == DEVCTL_RESET_FLR) {
		uint8_t e = cap_off(f, PCI_CAP_ID_EXP);
		/* Wait (bounded) for outstanding transactions first (PCIe §6.6.2). */
		uint64_t end = clock_ns() + (uint64_t)TRPND_WAIT_US * 1000;
		while ((pci_cfg_read16(f, e + PCI_EXP_DEVSTA) & PCI_EXP_DEVSTA_TRPND) &&
		       clock_ns() < end)
			;
		pci_cfg_write16(f, e + PCI_EXP_DEVCTL,
				pci_cfg_read16(f, e + PCI_EXP_DEVCTL) | PCI_EXP_DEVCTL_BCR_FLR);
		clock_delay_us(FLR_WAIT_US);
	} else if (how == DEVCTL_RESET_PM) {
		uint8_t pm = cap_off(f, PCI_CAP_ID_PM);
		uint16_t csr = pci_cfg_read16(f, pm + PCI_PM_PMCSR) & ~PCI_PM_PMCSR_STATE_MASK;
		pci_cfg_write16(f, pm + PCI_PM_PMCSR, csr | PCI_PM_PMCSR_D3HOT);
		clock_delay_us(PM_D3_WAIT_US);
		pci_cfg_write16(f, pm + PCI_PM_PMCSR, csr | PCI_PM_PMCSR_D0);
		clock_delay_us(PM_D3_WAIT_US);
	} else {
		return false;
	}
	if (!answers(f))
		return false;
	/* The reset cleared the BARs: put back what the kernel placed. */
	for (unsigned i = 0; i < 6; i++)
		pci_cfg_write32(f, PCI_BAR(i), bars[i]);
	pci_cfg_write32(f, PCI_INTERRUPT_LINE, line);
	pci_cfg_write16(f, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
	return true;
}
