/* Memory and string primitives for lib/ code.
 *
 * On the host these are libc's; in the kernel, kernel/core/string.c provides them
 * (gcc may also emit calls to memcpy/memset/memmove/memcmp on its own).
 */
#ifndef CAPOS_LIB_STR_H
#define CAPOS_LIB_STR_H

#include <stddef.h>

#ifdef CAPOS_HOST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif

/* str_nlen: length of s, at most max (s need not be terminated within max). */
static inline size_t str_nlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n] != '\0')
		n++;
	return n;
}

#endif
