/* paging: kernel page tables, direct map and W^X kernel sections. */
#include "tlb.h"
#include "lib/irq/registry.h"
#include "paging.h"
#include "cpu.h"
#include "core/console.h"
#include "mm/frames.h"
#include "mm/layout.h"
#include "core/spinlock.h"

#define LARGE_PAGE (2ull << 20)

static uint64_t kernel_pml4;
static uint64_t nx_bit;
static spinlock_t paging_lock = SPINLOCK_INIT;

static inline unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)((va >> (12 + 9 * level)) & 0x1ff);
}

/* Returns the table one level down from entry *e, creating it when asked.
 * Intermediate entries are permissive (the leaf decides); user mappings need
 * PTE_U on them too (SDM 3A §4.6: access rights combine across levels). */
static uint64_t *next_table(uint64_t *e, bool create, uint64_t user)
{
	if (!(*e & PTE_P)) {
		uint64_t phys;
		if (!create || !frame_alloc(&phys))
			return NULL;
		*e = phys | PTE_P | PTE_W | user;
	} else if (user && !(*e & PTE_U)) {
		*e |= PTE_U;
	}
	if (*e & PTE_PS)
		return NULL;
	return phys_to_virt(*e & PTE_ADDR_MASK);
}

/* Walks to the entry at level (0 = 4K PTE, 1 = 2M PDE) for va. */
static uint64_t *walk(uint64_t pml4, uint64_t va, unsigned level, bool create, uint64_t user)
{
	uint64_t *t = phys_to_virt(pml4);
	for (unsigned l = 3; l > level; l--) {
		t = next_table(&t[pt_index(va, l)], create, user);
		if (t == NULL)
			return NULL;
	}
	return &t[pt_index(va, level)];
}

static enum paging_status map_in(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags,
				 unsigned level)
{
	uint64_t *e = walk(pml4, va, level, true, flags & PTE_U);
	if (e == NULL)
		return PAGING_ERR_NOMEM;
	if (*e & PTE_P)
		return PAGING_ERR_EXISTS;
	if (!(flags & PTE_NX) || !nx_bit)
		flags &= ~PTE_NX;
	*e = (pa & PTE_ADDR_MASK) | flags | PTE_P | (level == 1 ? PTE_PS : 0);
	return PAGING_OK;
}

bool paging_nx_supported(void)
{
	return nx_bit != 0;
}

enum paging_status paging_map(uint64_t va, uint64_t pa, uint64_t flags)
{
	if ((va | pa) & PAGE_MASK)
		return PAGING_ERR_ALIGN;
	uint64_t irq = spin_lock_class(&paging_lock, LOCK_CLASS_PAGING);
	enum paging_status st = map_in(kernel_pml4, va, pa, flags, 0);
	spin_unlock_class(&paging_lock, LOCK_CLASS_PAGING, irq);
	return st;
}

void paging_unmap(uint64_t va)
{
	uint64_t irq = spin_lock_class(&paging_lock, LOCK_CLASS_PAGING);
	uint64_t *e = walk(kernel_pml4, va, 0, false, 0);
	bool was = e != NULL && (*e & PTE_P);
	if (was)
		*e = 0;
	spin_unlock_class(&paging_lock, LOCK_CLASS_PAGING, irq);
	/* Every CPU may hold it (kernel pages are global; the lower half of the
	 * kernel's tables is what idle CPUs run in). */
	if (was)
		tlb_shootdown(kernel_pml4, va, 1);
}

bool paging_query(uint64_t va, uint64_t *pte)
{
	uint64_t *t = phys_to_virt(read_cr3() & PTE_ADDR_MASK);
	for (unsigned l = 3;; l--) {
		uint64_t e = t[pt_index(va, l)];
		if (!(e & PTE_P))
			return false;
		if (l == 0 || (e & PTE_PS)) {
			*pte = e;
			return true;
		}
		t = phys_to_virt(e & PTE_ADDR_MASK);
	}
}

/* Maps [start, end) of the kernel image with flags, 4 KiB at a time. */
static bool map_section(uint64_t pml4, const char *start, const char *end, uint64_t flags)
{
	for (uint64_t va = (uint64_t)(uintptr_t)start; va < (uint64_t)(uintptr_t)end;
	     va += PAGE_SIZE) {
		if (va == (uint64_t)(uintptr_t)boot_stack_guard)
			continue; /* the guard page stays unmapped */
		if (map_in(pml4, va, va - KERNEL_VMA, flags | PTE_G, 0) != PAGING_OK)
			return false;
	}
	return true;
}

/* Direct-maps [base, end) with 2 MiB pages (rounded out to 2 MiB). */
static bool map_direct(uint64_t pml4, uint64_t base, uint64_t end)
{
	base &= ~(LARGE_PAGE - 1);
	for (uint64_t pa = base; pa < end; pa += LARGE_PAGE) {
		enum paging_status st =
		    map_in(pml4, DIRECT_MAP_BASE + pa, pa, PTE_W | PTE_NX | PTE_G, 1);
		if (st == PAGING_ERR_NOMEM)
			return false;
	}
	return true;
}

bool paging_init(const struct boot_info *bi)
{
	uint64_t pml4;

	if (rdmsr(MSR_EFER) & EFER_NXE)
		nx_bit = PTE_NX;
	if (!frame_alloc(&pml4)) {
		kprintf("mm: no frame for the kernel page tables\n");
		return false;
	}
	bool ok = map_direct(pml4, 0, BOOT_DIRECT_MAP_LIMIT);
	/* Above 4 GiB only memory is direct-mapped: holes and reserved windows
	 * there (e.g. QEMU's 1 TiB HyperTransport range) are device space. */
	for (size_t i = 0; ok && i < bi->nmem; i++)
		if (bi->mem[i].type != MEM_RESERVED && bi->mem[i].type != MEM_BAD)
			ok = map_direct(pml4, bi->mem[i].base, bi->mem[i].base + bi->mem[i].len);
	ok = ok && map_section(pml4, __text_start, __text_end, 0);
	/* Read-only up to .data, which includes the PVH note after .rodata. */
	ok = ok && map_section(pml4, __rodata_start, __data_start, PTE_NX);
	ok = ok && map_section(pml4, __data_start, __data_end, PTE_W | PTE_NX);
	if (!ok) {
		kprintf("mm: out of frames while building the kernel page tables\n");
		return false;
	}
	write_cr4(read_cr4() | CR4_PGE);
	kernel_pml4 = pml4;
	write_cr3(pml4);
	return true;
}

uint64_t paging_kernel_pml4(void)
{
	return kernel_pml4;
}

enum paging_status paging_map_in(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	if ((va | pa) & PAGE_MASK)
		return PAGING_ERR_ALIGN;
	uint64_t irq = spin_lock_class(&paging_lock, LOCK_CLASS_PAGING);
	enum paging_status st = map_in(pml4, va, pa, flags, 0);
	spin_unlock_class(&paging_lock, LOCK_CLASS_PAGING, irq);
	return st;
}

void paging_unmap_user_fresh(uint64_t pml4, uint64_t va, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t irq = spin_lock_class(&paging_lock, LOCK_CLASS_PAGING);
		uint64_t *e = walk(pml4, va + i * PAGE_SIZE, 0, false, 0);
		if (e != NULL)
			*e = 0;
		spin_unlock_class(&paging_lock, LOCK_CLASS_PAGING, irq);
		__asm__ volatile("invlpg (%0)" : : "r"(va + i * PAGE_SIZE) : "memory");
	}
}

bool paging_unmap_user(uint64_t pml4, uint64_t va, uint64_t pages)
{
	bool any = false;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t irq = spin_lock_class(&paging_lock, LOCK_CLASS_PAGING);
		uint64_t *e = walk(pml4, va + i * PAGE_SIZE, 0, false, 0);
		if (e != NULL && (*e & PTE_P)) {
			*e = 0;
			any = true;
		}
		spin_unlock_class(&paging_lock, LOCK_CLASS_PAGING, irq);
	}
	return !any || tlb_shootdown(pml4, va, pages);
}

bool paging_query_in(uint64_t pml4, uint64_t va, uint64_t *pte)
{
	uint64_t *e = walk(pml4, va, 0, false, 0);
	if (e == NULL || !(*e & PTE_P))
		return false;
	*pte = *e;
	return true;
}

/* Frees every lower-half (user) page table of pml4 and hands each mapped leaf
 * frame to free_leaf; the kernel half (entries 256-511) is shared, untouched. */
void paging_free_user(uint64_t pml4, void (*free_leaf)(uint64_t pa))
{
	uint64_t *l4 = phys_to_virt(pml4);
	for (unsigned i = 0; i < 256; i++) {
		if (!(l4[i] & PTE_P))
			continue;
		uint64_t *l3 = phys_to_virt(l4[i] & PTE_ADDR_MASK);
		for (unsigned j = 0; j < 512; j++) {
			if (!(l3[j] & PTE_P) || (l3[j] & PTE_PS))
				continue;
			uint64_t *l2 = phys_to_virt(l3[j] & PTE_ADDR_MASK);
			for (unsigned k = 0; k < 512; k++) {
				if (!(l2[k] & PTE_P) || (l2[k] & PTE_PS))
					continue;
				uint64_t *l1 = phys_to_virt(l2[k] & PTE_ADDR_MASK);
				for (unsigned m = 0; m < 512; m++)
					/* PTE_DEV leaves are a device's or a pool's,
					 * never the process's frames. */
					if ((l1[m] & PTE_P) && !(l1[m] & PTE_DEV))
						free_leaf(l1[m] & PTE_ADDR_MASK);
				frame_free(l2[k] & PTE_ADDR_MASK);
			}
			frame_free(l3[j] & PTE_ADDR_MASK);
		}
		frame_free(l4[i] & PTE_ADDR_MASK);
		l4[i] = 0;
	}
}
