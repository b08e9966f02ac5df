/* pci_bar: decoding and sizing of base address registers (PCI 3.0 §6.2.5.1). */
#ifndef CAPOS_LIB_PCI_BAR_H
#define CAPOS_LIB_PCI_BAR_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/pci/pci_cfg.h"
#include "lib/pci/pci_fn.h"

/* pci_bar_probe: decodes and sizes BAR registers 0..nbars-1 of f into out->bar[] and
 * out->nbars (appending in register order). `command` is the command register as read;
 * memory and I/O decode are turned off around the sizing writes and the register is
 * restored afterwards, as is every BAR. Registers reading 0 are left out without being
 * sized. A BAR that is hostile or inconsistent (reserved type, 64-bit in the last slot,
 * sizing to 0, a broken size mask, beyond its address space, misaligned) is reported
 * with pci_fn_report and left out. Returns false when the function vanished. */
bool pci_bar_probe(struct pci_fn_cfg *f, struct pci_fn *out, uint16_t command, unsigned nbars);

#endif
