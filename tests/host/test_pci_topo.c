/* test_pci_topo: the lib/pci topology walk on hostile fake buses: bridge loops and
 * revisits, nested multi-function hierarchies, PCIe ports, a full table, the depth
 * limit, several roots and segments, bad arguments, undecoded header types. Every run
 * also checks the access protocol (fake_run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_pci_fake.h"

static void test_bridge_loops(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(16, PCI_CFG_SIZE);

	fake_add(b, 0, 0, 0, 0, 0x8086, 0x29c0, 0x060000, 0);
	fake_add_bridge(b, 0, 0, 1, 0, 1, 3);
	fake_add_bridge(b, 0, 0, 2, 0, 1, 1); /* same bus as 01.0 */
	fake_add_bridge(b, 0, 0, 3, 0, 0, 5); /* back to its own bus */
	fake_add_bridge(b, 0, 0, 4, 0, 0, 0); /* never assigned */
	fake_add_bridge(b, 0, 1, 0, 0, 1, 1); /* its own bus */
	fake_add_bridge(b, 0, 1, 1, 0, 2, 3);
	fake_add_bridge(b, 0, 2, 0, 0, 1, 3); /* back up the tree */
	fake_add_bridge(b, 0, 2, 1, 0, 5, 4); /* subordinate below secondary */
	fake_add_bridge(b, 0, 2, 2, 0, 3, 3);
	fake_add_endpoint(b, 3, 0, 0, 0);
	fake_run(b, NULL, 0, PCI_OK, true);

	assert_int_equal(fake_table.count, 11);
	assert_int_equal(fake_table.stats.buses, 4);
	assert_int_equal(fake_table.stats.problems, 6);
	assert_true(
	    hooks_log_contains("pci: 0000:00:02.0 secondary bus 01 already visited, skipped"));
	assert_true(
	    hooks_log_contains("pci: 0000:00:03.0 secondary bus 00 not above bus 00, skipped"));
	assert_true(
	    hooks_log_contains("pci: 0000:00:04.0 bridge bus numbers not assigned, skipped"));
	assert_true(
	    hooks_log_contains("pci: 0000:01:00.0 secondary bus 01 not above bus 01, skipped"));
	assert_true(
	    hooks_log_contains("pci: 0000:02:00.0 secondary bus 01 not above bus 02, skipped"));
	assert_true(hooks_log_contains(
	    "pci: 0000:02:01.0 subordinate bus 04 below secondary bus 05, skipped"));
	assert_string_equal(
	    fake_line(0, 0, 1, 0),
	    "pci 0000:00:01.0 8086:1234 class=060400 hdr=01 bus=01-03 caps= ecaps=");
	assert_string_equal(fake_line(0, 3, 0, 0),
			    "pci 0000:03:00.0 1af4:1000 class=020000 hdr=00 caps= ecaps=");
	fake_free(b);
}

static void test_nested_multifunction(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(32, PCI_CFG_SIZE);

	fake_add_bridge(b, 0, 0, 1, 0, 1, 4);
	fake_add_bridge(b, 0, 0, 2, 0, 5, 5);
	fake_add_endpoint(b, 0, 5, 0, 0x00);
	fake_add_endpoint(b, 0, 5, 1, 0x00); /* 05.0 is not multi-function: never probed */
	fake_add_bridge(b, 0, 1, 0, 0, 2, 3);
	fake_add_endpoint(b, 1, 3, 0, 0x80);
	fake_add_endpoint(b, 1, 3, 2, 0x00);
	struct fake_fn *mfb = fake_add_bridge(b, 0, 2, 0, 0, 3, 3);
	mfb->cfg[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTIFN;
	fake_add_endpoint(b, 2, 0, 1, 0x00);
	fake_add_endpoint(b, 3, 0, 0, 0x80);
	fake_add_endpoint(b, 3, 0, 1, 0x00);
	fake_add_endpoint(b, 3, 0, 3, 0x00);
	fake_add_endpoint(b, 5, 0, 0, 0x00);
	fake_add_endpoint(b, 7, 0, 0, 0x00); /* behind no bridge */
	fake_run(b, NULL, 0, PCI_OK, true);

	static const uint8_t want[][3] = {{0, 1, 0}, {0, 2, 0}, {0, 5, 0}, {1, 0, 0},
					  {1, 3, 0}, {1, 3, 2}, {2, 0, 0}, {2, 0, 1},
					  {3, 0, 0}, {3, 0, 1}, {3, 0, 3}, {5, 0, 0}};
	assert_int_equal(fake_table.count, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < fake_table.count; i++) {
		assert_int_equal(fake_table.fn[i].bus, want[i][0]);
		assert_int_equal(fake_table.fn[i].dev, want[i][1]);
		assert_int_equal(fake_table.fn[i].fn, want[i][2]);
	}
	assert_int_equal(fake_table.stats.buses, 5);
	assert_int_equal(fake_table.stats.problems, 0);
	assert_true(fake_table.fn[6].flags & PCI_FN_MULTIFN);
	assert_string_equal(
	    fake_line(0, 2, 0, 0),
	    "pci 0000:02:00.0 8086:1234 class=060400 hdr=01 bus=03-03 caps= ecaps=");
	/* Bus 0: 32 probes, 5 buses x 32 probes, plus functions 1..7 of the three
	 * multi-function devices: probes alone are 5 * 32 + 3 * 7 = 181 reads. */
	assert_true(fake_table.stats.cfg_reads < 181 + 12 * 10);
	fake_free(b);
}

static const char pcie_line[] = "pci 0000:01:00.0 1af4:1042 class=010000 hdr=00 "
				"bar0=mem64,pf:0x800000000/0x4000 caps=01,10,11 "
				"ecaps=0001,0003 msix=4";

static void test_pcie_port(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(8, PCI_CFG_SIZE_EXP);

	struct fake_fn *rp = fake_add_bridge(b, 0, 0, 0x1c, 0, 1, 1);
	rp->cfg_len = PCI_CFG_SIZE_EXP;
	fake_caps_start(rp, 0x40);
	fake_cap(rp, 0x40, PCI_CAP_ID_EXP, 0, PCI_EXP_TYPE_ROOT_PORT << 4 | 2);
	fake_add_pcie_endpoint(b, 1, 0);
	fake_add_endpoint(b, 1, 5, 0, 0); /* unreachable through a PCIe link */
	/* A conventional function reached through ECAM: garbage at 0x100 is not walked. */
	struct fake_fn *conv = fake_add(b, 0, 0, 3, 0, 0x8086, 0x100e, 0x020000, 0);
	conv->cfg_len = PCI_CFG_SIZE_EXP;
	fake_ecap(conv, 0x100, 0x0001, 1, 0x100);
	fake_run(b, NULL, 0, PCI_OK, true);

	assert_int_equal(fake_table.count, 3);
	assert_string_equal(fake_line(0, 1, 0, 0), pcie_line);
	assert_string_equal(fake_line(0, 1, 5, 0), "absent");
	assert_string_equal(fake_line(0, 0, 3, 0),
			    "pci 0000:00:03.0 8086:100e class=020000 hdr=00 caps= ecaps=");
	const struct pci_fn *ep = pci_table_find(&fake_table, 0, 1, 0, 0);
	assert_true(ep->flags & PCI_FN_PCIE);
	assert_int_equal(ep->pcie_type, PCI_EXP_TYPE_ENDPOINT);
	assert_int_equal(ep->ecap[1].off, 0x148);
	assert_int_equal(ep->ecap[0].ver, 2);
	assert_true(ep->msix.table_fits && ep->msix.pba_fits);
	assert_int_equal(fake_table.stats.problems, 0);
	/* Probes: 32 on bus 0, one on bus 1. Header reads: class, header type,
	 * command/status, BARs (6, or 2 for a bridge), interrupt, and the bus numbers of
	 * the bridge: 10 + 7 + 10. Root port: capability pointer, one header and the
	 * empty ecap header at 0x100. Endpoint: capability pointer, 3 headers, 2 MSI-X
	 * words, 2 ecap headers, 2 readbacks for its 64-bit BAR. */
	assert_int_equal(fake_table.stats.cfg_reads, 33 + 27 + 3 + 10);
	fake_free(b);

	/* The same endpoint through 256-byte legacy access: no extended capabilities. */
	b = fake_new(8, PCI_CFG_SIZE);
	rp = fake_add_bridge(b, 0, 0, 0x1c, 0, 1, 1);
	fake_caps_start(rp, 0x40);
	fake_cap(rp, 0x40, PCI_CAP_ID_EXP, 0, PCI_EXP_TYPE_ROOT_PORT << 4 | 2);
	fake_add_pcie_endpoint(b, 1, 0);
	fake_run(b, NULL, 0, PCI_OK, true);
	assert_string_equal(fake_line(0, 1, 0, 0),
			    "pci 0000:01:00.0 1af4:1042 class=010000 hdr=00 "
			    "bar0=mem64,pf:0x800000000/0x4000 caps=01,10,11 ecaps= msix=4");
	fake_free(b);
}

static void test_table_overflow(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(300, PCI_CFG_SIZE);

	for (unsigned dev = 0; dev < PCI_MAX_DEV; dev++)
		for (unsigned fn = 0; fn < PCI_MAX_FN; fn++)
			if (dev == 31 && fn == 7)
				fake_add_bridge(b, 0, 0, 31, 7, 1, 2);
			else
				fake_add_endpoint(b, 0, (uint8_t)dev, (uint8_t)fn,
						  fn == 0 ? 0x80 : 0);
	fake_add_bridge(b, 0, 1, 0, 0, 2, 2); /* spilled, still followed */
	fake_add_endpoint(b, 1, 1, 0, 0);
	fake_add_endpoint(b, 2, 0, 0, 0);
	fake_run(b, NULL, 0, PCI_ERR_TRUNCATED, true);

	assert_int_equal(fake_table.count, PCI_MAX_FUNCS);
	assert_int_equal(fake_table.stats.functions, PCI_MAX_FUNCS + 3);
	assert_int_equal(fake_table.stats.overflow, 3);
	assert_int_equal(fake_table.stats.buses, 3);
	assert_int_equal(fake_table.fn[PCI_MAX_FUNCS - 1].dev, 31);
	assert_int_equal(fake_table.fn[PCI_MAX_FUNCS - 1].fn, 7);
	assert_true(
	    hooks_log_contains("pci: table full (256 functions), 0000:01:00.0 and later not kept"));
	assert_int_equal(hooks_log_count(), 1);
	fake_free(b);
}

static void test_depth_limit(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(48, PCI_CFG_SIZE);

	for (unsigned bus = 0; bus < 40; bus++)
		fake_add_bridge(b, 0, (uint8_t)bus, 0, 0, (uint8_t)(bus + 1), 40);
	fake_add_endpoint(b, 40, 0, 0, 0);
	fake_run(b, NULL, 0, PCI_OK, true);

	assert_int_equal(fake_table.stats.buses, PCI_MAX_DEPTH + 1);
	assert_int_equal(fake_table.count, PCI_MAX_DEPTH + 1);
	assert_true(hooks_log_contains("pci: 0000:20:00.0 bridge depth above 32, bus 21 skipped"));
	fake_free(b);
}

static void test_roots(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(8, PCI_CFG_SIZE_EXP);
	const struct pci_root roots[] = {
	    {.seg = 1, .bus = 0, .bus_start = 0, .bus_end = 0x3f},
	    {.seg = 0, .bus = 0x80, .bus_start = 0x80, .bus_end = 0xff},
	    {.seg = 0, .bus = 0, .bus_start = 0, .bus_end = 0x3f},
	    {.seg = 0, .bus = 0, .bus_start = 0, .bus_end = 0x3f},
	};

	fake_add_bridge(b, 0, 0, 0, 0, 0x40, 0x40); /* beyond its root's bus range */
	fake_add_endpoint(b, 0x40, 0, 0, 0);
	fake_add_endpoint(b, 0x80, 0, 0, 0);
	fake_add_bridge(b, 0, 0x80, 1, 0, 0x81, 0x81);
	fake_add_endpoint(b, 0x81, 0, 0, 0);
	fake_add(b, 1, 0, 0, 0, 0x8086, 0x29c0, 0x060000, 0);
	fake_run(b, roots, 4, PCI_OK, true);

	static const uint16_t want[][2] = {{0, 0x00}, {0, 0x80}, {0, 0x80}, {0, 0x81}, {1, 0x00}};
	assert_int_equal(fake_table.count, 5);
	for (size_t i = 0; i < fake_table.count; i++) {
		assert_int_equal(fake_table.fn[i].seg, want[i][0]);
		assert_int_equal(fake_table.fn[i].bus, want[i][1]);
	}
	assert_true(hooks_log_contains(
	    "pci: 0000:00:00.0 secondary bus 40 outside bus range 00-3f, skipped"));
	assert_true(hooks_log_contains("pci: root 0000:00 listed twice, ignored"));
	assert_int_equal(fake_table.stats.buses, 4);
	assert_string_equal(fake_line(1, 0, 0, 0),
			    "pci 0001:00:00.0 8086:29c0 class=060000 hdr=00 caps= ecaps=");

	/* Bad arguments: refused before any access, table emptied. */
	struct pci_cfg cfg = fake_cfg(b);
	const struct pci_root bad = {.seg = 0, .bus = 0x40, .bus_start = 0, .bus_end = 0x3f};
	const struct pci_root rev = {.seg = 0, .bus = 0x10, .bus_start = 0x20, .bus_end = 0x10};
	struct pci_root many[PCI_MAX_ROOTS + 1];
	memset(many, 0, sizeof(many));
	b->reads = 0;
	assert_int_equal(pci_enumerate(&cfg, &bad, 1, &fake_table), PCI_ERR_ARG);
	assert_int_equal(fake_table.count, 0);
	assert_int_equal(pci_enumerate(&cfg, &rev, 1, &fake_table), PCI_ERR_ARG);
	assert_int_equal(pci_enumerate(&cfg, many, PCI_MAX_ROOTS + 1, &fake_table), PCI_ERR_ARG);
	assert_int_equal(pci_enumerate(&cfg, NULL, 1, &fake_table), PCI_ERR_ARG);
	assert_int_equal(pci_enumerate(NULL, NULL, 0, &fake_table), PCI_ERR_ARG);
	assert_int_equal(pci_enumerate(&cfg, NULL, 0, NULL), PCI_ERR_ARG);
	cfg.size = 512;
	assert_int_equal(pci_enumerate(&cfg, NULL, 0, &fake_table), PCI_ERR_ARG);
	const struct pci_cfg_ops half = {fake_read32, NULL};
	cfg.size = PCI_CFG_SIZE;
	cfg.ops = &half;
	assert_int_equal(pci_enumerate(&cfg, NULL, 0, &fake_table), PCI_ERR_ARG);
	assert_int_equal(b->reads, 0);
	assert_string_equal(pci_status_str(PCI_ERR_TRUNCATED), "table full");
	fake_free(b);
}

static void test_header_types(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(4, PCI_CFG_SIZE);

	struct fake_fn *cb = fake_add(b, 0, 0, 1, 0, 0x104c, 0xac56, 0x060700, 0x02);
	fake_bar(cb, 0, 0xfe000000, 0x1000); /* CardBus socket registers: not decoded */
	fake_caps_start(cb, 0x40);
	fake_add(b, 0, 0, 2, 0, 0x1234, 0x0001, 0xff0000, 0x7f);
	fake_run(b, NULL, 0, PCI_OK, true);

	assert_string_equal(fake_line(0, 0, 1, 0),
			    "pci 0000:00:01.0 104c:ac56 class=060700 hdr=02 caps= ecaps=");
	assert_string_equal(fake_line(0, 0, 2, 0),
			    "pci 0000:00:02.0 1234:0001 class=ff0000 hdr=7f caps= ecaps=");
	assert_true(hooks_log_contains("pci: 0000:00:01.0 header type 02 not decoded"));
	assert_true(hooks_log_contains("pci: 0000:00:02.0 header type 7f not decoded"));
	assert_int_equal(fake_table.stats.cfg_writes, 0);
	/* 32 probes + 3 header reads per function. */
	assert_int_equal(fake_table.stats.cfg_reads, 32 + 2 * 3);
	fake_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bridge_loops), cmocka_unit_test(test_nested_multifunction),
	    cmocka_unit_test(test_pcie_port),	 cmocka_unit_test(test_table_overflow),
	    cmocka_unit_test(test_depth_limit),	 cmocka_unit_test(test_roots),
	    cmocka_unit_test(test_header_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
