/* lapic: local APIC access in both modes, timer calibration, IPIs. */
#include "lapic.h"
#include "clock.h"
#include "cpu.h"
#include "core/console.h"
#include "hw/lapic.h"
#include "mm/mmio.h"

#define ICR_SPIN_LIMIT 1000000
#define CAL_US	       10000

static volatile uint32_t *xapic;
static bool x2apic;
static uint32_t ticks_per_ms;

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

/* Counts timer ticks (divide by 16) over CAL_US of TSC time. */
static void calibrate(void)
{
	reg_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC_TIMER);
	reg_write(LAPIC_TIMER_INIT, 0xffffffffu);
	clock_delay_us(CAL_US);
	uint32_t left = reg_read(LAPIC_TIMER_CUR);
	reg_write(LAPIC_TIMER_INIT, 0);
	ticks_per_ms = (0xffffffffu - left) / (CAL_US / 1000);
	if (ticks_per_ms == 0)
		ticks_per_ms = 1;
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
	kprintf("lapic: %s id=%u version=0x%x timer=%u ticks/ms\n", x2apic ? "x2apic" : "xapic",
		lapic_id(), lapic_version() & 0xff, ticks_per_ms);
	return true;
}

void lapic_init_ap(void)
{
	setup_this_cpu();
	reg_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
}

uint32_t lapic_timer_ticks_per_ms(void)
{
	return ticks_per_ms;
}

void lapic_timer_periodic(unsigned hz)
{
	uint64_t count = (uint64_t)ticks_per_ms * 1000 / (hz ? hz : 1);
	reg_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, LAPIC_LVT_PERIODIC | VEC_LAPIC_TIMER);
	reg_write(LAPIC_TIMER_INIT, count > 0xffffffffu ? 0xffffffffu : (uint32_t)(count ?: 1));
}

void lapic_timer_oneshot(uint64_t us)
{
	uint64_t count = (uint64_t)ticks_per_ms * us / 1000;
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

bool lapic_send_init(uint32_t dest)
{
	return send_icr(dest, LAPIC_ICR_INIT | LAPIC_ICR_ASSERT | LAPIC_ICR_LEVEL);
}

bool lapic_send_sipi(uint32_t dest, uint8_t page)
{
	return send_icr(dest, LAPIC_ICR_STARTUP | LAPIC_ICR_ASSERT | page);
}
