/* bootinfo: what the boot protocol (PVH or Multiboot2) handed the kernel, copied
 * out of firmware/loader memory and checked. */
#ifndef CAPOS_LIB_BOOTINFO_H
#define CAPOS_LIB_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cmdline.h"
#include "lib/memmap.h"

/* The largest Multiboot2 information structure accepted: the walk of its tags is
 * bounded by this, whatever total_size claims. */
#define BOOTINFO_MB2_MAX_SIZE (256 * 1024)
#define BOOTINFO_RSDP_MAX     36 /* ACPI 2.0+ RSDP length */

enum boot_proto {
	BOOT_PROTO_NONE = 0,
	BOOT_PROTO_PVH,
	BOOT_PROTO_MB2,
};

enum boot_status {
	BOOT_OK = 0,
	BOOT_ERR_MAGIC,	       /* unknown boot magic */
	BOOT_ERR_INFO,	       /* boot information unreadable or malformed */
	BOOT_ERR_NO_MEMMAP,    /* no memory map */
	BOOT_ERR_MEMMAP,       /* memory map malformed, too large, or overlapping */
	BOOT_ERR_CMDLINE_LONG, /* command line longer than CMDLINE_MAX */
};

struct boot_info {
	enum boot_proto proto;
	char cmdline[CMDLINE_MAX + 1];
	size_t cmdline_len;
	struct memmap_entry mem[MEMMAP_MAX];
	size_t nmem;
	const char *memmap_source;	      /* "pvh", "multiboot2", "efi" */
	uint64_t rsdp_phys;		      /* PVH: the RSDP's address, 0 when not given */
	uint8_t rsdp_copy[BOOTINFO_RSDP_MAX]; /* Multiboot2 hands over a copy */
	size_t rsdp_copy_len;
};

/* Reads [phys, phys+len) of boot memory; NULL when it cannot be reached. */
typedef const void *(*bootinfo_map_fn)(void *ctx, uint64_t phys, size_t len);

/* bootinfo_parse: fills out from the boot magic (EAX at entry, or the PVH magic
 * for the PVH entry) and the information at info_phys. The command line, memory
 * map and RSDP are copied into out, so loader memory may be reused afterwards.
 * On failure returns the status and a human-readable reason in err; out->cmdline
 * then still holds as much of the command line as was read (for `poweroff`). */
enum boot_status bootinfo_parse(uint32_t magic, uint64_t info_phys, bootinfo_map_fn map, void *ctx,
				struct boot_info *out, char *err, size_t errlen);

#endif
