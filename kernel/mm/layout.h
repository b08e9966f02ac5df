/* layout: the kernel's virtual address space.
 *
 *   0xFFFF800000000000  direct map of physical memory (WB, NX)
 *   0xFFFFC00000000000  MMIO window mappings (UC, NX), 64 GiB
 *   0xFFFFFFFF80000000  the kernel image (W^X by section)
 * The lower half belongs to user processes.
 */
#ifndef CAPOS_MM_LAYOUT_H
#define CAPOS_MM_LAYOUT_H

#include <stdint.h>

#define KERNEL_VMA	0xFFFFFFFF80000000ull
#define DIRECT_MAP_BASE 0xFFFF800000000000ull
#define MMIO_BASE	0xFFFFC00000000000ull
#define MMIO_SIZE	(64ull << 30)
#define PAGE_SIZE	4096ull
#define PAGE_MASK	(PAGE_SIZE - 1)

/* The boot page tables map the low 4 GiB of physical memory at the direct map
 * base already, so phys_to_virt works from kmain on for memory below 4 GiB. */
#define BOOT_DIRECT_MAP_LIMIT (4ull << 30)

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)(DIRECT_MAP_BASE + phys);
}

static inline uint64_t kernel_virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p - KERNEL_VMA;
}

extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[];
extern char boot_stack_guard[], boot_stack_top[];

#endif
