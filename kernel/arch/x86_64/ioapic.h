/* ioapic: the I/O APIC chips the MADT lists (82093AA data sheet §3). */
#ifndef CAPOS_ARCH_IOAPIC_H
#define CAPOS_ARCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_MAX 16

/* ioapic_chip_init: maps chip `index` at phys and reads its version register;
 * *ver receives it (all-ones when nothing answers). Masks every redirection
 * entry when the chip answers. Returns false when the mapping fails. */
bool ioapic_chip_init(unsigned index, uint64_t phys, uint32_t *ver);

/* ioapic_entries: redirection entries of a chip that answered (0 otherwise). */
unsigned ioapic_entries(unsigned index);

/* ioapic_write_entry / ioapic_read_entry: one redirection entry. Writing keeps
 * the entry masked while the two halves change (mask bit first, SDM-style). */
void ioapic_write_entry(unsigned index, unsigned pin, uint64_t entry);
uint64_t ioapic_read_entry(unsigned index, unsigned pin);

/* ioapic_set_masked: flips only the mask bit of one entry. */
void ioapic_set_masked(unsigned index, unsigned pin, bool masked);

#endif
