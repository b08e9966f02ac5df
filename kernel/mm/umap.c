/* umap: kernel-owned pages mapped into a process. */
#include "umap.h"
#include "arch/x86_64/paging.h"
#include "mm/layout.h"
#include "proc/proc.h"

bool umap_map(struct umap *u, struct proc *p, uint64_t phys, uint64_t pages, uint64_t flags)
{
	if (p->dev_va_next == 0)
		p->dev_va_next = USER_DEV_VA;
	uint64_t va = p->dev_va_next;
	if (pages == 0 || va >= USER_DEV_VA_END || pages >= (USER_DEV_VA_END - va) / PAGE_SIZE)
		return false; /* the area (and so its page tables) is bounded per process */
	for (uint64_t i = 0; i < pages; i++)
		if (paging_map_in(p->pml4, va + i * PAGE_SIZE, phys + i * PAGE_SIZE,
				  flags | PTE_U | PTE_NX | PTE_DEV) != PAGING_OK) {
			paging_unmap_user_fresh(p->pml4, va, i);
			return false;
		}
	p->dev_va_next = va + (pages + 1) * PAGE_SIZE; /* and a guard page */
	u->pml4 = p->pml4;
	u->va = va;
	u->pages = pages;
	u->state = UMAP_MAPPED;
	return true;
}

bool umap_take(struct umap *u)
{
	if (u->state != UMAP_MAPPED)
		return false;
	u->state = UMAP_UNMAPPING;
	return true;
}

bool umap_finish(struct umap *u)
{
	bool ok = paging_unmap_user(u->pml4, u->va, u->pages);
	__atomic_store_n(&u->state, UMAP_NONE, __ATOMIC_RELEASE);
	return ok;
}

void umap_wait(struct umap *u)
{
	while (__atomic_load_n(&u->state, __ATOMIC_ACQUIRE) == UMAP_UNMAPPING)
		__asm__ volatile("pause");
}
