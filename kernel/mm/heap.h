/* heap: kernel object allocation. */
#ifndef CAPOS_MM_HEAP_H
#define CAPOS_MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* kmalloc: size bytes, 16-byte aligned, zeroed; NULL when out of memory or size
 * is 0 or absurd. Small sizes come from per-size-class pages, large ones from
 * contiguous frames. */
void *kmalloc(size_t size);

/* kfree: releases p (NULL is ignored). A pointer kmalloc did not return, or a
 * double free, is detected by the header and reported, and nothing is freed. */
void kfree(void *p);

/* heap_stats: bytes handed out and not yet freed, and pages the heap holds. */
void heap_stats(uint64_t *bytes_in_use, uint64_t *pages);

#endif
