/* frames: the kernel's physical frame allocator (lib/pmm.h over the boot map). */
#ifndef CAPOS_MM_FRAMES_H
#define CAPOS_MM_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/bootinfo.h"
#include "lib/pmm.h"

/* frames_init: sizes the bitmap to the highest usable address, places it in
 * usable memory below 4 GiB, frees the usable ranges and reserves the low 1 MiB,
 * the kernel image and the bitmap. Returns false (reason printed) when no room. */
bool frames_init(const struct boot_info *bi);

/* frame_alloc: one zeroed 4 KiB frame; false when memory is exhausted. */
bool frame_alloc(uint64_t *phys);
/* frame_alloc_contig: n zeroed contiguous frames aligned to align bytes. */
bool frame_alloc_contig(uint64_t n, uint64_t align, uint64_t *phys);
/* frame_free: returns a frame; a double free or foreign address is refused. */
enum pmm_status frame_free(uint64_t phys);

/* frames_stats: a copy of the allocator's counters. */
void frames_stats(uint64_t *free, uint64_t *used, uint64_t *reserved, uint64_t *total);

#endif
