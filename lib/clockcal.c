/* clockcal: TSC rates from counter samples, and whether two rates agree. */
#include "lib/clockcal.h"

#define PPM 1000000ull

uint32_t clockcal_ticks(const struct clockcal_counter *c, uint32_t a, uint32_t b)
{
	a &= c->mask;
	b &= c->mask;
	return (c->down ? a - b : b - a) & c->mask;
}

/* cycles * num / den without overflowing the product; false when the result does. */
static bool scale(uint64_t cycles, uint64_t num, uint64_t den, uint64_t *out)
{
	uint64_t q = cycles / den, r = cycles % den;
	if ((q != 0 && num > UINT64_MAX / q) || (r != 0 && num > UINT64_MAX / r))
		return false;
	uint64_t hi = q * num, lo = r * num / den;
	if (hi > UINT64_MAX - lo)
		return false;
	*out = hi + lo;
	return true;
}

/* The ticks between two counts, adding the whole wraps that make the total
 * nearest to what approx_hz expects over cycles. */
static bool unwrap(const struct clockcal_counter *c, uint32_t ticks, uint64_t cycles,
		   uint64_t approx_hz, uint64_t *out)
{
	uint64_t period = (uint64_t)c->mask + 1, expected;
	*out = ticks;
	if (approx_hz == 0)
		return true;
	if (!scale(cycles, c->hz, approx_hz, &expected))
		return false;
	if (expected > ticks) {
		uint64_t wraps = (expected - ticks + period / 2) / period;
		if (wraps > (UINT64_MAX - ticks) / period)
			return false;
		*out = ticks + wraps * period;
	}
	return true;
}

bool clockcal_rate(const struct clockcal_counter *c, const struct clockcal_sample *a,
		   const struct clockcal_sample *b, uint64_t approx_hz, struct clockcal_rate *out)
{
	uint64_t ticks;
	out->hz = 0;
	out->err_ppm = 0;
	if (c->hz == 0 || a->tsc_hi < a->tsc_lo || b->tsc_hi < b->tsc_lo)
		return false;
	uint64_t half_a = (a->tsc_hi - a->tsc_lo) / 2, half_b = (b->tsc_hi - b->tsc_lo) / 2;
	uint64_t mid_a = a->tsc_lo + half_a, mid_b = b->tsc_lo + half_b;
	if (mid_b <= mid_a)
		return false;
	uint64_t cycles = mid_b - mid_a;
	if (!unwrap(c, clockcal_ticks(c, a->count, b->count), cycles, approx_hz, &ticks) ||
	    ticks == 0 || !scale(cycles, c->hz, ticks, &out->hz))
		return false;
	/* Each midpoint is at most half its bracket from the true edge; rounded up. */
	uint64_t slop = half_a + half_b + 1, err;
	if (!scale(slop, PPM, cycles, &err))
		err = UINT32_MAX;
	err++;
	out->err_ppm = err > UINT32_MAX ? UINT32_MAX : (uint32_t)err;
	return true;
}

uint32_t clockcal_apart_ppm(uint64_t a, uint64_t b)
{
	uint64_t lo = a < b ? a : b, diff = a < b ? b - a : a - b;
	if (lo == 0 || diff > UINT64_MAX / PPM)
		return UINT32_MAX;
	uint64_t ppm = diff * PPM / lo;
	return ppm > UINT32_MAX ? UINT32_MAX : (uint32_t)ppm;
}

bool clockcal_agree(const struct clockcal_rate *a, const struct clockcal_rate *b,
		    uint32_t margin_ppm)
{
	uint64_t allowed = (uint64_t)a->err_ppm + b->err_ppm + margin_ppm;
	return clockcal_apart_ppm(a->hz, b->hz) <= allowed;
}
