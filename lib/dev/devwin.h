/* devwin: the pure checks behind userspace device authority: which pages a
 * DeviceMmio window of a BAR covers (and whether it may), and a small
 * first-fit allocator of buffers inside a DMA pool. */
#ifndef CAPOS_LIB_DEV_DEVWIN_H
#define CAPOS_LIB_DEV_DEVWIN_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/pci/pci_fn.h"

#define DEVWIN_PAGE 4096u

enum devwin_status {
	DEVWIN_OK = 0,
	DEVWIN_E_BAR,	  /* no such BAR, not a memory BAR, or not assigned */
	DEVWIN_E_RANGE,	  /* length 0, offset + length overflows or lies outside the BAR */
	DEVWIN_E_SUBPAGE, /* the BAR is not page aligned or smaller than a page: its
			   * page would reach beyond it */
	DEVWIN_E_MSIX,	  /* the window's pages hold the MSI-X table or PBA (the kernel's) */
};

struct devwin {
	uint64_t phys;	/* physical address of the first page */
	uint64_t pages; /* pages mapped */
	uint64_t first; /* offset of the window's first byte in its first page */
};

/* devwin_check: the page-rounded window [off, off + len) of BAR register index
 * bar of f. The rounded span must lie inside the BAR, which must start on a
 * page and span at least one; it must not share a page with the MSI-X table or
 * PBA (PCI 3.0 §6.8.2: the table's page should hold nothing else, so a driver
 * never needs it). */
enum devwin_status devwin_check(const struct pci_fn *f, unsigned bar, uint64_t off, uint64_t len,
				struct devwin *out);

/* Buffers of a pool: at most DEVBUF_MAX, sorted by offset, each with a tag
 * (the ledger slot that names it). */
#define DEVBUF_MAX 32u

struct devbuf_pool {
	uint64_t size;
	uint32_t n;
	struct {
		uint64_t off, len;
		uint32_t tag;
	} b[DEVBUF_MAX];
};

/* devbuf_init: an empty pool of size bytes. */
void devbuf_init(struct devbuf_pool *p, uint64_t size);
/* devbuf_alloc: the lowest offset, aligned to align (a power of two, 1 to the
 * pool's size; 0 means 64), where len bytes fit; false when len is 0, align is
 * not a power of two, there is no room, or DEVBUF_MAX buffers exist. */
bool devbuf_alloc(struct devbuf_pool *p, uint64_t len, uint64_t align, uint32_t tag, uint64_t *off);
/* devbuf_find / devbuf_free: the buffer tagged tag; false when none. */
bool devbuf_find(const struct devbuf_pool *p, uint32_t tag, uint64_t *off, uint64_t *len);
bool devbuf_free(struct devbuf_pool *p, uint32_t tag);
/* devbuf_used: bytes in buffers. */
uint64_t devbuf_used(const struct devbuf_pool *p);

#endif
