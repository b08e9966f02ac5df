/* clock_ref: the reference clocks the TSC is measured against (clock.c only): the
 * 8254 PIT, the ACPI PM timer and the HPET, each a free-running counter of known
 * rate read through one function. */
#ifndef CAPOS_ARCH_CLOCK_REF_H
#define CAPOS_ARCH_CLOCK_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "lib/clockcal.h"

enum clock_ref_id { CLOCK_REF_PIT, CLOCK_REF_PM, CLOCK_REF_HPET, CLOCK_REF_COUNT = CLOCK_REFS };

struct clock_ref {
	const char *name;
	struct clockcal_counter counter;
	uint32_t (*read)(void);
	bool present; /* found, and seen to count */
};

/* clock_ref_probe: sets up every reference the machine has (the PIT's channel 0
 * as a free-running rate generator; the HPET's main counter started when firmware
 * left it stopped) and marks present those that count. Needs acpi_init first for
 * the PM timer and HPET. Returns the table, CLOCK_REF_COUNT entries. */
struct clock_ref *clock_ref_probe(void);

/* clock_ref_edge: waits for reference r's next few ticks and returns the one most
 * tightly bracketed as a sample (the TSC interval in which the counter took its
 * new value). Returns false when the counter did not change within a bounded
 * number of reads. */
bool clock_ref_edge(const struct clock_ref *r, struct clockcal_sample *out);

/* tsc_ordered: the TSC, read after every earlier instruction has completed. */
static inline uint64_t tsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

#endif
