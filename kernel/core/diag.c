/* diag: command lookup, the boot-time `diag=` list and the COM1 prompt. */
#include "diag.h"
#include "console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tlb.h"
#include "arch/x86_64/uart.h"
#include "lib/cmdline.h"
#include "lib/lineedit.h"
#include "proc/proc.h"
#include "hw/uart16550.h"
#include "irq/irq.h"

struct diag_group {
	const struct diag_cmd *cmds;
	const size_t *count;
};

static const struct diag_group groups[] = {
    {diag_cmds_core, &diag_cmds_core_count},	   {diag_cmds_mm, &diag_cmds_mm_count},
    {diag_cmds_acpi, &diag_cmds_acpi_count},	   {diag_cmds_pci, &diag_cmds_pci_count},
    {diag_cmds_cpus, &diag_cmds_cpus_count},	   {diag_cmds_irq, &diag_cmds_irq_count},
    {diag_cmds_iommu, &diag_cmds_iommu_count},	   {diag_cmds_dma, &diag_cmds_dma_count},
    {diag_cmds_devices, &diag_cmds_devices_count},
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static const struct diag_cmd *find(const char *name, size_t len)
{
	for (size_t g = 0; g < NGROUPS; g++)
		for (size_t i = 0; i < *groups[g].count; i++)
			if (cmdline_word_eq(name, len, groups[g].cmds[i].name))
				return &groups[g].cmds[i];
	return NULL;
}

static void cmd_help(void)
{
	for (size_t g = 0; g < NGROUPS; g++)
		for (size_t i = 0; i < *groups[g].count; i++)
			kprintf("%-10s %s\n", groups[g].cmds[i].name, groups[g].cmds[i].help);
}

const struct diag_cmd diag_cmds_core[] = {
    {"help", "list the commands", cmd_help},
};
const size_t diag_cmds_core_count = sizeof(diag_cmds_core) / sizeof(diag_cmds_core[0]);

bool diag_validate(const char *list, size_t len)
{
	const char *cur = list, *item;
	size_t n;
	bool ok = true;
	while (cmdline_list_next(&cur, list + len, &item, &n)) {
		if (find(item, n) == NULL) {
			kprintf("cmdline: diag: unknown command '%.*s' (try diag=help)\n",
				(int)(n > 40 ? 40 : n), item);
			ok = false;
		}
	}
	return ok;
}

void diag_run_list(const char *list, size_t len)
{
	const char *cur = list, *item;
	size_t n;
	while (cmdline_list_next(&cur, list + len, &item, &n)) {
		const struct diag_cmd *c = find(item, n);
		if (c != NULL)
			c->run();
	}
}

static void echo(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		uart_putc(s[i]);
}

static void on_rx(void *ctx)
{
	(void)ctx; /* waking the halted CPU is all it takes */
}

static struct lineedit le;
static bool prompt_irq, prompt_started;

void diag_prompt_start(void)
{
	struct irq_handle h;
	if (prompt_started)
		return;
	prompt_started = true;
	/* COM1's receive interrupt through its I/O APIC pin wakes the CPU; without
	 * it (no I/O APIC), the prompt polls. */
	prompt_irq =
	    irq_route_isa(UART_COM1_IRQ, 0, on_rx, 0, &h) == IRQ_OK && irq_enable(h) == IRQ_OK;
	if (prompt_irq)
		uart_rx_interrupts(true);
	lineedit_init(&le, echo, NULL);
	kprintf("capos> ");
}

bool diag_prompt_poll(void)
{
	int c;
	bool any = false;
	while ((c = uart_getc()) >= 0) {
		any = true;
		if (!lineedit_feed(&le, (char)c))
			continue;
		const char *cur = le.buf, *w;
		size_t wl;
		if (le.overflowed) {
			kprintf("line longer than %d characters, ignored\n", LINEEDIT_MAX);
		} else if (cmdline_next(&cur, &w, &wl)) {
			const struct diag_cmd *cmd = find(w, wl);
			if (cmd != NULL) {
				/* Commands run long with interrupts off: out of
				 * any process's address space first, so that no
				 * TLB request about it waits for this CPU, and not
				 * polling, so the others run what is queued. */
				tlb_leave_user();
				sched_busy_here();
				cmd->run();
			} else
				kprintf("unknown command '%.*s'; try help\n", (int)wl, w);
		}
		kprintf("capos> ");
	}
	return any;
}

void diag_prompt(void)
{
	diag_prompt_start();
	for (;;)
		if (!diag_prompt_poll()) {
			if (prompt_irq)
				__asm__ volatile("sti; hlt; cli" : : : "memory");
			else
				cpu_pause();
		}
}
