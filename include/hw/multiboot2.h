/* Multiboot2 (Multiboot Specification version 2.0) layouts.
 *
 * Names: MB2_* constants; struct mb2_* packed layouts, each size-asserted.
 */
#ifndef CAPOS_HW_MULTIBOOT2_H
#define CAPOS_HW_MULTIBOOT2_H

#include <stdint.h>

#define MB2_HEADER_MAGIC     0xe85250d6u /* §3.1.1, in the OS image */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u /* §3.3, in EAX at entry */

/* Header tag types (§3.1.3-3.1.12). */
#define MB2_HTAG_END   0
#define MB2_HTAG_ENTRY 3

/* Boot information tag types (§3.6). */
#define MB2_TAG_END	 0
#define MB2_TAG_CMDLINE	 1
#define MB2_TAG_MODULE	 3
#define MB2_TAG_MMAP	 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_ALIGN	 8

/* Memory map entry types (§3.6.8). */
#define MB2_MMAP_AVAILABLE 1
#define MB2_MMAP_RESERVED  2
#define MB2_MMAP_ACPI	   3
#define MB2_MMAP_NVS	   4
#define MB2_MMAP_BAD	   5

struct mb2_info_header {
	uint32_t total_size;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_info_header) == 8, "mb2 info header");

struct mb2_tag {
	uint32_t type;
	uint32_t size;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2 tag");

struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size;
	uint32_t entry_version;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag");

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");

struct mb2_tag_efi_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t descr_size;
	uint32_t descr_vers;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_efi_mmap) == 16, "mb2 efi mmap tag");

/* UEFI 2.x EFI_MEMORY_DESCRIPTOR (UEFI spec §7.2, GetMemoryMap()). */
struct efi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t physical_start;
	uint64_t virtual_start;
	uint64_t number_of_pages;
	uint64_t attribute;
} __attribute__((packed));
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "efi memory descriptor");

#define EFI_LOADER_CODE		1
#define EFI_LOADER_DATA		2
#define EFI_BOOT_SERVICES_CODE	3
#define EFI_BOOT_SERVICES_DATA	4
#define EFI_CONVENTIONAL_MEMORY 7
#define EFI_UNUSABLE_MEMORY	8
#define EFI_ACPI_RECLAIM_MEMORY 9
#define EFI_ACPI_MEMORY_NVS	10
#define EFI_PERSISTENT_MEMORY	14

#endif
