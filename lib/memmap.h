/* memmap: the physical memory map the boot protocol handed over, normalised. */
#ifndef CAPOS_LIB_MEMMAP_H
#define CAPOS_LIB_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMMAP_MAX 128

enum memmap_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIM = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
};

struct memmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

/* memmap_type_name: a short stable name for a type ("usable", "reserved", ...). */
const char *memmap_type_name(uint32_t type);

/* memmap_normalize: drops empty entries, sorts by base, merges touching or
 * overlapping entries of the same type. Fails (false, reason in err) when an
 * entry wraps past 2^64, or when entries of different types overlap: the map
 * is then ambiguous and no frame in it can be trusted. */
bool memmap_normalize(struct memmap_entry *e, size_t *n, char *err, size_t errlen);

/* memmap_usable_bytes: total bytes of MEM_USABLE entries. */
uint64_t memmap_usable_bytes(const struct memmap_entry *e, size_t n);

#endif
