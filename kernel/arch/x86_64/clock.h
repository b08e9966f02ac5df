/* clock: the monotonic clock (TSC, calibrated at boot). */
#ifndef CAPOS_ARCH_CLOCK_H
#define CAPOS_ARCH_CLOCK_H

#include <stdint.h>

/* clock_init: calibrates the TSC against the 8254 PIT; if the PIT does not count,
 * uses CPUID leaf 0x15/0x16 frequencies; otherwise assumes 1 GHz and says so. */
void clock_init(void);

/* clock_ns: nanoseconds since kernel entry, monotonic. */
uint64_t clock_ns(void);

/* clock_deadline: clock_ns() + ns, saturating at UINT64_MAX (never). */
static inline uint64_t clock_deadline(uint64_t ns)
{
	uint64_t now = clock_ns();
	return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

/* clock_tsc_hz: the calibrated TSC frequency. */
uint64_t clock_tsc_hz(void);

/* clock_source: how the TSC was calibrated ("pit", "cpuid", "assumed"). */
const char *clock_source(void);

/* clock_delay_us: busy-waits us microseconds. */
void clock_delay_us(uint64_t us);

/* clock_pit_measure_us: spins us microseconds by the TSC while counting PIT
 * ticks; returns the PIT's view of the time spent (only meaningful when the
 * source is "pit", which leaves channel 0 free-running). */
uint64_t clock_pit_measure_us(uint64_t us);

#endif
