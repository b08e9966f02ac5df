/* fuzz_pci: lib/pci enumeration and printing over a fake bus made of fuzz bytes.
 *
 * Input: one flags byte, then up to FUZZ_FNS function records of FUZZ_RECORD bytes (a
 * short input is zero-filled). Flags: bit 0: ECAM-sized 4096-byte config access (else
 * 256); bit 1: set every function's capability-list status bit; bit 2: make the first
 * capability of every function the PCI Express one (so extended capability walks and
 * PCIe ports are reached quickly); bit 3: a root whose bus range ends at bus 1.
 * Records:
 *   [0] bus (low 2 bits) and device (bits 2..6)   [1] function (low 3 bits)
 *   [2] reads answered before vanishing (0: never)
 *   [3..26] the sizing readback of BAR 0..5, little-endian
 *   [27..282] config bytes 0x00..0xFF   [283..538] bytes repeated over 0x100..0xFFF
 * So the fuzzer controls bridges and their bus numbers, multi-function bits, BAR types
 * and sizes, capability and extended capability chains, and devices that vanish.
 * Checked: access protocol (aligned, in range, no BAR write with decode on, surviving
 * functions left as found), table invariants, and every line fitting PCI_LINE_MAX.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pci/pci_enum.h"
#include "lib/pci/pci_print.h"
#include "tests/host/test_pci_fake.h"

#define FUZZ_FNS    6
#define FUZZ_RECORD (3 + 4 * PCI_TYPE0_NBARS + 2 * PCI_CFG_SIZE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pci_table table;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void emit(void *ctx, const char *line)
{
	(void)ctx;
	check(strlen(line) < PCI_LINE_MAX - 1);
}

static void check_fn(const struct pci_fn *e)
{
	check(e->nbars <= PCI_TYPE0_NBARS && e->ncaps <= PCI_MAX_CAPS &&
	      e->necaps <= PCI_MAX_ECAPS);
	for (unsigned i = 0; i < e->nbars; i++) {
		const struct pci_bar *b = &e->bar[i];
		check(b->size != 0 && (b->size & (b->size - 1)) == 0);
		check((b->addr & (b->size - 1)) == 0);
		check(b->index < PCI_TYPE0_NBARS);
		check(i == 0 || b->index > e->bar[i - 1].index);
	}
	for (unsigned i = 0; i < e->ncaps; i++)
		check(e->cap[i].off >= PCI_STD_HEADER_SIZE && (e->cap[i].off & 3) == 0);
	for (unsigned i = 0; i < e->necaps; i++)
		check(e->ecap[i].off >= PCI_ECAP_START && (e->ecap[i].off & 3) == 0);
	if (e->flags & PCI_FN_MSI)
		check(e->msi.vectors >= 1 && e->msi.vectors <= PCI_MSI_MAX_VECTORS);
	if (e->flags & PCI_FN_MSIX)
		check(e->msix.table_size >= 1 && e->msix.table_size <= PCI_MSIX_MAX_VECTORS);
	char line[PCI_LINE_MAX];
	check(pci_format_fn(e, line, sizeof(line)) < sizeof(line));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t rec[FUZZ_RECORD];
	uint8_t flags = size > 0 ? data[0] : 0;
	uint16_t cfg_size = (flags & 1) ? PCI_CFG_SIZE_EXP : PCI_CFG_SIZE;
	struct fake_bus *b = fake_new(FUZZ_FNS, cfg_size);
	const struct pci_root narrow = {.seg = 0, .bus = 0, .bus_start = 0, .bus_end = 1};

	if (size > 0) {
		data++;
		size--;
	}
	for (unsigned i = 0; i < FUZZ_FNS && size > 0; i++) {
		size_t n = size < FUZZ_RECORD ? size : FUZZ_RECORD;
		memset(rec, 0, sizeof(rec));
		memcpy(rec, data, n);
		data += n;
		size -= n;

		uint8_t bus = rec[0] & 3, dev = (rec[0] >> 2) & 0x1f, fn = rec[1] & 7;
		if (fake_find(b, 0, bus, dev, fn) != NULL)
			continue;
		struct fake_fn *f = &b->fns[b->n++];
		memset(f, 0, sizeof(*f));
		f->bus = bus;
		f->dev = dev;
		f->fn = fn;
		f->cfg_len = cfg_size;
		f->vanish_after = rec[2] ? rec[2] : -1;
		for (unsigned k = 0; k < PCI_TYPE0_NBARS; k++)
			f->bar_rb[k] = fake_get32(rec, 3 + 4 * k);
		memcpy(f->cfg, rec + 3 + 4 * PCI_TYPE0_NBARS, PCI_CFG_SIZE);
		for (unsigned off = PCI_CFG_SIZE; off < PCI_CFG_SIZE_EXP; off += PCI_CFG_SIZE)
			memcpy(f->cfg + off, rec + 3 + 4 * PCI_TYPE0_NBARS + PCI_CFG_SIZE,
			       PCI_CFG_SIZE);
		f->wmask[PCI_COMMAND / 4] = 0x07ff;
		if (flags & 2)
			f->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
		if ((flags & 4) && (f->cfg[PCI_CAP_PTR] & PCI_CAP_PTR_MASK) >= PCI_STD_HEADER_SIZE)
			f->cfg[f->cfg[PCI_CAP_PTR] & PCI_CAP_PTR_MASK] = PCI_CAP_ID_EXP;
	}
	fake_freeze(b);

	struct pci_cfg cfg = fake_cfg(b);
	enum pci_status st = pci_enumerate(&cfg, &narrow, (flags & 8) ? 1 : 0, &table);
	check(st == PCI_OK);
	check(b->bad_offset == 0 && b->bar_write_decoding == 0);
	check(table.stats.cfg_reads == b->reads && table.stats.cfg_writes == b->writes);
	for (size_t i = 0; i < b->n; i++)
		check(b->fns[i].gone || !fake_fn_changed(&b->fns[i]));
	check(table.count <= b->n && table.count <= PCI_MAX_FUNCS);
	for (size_t i = 0; i < table.count; i++) {
		const struct pci_fn *e = &table.fn[i];
		check_fn(e);
		check(fake_find(b, 0, e->bus, e->dev, e->fn) != NULL);
		if (i > 0) {
			const struct pci_fn *p = &table.fn[i - 1];
			check((p->bus << 8 | p->dev << 3 | p->fn) <
			      (e->bus << 8 | e->dev << 3 | e->fn));
		}
	}
	pci_emit_all(&table, emit, NULL);
	char stats[128];
	check(pci_format_stats(&table.stats, stats, sizeof(stats)) < sizeof(stats));
	fake_free(b);
	return 0;
}
