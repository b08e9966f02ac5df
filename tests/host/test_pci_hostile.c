/* test_pci_hostile: lib/pci on fake devices built to break it: hostile BARs, capability
 * and extended capability loops, structures running past 0xFF, devices that vanish
 * midway, MSI-X tables outside their BAR; plus line formatting and the config accessors.
 * Every run also checks the access protocol (fake_run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_pci_fake.h"

static void test_bars_good(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(4, PCI_CFG_SIZE);

	struct fake_fn *f = fake_add_pcie_endpoint(b, 0, 1);
	fake_bar(f, 2, 0x1000000000ull | 0xc, 0x200000000ull); /* 8 GiB at 64 GiB */
	fake_bar(f, 4, 0xe001, 0x20);			       /* 32-bit I/O decoder */
	fake_bar(f, 5, 0xe041, 0x40);
	f->bar_rb[5] &= 0xffff; /* 16-bit I/O decoder: upper half hardwired to 0 */
	/* Decode off from the start: no command writes needed. */
	struct fake_fn *g = fake_add(b, 0, 0, 2, 0, 0x8086, 0x1111, 0x030000, 0);
	fake_set16(g, PCI_COMMAND, 0);
	fake_bar(g, 0, 0xfd000008, 0x1000000);
	fake_run(b, NULL, 0, PCI_OK, true);

	assert_string_equal(
	    fake_line(0, 0, 1, 0),
	    "pci 0000:00:01.0 1af4:1042 class=010000 hdr=00 "
	    "bar0=mem64,pf:0x800000000/0x4000 bar2=mem64,pf:0x1000000000/0x200000000 "
	    "bar4=io:0xe000/0x20 bar5=io:0xe040/0x40 caps=01,10,11 ecaps= msix=4");
	assert_string_equal(fake_line(0, 0, 2, 0),
			    "pci 0000:00:02.0 8086:1111 class=030000 hdr=00 "
			    "bar0=mem32,pf:0xfd000000/0x1000000 caps= ecaps=");
	/* 00:01.0: 2 command writes + 4 + 4 + 2 + 2; 00:02.0: 2 (no command writes). */
	assert_int_equal(fake_table.stats.cfg_writes, 2 + 12 + 2);
	assert_int_equal(fake_table.stats.problems, 0);
	fake_free(b);
}

static void test_bars_hostile(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(4, PCI_CFG_SIZE);

	struct fake_fn *f = fake_add(b, 0, 0, 1, 0, 0x1234, 0x5678, 0x020000, 0);
	fake_bar(f, 0, 0xfe000002, 0x1000); /* reserved type 01b */
	fake_bar(f, 1, 0xfe100000, 0x1000);
	f->bar_rb[1] = 0; /* sizes to 0 */
	fake_bar(f, 2, 0xfe200000, 0x1000);
	f->bar_rb[2] = 0xffffffff; /* everything writable */
	fake_bar(f, 3, 0xfffff000, 0x1000);
	f->bar_rb[3] = 0xffff0000; /* 64 KiB at 4 GiB - 4 KiB */
	fake_bar(f, 4, 0xfe300000, 0x1000);
	f->bar_rb[4] = 0xff0f0000;	    /* holes in the mask */
	fake_bar(f, 5, 0xfe400004, 0x1000); /* 64-bit, no register above */

	struct fake_fn *g = fake_add(b, 0, 0, 2, 0, 0x1234, 0x5679, 0x020000, 0);
	fake_bar(g, 0, 0xfe000800, 0x1000); /* address bits below the size */
	fake_bar(g, 1, 0xfe000006, 0x1000); /* reserved type 11b */
	fake_bar(g, 2, 0xffc1, 0x100);
	g->bar_rb[2] = 0xff01;		       /* 16-bit decoder, 256 bytes at 0xffc0 */
	fake_bar(g, 3, 0xfe500000, 0x1000);    /* one good BAR among them */
	fake_set32(g, PCI_BAR(4), 0xffffffff); /* all-ones on a live function */

	struct fake_fn *br = fake_add_bridge(b, 0, 0, 3, 0, 1, 1);
	fake_bar(br, 1, 0xfe600004, 0x1000); /* 64-bit in a bridge's last slot */
	fake_run(b, NULL, 0, PCI_OK, true);

	assert_string_equal(fake_line(0, 0, 1, 0),
			    "pci 0000:00:01.0 1234:5678 class=020000 hdr=00 caps= ecaps=");
	assert_string_equal(fake_line(0, 0, 2, 0), "pci 0000:00:02.0 1234:5679 class=020000 hdr=00 "
						   "bar3=mem32:0xfe500000/0x1000 caps= ecaps=");
	assert_true(hooks_log_contains("pci: 0000:00:01.0 bar0 reserved memory type 1, ignored"));
	assert_true(hooks_log_contains("pci: 0000:00:01.0 bar1 sizes to 0, ignored"));
	assert_true(hooks_log_contains(
	    "pci: 0000:00:01.0 bar2 sizing reads 0xffffffff, type bits changed, ignored"));
	assert_true(hooks_log_contains(
	    "pci: 0000:00:01.0 bar3 0xfffff000/0x10000 exceeds its address space, ignored"));
	assert_true(hooks_log_contains(
	    "pci: 0000:00:01.0 bar4 size mask 0xffffffffff0f0000 not contiguous, ignored"));
	assert_true(
	    hooks_log_contains("pci: 0000:00:01.0 bar5 64-bit with no upper register, ignored"));
	assert_true(hooks_log_contains(
	    "pci: 0000:00:02.0 bar0 0xfe000800 not aligned to its size 0x1000, ignored"));
	assert_true(hooks_log_contains("pci: 0000:00:02.0 bar1 reserved memory type 3, ignored"));
	assert_true(hooks_log_contains(
	    "pci: 0000:00:02.0 bar2 0xffc0/0x100 exceeds its address space, ignored"));
	assert_true(hooks_log_contains("pci: 0000:00:02.0 bar4 reads 0xffffffff, ignored"));
	assert_true(
	    hooks_log_contains("pci: 0000:00:03.0 bar1 64-bit with no upper register, ignored"));
	assert_int_equal(fake_table.stats.problems, 11);
	assert_int_equal(hooks_log_count(), 11);
	fake_free(b);
}

static void test_cap_walks(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(8, PCI_CFG_SIZE);

	struct fake_fn *f = fake_add_endpoint(b, 0, 1, 0, 0); /* 40 -> 50 -> 40 */
	fake_caps_start(f, 0x40);
	fake_cap(f, 0x40, PCI_CAP_ID_PM, 0x50, 0);
	fake_cap(f, 0x50, PCI_CAP_ID_MSI, 0x40, 3 << 1 | PCI_MSI_CTRL_64BIT);
	f = fake_add_endpoint(b, 0, 2, 0, 0); /* into the standard header */
	fake_caps_start(f, 0x20);
	f = fake_add_endpoint(b, 0, 3, 0, 0); /* reserved low pointer bits, masked */
	fake_caps_start(f, 0x43);
	fake_cap(f, 0x40, PCI_CAP_ID_PM, 0x62, 0);
	fake_cap(f, 0x60, PCI_CAP_ID_MSI, 0x00, 7 << 1 | PCI_MSI_CTRL_MASKABLE);
	f = fake_add_endpoint(b, 0, 4, 0, 0); /* points at itself */
	fake_caps_start(f, 0xfc);
	fake_cap(f, 0xfc, PCI_CAP_ID_VNDR, 0xfc, 0);
	f = fake_add_endpoint(b, 0, 5, 0, 0); /* every slot used, then back to the first */
	fake_caps_start(f, 0x40);
	for (unsigned off = 0x40; off < 0x100; off += 4)
		fake_cap(f, off, PCI_CAP_ID_VNDR, off == 0xfc ? 0x40 : (uint8_t)(off + 4), 0);
	f = fake_add_endpoint(b, 0, 6, 0, 0); /* structures that do not fit below 0x100 */
	fake_caps_start(f, 0x40);
	fake_cap(f, 0x40, PCI_CAP_ID_PM, 0xf0, 0);
	fake_cap(f, 0xf0, PCI_CAP_ID_MSI, 0xfc, PCI_MSI_CTRL_64BIT | PCI_MSI_CTRL_MASKABLE);
	fake_cap(f, 0xfc, PCI_CAP_ID_MSIX, 0x00, 7);
	f = fake_add_endpoint(b, 0, 7, 0, 0); /* a 32-bit MSI that just fits; a second MSI */
	fake_caps_start(f, 0xe0);
	fake_cap(f, 0xe0, PCI_CAP_ID_MSI, 0xf4, 1 << 1);
	fake_cap(f, 0xf4, PCI_CAP_ID_MSI, 0x00, 0);
	f = fake_add_endpoint(b, 0, 8, 0, 0); /* list bit clear: pointer not read */
	fake_set8(f, PCI_CAP_PTR, 0x40);
	fake_cap(f, 0x40, PCI_CAP_ID_PM, 0x40, 0);
	fake_run(b, NULL, 0, PCI_OK, true);

	assert_string_equal(fake_line(0, 0, 1, 0), "pci 0000:00:01.0 1af4:1000 class=020000 hdr=00 "
						   "caps=01,05 ecaps= msi=8");
	assert_true(hooks_log_contains("pci: 0000:00:01.0 cap list loops back to 0x40, truncated"));
	assert_true(pci_table_find(&fake_table, 0, 0, 1, 0)->flags & PCI_FN_CAPS_TRUNC);
	assert_true(pci_table_find(&fake_table, 0, 0, 1, 0)->msi.is64);
	assert_true(hooks_log_contains(
	    "pci: 0000:00:02.0 cap pointer 0x20 into the header, list truncated"));
	assert_string_equal(fake_line(0, 0, 3, 0), "pci 0000:00:03.0 1af4:1000 class=020000 hdr=00 "
						   "caps=01,05 ecaps= msi=32");
	assert_true(pci_table_find(&fake_table, 0, 0, 3, 0)->msi.maskable);
	assert_int_equal(pci_table_find(&fake_table, 0, 0, 3, 0)->cap[1].off, 0x60);
	assert_true(hooks_log_contains("pci: 0000:00:04.0 cap list loops back to 0xfc, truncated"));
	const struct pci_fn *full = pci_table_find(&fake_table, 0, 0, 5, 0);
	assert_int_equal(full->ncaps, PCI_MAX_CAPS);
	assert_true(hooks_log_contains("pci: 0000:00:05.0 cap list loops back to 0x40, truncated"));
	assert_string_equal(fake_line(0, 0, 6, 0), "pci 0000:00:06.0 1af4:1000 class=020000 hdr=00 "
						   "caps=01,05,11 ecaps=");
	assert_true(
	    hooks_log_contains("pci: 0000:00:06.0 msi cap at 0xf0 runs past 0xff, ignored"));
	assert_true(
	    hooks_log_contains("pci: 0000:00:06.0 msix cap at 0xfc runs past 0xff, ignored"));
	assert_string_equal(fake_line(0, 0, 7, 0), "pci 0000:00:07.0 1af4:1000 class=020000 hdr=00 "
						   "caps=05,05 ecaps= msi=2");
	assert_true(hooks_log_contains("pci: 0000:00:07.0 second msi cap at 0xf4, ignored"));
	assert_string_equal(fake_line(0, 0, 8, 0),
			    "pci 0000:00:08.0 1af4:1000 class=020000 hdr=00 caps= ecaps=");
	assert_int_equal(fake_table.stats.problems, 7);
	fake_free(b);
}

static void test_ecap_walks(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(8, PCI_CFG_SIZE_EXP);

	struct fake_fn *f = fake_add_pcie_endpoint(b, 0, 1); /* 100 -> 200 -> 100 */
	fake_ecap(f, 0x100, PCI_ECAP_ID_AER, 1, 0x200);
	fake_ecap(f, 0x200, PCI_ECAP_ID_ACS, 1, 0x102); /* low bits masked */
	f = fake_add_pcie_endpoint(b, 0, 2);		/* back into the legacy area */
	fake_ecap(f, 0x148, PCI_ECAP_ID_DSN, 1, 0x0f0);
	f = fake_add_pcie_endpoint(b, 0, 3); /* a header that reads all-ones */
	fake_ecap(f, 0x148, PCI_ECAP_ID_DSN, 1, 0x400);
	fake_set32(f, 0x400, 0xffffffff);
	f = fake_add_pcie_endpoint(b, 0, 4); /* a long chain */
	for (unsigned i = 0; i < 40; i++)
		fake_ecap(f, 0x100 + 8 * i, PCI_ECAP_ID_VNDR, 1, (uint16_t)(0x108 + 8 * i));
	f = fake_add_pcie_endpoint(b, 0, 5); /* no extended capabilities at all */
	fake_set32(f, 0x100, 0);
	fake_run(b, NULL, 0, PCI_OK, true);

	assert_true(strstr(fake_line(0, 0, 1, 0), " ecaps=0001,000d msix=4") != NULL);
	assert_true(
	    hooks_log_contains("pci: 0000:00:01.0 ecap list loops back to 0x100, truncated"));
	assert_true(strstr(fake_line(0, 0, 2, 0), " ecaps=0001,0003 msix=4") != NULL);
	assert_true(
	    hooks_log_contains("pci: 0000:00:02.0 ecap pointer 0x0f0 below 0x100, truncated"));
	assert_true(strstr(fake_line(0, 0, 3, 0), " ecaps=0001,0003 msix=4") != NULL);
	assert_true(
	    hooks_log_contains("pci: 0000:00:03.0 ecap at 0x400 reads all-ones, truncated"));
	const struct pci_fn *chain = pci_table_find(&fake_table, 0, 0, 4, 0);
	assert_int_equal(chain->necaps, PCI_MAX_ECAPS);
	assert_true(chain->flags & PCI_FN_ECAPS_TRUNC);
	assert_true(hooks_log_contains("pci: 0000:00:04.0 more than 32 ecaps, truncated"));
	assert_true(strstr(fake_line(0, 0, 5, 0), " ecaps= msix=4") != NULL);
	assert_int_equal(fake_table.stats.problems, 4);
	fake_free(b);
}

/* 00:03.0 stops answering after n reads, for every n up to past its last read: it is
 * either complete and exact or left out with a report, never half-recorded. */
static void test_vanishing(void **state)
{
	(void)state;
	char want[PCI_LINE_MAX], bridged[PCI_LINE_MAX];
	bool seen_gone = false;

	for (long n = 0; n < 64; n++) {
		struct fake_bus *b = fake_new(8, PCI_CFG_SIZE_EXP);
		fake_add_endpoint(b, 0, 0, 0, 0);
		struct fake_fn *x = fake_add_pcie_endpoint(b, 0, 3);
		fake_bar(x, 2, 0xc001, 0x40);
		fake_add_endpoint(b, 0, 4, 0, 0);
		struct fake_fn *br = fake_add_bridge(b, 0, 0, 5, 0, 1, 1);
		fake_bar(br, 0, 0xfe800000, 0x1000);
		fake_add_endpoint(b, 1, 0, 0, 0);
		x->vanish_after = n;
		br->vanish_after = n;
		fake_run(b, NULL, 0, PCI_OK, false);

		if (n == 63) {
			/* Never vanished: the reference lines. */
			snprintf(want, sizeof(want), "%s", fake_line(0, 0, 3, 0));
			snprintf(bridged, sizeof(bridged), "%s", fake_line(0, 0, 5, 0));
			assert_string_equal(want, "pci 0000:00:03.0 1af4:1042 class=010000 hdr=00 "
						  "bar0=mem64,pf:0x800000000/0x4000 "
						  "bar2=io:0xc000/0x40 caps=01,10,11 "
						  "ecaps=0001,0003 msix=4");
			assert_int_equal(hooks_log_count(), 0);
		}
		const struct pci_fn *e = pci_table_find(&fake_table, 0, 0, 3, 0);
		if (e == NULL && n > 0) {
			assert_true(hooks_log_contains("pci: 0000:00:03.0 reads all-ones at 0x"));
			assert_true(hooks_log_contains("device vanished, skipped"));
			seen_gone = true;
		}
		if (pci_table_find(&fake_table, 0, 0, 5, 0) == NULL) {
			assert_null(
			    pci_table_find(&fake_table, 0, 1, 0, 0)); /* nothing behind it */
			assert_int_equal(fake_table.stats.buses, 1);
		}
		assert_non_null(pci_table_find(&fake_table, 0, 0, 0, 0));
		assert_non_null(pci_table_find(&fake_table, 0, 0, 4, 0));
		for (size_t i = 0; i < b->n; i++)
			assert_true(b->fns[i].gone || !fake_fn_changed(&b->fns[i]));
		fake_free(b);
		if (n == 63)
			break;
	}
	assert_true(seen_gone);

	/* Second pass against the references: a kept function is exact. */
	for (long n = 0; n < 63; n++) {
		struct fake_bus *b = fake_new(8, PCI_CFG_SIZE_EXP);
		fake_add_endpoint(b, 0, 0, 0, 0);
		struct fake_fn *x = fake_add_pcie_endpoint(b, 0, 3);
		fake_bar(x, 2, 0xc001, 0x40);
		fake_add_endpoint(b, 0, 4, 0, 0);
		struct fake_fn *br = fake_add_bridge(b, 0, 0, 5, 0, 1, 1);
		fake_bar(br, 0, 0xfe800000, 0x1000);
		fake_add_endpoint(b, 1, 0, 0, 0);
		x->vanish_after = n;
		br->vanish_after = n;
		fake_run(b, NULL, 0, PCI_OK, false);
		if (pci_table_find(&fake_table, 0, 0, 3, 0) != NULL)
			assert_string_equal(fake_line(0, 0, 3, 0), want);
		if (pci_table_find(&fake_table, 0, 0, 5, 0) != NULL)
			assert_string_equal(fake_line(0, 0, 5, 0), bridged);
		fake_free(b);
	}
}

static void test_msix_placement(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(8, PCI_CFG_SIZE);

	struct fake_fn *f = fake_add_endpoint(b, 0, 1, 0, 0);
	fake_bar(f, 1, 0xfe000000, 0x1000);
	fake_caps_start(f, 0x40);
	fake_cap(f, 0x40, PCI_CAP_ID_MSIX, 0, 7); /* 8 entries */
	fake_set32(f, 0x44, 0x2000 | 1);	  /* table beyond the 4 KiB BAR */
	fake_set32(f, 0x48, 0xff8 | 1);		  /* PBA in its last QWORD: fits */
	f = fake_add_endpoint(b, 0, 2, 0, 0);
	fake_bar(f, 0, 0xfe100004, 0x1000); /* 64-bit: BIR 1 is its upper half */
	fake_caps_start(f, 0x40);
	fake_cap(f, 0x40, PCI_CAP_ID_MSIX, 0, 0);
	fake_set32(f, 0x44, 0x0 | 1);
	fake_set32(f, 0x48, 0x800 | 7); /* reserved BIR */
	f = fake_add_endpoint(b, 0, 3, 0, 0);
	fake_bar(f, 0, 0xfe200000, 0x1000);
	fake_caps_start(f, 0x40);
	fake_cap(f, 0x40, PCI_CAP_ID_MSIX, 0, 0xff); /* 256 entries: 4 KiB exactly */
	fake_set32(f, 0x44, 0x0);
	fake_set32(f, 0x48, 0xff8 | 3); /* no BAR 3 */
	fake_run(b, NULL, 0, PCI_OK, true);

	const struct pci_fn *e = pci_table_find(&fake_table, 0, 0, 1, 0);
	assert_true(e->flags & PCI_FN_MSIX);
	assert_false(e->msix.table_fits);
	assert_true(e->msix.pba_fits);
	assert_int_equal(e->msix.table_off, 0x2000);
	assert_int_equal(e->msix.table_bir, 1);
	assert_true(hooks_log_contains(
	    "pci: 0000:00:01.0 msix table bar1+0x2000/0x80 outside its bar, flagged"));
	assert_string_equal(fake_line(0, 0, 1, 0),
			    "pci 0000:00:01.0 1af4:1000 class=020000 hdr=00 "
			    "bar1=mem32:0xfe000000/0x1000 caps=11 ecaps= msix=8");
	e = pci_table_find(&fake_table, 0, 0, 2, 0);
	assert_false(e->msix.table_fits);
	assert_false(e->msix.pba_fits);
	assert_int_equal(e->msix.pba_bir, 7);
	assert_true(hooks_log_contains(
	    "pci: 0000:00:02.0 msix table bar1+0x0/0x10 outside its bar, flagged"));
	assert_true(hooks_log_contains(
	    "pci: 0000:00:02.0 msix pba bar7+0x800/0x8 outside its bar, flagged"));
	e = pci_table_find(&fake_table, 0, 0, 3, 0);
	assert_true(e->msix.table_fits);
	assert_false(e->msix.pba_fits);
	assert_int_equal(e->msix.table_size, 256);
	assert_int_equal(fake_table.stats.problems, 4);
	fake_free(b);
}

static void test_format(void **state)
{
	(void)state;
	struct pci_fn e;
	char buf[PCI_LINE_MAX], small[16];

	memset(&e, 0, sizeof(e));
	e.vendor = 0x8086;
	e.device = 0x1234;
	e.class_code = 0x06;
	e.subclass = 0x04;
	e.header_type = 1;
	e.flags = PCI_FN_BRIDGE | PCI_FN_MSI | PCI_FN_PCIE;
	e.sec_bus = 1;
	e.sub_bus = 0x1f;
	e.nbars = 1;
	e.bar[0] =
	    (struct pci_bar){.addr = 0xfe000000, .size = 0x1000, .index = 0, .kind = PCI_BAR_MEM32};
	e.ncaps = 2;
	e.cap[0].id = 0x05;
	e.cap[1].id = 0x10;
	e.necaps = 1;
	e.ecap[0].id = 0x1d;
	e.msi.vectors = 2;
	const char *want = "pci 0000:00:00.0 8086:1234 class=060400 hdr=01 bus=01-1f "
			   "bar0=mem32:0xfe000000/0x1000 caps=05,10 ecaps=001d msi=2";
	assert_int_equal(pci_format_fn(&e, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(pci_format_fn(&e, small, sizeof(small)), strlen(want));
	assert_string_equal(small, "pci 0000:00:00.");
	assert_int_equal(pci_format_fn(&e, NULL, 0), strlen(want));

	/* The longest line fits PCI_LINE_MAX. */
	e.flags = 0xffff;
	e.msi.vectors = 32;
	e.msix.table_size = PCI_MSIX_MAX_VECTORS;
	e.seg = 0xffff;
	e.nbars = PCI_TYPE0_NBARS;
	e.ncaps = PCI_MAX_CAPS;
	e.necaps = PCI_MAX_ECAPS;
	for (unsigned i = 0; i < PCI_TYPE0_NBARS; i++)
		e.bar[i] = (struct pci_bar){.addr = ~0ull,
					    .size = ~0ull,
					    .index = 5,
					    .kind = PCI_BAR_MEM64,
					    .prefetch = true};
	assert_true(pci_format_fn(&e, buf, sizeof(buf)) < sizeof(buf));
}

/* A BAR nobody placed (address 0: an I/O BAR on microvm, where the kernel has no I/O
 * window to place it in) reads as unassigned, not as decoding at 0. */
static void test_format_unassigned(void **state)
{
	(void)state;
	struct pci_fn e;
	char buf[PCI_LINE_MAX];

	memset(&e, 0, sizeof(e));
	e.vendor = 0x1af4;
	e.device = 0x1000;
	e.class_code = 0x02;
	e.nbars = 3;
	e.bar[0] = (struct pci_bar){.addr = 0, .size = 0x80, .index = 0, .kind = PCI_BAR_IO};
	e.bar[1] =
	    (struct pci_bar){.addr = 0xc0100000, .size = 0x1000, .index = 1, .kind = PCI_BAR_MEM32};
	e.bar[2] = (struct pci_bar){
	    .addr = 0, .size = 0x4000, .index = 4, .kind = PCI_BAR_MEM64, .prefetch = true};
	assert_false(pci_bar_assigned(&e.bar[0]));
	assert_true(pci_bar_assigned(&e.bar[1]));
	const char *want =
	    "pci 0000:00:00.0 1af4:1000 class=020000 hdr=00 bar0=io:unassigned/0x80 "
	    "bar1=mem32:0xc0100000/0x1000 bar4=mem64,pf:unassigned/0x4000 caps= ecaps=";
	assert_int_equal(pci_format_fn(&e, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
	assert_null(strstr(buf, ":0x0/"));
}

/* The derived accessors and the command write of pci_cfg. */
static void test_cfg_accessors(void **state)
{
	(void)state;
	struct fake_bus *b = fake_new(2, PCI_CFG_SIZE);
	struct fake_fn *f = fake_add_endpoint(b, 0, 1, 0, 0x80);
	struct pci_stats stats;
	struct pci_cfg cfg = fake_cfg(b);
	struct pci_fn_cfg fc = {&cfg, &stats, 0, 0, 1, 0, false};

	memset(&stats, 0, sizeof(stats));
	fake_set16(f, PCI_STATUS, PCI_STATUS_CAP_LIST | PCI_STATUS_REC_MASTER_ABORT);
	assert_int_equal(pci_fn_read16(&fc, PCI_DEVICE_ID), 0x1000);
	assert_int_equal(pci_fn_read16(&fc, PCI_VENDOR_ID), 0x1af4);
	assert_int_equal(pci_fn_read8(&fc, PCI_HEADER_TYPE), 0x80);
	assert_int_equal(pci_fn_read8(&fc, PCI_CLASS), 0x02);
	assert_int_equal(pci_fn_read_raw(&fc, PCI_CFG_SIZE), 0xffffffff); /* not sent */
	pci_fn_write(&fc, PCI_CFG_SIZE, 0);				  /* dropped */
	pci_fn_write_command(&fc, PCI_COMMAND_MASTER);
	assert_int_equal(f->cfg[PCI_COMMAND], PCI_COMMAND_MASTER);
	assert_int_equal(pci_fn_read16(&fc, PCI_STATUS),
			 PCI_STATUS_CAP_LIST | PCI_STATUS_REC_MASTER_ABORT);
	assert_int_equal(stats.cfg_reads, 5); /* the out-of-range read is not counted */
	assert_int_equal(stats.cfg_writes, 1);
	assert_int_equal(b->bad_offset, 0);

	/* An all-ones register on a live function is just a value; on a gone one the
	 * function is marked and reported once. */
	fake_set32(f, 0x40, 0xffffffff);
	hooks_log_reset();
	assert_int_equal(pci_fn_read(&fc, 0x40), 0xffffffff);
	assert_false(fc.gone);
	f->gone = true;
	assert_int_equal(pci_fn_read(&fc, 0x40), 0xffffffff);
	assert_true(fc.gone);
	assert_int_equal(pci_fn_read(&fc, 0x44), 0xffffffff);
	assert_int_equal(hooks_log_count(), 1);
	assert_string_equal(hooks_log_line(0),
			    "pci: 0000:00:01.0 reads all-ones at 0x040, device vanished, skipped");
	fake_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bars_good),	  cmocka_unit_test(test_bars_hostile),
	    cmocka_unit_test(test_cap_walks),	  cmocka_unit_test(test_ecap_walks),
	    cmocka_unit_test(test_vanishing),	  cmocka_unit_test(test_msix_placement),
	    cmocka_unit_test(test_format),	  cmocka_unit_test(test_format_unassigned),
	    cmocka_unit_test(test_cfg_accessors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
