/* pmm: physical frame allocator over a bitmap, with free/used/reserved accounting.
 *
 * Every frame is in exactly one state: free, used (handed out by pmm_alloc) or
 * reserved (firmware, the kernel image, holes). Frames start reserved; the memory
 * map's usable ranges are then released into the free pool.
 */
#ifndef CAPOS_LIB_PMM_H
#define CAPOS_LIB_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMM_FRAME_SIZE	4096u
#define PMM_FRAME_SHIFT 12

enum pmm_status {
	PMM_OK = 0,
	PMM_ERR_NOMEM,	  /* no free frame */
	PMM_ERR_ALIGN,	  /* address not frame aligned */
	PMM_ERR_RANGE,	  /* address outside the managed range */
	PMM_ERR_NOT_USED, /* freeing a frame that is free or reserved */
};

struct pmm {
	uint64_t *busy;	    /* bit set: frame is used or reserved */
	uint64_t *reserved; /* bit set: frame is reserved */
	uint64_t nframes;
	uint64_t free_frames;
	uint64_t used_frames;
	uint64_t reserved_frames;
	uint64_t hint; /* no free frame below this index */
};

/* pmm_bitmap_words: uint64_t words each of the two bitmaps needs for nframes. */
static inline uint64_t pmm_bitmap_words(uint64_t nframes)
{
	return (nframes + 63) / 64;
}

/* pmm_init: manages frames [0, nframes); storage holds 2 * pmm_bitmap_words words.
 * Every frame starts reserved. */
void pmm_init(struct pmm *p, uint64_t *storage, uint64_t nframes);

/* pmm_release: makes the whole frames inside [base, base+len) free, if they are
 * reserved (used frames are left alone). Bytes beyond the range are ignored. */
void pmm_release(struct pmm *p, uint64_t base, uint64_t len);

/* pmm_reserve: makes every frame touching [base, base+len) reserved (from free;
 * used frames stay used). */
void pmm_reserve(struct pmm *p, uint64_t base, uint64_t len);

/* pmm_alloc: the lowest free frame's address in *phys, now used. */
enum pmm_status pmm_alloc(struct pmm *p, uint64_t *phys);

/* pmm_alloc_contig: n contiguous free frames whose first address is a multiple of
 * align (a power of two, at least PMM_FRAME_SIZE), lowest first. */
enum pmm_status pmm_alloc_contig(struct pmm *p, uint64_t n, uint64_t align, uint64_t *phys);

/* pmm_free: returns a used frame; anything else (double free, a reserved frame,
 * a bad address) is refused with a status and changes nothing. */
enum pmm_status pmm_free(struct pmm *p, uint64_t phys);

/* pmm_is_used: whether the frame at phys is currently handed out. */
bool pmm_is_used(const struct pmm *p, uint64_t phys);

#endif
