/* pci: enumeration at boot, the device table, BAR mappings and their ledger. */
#include "lib/irq/registry.h"
#include "pci.h"
#include "acpi.h"
#include "lib/acpi/aml_pci.h"
#include "pcicfg.h"
#include "pci_assign.h"
#include "core/console.h"
#include "core/diag.h"
#include "core/spinlock.h"
#include "hw/pci.h"
#include "lib/pci/pci_print.h"
#include "mm/mmio.h"

static struct pci_table table;
static const struct pci_cfg *access;
static const char *access_name = "none";
static uint64_t mapped[PCI_MAX_FUNCS]; /* BAR bytes mapped, per table entry */
static spinlock_t map_lock = SPINLOCK_INIT;

/* ECAM windows from the MCFG (PCI Firmware Spec 3.2 §4.1.2). */
static size_t roots_from_mcfg(struct pci_root *roots)
{
	const struct acpi_info *ai = acpi_get();
	size_t n = 0;
	if (ai == NULL || !ai->has_mcfg)
		return 0;
	for (size_t i = 0; i < ai->mcfg.count && n < PCI_MAX_ROOTS; i++) {
		const struct acpi_mcfg_region *e = &ai->mcfg.region[i];
		struct pcicfg_window w = {e->segment, e->bus_start, e->bus_end, e->base};
		if (!pcicfg_add_ecam(&w)) {
			kprintf("pci: MCFG window seg=%u base=0x%llx bus=%02x-%02x unusable, "
				"ignored\n",
				e->segment, (unsigned long long)e->base, e->bus_start, e->bus_end);
			continue;
		}
		roots[n++] = (struct pci_root){e->segment, e->bus_start, e->bus_start, e->bus_end};
	}
	return n;
}

/* ECAM windows from host bridges the DSDT/SSDTs describe with _CBA (PCI Firmware
 * Spec 3.2 §4.1.5), for machines with no MCFG (QEMU microvm with PCIe). */
static struct acpi_pci_host hosts[PCI_MAX_ROOTS];
static size_t nhosts;

static size_t roots_from_namespace(struct pci_root *roots)
{
	struct acpi_pci_host_list list;
	const struct acpi_info *ai = acpi_get();
	size_t n = 0;
	/* Only a host with _CBA gives a window; without that name anywhere, the walk
	 * (the costliest step of a boot under TCG: its code runs once) is skipped. */
	if (ai == NULL || !acpi_aml_mentions(&ai->tables, "_CBA"))
		return 0;
	acpi_pci_host_list_init(&list, hosts, PCI_MAX_ROOTS);
	acpi_find_pci_hosts(&ai->tables, &list);
	nhosts = list.count;
	for (size_t i = 0; i < list.count && n < PCI_MAX_ROOTS; i++) {
		const struct acpi_pci_host *h = &hosts[i];
		if (!h->has_ecam)
			continue;
		/* _CBA is the address of bus 0's slot even when _BBN is not 0. */
		struct pcicfg_window w = {h->segment, h->bus_start, h->bus_end, h->ecam_base};
		if (!pcicfg_add_ecam(&w)) {
			kprintf("pci: %s ECAM 0x%llx bus=%02x-%02x unusable, ignored\n", h->path,
				(unsigned long long)h->ecam_base, h->bus_start, h->bus_end);
			continue;
		}
		roots[n++] = (struct pci_root){h->segment, h->base_bus, h->bus_start, h->bus_end};
		kprintf("pci: %s ecam=0x%llx bus=%02x-%02x", h->path,
			(unsigned long long)h->ecam_base, h->bus_start, h->bus_end);
		for (unsigned k = 0; k < h->nmem; k++)
			kprintf(" mem=0x%llx/0x%llx%s", (unsigned long long)h->mem[k].base,
				(unsigned long long)h->mem[k].len, h->mem[k].prefetch ? ",pf" : "");
		kprintf("\n");
	}
	return n;
}

bool pci_init(void)
{
	static struct pci_root roots[PCI_MAX_ROOTS];
	size_t nroots = roots_from_mcfg(roots);

	if (nroots > 0) {
		access = pcicfg_ecam();
		access_name = "ecam (mcfg)";
	} else if ((nroots = roots_from_namespace(roots)) > 0) {
		access = pcicfg_ecam();
		access_name = "ecam (dsdt)";
	} else if (pcicfg_legacy_probe()) {
		access = pcicfg_legacy();
		access_name = "legacy ports";
	} else {
		kprintf("pci: no configuration access (no MCFG, no ports): no PCI\n");
		return false;
	}
	enum pci_status st = pci_enumerate(access, roots, nroots, &table);
	/* Without firmware (hosts from the DSDT), place what nobody placed and look
	 * again, so the table shows the BARs as they now are. */
	unsigned placed = 0;
	for (size_t i = 0; i < nhosts && (st == PCI_OK || st == PCI_ERR_TRUNCATED); i++)
		if (hosts[i].has_ecam)
			placed += pci_assign_bars(&table, &hosts[i]);
	if (placed != 0) {
		kprintf("pci: placed %u BARs the firmware left unassigned\n", placed);
		st = pci_enumerate(access, roots, nroots, &table);
	}
	if (st != PCI_OK && st != PCI_ERR_TRUNCATED) {
		kprintf("pci: enumeration failed: %s\n", pci_status_str(st));
		access = NULL;
		return false;
	}
	kprintf("pci: %s, %u functions on %u buses, %u config reads, %u writes%s\n", access_name,
		table.stats.functions, table.stats.buses, table.stats.cfg_reads,
		table.stats.cfg_writes, st == PCI_ERR_TRUNCATED ? " (table full)" : "");
	return true;
}

const struct pci_table *pci_devices(void)
{
	return access != NULL ? &table : NULL;
}

const struct pci_cfg *pci_access(void)
{
	return access;
}

const struct pci_fn *pci_find_id(uint16_t vendor, uint16_t device)
{
	if (access == NULL)
		return NULL;
	for (size_t i = 0; i < table.count; i++)
		if (table.fn[i].vendor == vendor && table.fn[i].device == device)
			return &table.fn[i];
	return NULL;
}

uint32_t pci_cfg_read32(const struct pci_fn *f, uint16_t off)
{
	if (access == NULL)
		return 0xffffffffu;
	return access->ops->read32(access->ctx, f->seg, f->bus, f->dev, f->fn, off & ~3u);
}

void pci_cfg_write32(const struct pci_fn *f, uint16_t off, uint32_t v)
{
	if (access != NULL)
		access->ops->write32(access->ctx, f->seg, f->bus, f->dev, f->fn, off & ~3u, v);
}

uint16_t pci_cfg_read16(const struct pci_fn *f, uint16_t off)
{
	return (uint16_t)(pci_cfg_read32(f, off) >> ((off & 2) * 8));
}

void pci_cfg_write16(const struct pci_fn *f, uint16_t off, uint16_t v)
{
	uint16_t base = off & ~3u;
	uint32_t old = pci_cfg_read32(f, base);
	if (base == PCI_COMMAND)
		old &= PCI_DW_COMMAND_MASK; /* never write 1s back into status */
	uint32_t nv = (off & 2) ? (old & 0xffffu) | (uint32_t)v << 16 : (old & 0xffff0000u) | v;
	pci_cfg_write32(f, base, nv);
}

/* The ledger slot of f: f must point into the table. */
static long slot_of(const struct pci_fn *f)
{
	if (f < table.fn || f >= table.fn + table.count)
		return -1;
	return f - table.fn;
}

enum pci_map_status pci_bar_map(const struct pci_fn *f, unsigned bar, uint64_t off, uint64_t len,
				void **va)
{
	long slot = slot_of(f);
	const struct pci_bar *b = slot >= 0 ? pci_fn_bar_by_index(f, bar) : NULL;
	/* An unassigned BAR decodes nowhere: mapping its "address" 0 would map RAM. */
	if (b == NULL || b->kind == PCI_BAR_IO || b->kind == PCI_BAR_NONE || !pci_bar_assigned(b))
		return PCI_MAP_NO_BAR;
	if (len == 0 || off >= b->size || len > b->size - off)
		return PCI_MAP_BOUNDS;
	void *p = mmio_map(b->addr + off, len);
	if (p == NULL)
		return PCI_MAP_NOMEM;
	uint64_t irq = spin_lock_class(&map_lock, LOCK_CLASS_PCI_MAP);
	mapped[slot] += len;
	spin_unlock_class(&map_lock, LOCK_CLASS_PCI_MAP, irq);
	*va = p;
	return PCI_MAP_OK;
}

void pci_bar_unmap(const struct pci_fn *f, void *va, uint64_t len)
{
	long slot = slot_of(f);
	if (slot < 0 || va == NULL || len == 0)
		return;
	mmio_unmap(va, len);
	uint64_t irq = spin_lock_class(&map_lock, LOCK_CLASS_PCI_MAP);
	mapped[slot] = mapped[slot] >= len ? mapped[slot] - len : 0;
	spin_unlock_class(&map_lock, LOCK_CLASS_PCI_MAP, irq);
}

uint64_t pci_mapped_bytes(const struct pci_fn *f)
{
	long slot = slot_of(f);
	return slot >= 0 ? mapped[slot] : 0;
}

static void emit_line(void *ctx, const char *line)
{
	(void)ctx;
	kprintf("%s\n", line);
}

static void cmd_pci(void)
{
	if (access == NULL) {
		kprintf("pci: none\n");
		return;
	}
	pci_emit_all(&table, emit_line, NULL);
}

static void cmd_pci_stats(void)
{
	char line[PCI_LINE_MAX];
	if (access == NULL) {
		kprintf("pci: none\n");
		return;
	}
	pci_format_stats(&table.stats, line, sizeof(line));
	kprintf("%s\n", line);
	kprintf("pci-access %s ecam-buses-mapped=%u\n", access_name,
		(unsigned)pcicfg_mapped_buses());
	for (size_t i = 0; i < table.count; i++)
		if (mapped[i] != 0)
			kprintf("pci-mapped %04x:%02x:%02x.%x bytes=0x%llx\n", table.fn[i].seg,
				table.fn[i].bus, table.fn[i].dev, table.fn[i].fn,
				(unsigned long long)mapped[i]);
}

const struct diag_cmd diag_cmds_pci[] = {
    {"pci", "PCI functions: ids, class, bridges, BARs, capabilities", cmd_pci},
    {"pci-stats", "enumeration cost and BAR bytes mapped per function", cmd_pci_stats},
};
const size_t diag_cmds_pci_count = sizeof(diag_cmds_pci) / sizeof(diag_cmds_pci[0]);
