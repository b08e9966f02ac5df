/* umap: a run of pages mapped into one process on behalf of a kernel object
 * (a device window, a DMA pool, a shared memory mapping), and its removal on
 * every CPU. The pages are never the process's own: the leaves carry PTE_DEV,
 * so the address space's teardown does not free them.
 *
 * Who moves the state from MAPPED to UNMAPPING (under the owning object's lock)
 * unmaps it and then sets NONE; anyone else that must not go on while the
 * mapping exists (its address space is about to be freed) waits for NONE. */
#ifndef CAPOS_MM_UMAP_H
#define CAPOS_MM_UMAP_H

#include <stdbool.h>
#include <stdint.h>

struct proc;

enum umap_state { UMAP_NONE = 0, UMAP_MAPPED, UMAP_UNMAPPING };

struct umap {
	uint64_t pml4, va, pages;
	volatile int state;
};

/* umap_map: maps pages at phys (contiguous) into p at the next addresses of
 * its device area (never reused: a stale pointer faults; 256 MiB per process,
 * which bounds the page tables it can cost), user, no-execute, with flags
 * (PTE_W, PTE_PCD|PTE_PWT); false when the area or page-table memory ran out
 * (nothing stays mapped). May run under a lock. */
bool umap_map(struct umap *u, struct proc *p, uint64_t phys, uint64_t pages, uint64_t flags);
/* umap_take: under the owner's lock: true when the caller is the one to unmap. */
bool umap_take(struct umap *u);
/* umap_finish: unmaps what umap_take handed over, on every CPU; no lock held.
 * false when some CPU did not confirm its flush: the pages must then never be
 * reused for anyone else. */
bool umap_finish(struct umap *u);
/* umap_wait: waits until an unmapping another CPU took is over (bounded by the
 * TLB shootdown's bound). */
void umap_wait(struct umap *u);

#endif
