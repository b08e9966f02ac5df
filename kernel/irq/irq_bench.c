/* irq_bench: `selftest=bench-irq`: TSC cycles from the instruction before the
 * edu device's raise write to the first instruction of the registered handler,
 * over 1000 MSI deliveries to the boot CPU; median and p99. */
#include "irq.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/intr.h"
#include "core/console.h"
#include "core/selftest.h"
#include "dev/pci.h"
#include "hw/edu.h"

#define BENCH_N	   1000
#define SPIN_LIMIT 100000000ull

static volatile uint64_t t_handler;
static volatile uint32_t *edu;

static void on_edu(void *ctx)
{
	(void)ctx;
	t_handler = rdtsc();
	edu[EDU_IRQ_ACK / 4] = 1;
}

static void sort(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static const char *bench_irq(void)
{
	static uint64_t d[BENCH_N];
	const struct pci_fn *f = pci_find_id(EDU_VENDOR, EDU_DEVICE);
	const struct pci_bar *b = f != NULL ? pci_fn_bar_by_index(f, 0) : NULL;
	struct irq_handle h;
	void *va;
	if (b == NULL || b->addr == 0)
		return SELFTEST_SKIP "no edu device with an assigned BAR0";
	if (pci_bar_map(f, 0, 0, 0x1000, &va) != PCI_MAP_OK)
		return "cannot map edu BAR0";
	edu = va;
	uint16_t cmd = pci_cfg_read16(f, 0x04);
	pci_cfg_write16(f, 0x04, cmd | 0x6);
	const char *fail = NULL;
	if (irq_route_msi(f, 0, on_edu, 0, &h) != IRQ_OK || irq_enable(h) != IRQ_OK) {
		fail = "routing edu MSI failed";
		goto out;
	}
	intr_enable();
	for (int i = 0; i < BENCH_N && fail == NULL; i++) {
		t_handler = 0;
		uint64_t t0 = rdtsc();
		edu[EDU_IRQ_RAISE / 4] = 1;
		for (uint64_t s = 0; t_handler == 0; s++) {
			if (s > SPIN_LIMIT) {
				fail = "an interrupt did not arrive";
				break;
			}
			cpu_pause();
		}
		d[i] = t_handler - t0;
	}
	intr_disable();
	irq_release(h);
	if (fail == NULL) {
		sort(d, BENCH_N);
		uint64_t hz = clock_tsc_hz();
		uint64_t med = d[BENCH_N / 2], p99 = d[BENCH_N * 99 / 100];
		kprintf("bench irq-msi n=%d median=%llu p99=%llu min=%llu max=%llu cycles "
			"(tsc %llu kHz: median %llu ns, p99 %llu ns)\n",
			BENCH_N, (unsigned long long)med, (unsigned long long)p99,
			(unsigned long long)d[0], (unsigned long long)d[BENCH_N - 1],
			(unsigned long long)(hz / 1000),
			(unsigned long long)(med * 1000000000ull / hz),
			(unsigned long long)(p99 * 1000000000ull / hz));
	}
out:
	pci_cfg_write16(f, 0x04, cmd);
	pci_bar_unmap(f, va, 0x1000);
	return fail;
}

const struct selftest selftests_bench[] = {
    {"bench-irq", bench_irq},
};
const size_t selftests_bench_count = sizeof(selftests_bench) / sizeof(selftests_bench[0]);
