/* string: the memory functions lib/str.h declares, for user programs (the
 * compiler may also call them on its own). */
#include <stdint.h>

#include "lib/str.h"

/* rep movsq then rep movsb (and stosq, stosb): a string instruction for the
 * whole run (SDM vol. 1 §7.3.9.3) instead of a loop; by quadwords, as an
 * emulator such as QEMU's TCG executes a rep string operation one element at a
 * time, so eight bytes an element cost an eighth of one byte an element. */
__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t q = n / 8, b = n % 8;
	__asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(b) : : "memory");
	return dst;
}

__attribute__((weak)) void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d < s)
		while (n--)
			*d++ = *s++;
	else
		while (n--)
			d[n] = s[n];
	return dst;
}

__attribute__((weak)) void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t q = n / 8, b = n % 8;
	uint64_t v = (uint8_t)c * 0x0101010101010101ull;
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(b) : "a"(v) : "memory");
	return dst;
}

__attribute__((weak)) int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n--; x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}
