/* clock: TSC-based monotonic time.
 *
 * The TSC rate is measured against every reference clock the machine has (PIT,
 * ACPI PM timer, HPET: clock_ref.c) over a window that opens in clock_init and
 * closes when the rate is first needed, so it runs beside the rest of the boot
 * instead of busy-waiting. A 100 us window at the start gives a rough rate that
 * tells how often each counter wrapped in the long one. The rate used is CPUID's
 * when the CPU states one, else the first reference's; every other source must
 * agree with it, or the clock says so and measures three 10 ms windows instead. */
#include "clock.h"
#include "clock_ref.h"
#include "cpu.h"
#include "core/console.h"
#include "core/spinlock.h"

#include <stddef.h>

#define ROUGH_US	  100u	 /* the rough window, by the first reference */
#define WINDOW_MIN_US	  1000u	 /* the shortest window the rate is taken over */
#define WINDOW_MAX_US	  40000u /* a spun window, under the PIT's 54.9 ms wrap */
#define LONG_WINDOW_US	  10000u /* the fallback, three times */
#define TARGET_ERR_PPM	  500u	 /* a window is made long enough for this */
#define MAX_ERR_PPM	  1000u	 /* a rate less sure than this is not used */
#define ROUGH_MAX_ERR_PPM 5000u	 /* the rough rate only has to count wraps */
#define MARGIN_PPM	  200u	 /* crystal tolerance between two clocks */
#define SPIN_LIMIT	  50000000u
#define DEFAULT_TSC_HZ	  1000000000ull
#define CPUID_HV_PRESENT  (1u << 31) /* CPUID.1:ECX */

extern uint64_t boot_tsc; /* boot.S: the TSC at kernel entry */

static uint64_t tsc_hz = DEFAULT_TSC_HZ;
static const char *source = "assumed";
static struct clock_ref *refs;

/* The open window: pending until settle() closes it. */
static bool pending;
static spinlock_t settle_lock = SPINLOCK_INIT;
static uint64_t stated; /* CPUID's rate, 0 if none */
static int lead;	/* the first reference that counts */
static struct clockcal_sample start[CLOCK_REF_COUNT], mid;
static struct clockcal_rate rough;

/* The TSC rate the CPU states: the hypervisor timing leaf (VMware's convention,
 * QEMU and KVM with vmware-cpuid-freq), leaf 0x15 (crystal times the TSC/crystal
 * ratio, SDM vol. 2A CPUID), else leaf 0x16's nominal base frequency. 0 if none. */
static uint64_t cpuid_tsc_hz(void)
{
	uint32_t max, a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & CPUID_HV_PRESENT) {
		cpuid(0x40000000, 0, &max, &b, &c, &d);
		if (max >= 0x40000010 && max < 0x40010000) {
			cpuid(0x40000010, 0, &a, &b, &c, &d);
			if (a != 0)
				return (uint64_t)a * 1000;
		}
	}
	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a != 0 && b != 0 && c != 0)
			return (uint64_t)c * b / a;
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if ((a & 0xffff) != 0)
			return (uint64_t)(a & 0xffff) * 1000000;
	}
	return 0;
}

/* Edges of every present reference into s[] (a reference that fails is dropped);
 * the index of the first, or -1 when none counts. */
static int edges(struct clockcal_sample s[CLOCK_REF_COUNT])
{
	int first = -1;
	for (int i = 0; i < CLOCK_REF_COUNT; i++) {
		if (refs[i].present && !clock_ref_edge(&refs[i], &s[i]))
			refs[i].present = false;
		if (refs[i].present && first < 0)
			first = i;
	}
	return first;
}

/* Spins until reference r has counted min_us past sample s0 and the TSC has run
 * min_cycles past it, or r has counted WINDOW_MAX_US (under one wrap of any
 * reference);
 * false on a stuck counter. */
static bool spin_for(const struct clock_ref *r, const struct clockcal_sample *s0, unsigned min_us,
		     uint64_t min_cycles)
{
	uint64_t lo = r->counter.hz * min_us / 1000000,
		 hi = r->counter.hz * WINDOW_MAX_US / 1000000;
	for (uint32_t spins = 0; spins < SPIN_LIMIT; spins++) {
		uint32_t ticks = clockcal_ticks(&r->counter, s0->count, r->read());
		if (ticks >= hi || (ticks >= lo && tsc_ordered() - s0->tsc_hi >= min_cycles))
			return true;
	}
	return false;
}

/* The fallback: three windows of LONG_WINDOW_US, spun, and the median of the first
 * reference's rates (a vCPU descheduled in a bracket spoils one, not two). */
static void measure_long(void)
{
	struct clockcal_sample a[CLOCK_REF_COUNT], b;
	struct clockcal_rate r;
	uint64_t v[3];
	for (int i = 0; i < 3; i++) {
		int first = edges(a);
		if (first < 0 || !spin_for(&refs[first], &a[first], LONG_WINDOW_US, 0) ||
		    !clock_ref_edge(&refs[first], &b) ||
		    !clockcal_rate(&refs[first].counter, &a[first], &b, 0, &r)) {
			kprintf("clock: the long measurement failed too; TSC rate %s\n", source);
			return;
		}
		v[i] = r.hz;
		source = refs[first].name;
	}
	uint64_t lo = v[0] < v[1] ? v[0] : v[1], hi = v[0] < v[1] ? v[1] : v[0];
	tsc_hz = v[2] < lo ? lo : v[2] > hi ? hi : v[2];
	kprintf("clock: %s over three %u ms windows: %llu kHz\n", source, LONG_WINDOW_US / 1000,
		(unsigned long long)(tsc_hz / 1000));
}

/* Closes the window: waits until it is WINDOW_MIN_US long (and long enough for
 * TARGET_ERR_PPM), takes the end edges and compares every source with the
 * candidate. With one reference and no CPUID rate, the check is the rough window
 * against the disjoint rest of the window (it catches a spoiled window, not a
 * wrong clock). */
static bool close_window(void)
{
	struct clockcal_sample end[CLOCK_REF_COUNT];
	struct clockcal_rate rate[CLOCK_REF_COUNT], cand, rest;
	const struct clock_ref *r = &refs[lead];
	uint64_t min_cycles =
	    (start[lead].tsc_hi - start[lead].tsc_lo) * (1000000 / TARGET_ERR_PPM);
	uint64_t min_window = rough.hz / 1000000 * WINDOW_MIN_US;

	while (tsc_ordered() - start[lead].tsc_hi <
	       (min_cycles > min_window ? min_cycles : min_window))
		cpu_pause();
	if (edges(end) != lead)
		return false;
	for (int i = 0; i < CLOCK_REF_COUNT; i++)
		if (!refs[i].present ||
		    !clockcal_rate(&refs[i].counter, &start[i], &end[i], rough.hz, &rate[i]) ||
		    rate[i].err_ppm > MAX_ERR_PPM)
			rate[i] = (struct clockcal_rate){0, 0};
	if (rate[lead].hz == 0)
		return false;
	cand = stated != 0 ? (struct clockcal_rate){stated, 0} : rate[lead];
	const char *name = stated != 0 ? "cpuid" : r->name;
	int checks = 0;
	kprintf("clock: %s %llu kHz", name, (unsigned long long)(cand.hz / 1000));
	for (int i = 0; i < CLOCK_REF_COUNT; i++) {
		if (rate[i].hz == 0 || (stated == 0 && i == lead))
			continue;
		kprintf(", %s %llu kHz", refs[i].name, (unsigned long long)(rate[i].hz / 1000));
		checks++;
		if (!clockcal_agree(&cand, &rate[i], MARGIN_PPM))
			goto mismatch;
	}
	if (checks == 0) {
		if (!clockcal_rate(&r->counter, &mid, &end[lead], rough.hz, &rest))
			rest = (struct clockcal_rate){0, 0};
		kprintf(" (first %u us %llu kHz, the rest %llu kHz)", ROUGH_US,
			(unsigned long long)(rough.hz / 1000),
			(unsigned long long)(rest.hz / 1000));
		if (rest.err_ppm > MAX_ERR_PPM || !clockcal_agree(&rough, &rest, MARGIN_PPM))
			goto mismatch;
	}
	kprintf(
	    " over %llu us: agree\n",
	    (unsigned long long)((end[lead].tsc_hi - start[lead].tsc_lo) / (rough.hz / 1000000)));
	tsc_hz = cand.hz;
	source = name;
	return true;

mismatch:
	kprintf(": mismatch, measuring longer\n");
	measure_long();
	return true;
}

/* Ends the calibration the first time the rate is needed. The first caller is
 * the boot CPU (smp_start waits by the clock before starting any other), so the
 * end edges are read on the CPU, and so the TSC, that took the start ones. */
static void settle(void)
{
	uint64_t irq = spin_lock_irqsave(&settle_lock);
	if (pending) {
		if (!close_window()) {
			kprintf("clock: a reference clock stopped counting, measuring again\n");
			measure_long();
		}
		kprintf("clock: tsc %llu kHz (%s)\n", (unsigned long long)(tsc_hz / 1000), source);
		__atomic_store_n(&pending, false, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&settle_lock, irq);
}

static inline void settled(void)
{
	if (__builtin_expect(__atomic_load_n(&pending, __ATOMIC_ACQUIRE), 0))
		settle();
}

void clock_init(void)
{
	stated = cpuid_tsc_hz();
	refs = clock_ref_probe();
	lead = edges(start);
	/* The rough window: a bracket spoiled by a descheduled vCPU is tried again. */
	for (int tries = 0; lead >= 0 && tries < 3; tries++) {
		/* Long enough for ROUGH_MAX_ERR_PPM / 2 with both brackets this wide. */
		uint64_t bracket = start[lead].tsc_hi - start[lead].tsc_lo;
		if (!spin_for(&refs[lead], &start[lead], ROUGH_US,
			      bracket * (2000000 / ROUGH_MAX_ERR_PPM)) ||
		    !clock_ref_edge(&refs[lead], &mid))
			break;
		if (clockcal_rate(&refs[lead].counter, &start[lead], &mid, 0, &rough) &&
		    rough.err_ppm <= ROUGH_MAX_ERR_PPM && rough.hz >= 1000000) {
			tsc_hz = rough.hz; /* kept should the window fail to close */
			source = refs[lead].name;
			pending = true;
			return;
		}
		lead = edges(start);
	}
	if (lead >= 0) {
		kprintf("clock: %s gives no steady rate, measuring longer\n", refs[lead].name);
		measure_long();
	} else if (stated != 0) {
		tsc_hz = stated;
		source = "cpuid";
		kprintf("clock: no reference clock counts; CPUID's rate not cross-checked\n");
	} else {
		kprintf("clock: no reference clock counts and CPUID states no rate\n");
	}
	kprintf("clock: tsc %llu kHz (%s)\n", (unsigned long long)(tsc_hz / 1000), source);
}

uint64_t clock_ns(void)
{
	settled();
	uint64_t d = rdtsc() - boot_tsc;
	/* Split to avoid overflowing d * 1e9. */
	return (d / tsc_hz) * 1000000000ull + (d % tsc_hz) * 1000000000ull / tsc_hz;
}

uint64_t clock_tsc_hz(void)
{
	settled();
	return tsc_hz;
}

const char *clock_source(void)
{
	settled();
	return source;
}

void clock_delay_us(uint64_t us)
{
	settled();
	uint64_t end = rdtsc() + us * tsc_hz / 1000000ull;
	while (rdtsc() < end)
		cpu_pause();
}

const char *clock_ref_name(unsigned i)
{
	settled();
	return refs != NULL && i < CLOCK_REF_COUNT && refs[i].present ? refs[i].name : NULL;
}

bool clock_ref_rate(unsigned i, uint64_t us, struct clockcal_rate *out)
{
	struct clockcal_sample a, b;
	if (clock_ref_name(i) == NULL || !clock_ref_edge(&refs[i], &a))
		return false;
	uint64_t end = a.tsc_hi + us * tsc_hz / 1000000ull;
	while (tsc_ordered() < end)
		cpu_pause();
	return clock_ref_edge(&refs[i], &b) && clockcal_rate(&refs[i].counter, &a, &b, tsc_hz, out);
}
