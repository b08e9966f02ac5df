/* test_pci_fake: a fake PCI bus behind struct pci_cfg_ops, for the lib/pci tests and the
 * fuzz target. Header-only (static functions) so that each test program and the fuzz
 * target can include it without another translation unit.
 *
 * Model: each function has its config bytes; reads of an absent function, or of one
 * that has vanished (after `vanish_after` reads), return all-ones; bytes beyond the
 * function's own config length read 0. Writes honour a per-dword writable mask, except:
 * the status half of the command dword is RW1C, and a BAR register that is written
 * all-ones answers its `bar_rb` sizing value until written again (so a test can make a
 * BAR answer anything, consistent or not). The bus records every protocol violation the
 * code under test commits: misaligned or out-of-range offsets, and BAR writes while the
 * function's memory or I/O decode is on.
 */
#ifndef CAPOS_TEST_PCI_FAKE_H
#define CAPOS_TEST_PCI_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pci.h"
#include "lib/pci/pci_cfg.h"

#define FAKE_UNUSED __attribute__((unused))

struct fake_fn {
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint16_t cfg_len; /* 256 or 4096 */
	uint8_t cfg[PCI_CFG_SIZE_EXP];
	uint8_t orig[PCI_CFG_SIZE_EXP]; /* snapshot taken by fake_freeze */
	uint32_t wmask[PCI_CFG_SIZE_EXP / 4];
	uint32_t bar_rb[PCI_TYPE0_NBARS]; /* sizing readback of each BAR register */
	bool bar_sizing[PCI_TYPE0_NBARS]; /* last write to the BAR was all-ones */
	long vanish_after;		  /* reads answered before vanishing; -1: never */
	long reads;
	bool gone;
};

struct fake_bus {
	struct fake_fn *fns;
	size_t n, cap;
	uint16_t size; /* config size of the access method */
	unsigned bad_offset;
	unsigned bar_write_decoding;
	unsigned reads, writes;
};

static FAKE_UNUSED struct fake_bus *fake_new(size_t cap, uint16_t size)
{
	struct fake_bus *b = calloc(1, sizeof(*b));
	b->fns = calloc(cap, sizeof(*b->fns));
	b->cap = cap;
	b->size = size;
	return b;
}

static FAKE_UNUSED void fake_free(struct fake_bus *b)
{
	if (b != NULL)
		free(b->fns);
	free(b);
}

static FAKE_UNUSED struct fake_fn *fake_find(struct fake_bus *b, uint16_t seg, uint8_t bus,
					     uint8_t dev, uint8_t fn)
{
	for (size_t i = 0; i < b->n; i++) {
		struct fake_fn *f = &b->fns[i];
		if (f->seg == seg && f->bus == bus && f->dev == dev && f->fn == fn)
			return f;
	}
	return NULL;
}

static FAKE_UNUSED uint32_t fake_get32(const uint8_t *cfg, unsigned off)
{
	return (uint32_t)cfg[off] | (uint32_t)cfg[off + 1] << 8 | (uint32_t)cfg[off + 2] << 16 |
	       (uint32_t)cfg[off + 3] << 24;
}

static FAKE_UNUSED void fake_put32(uint8_t *cfg, unsigned off, uint32_t v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
	cfg[off + 2] = (uint8_t)(v >> 16);
	cfg[off + 3] = (uint8_t)(v >> 24);
}

static FAKE_UNUSED void fake_set8(struct fake_fn *f, unsigned off, uint8_t v)
{
	f->cfg[off] = v;
}

static FAKE_UNUSED void fake_set16(struct fake_fn *f, unsigned off, uint16_t v)
{
	f->cfg[off] = (uint8_t)v;
	f->cfg[off + 1] = (uint8_t)(v >> 8);
}

static FAKE_UNUSED void fake_set32(struct fake_fn *f, unsigned off, uint32_t v)
{
	fake_put32(f->cfg, off, v);
}

/* Number of BAR registers of the function's header type. */
static FAKE_UNUSED unsigned fake_nbars(const struct fake_fn *f)
{
	uint8_t type = f->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK;
	return type == 0 ? PCI_TYPE0_NBARS : type == 1 ? PCI_TYPE1_NBARS : 0;
}

/* Adds a function with the given IDs, class (24 bits) and header type byte; decode on
 * (memory and I/O), command bits 0..10 writable. */
static FAKE_UNUSED struct fake_fn *fake_add(struct fake_bus *b, uint16_t seg, uint8_t bus,
					    uint8_t dev, uint8_t fn, uint16_t vendor,
					    uint16_t device, uint32_t class24, uint8_t hdr)
{
	if (b->n >= b->cap)
		abort();
	struct fake_fn *f = &b->fns[b->n++];
	memset(f, 0, sizeof(*f));
	f->seg = seg;
	f->bus = bus;
	f->dev = dev;
	f->fn = fn;
	f->cfg_len = PCI_CFG_SIZE;
	f->vanish_after = -1;
	fake_set16(f, PCI_VENDOR_ID, vendor);
	fake_set16(f, PCI_DEVICE_ID, device);
	fake_set32(f, PCI_REVISION_ID, class24 << 8 | 0x01);
	fake_set8(f, PCI_HEADER_TYPE, hdr);
	fake_set16(f, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	f->wmask[PCI_COMMAND / 4] = 0x07ff;
	return f;
}

/* A PCI-to-PCI bridge with the given bus numbers. */
static FAKE_UNUSED struct fake_fn *fake_add_bridge(struct fake_bus *b, uint16_t seg, uint8_t bus,
						   uint8_t dev, uint8_t fn, uint8_t sec,
						   uint8_t sub)
{
	struct fake_fn *f = fake_add(b, seg, bus, dev, fn, 0x8086, 0x1234, 0x060400, 0x01);
	fake_set8(f, PCI_BR_PRIMARY_BUS, bus);
	fake_set8(f, PCI_BR_SECONDARY_BUS, sec);
	fake_set8(f, PCI_BR_SUBORDINATE_BUS, sub);
	return f;
}

/* Sets BAR `idx` to `value` (type bits included) and answers sizing with the mask of a
 * `size`-byte region (both halves for a 64-bit BAR). size 0: not implemented. */
static FAKE_UNUSED void fake_bar(struct fake_fn *f, unsigned idx, uint64_t value, uint64_t size)
{
	uint64_t mask = size ? ~(size - 1) : 0;

	fake_set32(f, PCI_BAR(idx), (uint32_t)value);
	if (value & PCI_BAR_SPACE_IO) {
		f->bar_rb[idx] = size ? (((uint32_t)mask & PCI_BAR_IO_ADDR_MASK) |
					 ((uint32_t)value & PCI_BAR_IO_FLAGS_MASK))
				      : 0;
		return;
	}
	f->bar_rb[idx] = size ? (((uint32_t)mask & PCI_BAR_MEM_ADDR_MASK) |
				 ((uint32_t)value & PCI_BAR_MEM_FLAGS_MASK))
			      : 0;
	if (((value & PCI_BAR_MEM_TYPE_MASK) >> PCI_BAR_MEM_TYPE_SHIFT) == PCI_BAR_MEM_TYPE_64 &&
	    idx + 1 < fake_nbars(f)) {
		fake_set32(f, PCI_BAR(idx + 1), (uint32_t)(value >> 32));
		f->bar_rb[idx + 1] = size ? (uint32_t)(mask >> 32) : 0;
	}
}

/* Writes a capability header (ID, next, 16-bit register) at off. */
static FAKE_UNUSED void fake_cap(struct fake_fn *f, unsigned off, uint8_t id, uint8_t next,
				 uint16_t reg)
{
	fake_set32(f, off, (uint32_t)id | (uint32_t)next << 8 | (uint32_t)reg << 16);
}

/* Points the capability pointer at `first` and sets the status bit saying it is valid. */
static FAKE_UNUSED void fake_caps_start(struct fake_fn *f, uint8_t first)
{
	fake_set8(f, PCI_CAP_PTR, first);
	fake_set16(f, PCI_STATUS, (uint16_t)(f->cfg[PCI_STATUS] | PCI_STATUS_CAP_LIST));
}

/* Writes an extended capability header at off. */
static FAKE_UNUSED void fake_ecap(struct fake_fn *f, unsigned off, uint16_t id, uint8_t ver,
				  uint16_t next)
{
	fake_set32(f, off, (uint32_t)id | (uint32_t)ver << 16 | (uint32_t)next << 20);
}

/* Snapshots every function's config so fake_changed can tell what enumeration left. */
static FAKE_UNUSED void fake_freeze(struct fake_bus *b)
{
	for (size_t i = 0; i < b->n; i++)
		memcpy(b->fns[i].orig, b->fns[i].cfg, sizeof(b->fns[i].cfg));
}

/* Does f's config differ from the snapshot (or is a BAR left in its sizing state)? */
static FAKE_UNUSED bool fake_fn_changed(const struct fake_fn *f)
{
	/* A BAR still answering its sizing value is changed, unless it held all-ones to
	 * begin with (then the restore write was itself an all-ones write). */
	for (unsigned i = 0; i < PCI_TYPE0_NBARS; i++)
		if (f->bar_sizing[i] && fake_get32(f->cfg, PCI_BAR(i)) != 0xffffffffu)
			return true;
	return memcmp(f->orig, f->cfg, sizeof(f->cfg)) != 0;
}

/* Number of functions whose config differs from the snapshot. */
static FAKE_UNUSED unsigned fake_changed(const struct fake_bus *b)
{
	unsigned n = 0;
	for (size_t i = 0; i < b->n; i++)
		n += fake_fn_changed(&b->fns[i]);
	return n;
}

/* BAR register index of off for f, or -1. */
static FAKE_UNUSED int fake_bar_index(const struct fake_fn *f, unsigned off)
{
	if (off < PCI_BAR(0) || off >= PCI_BAR(fake_nbars(f)))
		return -1;
	return (int)((off - PCI_BAR(0)) / 4);
}

static FAKE_UNUSED uint32_t fake_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev,
					uint8_t fn, uint16_t off)
{
	struct fake_bus *b = ctx;
	struct fake_fn *f = fake_find(b, seg, bus, dev, fn);

	b->reads++;
	if ((off & 3) != 0 || off >= b->size) {
		b->bad_offset++;
		return 0xffffffffu;
	}
	if (f == NULL || f->gone)
		return 0xffffffffu;
	if (f->vanish_after >= 0 && f->reads++ >= f->vanish_after) {
		f->gone = true;
		return 0xffffffffu;
	}
	if (off >= f->cfg_len)
		return 0;
	int bar = fake_bar_index(f, off);
	if (bar >= 0 && f->bar_sizing[bar])
		return f->bar_rb[bar];
	return fake_get32(f->cfg, off);
}

static FAKE_UNUSED void fake_write32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
				     uint16_t off, uint32_t val)
{
	struct fake_bus *b = ctx;
	struct fake_fn *f = fake_find(b, seg, bus, dev, fn);

	b->writes++;
	if ((off & 3) != 0 || off >= b->size) {
		b->bad_offset++;
		return;
	}
	if (f == NULL || f->gone || off >= f->cfg_len)
		return;
	int bar = fake_bar_index(f, off);
	if (bar >= 0) {
		if (f->cfg[PCI_COMMAND] & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
			b->bar_write_decoding++;
		f->bar_sizing[bar] = val == 0xffffffffu;
		if (!f->bar_sizing[bar])
			fake_put32(f->cfg, off, val);
		return;
	}
	uint32_t old = fake_get32(f->cfg, off);
	uint32_t w = f->wmask[off / 4];
	uint32_t v = (old & ~w) | (val & w);
	if (off == PCI_COMMAND) /* status: RW1C (PCI 3.0 §6.2.3) */
		v &= ~((val & ((uint32_t)PCI_STATUS_RW1C_MASK << 16)));
	fake_put32(f->cfg, off, v);
}

static FAKE_UNUSED const struct pci_cfg_ops fake_ops = {fake_read32, fake_write32};

static FAKE_UNUSED struct pci_cfg fake_cfg(struct fake_bus *b)
{
	struct pci_cfg c = {&fake_ops, b, b->size};
	return c;
}

/* cmocka helpers, for the host tests only (cmocka.h defines cmocka_unit_test). */
#ifdef cmocka_unit_test
#include "hooks_host.h"
#include "lib/pci/pci_enum.h"
#include "lib/pci/pci_print.h"

/* The result of the last fake_run (static: about 100 KiB). */
static FAKE_UNUSED struct pci_table fake_table;

/* Enumerates b and checks the access protocol; `restored`: every function's config
 * must be as it was before (false for tests where functions vanish). */
static FAKE_UNUSED void fake_run(struct fake_bus *b, const struct pci_root *roots, size_t nroots,
				 enum pci_status want, bool restored)
{
	struct pci_cfg cfg = fake_cfg(b);

	fake_freeze(b);
	hooks_log_reset();
	b->reads = b->writes = 0;
	assert_int_equal(pci_enumerate(&cfg, roots, nroots, &fake_table), want);
	assert_int_equal(b->bad_offset, 0);
	assert_int_equal(b->bar_write_decoding, 0);
	assert_int_equal(fake_table.stats.cfg_reads, b->reads);
	assert_int_equal(fake_table.stats.cfg_writes, b->writes);
	if (restored)
		assert_int_equal(fake_changed(b), 0);
	for (size_t i = 1; i < fake_table.count; i++) {
		const struct pci_fn *p = &fake_table.fn[i - 1], *q = &fake_table.fn[i];
		uint64_t kp = (uint64_t)p->seg << 16 | p->bus << 8 | p->dev << 3 | p->fn;
		uint64_t kq = (uint64_t)q->seg << 16 | q->bus << 8 | q->dev << 3 | q->fn;
		assert_true(kp < kq);
	}
}

/* The `pci` line of a function in fake_table, or "absent". */
static FAKE_UNUSED const char *fake_line(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	static char buf[PCI_LINE_MAX];
	const struct pci_fn *e = pci_table_find(&fake_table, seg, bus, dev, fn);

	if (e == NULL)
		return "absent";
	assert_true(pci_format_fn(e, buf, sizeof(buf)) < sizeof(buf));
	return buf;
}

static FAKE_UNUSED struct fake_fn *fake_add_endpoint(struct fake_bus *b, uint8_t bus, uint8_t dev,
						     uint8_t fn, uint8_t hdr)
{
	return fake_add(b, 0, bus, dev, fn, 0x1af4, 0x1000, 0x020000, hdr);
}

/* A PCIe endpoint: PM, PCIe, MSI-X; AER and DSN extended capabilities; a 64-bit
 * prefetchable BAR above 4 GiB holding the MSI-X table and PBA. */
static FAKE_UNUSED struct fake_fn *fake_add_pcie_endpoint(struct fake_bus *b, uint8_t bus,
							  uint8_t dev)
{
	struct fake_fn *f = fake_add(b, 0, bus, dev, 0, 0x1af4, 0x1042, 0x010000, 0);

	f->cfg_len = PCI_CFG_SIZE_EXP;
	fake_bar(f, 0, 0x800000000ull | 0xc, 0x4000);
	fake_caps_start(f, 0x40);
	fake_cap(f, 0x40, PCI_CAP_ID_PM, 0x50, 0x0003);
	fake_cap(f, 0x50, PCI_CAP_ID_EXP, 0x70, PCI_EXP_TYPE_ENDPOINT << 4 | 2);
	fake_cap(f, 0x70, PCI_CAP_ID_MSIX, 0x00, 3);
	fake_set32(f, 0x74, 0x2000 | 0);
	fake_set32(f, 0x78, 0x3000 | 0);
	fake_ecap(f, 0x100, PCI_ECAP_ID_AER, 2, 0x148);
	fake_ecap(f, 0x148, PCI_ECAP_ID_DSN, 1, 0);
	fake_set8(f, PCI_INTERRUPT_PIN, 1);
	return f;
}

#endif

#endif
