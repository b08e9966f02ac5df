/* pcicfg: the kernel's PCI configuration space access methods: ECAM windows
 * (from the MCFG, or from the DSDT when a machine has no MCFG) and the legacy
 * 0xCF8/0xCFC ports where the machine has them. */
#ifndef CAPOS_DEV_PCICFG_H
#define CAPOS_DEV_PCICFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pci/pci_cfg.h"
#include "lib/pci/pci_enum.h"

#define PCICFG_MAX_WINDOWS PCI_MAX_ROOTS

/* One ECAM window: segment, bus range and the physical base of bus 0's slot
 * (ECAM address = base + (bus << 20 | dev << 15 | fn << 12 | off), PCIe 6.0
 * §7.2.2). */
struct pcicfg_window {
	uint16_t seg;
	uint8_t bus_start, bus_end;
	uint64_t base;
};

/* pcicfg_add_ecam: registers a window; false when the table is full or the
 * window is malformed (base not 1 MiB aligned, range inverted, wraps). */
bool pcicfg_add_ecam(const struct pcicfg_window *w);

/* pcicfg_legacy_probe: whether configuration mechanism #1 (0xCF8/0xCFC) answers
 * (PCI 3.0 §3.2.2.3.2: the address register reads back what was written). */
bool pcicfg_legacy_probe(void);

/* pcicfg_ecam / pcicfg_legacy: the access methods for lib/pci. ECAM maps each
 * bus's 1 MiB uncached on first use; reads outside every window return all-ones. */
const struct pci_cfg *pcicfg_ecam(void);
const struct pci_cfg *pcicfg_legacy(void);

/* pcicfg_windows: the registered windows (for roots and diagnostics). */
const struct pcicfg_window *pcicfg_windows(size_t *count);

/* pcicfg_mapped_buses: how many buses' ECAM slices are mapped. */
size_t pcicfg_mapped_buses(void);

#endif
