/* clock: TSC-based monotonic time, calibrated against the PIT. */
#include "clock.h"
#include "cpu.h"
#include "hw/i8254.h"

#define CAL_PIT_TICKS  2387u /* 2 ms of 1.193182 MHz: +-1 tick is 0.04% */
#define CAL_SPIN_LIMIT 20000000u
#define DEFAULT_TSC_HZ 1000000000ull

extern uint64_t boot_tsc; /* boot.S: the TSC at kernel entry */

static uint64_t tsc_hz = DEFAULT_TSC_HZ;
static const char *source = "assumed";

static uint16_t pit_read(void)
{
	outb(PIT_CONTROL, PIT_SEL_CH0 | PIT_RW_LATCH);
	uint8_t lo = inb(PIT_CH0);
	uint8_t hi = inb(PIT_CH0);
	return (uint16_t)(lo | (hi << 8));
}

/* Runs channel 0 as a free-running rate generator and counts its down-ticks over
 * ~2 ms (wrap-around handled) against the TSC. Interrupts are off, and IRQ0 is
 * masked at the PIC/IOAPIC anyway. Returns 0 when the counter never moves. */
static uint64_t calibrate_pit(void)
{
	outb(PIT_CONTROL, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE_RATE | PIT_BINARY);
	outb(PIT_CH0, 0xff);
	outb(PIT_CH0, 0xff);

	uint16_t prev = pit_read();
	uint32_t ticks = 0, spins = 0;
	/* Start at a tick edge so the first partial tick does not count. */
	while (pit_read() == prev) {
		if (++spins > CAL_SPIN_LIMIT)
			return 0;
	}
	prev = pit_read();
	uint64_t t0 = rdtsc();
	while (ticks < CAL_PIT_TICKS) {
		uint16_t now = pit_read();
		ticks += (uint16_t)(prev - now);
		prev = now;
		if (++spins > CAL_SPIN_LIMIT)
			return 0;
	}
	uint64_t t1 = rdtsc();
	return (t1 - t0) * PIT_HZ / ticks;
}

static uint64_t calibrate_cpuid(void)
{
	uint32_t a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 0x15) {
		uint32_t den, num, crystal, x;
		cpuid(0x15, 0, &den, &num, &crystal, &x);
		if (den != 0 && num != 0 && crystal != 0)
			return (uint64_t)crystal * num / den;
	}
	if (a >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if ((a & 0xffff) != 0)
			return (uint64_t)(a & 0xffff) * 1000000ull;
	}
	return 0;
}

/* Three calibrations, the median kept: under an emulator on a loaded host a
 * vCPU can be descheduled long enough (over the PIT's 55 ms wrap) to spoil one. */
static uint64_t calibrate_pit_median(void)
{
	uint64_t v[3];
	for (int i = 0; i < 3; i++)
		if ((v[i] = calibrate_pit()) == 0)
			return 0;
	uint64_t lo = v[0] < v[1] ? v[0] : v[1], hi = v[0] < v[1] ? v[1] : v[0];
	return v[2] < lo ? lo : v[2] > hi ? hi : v[2];
}

void clock_init(void)
{
	uint64_t hz = calibrate_pit_median();
	if (hz != 0) {
		tsc_hz = hz;
		source = "pit";
		return;
	}
	hz = calibrate_cpuid();
	if (hz != 0) {
		tsc_hz = hz;
		source = "cpuid";
	}
}

uint64_t clock_ns(void)
{
	uint64_t d = rdtsc() - boot_tsc;
	/* Split to avoid overflowing d * 1e9. */
	return (d / tsc_hz) * 1000000000ull + (d % tsc_hz) * 1000000000ull / tsc_hz;
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}

const char *clock_source(void)
{
	return source;
}

void clock_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_hz / 1000000ull;
	while (rdtsc() < end)
		cpu_pause();
}

uint64_t clock_pit_measure_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_hz / 1000000ull;
	uint16_t prev = pit_read();
	uint64_t ticks = 0;
	while (rdtsc() < end) {
		uint16_t now = pit_read();
		ticks += (uint16_t)(prev - now);
		prev = now;
	}
	return ticks * 1000000ull / PIT_HZ;
}
