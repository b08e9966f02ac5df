/* pci_assign: memory BAR placement where no firmware placed them (QEMU microvm
 * boots without a BIOS): root-bus functions' unassigned memory BARs get space
 * from the host bridge's _CRS memory windows. */
#ifndef CAPOS_DEV_PCI_ASSIGN_H
#define CAPOS_DEV_PCI_ASSIGN_H

#include <stddef.h>

#include "lib/acpi/aml_pci.h"
#include "lib/pci/pci_enum.h"

/* pci_assign_bars: for each function of t on the root bus of host h, places
 * every memory BAR that is unassigned (register 0, or address 0 in the table)
 * in h's windows (32-bit BARs below 4 GiB, 64-bit ones in a 64-bit window when
 * there is one), naturally aligned, and turns memory decode on. Returns how
 * many BARs were placed; the caller enumerates again to see them. */
unsigned pci_assign_bars(const struct pci_table *t, const struct acpi_pci_host *h);

#endif
