/* paging: the kernel's 4-level page tables (SDM vol. 3A §4.5). */
#ifndef CAPOS_ARCH_PAGING_H
#define CAPOS_ARCH_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bootinfo.h"

/* Page-table entry bits (SDM vol. 3A §4.5, tables 4-14 to 4-20). */
#define PTE_P	      (1ull << 0)
#define PTE_W	      (1ull << 1)
#define PTE_U	      (1ull << 2)
#define PTE_PWT	      (1ull << 3)
#define PTE_PCD	      (1ull << 4)
#define PTE_PS	      (1ull << 7)
#define PTE_G	      (1ull << 8)
#define PTE_DEV	      (1ull << 9) /* available to software: a device window or DMA pool page */
#define PTE_NX	      (1ull << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull

enum paging_status {
	PAGING_OK = 0,
	PAGING_ERR_NOMEM,  /* no frame for a page table */
	PAGING_ERR_EXISTS, /* the page is already mapped */
	PAGING_ERR_ALIGN,  /* address not page aligned */
};

/* paging_init: builds the kernel's own tables: the direct map of physical
 * memory (all of the low 4 GiB and every region of the memory map), the kernel
 * sections with W^X (text RX, rodata R+NX, data and bss RW+NX), the boot stack's
 * guard page left unmapped, and no identity map; then switches CR3 to them. */
bool paging_init(const struct boot_info *bi);

/* paging_map: maps one 4 KiB page va -> pa with flags (PTE_*; PTE_P implied; NX
 * is dropped when the CPU lacks it). */
enum paging_status paging_map(uint64_t va, uint64_t pa, uint64_t flags);

/* paging_unmap: removes the 4 KiB mapping at va (if any) and flushes it on
 * every CPU that may hold it (tlb_shootdown); call with no lock held. */
void paging_unmap(uint64_t va);

/* paging_query: the leaf entry mapping va, if any; returns false when unmapped. */
bool paging_query(uint64_t va, uint64_t *pte);

/* paging_kernel_pml4: the kernel's page tables (their upper half is shared by
 * every address space). */
uint64_t paging_kernel_pml4(void);
/* paging_map_in / paging_query_in: as paging_map and paging_query, in another
 * address space (PTE_U in flags makes a user mapping). */
enum paging_status paging_map_in(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags);
bool paging_query_in(uint64_t pml4, uint64_t va, uint64_t *pte);
/* paging_unmap_user: removes the 4 KiB mappings [va, va + pages * 4 KiB) of
 * pml4 and flushes them on every CPU that may hold them; call with no lock held.
 * false when a CPU did not confirm the flush (tlb_shootdown). */
bool paging_unmap_user(uint64_t pml4, uint64_t va, uint64_t pages);
/* paging_unmap_user_fresh: the same for entries made in this very system call
 * of the running (single-threaded) process, which no other CPU can have used:
 * cleared and flushed here only, so it may run under a lock. */
void paging_unmap_user_fresh(uint64_t pml4, uint64_t va, uint64_t pages);
/* paging_free_user: frees pml4's user page tables; each mapped frame goes to
 * free_leaf, except PTE_DEV ones (not the process's). The PML4 page itself stays the caller's. */
void paging_free_user(uint64_t pml4, void (*free_leaf)(uint64_t pa));

/* paging_nx_supported: whether EFER.NXE is on. */
bool paging_nx_supported(void);

#endif
