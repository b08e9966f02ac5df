/* PVH boot protocol layouts (Xen's arch-x86/hvm/start_info.h, as used by QEMU,
 * Firecracker and Cloud Hypervisor for direct kernel boot).
 *
 * Entry is in 32-bit protected mode with paging off; EBX holds the physical
 * address of struct hvm_start_info.
 */
#ifndef CAPOS_HW_PVH_H
#define CAPOS_HW_PVH_H

#include <stdint.h>

#define PVH_ELFNOTE_PHYS32_ENTRY 18 /* XEN_ELFNOTE_PHYS32_ENTRY */
#define PVH_START_MAGIC		 0x336ec578u

/* Memory map types follow the E820 numbering. */
#define PVH_MEMMAP_RAM	    1
#define PVH_MEMMAP_RESERVED 2
#define PVH_MEMMAP_ACPI	    3
#define PVH_MEMMAP_NVS	    4
#define PVH_MEMMAP_UNUSABLE 5

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* version >= 1 */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");

#define PVH_START_INFO_V0_SIZE 40

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry");

#endif
