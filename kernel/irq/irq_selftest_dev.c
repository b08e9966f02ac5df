/* irq_selftest_dev: interrupt proofs through real devices: COM1 through its
 * I/O APIC pin (UART loopback), edu through MSI, NVMe through MSI-X; and bad
 * hardware data refused. */
#include "irq.h"
#include "irq_parts.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/intr.h"
#include "arch/x86_64/percpu.h"
#include "core/selftest.h"
#include "dev/acpi.h"
#include "dev/nvme_poke.h"
#include "dev/pci.h"
#include "hw/edu.h"
#include "hw/uart16550.h"
#include "lib/irq/gsi.h"
#include "lib/str.h"

#define ROUNDS	      10
#define QUIET_MS      20
#define WAIT_LIMIT_US 200000

static volatile uint64_t hits;

static void wait_irqs_on(uint64_t us)
{
	intr_enable();
	clock_delay_us(us);
	intr_disable();
}

/* Waits (interrupts on) until hits reaches want or the limit passes. */
static bool wait_hits(uint64_t want)
{
	intr_enable();
	for (uint64_t t = 0; t < WAIT_LIMIT_US && hits < want; t += 10)
		clock_delay_us(10);
	intr_disable();
	return hits >= want;
}

/* The last online CPU, so deliveries prove "any CPU", not just the boot one. */
static unsigned target_cpu(void)
{
	unsigned c = percpu_count;
	while (c > 1 && !percpu_table[c - 1].online)
		c--;
	return c - 1;
}

static void uart_w(unsigned reg, uint8_t v)
{
	outb((uint16_t)(UART_COM1_BASE + reg), v);
}

static uint8_t uart_r(unsigned reg)
{
	return inb((uint16_t)(UART_COM1_BASE + reg));
}

static void on_uart(void *ctx)
{
	(void)ctx;
	while (uart_r(UART_LSR) & UART_LSR_DR)
		(void)uart_r(UART_RBR);
	hits++;
}

/* COM1 in loopback mode (PC16550D §8.6: transmitted bytes come back to the
 * receiver) raises "data ready" with nobody typing. Nothing may print while the
 * UART is in loopback: the console is this UART. */
static const char *part_ioapic(void)
{
	static char why[64];
	struct irq_handle h;
	if (percpu_table[0].online == false)
		return "boot CPU offline";
	enum irq_status st = irq_route_isa(UART_COM1_IRQ, 0, on_uart, 0, &h);
	if (st != IRQ_OK) {
		irq_why(why, sizeof(why), "routing ISA IRQ 4: %s", irq_status_str(st));
		return why;
	}
	const char *fail = NULL;
	hits = 0;
	clock_delay_us(2000); /* let the transmitter drain what was printed */
	uart_w(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	uart_w(UART_IER, UART_IER_RDA);
	uart_w(UART_THR, 'm'); /* masked: must not arrive */
	wait_irqs_on(QUIET_MS * 1000);
	if (hits != 0)
		fail = "delivered while masked";
	while (uart_r(UART_LSR) & UART_LSR_DR)
		(void)uart_r(UART_RBR);
	if (fail == NULL && irq_enable(h) != IRQ_OK)
		fail = "enable refused";
	for (int i = 0; fail == NULL && i < ROUNDS; i++) {
		uart_w(UART_THR, (uint8_t)('0' + i));
		if (!wait_hits((uint64_t)i + 1))
			fail = "not delivered when unmasked";
	}
	/* The UART may raise a second edge for one byte (data-ready and the FIFO
	 * timeout): the registry must count exactly what the handler saw. */
	if (fail == NULL && irq_count(h) != hits)
		fail = "registry count differs from deliveries";
	if (fail == NULL && irq_mask(h) == IRQ_OK) {
		uint64_t before = hits;
		uart_w(UART_THR, 'x');
		wait_irqs_on(QUIET_MS * 1000);
		if (hits != before)
			fail = "delivered after masking again";
	}
	uart_w(UART_IER, 0);
	uart_w(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	while (uart_r(UART_LSR) & UART_LSR_DR)
		(void)uart_r(UART_RBR);
	irq_print(h);
	irq_release(h);
	if (fail == NULL && irq_enable(h) != IRQ_ERR_STALE)
		fail = "released handle still works";
	return fail;
}

/* edu (hw/edu.h): write EDU_IRQ_RAISE raises, EDU_IRQ_ACK acknowledges. */
static volatile uint32_t *edu;

static void on_edu(void *ctx)
{
	(void)ctx;
	edu[EDU_IRQ_ACK / 4] = edu[EDU_IRQ_STATUS / 4];
	hits++;
}

static const char *part_msi(void)
{
	const struct pci_fn *f = pci_find_id(EDU_VENDOR, EDU_DEVICE);
	struct irq_handle h;
	void *va;
	if (f == NULL)
		return SELFTEST_SKIP "no edu device";
	const struct pci_bar *b = pci_fn_bar_by_index(f, 0);
	if (b == NULL || b->addr == 0)
		return SELFTEST_SKIP "edu BAR0 not assigned by firmware";
	if (pci_bar_map(f, 0, 0, 0x1000, &va) != PCI_MAP_OK)
		return "cannot map edu BAR0";
	edu = va;
	uint16_t cmd = pci_cfg_read16(f, 0x04);
	pci_cfg_write16(f, 0x04, cmd | 0x2 | 0x4); /* memory, bus master: MSI writes */
	const char *fail = NULL;
	hits = 0;
	if (irq_route_msi(f, target_cpu(), on_edu, 0, &h) != IRQ_OK) {
		fail = "routing edu MSI failed";
		goto out;
	}
	edu[EDU_IRQ_RAISE / 4] = 1; /* masked: MSI off (edu has no per-vector mask) */
	wait_irqs_on(QUIET_MS * 1000);
	if (hits != 0)
		fail = "delivered while masked";
	edu[EDU_IRQ_ACK / 4] = 1;
	if (fail == NULL && irq_enable(h) != IRQ_OK)
		fail = "enable refused";
	for (int i = 0; fail == NULL && i < ROUNDS; i++) {
		edu[EDU_IRQ_RAISE / 4] = 1u << (i % 8);
		if (!wait_hits((uint64_t)i + 1))
			fail = "not delivered";
	}
	wait_irqs_on(QUIET_MS * 1000);
	if (fail == NULL && (hits != ROUNDS || irq_count(h) != ROUNDS))
		fail = "count not exact";
	irq_print(h);
	irq_release(h);
out:
	pci_cfg_write16(f, 0x04, cmd);
	pci_bar_unmap(f, va, 0x1000);
	return fail;
}

static void on_nvme(void *ctx)
{
	(void)ctx;
	hits++;
}

static const struct pci_fn *find_nvme(void)
{
	const struct pci_table *t = pci_devices();
	for (size_t i = 0; t != NULL && i < t->count; i++)
		if (t->fn[i].class_code == 0x01 && t->fn[i].subclass == 0x08 &&
		    t->fn[i].prog_if == 0x02)
			return &t->fn[i];
	return NULL;
}

/* NVMe admin completions on MSI-X entry 0; masking the entry holds the message
 * in the pending bit array until unmasked (PCI 3.0 §6.8.2.9). */
static const char *part_msix(void)
{
	static struct msix_table tab;
	static struct nvme_poke nv;
	const struct pci_fn *f = find_nvme();
	struct irq_handle h;
	const char *fail = NULL;
	if (f == NULL)
		return SELFTEST_SKIP "no NVMe device";
	if (msix_open(&tab, f) != MSI_OK)
		return "cannot open the MSI-X table";
	hits = 0;
	if (irq_route_msix(&tab, 0, target_cpu(), on_nvme, 0, &h) != IRQ_OK) {
		msix_close(&tab);
		return "routing MSI-X entry 0 failed";
	}
	if (!nvme_poke_start(&nv, f, &fail))
		goto out;
	irq_enable(h);
	for (int i = 0; fail == NULL && i < 3; i++) {
		nvme_poke_submit(&nv);
		if (!wait_hits((uint64_t)i + 1))
			fail = "admin completion not delivered";
		else if (nvme_poke_reap(&nv) != 1)
			fail = "completion queue entry missing";
	}
	if (fail == NULL) {
		irq_mask(h);
		nvme_poke_submit(&nv);
		wait_irqs_on(QUIET_MS * 1000);
		if (hits != 3)
			fail = "delivered while the entry was masked";
		else if (!msix_pending(&tab, 0))
			fail = "pending bit not set while masked";
		else if (irq_enable(h) != IRQ_OK || !wait_hits(4))
			fail = "pending message not delivered on unmask";
		else if (msix_pending(&tab, 0))
			fail = "pending bit still set after delivery";
		else if (nvme_poke_reap(&nv) != 1)
			fail = "completion queue entry missing";
	}
	nvme_poke_stop(&nv);
	irq_print(h);
out:
	irq_release(h);
	msix_close(&tab);
	return fail;
}

/* Firmware and devices that lie: reported and skipped, no crash. */
static const char *part_baddata(void)
{
	static struct acpi_madt_info madt;
	static struct irq_gsi_map map;
	static struct msix_table tab;
	uint32_t ver[3] = {0x00170020, 0x00170020, 0xffffffffu};
	memset(&madt, 0, sizeof(madt));
	madt.nioapic = 3;
	madt.ioapic[0] = (struct acpi_ioapic){0, 0xfec00000, 0};
	madt.ioapic[1] = (struct acpi_ioapic){1, 0xfec10000, 16}; /* overlaps 16-23 */
	madt.ioapic[2] = (struct acpi_ioapic){2, 0xfec20000, 48}; /* reads all-ones */
	irq_gsi_map_build(&map, &madt, ver, 3);
	if (map.nioapic != 1 || map.ioapic_rejected != 2)
		return "overlapping or all-ones I/O APIC accepted";
	const struct pci_fn *real = find_nvme();
	if (real == NULL) {
		const struct pci_table *t = pci_devices();
		for (size_t i = 0; t != NULL && i < t->count && real == NULL; i++)
			if (t->fn[i].flags & PCI_FN_MSIX)
				real = &t->fn[i];
	}
	if (real != NULL) {
		static struct pci_fn liar;
		liar = *real;
		liar.msix.table_off = 0xfffff000u; /* beyond any BAR this device has */
		liar.msix.table_fits = false;
		if (msix_open(&tab, &liar) != MSI_ERR_BAR)
			return "MSI-X table outside its BAR accepted";
	}
	return NULL;
}

const struct irq_part irq_parts_dev[] = {
    {"ioapic", part_ioapic},
    {"msi", part_msi},
    {"msix", part_msix},
    {"baddata", part_baddata},
};
const size_t irq_parts_dev_count = sizeof(irq_parts_dev) / sizeof(irq_parts_dev[0]);
