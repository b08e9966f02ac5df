/* pci_print: the `pci` and `pci-stats` diagnostic lines.
 *
 * pci SSSS:BB:DD.F VVVV:DDDD class=CCCCCC hdr=HH [bus=SS-UU] [barN=KIND:0xADDR/0xSIZE ...]
 *     caps=ID,... ecaps=IIII,... [msi=N] [msix=N]
 * pci-stats functions=N buses=N cfg-reads=N cfg-writes=N
 *
 * (one line each). Hex is lower case; hdr is the header type without the multi-function
 * bit; bus= only for bridges; KIND is io, mem32 or mem64, with ",pf" when prefetchable,
 * and a BAR nobody placed (pci_bar_assigned false) shows "unassigned" for 0xADDR;
 * caps= and ecaps= list IDs in list order and may be empty; msi= is the number of
 * vectors the function can request, msix= its MSI-X table size.
 */
#ifndef CAPOS_LIB_PCI_PRINT_H
#define CAPOS_LIB_PCI_PRINT_H

#include <stddef.h>

#include "lib/pci/pci_enum.h"

/* Enough for the longest possible `pci` line and its terminator. */
#define PCI_LINE_MAX 768

/* pci_format_fn: formats e's `pci` line into buf (size n, terminated when n > 0).
 * Returns the length the full line has, like snprintf: truncated when >= n. */
size_t pci_format_fn(const struct pci_fn *e, char *buf, size_t n);

/* pci_format_stats: formats the `pci-stats` line of s into buf; returns as above. */
size_t pci_format_stats(const struct pci_stats *s, char *buf, size_t n);

/* pci_emit_all: calls emit once per kept function of t, in table order, with its `pci`
 * line (formatted in a PCI_LINE_MAX stack buffer). */
void pci_emit_all(const struct pci_table *t, void (*emit)(void *ctx, const char *line), void *ctx);

#endif
