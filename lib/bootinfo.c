/* bootinfo: PVH start info and Multiboot2 information parsing. */
#include "lib/bootinfo.h"
#include "lib/fmt.h"
#include "lib/str.h"
#include "hw/multiboot2.h"
#include "hw/pvh.h"

/* Copies a NUL-terminated string of unknown length from boot memory, reading
 * it in small chunks so nothing past a mapping is touched. */
static enum boot_status copy_cmdline(uint64_t phys, bootinfo_map_fn map, void *ctx,
				     struct boot_info *out, char *err, size_t errlen)
{
	size_t len = 0;
	out->cmdline[0] = '\0';
	out->cmdline_len = 0;
	if (phys == 0)
		return BOOT_OK;
	/* Read one byte past the limit to tell "exactly CMDLINE_MAX" from "longer". */
	while (len <= CMDLINE_MAX) {
		const char *c = map(ctx, phys + len, 1);
		if (c == NULL) {
			size_t kept = len < CMDLINE_MAX ? len : CMDLINE_MAX;
			out->cmdline[kept] = '\0';
			out->cmdline_len = kept;
			fmt_snprintf(err, errlen, "command line at 0x%llx unreadable",
				     (unsigned long long)(phys + len));
			return BOOT_ERR_INFO;
		}
		if (*c == '\0')
			break;
		if (len < CMDLINE_MAX)
			out->cmdline[len] = *c;
		len++;
	}
	size_t kept = len < CMDLINE_MAX ? len : CMDLINE_MAX;
	out->cmdline[kept] = '\0';
	out->cmdline_len = kept;
	if (len > CMDLINE_MAX) {
		fmt_snprintf(err, errlen, "command line too long (more than %d bytes)",
			     CMDLINE_MAX);
		return BOOT_ERR_CMDLINE_LONG;
	}
	return BOOT_OK;
}

static bool add_region(struct boot_info *out, uint64_t base, uint64_t len, uint32_t type)
{
	if (out->nmem >= MEMMAP_MAX)
		return false;
	out->mem[out->nmem].base = base;
	out->mem[out->nmem].len = len;
	out->mem[out->nmem].type = type;
	out->nmem++;
	return true;
}

/* E820-style types (PVH and Multiboot2 share the numbering); anything unknown is
 * reserved. */
static uint32_t e820_type(uint32_t t)
{
	switch (t) {
	case 1:
		return MEM_USABLE;
	case 3:
		return MEM_ACPI_RECLAIM;
	case 4:
		return MEM_ACPI_NVS;
	case 5:
		return MEM_BAD;
	default:
		return MEM_RESERVED;
	}
}

/* UEFI memory types after ExitBootServices (UEFI 2.10 §7.2, table 7-6). */
static uint32_t efi_type(uint32_t t)
{
	switch (t) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return MEM_USABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return MEM_ACPI_RECLAIM;
	case EFI_ACPI_MEMORY_NVS:
		return MEM_ACPI_NVS;
	case EFI_UNUSABLE_MEMORY:
		return MEM_BAD;
	default:
		return MEM_RESERVED;
	}
}

static enum boot_status parse_pvh(uint64_t info_phys, bootinfo_map_fn map, void *ctx,
				  struct boot_info *out, char *err, size_t errlen)
{
	const struct hvm_start_info *si = map(ctx, info_phys, PVH_START_INFO_V0_SIZE);
	if (si == NULL || si->magic != PVH_START_MAGIC) {
		fmt_snprintf(err, errlen, "PVH start info at 0x%llx unreadable or bad magic",
			     (unsigned long long)info_phys);
		return BOOT_ERR_INFO;
	}
	struct hvm_start_info info = {0};
	memcpy(&info, si, PVH_START_INFO_V0_SIZE);
	if (info.version >= 1) {
		si = map(ctx, info_phys, sizeof(info));
		if (si == NULL) {
			fmt_snprintf(err, errlen, "PVH start info v%u unreadable", info.version);
			return BOOT_ERR_INFO;
		}
		memcpy(&info, si, sizeof(info));
	}
	out->proto = BOOT_PROTO_PVH;
	out->rsdp_phys = info.rsdp_paddr;
	enum boot_status st = copy_cmdline(info.cmdline_paddr, map, ctx, out, err, errlen);
	if (st != BOOT_OK)
		return st;
	if (info.version < 1 || info.memmap_paddr == 0 || info.memmap_entries == 0) {
		fmt_snprintf(err, errlen, "no memory map (PVH start info v%u)", info.version);
		return BOOT_ERR_NO_MEMMAP;
	}
	if (info.memmap_entries > MEMMAP_MAX) {
		fmt_snprintf(err, errlen, "memory map has %u entries, at most %d supported",
			     info.memmap_entries, MEMMAP_MAX);
		return BOOT_ERR_MEMMAP;
	}
	const struct hvm_memmap_table_entry *m =
	    map(ctx, info.memmap_paddr, info.memmap_entries * sizeof(*m));
	if (m == NULL) {
		fmt_snprintf(err, errlen, "memory map at 0x%llx unreadable",
			     (unsigned long long)info.memmap_paddr);
		return BOOT_ERR_INFO;
	}
	for (uint32_t i = 0; i < info.memmap_entries; i++) {
		struct hvm_memmap_table_entry e;
		memcpy(&e, &m[i], sizeof(e));
		add_region(out, e.addr, e.size, e820_type(e.type));
	}
	out->memmap_source = "pvh";
	return BOOT_OK;
}

/* Walks the Multiboot2 tags (spec §3.6): each 8-byte aligned, sizes checked
 * against the remaining structure, the walk bounded by the structure size. */
static enum boot_status parse_mb2(uint64_t info_phys, bootinfo_map_fn map, void *ctx,
				  struct boot_info *out, char *err, size_t errlen)
{
	const struct mb2_info_header *hdr = map(ctx, info_phys, sizeof(*hdr));
	if (hdr == NULL) {
		fmt_snprintf(err, errlen, "multiboot2 information at 0x%llx unreadable",
			     (unsigned long long)info_phys);
		return BOOT_ERR_INFO;
	}
	uint32_t total = hdr->total_size;
	if (total < sizeof(*hdr) + sizeof(struct mb2_tag) || total > BOOTINFO_MB2_MAX_SIZE) {
		fmt_snprintf(err, errlen, "multiboot2 information size %u invalid", total);
		return BOOT_ERR_INFO;
	}
	const uint8_t *base = map(ctx, info_phys, total);
	if (base == NULL) {
		fmt_snprintf(err, errlen, "multiboot2 information unreadable");
		return BOOT_ERR_INFO;
	}
	out->proto = BOOT_PROTO_MB2;
	const uint8_t *cmd = NULL, *mmap = NULL, *efi = NULL;
	uint32_t cmd_size = 0, mmap_size = 0, efi_size = 0;
	bool ended = false;
	for (uint32_t off = sizeof(*hdr); off + sizeof(struct mb2_tag) <= total;) {
		struct mb2_tag tag;
		memcpy(&tag, base + off, sizeof(tag));
		if (tag.type == MB2_TAG_END) {
			ended = true;
			break;
		}
		if (tag.size < sizeof(tag) || tag.size > total - off) {
			fmt_snprintf(err, errlen, "multiboot2 tag %u at +%u has bad size %u",
				     tag.type, off, tag.size);
			return BOOT_ERR_INFO;
		}
		if ((tag.type == MB2_TAG_MMAP && tag.size < sizeof(struct mb2_tag_mmap)) ||
		    (tag.type == MB2_TAG_EFI_MMAP && tag.size < sizeof(struct mb2_tag_efi_mmap))) {
			fmt_snprintf(err, errlen, "multiboot2 memory map tag at +%u too short (%u)",
				     off, tag.size);
			return BOOT_ERR_MEMMAP;
		}
		switch (tag.type) {
		case MB2_TAG_CMDLINE:
			cmd = base + off;
			cmd_size = tag.size;
			break;
		case MB2_TAG_MMAP:
			mmap = base + off;
			mmap_size = tag.size;
			break;
		case MB2_TAG_EFI_MMAP:
			efi = base + off;
			efi_size = tag.size;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW: {
			/* The tag holds a copy of the RSDP; prefer the 2.0+ one. */
			size_t n = tag.size - sizeof(tag);
			if (n > BOOTINFO_RSDP_MAX)
				n = BOOTINFO_RSDP_MAX;
			if (tag.type == MB2_TAG_ACPI_NEW || out->rsdp_copy_len == 0) {
				memcpy(out->rsdp_copy, base + off + sizeof(tag), n);
				out->rsdp_copy_len = n;
			}
			break;
		}
		default:
			break;
		}
		uint32_t next = (tag.size + MB2_TAG_ALIGN - 1) & ~(uint32_t)(MB2_TAG_ALIGN - 1);
		if (next > total - off)
			break;
		off += next;
	}
	if (!ended) {
		fmt_snprintf(err, errlen, "multiboot2 information has no end tag");
		return BOOT_ERR_INFO;
	}
	if (cmd != NULL) {
		/* The string lies inside the tag; copy at most what the tag holds. */
		size_t n = str_nlen((const char *)cmd + 8, cmd_size - 8);
		size_t kept = n < CMDLINE_MAX ? n : CMDLINE_MAX;
		memcpy(out->cmdline, cmd + 8, kept);
		out->cmdline[kept] = '\0';
		out->cmdline_len = kept;
		if (n > CMDLINE_MAX) {
			fmt_snprintf(err, errlen, "command line too long (%u bytes, max %d)",
				     (unsigned)n, CMDLINE_MAX);
			return BOOT_ERR_CMDLINE_LONG;
		}
	}
	if (mmap != NULL) {
		struct mb2_tag_mmap mt;
		memcpy(&mt, mmap, sizeof(mt));
		if (mt.entry_size < sizeof(struct mb2_mmap_entry) || mt.entry_size > 4096) {
			fmt_snprintf(err, errlen, "multiboot2 memory map entry size %u invalid",
				     mt.entry_size);
			return BOOT_ERR_MEMMAP;
		}
		for (uint32_t o = sizeof(mt); o + mt.entry_size <= mmap_size; o += mt.entry_size) {
			struct mb2_mmap_entry e;
			memcpy(&e, mmap + o, sizeof(e));
			if (!add_region(out, e.base_addr, e.length, e820_type(e.type))) {
				fmt_snprintf(err, errlen, "memory map has more than %d entries",
					     MEMMAP_MAX);
				return BOOT_ERR_MEMMAP;
			}
		}
		out->memmap_source = "multiboot2";
	} else if (efi != NULL) {
		struct mb2_tag_efi_mmap et;
		memcpy(&et, efi, sizeof(et));
		if (et.descr_size < sizeof(struct efi_memory_descriptor) || et.descr_size > 4096) {
			fmt_snprintf(err, errlen, "EFI memory map descriptor size %u invalid",
				     et.descr_size);
			return BOOT_ERR_MEMMAP;
		}
		for (uint32_t o = sizeof(et); o + et.descr_size <= efi_size; o += et.descr_size) {
			struct efi_memory_descriptor d;
			memcpy(&d, efi + o, sizeof(d));
			if (d.number_of_pages > (UINT64_MAX >> 12)) {
				fmt_snprintf(err, errlen, "EFI memory descriptor too large");
				return BOOT_ERR_MEMMAP;
			}
			if (!add_region(out, d.physical_start, d.number_of_pages << 12,
					efi_type(d.type))) {
				fmt_snprintf(err, errlen, "memory map has more than %d entries",
					     MEMMAP_MAX);
				return BOOT_ERR_MEMMAP;
			}
		}
		out->memmap_source = "efi";
	}
	if (out->nmem == 0) {
		fmt_snprintf(err, errlen, "no memory map from the boot loader");
		return BOOT_ERR_NO_MEMMAP;
	}
	return BOOT_OK;
}

enum boot_status bootinfo_parse(uint32_t magic, uint64_t info_phys, bootinfo_map_fn map, void *ctx,
				struct boot_info *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	enum boot_status st;
	if (magic == PVH_START_MAGIC) {
		st = parse_pvh(info_phys, map, ctx, out, err, errlen);
	} else if (magic == MB2_BOOTLOADER_MAGIC) {
		st = parse_mb2(info_phys, map, ctx, out, err, errlen);
	} else {
		fmt_snprintf(err, errlen, "unknown boot magic 0x%x", magic);
		return BOOT_ERR_MAGIC;
	}
	if (st != BOOT_OK)
		return st;
	if (!memmap_normalize(out->mem, &out->nmem, err, errlen))
		return BOOT_ERR_MEMMAP;
	if (memmap_usable_bytes(out->mem, out->nmem) == 0) {
		fmt_snprintf(err, errlen, "memory map has no usable memory");
		return BOOT_ERR_NO_MEMMAP;
	}
	return BOOT_OK;
}
