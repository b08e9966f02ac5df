/* test_devwin: DeviceMmio windows and DMA pool buffers. devwin_check: every refusal
 * (no BAR, I/O, unassigned, empty, wrapping, past the end, sub-page, MSI-X table and PBA
 * pages), the 64-bit BAR under its low index, the page outputs for unaligned windows,
 * and a grid of offsets and lengths over several functions against a plain model.
 * devbuf: alignment rules, first fit, DEVBUF_MAX, exact fits, free and reuse, and
 * random sequences against a shadow that keeps every buffer apart and inside the pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/dev/devwin.h"

#define PAGE	  ((uint64_t)DEVWIN_PAGE)
#define BAR0_ADDR 0xfebf0000ull
#define BAR2_ADDR 0x800000000ull /* 64-bit, registers 2 and 3 */
#define BAR_SIZE  0x4000ull

static struct pci_fn fn;

static void add_bar(struct pci_fn *f, unsigned index, uint8_t kind, uint64_t addr, uint64_t size)
{
	struct pci_bar *b = &f->bar[f->nbars++];
	b->index = (uint8_t)index;
	b->kind = kind;
	b->addr = addr;
	b->size = size;
}

/* A function like a NIC's: bar0 16 KiB memory, bar1 I/O, bar2/3 a 64-bit 16 KiB BAR,
 * bar4 memory nobody placed, bar5 a 256-byte memory BAR off a page boundary. */
static void make_fn(struct pci_fn *f)
{
	memset(f, 0, sizeof(*f));
	add_bar(f, 0, PCI_BAR_MEM32, BAR0_ADDR, BAR_SIZE);
	add_bar(f, 1, PCI_BAR_IO, 0xc000, 0x40);
	add_bar(f, 2, PCI_BAR_MEM64, BAR2_ADDR, BAR_SIZE);
	add_bar(f, 4, PCI_BAR_MEM32, 0, BAR_SIZE);
	add_bar(f, 5, PCI_BAR_MEM32, 0xfebf4100, 0x100);
}

static void set_msix(struct pci_fn *f, unsigned tbir, uint32_t toff, uint16_t n, unsigned pbir,
		     uint32_t poff)
{
	f->flags |= PCI_FN_MSIX;
	f->msix.table_bir = (uint8_t)tbir;
	f->msix.table_off = toff;
	f->msix.table_size = n;
	f->msix.pba_bir = (uint8_t)pbir;
	f->msix.pba_off = poff;
}

static int setup(void **state)
{
	(void)state;
	make_fn(&fn);
	return 0;
}

static const struct devwin untouched = {0x5a5a5a5a5a5a5a5aull, 0x5a5a5a5a5a5a5a5aull,
					0x5a5a5a5a5a5a5a5aull};

/* devwin_check on f, asserting the status and, when it fails, that out was not written. */
static struct devwin check(const struct pci_fn *f, unsigned bar, uint64_t off, uint64_t len,
			   enum devwin_status want)
{
	struct devwin w = untouched;
	assert_int_equal(devwin_check(f, bar, off, len, &w), want);
	if (want != DEVWIN_OK)
		assert_memory_equal(&w, &untouched, sizeof(w));
	return w;
}

static void check_ok(const struct pci_fn *f, unsigned bar, uint64_t off, uint64_t len,
		     uint64_t phys, uint64_t pages, uint64_t first)
{
	struct devwin w = check(f, bar, off, len, DEVWIN_OK);
	assert_int_equal(w.phys, phys);
	assert_int_equal(w.pages, pages);
	assert_int_equal(w.first, first);
}

/* ---- devwin_check: refusals ---- */

static void test_no_such_bar(void **state)
{
	struct pci_fn empty;
	(void)state;
	/* 3 is the upper half of the 64-bit BAR 2; 6 and 7 are reserved BIR values. */
	const unsigned bad[] = {3, 6, 7, 8, 255, 256, 0xffffffffu};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check(&fn, bad[i], 0, 0x100, DEVWIN_E_BAR);
	check(NULL, 0, 0, 0x100, DEVWIN_E_BAR);
	memset(&empty, 0, sizeof(empty));
	for (unsigned i = 0; i < 8; i++)
		check(&empty, i, 0, 0x100, DEVWIN_E_BAR);
	/* A recorded BAR whose kind says nothing was decoded. */
	add_bar(&empty, 0, PCI_BAR_NONE, BAR0_ADDR, BAR_SIZE);
	check(&empty, 0, 0, 0x100, DEVWIN_E_BAR);
	/* The BAR check comes first: a bad window on a bad BAR is a BAR error. */
	check(&fn, 3, 0, 0, DEVWIN_E_BAR);
	check(&fn, 3, UINT64_MAX, UINT64_MAX, DEVWIN_E_BAR);
}

static void test_io_bar(void **state)
{
	(void)state;
	check(&fn, 1, 0, 0x10, DEVWIN_E_BAR);
	check(&fn, 1, 0, 0x40, DEVWIN_E_BAR);
	/* Even one page-sized and page-aligned I/O range is no MMIO window. */
	fn.bar[1].addr = 0x1000;
	fn.bar[1].size = 0x1000;
	check(&fn, 1, 0, 0x1000, DEVWIN_E_BAR);
}

static void test_unassigned_bar(void **state)
{
	(void)state;
	check(&fn, 4, 0, 0x1000, DEVWIN_E_BAR);
	check(&fn, 4, 0x1000, 1, DEVWIN_E_BAR);
	/* The same BAR once placed. */
	fn.bar[3].addr = 0xfec00000;
	check_ok(&fn, 4, 0x1000, 1, 0xfec01000, 1, 0);
	/* A 64-bit BAR with only its high half set is assigned. */
	fn.bar[2].addr = 0x100000000ull;
	check_ok(&fn, 2, 0, 1, 0x100000000ull, 1, 0);
	fn.bar[2].addr = 0;
	check(&fn, 2, 0, 1, DEVWIN_E_BAR);
}

static void test_len_zero(void **state)
{
	(void)state;
	check(&fn, 0, 0, 0, DEVWIN_E_RANGE);
	check(&fn, 0, 0x1000, 0, DEVWIN_E_RANGE);
	check(&fn, 0, BAR_SIZE, 0, DEVWIN_E_RANGE);
	check(&fn, 0, BAR_SIZE + 1, 0, DEVWIN_E_RANGE);
	check(&fn, 0, UINT64_MAX, 0, DEVWIN_E_RANGE);
	check(&fn, 2, 0, 0, DEVWIN_E_RANGE);
}

static void test_overflow(void **state)
{
	(void)state;
	check(&fn, 0, UINT64_MAX, 1, DEVWIN_E_RANGE);
	check(&fn, 0, 1, UINT64_MAX, DEVWIN_E_RANGE);
	check(&fn, 0, UINT64_MAX, UINT64_MAX, DEVWIN_E_RANGE);
	check(&fn, 0, 0, UINT64_MAX, DEVWIN_E_RANGE);
	/* Sums that wrap to exactly 0 and to small values inside the BAR. */
	check(&fn, 0, 0x1000, UINT64_MAX - 0xfff, DEVWIN_E_RANGE);
	check(&fn, 0, 0x1000, UINT64_MAX - 0xffe, DEVWIN_E_RANGE);
	check(&fn, 0, UINT64_MAX - 0xfff, 0x2000, DEVWIN_E_RANGE);
	check(&fn, 0, 0x2000, UINT64_MAX - 0xfff, DEVWIN_E_RANGE);
	check(&fn, 0, UINT64_MAX - 0x10, 0x20, DEVWIN_E_RANGE);
	check(&fn, 0, (uint64_t)1 << 63, (uint64_t)1 << 63, DEVWIN_E_RANGE);
	check(&fn, 2, UINT64_MAX, 2, DEVWIN_E_RANGE);

	/* A BAR (impossible, but recorded values are only numbers) whose size reaches the
	 * top of the address space: no window near the top is rounded past 2^64, and a
	 * BAR whose end wraps gives no window at all. */
	struct pci_fn huge;
	memset(&huge, 0, sizeof(huge));
	add_bar(&huge, 0, PCI_BAR_MEM64, 0x1000, UINT64_MAX);
	check(&huge, 0, UINT64_MAX - 0x10, 0x10, DEVWIN_E_RANGE);
	check(&huge, 0, UINT64_MAX - 0x1000, 0x1000, DEVWIN_E_RANGE);
	check(&huge, 0, UINT64_MAX - 1, 1, DEVWIN_E_RANGE);
	check(&huge, 0, 0, 0x1000, DEVWIN_E_SUBPAGE);
	check(&huge, 0, 0x1000, 1, DEVWIN_E_SUBPAGE);
	/* Ending exactly at 2^64 wraps too. */
	memset(&huge, 0, sizeof(huge));
	add_bar(&huge, 0, PCI_BAR_MEM64, 0xfffffffffffff000ull, 0x1000);
	check(&huge, 0, 0, 1, DEVWIN_E_SUBPAGE);
	huge.bar[0].addr = 0xffffffffffffe000ull;
	check_ok(&huge, 0, 0xfff, 1, 0xffffffffffffe000ull, 1, 0xfff);
}

static void test_past_bar_end(void **state)
{
	(void)state;
	check(&fn, 0, BAR_SIZE, 1, DEVWIN_E_RANGE);
	check(&fn, 0, BAR_SIZE - 1, 2, DEVWIN_E_RANGE);
	check(&fn, 0, 0, BAR_SIZE + 1, DEVWIN_E_RANGE);
	check(&fn, 0, 0x3000, 0x1001, DEVWIN_E_RANGE);
	check(&fn, 0, BAR_SIZE + 0x1000, 0x1000, DEVWIN_E_RANGE);
	check(&fn, 2, 0x3fff, 2, DEVWIN_E_RANGE);
	/* The last byte and the whole BAR are fine. */
	check_ok(&fn, 0, BAR_SIZE - 1, 1, BAR0_ADDR + 0x3000, 1, 0xfff);
	check_ok(&fn, 0, 0, BAR_SIZE, BAR0_ADDR, 4, 0);
	check_ok(&fn, 2, 0, BAR_SIZE, BAR2_ADDR, 4, 0);
}

static void test_subpage(void **state)
{
	struct pci_fn f;
	(void)state;
	/* bar5: 256 bytes at 0x...100: its page holds something else. */
	check(&fn, 5, 0, 0x10, DEVWIN_E_SUBPAGE);
	check(&fn, 5, 0, 0x100, DEVWIN_E_SUBPAGE);
	check(&fn, 5, 0xff, 1, DEVWIN_E_SUBPAGE);
	check(&fn, 5, 0, 0x101, DEVWIN_E_RANGE);
	check(&fn, 5, 0x100, 1, DEVWIN_E_RANGE);
	/* Page aligned but smaller than a page. */
	fn.bar[4].addr = 0xfebf5000;
	fn.bar[4].size = 0x800;
	check(&fn, 5, 0, 1, DEVWIN_E_SUBPAGE);
	fn.bar[4].size = PAGE - 1;
	check(&fn, 5, 0, PAGE - 1, DEVWIN_E_SUBPAGE);
	fn.bar[4].size = PAGE;
	check_ok(&fn, 5, 0, PAGE, 0xfebf5000, 1, 0);

	/* At least a page, not page aligned (not a real BAR: firmware aligns BARs to their
	 * size): its first and last pages hold something else. */
	memset(&f, 0, sizeof(f));
	add_bar(&f, 0, PCI_BAR_MEM32, 0xfebf4800, 0x2000);
	add_bar(&f, 1, PCI_BAR_MEM32, 0xfebf8001, 0x1000);
	check(&f, 0, 0, 1, DEVWIN_E_SUBPAGE);
	check(&f, 0, 0x800, 0x1000, DEVWIN_E_SUBPAGE);
	check(&f, 0, 0, 0x2000, DEVWIN_E_SUBPAGE);
	check(&f, 1, 0, 0x1000, DEVWIN_E_SUBPAGE);

	/* Page aligned, more than a page, not a whole number of pages: the full pages are
	 * fine, the page the BAR ends in is not. */
	memset(&f, 0, sizeof(f));
	add_bar(&f, 0, PCI_BAR_MEM32, 0xfebf8000, 0x1800);
	check_ok(&f, 0, 0, 0x1000, 0xfebf8000, 1, 0);
	check_ok(&f, 0, 0xfff, 1, 0xfebf8000, 1, 0xfff);
	check(&f, 0, 0xfff, 2, DEVWIN_E_SUBPAGE);
	check(&f, 0, 0x1000, 1, DEVWIN_E_SUBPAGE);
	check(&f, 0, 0x17ff, 1, DEVWIN_E_SUBPAGE);
	check(&f, 0, 0x1800, 1, DEVWIN_E_RANGE);
}

/* ---- devwin_check: MSI-X ---- */

static void test_msix_table_page(void **state)
{
	(void)state;
	/* Table of 3 entries (48 bytes) at 0x2000 of bar0, PBA in bar2. */
	set_msix(&fn, 0, 0x2000, 3, 2, 0);
	check_ok(&fn, 0, 0x1000, 0x1000, BAR0_ADDR + 0x1000, 1, 0);
	check_ok(&fn, 0, 0, 0x2000, BAR0_ADDR, 2, 0);
	check_ok(&fn, 0, 0x1ff0, 0x10, BAR0_ADDR + 0x1000, 1, 0xff0);
	check_ok(&fn, 0, 0x1fff, 1, BAR0_ADDR + 0x1000, 1, 0xfff);
	check(&fn, 0, 0x1ff0, 0x11, DEVWIN_E_MSIX);
	check(&fn, 0, 0x1fff, 2, DEVWIN_E_MSIX);
	check(&fn, 0, 0x2000, 1, DEVWIN_E_MSIX);
	/* Bytes of the table's page past the table are refused too: the page is mapped
	 * whole. */
	check(&fn, 0, 0x2030, 0x10, DEVWIN_E_MSIX);
	check(&fn, 0, 0x2fff, 1, DEVWIN_E_MSIX);
	check(&fn, 0, 0, BAR_SIZE, DEVWIN_E_MSIX);
	check(&fn, 0, 0x1000, 0x3000, DEVWIN_E_MSIX);
	check_ok(&fn, 0, 0x3000, 0x1000, BAR0_ADDR + 0x3000, 1, 0);
	check_ok(&fn, 0, 0x3000, 1, BAR0_ADDR + 0x3000, 1, 0);
	/* The PBA's offset 0 in bar2 keeps bar2's first page, and only that one. */
	check(&fn, 2, 0, 1, DEVWIN_E_MSIX);
	check(&fn, 2, 0xfff, 2, DEVWIN_E_MSIX);
	check_ok(&fn, 2, 0x1000, 0x3000, BAR2_ADDR + 0x1000, 3, 0);

	/* The PBA after the table, on the next page of the same BAR: that page is kept. */
	set_msix(&fn, 0, 0x2000, 3, 0, 0x3000);
	check(&fn, 0, 0x3000, 0x1000, DEVWIN_E_MSIX);
	check(&fn, 0, 0x3fff, 1, DEVWIN_E_MSIX);
	check(&fn, 0, 0x2000, 1, DEVWIN_E_MSIX);
	check_ok(&fn, 0, 0, 0x2000, BAR0_ADDR, 2, 0);
	check_ok(&fn, 2, 0, BAR_SIZE, BAR2_ADDR, 4, 0);

	/* The PBA on the table's page: the next page is free again. */
	set_msix(&fn, 0, 0x2000, 3, 0, 0x2800);
	check_ok(&fn, 0, 0x3000, 0x1000, BAR0_ADDR + 0x3000, 1, 0);
	check(&fn, 0, 0x2800, 8, DEVWIN_E_MSIX);

	/* The PBA alone in a page: 65 entries take two QWORDs, 0x10 bytes. */
	set_msix(&fn, 2, 0, 65, 0, 0xff8);
	check(&fn, 0, 0, 1, DEVWIN_E_MSIX);
	check(&fn, 0, 0x1000, 1, DEVWIN_E_MSIX);
	check_ok(&fn, 0, 0x2000, 0x2000, BAR0_ADDR + 0x2000, 2, 0);
	set_msix(&fn, 2, 0, 64, 0, 0xff8);
	check_ok(&fn, 0, 0x1000, 1, BAR0_ADDR + 0x1000, 1, 0);

	/* A table that straddles a page boundary keeps both pages. */
	set_msix(&fn, 0, 0x1ff8, 2, 2, 0x3000);
	check(&fn, 0, 0x1000, 1, DEVWIN_E_MSIX);
	check(&fn, 0, 0x2fff, 1, DEVWIN_E_MSIX);
	check_ok(&fn, 0, 0xfff, 1, BAR0_ADDR, 1, 0xfff);
	check_ok(&fn, 0, 0x3000, 1, BAR0_ADDR + 0x3000, 1, 0);

	/* 16 bytes an entry: 4 entries at 0x1fc0 end on the page boundary, 5 cross it. */
	set_msix(&fn, 0, 0x1fc0, 4, 2, 0x3000);
	check(&fn, 0, 0x1000, 1, DEVWIN_E_MSIX);
	check_ok(&fn, 0, 0x2000, 0x1000, BAR0_ADDR + 0x2000, 1, 0);
	set_msix(&fn, 0, 0x1fc0, 5, 2, 0x3000);
	check(&fn, 0, 0x2000, 0x1000, DEVWIN_E_MSIX);
	check_ok(&fn, 0, 0, 0x1000, BAR0_ADDR, 1, 0);

	/* 2048 entries (the most): 32 KiB of table from offset 0 covers all of bar0. */
	set_msix(&fn, 0, 0, 2048, 2, 0x3000);
	for (uint64_t p = 0; p < BAR_SIZE; p += PAGE)
		check(&fn, 0, p, 1, DEVWIN_E_MSIX);

	/* Without the MSI-X flag the same fields mean nothing. */
	set_msix(&fn, 0, 0x2000, 3, 0, 0x3000);
	fn.flags = 0;
	check_ok(&fn, 0, 0, BAR_SIZE, BAR0_ADDR, 4, 0);
}

static void test_msix_other_bar(void **state)
{
	(void)state;
	/* Table and PBA in the 64-bit bar2, named by its low index: bar0 is all free. */
	set_msix(&fn, 2, 0x2000, 3, 2, 0x3000);
	check_ok(&fn, 0, 0, BAR_SIZE, BAR0_ADDR, 4, 0);
	check_ok(&fn, 0, 0x2000, 1, BAR0_ADDR + 0x2000, 1, 0);
	check_ok(&fn, 0, 0x3000, 1, BAR0_ADDR + 0x3000, 1, 0);
	check(&fn, 2, 0x2000, 1, DEVWIN_E_MSIX);
	check(&fn, 2, 0x3000, 1, DEVWIN_E_MSIX);
	check(&fn, 2, 0, BAR_SIZE, DEVWIN_E_MSIX);
	check_ok(&fn, 2, 0, 0x2000, BAR2_ADDR, 2, 0);
	/* A BIR naming the upper half, a reserved value, or an I/O BAR keeps nothing in a
	 * memory BAR. */
	set_msix(&fn, 3, 0, 3, 3, 0x1000);
	check_ok(&fn, 2, 0, BAR_SIZE, BAR2_ADDR, 4, 0);
	check_ok(&fn, 0, 0, BAR_SIZE, BAR0_ADDR, 4, 0);
	set_msix(&fn, 7, 0, 3, 1, 0);
	check_ok(&fn, 0, 0, BAR_SIZE, BAR0_ADDR, 4, 0);
	check_ok(&fn, 2, 0, BAR_SIZE, BAR2_ADDR, 4, 0);
	/* A table past the end of its BAR (pci_cap flags it; devwin need not care). */
	set_msix(&fn, 0, 0x8000, 3, 0, 0x9000);
	check_ok(&fn, 0, 0, BAR_SIZE, BAR0_ADDR, 4, 0);
}

/* ---- devwin_check: outputs ---- */

static void test_bar64(void **state)
{
	(void)state;
	check_ok(&fn, 2, 0, 1, BAR2_ADDR, 1, 0);
	check_ok(&fn, 2, 0x1234, 0x10, BAR2_ADDR + 0x1000, 1, 0x234);
	check(&fn, 3, 0, 1, DEVWIN_E_BAR);
	/* Above 4 GiB and above 2^52: addresses are kept whole. */
	fn.bar[2].addr = 0xfff000000000ull;
	check_ok(&fn, 2, 0x3000, 0x1000, 0xfff000003000ull, 1, 0);
	fn.bar[2].addr = 0x7ffffffffff00000ull;
	fn.bar[2].size = 0x100000;
	check_ok(&fn, 2, 0xff001, 0xfff, 0x7ffffffffffff000ull, 1, 1);
	check_ok(&fn, 2, 0, 0x100000, 0x7ffffffffff00000ull, 0x100, 0);
}

static void test_outputs_unaligned(void **state)
{
	(void)state;
	check_ok(&fn, 0, 0x1234, 0x10, BAR0_ADDR + 0x1000, 1, 0x234);
	check_ok(&fn, 0, 0xfff, 2, BAR0_ADDR, 2, 0xfff);
	check_ok(&fn, 0, 0x1000, 0x1000, BAR0_ADDR + 0x1000, 1, 0);
	check_ok(&fn, 0, 0x1001, 0x1000, BAR0_ADDR + 0x1000, 2, 1);
	check_ok(&fn, 0, 0x1001, 0xfff, BAR0_ADDR + 0x1000, 1, 1);
	check_ok(&fn, 0, 1, 0x3fff, BAR0_ADDR, 4, 1);
	check_ok(&fn, 0, 0x0, 1, BAR0_ADDR, 1, 0);
	check_ok(&fn, 0, 0x3ffe, 1, BAR0_ADDR + 0x3000, 1, 0xffe);
	check_ok(&fn, 0, 0x2fff, 0x1001, BAR0_ADDR + 0x2000, 2, 0xfff);
	check_ok(&fn, 0, 0x2fff, 0x1000, BAR0_ADDR + 0x2000, 2, 0xfff);
	check_ok(&fn, 0, 0x2fff, 0xfff, BAR0_ADDR + 0x2000, 2, 0xfff);
	check_ok(&fn, 0, 0x2fff, 1, BAR0_ADDR + 0x2000, 1, 0xfff);
}

/* ---- devwin_check: a grid against a model ---- */

/* devwin.h's rules written out plainly: byte ranges and page numbers, 128-bit sums. */
static bool bytes_in_page(uint64_t start, uint64_t len, uint64_t page)
{
	unsigned __int128 lo = (unsigned __int128)page * PAGE, hi = lo + PAGE;
	return len != 0 && start < hi && (unsigned __int128)start + len > lo;
}

static enum devwin_status model(const struct pci_fn *f, unsigned bar, uint64_t off, uint64_t len,
				struct devwin *out)
{
	const struct pci_bar *b = NULL;
	for (unsigned i = 0; i < f->nbars; i++)
		if (f->bar[i].index == bar)
			b = &f->bar[i];
	if (b == NULL || (b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) || b->addr == 0)
		return DEVWIN_E_BAR;
	if (len == 0 || (unsigned __int128)off + len > b->size)
		return DEVWIN_E_RANGE;
	if (b->addr % PAGE != 0 || b->size < PAGE ||
	    (unsigned __int128)b->addr + b->size > UINT64_MAX)
		return DEVWIN_E_SUBPAGE;
	uint64_t first = off / PAGE, last = (off + len - 1) / PAGE;
	if ((unsigned __int128)(last + 1) * PAGE > b->size)
		return DEVWIN_E_SUBPAGE;
	if (f->flags & PCI_FN_MSIX) {
		const struct pci_msix *m = &f->msix;
		uint64_t tlen = (uint64_t)m->table_size * 16;
		uint64_t plen = ((uint64_t)m->table_size + 63) / 64 * 8;
		for (uint64_t p = first; p <= last; p++)
			if ((m->table_bir == bar && bytes_in_page(m->table_off, tlen, p)) ||
			    (m->pba_bir == bar && bytes_in_page(m->pba_off, plen, p)))
				return DEVWIN_E_MSIX;
	}
	out->phys = b->addr + first * PAGE;
	out->pages = last - first + 1;
	out->first = off % PAGE;
	return DEVWIN_OK;
}

#define NGRID 300
static uint64_t grid[NGRID];
static unsigned ngrid;
static unsigned grid_st[DEVWIN_E_MSIX + 1];

static void grid_add(uint64_t v)
{
	for (unsigned i = 0; i < ngrid; i++)
		if (grid[i] == v)
			return;
	assert_true(ngrid < NGRID);
	grid[ngrid++] = v;
}

/* Every 0x100 step up to past 20 KiB with its neighbours, plus values near 2^64. */
static void grid_build(void)
{
	const uint64_t far[] = {0x7ff,
				0x801,
				0xff0,
				0x1ff0,
				0x2001,
				0x2030,
				0x2031,
				UINT64_MAX,
				UINT64_MAX - 1,
				UINT64_MAX - 0xfff,
				UINT64_MAX - 0x1000,
				(uint64_t)1 << 63,
				0xfffff000,
				0x100000000ull};
	ngrid = 0;
	for (uint64_t k = 0; k <= 0x5000; k += 0x100) {
		if (k > 0)
			grid_add(k - 1);
		grid_add(k);
		grid_add(k + 1);
	}
	for (unsigned i = 0; i < sizeof(far) / sizeof(far[0]); i++)
		grid_add(far[i]);
}

static void grid_run(const struct pci_fn *f)
{
	for (unsigned bar = 0; bar < 8; bar++)
		for (unsigned i = 0; i < ngrid; i++)
			for (unsigned j = 0; j < ngrid; j++) {
				struct devwin got = untouched, want = untouched;
				enum devwin_status s = devwin_check(f, bar, grid[i], grid[j], &got);
				enum devwin_status ms = model(f, bar, grid[i], grid[j], &want);
				if (s != ms || memcmp(&got, &want, sizeof(got)) != 0)
					fail_msg("bar%u off 0x%llx len 0x%llx: %d, model %d", bar,
						 (unsigned long long)grid[i],
						 (unsigned long long)grid[j], s, ms);
				grid_st[s]++;
			}
}

static void test_grid_against_model(void **state)
{
	struct pci_fn f;
	(void)state;
	grid_build();
	memset(grid_st, 0, sizeof(grid_st));

	/* The NIC-like function: without MSI-X, then with table and PBA in many places. */
	grid_run(&fn);
	const struct {
		unsigned tbir;
		uint32_t toff;
		uint16_t n;
		unsigned pbir;
		uint32_t poff;
	} mx[] = {
	    {0, 0x2000, 3, 2, 0},	{0, 0x2000, 3, 0, 0x3000}, {0, 0x2000, 3, 0, 0x2800},
	    {0, 0x1ff8, 2, 0, 0x3ff8},	{2, 0x2000, 3, 2, 0x3000}, {0, 0, 2048, 0, 0x3ff8},
	    {0, 0x3ff0, 1, 2, 0x1ff8},	{2, 0, 256, 0, 0xff8},	   {0, 0x2000, 0, 0, 0x3000},
	    {5, 0x80, 8, 5, 0x100},	{0, 0x1fc0, 4, 2, 0x3000}, {0, 0x1fc0, 5, 2, 0x3000},
	    {0, 0x1000, 65, 0, 0x1ffc},
	};
	for (unsigned i = 0; i < sizeof(mx) / sizeof(mx[0]); i++) {
		make_fn(&f);
		set_msix(&f, mx[i].tbir, mx[i].toff, mx[i].n, mx[i].pbir, mx[i].poff);
		grid_run(&f);
	}

	/* Odd BARs: unaligned, not whole pages, below a page, wrapping, no kind. */
	memset(&f, 0, sizeof(f));
	add_bar(&f, 0, PCI_BAR_MEM32, 0xfebf4800, 0x2000);
	add_bar(&f, 1, PCI_BAR_MEM32, 0xfebf8000, 0x1800);
	add_bar(&f, 2, PCI_BAR_MEM64, 0xfffffffffffff000ull, 0x1000);
	add_bar(&f, 4, PCI_BAR_MEM32, 0xfebfa000, 0x800);
	add_bar(&f, 5, PCI_BAR_NONE, 0xfebfb000, 0x1000);
	grid_run(&f);
	set_msix(&f, 1, 0x400, 4, 1, 0x1000);
	grid_run(&f);

	for (unsigned st = 0; st <= DEVWIN_E_MSIX; st++)
		assert_true(grid_st[st] > 1000);
}

/* ---- devbuf ---- */

static struct devbuf_pool pool, pool_before;

static uint64_t alloc_ok(uint64_t len, uint64_t align, uint32_t tag)
{
	uint64_t off = UINT64_MAX;
	assert_true(devbuf_alloc(&pool, len, align, tag, &off));
	return off;
}

/* A refused alloc leaves the pool byte for byte as it was. */
static void alloc_refused(uint64_t len, uint64_t align, uint32_t tag)
{
	uint64_t off = 0;
	memcpy(&pool_before, &pool, sizeof(pool));
	assert_false(devbuf_alloc(&pool, len, align, tag, &off));
	assert_memory_equal(&pool_before, &pool, sizeof(pool));
}

static void assert_buf(uint32_t tag, uint64_t off, uint64_t len)
{
	uint64_t o = 0, l = 0;
	assert_true(devbuf_find(&pool, tag, &o, &l));
	assert_int_equal(o, off);
	assert_int_equal(l, len);
}

static void test_devbuf_init(void **state)
{
	uint64_t o = 7, l = 7;
	(void)state;
	memset(&pool, 0xa5, sizeof(pool));
	devbuf_init(&pool, 0x10000);
	assert_int_equal(pool.size, 0x10000);
	assert_int_equal(pool.n, 0);
	assert_int_equal(devbuf_used(&pool), 0);
	assert_false(devbuf_find(&pool, 0, &o, &l));
	assert_false(devbuf_find(&pool, 0xa5a5a5a5u, &o, &l));
	assert_int_equal(o, 7);
	assert_int_equal(l, 7);
	assert_false(devbuf_free(&pool, 0));
	/* An empty pool of size 0 takes nothing. */
	devbuf_init(&pool, 0);
	alloc_refused(1, 1, 1);
	alloc_refused(1, 0, 1);
}

static void test_devbuf_align(void **state)
{
	(void)state;
	devbuf_init(&pool, 0x10000);
	/* 0 means 64. */
	assert_int_equal(alloc_ok(1, 0, 1), 0);
	assert_int_equal(alloc_ok(1, 0, 2), 64);
	assert_int_equal(alloc_ok(1, 1, 3), 1);
	assert_int_equal(alloc_ok(1, 2, 4), 2);
	assert_int_equal(alloc_ok(3, 4, 5), 4);
	assert_int_equal(alloc_ok(1, 8, 6), 8);
	assert_int_equal(alloc_ok(1, 1, 7), 3);
	assert_int_equal(alloc_ok(1, 0x1000, 8), 0x1000);
	assert_int_equal(alloc_ok(0x100, 0x100, 9), 0x100);
	/* The pool's size is the largest alignment. */
	alloc_refused(1, 0x10000, 10);
	/* Not powers of two, or larger than the pool. */
	const uint64_t bad[] = {3,
				5,
				6,
				7,
				12,
				0x18,
				0x1001,
				0x3000,
				0xffff,
				0x10001,
				0x20000,
				(uint64_t)1 << 63,
				UINT64_MAX,
				UINT64_MAX - 1,
				0x8000000000000001ull};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		alloc_refused(1, bad[i], 11);
	assert_int_equal(pool.n, 9);

	devbuf_init(&pool, 0x10000);
	assert_int_equal(alloc_ok(1, 0x10000, 1), 0);
	devbuf_init(&pool, 0x10000);
	assert_int_equal(alloc_ok(0x10000, 0x10000, 1), 0);

	/* A pool smaller than 64 bytes has no default alignment, only explicit ones. */
	devbuf_init(&pool, 32);
	alloc_refused(1, 0, 1);
	alloc_refused(1, 64, 1);
	assert_int_equal(alloc_ok(8, 32, 1), 0);
	assert_int_equal(alloc_ok(8, 8, 2), 8);
	alloc_refused(8, 32, 3);
	devbuf_init(&pool, 64);
	assert_int_equal(alloc_ok(64, 0, 1), 0);

	/* Every offset is a multiple of its alignment. */
	devbuf_init(&pool, 0x100000);
	for (uint32_t t = 0; t < DEVBUF_MAX; t++) {
		uint64_t a = (uint64_t)1 << (t % 17);
		uint64_t off = alloc_ok(1 + t * 37, a, t);
		assert_int_equal(off % a, 0);
	}
}

static void test_devbuf_first_fit(void **state)
{
	(void)state;
	devbuf_init(&pool, 0x1000);
	assert_int_equal(alloc_ok(0x100, 0, 1), 0);
	assert_int_equal(alloc_ok(0x100, 0, 2), 0x100);
	assert_int_equal(alloc_ok(0x100, 0, 3), 0x200);
	assert_true(devbuf_free(&pool, 2));
	/* The lowest hole first, then the next, then the tail. */
	assert_int_equal(alloc_ok(0x80, 0, 4), 0x100);
	assert_int_equal(alloc_ok(0x40, 0, 5), 0x180);
	assert_int_equal(alloc_ok(0x80, 0, 6), 0x300);
	assert_int_equal(alloc_ok(0x40, 0, 7), 0x1c0);
	assert_int_equal(alloc_ok(0x1, 1, 8), 0x380);
	/* A hole too small, or not aligned enough, is skipped. */
	assert_true(devbuf_free(&pool, 1));
	assert_int_equal(alloc_ok(0x101, 1, 9), 0x381);
	assert_int_equal(alloc_ok(0x10, 0x200, 10), 0);
	assert_int_equal(alloc_ok(0x10, 0x100, 11), 0x500);
	assert_int_equal(alloc_ok(0x10, 0x10, 12), 0x10);
	/* The buffers are kept in offset order. */
	for (uint32_t i = 1; i < pool.n; i++)
		assert_true(pool.b[i - 1].off + pool.b[i - 1].len <= pool.b[i].off);
	assert_int_equal(devbuf_used(&pool),
			 0x10 + 0x80 + 0x40 + 0x40 + 0x100 + 0x80 + 1 + 0x101 + 0x10 + 0x10);
}

static void test_devbuf_max(void **state)
{
	(void)state;
	devbuf_init(&pool, 0x100000);
	for (uint32_t t = 0; t < DEVBUF_MAX; t++)
		assert_int_equal(alloc_ok(64, 0, 100 + t), (uint64_t)t * 64);
	assert_int_equal(pool.n, DEVBUF_MAX);
	assert_int_equal(devbuf_used(&pool), DEVBUF_MAX * 64);
	/* Room, but no slot. */
	alloc_refused(1, 1, 999);
	alloc_refused(64, 0, 999);
	/* Freeing one opens its gap, which the next alloc takes. */
	assert_true(devbuf_free(&pool, 100 + 7));
	assert_false(devbuf_find(&pool, 100 + 7, &(uint64_t){0}, &(uint64_t){0}));
	assert_int_equal(alloc_ok(64, 0, 999), 7 * 64);
	assert_buf(999, 7 * 64, 64);
	alloc_refused(1, 1, 1000);
	/* Free them all, newest first and oldest first alternately. */
	for (uint32_t t = 0; t < DEVBUF_MAX; t++) {
		uint32_t tag = t % 2 ? 100 + DEVBUF_MAX - 1 - t / 2 : 100 + t / 2;
		if (tag == 100 + 7)
			tag = 999;
		assert_true(devbuf_free(&pool, tag));
		assert_int_equal(pool.n, DEVBUF_MAX - 1 - t);
	}
	assert_int_equal(devbuf_used(&pool), 0);
	assert_int_equal(alloc_ok(0x100000, 1, 1), 0);
}

static void test_devbuf_exact_fit(void **state)
{
	(void)state;
	/* The whole pool. */
	devbuf_init(&pool, 0x1000);
	assert_int_equal(alloc_ok(0x1000, 1, 1), 0);
	alloc_refused(1, 1, 2);
	assert_true(devbuf_free(&pool, 1));
	alloc_refused(0x1001, 1, 2);

	/* The tail, to the last byte. */
	assert_int_equal(alloc_ok(0xf00, 0, 1), 0);
	alloc_refused(0x101, 1, 2);
	assert_int_equal(alloc_ok(0x100, 0x100, 2), 0xf00);
	alloc_refused(1, 1, 3);

	/* A hole exactly the size asked for, and one byte short. */
	devbuf_init(&pool, 0x1000);
	assert_int_equal(alloc_ok(0x100, 0, 1), 0);
	assert_int_equal(alloc_ok(0x100, 0, 2), 0x100);
	assert_int_equal(alloc_ok(0x100, 0, 3), 0x200);
	assert_true(devbuf_free(&pool, 2));
	assert_int_equal(alloc_ok(0x101, 1, 4), 0x300);
	assert_int_equal(alloc_ok(0x100, 0x100, 5), 0x100);
	assert_buf(5, 0x100, 0x100);
	/* The same hole filled in two pieces, to the byte, then the tail. */
	assert_true(devbuf_free(&pool, 5));
	assert_int_equal(alloc_ok(0xff, 1, 6), 0x100);
	assert_int_equal(alloc_ok(1, 1, 7), 0x1ff);
	assert_int_equal(alloc_ok(1, 1, 8), 0x401);

	/* A pool at the top of the address space: aligning past 2^64 finds no room. */
	devbuf_init(&pool, UINT64_MAX);
	assert_int_equal(alloc_ok(UINT64_MAX - 10, 1, 1), 0);
	alloc_refused(4, (uint64_t)1 << 62, 2);
	alloc_refused(11, 1, 2);
	alloc_refused(10, 2, 2);
	assert_int_equal(alloc_ok(9, 2, 2), UINT64_MAX - 9);
	assert_int_equal(alloc_ok(1, 1, 3), UINT64_MAX - 10);
	alloc_refused(1, 1, 4);
	assert_int_equal(devbuf_used(&pool), UINT64_MAX);
}

static void test_devbuf_len(void **state)
{
	(void)state;
	devbuf_init(&pool, 0x1000);
	alloc_refused(0, 0, 1);
	alloc_refused(0, 1, 1);
	alloc_refused(0x1001, 1, 1);
	alloc_refused(UINT64_MAX, 1, 1);
	alloc_refused((uint64_t)1 << 63, 0, 1);
	assert_int_equal(alloc_ok(1, 1, 1), 0);
	alloc_refused(0, 1, 2);
	alloc_refused(0x1000, 1, 2);
	alloc_refused(UINT64_MAX, 1, 2);
}

static void test_devbuf_free_find(void **state)
{
	uint64_t o = 7, l = 7;
	(void)state;
	devbuf_init(&pool, 0x10000);
	assert_int_equal(alloc_ok(0x200, 0, 10), 0);
	assert_int_equal(alloc_ok(0x33, 0, 20), 0x200);
	assert_int_equal(alloc_ok(0x1000, 0x1000, 30), 0x1000);
	assert_int_equal(alloc_ok(1, 1, 0xffffffffu), 0x233);
	assert_buf(10, 0, 0x200);
	assert_buf(20, 0x200, 0x33);
	assert_buf(30, 0x1000, 0x1000);
	assert_buf(0xffffffffu, 0x233, 1);
	assert_int_equal(devbuf_used(&pool), 0x200 + 0x33 + 0x1000 + 1);

	memcpy(&pool_before, &pool, sizeof(pool));
	assert_false(devbuf_find(&pool, 40, &o, &l));
	assert_false(devbuf_free(&pool, 40));
	assert_false(devbuf_free(&pool, 0));
	assert_memory_equal(&pool_before, &pool, sizeof(pool));
	assert_int_equal(o, 7);
	assert_int_equal(l, 7);

	assert_true(devbuf_free(&pool, 20));
	assert_false(devbuf_free(&pool, 20));
	assert_false(devbuf_find(&pool, 20, &o, &l));
	assert_buf(10, 0, 0x200);
	assert_buf(30, 0x1000, 0x1000);
	assert_buf(0xffffffffu, 0x233, 1);
	assert_int_equal(devbuf_used(&pool), 0x200 + 0x1000 + 1);

	/* The gap is reused by a buffer that fits it; the tag can be used again. */
	assert_int_equal(alloc_ok(0x20, 0x20, 20), 0x200);
	assert_buf(20, 0x200, 0x20);
	assert_int_equal(alloc_ok(0x10, 0x10, 21), 0x220);
	/* Too big for it: past buffer 0xffffffff. */
	assert_int_equal(alloc_ok(0x20, 0x20, 22), 0x240);

	assert_true(devbuf_free(&pool, 10));
	assert_true(devbuf_free(&pool, 30));
	assert_true(devbuf_free(&pool, 0xffffffffu));
	assert_true(devbuf_free(&pool, 20));
	assert_true(devbuf_free(&pool, 21));
	assert_true(devbuf_free(&pool, 22));
	assert_int_equal(pool.n, 0);
	assert_int_equal(devbuf_used(&pool), 0);
}

/* ---- devbuf: random sequences against a shadow ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t rnd(uint64_t n)
{
	return xorshift() % n;
}

/* The shadow: buffers in no order, allocation by the contract written out plainly. The
 * lowest aligned offset that fits is 0 or the first aligned offset at or after the end
 * of some buffer (were it neither, one alignment lower would fit as well). */
static struct {
	uint64_t size;
	uint32_t n;
	struct {
		uint64_t off, len, align;
		uint32_t tag;
	} b[DEVBUF_MAX];
} sh;
static uint32_t next_tag;
static unsigned stat_ok, stat_full, stat_noroom, stat_bad, stat_freed;

static bool sh_fits(uint64_t a, uint64_t len)
{
	if (a > sh.size || sh.size - a < len)
		return false;
	for (uint32_t i = 0; i < sh.n; i++)
		if (a < sh.b[i].off + sh.b[i].len && sh.b[i].off < a + len)
			return false;
	return true;
}

static bool sh_alloc(uint64_t len, uint64_t align, uint64_t *off)
{
	if (align == 0)
		align = 64;
	if (len == 0 || align > sh.size || __builtin_popcountll(align) != 1) {
		stat_bad++;
		return false;
	}
	if (sh.n == DEVBUF_MAX) {
		stat_full++;
		return false;
	}
	bool found = false;
	uint64_t best = 0;
	for (uint32_t i = 0; i <= sh.n; i++) {
		unsigned __int128 c = 0;
		if (i < sh.n) {
			c = (unsigned __int128)sh.b[i].off + sh.b[i].len;
			c = (c + align - 1) / align * align;
		}
		if (c > UINT64_MAX || !sh_fits((uint64_t)c, len))
			continue;
		if (!found || (uint64_t)c < best)
			best = (uint64_t)c;
		found = true;
	}
	if (!found) {
		stat_noroom++;
		return false;
	}
	*off = best;
	return true;
}

static void sh_check(void)
{
	uint64_t used = 0;
	assert_int_equal(pool.size, sh.size);
	assert_int_equal(pool.n, sh.n);
	for (uint32_t i = 0; i < pool.n; i++) {
		/* In the pool, in order, apart. */
		assert_true(pool.b[i].len > 0);
		assert_true(pool.b[i].off <= pool.size &&
			    pool.size - pool.b[i].off >= pool.b[i].len);
		if (i > 0)
			assert_true(pool.b[i - 1].off + pool.b[i - 1].len <= pool.b[i].off);
	}
	for (uint32_t i = 0; i < sh.n; i++) {
		uint64_t o, l;
		assert_true(devbuf_find(&pool, sh.b[i].tag, &o, &l));
		assert_int_equal(o, sh.b[i].off);
		assert_int_equal(l, sh.b[i].len);
		assert_int_equal(o % sh.b[i].align, 0);
		used += l;
	}
	assert_int_equal(devbuf_used(&pool), used);
}

static void sh_init(uint64_t size)
{
	memset(&sh, 0, sizeof(sh));
	sh.size = size;
	devbuf_init(&pool, size);
}

static uint64_t random_len(void)
{
	switch (rnd(10)) {
	case 0:
		return rnd(3) == 0 ? 0 : sh.size + rnd(3);
	case 1:
		return 1 + rnd(sh.size);
	case 2:
	case 3:
		return 1 + rnd(16);
	default:
		return 1 + rnd(sh.size / 16 + 1);
	}
}

static uint64_t random_align(void)
{
	switch (rnd(12)) {
	case 0:
		return 0;
	case 1: {
		const uint64_t bad[] = {3, 6, 0x18, 0x1001, UINT64_MAX, sh.size * 2, sh.size + 1};
		return bad[rnd(sizeof(bad) / sizeof(bad[0]))];
	}
	case 2:
		return (uint64_t)1 << (rnd(3) + 63 - 2);
	default:
		return (uint64_t)1 << rnd(14);
	}
}

static void op_alloc(void)
{
	uint64_t len = random_len(), align = random_align(), want = 0, got = 0;
	uint32_t tag = next_tag++;
	bool ok = sh_alloc(len, align, &want);
	memcpy(&pool_before, &pool, sizeof(pool));
	assert_int_equal(devbuf_alloc(&pool, len, align, tag, &got), ok);
	if (!ok) {
		assert_memory_equal(&pool_before, &pool, sizeof(pool));
		return;
	}
	assert_int_equal(got, want);
	sh.b[sh.n].off = got;
	sh.b[sh.n].len = len;
	sh.b[sh.n].align = align == 0 ? 64 : align;
	sh.b[sh.n].tag = tag;
	sh.n++;
	stat_ok++;
}

static void op_free(void)
{
	if (sh.n == 0 || rnd(8) == 0) {
		/* A tag never given, or one already freed. */
		uint32_t tag = rnd(2) ? next_tag + 1 + (uint32_t)rnd(100) : (uint32_t)rnd(next_tag);
		for (uint32_t i = 0; i < sh.n; i++)
			if (sh.b[i].tag == tag)
				return;
		memcpy(&pool_before, &pool, sizeof(pool));
		assert_false(devbuf_free(&pool, tag));
		assert_memory_equal(&pool_before, &pool, sizeof(pool));
		return;
	}
	uint32_t i = (uint32_t)rnd(sh.n);
	assert_true(devbuf_free(&pool, sh.b[i].tag));
	sh.b[i] = sh.b[--sh.n];
	stat_freed++;
}

static void test_devbuf_random_against_shadow(void **state)
{
	const uint64_t sizes[] = {0x10000, 0x1000, 0x12345, 64, 0x100000, 100};
	(void)state;
	next_tag = 1;
	for (unsigned round = 0; round < 60; round++) {
		sh_init(sizes[round % (sizeof(sizes) / sizeof(sizes[0]))]);
		/* Some rounds fill up (mostly allocs), others churn. */
		unsigned bias = round % 3 == 0 ? 80 : 55;
		for (unsigned n = 0; n < 5000; n++) {
			if (rnd(100) < bias)
				op_alloc();
			else
				op_free();
			sh_check();
		}
	}
	assert_true(stat_ok > 10000);
	assert_true(stat_freed > 10000);
	assert_true(stat_full > 1000);
	assert_true(stat_noroom > 1000);
	assert_true(stat_bad > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_no_such_bar, setup),
	    cmocka_unit_test_setup(test_io_bar, setup),
	    cmocka_unit_test_setup(test_unassigned_bar, setup),
	    cmocka_unit_test_setup(test_len_zero, setup),
	    cmocka_unit_test_setup(test_overflow, setup),
	    cmocka_unit_test_setup(test_past_bar_end, setup),
	    cmocka_unit_test_setup(test_subpage, setup),
	    cmocka_unit_test_setup(test_msix_table_page, setup),
	    cmocka_unit_test_setup(test_msix_other_bar, setup),
	    cmocka_unit_test_setup(test_bar64, setup),
	    cmocka_unit_test_setup(test_outputs_unaligned, setup),
	    cmocka_unit_test_setup(test_grid_against_model, setup),
	    cmocka_unit_test(test_devbuf_init),
	    cmocka_unit_test(test_devbuf_align),
	    cmocka_unit_test(test_devbuf_first_fit),
	    cmocka_unit_test(test_devbuf_max),
	    cmocka_unit_test(test_devbuf_exact_fit),
	    cmocka_unit_test(test_devbuf_len),
	    cmocka_unit_test(test_devbuf_free_find),
	    cmocka_unit_test(test_devbuf_random_against_shadow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
