/* lapic: local APIC access in both modes, timer calibration, IPIs. */
#include "lapic.h"
#include "clock.h"
#include "cpu.h"
#include "core/console.h"
#include "hw/lapic.h"
#include "mm/mmio.h"

#define ICR_SPIN_LIMIT 1000000
#define CAL_CYCLES     (1u << 18) /* 0.1 ms at 2.6 GHz */

static volatile uint32_t *xapic;
static bool x2apic;
static uint32_t ticks_per_ms;	       /* 0 until first worked out */
static uint64_t cal_ticks, cal_cycles; /* the calibration: timer ticks per TSC cycles */

static uint32_t reg_read(enum lapic_reg r)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (r >> 4));
	return xapic[r / 4];
}

static void reg_write(enum lapic_reg r, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (r >> 4), v);
	else
		xapic[r / 4] = v;
}

bool lapic_x2apic(void)
{
	return x2apic;
}

uint32_t lapic_id(void)
{
	uint32_t id = reg_read(LAPIC_ID);
	return x2apic ? id : id >> 24;
}

uint32_t lapic_version(void)
{
	return reg_read(LAPIC_VERSION);
}

void lapic_eoi(void)
{
	reg_write(LAPIC_EOI, 0);
}

/* Common set-up of this CPU's APIC: mode, enable, LVTs masked, no priority. */
static void setup_this_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	base |= APIC_BASE_ENABLE;
	wrmsr(MSR_APIC_BASE, base);
	if (x2apic && !(base & APIC_BASE_X2APIC))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC); /* SDM 3A §11.12.5 */
	reg_write(LAPIC_TPR, 0);
	reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC_TIMER);
	reg_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	reg_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	reg_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	reg_write(LAPIC_ESR, 0);
	reg_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
	lapic_eoi();
}

/* The current count read between two TSC reads, the narrowest of three: under
 * TCG the first pass runs code never run before (translating it takes ~10 us). */
static void sample_count(uint64_t *tsc_mid, uint32_t *count)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = rdtsc();
		uint32_t c = reg_read(LAPIC_TIMER_CUR);
		uint64_t t1 = rdtsc();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc_mid = t0 + best / 2;
			*count = c;
		}
	}
}

/* Counts timer ticks (divide by 16) over CAL_CYCLES of the TSC. Only the ratio is
 * kept: the TSC's rate may not be settled yet (clock.c), and ticks_per_ms is
 * worked out from it when first needed. With reads bracketed to ~0.2 us the
 * ratio is good to a few tenths of a percent (and in practice far better),
 * plenty for time slices and one-shot wake-ups. */
static void calibrate(void)
{
	uint64_t t0, t1;
	uint32_t c0, c1;
	reg_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC_TIMER);
	reg_write(LAPIC_TIMER_INIT, 0xffffffffu);
	sample_count(&t0, &c0);
	while (rdtsc() - t0 < CAL_CYCLES)
		cpu_pause();
	sample_count(&t1, &c1);
	reg_write(LAPIC_TIMER_INIT, 0);
	cal_ticks = c0 - c1;
	cal_cycles = t1 - t0;
}

bool lapic_init_bsp(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID_1_EDX_APIC)) {
		kprintf("lapic: no local APIC\n");
		return false;
	}
	uint64_t base = rdmsr(MSR_APIC_BASE);
	x2apic = (c & CPUID_1_ECX_X2APIC) != 0;
	if (!x2apic) {
		if (base & APIC_BASE_X2APIC) {
			kprintf("lapic: firmware left x2APIC on without CPUID support\n");
			return false;
		}
		xapic = mmio_map(base & APIC_BASE_ADDR_MASK, 4096);
		if (xapic == NULL) {
			kprintf("lapic: cannot map the xAPIC page\n");
			return false;
		}
	}
	setup_this_cpu();
	calibrate();
	kprintf("lapic: %s id=%u version=0x%x timer=%llu ticks per %llu tsc cycles\n",
		x2apic ? "x2apic" : "xapic", lapic_id(), lapic_version() & 0xff,
		(unsigned long long)cal_ticks, (unsigned long long)cal_cycles);
	return true;
}

void lapic_init_ap(void)
{
	setup_this_cpu();
	reg_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
}

uint32_t lapic_timer_ticks_per_ms(void)
{
	uint32_t t = __atomic_load_n(&ticks_per_ms, __ATOMIC_RELAXED);
	if (t == 0 && cal_cycles != 0) {
		/* Every CPU that gets here works out the same value. */
		uint64_t per_ms = cal_ticks * (clock_tsc_hz() / 1000) / cal_cycles;
		t = per_ms == 0 ? 1 : per_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)per_ms;
		__atomic_store_n(&ticks_per_ms, t, __ATOMIC_RELAXED);
	}
	return t;
}

void lapic_timer_periodic(unsigned hz)
{
	uint64_t count = (uint64_t)lapic_timer_ticks_per_ms() * 1000 / (hz ? hz : 1);
	reg_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_PERIODIC | VEC_LAPIC_TIMER);
	reg_write(LAPIC_TIMER_INIT, count > 0xffffffffu ? 0xffffffffu : (uint32_t)(count ?: 1));
}

void lapic_timer_oneshot(uint64_t us)
{
	uint64_t count = (uint64_t)lapic_timer_ticks_per_ms() * us / 1000;
	reg_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER);
	reg_write(LAPIC_TIMER_INIT, count > 0xffffffffu ? 0xffffffffu : (uint32_t)(count ?: 1));
}

void lapic_timer_stop(void)
{
	reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC_TIMER);
	reg_write(LAPIC_TIMER_INIT, 0);
}

/* Writes the ICR; in xAPIC mode waits (bounded) for the previous send first. */
static bool send_icr(uint32_t dest, uint32_t lo)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | lo);
		return true;
	}
	for (int i = 0; reg_read(LAPIC_ICR_LO) & LAPIC_ICR_PENDING; i++) {
		if (i > ICR_SPIN_LIMIT)
			return false;
		cpu_pause();
	}
	reg_write(LAPIC_ICR_HI, dest << LAPIC_ICR_DEST_SHIFT);
	reg_write(LAPIC_ICR_LO, lo);
	return true;
}

bool lapic_send_ipi(uint32_t dest, uint8_t vector)
{
	return send_icr(dest, LAPIC_ICR_FIXED | LAPIC_ICR_ASSERT | vector);
}

bool lapic_send_nmi(uint32_t dest)
{
	/* NMI delivery takes no vector and no self shorthand (SDM 3A §10.6.1). */
	return send_icr(dest, LAPIC_ICR_NMI | LAPIC_ICR_ASSERT);
}

bool lapic_send_init(uint32_t dest)
{
	return send_icr(dest, LAPIC_ICR_INIT | LAPIC_ICR_ASSERT | LAPIC_ICR_LEVEL);
}

bool lapic_send_sipi(uint32_t dest, uint8_t page)
{
	return send_icr(dest, LAPIC_ICR_STARTUP | LAPIC_ICR_ASSERT | page);
}
