/* test_virtio_pci: the virtio capability walk over configuration-space images built
 * here: QEMU's modern virtio-blk layout (MSI-X first, then PCI cfg, notify, device, ISR
 * and common caps, all in BAR4), and hostile edits of it: loops, pointers into the
 * header, truncated caps, reserved BARs and types, overflowing or misaligned regions,
 * missing structures, a vanished function. Notify offsets, their bounds and overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/pci.h"
#include "lib/virtio/virtio_pci.h"

struct image {
	uint8_t b[PCI_CFG_SIZE];
	bool gone;
	unsigned reads, bad_reads;
};

static struct image img;

/* The reader: little-endian bytes of the image; records reads out of range or not
 * aligned to their width. */
static uint32_t img_rd(void *ctx, uint16_t off, uint8_t width)
{
	struct image *m = ctx;
	uint32_t v = 0;

	m->reads++;
	if ((width != 1 && width != 2 && width != 4) || off % width != 0 ||
	    off + width > PCI_CFG_SIZE) {
		m->bad_reads++;
		return 0xffffffffu;
	}
	if (m->gone)
		return 0xffffffffu;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)m->b[off + i] << (8 * i);
	return v;
}

static void put16(unsigned off, uint16_t v)
{
	img.b[off] = (uint8_t)v;
	img.b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(unsigned off, uint32_t v)
{
	put16(off, (uint16_t)v);
	put16(off + 2, (uint16_t)(v >> 16));
}

/* A virtio capability at off. */
static void vcap(unsigned off, unsigned next, unsigned len, unsigned type, unsigned bar,
		 uint32_t offset, uint32_t length)
{
	img.b[off + 0] = PCI_CAP_ID_VNDR;
	img.b[off + 1] = (uint8_t)next;
	img.b[off + 2] = (uint8_t)len;
	img.b[off + 3] = (uint8_t)type;
	img.b[off + 4] = (uint8_t)bar;
	put32(off + 8, offset);
	put32(off + 12, length);
}

/* QEMU's virtio-blk-pci (modern): capability list 0x98 (MSI-X) -> 0x84 (PCI cfg) ->
 * 0x70 (notify) -> 0x60 (device) -> 0x50 (ISR) -> 0x40 (common). */
static void qemu_blk(void)
{
	memset(&img, 0, sizeof(img));
	put16(PCI_VENDOR_ID, 0x1af4);
	put16(PCI_DEVICE_ID, 0x1042);
	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	img.b[PCI_REVISION_ID] = 1;
	put32(PCI_BAR(4), 0xfe000000 | 0xc); /* 64-bit prefetchable */
	img.b[PCI_CAP_PTR] = 0x98;
	img.b[0x98] = PCI_CAP_ID_MSIX;
	img.b[0x99] = 0x84;
	put16(0x9a, 1);		/* two vectors */
	put32(0x9c, 1);		/* table in BAR1 */
	put32(0xa0, 1 | 0x800); /* PBA in BAR1 */
	vcap(0x84, 0x70, 20, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0);
	vcap(0x70, 0x60, 20, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000);
	put32(0x70 + 16, 4);
	vcap(0x60, 0x50, 16, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000);
	vcap(0x50, 0x40, 16, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000);
	vcap(0x40, 0x00, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0000, 0x1000);
}

static enum virtio_pci_status walk(struct virtio_pci_caps *c)
{
	enum virtio_pci_status st = virtio_pci_find_caps(img_rd, &img, c);
	assert_int_equal(img.bad_reads, 0);
	return st;
}

static void test_qemu_blk(void **state)
{
	(void)state;
	struct virtio_pci_caps c;
	qemu_blk();
	assert_int_equal(walk(&c), VIRTIO_PCI_OK);
	assert_int_equal(c.found, 0x3e);
	assert_int_equal(c.walked, 6);
	assert_int_equal(c.rejected, 0);
	const struct {
		unsigned type, cap_off;
		uint32_t offset, length;
	} want[] = {
	    {VIRTIO_PCI_CAP_COMMON_CFG, 0x40, 0x0000, 0x1000},
	    {VIRTIO_PCI_CAP_NOTIFY_CFG, 0x70, 0x3000, 0x1000},
	    {VIRTIO_PCI_CAP_ISR_CFG, 0x50, 0x1000, 0x1000},
	    {VIRTIO_PCI_CAP_DEVICE_CFG, 0x60, 0x2000, 0x1000},
	};
	for (size_t i = 0; i < 4; i++) {
		const struct virtio_pci_region *r = &c.region[want[i].type];
		assert_int_equal(r->cap_off, want[i].cap_off);
		assert_int_equal(r->bar, 4);
		assert_int_equal(r->offset, want[i].offset);
		assert_int_equal(r->length, want[i].length);
		assert_true(virtio_pci_region_fits(r, 0x4000));
	}
	assert_int_equal(c.region[VIRTIO_PCI_CAP_NOTIFY_CFG].notify_mult, 4);
	assert_int_equal(c.region[VIRTIO_PCI_CAP_PCI_CFG].cap_off, 0x84);
	assert_false(virtio_pci_region_fits(&c.region[VIRTIO_PCI_CAP_NOTIFY_CFG], 0x3fff));
}

static void test_notify_offset(void **state)
{
	(void)state;
	struct virtio_pci_region n = {
	    .bar = 4, .offset = 0x3000, .length = 0x1000, .notify_mult = 4};
	uint32_t off = 0;

	assert_int_equal(virtio_notify_offset(&n, 0, &off), VIRTIO_PCI_OK);
	assert_int_equal(off, 0x3000);
	assert_int_equal(virtio_notify_offset(&n, 1, &off), VIRTIO_PCI_OK);
	assert_int_equal(off, 0x3004);
	assert_int_equal(virtio_notify_offset(&n, 1023, &off), VIRTIO_PCI_OK);
	assert_int_equal(off, 0x3ffc);
	off = 7;
	assert_int_equal(virtio_notify_offset(&n, 1024, &off), VIRTIO_PCI_E_RANGE);
	assert_int_equal(virtio_notify_offset(&n, 0xffff, &off), VIRTIO_PCI_E_RANGE);
	assert_int_equal(off, 7);
	/* The last 2 bytes exactly: length 6 holds queue 1 at +4..+5, not queue 2. */
	n.length = 6;
	assert_int_equal(virtio_notify_offset(&n, 1, &off), VIRTIO_PCI_OK);
	assert_int_equal(virtio_notify_offset(&n, 2, &off), VIRTIO_PCI_E_RANGE);
	/* Multiplier 0: one address for every queue. */
	n.notify_mult = 0;
	n.length = 2;
	assert_int_equal(virtio_notify_offset(&n, 0xffff, &off), VIRTIO_PCI_OK);
	assert_int_equal(off, 0x3000);
	/* A huge product neither wraps nor passes; an odd address is refused. */
	n.notify_mult = 0xffffffffu;
	n.length = 0xffffffffu - 0x3000;
	assert_int_equal(virtio_notify_offset(&n, 0xffff, &off), VIRTIO_PCI_E_RANGE);
	assert_int_equal(virtio_notify_offset(&n, 1, &off), VIRTIO_PCI_E_RANGE);
	n.notify_mult = 1;
	assert_int_equal(virtio_notify_offset(&n, 1, &off), VIRTIO_PCI_E_RANGE);
	assert_int_equal(virtio_notify_offset(&n, 2, &off), VIRTIO_PCI_OK);
	assert_int_equal(off, 0x3002);
}

static void test_list_errors(void **state)
{
	(void)state;
	struct virtio_pci_caps c;

	/* A loop back to the first capability, and a capability pointing at itself. */
	qemu_blk();
	img.b[0x41] = 0x98;
	assert_int_equal(walk(&c), VIRTIO_PCI_E_LIST);
	assert_int_equal(c.walked, 6);
	qemu_blk();
	img.b[0x61] = 0x60;
	assert_int_equal(walk(&c), VIRTIO_PCI_E_LIST);
	/* Pointers into the header: the first one, and one in the middle of the list. */
	qemu_blk();
	img.b[PCI_CAP_PTR] = 0x30;
	assert_int_equal(walk(&c), VIRTIO_PCI_E_LIST);
	assert_int_equal(c.walked, 0);
	qemu_blk();
	img.b[0x51] = 0x3c;
	assert_int_equal(walk(&c), VIRTIO_PCI_E_LIST);
	/* Reserved low bits are masked, not followed. */
	qemu_blk();
	img.b[PCI_CAP_PTR] = 0x9b;
	img.b[0x51] = 0x43;
	assert_int_equal(walk(&c), VIRTIO_PCI_OK);
	/* The longest list there can be: every dword slot once. */
	memset(&img, 0, sizeof(img));
	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	img.b[PCI_CAP_PTR] = 0x40;
	for (unsigned off = 0x40; off < 0x100; off += 4) {
		img.b[off] = PCI_CAP_ID_PM;
		img.b[off + 1] = (uint8_t)(off + 4 < 0x100 ? off + 4 : 0);
	}
	assert_int_equal(walk(&c), VIRTIO_PCI_E_MISSING);
	assert_int_equal(c.walked, VIRTIO_PCI_MAX_CAPS);
	img.b[0xfd] = 0x40;
	assert_int_equal(walk(&c), VIRTIO_PCI_E_LIST);
	/* No list, and a function that is gone (or goes during the walk). */
	qemu_blk();
	put16(PCI_STATUS, 0);
	assert_int_equal(walk(&c), VIRTIO_PCI_E_NO_CAPS);
	qemu_blk();
	img.gone = true;
	assert_int_equal(walk(&c), VIRTIO_PCI_E_GONE);
	qemu_blk();
	memset(&img.b[0x60], 0xff, 4);
	assert_int_equal(walk(&c), VIRTIO_PCI_E_GONE);
}

/* One edit of the QEMU layout that makes one structure invalid. */
struct bad_cap {
	const char *what;
	unsigned cap_off, field, width;
	uint32_t value;
	unsigned type;
};

static void test_bad_caps(void **state)
{
	(void)state;
	const struct bad_cap bad[] = {
	    {"common cap_len 12", 0x40, 2, 1, 12, VIRTIO_PCI_CAP_COMMON_CFG},
	    {"common cap_len 0", 0x40, 2, 1, 0, VIRTIO_PCI_CAP_COMMON_CFG},
	    {"notify cap_len 16", 0x70, 2, 1, 16, VIRTIO_PCI_CAP_NOTIFY_CFG},
	    {"isr cap_len past 0xff", 0x50, 2, 1, 0xb4, VIRTIO_PCI_CAP_ISR_CFG},
	    {"common bar 6", 0x40, 4, 1, 6, VIRTIO_PCI_CAP_COMMON_CFG},
	    {"notify bar 255", 0x70, 4, 1, 255, VIRTIO_PCI_CAP_NOTIFY_CFG},
	    {"common offset+length wraps", 0x40, 8, 4, 0xfffff000u, VIRTIO_PCI_CAP_COMMON_CFG},
	    {"isr offset+length wraps", 0x50, 8, 4, 0xffffff00u, VIRTIO_PCI_CAP_ISR_CFG},
	    {"common length 0x37", 0x40, 12, 4, 0x37, VIRTIO_PCI_CAP_COMMON_CFG},
	    {"common offset 2", 0x40, 8, 4, 2, VIRTIO_PCI_CAP_COMMON_CFG},
	    {"notify length 0", 0x70, 12, 4, 0, VIRTIO_PCI_CAP_NOTIFY_CFG},
	    {"notify length 1", 0x70, 12, 4, 1, VIRTIO_PCI_CAP_NOTIFY_CFG},
	    {"notify offset odd", 0x70, 8, 4, 0x3001, VIRTIO_PCI_CAP_NOTIFY_CFG},
	    {"isr length 0", 0x50, 12, 4, 0, VIRTIO_PCI_CAP_ISR_CFG},
	    {"device offset 2", 0x60, 8, 4, 0x2002, VIRTIO_PCI_CAP_DEVICE_CFG},
	    {"pci cfg cap_len 16", 0x84, 2, 1, 16, VIRTIO_PCI_CAP_PCI_CFG},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct virtio_pci_caps c;
		qemu_blk();
		if (bad[i].width == 1)
			img.b[bad[i].cap_off + bad[i].field] = (uint8_t)bad[i].value;
		else
			put32(bad[i].cap_off + bad[i].field, bad[i].value);
		bool required = (VIRTIO_PCI_REQUIRED & VIRTIO_PCI_FOUND(bad[i].type)) != 0;
		print_message("%s\n", bad[i].what);
		assert_int_equal(walk(&c), required ? VIRTIO_PCI_E_MISSING : VIRTIO_PCI_OK);
		assert_int_equal(c.rejected, 1);
		assert_int_equal(c.walked, 6);
		assert_int_equal(c.found, 0x3e & ~VIRTIO_PCI_FOUND(bad[i].type));
	}
}

static void test_choices(void **state)
{
	(void)state;
	struct virtio_pci_caps c;

	/* Missing common configuration: a legacy-only device, say. */
	qemu_blk();
	img.b[0x51] = 0;
	assert_int_equal(walk(&c), VIRTIO_PCI_E_MISSING);
	assert_int_equal(c.found & VIRTIO_PCI_FOUND(VIRTIO_PCI_CAP_COMMON_CFG), 0);
	assert_int_equal(c.rejected, 0);

	/* The first valid one of a type wins: a refused common before a good one, then a
	 * second good common that is ignored. The list: ... ISR -> 0x40 -> 0xb0 -> 0xc0. */
	qemu_blk();
	img.b[0x44] = 6; /* bar 6 */
	img.b[0x41] = 0xb0;
	vcap(0xb0, 0xc0, 16, VIRTIO_PCI_CAP_COMMON_CFG, 2, 0x100, 0x38);
	vcap(0xc0, 0x00, 16, VIRTIO_PCI_CAP_COMMON_CFG, 0, 0x200, 0x1000);
	assert_int_equal(walk(&c), VIRTIO_PCI_OK);
	assert_int_equal(c.rejected, 1);
	assert_int_equal(c.region[VIRTIO_PCI_CAP_COMMON_CFG].cap_off, 0xb0);
	assert_int_equal(c.region[VIRTIO_PCI_CAP_COMMON_CFG].bar, 2);
	assert_int_equal(c.region[VIRTIO_PCI_CAP_COMMON_CFG].offset, 0x100);

	/* A longer cap_len is accepted; reserved types and other capabilities are passed
	 * over without counting as refused. */
	qemu_blk();
	img.b[0x42] = 24;
	img.b[0x41] = 0xb0;
	vcap(0xb0, 0xc0, 16, VIRTIO_PCI_CAP_SHM_CFG, 4, 0, 0x1000);
	vcap(0xc0, 0xd0, 16, 0, 4, 0, 0x1000);
	vcap(0xd0, 0xe0, 16, 200, 4, 0, 0x1000);
	img.b[0xe0] = PCI_CAP_ID_EXP;
	img.b[0xe1] = 0;
	assert_int_equal(walk(&c), VIRTIO_PCI_OK);
	assert_int_equal(c.rejected, 0);
	assert_int_equal(c.walked, 10);
	assert_int_equal(c.found, 0x3e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qemu_blk),	cmocka_unit_test(test_notify_offset),
	    cmocka_unit_test(test_list_errors), cmocka_unit_test(test_bad_caps),
	    cmocka_unit_test(test_choices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
