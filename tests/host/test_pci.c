/* test_pci: enumeration of the two linux-ground machines (tests/fixtures/linux-ground)
 * on a fake bus built from their config spaces, compared line by line with the `pci`
 * lines of the .canon files, with the config traffic counted and checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "hooks_host.h"
#include "lib/pci/pci_enum.h"
#include "lib/pci/pci_print.h"
#include "test_pci_fake.h"

#define RES_BARS 6

struct res {
	uint64_t start, end, flags;
};

/* Finds the @RES lines of function seg:bus:dev.fn in a capture (tests/fixtures/
 * linux-ground/README.md: after @PCI, "@RES" then one "start end flags" line per BAR,
 * then ROM and bridge windows). Returns 0 on success. */
static int res_lookup(char **lines, size_t n, const struct fake_fn *f, struct res *out)
{
	char want[32];

	snprintf(want, sizeof(want), "@PCI %04x:%02x:%02x.%x", f->seg, f->bus, f->dev, f->fn);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(lines[i], want) != 0)
			continue;
		for (size_t j = i + 1; j < n && strncmp(lines[j], "@PCI", 4) != 0; j++) {
			if (strcmp(lines[j], "@RES") != 0)
				continue;
			for (size_t k = 0; k < RES_BARS; k++) {
				unsigned long long s, e, fl;
				if (j + 1 + k >= n ||
				    sscanf(lines[j + 1 + k], "%llx %llx %llx", &s, &e, &fl) != 3)
					return -1;
				out[k] = (struct res){s, e, fl};
			}
			return 0;
		}
	}
	return -1;
}

/* Builds a fake bus from a capture: config bytes from @CFG, and each BAR answering the
 * sizing write with the mask of the region Linux assigned it (@RES). A BAR register that
 * reads 0 is unimplemented (QEMU's PIIX IDE legacy ranges show up in @RES, but their
 * registers are 0 and size to 0). */
static struct fake_bus *fake_from_fixture(const char *txt, uint16_t size)
{
	struct fixture *fx = fixture_load(txt);
	size_t nlines = 0;
	char **lines = fixture_read_lines(txt, &nlines);

	assert_non_null(fx);
	assert_non_null(lines);
	struct fake_bus *b = fake_new(fx->npci, size);
	for (size_t i = 0; i < fx->npci; i++) {
		const struct fixture_pci *p = &fx->pci[i];
		struct fake_fn *f = &b->fns[b->n++];
		struct res res[RES_BARS];

		memset(f, 0, sizeof(*f));
		f->seg = p->seg;
		f->bus = p->bus;
		f->dev = p->dev;
		f->fn = p->fn;
		f->cfg_len = (uint16_t)p->cfg_len;
		f->vanish_after = -1;
		memcpy(f->cfg, p->cfg, p->cfg_len);
		f->wmask[PCI_COMMAND / 4] = 0x07ff;
		assert_int_equal(res_lookup(lines, nlines, f, res), 0);
		for (unsigned k = 0; k < fake_nbars(f); k++) {
			uint32_t lo = fake_get32(f->cfg, PCI_BAR(k));
			uint64_t v = lo;
			bool is64 = !(lo & PCI_BAR_SPACE_IO) &&
				    ((lo & PCI_BAR_MEM_TYPE_MASK) >> PCI_BAR_MEM_TYPE_SHIFT) ==
					PCI_BAR_MEM_TYPE_64;
			if (lo == 0)
				continue;
			if (is64)
				v |= (uint64_t)fake_get32(f->cfg, PCI_BAR(k + 1)) << 32;
			assert_true(res[k].end > res[k].start);
			fake_bar(f, k, v, res[k].end - res[k].start + 1);
			if (is64)
				k++;
		}
	}
	fixture_free_lines(lines, nlines);
	fixture_free(fx);
	return b;
}

struct sink {
	char lines[PCI_MAX_FUNCS][PCI_LINE_MAX];
	size_t n;
};

static void sink_emit(void *ctx, const char *line)
{
	struct sink *s = ctx;
	if (s->n < PCI_MAX_FUNCS)
		snprintf(s->lines[s->n++], PCI_LINE_MAX, "%s", line);
}

/* Enumerates the capture `name` and compares with the `pci` lines of its .canon. */
static void check_machine(const char *name, uint16_t size, const struct pci_root *roots,
			  size_t nroots, unsigned max_reads, unsigned max_writes)
{
	char txt[64], canon[64];
	size_t ncanon = 0, npci = 0;
	static struct sink sink;

	snprintf(txt, sizeof(txt), "%s.txt", name);
	snprintf(canon, sizeof(canon), "%s.canon", name);
	struct fake_bus *b = fake_from_fixture(txt, size);
	/* An error bit in a status register must survive: the command writes carry zeros
	 * in the RW1C status half. */
	b->fns[1].cfg[PCI_STATUS + 1] |= PCI_STATUS_DETECTED_PARITY >> 8;
	fake_freeze(b);
	struct pci_cfg cfg = fake_cfg(b);

	hooks_log_reset();
	assert_int_equal(pci_enumerate(&cfg, roots, nroots, &fake_table), PCI_OK);
	sink.n = 0;
	pci_emit_all(&fake_table, sink_emit, &sink);

	char **lines = fixture_read_lines(canon, &ncanon);
	assert_non_null(lines);
	for (size_t i = 0; i < ncanon; i++) {
		if (strncmp(lines[i], "pci ", 4) != 0)
			continue;
		assert_true(npci < sink.n);
		assert_string_equal(sink.lines[npci], lines[i]);
		npci++;
	}
	fixture_free_lines(lines, ncanon);
	assert_int_equal(npci, sink.n);
	assert_int_equal(fake_table.count, b->n);
	assert_int_equal(fake_table.stats.functions, b->n);
	assert_int_equal(fake_table.stats.buses, 1);
	assert_int_equal(fake_table.stats.problems, 0);
	assert_int_equal(hooks_log_count(), 0);

	/* The device was left as found, and no BAR was written with decode on. */
	assert_int_equal(b->bad_offset, 0);
	assert_int_equal(b->bar_write_decoding, 0);
	assert_int_equal(fake_changed(b), 0);
	assert_int_equal(fake_table.stats.cfg_reads, b->reads);
	assert_int_equal(fake_table.stats.cfg_writes, b->writes);
	assert_true(fake_table.stats.cfg_reads <= max_reads);
	assert_true(fake_table.stats.cfg_writes <= max_writes);

	/* Every MSI-X table and PBA of these virtio devices lies inside its BAR. */
	for (size_t i = 0; i < fake_table.count; i++)
		if (fake_table.fn[i].flags & PCI_FN_MSIX) {
			assert_true(fake_table.fn[i].msix.table_fits);
			assert_true(fake_table.fn[i].msix.pba_fits);
			assert_int_equal(fake_table.fn[i].msix.table_bir, 1);
		}

	char stats[128];
	snprintf(stats, sizeof(stats), "pci-stats functions=%zu buses=1 cfg-reads=%u cfg-writes=%u",
		 b->n, b->reads, b->writes);
	char got[128];
	pci_format_stats(&fake_table.stats, got, sizeof(got));
	assert_string_equal(got, stats);
	fake_free(b);
}

/* q35 through ECAM (the MCFG covers segment 0, buses 00-ff). Minimal config reads:
 *   39  vendor probes: devices 0..31 of bus 0, plus functions 1..7 of the
 *       multi-function 00:1f (only 1f.0 has the multi-function bit)
 *   80  8 functions x 10: class, header type, command/status, 6 BARs (a 64-bit
 *       BAR's upper half counts as its register), interrupt line/pin
 *    4  capability pointer, for the 4 functions whose status has the list bit
 *   15  capability headers (6 + 6 + 1 + 2)
 *    4  MSI-X table and PBA words of the two virtio functions
 *   14  sizing readbacks: one per 32-bit BAR, two per 64-bit BAR
 *       (01.0: 2, 02.0: 4, 03.0: 4, 04.0: 1, 1f.2: 2, 1f.3: 1)
 *  156  in all; nothing is read twice and no PCIe function exists (no ecap reads).
 * Writes: 12 command writes (off and back, for the 6 functions with BARs) plus
 * 2 per 32-bit BAR and 4 per 64-bit BAR (all-ones and restore): 12 + 28 = 40. */
static void test_q35(void **state)
{
	(void)state;
	const struct pci_root root = {.seg = 0, .bus = 0, .bus_start = 0, .bus_end = 0xff};
	check_machine("q35-virtio", PCI_CFG_SIZE_EXP, &root, 1, 156, 40);
}

/* i440fx through the legacy ports, default root. Minimal config reads:
 *   39  vendor probes: devices 0..31, functions 1..7 of the multi-function 00:01
 *   70  7 functions x 10 (class, header type, command/status, 6 BARs, interrupt)
 *    9  00:03.0: capability pointer, 6 headers, MSI-X table and PBA
 *    9  sizing readbacks (01.1: 1, 02.0: 2, 03.0: 4, 04.0: 2)
 *  127  in all. Writes: 4 functions with BARs x 2 command writes + 18 BAR writes = 26. */
static void test_pc_legacy(void **state)
{
	(void)state;
	check_machine("pc-legacy", PCI_CFG_SIZE, NULL, 0, 127, 26);
}

/* The recorded details behind the q35 lines: MSI of the edu device, interrupt pins, the
 * bridge-less topology, lookups. */
static void test_q35_details(void **state)
{
	(void)state;
	struct fake_bus *b = fake_from_fixture("q35-virtio.txt", PCI_CFG_SIZE_EXP);
	struct pci_cfg cfg = fake_cfg(b);

	assert_int_equal(pci_enumerate(&cfg, NULL, 0, &fake_table), PCI_OK);
	const struct pci_fn *edu = pci_table_find(&fake_table, 0, 0, 4, 0);
	assert_non_null(edu);
	assert_true(edu->flags & PCI_FN_MSI);
	assert_int_equal(edu->msi.off, 0x40);
	assert_int_equal(edu->msi.vectors, 1);
	assert_true(edu->msi.is64);
	assert_false(edu->msi.maskable);
	assert_int_equal(edu->irq_pin, 1);

	const struct pci_fn *blk = pci_table_find(&fake_table, 0, 0, 2, 0);
	assert_non_null(blk);
	assert_int_equal(blk->msix.off, 0x98);
	assert_int_equal(blk->msix.table_size, 3);
	assert_int_equal(blk->msix.table_off, 0);
	assert_int_equal(blk->msix.pba_bir, 1);
	assert_int_equal(blk->msix.pba_off, 0x800);
	assert_int_equal(blk->nbars, 3);
	assert_int_equal(blk->bar[2].index, 4);
	assert_int_equal(blk->bar[2].kind, PCI_BAR_MEM64);
	assert_true(blk->bar[2].prefetch);
	assert_int_equal(blk->irq_line, 11);

	const struct pci_fn *lpc = pci_table_find(&fake_table, 0, 0, 0x1f, 0);
	assert_non_null(lpc);
	assert_true(lpc->flags & PCI_FN_MULTIFN);
	assert_int_equal(lpc->header_type, 0);
	assert_null(pci_table_find(&fake_table, 0, 0, 0x1f, 1));
	fake_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_q35),
	    cmocka_unit_test(test_pc_legacy),
	    cmocka_unit_test(test_q35_details),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
