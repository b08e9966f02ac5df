/* memmap: normalisation and validation of the boot memory map. */
#include "lib/memmap.h"
#include "lib/fmt.h"

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:
		return "usable";
	case MEM_RESERVED:
		return "reserved";
	case MEM_ACPI_RECLAIM:
		return "acpi";
	case MEM_ACPI_NVS:
		return "acpi-nvs";
	case MEM_BAD:
		return "bad";
	default:
		return "unknown";
	}
}

bool memmap_normalize(struct memmap_entry *e, size_t *n, char *err, size_t errlen)
{
	size_t count = 0;

	for (size_t i = 0; i < *n; i++) {
		if (e[i].len == 0)
			continue;
		if (e[i].base + e[i].len < e[i].base) {
			fmt_snprintf(err, errlen, "memory map region 0x%llx+0x%llx wraps",
				     (unsigned long long)e[i].base, (unsigned long long)e[i].len);
			return false;
		}
		e[count++] = e[i];
	}
	/* Insertion sort: the map has at most MEMMAP_MAX entries. */
	for (size_t i = 1; i < count; i++) {
		struct memmap_entry t = e[i];
		size_t j = i;
		while (j > 0 && e[j - 1].base > t.base) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = t;
	}
	size_t out = 0;
	for (size_t i = 0; i < count; i++) {
		if (out > 0) {
			struct memmap_entry *prev = &e[out - 1];
			uint64_t prev_end = prev->base + prev->len;
			if (e[i].base < prev_end && e[i].type != prev->type) {
				fmt_snprintf(
				    err, errlen,
				    "memory map regions overlap: [0x%llx-0x%llx) %s and "
				    "[0x%llx-0x%llx) %s",
				    (unsigned long long)prev->base, (unsigned long long)prev_end,
				    memmap_type_name(prev->type), (unsigned long long)e[i].base,
				    (unsigned long long)(e[i].base + e[i].len),
				    memmap_type_name(e[i].type));
				return false;
			}
			if (e[i].base <= prev_end && e[i].type == prev->type) {
				uint64_t end = e[i].base + e[i].len;
				if (end > prev_end)
					prev->len = end - prev->base;
				continue;
			}
		}
		e[out++] = e[i];
	}
	*n = out;
	return true;
}

uint64_t memmap_usable_bytes(const struct memmap_entry *e, size_t n)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		if (e[i].type == MEM_USABLE)
			total += e[i].len;
	return total;
}
