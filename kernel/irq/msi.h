/* msi: programming MSI and MSI-X on a PCI function. The kernel alone composes
 * the message address and data (lib/irq/irq_encode); nothing here takes them
 * from a caller. */
#ifndef CAPOS_IRQ_MSI_H
#define CAPOS_IRQ_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/pci/pci_fn.h"

enum msi_status {
	MSI_OK = 0,
	MSI_ERR_NO_CAP, /* the function has no such capability */
	MSI_ERR_RANGE,	/* entry index beyond the table, or vector/target invalid */
	MSI_ERR_BAR,	/* MSI-X table or PBA outside its BAR, or not mappable */
};

/* msi_enable: one MSI vector (MME = 0) to vector on the CPU with APIC id dest,
 * 64-bit address when the function has it, per-vector mask cleared when
 * maskable; INTx is disabled first (PCI 3.0 §6.8.1.3). */
enum msi_status msi_enable(const struct pci_fn *f, uint32_t dest, uint8_t vector);
/* msi_enable_msg / msix_program_msg: the same with a message composed by the
 * caller (a remappable-format one under interrupt remapping). */
enum msi_status msi_enable_msg(const struct pci_fn *f, uint64_t addr, uint32_t data);
/* msi_disable: clears MSI enable. */
void msi_disable(const struct pci_fn *f);
/* msi_set_masked: the per-vector mask bit 0; MSI_ERR_NO_CAP when not maskable. */
enum msi_status msi_set_masked(const struct pci_fn *f, bool masked);

/* An MSI-X table of a function, mapped through the BAR mapping API. */
struct msix_table {
	const struct pci_fn *fn;
	volatile uint32_t *table;
	volatile uint32_t *pba;
	uint64_t table_len, pba_len;
};

/* msix_open: maps the table and PBA (bounds-checked against their BARs) and
 * sets the function mask with MSI-X enabled, INTx disabled, every entry masked. */
enum msi_status msix_open(struct msix_table *t, const struct pci_fn *f);
/* msix_program: entry n -> vector on APIC id dest, left masked. The function
 * mask is held while the entry changes (PCI 3.0 §6.8.2.9). */
enum msi_status msix_program(struct msix_table *t, unsigned n, uint32_t dest, uint8_t vector);
enum msi_status msix_program_msg(struct msix_table *t, unsigned n, uint64_t addr, uint32_t data);
/* msix_set_masked: the per-entry mask. */
enum msi_status msix_set_masked(struct msix_table *t, unsigned n, bool masked);
/* msix_function_mask: the function-wide mask (clear it to let entries fire). */
void msix_function_mask(struct msix_table *t, bool masked);
/* msix_pending: the PBA bit of entry n. */
bool msix_pending(struct msix_table *t, unsigned n);
/* msix_close: masks all, disables MSI-X and unmaps. */
void msix_close(struct msix_table *t);

#endif
