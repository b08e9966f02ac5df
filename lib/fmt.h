/* fmt: a small printf-style formatter, freestanding.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, flags '-', '0', width and precision
 * (also '*'), length modifiers hh h l ll z j t. Floating point is not supported; an
 * unknown conversion is printed literally.
 */
#ifndef CAPOS_LIB_FMT_H
#define CAPOS_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* A sink receives every output character in order. */
typedef void (*fmt_sink_t)(void *ctx, char c);

/* fmt_vformat: formats to sink; returns the number of characters produced. */
size_t fmt_vformat(fmt_sink_t sink, void *ctx, const char *fmt, va_list ap);

/* fmt_snprintf: formats into buf (size n, always terminated when n > 0); returns the
 * length the full output would have had, like C99 snprintf. */
size_t fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

#endif
