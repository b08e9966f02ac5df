/* string: the memory and string primitives freestanding C needs (gcc emits calls to
 * memcpy, memmove, memset and memcmp on its own). */
#include "lib/str.h"

#include <stdint.h>

/* Word accesses that may alias any object (the bytes are copied as they are). */
typedef uint64_t __attribute__((may_alias)) word_t;

/* Both copy and fill go a word at a time once the destination is aligned: the boot
 * clears and copies tens of KiB (page tables, the ACPI and PCI tables), and under
 * TCG every loop iteration counts. Only for memory: no caller uses them on MMIO. */
void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	for (; n != 0 && ((uintptr_t)d & 7) != 0; n--)
		*d++ = *s++;
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(word_t *)d = *(const word_t *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else if (d > s) {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	uint64_t w = 0x0101010101010101ull * (uint8_t)c;
	for (; n != 0 && ((uintptr_t)d & 7) != 0; n--)
		*d++ = (uint8_t)c;
	for (; n >= 8; n -= 8, d += 8)
		*(word_t *)d = w;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || a[i] == '\0')
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}
