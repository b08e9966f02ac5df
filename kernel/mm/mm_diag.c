/* mm_diag: the `mem` diagnostics command. */
#include "frames.h"
#include "heap.h"
#include "mmio.h"
#include "core/console.h"
#include "core/diag.h"
#include "core/boot.h"

static void cmd_mem(void)
{
	const struct boot_info *bi = boot_info_get();
	uint64_t f, u, r, t, hb, hp;

	for (size_t i = 0; i < bi->nmem; i++)
		kprintf("mem 0x%llx-0x%llx %s\n", (unsigned long long)bi->mem[i].base,
			(unsigned long long)(bi->mem[i].base + bi->mem[i].len - 1),
			memmap_type_name(bi->mem[i].type));
	frames_stats(&f, &u, &r, &t);
	heap_stats(&hb, &hp);
	kprintf("frames total=%llu free=%llu used=%llu reserved=%llu\n", (unsigned long long)t,
		(unsigned long long)f, (unsigned long long)u, (unsigned long long)r);
	kprintf("heap bytes=%llu pages=%llu\n", (unsigned long long)hb, (unsigned long long)hp);
	kprintf("mmio mapped=%llu\n", (unsigned long long)mmio_mapped_bytes());
}

const struct diag_cmd diag_cmds_mm[] = {
    {"mem", "memory map, frames, heap and MMIO mappings", cmd_mem},
};
const size_t diag_cmds_mm_count = sizeof(diag_cmds_mm) / sizeof(diag_cmds_mm[0]);
