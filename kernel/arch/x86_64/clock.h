/* clock: the monotonic clock (TSC, calibrated at boot). */
#ifndef CAPOS_ARCH_CLOCK_H
#define CAPOS_ARCH_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/clockcal.h"

/* clock_init: starts measuring the TSC rate (needs acpi_init first for the PM
 * timer and HPET). The measurement ends, and is cross-checked and printed, when
 * the rate is first needed (any call below), at least 1 ms later; on a mismatch
 * between sources it says so and measures over three 10 ms windows instead.
 * Without any reference clock it takes CPUID's rate or assumes 1 GHz, and says so. */
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

/* clock_source: where the TSC rate came from ("cpuid", "pit", "pm-timer", "hpet",
 * "assumed"). */
const char *clock_source(void);

/* clock_delay_us: busy-waits us microseconds. */
void clock_delay_us(uint64_t us);

#define CLOCK_REFS 3 /* reference clocks: the PIT, the ACPI PM timer, the HPET */

/* clock_ref_name: reference clock i's name ("pit", "pm-timer", "hpet" for i = 0,
 * 1, 2) when clock_init found it counting, else NULL. */
const char *clock_ref_name(unsigned i);

/* clock_ref_rate: measures the TSC rate against reference clock i over about us
 * microseconds, independently of clock_init's measurement. Returns false when it
 * is absent or stopped counting. */
bool clock_ref_rate(unsigned i, uint64_t us, struct clockcal_rate *out);

#endif
