/* mmio: uncached kernel mappings of device memory. */
#ifndef CAPOS_MM_MMIO_H
#define CAPOS_MM_MMIO_H

#include <stddef.h>
#include <stdint.h>

/* mmio_map: maps [phys, phys+len) uncached (PCD|PWT), no-execute, into the MMIO
 * window; returns the virtual address of phys, or NULL when len is 0, the range
 * wraps, the window is exhausted or no page-table frame is left. Window space is
 * never reused, so a stale pointer after mmio_unmap faults instead of aliasing. */
void *mmio_map(uint64_t phys, size_t len);

/* mmio_unmap: removes a mapping made by mmio_map (same phys and len). */
void mmio_unmap(void *va, size_t len);

/* mmio_mapped_bytes: bytes currently mapped through this API. */
uint64_t mmio_mapped_bytes(void);

#endif
