/* test_fmt: the printf-style formatter, conversion by conversion, compared with the
 * host's vsnprintf wherever C defines the result, and its own answer where C does not
 * (NULL %s, %p, unknown conversions, a trailing '%'). Output buffers are heap blocks of
 * exactly the size fmt_snprintf is given, so ASan catches a write past n. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#include <cmocka.h>

#include "lib/fmt.h"

#define OUT_MAX 512

/* Formats with both fmt_vsnprintf and the host's vsnprintf and requires the same bytes
 * and the same return value. No format attribute: the formats are checked by hand, and
 * some (like "%+u") are ones gcc would reject at a call site. */
static void same_as_host(const char *f, ...)
{
	char want[OUT_MAX], got[OUT_MAX];
	va_list ap, aq;

	memset(want, 0x5a, sizeof(want));
	memset(got, 0x5a, sizeof(got));
	va_start(ap, f);
	va_copy(aq, ap);
	int wn = vsnprintf(want, sizeof(want), f, ap);
	size_t gn = fmt_vsnprintf(got, sizeof(got), f, aq);
	va_end(aq);
	va_end(ap);
	assert_true(wn >= 0 && wn < OUT_MAX);
	if (gn != (size_t)wn || memcmp(got, want, (size_t)wn + 1) != 0)
		fail_msg("format \"%s\": host \"%s\" (%d), fmt \"%s\" (%zu)", f, want, wn, got, gn);
}

/* Requires fmt_vsnprintf to produce exactly want (for cases C leaves open). */
static void expect(const char *want, const char *f, ...)
{
	char got[OUT_MAX];
	va_list ap;

	va_start(ap, f);
	size_t gn = fmt_vsnprintf(got, sizeof(got), f, ap);
	va_end(ap);
	assert_string_equal(got, want);
	assert_int_equal(gn, strlen(want));
}

/* fmt_vsnprintf without the format attribute, for formats gcc would reject. */
static size_t vsn(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t r = fmt_vsnprintf(buf, n, f, ap);
	va_end(ap);
	return r;
}

static void test_plain_and_percent(void **state)
{
	(void)state;
	same_as_host("");
	same_as_host("hello, world");
	same_as_host("100%%");
	same_as_host("%%%%");
	same_as_host("a%%b%dc", 7);
	expect("", "");
}

static void test_signed(void **state)
{
	(void)state;
	same_as_host("%d", 0);
	same_as_host("%d", 1);
	same_as_host("%d", -1);
	same_as_host("%d", 123456789);
	same_as_host("%i", -42);
	same_as_host("%d", INT_MAX);
	same_as_host("%d", INT_MIN);
	same_as_host("%i|%d|%i", 1, -2, 3);
}

static void test_unsigned_bases(void **state)
{
	(void)state;
	same_as_host("%u", 0u);
	same_as_host("%u", 4000000000u);
	same_as_host("%u", UINT_MAX);
	same_as_host("%x", 0u);
	same_as_host("%x", 0xdeadbeefu);
	same_as_host("%X", 0xdeadbeefu);
	same_as_host("%x", UINT_MAX);
	same_as_host("%X", 0xabcdefu);
	same_as_host("%o", 0u);
	same_as_host("%o", 8u);
	same_as_host("%o", 0755u);
	same_as_host("%o", UINT_MAX);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	same_as_host("[%5d]", 42);
	same_as_host("[%-5d]", 42);
	same_as_host("[%05d]", 42);
	same_as_host("[%05d]", -42);
	same_as_host("[%-05d]", 42); /* '-' overrides '0' */
	same_as_host("[%0-5d]", -42);
	same_as_host("[%2d]", 12345); /* width never truncates */
	same_as_host("[%8x]", 0xbeefu);
	same_as_host("[%-8X]", 0xbeefu);
	same_as_host("[%08x]", 0xbeefu);
	same_as_host("[%016llx]", 0x1234ull);
	same_as_host("[%6o]", 8u);
	same_as_host("[%06u]", 17u);
	same_as_host("[%+d]", 5);
	same_as_host("[%+d]", -5);
	same_as_host("[%+d]", 0);
	same_as_host("[% d]", 5);
	same_as_host("[% d]", -5);
	same_as_host("[%+ d]", 5);
	same_as_host("[%+05d]", 42);
	same_as_host("[% 05d]", 42);
	same_as_host("[%-+6d]", 42);
}

static void test_int_precision(void **state)
{
	(void)state;
	same_as_host("[%.3d]", 7);
	same_as_host("[%.3d]", -7);
	same_as_host("[%.0d]", 0); /* precision 0, value 0: no digits */
	same_as_host("[%.0x]", 0u);
	same_as_host("[%5.0d]", 0);
	same_as_host("[%.0d]", 3);
	same_as_host("[%.d]", 0); /* '.' alone means precision 0 */
	same_as_host("[%6.3d]", -7);
	same_as_host("[%-6.3d]", -7);
	same_as_host("[%06.3d]", 7); /* '0' ignored with a precision */
	same_as_host("[%08.3x]", 0xffu);
	same_as_host("[%.10u]", 12345u);
	same_as_host("[%.2d]", 12345);
	same_as_host("[%.5o]", 8u);
	same_as_host("[%+.3d]", 7);
	same_as_host("[%.40d]", -1);
}

static void test_strings(void **state)
{
	(void)state;
	same_as_host("%s", "");
	same_as_host("%s", "abc");
	same_as_host("[%6s]", "abc");
	same_as_host("[%-6s]", "abc");
	same_as_host("[%2s]", "abcdef");
	same_as_host("[%.2s]", "abcdef");
	same_as_host("[%.0s]", "abcdef");
	same_as_host("[%.10s]", "abc");
	same_as_host("[%8.3s]", "abcdef");
	same_as_host("[%-8.3s]", "abcdef");
	same_as_host("%s-%s", "a", "b");
}

/* With a precision, %s reads no further than the precision: the string need not be
 * terminated (C11 7.21.6.1p8). The block is exactly 3 bytes, so ASan would see more. */
static void test_string_precision_unterminated(void **state)
{
	(void)state;
	char *s = malloc(3);
	assert_non_null(s);
	memcpy(s, "xyz", 3);
	expect("[xyz]", "[%.3s]", s);
	expect("[xy]", "[%.2s]", s);
	expect("[  xyz]", "[%5.3s]", s);
	free(s);
}

static void test_null_string(void **state)
{
	(void)state;
	expect("(null)", "%s", (const char *)NULL);
	expect("[  (null)]", "[%8s]", (const char *)NULL);
	expect("[(null)  ]", "[%-8s]", (const char *)NULL);
	expect("[(nu]", "[%.3s]", (const char *)NULL);
}

static void test_chars(void **state)
{
	(void)state;
	same_as_host("%c", 'a');
	same_as_host("%c%c%c", 'x', 'y', 'z');
	same_as_host("[%3c]", 'q');
	same_as_host("[%-3c]", 'q');
	same_as_host("[%c]", 0xff);
	same_as_host("[%c]", 'A' + 256); /* converted to unsigned char */
}

/* %c of 0 puts a NUL character in the output and counts it, as C does. */
static void test_char_nul(void **state)
{
	(void)state;
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	assert_memory_equal(buf, "a\0b\0", 4);
}

/* C pads %c to its width whatever the character, NUL included ("  \0|"). */
static void test_char_nul_width(void **state)
{
	(void)state;
	char want[8], got[8];

	memset(want, 'X', sizeof(want));
	memset(got, 'X', sizeof(got));
	int wn = snprintf(want, sizeof(want), "%3c|", 0);
	size_t gn = fmt_snprintf(got, sizeof(got), "%3c|", 0);
	assert_int_equal(wn, 4);
	assert_int_equal(gn, (size_t)wn);
	assert_memory_equal(got, want, 5);
}

static void test_pointer(void **state)
{
	(void)state;
	int x;
	char want[64];

	/* Non-NULL pointers print as glibc prints them: 0x and lowercase hex. */
	same_as_host("%p", (void *)&x);
	same_as_host("%p", (void *)(uintptr_t)0xdeadbeefull);
	same_as_host("%p", (void *)(uintptr_t)UINTPTR_MAX);
	same_as_host("[%20p]", (void *)(uintptr_t)0x1000);
	same_as_host("[%-20p]", (void *)(uintptr_t)0x1000);
	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)(uintptr_t)&x);
	expect(want, "%p", (void *)&x);
	/* glibc says "(nil)"; fmt keeps the 0x form. */
	expect("0x0", "%p", (void *)NULL);
}

static void test_length_modifiers(void **state)
{
	(void)state;
	/* hh and h truncate the promoted int to char and short. */
	same_as_host("%hhd", 200);
	same_as_host("%hhd", -129);
	same_as_host("%hhu", 300);
	same_as_host("%hhx", 0x1ff);
	same_as_host("%hho", 0777);
	same_as_host("%hhi", 127);
	same_as_host("%hd", 70000);
	same_as_host("%hd", -32769);
	same_as_host("%hu", 70000);
	same_as_host("%hx", 0x12345);
	same_as_host("%hi", SHRT_MIN);
	/* l and ll take 64 bits. */
	same_as_host("%ld", LONG_MAX);
	same_as_host("%ld", LONG_MIN);
	same_as_host("%li", -1L);
	same_as_host("%lu", ULONG_MAX);
	same_as_host("%lx", 0xfedcba9876543210ul);
	same_as_host("%lX", 0xfedcba9876543210ul);
	same_as_host("%lo", ULONG_MAX);
	same_as_host("%lld", LLONG_MAX);
	same_as_host("%lld", LLONG_MIN);
	same_as_host("%lli", -1234567890123ll);
	same_as_host("%llu", ULLONG_MAX);
	same_as_host("%llx", 0x8000000000000000ull);
	same_as_host("%llo", ULLONG_MAX);
	/* z, j, t. */
	same_as_host("%zu", SIZE_MAX);
	same_as_host("%zx", (size_t)0xabcdef0123ull);
	same_as_host("%zd", (ptrdiff_t)-5);
	same_as_host("%zi", PTRDIFF_MIN);
	same_as_host("%jd", INTMAX_MIN);
	same_as_host("%ju", UINTMAX_MAX);
	same_as_host("%td", (ptrdiff_t)-77);
	/* Arguments keep their order across mixed lengths. */
	same_as_host("%hhd %lld %d %zu %hd %lx", 1, -2ll, 3, (size_t)4, 5, 6ul);
}

static void test_int64_min(void **state)
{
	(void)state;
	same_as_host("%lld", (long long)INT64_MIN);
	same_as_host("%ld", (long)INT64_MIN);
	same_as_host("[%25lld]", (long long)INT64_MIN);
	same_as_host("[%025lld]", (long long)INT64_MIN);
	same_as_host("[%-25lld]", (long long)INT64_MIN);
	same_as_host("[%.21lld]", (long long)INT64_MIN);
	same_as_host("%llx", (unsigned long long)INT64_MIN);
	expect("-9223372036854775808", "%lld", (long long)INT64_MIN);
	expect("1777777777777777777777", "%llo", ULLONG_MAX);
}

static void test_star(void **state)
{
	(void)state;
	same_as_host("[%*d]", 6, 42);
	same_as_host("[%*d]", -6, 42); /* negative width: '-' flag */
	same_as_host("[%-*d]", -6, 42);
	same_as_host("[%0*d]", 6, 42);
	same_as_host("[%.*d]", 4, 42);
	same_as_host("[%.*d]", -4, 42); /* negative precision: as if omitted */
	same_as_host("[%0*.*d]", 8, -1, 42);
	same_as_host("[%*.*d]", 8, 4, -42);
	same_as_host("[%*s]", 5, "ab");
	same_as_host("[%*s]", -5, "ab");
	same_as_host("[%.*s]", 2, "abcdef");
	same_as_host("[%.*s]", -1, "abcdef");
	same_as_host("[%*.*s]", 6, 3, "abcdef");
	same_as_host("[%*c]", 3, 'z');
	same_as_host("[%*x|%*d]", 4, 0xau, 3, 1);
	same_as_host("[%*d]", 0, 7);
}

/* fmt_snprintf returns the untruncated length, writes at most n bytes (terminator
 * included) and always terminates when n > 0, as C's snprintf. */
static void test_truncation(void **state)
{
	(void)state;
	const char *f = "%s=%d";
	const char *arg = "answer";
	char full[64];
	int flen = snprintf(full, sizeof(full), f, arg, 42);

	for (size_t n = 0; n <= (size_t)flen + 2; n++) {
		char *buf = malloc(n == 0 ? 1 : n);
		assert_non_null(buf);
		if (n == 0)
			buf[0] = 'X';
		else
			memset(buf, 'X', n);
		size_t r = fmt_snprintf(buf, n, f, arg, 42);
		assert_int_equal(r, (size_t)flen);
		if (n == 0) {
			assert_int_equal(buf[0], 'X');
		} else {
			size_t kept = (size_t)flen < n - 1 ? (size_t)flen : n - 1;
			assert_memory_equal(buf, full, kept);
			assert_int_equal(buf[kept], '\0');
		}
		free(buf);
	}
}

static void test_truncation_edges(void **state)
{
	(void)state;
	char buf[4] = {'X', 'X', 'X', 'X'};

	/* n == 0 with no buffer at all. */
	assert_int_equal(fmt_snprintf(NULL, 0, "hello %d", 12345), 11);
	/* n == 1: only the terminator. */
	assert_int_equal(fmt_snprintf(buf, 1, "hello"), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');
	/* Empty output still terminates. */
	buf[0] = 'X';
	assert_int_equal(fmt_snprintf(buf, 4, "%s", ""), 0);
	assert_int_equal(buf[0], '\0');
	/* Exact fit and one short. */
	assert_int_equal(fmt_snprintf(buf, 4, "abc"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(fmt_snprintf(buf, 4, "abcd"), 4);
	assert_string_equal(buf, "abc");
	/* Padding counts towards the length even when cut. */
	assert_int_equal(fmt_snprintf(buf, 4, "%-100d", 1), 100);
	assert_string_equal(buf, "1  ");
}

static void test_unknown_conversion(void **state)
{
	(void)state;
	expect("%y", "%y");
	expect("a%yb", "a%yb");
	expect("[%5y]", "[%5y]");
	expect("[%-08.3ly]", "[%-08.3ly]");
	expect("%y 7", "%y %d", 7); /* consumes no argument */
	expect("%hk", "%hk");
	expect("%#x", "%#x"); /* '#' is not supported: printed as written */
}

static void test_trailing_percent(void **state)
{
	(void)state;
	expect("%", "%");
	expect("abc%", "abc%");
	expect("7%", "%d%", 7);
	expect("%5", "%5");
	expect("%-0", "%-0");
	expect("%.", "%.");
	expect("%.3", "%.3");
	expect("%l", "%l");
	expect("%ll", "%ll");
	expect("%h", "%h");
	expect("%hh", "%hh");
	expect("%z", "%z");

	/* Cut short: the lone '%' is the last byte that fits. */
	char buf[4];
	assert_int_equal(vsn(buf, sizeof(buf), "ab%"), 3);
	assert_string_equal(buf, "ab%");
}

struct sink_rec {
	char buf[64];
	size_t n;
};

static void rec_sink(void *ctx, char c)
{
	struct sink_rec *r = ctx;
	if (r->n < sizeof(r->buf))
		r->buf[r->n] = c;
	r->n++;
}

static size_t vformat_rec(struct sink_rec *r, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = fmt_vformat(rec_sink, r, f, ap);
	va_end(ap);
	return n;
}

/* fmt_vformat hands every character to the sink, NUL from %c included, and counts them;
 * it leaves the caller's va_list alone (it works on a copy). */
static void test_vformat_sink(void **state)
{
	(void)state;
	struct sink_rec r = {{0}, 0};

	assert_int_equal(vformat_rec(&r, "x=%d %c|%s", -3, 0, "ok"), 9);
	assert_int_equal(r.n, 9);
	assert_memory_equal(r.buf, "x=-3 \0|ok", 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_and_percent),
	    cmocka_unit_test(test_signed),
	    cmocka_unit_test(test_unsigned_bases),
	    cmocka_unit_test(test_width_and_flags),
	    cmocka_unit_test(test_int_precision),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_null_string),
	    cmocka_unit_test(test_chars),
	    cmocka_unit_test(test_char_nul),
	    cmocka_unit_test(test_char_nul_width),
	    cmocka_unit_test(test_pointer),
	    cmocka_unit_test(test_length_modifiers),
	    cmocka_unit_test(test_int64_min),
	    cmocka_unit_test(test_star),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_truncation_edges),
	    cmocka_unit_test(test_unknown_conversion),
	    cmocka_unit_test(test_trailing_percent),
	    cmocka_unit_test(test_vformat_sink),
	    /* Last: an overread here is an ASan abort, which ends the program. */
	    cmocka_unit_test(test_string_precision_unterminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
