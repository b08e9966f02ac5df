/* core_selftest: the clock and the formatter, in the kernel. */
#include "selftest.h"
#include "arch/x86_64/clock.h"
#include "lib/fmt.h"
#include "lib/str.h"

/* The clock is monotonic, and 5 ms by the TSC is 5 ms by the PIT (within 10%),
 * an independent clock, when the PIT is present. */
static const char *test_clock(void)
{
	uint64_t prev = clock_ns();
	for (int i = 0; i < 10000; i++) {
		uint64_t now = clock_ns();
		if (now < prev)
			return "clock went backwards";
		prev = now;
	}
	if (strcmp(clock_source(), "pit") != 0)
		return NULL;
	/* Up to three tries: a descheduled vCPU can miss a PIT wrap (see clock.c). */
	for (int i = 0; i < 3; i++) {
		uint64_t pit_us = clock_pit_measure_us(5000);
		if (pit_us >= 4500 && pit_us <= 5500)
			return NULL;
	}
	return "5 ms by the TSC is not 5 ms by the PIT";
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
