/* irq: the kernel's interrupt manager. Every I/O APIC pin, MSI and MSI-X vector
 * a device uses is an entry of one registry (lib/irq/registry.h): reserved,
 * routed masked, enabled, released, with a generation that never wraps. Lock
 * order: the device manager's lock is taken before this module's route lock,
 * never the other way (checked at run time when CAPOS_DEBUG_LOCKS is set). */
#ifndef CAPOS_IRQ_IRQ_H
#define CAPOS_IRQ_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/irq/registry.h"
#include "lib/pci/pci_fn.h"
#include "msi.h"

/* irq_init: builds the GSI map from the MADT (each I/O APIC's size read from the
 * chip, every entry masked; overlapping or dead chips reported and skipped) and
 * the per-CPU vector pools. */
void irq_init(void);

/* The owner's callback runs in interrupt context on the target CPU. */
typedef void (*irq_notify_fn)(void *ctx);

/* irq_route_isa: ISA IRQ (through the MADT overrides: GSI, polarity, trigger) to
 * a fresh vector on cpu; left masked. */
enum irq_status irq_route_isa(unsigned isa_irq, unsigned cpu, irq_notify_fn fn, void *ctx,
			      struct irq_handle *out);
/* irq_route_msi: the function's single MSI vector to cpu; left masked (MSI
 * enable off, or the per-vector mask set when the function has one). */
enum irq_status irq_route_msi(const struct pci_fn *f, unsigned cpu, irq_notify_fn fn, void *ctx,
			      struct irq_handle *out);
/* An MSI-like source that is not a PCI function's (an IOMMU unit's fault event):
 * how to mask it and where to write its message (the kernel composes both). */
struct irq_msg_ops {
	void (*mask)(void *ctx, bool masked);
	void (*program)(void *ctx, uint64_t addr, uint32_t data);
};
/* irq_route_iommu: IOMMU unit `unit`'s fault event to cpu; left masked. */
enum irq_status irq_route_iommu(unsigned unit, unsigned cpu, const struct irq_msg_ops *ops,
				void *ops_ctx, irq_notify_fn fn, void *ctx, struct irq_handle *out);

/* irq_route_msix: entry `index` of an opened MSI-X table to cpu; left masked. */
enum irq_status irq_route_msix(struct msix_table *t, unsigned index, unsigned cpu, irq_notify_fn fn,
			       void *ctx, struct irq_handle *out);

/* irq_enable / irq_mask: unmask or mask at the source (I/O APIC entry, MSI mask
 * or enable, MSI-X entry mask). A stale handle fails with IRQ_ERR_STALE. */
enum irq_status irq_enable(struct irq_handle h);
enum irq_status irq_mask(struct irq_handle h);

/* irq_release: masks at the source, waits until no CPU is running the handler,
 * then frees the vector and the entry (its generation moves on, so h is stale).
 * IRQ_ERR_BUSY when a handler did not leave within the bound: the vector is kept
 * for good and the caller must keep the handler's context alive. */
enum irq_status irq_release(struct irq_handle h);

/* irq_count: deliveries so far to an enabled or masked source. */
uint64_t irq_count(struct irq_handle h);

/* irq_print: prints the `irq` line of h's entry (nothing for a stale handle). */
void irq_print(struct irq_handle h);

/* irq_deliver: called by the vector dispatcher for device vectors. */
void irq_deliver(unsigned cpu, uint8_t vector);

/* irq_registry_get: for diagnostics. */
const struct irq_registry *irq_registry_get(void);

#endif
