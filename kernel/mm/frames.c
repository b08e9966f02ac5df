/* frames: physical memory, from the boot memory map to a locked allocator. */
#include "lib/irq/registry.h"
#include "frames.h"
#include "layout.h"
#include "core/console.h"
#include "core/spinlock.h"
#include "lib/str.h"

#define LOW_MEMORY_LIMIT 0x100000ull /* real-mode area, BIOS data: never handed out */

static struct pmm pmm;
static spinlock_t frames_lock = SPINLOCK_INIT;

bool frames_init(const struct boot_info *bi)
{
	uint64_t top = 0;
	for (size_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == MEM_USABLE && bi->mem[i].base + bi->mem[i].len > top)
			top = bi->mem[i].base + bi->mem[i].len;
	uint64_t nframes = top >> PMM_FRAME_SHIFT;
	uint64_t bytes = 2 * pmm_bitmap_words(nframes) * sizeof(uint64_t);
	bytes = (bytes + PAGE_MASK) & ~PAGE_MASK;

	uint64_t kstart = kernel_virt_to_phys(__kernel_start);
	uint64_t kend = kernel_virt_to_phys(__kernel_end);
	uint64_t where = 0;
	for (size_t i = 0; i < bi->nmem && where == 0; i++) {
		const struct memmap_entry *e = &bi->mem[i];
		if (e->type != MEM_USABLE)
			continue;
		uint64_t lo = (e->base + PAGE_MASK) & ~PAGE_MASK;
		uint64_t hi = e->base + e->len;
		if (lo < LOW_MEMORY_LIMIT)
			lo = LOW_MEMORY_LIMIT;
		if (lo < kend && hi > kstart)
			lo = (kend + PAGE_MASK) & ~PAGE_MASK; /* skip the image */
		if (hi > BOOT_DIRECT_MAP_LIMIT)
			hi = BOOT_DIRECT_MAP_LIMIT;
		if (lo < hi && hi - lo >= bytes)
			where = lo;
	}
	if (where == 0) {
		kprintf("mm: no room below 4 GiB for the %llu-byte frame bitmap\n",
			(unsigned long long)bytes);
		return false;
	}
	pmm_init(&pmm, phys_to_virt(where), nframes);
	for (size_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == MEM_USABLE)
			pmm_release(&pmm, bi->mem[i].base, bi->mem[i].len);
	pmm_reserve(&pmm, 0, LOW_MEMORY_LIMIT);
	pmm_reserve(&pmm, kstart, kend - kstart);
	pmm_reserve(&pmm, where, bytes);
	return true;
}

bool frame_alloc(uint64_t *phys)
{
	uint64_t flags = spin_lock_class(&frames_lock, LOCK_CLASS_FRAMES);
	enum pmm_status st = pmm_alloc(&pmm, phys);
	spin_unlock_class(&frames_lock, LOCK_CLASS_FRAMES, flags);
	if (st != PMM_OK)
		return false;
	memset(phys_to_virt(*phys), 0, PMM_FRAME_SIZE);
	return true;
}

bool frame_alloc_contig(uint64_t n, uint64_t align, uint64_t *phys)
{
	uint64_t flags = spin_lock_class(&frames_lock, LOCK_CLASS_FRAMES);
	enum pmm_status st = pmm_alloc_contig(&pmm, n, align, phys);
	spin_unlock_class(&frames_lock, LOCK_CLASS_FRAMES, flags);
	if (st != PMM_OK)
		return false;
	memset(phys_to_virt(*phys), 0, n * PMM_FRAME_SIZE);
	return true;
}

enum pmm_status frame_free(uint64_t phys)
{
	uint64_t flags = spin_lock_class(&frames_lock, LOCK_CLASS_FRAMES);
	enum pmm_status st = pmm_free(&pmm, phys);
	spin_unlock_class(&frames_lock, LOCK_CLASS_FRAMES, flags);
	return st;
}

void frames_stats(uint64_t *free, uint64_t *used, uint64_t *reserved, uint64_t *total)
{
	uint64_t flags = spin_lock_class(&frames_lock, LOCK_CLASS_FRAMES);
	*free = pmm.free_frames;
	*used = pmm.used_frames;
	*reserved = pmm.reserved_frames;
	*total = pmm.nframes;
	spin_unlock_class(&frames_lock, LOCK_CLASS_FRAMES, flags);
}
