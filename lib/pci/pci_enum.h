/* pci_enum: topology walk of PCI/PCIe hierarchies into a sorted table of functions. */
#ifndef CAPOS_LIB_PCI_ENUM_H
#define CAPOS_LIB_PCI_ENUM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/pci/pci_cfg.h"
#include "lib/pci/pci_fn.h"

#define PCI_MAX_FUNCS 256 /* functions kept in a table; later ones are counted only */
#define PCI_MAX_ROOTS 16  /* host bridges per enumeration (MCFG regions, at most 16) */
#define PCI_MAX_DEPTH 32  /* bridges between a root bus and the deepest bus scanned */

/* One host bridge: its root bus and the bus range of its segment that config access
 * reaches (an MCFG region's start and end bus). */
struct pci_root {
	uint16_t seg;
	uint8_t bus;
	uint8_t bus_start;
	uint8_t bus_end;
};

/* The result of an enumeration. Large (about 100 KiB): the caller provides it, and in
 * the kernel it is static, never on a stack. fn[0..count) is sorted by segment, bus,
 * device, function. `spill` is scratch for functions found after the table filled up
 * (they are still walked, so bridges behind them are followed and counted). */
struct pci_table {
	size_t count;
	struct pci_stats stats;
	struct pci_fn fn[PCI_MAX_FUNCS];
	struct pci_fn spill;
};

/* pci_enumerate: walks every hierarchy below roots[0..nroots) (or, when nroots is 0,
 * segment 0 from bus 0 over buses 0..255) with config access `cfg`, into *out (fully
 * overwritten). Per bus, device 0..31 function 0 is probed (device 0 only below a PCIe
 * root or downstream port); functions 1..7 only on multi-function devices; bridges lead
 * to their firmware-assigned secondary bus when it is above the current bus, inside the
 * root's bus range, not yet claimed and within PCI_MAX_DEPTH (otherwise reported and
 * skipped). Each function's BARs are sized (decode off meanwhile, everything restored)
 * and its capability lists walked. Hostile findings are reported with hook_log and
 * counted in out->stats.problems; a function that vanishes midway is left out.
 * Returns PCI_OK; PCI_ERR_TRUNCATED when more than PCI_MAX_FUNCS functions were found
 * (the first ones in walk order are kept, out->stats.overflow counts the rest); or
 * PCI_ERR_ARG (out emptied, no config access) for missing ops, a config size other than
 * 256 or 4096, more than PCI_MAX_ROOTS roots or a root bus outside its range. */
enum pci_status pci_enumerate(const struct pci_cfg *cfg, const struct pci_root *roots,
			      size_t nroots, struct pci_table *out);

/* pci_table_find: the function at seg:bus:dev.fn in t, or NULL. */
const struct pci_fn *pci_table_find(const struct pci_table *t, uint16_t seg, uint8_t bus,
				    uint8_t dev, uint8_t fn);

#endif
