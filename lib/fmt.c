/* fmt: printf-style formatting over a character sink. */
#include "lib/fmt.h"

#include <stdint.h>
#include <stdbool.h>

#define FMT_LEFT  0x1u
#define FMT_ZERO  0x2u
#define FMT_PLUS  0x4u
#define FMT_SPACE 0x8u

struct fmt_out {
	fmt_sink_t sink;
	void *ctx;
	size_t count;
};

static void out_char(struct fmt_out *o, char c)
{
	o->sink(o->ctx, c);
	o->count++;
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

/* Emits one integer conversion: sign, prefix, precision zeros, digits, padding. */
static void out_number(struct fmt_out *o, uint64_t v, bool neg, unsigned base, bool upper,
		       unsigned flags, int width, int prec, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int len = 0;

	if (v == 0 && prec != 0)
		buf[len++] = '0';
	while (v != 0) {
		buf[len++] = digits[v % base];
		v /= base;
	}
	char sign = neg ? '-' : (flags & FMT_PLUS) ? '+' : (flags & FMT_SPACE) ? ' ' : 0;
	int plen = 0;
	while (prefix[plen] != '\0')
		plen++;
	int zeros = prec > len ? prec - len : 0;
	int total = len + zeros + plen + (sign ? 1 : 0);
	int pad = width > total ? width - total : 0;

	if ((flags & FMT_ZERO) && !(flags & FMT_LEFT) && prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(flags & FMT_LEFT))
		out_pad(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	for (int i = 0; i < plen; i++)
		out_char(o, prefix[i]);
	out_pad(o, '0', zeros);
	while (len > 0)
		out_char(o, buf[--len]);
	if (flags & FMT_LEFT)
		out_pad(o, ' ', pad);
}

static void out_string(struct fmt_out *o, const char *s, unsigned flags, int width, int prec)
{
	int len = 0;

	if (s == NULL)
		s = "(null)";
	/* Precision bounds the read: the string need not be terminated within it. */
	while ((prec < 0 || len < prec) && s[len] != '\0')
		len++;
	int pad = width > len ? width - len : 0;
	if (!(flags & FMT_LEFT))
		out_pad(o, ' ', pad);
	for (int i = 0; i < len; i++)
		out_char(o, s[i]);
	if (flags & FMT_LEFT)
		out_pad(o, ' ', pad);
}

/* Reads a length-modified signed argument. */
static int64_t arg_signed(va_list *ap, int lmod)
{
	switch (lmod) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
	case 't':
	case 'j':
		return va_arg(*ap, int64_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, int lmod)
{
	switch (lmod) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
	case 't':
	case 'j':
		return va_arg(*ap, uint64_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static const char *parse_int(const char *p, int *out)
{
	int v = 0;
	while (*p >= '0' && *p <= '9') {
		if (v < 100000)
			v = v * 10 + (*p - '0');
		p++;
	}
	*out = v;
	return p;
}

size_t fmt_vformat(fmt_sink_t sink, void *ctx, const char *fmt, va_list ap_in)
{
	struct fmt_out o = {sink, ctx, 0};
	va_list ap;
	va_copy(ap, ap_in);

	for (const char *p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		const char *start = p++;
		unsigned flags = 0;
		for (;; p++) {
			if (*p == '-')
				flags |= FMT_LEFT;
			else if (*p == '0')
				flags |= FMT_ZERO;
			else if (*p == '+')
				flags |= FMT_PLUS;
			else if (*p == ' ')
				flags |= FMT_SPACE;
			else
				break;
		}
		int width = 0, prec = -1;
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= FMT_LEFT;
				width = width < -100000 ? 100000 : -width; /* no -INT_MIN */
			}
			p++;
		} else {
			p = parse_int(p, &width);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				p = parse_int(p, &prec);
			}
		}
		int lmod = 0;
		if (*p == 'h') {
			lmod = (p[1] == 'h') ? 'H' : 'h';
			p += (p[1] == 'h') ? 2 : 1;
		} else if (*p == 'l') {
			lmod = (p[1] == 'l') ? 'L' : 'l';
			p += (p[1] == 'l') ? 2 : 1;
		} else if (*p == 'z' || *p == 'j' || *p == 't') {
			lmod = *p++;
		}
		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, lmod);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			out_number(&o, mag, v < 0, 10, false, flags, width, prec, "");
			break;
		}
		case 'u':
			out_number(&o, arg_unsigned(&ap, lmod), false, 10, false, flags, width,
				   prec, "");
			break;
		case 'x':
		case 'X':
			out_number(&o, arg_unsigned(&ap, lmod), false, 16, *p == 'X', flags, width,
				   prec, "");
			break;
		case 'o':
			out_number(&o, arg_unsigned(&ap, lmod), false, 8, false, flags, width, prec,
				   "");
			break;
		case 'p':
			out_number(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), false, 16, false,
				   flags, width, prec, "0x");
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), flags, width, prec);
			break;
		case 'c': {
			/* One character, NUL included, padded like a one-character string. */
			char c = (char)va_arg(ap, int);
			if (!(flags & FMT_LEFT))
				out_pad(&o, ' ', width - 1);
			out_char(&o, c);
			if (flags & FMT_LEFT)
				out_pad(&o, ' ', width - 1);
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		default:
			/* Unknown or truncated conversion: print it as written. */
			for (const char *q = start; q <= p && *q != '\0'; q++)
				out_char(&o, *q);
			if (*p == '\0')
				p--;
			break;
		}
	}
	va_end(ap);
	return o.count;
}

struct fmt_buf {
	char *buf;
	size_t size;
	size_t used;
};

static void buf_sink(void *ctx, char c)
{
	struct fmt_buf *b = ctx;
	if (b->size != 0 && b->used + 1 < b->size)
		b->buf[b->used] = c;
	b->used++;
}

size_t fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct fmt_buf b = {buf, n, 0};
	size_t len = fmt_vformat(buf_sink, &b, fmt, ap);
	if (n != 0)
		buf[len < n ? len : n - 1] = '\0';
	return len;
}

size_t fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t len = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}
