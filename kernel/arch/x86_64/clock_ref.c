/* clock_ref: the PIT, ACPI PM timer and HPET as counters for calibrating the TSC. */
#include "clock_ref.h"
#include "cpu.h"
#include "dev/acpi.h"
#include "hw/acpi.h"
#include "hw/hpet.h"
#include "hw/i8254.h"
#include "mm/mmio.h"

/* Every counter here ticks at least once a microsecond (the PIT every 0.84 us);
 * a read takes 0.05 us under TCG and a few us on real hardware. */
#define EDGE_READ_LIMIT 1000
/* Edges looked at per sample, the narrowest bracket kept: a read that waited for
 * QEMU's lock, or code run for the first time under TCG, widens one. */
#define EDGE_TRIES	4

static uint16_t pm_port;
static volatile uint8_t *hpet;

static uint32_t pit_read(void)
{
	outb(PIT_CONTROL, PIT_SEL_CH0 | PIT_RW_LATCH);
	uint8_t lo = inb(PIT_CH0);
	uint8_t hi = inb(PIT_CH0);
	return (uint32_t)(lo | (hi << 8));
}

static uint32_t pm_read(void)
{
	return inl(pm_port);
}

static uint64_t hpet_read64(enum hpet_reg r)
{
	return *(volatile uint64_t *)(hpet + r);
}

static void hpet_write64(enum hpet_reg r, uint64_t v)
{
	*(volatile uint64_t *)(hpet + r) = v;
}

/* The low half alone: a 32-bit counter needs no torn-read care, and wraps
 * every 43 s at 100 MHz, far beyond any calibration window. */
static uint32_t hpet_read(void)
{
	return *(volatile uint32_t *)(hpet + HPET_COUNTER);
}

static struct clock_ref refs[CLOCK_REF_COUNT] = {
    [CLOCK_REF_PIT] = {"pit", {PIT_HZ, 0xffff, true}, pit_read, false},
    [CLOCK_REF_PM] = {"pm-timer", {ACPI_PM_TIMER_HZ, 0xffffff, false}, pm_read, false},
    [CLOCK_REF_HPET] = {"hpet", {0, 0xffffffff, false}, hpet_read, false},
};

/* Channel 0 as a mode 2 rate generator with the full 65536 count (a written 0),
 * so its down-count wraps modulo 2^16 like the arithmetic in lib/clockcal. IRQ0
 * is masked at the PIC/IOAPIC, and interrupts are off. */
static void pit_setup(void)
{
	outb(PIT_CONTROL, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE_RATE | PIT_BINARY);
	outb(PIT_CH0, 0);
	outb(PIT_CH0, 0);
}

/* ACPI 6.5 §4.8.3.3; only the port I/O form (every PC chipset's) is used. */
static bool pm_setup(const struct acpi_info *ai)
{
	const struct acpi_pm_timer *t = &ai->fadt.pm_timer;
	if (!ai->has_fadt || !t->present || t->space != ACPI_GAS_SPACE_IO || t->address > 0xfffc)
		return false;
	pm_port = (uint16_t)t->address;
	refs[CLOCK_REF_PM].counter.mask = t->is_32bit ? 0xffffffff : 0xffffff;
	return true;
}

/* IA-PC HPET 1.0a §2.3.4: the period is at most 100 ns (and here at least 1 ns). The
 * counter is started when firmware left it stopped, and left running. */
static bool hpet_setup(const struct acpi_info *ai)
{
	if (!ai->has_hpet || (hpet = mmio_map(ai->hpet.address, HPET_MMIO_LEN)) == NULL)
		return false;
	uint32_t period = (uint32_t)(hpet_read64(HPET_CAP) >> HPET_CAP_PERIOD_SHIFT);
	if (period < HPET_PERIOD_MIN_FS || period > HPET_PERIOD_MAX_FS) {
		mmio_unmap((void *)hpet, HPET_MMIO_LEN);
		hpet = NULL;
		return false;
	}
	refs[CLOCK_REF_HPET].counter.hz = HPET_FS_PER_S / period;
	uint64_t cfg = hpet_read64(HPET_CONFIG);
	if (!(cfg & HPET_CONFIG_ENABLE))
		hpet_write64(HPET_CONFIG, cfg | HPET_CONFIG_ENABLE);
	return true;
}

/* One edge: the first change of the counter's value, bracketed from the TSC before
 * the last read that still saw the old value to the TSC after the first that saw
 * the new one. */
static bool one_edge(const struct clock_ref *r, struct clockcal_sample *out)
{
	uint64_t lo = tsc_ordered();
	uint32_t prev = r->read() & r->counter.mask;
	for (int i = 0; i < EDGE_READ_LIMIT; i++) {
		uint64_t before = tsc_ordered();
		uint32_t now = r->read() & r->counter.mask;
		uint64_t after = tsc_ordered();
		if (now != prev) {
			*out = (struct clockcal_sample){lo, after, now};
			return true;
		}
		lo = before;
	}
	return false;
}

bool clock_ref_edge(const struct clock_ref *r, struct clockcal_sample *out)
{
	struct clockcal_sample s;
	bool found = false;
	for (int i = 0; i < EDGE_TRIES; i++) {
		if (!one_edge(r, &s))
			return false;
		if (!found || s.tsc_hi - s.tsc_lo < out->tsc_hi - out->tsc_lo)
			*out = s;
		found = true;
	}
	return true;
}

struct clock_ref *clock_ref_probe(void)
{
	const struct acpi_info *ai = acpi_get();
	struct clockcal_sample s;

	pit_setup();
	refs[CLOCK_REF_PIT].present = true;
	if (ai != NULL) {
		refs[CLOCK_REF_PM].present = pm_setup(ai);
		refs[CLOCK_REF_HPET].present = hpet_setup(ai);
	}
	/* A missing PIT reads as 0xff forever; any of them may be stuck. */
	for (int i = 0; i < CLOCK_REF_COUNT; i++)
		if (refs[i].present && !clock_ref_edge(&refs[i], &s))
			refs[i].present = false;
	return refs;
}
