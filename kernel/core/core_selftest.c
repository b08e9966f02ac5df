/* core_selftest: the clock and the formatter, in the kernel. */
#include "selftest.h"
#include "arch/x86_64/clock.h"
#include "lib/fmt.h"
#include "lib/str.h"

/* The clock is monotonic, and over 5 ms the TSC runs at the calibrated rate (within
 * 1%, beyond the measurement's own error bound) by every reference clock clock_init
 * found (PIT, PM timer, HPET). */
static const char *test_clock(void)
{
	static char why[96];
	uint64_t prev = clock_ns();
	for (int i = 0; i < 10000; i++) {
		uint64_t now = clock_ns();
		if (now < prev)
			return "clock went backwards";
		prev = now;
	}
	struct clockcal_rate want = {clock_tsc_hz(), 0}, got = {0, 0};
	unsigned checked = 0;
	for (unsigned r = 0; r < CLOCK_REFS; r++) {
		if (clock_ref_name(r) == NULL)
			continue;
		/* Up to three tries: a vCPU descheduled in a sample spoils one. */
		bool ok = false;
		for (int i = 0; i < 3 && !ok; i++)
			ok = clock_ref_rate(r, 5000, &got) && got.err_ppm <= 50000 &&
			     clockcal_agree(&want, &got, 10000);
		if (!ok) {
			fmt_snprintf(why, sizeof(why),
				     "the TSC runs at %llu kHz by the %s, not %llu",
				     (unsigned long long)(got.hz / 1000), clock_ref_name(r),
				     (unsigned long long)(want.hz / 1000));
			return why;
		}
		checked++;
	}
	return checked != 0 ? NULL : "no reference clock to check the TSC against";
}

static const char *test_fmt(void)
{
	char buf[64];
	fmt_snprintf(buf, sizeof(buf), "%s=%04x|%-3d|%llu", "a", 0xbe, 7, 18446744073709551615ull);
	if (strcmp(buf, "a=00be|7  |18446744073709551615") != 0)
		return "formatting differs in the kernel build";
	return NULL;
}

const struct selftest selftests_core[] = {
    {"clock", test_clock},
    {"fmt", test_fmt},
};
const size_t selftests_core_count = sizeof(selftests_core) / sizeof(selftests_core[0]);
