/* umalloc: a small first-fit allocator over one caller-provided arena (libcapos's
 * heap; pure logic, host-tested).
 *
 * The arena is a sequence of blocks, each a 16-byte header (its size, header
 * included, and whether it is in use) followed by its payload; payloads are
 * 16-byte aligned. umalloc walks the blocks from the start, merging runs of
 * free blocks as it passes, and splits the first that fits. umalloc_free finds
 * the block by walking too, so a pointer it did not hand out, or one already
 * freed, is refused (UMALLOC_E_BAD_POINTER) instead of corrupting the arena.
 * Every walk is bounded by the arena: a header whose size is out of range is
 * reported as UMALLOC_E_CORRUPT and nothing is changed.
 */
#ifndef CAPOS_LIB_UMALLOC_H
#define CAPOS_LIB_UMALLOC_H

#include <stddef.h>
#include <stdint.h>

#define UMALLOC_ALIGN 16u

enum umalloc_status {
	UMALLOC_OK = 0,
	UMALLOC_E_BAD_POINTER, /* not a block in use of this arena */
	UMALLOC_E_CORRUPT,     /* a header is inconsistent (user code wrote over it) */
	UMALLOC_E_INVALID,     /* bad arguments to umalloc_init */
};

struct umalloc {
	uint8_t *base;
	size_t size;   /* bytes of the arena in use, a multiple of UMALLOC_ALIGN */
	size_t in_use; /* payload bytes handed out and not freed */
	size_t blocks_used;
	int corrupt; /* set once a walk found a bad header: everything fails since */
};

/* umalloc_init: the arena [mem, mem + size) (aligned up to UMALLOC_ALIGN), one
 * free block. UMALLOC_E_INVALID when fewer than two headers fit. */
enum umalloc_status umalloc_init(struct umalloc *a, void *mem, size_t size);

/* umalloc: n bytes (n > 0), 16-byte aligned, or NULL when nothing fits or the
 * arena is corrupt. */
void *umalloc(struct umalloc *a, size_t n);

/* umalloc_free: returns p (from umalloc on a) to the arena; NULL is a no-op. */
enum umalloc_status umalloc_free(struct umalloc *a, void *p);

/* umalloc_check: walks the arena; UMALLOC_OK when every header is consistent
 * and the counters match. */
enum umalloc_status umalloc_check(struct umalloc *a);

#endif
