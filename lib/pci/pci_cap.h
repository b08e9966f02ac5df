/* pci_cap: capability list walks (PCI 3.0 §6.7, PCIe 4.0 §7.6) and the MSI, MSI-X and
 * PCI Express capabilities found on the way (PCI 3.0 §6.8, PCIe 4.0 §7.5.3). */
#ifndef CAPOS_LIB_PCI_CAP_H
#define CAPOS_LIB_PCI_CAP_H

#include <stdbool.h>

#include "lib/pci/pci_cfg.h"
#include "lib/pci/pci_fn.h"

/* pci_cap_walk: walks the capability list of f (the caller has checked
 * PCI_STATUS_CAP_LIST) into out->cap[] in list order, decoding MSI (out->msi), MSI-X
 * (out->msix, fit-checked against out->bar[], so BARs are probed first) and the PCI
 * Express capability (PCI_FN_PCIE, out->pcie_off/pcie_type). The walk is bounded: a
 * pointer into the standard header, a loop, or more than PCI_MAX_CAPS entries ends it
 * with a report and PCI_FN_CAPS_TRUNC; a capability whose structure runs past 0xFF is
 * listed but not decoded. Returns false when the function vanished. */
bool pci_cap_walk(struct pci_fn_cfg *f, struct pci_fn *out);

/* pci_ecap_walk: walks the extended capability list into out->ecap[] in list order, for
 * PCI Express functions (PCI_FN_PCIE) when the access method reaches 4096 bytes; does
 * nothing otherwise. A pointer below 0x100, a loop, an all-ones header or more than
 * PCI_MAX_ECAPS entries ends the walk with a report and PCI_FN_ECAPS_TRUNC. Returns false
 * when the function vanished. */
bool pci_ecap_walk(struct pci_fn_cfg *f, struct pci_fn *out);

#endif
