/* test_clockcal: TSC rates from reference-counter samples. Counters that wrap (the
 * PIT's 16-bit down-count, the PM timer's 24 bits), windows many wraps long with the
 * wraps inferred from a rough rate, error bounds from the sample brackets, hostile
 * samples (inverted brackets, no tick, TSC backwards, overflowing windows), and the
 * agreement test that decides whether two clocks cross-check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/clockcal.h"

#define TSC_HZ 2596000000ull

static const struct clockcal_counter pit = {1193182, 0xffff, true};
static const struct clockcal_counter pm24 = {3579545, 0xffffff, false};
static const struct clockcal_counter hpet = {100000000, 0xffffffff, false};

/* A sample of counter c taken exactly at time t_ns (start count `base`), with a
 * bracket of width w TSC cycles centred on the true TSC value. */
static struct clockcal_sample at(const struct clockcal_counter *c, uint32_t base, uint64_t t_ns,
				 uint64_t w)
{
	uint64_t tsc = 1000000 + t_ns * (TSC_HZ / 1000000) / 1000;
	uint64_t ticks = t_ns * c->hz / 1000000000ull;
	uint32_t count = c->down ? base - (uint32_t)ticks : base + (uint32_t)ticks;
	return (struct clockcal_sample){tsc - w / 2, tsc + w / 2, count & c->mask};
}

static void test_ticks_wrap(void **state)
{
	(void)state;
	assert_int_equal(clockcal_ticks(&pit, 100, 40), 60);
	assert_int_equal(clockcal_ticks(&pit, 10, 0xfff0), 26); /* through 0 */
	assert_int_equal(clockcal_ticks(&pit, 0, 0), 0);
	assert_int_equal(clockcal_ticks(&pm24, 0xfffff0, 0x10), 0x20);
	assert_int_equal(clockcal_ticks(&pm24, 0x12345678, 0x12345679), 1); /* masked */
	assert_int_equal(clockcal_ticks(&hpet, 0xffffffff, 4), 5);
}

/* A 1 ms window: the rate is right to within the bound it reports, and the bound
 * is what the brackets allow (two half-brackets of 400 cycles over 2.6M cycles). */
static void test_rate_short_window(void **state)
{
	(void)state;
	const struct clockcal_counter *cs[] = {&pit, &pm24, &hpet};
	for (size_t i = 0; i < 3; i++) {
		struct clockcal_rate r;
		struct clockcal_sample a = at(cs[i], 0x1234, 0, 800);
		struct clockcal_sample b = at(cs[i], 0x1234, 1000000, 800);
		assert_true(clockcal_rate(cs[i], &a, &b, 0, &r));
		uint64_t diff = r.hz > TSC_HZ ? r.hz - TSC_HZ : TSC_HZ - r.hz;
		/* Whole ticks only: the truncated count is within one tick. */
		assert_true(diff * 1000000 / TSC_HZ <= 1000000 / (cs[i]->hz / 1000) + 1);
		assert_in_range(r.err_ppm, 300, 320);
	}
}

/* 300 ms is five PIT wraps: without a rough rate the count is taken modulo 2^16
 * (wrong), with one good to 1% every wrap is restored. */
static void test_rate_long_window_unwraps(void **state)
{
	(void)state;
	struct clockcal_rate r;
	struct clockcal_sample a = at(&pit, 0, 0, 800), b = at(&pit, 0, 300000000, 800);
	assert_true(clockcal_rate(&pit, &a, &b, 0, &r));
	assert_true(clockcal_apart_ppm(r.hz, TSC_HZ) > 100000);
	assert_true(clockcal_rate(&pit, &a, &b, TSC_HZ + TSC_HZ / 100, &r));
	assert_true(clockcal_apart_ppm(r.hz, TSC_HZ) < 10);
	assert_true(clockcal_rate(&pit, &a, &b, TSC_HZ - TSC_HZ / 100, &r));
	assert_true(clockcal_apart_ppm(r.hz, TSC_HZ) < 10);
	/* 10 s of the 24-bit PM timer: two wraps. */
	a = at(&pm24, 0xfffff0, 0, 800);
	b = at(&pm24, 0xfffff0, 10000000000ull, 800);
	assert_true(clockcal_rate(&pm24, &a, &b, TSC_HZ, &r));
	assert_true(clockcal_apart_ppm(r.hz, TSC_HZ) < 2);
	assert_true(r.err_ppm <= 1);
}

static void test_rate_refused(void **state)
{
	(void)state;
	struct clockcal_rate r;
	struct clockcal_sample a = at(&pm24, 7, 0, 800), b = at(&pm24, 7, 1000000, 800);
	struct clockcal_sample bad = a;

	bad.tsc_hi = bad.tsc_lo - 1; /* inverted bracket */
	assert_false(clockcal_rate(&pm24, &bad, &b, 0, &r));
	assert_int_equal(r.hz, 0);
	assert_false(clockcal_rate(&pm24, &a, &bad, 0, &r));
	assert_false(clockcal_rate(&pm24, &b, &a, 0, &r)); /* TSC backwards */
	assert_false(clockcal_rate(&pm24, &a, &a, 0, &r)); /* no time, no tick */
	bad = b;
	bad.count = a.count; /* time passed, the counter did not move */
	assert_false(clockcal_rate(&pm24, &a, &bad, 0, &r));
	struct clockcal_counter zero = pm24;
	zero.hz = 0;
	assert_false(clockcal_rate(&zero, &a, &b, 0, &r));
	/* A window so long the products overflow 64 bits is refused, not wrapped. */
	struct clockcal_sample far = {UINT64_MAX - 10, UINT64_MAX - 2, 5};
	struct clockcal_sample near = {0, 8, 4};
	assert_false(clockcal_rate(&hpet, &near, &far, 0, &r));
	assert_false(clockcal_rate(&hpet, &near, &far, 1, &r));
	/* A bracket as wide as the window: a rate, but a bound of 100% that no check
	 * will accept. */
	struct clockcal_sample wide = {0, 2000000, 0}, late = {2000000, 2000002, 1000};
	assert_true(clockcal_rate(&hpet, &wide, &late, 0, &r));
	assert_true(r.err_ppm >= 1000000);
}

static void test_apart_and_agree(void **state)
{
	(void)state;
	assert_int_equal(clockcal_apart_ppm(1000000, 1000000), 0);
	assert_int_equal(clockcal_apart_ppm(1000000, 1000500), 500);
	assert_int_equal(clockcal_apart_ppm(1000500, 1000000), 500);
	assert_int_equal(clockcal_apart_ppm(0, 5), UINT32_MAX);
	assert_int_equal(clockcal_apart_ppm(1, UINT64_MAX), UINT32_MAX);

	struct clockcal_rate a = {2596000000ull, 300}, b = {2596000000ull + 2596 * 700, 200};
	assert_true(clockcal_agree(&a, &b, 200));  /* 700 ppm apart, 300 + 200 + 200 allowed */
	assert_false(clockcal_agree(&a, &b, 199)); /* one short */
	struct clockcal_rate stated = {2596000000ull, 0}, off = {2600000000ull, 300};
	assert_false(clockcal_agree(&stated, &off, 200)); /* 1540 ppm: a wrong clock */
	struct clockcal_rate none = {0, 0};
	assert_false(clockcal_agree(&stated, &none, UINT32_MAX - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ticks_wrap),
	    cmocka_unit_test(test_rate_short_window),
	    cmocka_unit_test(test_rate_long_window_unwraps),
	    cmocka_unit_test(test_rate_refused),
	    cmocka_unit_test(test_apart_and_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
