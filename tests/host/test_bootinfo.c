/* test_bootinfo: PVH start info and Multiboot2 information parsing, over fake physical
 * memory built by the test. Every map() call returns a fresh heap copy of exactly the
 * bytes asked for (freed when the parse returns), so ASan catches a read past what the
 * parser mapped, and a use of loader memory after the parse. Ends with a seeded random
 * corruption run over a valid Multiboot2 blob. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/multiboot2.h"
#include "hw/pvh.h"
#include "lib/bootinfo.h"

/* Fake physical memory: [MEM_BASE, MEM_BASE + MEM_SIZE). */
#define MEM_BASE  0x100000ull
#define MEM_SIZE  0x80000ull
#define MEM_END	  (MEM_BASE + MEM_SIZE)
#define INFO_PHYS (MEM_BASE + 0x1000)
#define CMD_PHYS  (MEM_BASE + 0x2000)
#define MAP_PHYS  (MEM_BASE + 0x4000)

static uint8_t *mem;
static void **copies; /* what map() handed out during the current parse */
static size_t ncopies, capcopies;
static size_t nmaps;

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	nmaps++;
	if (phys < MEM_BASE || phys >= MEM_END || len > MEM_END - phys)
		return NULL;
	if (ncopies == capcopies) {
		capcopies = capcopies ? 2 * capcopies : 64;
		copies = realloc(copies, capcopies * sizeof(*copies));
		assert_non_null(copies);
	}
	void *c = malloc(len ? len : 1);
	assert_non_null(c);
	memcpy(c, mem + (phys - MEM_BASE), len);
	copies[ncopies++] = c;
	return c;
}

static void fake_release(void)
{
	for (size_t i = 0; i < ncopies; i++)
		free(copies[i]);
	ncopies = 0;
}

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, MEM_SIZE);
	return mem == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_release();
	free(copies);
	copies = NULL;
	capcopies = 0;
	free(mem);
	mem = NULL;
	return 0;
}

static void put(uint64_t phys, const void *p, size_t n)
{
	assert_true(phys >= MEM_BASE && phys + n <= MEM_END);
	memcpy(mem + (phys - MEM_BASE), p, n);
}

static struct boot_info bi;
static char err[256];

/* Checks what holds after every parse, whatever its outcome. */
static void check_out(enum boot_status st)
{
	assert_true(st >= BOOT_OK && st <= BOOT_ERR_CMDLINE_LONG);
	assert_true(bi.cmdline_len <= CMDLINE_MAX);
	if (strlen(bi.cmdline) != bi.cmdline_len)
		fail_msg("cmdline \"%.40s\" has %zu bytes but cmdline_len is %zu (status %d)",
			 bi.cmdline, strlen(bi.cmdline), bi.cmdline_len, st);
	assert_true(bi.nmem <= MEMMAP_MAX);
	assert_true(bi.rsdp_copy_len <= BOOTINFO_RSDP_MAX);
	assert_true(strlen(err) < sizeof(err));
	if (st != BOOT_OK) {
		assert_true(strlen(err) > 0);
		return;
	}
	assert_string_equal(err, "");
	assert_true(bi.proto == BOOT_PROTO_PVH || bi.proto == BOOT_PROTO_MB2);
	assert_non_null(bi.memmap_source);
	assert_true(bi.nmem > 0);
	assert_true(memmap_usable_bytes(bi.mem, bi.nmem) > 0);
	for (size_t i = 0; i < bi.nmem; i++) {
		assert_true(bi.mem[i].len > 0);
		assert_true(bi.mem[i].base + bi.mem[i].len > bi.mem[i].base);
		if (i > 0)
			assert_true(bi.mem[i].base >= bi.mem[i - 1].base + bi.mem[i - 1].len);
	}
}

static enum boot_status parse(uint32_t magic, uint64_t phys)
{
	memset(err, 0x5a, sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	enum boot_status st = bootinfo_parse(magic, phys, fake_map, NULL, &bi, err, sizeof(err));
	fake_release();
	check_out(st);
	return st;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void expect_region(size_t i, uint64_t base, uint64_t len, uint32_t type)
{
	assert_true(i < bi.nmem);
	assert_int_equal(bi.mem[i].base, base);
	assert_int_equal(bi.mem[i].len, len);
	assert_int_equal(bi.mem[i].type, type);
}

/* --- PVH --- */

struct region {
	uint64_t base, len;
	uint32_t type;
};

/* A QEMU-like map, out of order. */
static const struct region qemu_map[] = {
    {0x100000, 0x7ee0000, 1}, {0x0, 0x9fc00, 1},       {0x9fc00, 0x400, 2},
    {0xf0000, 0x10000, 2},    {0x7fe0000, 0x20000, 2}, {0xfffc0000, 0x40000, 2},
};
#define QEMU_N (sizeof(qemu_map) / sizeof(qemu_map[0]))

static void pvh_put_map(uint64_t phys, const struct region *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct hvm_memmap_table_entry e = {r[i].base, r[i].len, r[i].type, 0};
		put(phys + i * sizeof(e), &e, sizeof(e));
	}
}

static void pvh_put_info(uint64_t phys, uint32_t version, uint64_t cmd, uint64_t map, uint32_t nmap,
			 uint64_t rsdp)
{
	struct hvm_start_info si = {PVH_START_MAGIC, version, 0, 0, 0, cmd, rsdp, map, nmap, 0};
	put(phys, &si, version >= 1 ? sizeof(si) : PVH_START_INFO_V0_SIZE);
}

static void put_str(uint64_t phys, const char *s)
{
	put(phys, s, strlen(s) + 1);
}

static void test_pvh_v1_valid(void **state)
{
	(void)state;
	put_str(CMD_PHYS, "console=ttyS0 poweroff");
	pvh_put_map(MAP_PHYS, qemu_map, QEMU_N);
	pvh_put_info(INFO_PHYS, 1, CMD_PHYS, MAP_PHYS, QEMU_N, 0xf5a40);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_OK);
	assert_int_equal(bi.proto, BOOT_PROTO_PVH);
	assert_string_equal(bi.cmdline, "console=ttyS0 poweroff");
	assert_int_equal(bi.cmdline_len, 22);
	assert_string_equal(bi.memmap_source, "pvh");
	assert_int_equal(bi.rsdp_phys, 0xf5a40);
	assert_int_equal(bi.rsdp_copy_len, 0);
	assert_int_equal(bi.nmem, 6);
	expect_region(0, 0x0, 0x9fc00, MEM_USABLE);
	expect_region(1, 0x9fc00, 0x400, MEM_RESERVED);
	expect_region(2, 0xf0000, 0x10000, MEM_RESERVED);
	expect_region(3, 0x100000, 0x7ee0000, MEM_USABLE);
	expect_region(4, 0x7fe0000, 0x20000, MEM_RESERVED);
	expect_region(5, 0xfffc0000, 0x40000, MEM_RESERVED);
}

/* E820 types: 1 usable, 3 ACPI, 4 NVS, 5 bad; anything else reserved. Adjacent
 * entries of one type merge. */
static void test_pvh_types_and_merge(void **state)
{
	(void)state;
	const struct region r[] = {
	    {0x0, 0x1000, 1},	 {0x1000, 0x1000, 1},  {0x3000, 0x1000, 3},
	    {0x5000, 0x1000, 4}, {0x7000, 0x1000, 5},  {0x9000, 0x1000, 7},
	    {0xb000, 0x1000, 0}, {0xd000, 0x1000, 12}, {0xf000, 0, 2},
	};
	pvh_put_map(MAP_PHYS, r, 9);
	pvh_put_info(INFO_PHYS, 1, 0, MAP_PHYS, 9, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_OK);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.rsdp_phys, 0);
	assert_int_equal(bi.nmem, 7);
	expect_region(0, 0x0, 0x2000, MEM_USABLE);
	expect_region(1, 0x3000, 0x1000, MEM_ACPI_RECLAIM);
	expect_region(2, 0x5000, 0x1000, MEM_ACPI_NVS);
	expect_region(3, 0x7000, 0x1000, MEM_BAD);
	expect_region(4, 0x9000, 0x1000, MEM_RESERVED);
	expect_region(5, 0xb000, 0x1000, MEM_RESERVED);
	expect_region(6, 0xd000, 0x1000, MEM_RESERVED);
}

/* Version 0 has no memory map fields: only its 40 bytes are read (the start info sits
 * at the very end of memory), the command line is still copied, and the parse fails. */
static void test_pvh_v0_no_memmap(void **state)
{
	(void)state;
	uint64_t at = MEM_END - PVH_START_INFO_V0_SIZE;

	put_str(CMD_PHYS, "poweroff");
	pvh_put_info(at, 0, CMD_PHYS, 0, 0, 0xe0000);
	assert_int_equal(parse(PVH_START_MAGIC, at), BOOT_ERR_NO_MEMMAP);
	assert_true(starts_with(err, "no memory map "));
	assert_string_equal(err, "no memory map (PVH start info v0)");
	assert_int_equal(bi.proto, BOOT_PROTO_PVH);
	assert_string_equal(bi.cmdline, "poweroff");
	assert_int_equal(bi.rsdp_phys, 0xe0000);
}

static void test_pvh_v1_empty_memmap(void **state)
{
	(void)state;
	pvh_put_map(MAP_PHYS, qemu_map, QEMU_N);
	pvh_put_info(INFO_PHYS, 1, 0, MAP_PHYS, 0, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_NO_MEMMAP);
	assert_true(starts_with(err, "no memory map "));
	pvh_put_info(INFO_PHYS, 1, 0, 0, QEMU_N, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_NO_MEMMAP);
	assert_true(starts_with(err, "no memory map "));
}

/* A version 1 start info whose second half cannot be read. */
static void test_pvh_v1_truncated(void **state)
{
	(void)state;
	uint64_t at = MEM_END - PVH_START_INFO_V0_SIZE;
	struct hvm_start_info si = {PVH_START_MAGIC, 1, 0, 0, 0, 0, 0, 0, 0, 0};

	put(at, &si, PVH_START_INFO_V0_SIZE);
	assert_int_equal(parse(PVH_START_MAGIC, at), BOOT_ERR_INFO);
	assert_non_null(strstr(err, "unreadable"));
}

static void test_pvh_bad_magic(void **state)
{
	(void)state;
	pvh_put_map(MAP_PHYS, qemu_map, QEMU_N);
	pvh_put_info(INFO_PHYS, 1, 0, MAP_PHYS, QEMU_N, 0);
	uint32_t bad = PVH_START_MAGIC ^ 1;
	put(INFO_PHYS, &bad, 4);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_INFO);
	assert_string_equal(err, "PVH start info at 0x101000 unreadable or bad magic");
	/* The start info pointer itself outside memory. */
	assert_int_equal(parse(PVH_START_MAGIC, 0x1000), BOOT_ERR_INFO);
	assert_int_equal(parse(PVH_START_MAGIC, MEM_END - 8), BOOT_ERR_INFO);
	assert_int_equal(parse(PVH_START_MAGIC, UINT64_MAX - 8), BOOT_ERR_INFO);
}

static void test_pvh_memmap_count(void **state)
{
	(void)state;
	struct region r[MEMMAP_MAX + 1];

	for (size_t i = 0; i <= MEMMAP_MAX; i++)
		r[i] = (struct region){i * 0x2000, 0x1000, 1};
	pvh_put_map(MAP_PHYS, r, MEMMAP_MAX + 1);
	pvh_put_info(INFO_PHYS, 1, 0, MAP_PHYS, MEMMAP_MAX + 1, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_MEMMAP);
	assert_string_equal(err, "memory map has 129 entries, at most 128 supported");
	pvh_put_info(INFO_PHYS, 1, 0, MAP_PHYS, UINT32_MAX, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_MEMMAP);
	/* Exactly MEMMAP_MAX is fine. */
	pvh_put_info(INFO_PHYS, 1, 0, MAP_PHYS, MEMMAP_MAX, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_OK);
	assert_int_equal(bi.nmem, MEMMAP_MAX);
	expect_region(MEMMAP_MAX - 1, (MEMMAP_MAX - 1) * 0x2000, 0x1000, MEM_USABLE);
}

static void test_pvh_memmap_unreadable(void **state)
{
	(void)state;
	pvh_put_info(INFO_PHYS, 1, 0, 0x2000, 4, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_INFO);
	assert_string_equal(err, "memory map at 0x2000 unreadable");
	/* Starts inside memory, runs past its end. */
	uint64_t at = MEM_END - 2 * sizeof(struct hvm_memmap_table_entry);
	pvh_put_map(at, qemu_map, 2);
	pvh_put_info(INFO_PHYS, 1, 0, at, 3, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_INFO);
	pvh_put_info(INFO_PHYS, 1, 0, at, 2, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_OK);
}

/* A command line of n 'a's at phys, terminated unless told otherwise. */
static void put_long_cmdline(uint64_t phys, size_t n, bool terminate)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, 'a', n);
	s[n] = '\0';
	put(phys, s, n + (terminate ? 1 : 0));
	free(s);
}

static void test_pvh_cmdline_limit(void **state)
{
	(void)state;
	pvh_put_map(MAP_PHYS, qemu_map, QEMU_N);
	pvh_put_info(INFO_PHYS, 1, CMD_PHYS, MAP_PHYS, QEMU_N, 0);

	put_long_cmdline(CMD_PHYS, CMDLINE_MAX, true);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_OK);
	assert_int_equal(bi.cmdline_len, CMDLINE_MAX);

	put_long_cmdline(CMD_PHYS, CMDLINE_MAX + 1, true);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_CMDLINE_LONG);
	assert_string_equal(err, "command line too long (more than 1023 bytes)");
	assert_int_equal(bi.cmdline_len, CMDLINE_MAX);
	for (size_t i = 0; i < CMDLINE_MAX; i++)
		assert_int_equal(bi.cmdline[i], 'a');
	assert_int_equal(bi.cmdline[CMDLINE_MAX], '\0');

	/* Much longer: the same, and the memory map is never looked at. */
	put_long_cmdline(CMD_PHYS, 5000, true);
	pvh_put_info(INFO_PHYS, 1, CMD_PHYS, 0, 0, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_CMDLINE_LONG);
	assert_int_equal(bi.cmdline_len, CMDLINE_MAX);
}

/* The limit is found without reading past byte CMDLINE_MAX: a 1024-byte line with no
 * terminator that ends exactly at the end of memory is "too long", not "unreadable". */
static void test_pvh_cmdline_at_end_of_memory(void **state)
{
	(void)state;
	pvh_put_map(MAP_PHYS, qemu_map, QEMU_N);

	put_long_cmdline(MEM_END - (CMDLINE_MAX + 1), CMDLINE_MAX + 1, false);
	pvh_put_info(INFO_PHYS, 1, MEM_END - (CMDLINE_MAX + 1), MAP_PHYS, QEMU_N, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_CMDLINE_LONG);

	/* 1023 bytes and the terminator exactly fill the end of memory. */
	put_long_cmdline(MEM_END - (CMDLINE_MAX + 1), CMDLINE_MAX, true);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_OK);
	assert_int_equal(bi.cmdline_len, CMDLINE_MAX);

	/* Unterminated and running off the end. */
	put(MEM_END - 5, "abcde", 5);
	pvh_put_info(INFO_PHYS, 1, MEM_END - 5, MAP_PHYS, QEMU_N, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_INFO);
	assert_non_null(strstr(err, "command line"));
	/* What was read is kept, and cmdline_len agrees with it (checked by parse). */
	assert_string_equal(bi.cmdline, "abcde");
	assert_int_equal(bi.cmdline_len, 5);
}

static void test_pvh_cmdline_outside(void **state)
{
	(void)state;
	pvh_put_map(MAP_PHYS, qemu_map, QEMU_N);
	pvh_put_info(INFO_PHYS, 1, 0x1000, MAP_PHYS, QEMU_N, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_INFO);
	assert_string_equal(err, "command line at 0x1000 unreadable");
	pvh_put_info(INFO_PHYS, 1, UINT64_MAX, MAP_PHYS, QEMU_N, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_INFO);
	assert_non_null(strstr(err, "command line"));
}

static void test_pvh_overlap_and_wrap(void **state)
{
	(void)state;
	const struct region overlap[] = {{0x0, 0x100000, 1}, {0x80000, 0x1000, 2}};
	pvh_put_map(MAP_PHYS, overlap, 2);
	pvh_put_info(INFO_PHYS, 1, 0, MAP_PHYS, 2, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_MEMMAP);
	assert_true(starts_with(err, "memory map regions overlap"));
	assert_string_equal(err, "memory map regions overlap: [0x0-0x100000) usable and "
				 "[0x80000-0x81000) reserved");

	const struct region wrap[] = {{0x0, 0x100000, 1}, {0xfffffffffffff000, 0x2000, 2}};
	pvh_put_map(MAP_PHYS, wrap, 2);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_MEMMAP);
	assert_non_null(strstr(err, "wraps"));
}

static void test_pvh_no_usable(void **state)
{
	(void)state;
	const struct region r[] = {{0x0, 0x100000, 2}, {0x100000, 0x1000, 3}, {0x200000, 0, 1}};
	pvh_put_map(MAP_PHYS, r, 3);
	pvh_put_info(INFO_PHYS, 1, 0, MAP_PHYS, 3, 0);
	assert_int_equal(parse(PVH_START_MAGIC, INFO_PHYS), BOOT_ERR_NO_MEMMAP);
	assert_string_equal(err, "memory map has no usable memory");
}

/* --- Multiboot2 --- */

#define MB2B_MAX (BOOTINFO_MB2_MAX_SIZE + 64)

/* A Multiboot2 information structure under construction. */
static struct mb2b {
	uint8_t b[MB2B_MAX];
	uint32_t n;
} mb;

static void mb_begin(void)
{
	memset(mb.b, 0, sizeof(mb.b));
	mb.n = sizeof(struct mb2_info_header);
}

static void mb_bytes(const void *p, size_t n)
{
	assert_true(mb.n + n <= MB2B_MAX);
	memcpy(mb.b + mb.n, p, n);
	mb.n += (uint32_t)n;
}

static void mb_u32(uint32_t v)
{
	mb_bytes(&v, 4);
}

static void mb_pad(void)
{
	while (mb.n % MB2_TAG_ALIGN)
		mb.b[mb.n++] = 0;
}

/* A tag with size 8 + len, then padding to 8. */
static void mb_tag(uint32_t type, const void *payload, size_t len)
{
	mb_u32(type);
	mb_u32((uint32_t)(8 + len));
	mb_bytes(payload, len);
	mb_pad();
}

static void mb_cmdline(const char *s)
{
	mb_tag(MB2_TAG_CMDLINE, s, strlen(s) + 1);
}

/* A memory map tag with entries of entry_size bytes (the first 24 meaningful). */
static void mb_mmap(uint32_t entry_size, const struct region *r, size_t n)
{
	mb_u32(MB2_TAG_MMAP);
	mb_u32((uint32_t)(16 + n * entry_size));
	mb_u32(entry_size);
	mb_u32(0);
	for (size_t i = 0; i < n; i++) {
		uint8_t e[64] = {0};
		struct mb2_mmap_entry m = {r[i].base, r[i].len, r[i].type, 0};
		memcpy(e, &m, sizeof(m) < entry_size ? sizeof(m) : entry_size);
		mb_bytes(e, entry_size);
	}
	mb_pad();
}

struct efi_region {
	uint32_t type;
	uint64_t start, pages;
};

static void mb_efi(uint32_t descr_size, const struct efi_region *r, size_t n)
{
	mb_u32(MB2_TAG_EFI_MMAP);
	mb_u32((uint32_t)(16 + n * descr_size));
	mb_u32(descr_size);
	mb_u32(1);
	for (size_t i = 0; i < n; i++) {
		uint8_t e[64];
		memset(e, 0xee, sizeof(e));
		struct efi_memory_descriptor d = {r[i].type, 0, r[i].start, 0, r[i].pages, 0xf};
		memcpy(e, &d, sizeof(d) < descr_size ? sizeof(d) : descr_size);
		mb_bytes(e, descr_size);
	}
	mb_pad();
}

/* Ends with an end tag and sets total_size. */
static void mb_finish(void)
{
	mb_u32(MB2_TAG_END);
	mb_u32(8);
	memcpy(mb.b, &mb.n, 4);
}

/* Sets total_size without adding an end tag. */
static void mb_finish_no_end(void)
{
	memcpy(mb.b, &mb.n, 4);
}

static enum boot_status mb_parse(void)
{
	put(INFO_PHYS, mb.b, mb.n);
	return parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS);
}

static uint8_t rsdp1[20], rsdp2[36];

static void make_rsdps(void)
{
	memcpy(rsdp1, "RSD PTR \x11OEMID1\x00\x00\xe0\x0f\x00", 20);
	memcpy(rsdp2,
	       "RSD PTR \x22OEMID2\x02\x00\xe0\x0f\x00\x24\x00\x00\x00"
	       "\x00\x10\x0e\x00\x00\x00\x00\x00\x33\x00\x00\x00",
	       36);
}

static void test_mb2_valid(void **state)
{
	(void)state;
	const uint8_t meminfo[8] = {0x7f, 0x02, 0, 0, 0x00, 0xfb, 0x01, 0};

	make_rsdps();
	mb_begin();
	mb_cmdline("console=ttyS0 selftest=");
	mb_tag(4, meminfo, sizeof(meminfo)); /* basic meminfo: skipped */
	mb_tag(21, "\x00\x00\x10\x00", 4);   /* load base address: skipped */
	mb_tag(99, "whatever", 8);	     /* unknown: skipped */
	mb_mmap(24, qemu_map, QEMU_N);
	mb_tag(MB2_TAG_ACPI_OLD, rsdp1, 20);
	mb_tag(MB2_TAG_ACPI_NEW, rsdp2, 36);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.proto, BOOT_PROTO_MB2);
	assert_string_equal(bi.cmdline, "console=ttyS0 selftest=");
	assert_int_equal(bi.cmdline_len, 23);
	assert_string_equal(bi.memmap_source, "multiboot2");
	assert_int_equal(bi.rsdp_phys, 0);
	assert_int_equal(bi.rsdp_copy_len, 36);
	assert_memory_equal(bi.rsdp_copy, rsdp2, 36);
	assert_int_equal(bi.nmem, 6);
	expect_region(0, 0x0, 0x9fc00, MEM_USABLE);
	expect_region(3, 0x100000, 0x7ee0000, MEM_USABLE);
	expect_region(5, 0xfffc0000, 0x40000, MEM_RESERVED);
}

/* The 2.0+ RSDP wins whichever tag comes first; the old one alone is taken; a tag
 * longer than an RSDP is cut to 36 bytes. */
static void test_mb2_acpi_tags(void **state)
{
	(void)state;
	make_rsdps();

	mb_begin();
	mb_tag(MB2_TAG_ACPI_NEW, rsdp2, 36);
	mb_tag(MB2_TAG_ACPI_OLD, rsdp1, 20);
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.rsdp_copy_len, 36);
	assert_memory_equal(bi.rsdp_copy, rsdp2, 36);

	mb_begin();
	mb_tag(MB2_TAG_ACPI_OLD, rsdp1, 20);
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.rsdp_copy_len, 20);
	assert_memory_equal(bi.rsdp_copy, rsdp1, 20);
	assert_string_equal(bi.cmdline, ""); /* no command line tag */

	uint8_t big[60];
	memset(big, 0xab, sizeof(big));
	memcpy(big, rsdp2, 36);
	mb_begin();
	mb_tag(MB2_TAG_ACPI_NEW, big, sizeof(big));
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.rsdp_copy_len, BOOTINFO_RSDP_MAX);
	assert_memory_equal(bi.rsdp_copy, rsdp2, 36);
}

/* Only an EFI memory map: boot services and loader memory are usable after
 * ExitBootServices, ACPI reclaim and NVS keep their kinds, the rest is reserved. */
static void test_mb2_efi_only(void **state)
{
	(void)state;
	const struct efi_region r[] = {
	    {EFI_CONVENTIONAL_MEMORY, 0x0, 0xa0},
	    {0 /* reserved */, 0xa0000, 0x60},
	    {EFI_BOOT_SERVICES_CODE, 0x100000, 0x10},
	    {EFI_ACPI_RECLAIM_MEMORY, 0x120000, 0x10},
	    {EFI_BOOT_SERVICES_DATA, 0x140000, 0x10},
	    {EFI_ACPI_MEMORY_NVS, 0x160000, 0x10},
	    {EFI_LOADER_CODE, 0x180000, 0x10},
	    {5 /* runtime code */, 0x1a0000, 0x10},
	    {EFI_LOADER_DATA, 0x1c0000, 0x10},
	    {11 /* MMIO */, 0x1e0000, 0x10},
	    {EFI_UNUSABLE_MEMORY, 0x200000, 0x10},
	    {EFI_PERSISTENT_MEMORY, 0x220000, 0x10},
	    {EFI_CONVENTIONAL_MEMORY, 0x100000000, 0x40000},
	};
	const size_t n = sizeof(r) / sizeof(r[0]);

	/* Firmware commonly reports 48-byte descriptors: the stride is descr_size. */
	for (uint32_t dsize = 40; dsize <= 48; dsize += 8) {
		mb_begin();
		mb_cmdline("efi");
		mb_efi(dsize, r, n);
		mb_finish();
		assert_int_equal(mb_parse(), BOOT_OK);
		assert_string_equal(bi.memmap_source, "efi");
		assert_int_equal(bi.nmem, n);
		const uint32_t want[] = {MEM_USABLE, MEM_RESERVED, MEM_USABLE, MEM_ACPI_RECLAIM,
					 MEM_USABLE, MEM_ACPI_NVS, MEM_USABLE, MEM_RESERVED,
					 MEM_USABLE, MEM_RESERVED, MEM_BAD,    MEM_RESERVED,
					 MEM_USABLE};
		for (size_t i = 0; i < n; i++)
			expect_region(i, r[i].start, r[i].pages << 12, want[i]);
	}
}

/* With both, the Multiboot2 map is used and the EFI one ignored. */
static void test_mb2_mmap_preferred_over_efi(void **state)
{
	(void)state;
	const struct efi_region e[] = {{EFI_CONVENTIONAL_MEMORY, 0x0, 0x10}};

	mb_begin();
	mb_efi(40, e, 1);
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_string_equal(bi.memmap_source, "multiboot2");
	assert_int_equal(bi.nmem, 6);
}

static void test_mb2_efi_bad(void **state)
{
	(void)state;
	const struct efi_region ok[] = {{EFI_CONVENTIONAL_MEMORY, 0x0, 0x100}};
	const struct efi_region huge[] = {{EFI_CONVENTIONAL_MEMORY, 0x0, 1ull << 52}};
	const struct efi_region wrap[] = {{EFI_CONVENTIONAL_MEMORY, 0x0, 0x100},
					  {0, 0xfffffffffff00000, 0x200}};

	mb_begin();
	mb_efi(32, ok, 1);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_ERR_MEMMAP);
	assert_string_equal(err, "EFI memory map descriptor size 32 invalid");

	mb_begin();
	mb_efi(40, huge, 1);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_ERR_MEMMAP);

	mb_begin();
	mb_efi(40, wrap, 2);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_ERR_MEMMAP);
	assert_non_null(strstr(err, "wraps"));
}

static void test_mb2_total_size(void **state)
{
	(void)state;
	const uint32_t bad[] = {0, 8, 15, BOOTINFO_MB2_MAX_SIZE + 1, UINT32_MAX};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mb_begin();
		mb_mmap(24, qemu_map, QEMU_N);
		mb_finish();
		memcpy(mb.b, &bad[i], 4);
		assert_int_equal(mb_parse(), BOOT_ERR_INFO);
		char want[64];
		snprintf(want, sizeof(want), "multiboot2 information size %u invalid", bad[i]);
		assert_string_equal(err, want);
	}
	/* The smallest accepted: header and end tag, which holds no memory map. */
	mb_begin();
	mb_finish();
	assert_int_equal(mb.n, 16);
	assert_int_equal(mb_parse(), BOOT_ERR_NO_MEMMAP);
	assert_string_equal(err, "no memory map from the boot loader");
	/* Within the limit but running past the end of memory. */
	uint32_t at_end = 0x100;
	put(MEM_END - 16, mb.b, 8);
	memcpy(mem + (MEM_SIZE - 16), &at_end, 4);
	assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, MEM_END - 16), BOOT_ERR_INFO);
	/* The header itself unreadable. */
	assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, MEM_END - 4), BOOT_ERR_INFO);
	assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, 0), BOOT_ERR_INFO);
}

/* A structure of exactly BOOTINFO_MB2_MAX_SIZE bytes is accepted. */
static void test_mb2_max_size(void **state)
{
	(void)state;
	static uint8_t filler[BOOTINFO_MB2_MAX_SIZE];

	mb_begin();
	mb_mmap(24, qemu_map, QEMU_N);
	size_t fill = BOOTINFO_MB2_MAX_SIZE - mb.n - 8; /* all but the end tag */
	mb_tag(99, filler, fill - 8);
	mb_finish();
	assert_int_equal(mb.n, BOOTINFO_MB2_MAX_SIZE);
	assert_int_equal(mb_parse(), BOOT_OK);
}

static void test_mb2_tag_past_total(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap(24, qemu_map, QEMU_N);
	uint32_t off = mb.n;
	mb_cmdline("abc");
	mb_finish();
	uint32_t size = mb.n - off + 8; /* 8 bytes past the end */
	memcpy(mb.b + off + 4, &size, 4);
	assert_int_equal(mb_parse(), BOOT_ERR_INFO);
	char want[80];
	snprintf(want, sizeof(want), "multiboot2 tag 1 at +%u has bad size %u", off, size);
	assert_string_equal(err, want);

	size = UINT32_MAX;
	memcpy(mb.b + off + 4, &size, 4);
	assert_int_equal(mb_parse(), BOOT_ERR_INFO);

	/* Up to the very end (swallowing the end tag) is in bounds but leaves no end. */
	size = mb.n - off;
	memcpy(mb.b + off + 4, &size, 4);
	assert_int_equal(mb_parse(), BOOT_ERR_INFO);
	assert_string_equal(err, "multiboot2 information has no end tag");
}

static void test_mb2_tag_too_small(void **state)
{
	(void)state;
	for (uint32_t size = 0; size < 8; size++) {
		mb_begin();
		mb_mmap(24, qemu_map, QEMU_N);
		uint32_t off = mb.n;
		mb_tag(99, "xxxxxxxx", 8);
		mb_finish();
		memcpy(mb.b + off + 4, &size, 4);
		assert_int_equal(mb_parse(), BOOT_ERR_INFO);
		assert_non_null(strstr(err, "bad size"));
	}
}

static void test_mb2_missing_end(void **state)
{
	(void)state;
	mb_begin();
	mb_cmdline("poweroff");
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish_no_end();
	assert_int_equal(mb_parse(), BOOT_ERR_INFO);
	assert_string_equal(err, "multiboot2 information has no end tag");

	/* A last tag whose padding would run past total_size. */
	mb_begin();
	mb_mmap(24, qemu_map, QEMU_N);
	mb_u32(99);
	mb_u32(12);
	mb_u32(0);
	mb_finish_no_end();
	assert_int_equal(mb_parse(), BOOT_ERR_INFO);
	assert_string_equal(err, "multiboot2 information has no end tag");
}

static void test_mb2_mmap_entry_size(void **state)
{
	(void)state;
	const uint32_t bad[] = {0, 1, 16, 23, 4097, UINT32_MAX};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mb_begin();
		mb_mmap(24, qemu_map, QEMU_N);
		mb_finish();
		memcpy(mb.b + 8 + 8, &bad[i], 4);
		assert_int_equal(mb_parse(), BOOT_ERR_MEMMAP);
		char want[64];
		snprintf(want, sizeof(want), "multiboot2 memory map entry size %u invalid", bad[i]);
		assert_string_equal(err, want);
	}
	/* Larger entries are walked with their own stride. */
	mb_begin();
	mb_mmap(40, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.nmem, 6);
	expect_region(3, 0x100000, 0x7ee0000, MEM_USABLE);
	/* A partial entry at the end of the tag is ignored. */
	mb_begin();
	mb_mmap(24, qemu_map, 2);
	mb_bytes("\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00", 10);
	mb_pad();
	uint32_t size = 16 + 24 * 2 + 10;
	memcpy(mb.b + 8 + 4, &size, 4);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.nmem, 2);
}

static void test_mb2_mmap_types_and_count(void **state)
{
	(void)state;
	const struct region r[] = {{0x0, 0x1000, MB2_MMAP_AVAILABLE},
				   {0x2000, 0x1000, MB2_MMAP_ACPI},
				   {0x4000, 0x1000, MB2_MMAP_NVS},
				   {0x6000, 0x1000, MB2_MMAP_BAD},
				   {0x8000, 0x1000, 0},
				   {0xa000, 0x1000, 9}};
	mb_begin();
	mb_mmap(24, r, 6);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.nmem, 6);
	expect_region(1, 0x2000, 0x1000, MEM_ACPI_RECLAIM);
	expect_region(2, 0x4000, 0x1000, MEM_ACPI_NVS);
	expect_region(3, 0x6000, 0x1000, MEM_BAD);
	expect_region(4, 0x8000, 0x1000, MEM_RESERVED);
	expect_region(5, 0xa000, 0x1000, MEM_RESERVED);

	struct region many[MEMMAP_MAX + 1];
	for (size_t i = 0; i <= MEMMAP_MAX; i++)
		many[i] = (struct region){i * 0x2000, 0x1000, 1};
	mb_begin();
	mb_mmap(24, many, MEMMAP_MAX + 1);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_ERR_MEMMAP);
	assert_string_equal(err, "memory map has more than 128 entries");
	mb_begin();
	mb_mmap(24, many, MEMMAP_MAX);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.nmem, MEMMAP_MAX);
}

static void test_mb2_overlap_and_no_usable(void **state)
{
	(void)state;
	const struct region overlap[] = {{0x100000, 0x100000, 1}, {0x1ff000, 0x2000, 2}};
	const struct region none[] = {{0x0, 0x100000, 2}, {0x100000, 0x100000, 5}};

	mb_begin();
	mb_mmap(24, overlap, 2);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_ERR_MEMMAP);
	assert_true(starts_with(err, "memory map regions overlap"));
	assert_non_null(strstr(err, "[0x100000-0x200000) usable"));
	assert_non_null(strstr(err, "[0x1ff000-0x201000) reserved"));

	mb_begin();
	mb_mmap(24, none, 2);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_ERR_NO_MEMMAP);
	assert_string_equal(err, "memory map has no usable memory");

	/* A memory map tag with no entries. */
	mb_begin();
	mb_mmap(24, none, 0);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_ERR_NO_MEMMAP);
}

static void test_mb2_cmdline_limit(void **state)
{
	(void)state;
	char *s = malloc(CMDLINE_MAX + 2);
	assert_non_null(s);

	memset(s, 'b', CMDLINE_MAX);
	s[CMDLINE_MAX] = '\0';
	mb_begin();
	mb_cmdline(s);
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_int_equal(bi.cmdline_len, CMDLINE_MAX);
	assert_string_equal(bi.cmdline, s);

	s[CMDLINE_MAX] = 'c';
	s[CMDLINE_MAX + 1] = '\0';
	mb_begin();
	mb_cmdline(s);
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_ERR_CMDLINE_LONG);
	assert_string_equal(err, "command line too long (1024 bytes, max 1023)");
	assert_int_equal(bi.cmdline_len, CMDLINE_MAX);
	s[CMDLINE_MAX] = '\0';
	assert_string_equal(bi.cmdline, s);
	free(s);

	/* A string without a terminator stops at the end of its tag. */
	mb_begin();
	mb_tag(MB2_TAG_CMDLINE, "quiet", 5);
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_string_equal(bi.cmdline, "quiet");

	/* An empty tag. */
	mb_begin();
	mb_tag(MB2_TAG_CMDLINE, "", 0);
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	assert_int_equal(mb_parse(), BOOT_OK);
	assert_string_equal(bi.cmdline, "");
}

static void test_unknown_magic(void **state)
{
	(void)state;
	mb_begin();
	mb_mmap(24, qemu_map, QEMU_N);
	mb_finish();
	put(INFO_PHYS, mb.b, mb.n);
	nmaps = 0;
	assert_int_equal(parse(0x12345678, INFO_PHYS), BOOT_ERR_MAGIC);
	assert_string_equal(err, "unknown boot magic 0x12345678");
	assert_int_equal(nmaps, 0);
	assert_int_equal(bi.proto, BOOT_PROTO_NONE);
	assert_int_equal(bi.nmem, 0);
	assert_int_equal(parse(MB2_HEADER_MAGIC, INFO_PHYS), BOOT_ERR_MAGIC);
	assert_string_equal(err, "unknown boot magic 0xe85250d6");
	assert_int_equal(parse(0, INFO_PHYS), BOOT_ERR_MAGIC);
}

/* No error buffer at all, and a short one. */
static void test_err_buffer(void **state)
{
	(void)state;
	struct boot_info *out = malloc(sizeof(*out));
	char *small = malloc(8);

	assert_non_null(out);
	assert_non_null(small);
	assert_int_equal(bootinfo_parse(1, 0, fake_map, NULL, out, NULL, 0), BOOT_ERR_MAGIC);
	assert_int_equal(bootinfo_parse(1, 0, fake_map, NULL, out, small, 8), BOOT_ERR_MAGIC);
	assert_string_equal(small, "unknown");
	fake_release();
	free(small);
	free(out);
}

/* --- Random corruption --- */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void build_rich_mb2(void)
{
	const struct efi_region e[] = {{EFI_CONVENTIONAL_MEMORY, 0x0, 0x9f},
				       {EFI_ACPI_RECLAIM_MEMORY, 0x9f000, 0x1},
				       {EFI_BOOT_SERVICES_DATA, 0x100000, 0x700}};
	make_rsdps();
	mb_begin();
	mb_cmdline("console=ttyS0 selftest=pci,acpi poweroff");
	mb_tag(99, "\x01\x02\x03", 3);
	mb_mmap(24, qemu_map, QEMU_N);
	mb_tag(MB2_TAG_ACPI_OLD, rsdp1, 20);
	mb_efi(48, e, 3);
	mb_tag(MB2_TAG_ACPI_NEW, rsdp2, 36);
	mb_finish();
}

/* Flips bytes of a valid blob (tag sizes and types often, as 32-bit values) and parses
 * it: every outcome must be a defined status with consistent output, and no read may
 * leave what was mapped (ASan). Both outcomes must occur, or the loop proves nothing. */
static void test_mb2_random_corruption(void **state)
{
	(void)state;
	static uint8_t base[4096];
	uint64_t seed = 0x243f6a8885a308d3ull;
	size_t ok = 0, failed = 0;

	build_rich_mb2();
	assert_true(mb.n <= sizeof(base));
	uint32_t len = mb.n;
	memcpy(base, mb.b, len);
	assert_int_equal(mb_parse(), BOOT_OK);

	for (int iter = 0; iter < 20000; iter++) {
		memcpy(mb.b, base, len);
		mb.n = len;
		int flips = 1 + (int)(xorshift(&seed) % 4);
		for (int k = 0; k < flips; k++) {
			uint64_t r = xorshift(&seed);
			uint32_t at = (uint32_t)((r >> 8) % len);
			switch (r % 4) {
			case 0: /* a random 32-bit value on a field boundary */
				at &= ~3u;
				uint32_t v = (uint32_t)(r >> 32);
				memcpy(mb.b + at, &v, 4);
				break;
			case 1: /* a small value (sizes, types, counts) */
				at &= ~3u;
				uint32_t small = (uint32_t)((r >> 32) % 64);
				memcpy(mb.b + at, &small, 4);
				break;
			default:
				mb.b[at] ^= (uint8_t)(1 + (r >> 32) % 255);
				break;
			}
		}
		/* Memory beyond the blob is random too, for total_size grown by a flip. */
		for (uint32_t i = 0; i < 64; i++)
			mb.b[len + i] = (uint8_t)xorshift(&seed);
		mb.n = len + 64;
		enum boot_status st = mb_parse();
		if (st == BOOT_OK)
			ok++;
		else
			failed++;
		assert_int_not_equal(st, BOOT_ERR_MAGIC);
	}
	assert_true(ok > 100);
	assert_true(failed > 100);
}

/* The same for a PVH start info, its memory map and command line. */
static void test_pvh_random_corruption(void **state)
{
	(void)state;
	uint64_t seed = 0x13198a2e03707344ull;
	size_t ok = 0, failed = 0;
	uint8_t info[56], map[QEMU_N * 24];

	put_str(CMD_PHYS, "poweroff");
	pvh_put_map(MAP_PHYS, qemu_map, QEMU_N);
	pvh_put_info(INFO_PHYS, 1, CMD_PHYS, MAP_PHYS, QEMU_N, 0xf5a40);
	memcpy(info, mem + (INFO_PHYS - MEM_BASE), sizeof(info));
	memcpy(map, mem + (MAP_PHYS - MEM_BASE), sizeof(map));
	for (int iter = 0; iter < 5000; iter++) {
		put(INFO_PHYS, info, sizeof(info));
		put(MAP_PHYS, map, sizeof(map));
		int flips = 1 + (int)(xorshift(&seed) % 3);
		for (int k = 0; k < flips; k++) {
			uint64_t r = xorshift(&seed);
			uint64_t at = (r >> 8) % 2 ? INFO_PHYS + 4 + (r >> 16) % 52
						   : MAP_PHYS + (r >> 16) % sizeof(map);
			mem[at - MEM_BASE] ^= (uint8_t)(1 + (r >> 32) % 255);
		}
		enum boot_status st = parse(PVH_START_MAGIC, INFO_PHYS);
		if (st == BOOT_OK)
			ok++;
		else
			failed++;
	}
	assert_true(ok > 100);
	assert_true(failed > 100);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_pvh_v1_valid),
	    T(test_pvh_types_and_merge),
	    T(test_pvh_v0_no_memmap),
	    T(test_pvh_v1_empty_memmap),
	    T(test_pvh_v1_truncated),
	    T(test_pvh_bad_magic),
	    T(test_pvh_memmap_count),
	    T(test_pvh_memmap_unreadable),
	    T(test_pvh_cmdline_limit),
	    T(test_pvh_cmdline_at_end_of_memory),
	    T(test_pvh_cmdline_outside),
	    T(test_pvh_overlap_and_wrap),
	    T(test_pvh_no_usable),
	    T(test_mb2_valid),
	    T(test_mb2_acpi_tags),
	    T(test_mb2_efi_only),
	    T(test_mb2_mmap_preferred_over_efi),
	    T(test_mb2_efi_bad),
	    T(test_mb2_total_size),
	    T(test_mb2_max_size),
	    T(test_mb2_tag_past_total),
	    T(test_mb2_tag_too_small),
	    T(test_mb2_missing_end),
	    T(test_mb2_mmap_entry_size),
	    T(test_mb2_mmap_types_and_count),
	    T(test_mb2_overlap_and_no_usable),
	    T(test_mb2_cmdline_limit),
	    T(test_unknown_magic),
	    T(test_err_buffer),
	    T(test_mb2_random_corruption),
	    T(test_pvh_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
