/* acpi: RSDP discovery and table parsing at boot; the `acpi` command. */
#include "acpi.h"
#include "core/boot.h"
#include "core/console.h"
#include "core/diag.h"
#include "mm/layout.h"

#define EBDA_SEGMENT_PTR 0x40e /* BIOS data area: EBDA segment (ACPI 6.5 §5.2.5.1) */
#define BIOS_ROM_START	 0xe0000
#define BIOS_ROM_LEN	 0x20000
#define EBDA_SCAN_LEN	 1024

static struct acpi_info acpi_info;
static bool acpi_ok;

/* Firmware tables sit in memory the direct map covers: all of the low 4 GiB,
 * and every non-reserved region above it. */
static const void *acpi_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	const struct boot_info *bi = boot_info_get();
	if (len == 0 || phys + len < phys)
		return NULL;
	if (phys + len <= BOOT_DIRECT_MAP_LIMIT)
		return phys_to_virt(phys);
	for (size_t i = 0; i < bi->nmem; i++) {
		const struct memmap_entry *e = &bi->mem[i];
		if (e->type != MEM_RESERVED && e->type != MEM_BAD && phys >= e->base &&
		    phys + len <= e->base + e->len)
			return phys_to_virt(phys);
	}
	return NULL;
}

static const struct acpi_mem kernel_mem = {acpi_map, NULL};

const struct acpi_mem *acpi_kernel_mem(void)
{
	return &kernel_mem;
}

/* The RSDP: PVH gives its address, Multiboot2 a copy (kept in boot_info, which
 * is kernel memory the direct map reaches); otherwise the legacy BIOS areas. */
static bool find_rsdp(uint64_t *phys, const char **how)
{
	const struct boot_info *bi = boot_info_get();
	if (bi->rsdp_phys != 0) {
		*phys = bi->rsdp_phys;
		*how = "boot";
		return true;
	}
	if (bi->rsdp_copy_len != 0) {
		*phys = kernel_virt_to_phys(bi->rsdp_copy);
		*how = "multiboot2";
		return true;
	}
	const uint16_t *ebda_seg = acpi_map(NULL, EBDA_SEGMENT_PTR, 2);
	uint64_t ebda = ebda_seg != NULL ? (uint64_t)*ebda_seg << 4 : 0;
	if (ebda >= 0x80000 && ebda < 0xa0000 &&
	    acpi_rsdp_scan(&kernel_mem, ebda, EBDA_SCAN_LEN, phys) == ACPI_OK) {
		*how = "ebda";
		return true;
	}
	if (acpi_rsdp_scan(&kernel_mem, BIOS_ROM_START, BIOS_ROM_LEN, phys) == ACPI_OK) {
		*how = "bios";
		return true;
	}
	return false;
}

bool acpi_init(void)
{
	uint64_t rsdp;
	const char *how;
	if (!find_rsdp(&rsdp, &how)) {
		kprintf("acpi: no RSDP found, machine has no ACPI\n");
		return false;
	}
	enum acpi_status st = acpi_parse(&acpi_info, &kernel_mem, rsdp);
	if (st != ACPI_OK) {
		kprintf("acpi: RSDP at 0x%llx (%s) unusable: %s\n", (unsigned long long)rsdp, how,
			acpi_status_str(st));
		return false;
	}
	acpi_ok = true;
	kprintf("acpi: rsdp=0x%llx (%s) rev=%u %s tables=%u\n", (unsigned long long)rsdp, how,
		acpi_info.tables.rsdp.revision, acpi_info.tables.root_is_xsdt ? "xsdt" : "rsdt",
		(unsigned)acpi_info.tables.count);
	return true;
}

const struct acpi_info *acpi_get(void)
{
	return acpi_ok ? &acpi_info : NULL;
}

static void emit_line(void *ctx, const char *line)
{
	(void)ctx;
	kprintf("%s\n", line);
}

static void cmd_acpi(void)
{
	if (!acpi_ok) {
		kprintf("acpi: none\n");
		return;
	}
	acpi_print(&acpi_info, emit_line, NULL);
}

/* Every table as `@ACPI SIG` and its bytes in hex, the format of
 * tests/fixtures/linux-ground, so any machine's tables can become a fixture. */
static void cmd_acpidump(void)
{
	if (!acpi_ok) {
		kprintf("acpi: none\n");
		return;
	}
	const struct acpi_tables *t = &acpi_info.tables;
	for (size_t i = 0; i < t->count; i++) {
		const uint8_t *p = acpi_table_map(t, &t->table[i]);
		if (p == NULL)
			continue;
		kprintf("@ACPI %.4s ", t->table[i].sig);
		for (uint32_t k = 0; k < t->table[i].len; k++)
			kprintf(" %02x", p[k]);
		kprintf("\n");
	}
}

const struct diag_cmd diag_cmds_acpi[] = {
    {"acpi", "ACPI tables, MADT, MCFG and DMAR summaries", cmd_acpi},
    {"acpidump", "every ACPI table in hex (fixture format)", cmd_acpidump},
};
const size_t diag_cmds_acpi_count = sizeof(diag_cmds_acpi) / sizeof(diag_cmds_acpi[0]);
