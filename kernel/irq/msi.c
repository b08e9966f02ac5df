/* msi: MSI and MSI-X capability programming (PCI 3.0 §6.8). */
#include "msi.h"
#include "dev/pci.h"
#include "hw/msi.h"
#include "hw/pci.h"
#include "lib/irq/irq_encode.h"

#include <stddef.h>

static void intx_disable(const struct pci_fn *f)
{
	uint16_t cmd = pci_cfg_read16(f, PCI_COMMAND);
	pci_cfg_write16(f, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
}

enum msi_status msi_enable(const struct pci_fn *f, uint32_t dest, uint8_t vector)
{
	uint64_t addr;
	uint32_t data;
	if (!(f->flags & PCI_FN_MSI))
		return MSI_ERR_NO_CAP;
	if (msi_compose(dest, vector, false, &addr, &data) != IRQ_OK)
		return MSI_ERR_RANGE;
	return msi_enable_msg(f, addr, data);
}

enum msi_status msi_enable_msg(const struct pci_fn *f, uint64_t addr, uint32_t data)
{
	if (!(f->flags & PCI_FN_MSI))
		return MSI_ERR_NO_CAP;
	uint16_t off = f->msi.off;
	uint16_t ctrl = pci_cfg_read16(f, off + PCI_MSI_CTRL);
	intx_disable(f);
	pci_cfg_write16(f, off + PCI_MSI_CTRL,
			ctrl & ~(PCI_MSI_CTRL_ENABLE | PCI_MSI_CTRL_MME_MASK));
	pci_cfg_write32(f, off + PCI_MSI_ADDR_LO, (uint32_t)addr);
	if (f->msi.is64) {
		pci_cfg_write32(f, off + PCI_MSI_ADDR_HI, (uint32_t)(addr >> 32));
		pci_cfg_write16(f, off + PCI_MSI_DATA_64, (uint16_t)data);
	} else {
		pci_cfg_write16(f, off + PCI_MSI_DATA_32, (uint16_t)data);
	}
	if (f->msi.maskable)
		msi_set_masked(f, false);
	pci_cfg_write16(f, off + PCI_MSI_CTRL,
			(ctrl & ~PCI_MSI_CTRL_MME_MASK) | PCI_MSI_CTRL_ENABLE);
	return MSI_OK;
}

void msi_disable(const struct pci_fn *f)
{
	if (!(f->flags & PCI_FN_MSI))
		return;
	uint16_t ctrl = pci_cfg_read16(f, f->msi.off + PCI_MSI_CTRL);
	pci_cfg_write16(f, f->msi.off + PCI_MSI_CTRL, ctrl & ~PCI_MSI_CTRL_ENABLE);
}

enum msi_status msi_set_masked(const struct pci_fn *f, bool masked)
{
	if (!(f->flags & PCI_FN_MSI) || !f->msi.maskable)
		return MSI_ERR_NO_CAP;
	uint16_t reg = f->msi.off + (f->msi.is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
	uint32_t bits = pci_cfg_read32(f, reg);
	pci_cfg_write32(f, reg, masked ? bits | 1u : bits & ~1u);
	return MSI_OK;
}

static void msix_ctrl(const struct pci_fn *f, uint16_t set, uint16_t clear)
{
	uint16_t off = f->msix.off + PCI_MSIX_CTRL;
	uint16_t ctrl = pci_cfg_read16(f, off);
	pci_cfg_write16(f, off, (uint16_t)((ctrl & ~clear) | set));
}

enum msi_status msix_open(struct msix_table *t, const struct pci_fn *f)
{
	void *va;
	t->fn = f;
	t->table = t->pba = NULL;
	if (!(f->flags & PCI_FN_MSIX))
		return MSI_ERR_NO_CAP;
	/* Refuse a table or PBA that does not lie inside its BAR (pci_bar_map
	 * checks the bounds again). */
	if (!f->msix.table_fits || !f->msix.pba_fits)
		return MSI_ERR_BAR;
	t->table_len = (uint64_t)f->msix.table_size * MSIX_ENTRY_SIZE;
	t->pba_len = ((f->msix.table_size + 63u) / 64u) * 8u;
	if (pci_bar_map(f, f->msix.table_bir, f->msix.table_off, t->table_len, &va) != PCI_MAP_OK)
		return MSI_ERR_BAR;
	t->table = va;
	if (pci_bar_map(f, f->msix.pba_bir, f->msix.pba_off, t->pba_len, &va) != PCI_MAP_OK) {
		pci_bar_unmap(f, (void *)(uintptr_t)t->table, t->table_len);
		t->table = NULL;
		return MSI_ERR_BAR;
	}
	t->pba = va;
	uint16_t cmd = pci_cfg_read16(f, PCI_COMMAND);
	pci_cfg_write16(f, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	msix_ctrl(f, PCI_MSIX_CTRL_FN_MASK | PCI_MSIX_CTRL_ENABLE, 0);
	for (unsigned n = 0; n < f->msix.table_size; n++)
		t->table[(MSIX_ENTRY_OFFSET(n) + MSIX_ENTRY_VECTOR_CTRL) / 4] |=
		    MSIX_ENTRY_CTRL_MASKED;
	return MSI_OK;
}

enum msi_status msix_program(struct msix_table *t, unsigned n, uint32_t dest, uint8_t vector)
{
	uint64_t addr;
	uint32_t data;
	if (msi_compose(dest, vector, false, &addr, &data) != IRQ_OK)
		return MSI_ERR_RANGE;
	return msix_program_msg(t, n, addr, data);
}

enum msi_status msix_program_msg(struct msix_table *t, unsigned n, uint64_t addr, uint32_t data)
{
	if (t->table == NULL || n >= t->fn->msix.table_size)
		return MSI_ERR_RANGE;
	volatile uint32_t *e = t->table + MSIX_ENTRY_OFFSET(n) / 4;
	msix_ctrl(t->fn, PCI_MSIX_CTRL_FN_MASK, 0);
	e[MSIX_ENTRY_VECTOR_CTRL / 4] |= MSIX_ENTRY_CTRL_MASKED;
	e[MSIX_ENTRY_ADDR_LO / 4] = (uint32_t)addr;
	e[MSIX_ENTRY_ADDR_HI / 4] = (uint32_t)(addr >> 32);
	e[MSIX_ENTRY_DATA / 4] = data;
	return MSI_OK;
}

enum msi_status msix_set_masked(struct msix_table *t, unsigned n, bool masked)
{
	if (t->table == NULL || n >= t->fn->msix.table_size)
		return MSI_ERR_RANGE;
	volatile uint32_t *ctrl = t->table + (MSIX_ENTRY_OFFSET(n) + MSIX_ENTRY_VECTOR_CTRL) / 4;
	*ctrl = masked ? *ctrl | MSIX_ENTRY_CTRL_MASKED : *ctrl & ~MSIX_ENTRY_CTRL_MASKED;
	return MSI_OK;
}

void msix_function_mask(struct msix_table *t, bool masked)
{
	msix_ctrl(t->fn, masked ? PCI_MSIX_CTRL_FN_MASK : 0, masked ? 0 : PCI_MSIX_CTRL_FN_MASK);
}

bool msix_pending(struct msix_table *t, unsigned n)
{
	if (t->pba == NULL || n >= t->fn->msix.table_size)
		return false;
	return (t->pba[n / 32] >> (n % 32)) & 1;
}

void msix_close(struct msix_table *t)
{
	if (t->table == NULL)
		return;
	for (unsigned n = 0; n < t->fn->msix.table_size; n++)
		msix_set_masked(t, n, true);
	msix_ctrl(t->fn, 0, PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_FN_MASK);
	pci_bar_unmap(t->fn, (void *)(uintptr_t)t->table, t->table_len);
	pci_bar_unmap(t->fn, (void *)(uintptr_t)t->pba, t->pba_len);
	t->table = t->pba = NULL;
}
