/* pci (kernel side): enumeration at boot into the device table, BAR mapping. */
#ifndef CAPOS_DEV_PCI_H
#define CAPOS_DEV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pci/pci_enum.h"

/* pci_init: picks the configuration access (ECAM from the MCFG, else from the
 * DSDT's host bridges, else legacy ports), enumerates, and keeps the table.
 * Returns false when the machine has no PCI (reported). */
bool pci_init(void);

/* pci_devices: the device table (sorted by segment, bus, device, function), or
 * NULL before pci_init or when there is no PCI. */
const struct pci_table *pci_devices(void);

/* pci_access: the configuration access method in use, or NULL. */
const struct pci_cfg *pci_access(void);

enum pci_map_status {
	PCI_MAP_OK = 0,
	PCI_MAP_NO_BAR, /* no such BAR, an I/O BAR, or one never assigned an address */
	PCI_MAP_BOUNDS, /* [off, off+len) not inside the BAR's decoded size */
	PCI_MAP_NOMEM,	/* no virtual space or page-table frames */
};

/* pci_bar_map: maps [off, off+len) of memory BAR `bar` of function f uncached
 * into kernel space, bounds-checked against the BAR's decoded size, and charges
 * the bytes to the function. *va receives the address of off. */
enum pci_map_status pci_bar_map(const struct pci_fn *f, unsigned bar, uint64_t off, uint64_t len,
				void **va);

/* pci_bar_unmap: undoes pci_bar_map (same f, va and len). */
void pci_bar_unmap(const struct pci_fn *f, void *va, uint64_t len);

/* pci_mapped_bytes: bytes of BAR space currently mapped for f. */
uint64_t pci_mapped_bytes(const struct pci_fn *f);

/* pci_cfg_read32 / pci_cfg_write32: config access to a function of the table
 * (off 4-byte aligned). pci_cfg_write16 changes one 16-bit half, writing zeros
 * into the status register when it is the other half (its bits are RW1C, PCI
 * 3.0 §6.2.3). */
uint32_t pci_cfg_read32(const struct pci_fn *f, uint16_t off);
void pci_cfg_write32(const struct pci_fn *f, uint16_t off, uint32_t v);
uint16_t pci_cfg_read16(const struct pci_fn *f, uint16_t off);
void pci_cfg_write16(const struct pci_fn *f, uint16_t off, uint16_t v);

/* pci_find_id: the first function with vendor:device, or NULL. */
const struct pci_fn *pci_find_id(uint16_t vendor, uint16_t device);

#endif
