/* clockcal: the arithmetic of TSC calibration, kept apart from the hardware so it
 * can be tested on the host (tests/host/test_clockcal.c).
 *
 * A reference counter (8254 PIT, ACPI PM timer, HPET) is sampled at an edge: read
 * until its value changes, so the new value began somewhere between the TSC read
 * before the last unchanged read and the TSC read after the changed one. Two such
 * samples give the TSC rate, with an error bound from the two brackets (and a
 * rough rate from a short window tells how often a counter wrapped in a long one). Rates
 * from different sources agree when they lie within each other's bounds plus a
 * margin for crystal tolerance. */
#ifndef CAPOS_LIB_CLOCKCAL_H
#define CAPOS_LIB_CLOCKCAL_H

#include <stdbool.h>
#include <stdint.h>

/* A counter's rate and shape. */
struct clockcal_counter {
	uint64_t hz;   /* ticks per second, not 0 */
	uint32_t mask; /* its width: 0xffff, 0xffffff or 0xffffffff */
	bool down;     /* counts down (the PIT) rather than up */
};

/* One edge: the counter became `count` within TSC [tsc_lo, tsc_hi]. */
struct clockcal_sample {
	uint64_t tsc_lo, tsc_hi;
	uint32_t count;
};

/* A TSC rate and the bound on its error, in parts per million. */
struct clockcal_rate {
	uint64_t hz;
	uint32_t err_ppm;
};

/* clockcal_ticks: how far c advanced from count a to count b, assuming at most one
 * wrap (both are masked to c's width first). */
uint32_t clockcal_ticks(const struct clockcal_counter *c, uint32_t a, uint32_t b);

/* clockcal_rate: the TSC rate over samples a then b of counter c: the TSC cycles
 * between the brackets' midpoints scaled by the ticks between them. With approx_hz
 * 0 the counter is taken to have wrapped at most once; otherwise approx_hz (a TSC
 * rate good to about 1%) tells how many whole wraps it made, so the window may be
 * far longer than the counter's period. Returns false (out zeroed) when no tick
 * passed, the TSC did not move forward, a bracket is inverted, or the arithmetic
 * would overflow (a window of minutes). */
bool clockcal_rate(const struct clockcal_counter *c, const struct clockcal_sample *a,
		   const struct clockcal_sample *b, uint64_t approx_hz, struct clockcal_rate *out);

/* clockcal_apart_ppm: |a - b| / min(a, b) in parts per million, saturating at
 * UINT32_MAX; UINT32_MAX when either is 0. */
uint32_t clockcal_apart_ppm(uint64_t a, uint64_t b);

/* clockcal_agree: true when rates a and b are no further apart than their error
 * bounds together plus margin_ppm. */
bool clockcal_agree(const struct clockcal_rate *a, const struct clockcal_rate *b,
		    uint32_t margin_ppm);

#endif
