/* test_acpi: the whole ACPI path (RSDP, XSDT/RSDT, table list, FADT references, printing)
 * over a fake physical memory: the real tables of two QEMU machines, and hostile ones.
 *
 * The fake map hands out a fresh heap copy of exactly the requested range and frees the
 * previous one, so ASan catches any read past a mapped range and any use of a pointer
 * after the parser's next map call. */
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
#include "hw/acpi.h"
#include "lib/acpi/acpi.h"

#define FAKE_BASE 0x100000u /* physical address of img[0]; below it nothing is mapped */
#define FAKE_SIZE 0x10000u
#define RSDP_PHYS FAKE_BASE /* the RSDP always sits at the start of the image */

struct fake_mem {
	uint8_t img[FAKE_SIZE];
	size_t size; /* mapped bytes of img (tests shrink it to truncate) */
	size_t used; /* next free byte for mem_put */
	void *last;  /* copy handed out by the last map call */
};

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	struct fake_mem *m = ctx;

	free(m->last);
	m->last = NULL;
	if (phys < FAKE_BASE || phys - FAKE_BASE > m->size || len > m->size - (phys - FAKE_BASE))
		return NULL;
	m->last = malloc(len);
	assert_non_null(m->last);
	memcpy(m->last, m->img + (phys - FAKE_BASE), len);
	return m->last;
}

static struct fake_mem *mem_new(void)
{
	struct fake_mem *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	m->size = FAKE_SIZE;
	m->used = 64; /* the RSDP */
	return m;
}

static void mem_free(struct fake_mem *m)
{
	free(m->last);
	free(m);
}

static struct acpi_mem mem_of(struct fake_mem *m)
{
	return (struct acpi_mem){.map = fake_map, .ctx = m};
}

static uint8_t *mem_at(struct fake_mem *m, uint64_t phys)
{
	return m->img + (phys - FAKE_BASE);
}

/* Copies len bytes into the image at the next 16-byte boundary; returns their address. */
static uint64_t mem_put(struct fake_mem *m, const void *p, size_t len)
{
	size_t at = (m->used + 15) & ~(size_t)15;
	assert_true(at + len <= FAKE_SIZE);
	memcpy(m->img + at, p, len);
	m->used = at + len;
	return FAKE_BASE + at;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n-- > 0)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Makes the n bytes at p sum to zero by adjusting the byte at p[at]. */
static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100 - sum8(p, n));
}

/* Writes a table at t: header (sig, revision rev, length 36 + body_len) then body, with
 * a valid checksum. Returns its length. */
static size_t make_table(uint8_t *t, const char *sig, uint8_t rev, const void *body,
			 size_t body_len)
{
	size_t len = 36 + body_len;
	memset(t, 0, 36);
	memcpy(t, sig, 4);
	put32(t + 4, (uint32_t)len);
	t[8] = rev;
	memcpy(t + 10, "CAPOS TESTTABL", 14);
	if (body_len > 0)
		memcpy(t + 36, body, body_len);
	fix_sum(t, len, 9);
	return len;
}

static uint64_t mem_table(struct fake_mem *m, const char *sig, uint8_t rev, const void *body,
			  size_t body_len)
{
	uint8_t t[8192];
	assert_true(36 + body_len <= sizeof(t));
	return mem_put(m, t, make_table(t, sig, rev, body, body_len));
}

static uint64_t mem_xsdt(struct fake_mem *m, const uint64_t *entry, size_t n)
{
	return mem_table(m, "XSDT", 1, entry, n * 8);
}

static uint64_t mem_rsdt(struct fake_mem *m, const uint32_t *entry, size_t n)
{
	return mem_table(m, "RSDT", 1, entry, n * 4);
}

/* Writes the RSDP (revision rev) at RSDP_PHYS with valid checksums. */
static void mem_rsdp(struct fake_mem *m, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t *r = m->img;
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	fix_sum(r, 20, 8);
	fix_sum(r, 36, 32);
}

/* A FADT of the given revision and length pointing at dsdt and facs (32-bit fields, and
 * the X_ fields when the length has them). */
static uint64_t mem_fadt(struct fake_mem *m, uint8_t rev, size_t len, uint32_t dsdt, uint32_t facs)
{
	uint8_t body[276 - 36];
	memset(body, 0, sizeof(body));
	assert_true(len >= 36 && len <= 276);
	put32(body + 0, facs);
	put32(body + 4, dsdt);
	if (len >= 148)
		put64(body + 140 - 36, dsdt);
	return mem_table(m, "FACP", rev, body, len - 36);
}

static uint64_t mem_facs(struct fake_mem *m, uint32_t len)
{
	uint8_t f[64];
	memset(f, 0, sizeof(f));
	memcpy(f, "FACS", 4);
	put32(f + 4, len);
	return mem_put(m, f, sizeof(f));
}

static uint64_t mem_dsdt(struct fake_mem *m)
{
	static const uint8_t aml[] = {0x10, 0x05, 0x5c, 0x5f, 0x53, 0x42, 0x5f}; /* Scope(\_SB) */
	return mem_table(m, "DSDT", 2, aml, sizeof(aml));
}

/* The emitted lines of acpi_print. */
struct lines {
	char *line[160];
	size_t n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *ls = ctx;
	if (ls->n < 160)
		ls->line[ls->n++] = strdup(line);
}

static void lines_free(struct lines *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->line[i]);
	ls->n = 0;
}

static struct acpi_info *info_new(void)
{
	struct acpi_info *info = calloc(1, sizeof(*info));
	assert_non_null(info);
	return info;
}

static int setup(void **state)
{
	(void)state;
	hooks_log_reset();
	return 0;
}

/* ---- Real tables: the two QEMU machines must print exactly their .canon lines. ---- */

/* Builds memory from a fixture: the tables as captured, the FADT's DSDT/FACS pointers
 * patched to where they landed, and an RSDP + XSDT (or RSDT) listing the others. */
static void build_fixture(struct fake_mem *m, const struct fixture *f, bool xsdt)
{
	uint64_t phys[FIXTURE_MAX_ACPI], dsdt = 0, facs = 0, fadt = 0;
	uint64_t x[FIXTURE_MAX_ACPI];
	uint32_t r[FIXTURE_MAX_ACPI];
	size_t n = 0;

	for (size_t i = 0; i < f->nacpi; i++) {
		phys[i] = mem_put(m, f->acpi[i].bytes, f->acpi[i].len);
		if (strcmp(f->acpi[i].sig, "DSDT") == 0)
			dsdt = phys[i];
		else if (strcmp(f->acpi[i].sig, "FACS") == 0)
			facs = phys[i];
		else if (strcmp(f->acpi[i].sig, "FACP") == 0)
			fadt = phys[i];
	}
	assert_true(dsdt != 0 && facs != 0 && fadt != 0);
	uint8_t *fp = mem_at(m, fadt);
	uint32_t flen;
	memcpy(&flen, fp + 4, 4);
	put32(fp + 36, (uint32_t)facs);
	put32(fp + 40, (uint32_t)dsdt);
	uint64_t v;
	if (flen >= 140) {
		memcpy(&v, fp + 132, 8);
		if (v != 0)
			put64(fp + 132, facs);
	}
	if (flen >= 148) {
		memcpy(&v, fp + 140, 8);
		if (v != 0)
			put64(fp + 140, dsdt);
	}
	fix_sum(fp, flen, 9);

	/* Root order as QEMU builds it: FACP first, then the rest as captured. */
	x[n] = fadt;
	r[n++] = (uint32_t)fadt;
	for (size_t i = 0; i < f->nacpi; i++) {
		if (phys[i] == dsdt || phys[i] == facs || phys[i] == fadt)
			continue;
		x[n] = phys[i];
		r[n++] = (uint32_t)phys[i];
	}
	if (xsdt)
		mem_rsdp(m, 2, mem_rsdt(m, r, n), mem_xsdt(m, x, n));
	else
		mem_rsdp(m, 0, mem_rsdt(m, r, n), 0);
}

static bool is_acpi_line(const char *l)
{
	return strncmp(l, "acpi ", 5) == 0 || strncmp(l, "madt ", 5) == 0 ||
	       strncmp(l, "mcfg ", 5) == 0 || strncmp(l, "dmar ", 5) == 0;
}

/* Parses and prints a fixture machine; returns its memory (info refers to it). */
static struct fake_mem *check_canon(const char *txt, const char *canon, bool xsdt,
				    struct acpi_info *info)
{
	struct fixture *f = fixture_load(txt);
	struct fake_mem *m = mem_new();
	struct acpi_mem mem;
	struct lines out = {.n = 0};
	size_t ncanon = 0, k = 0;
	char **want;

	assert_non_null(f);
	build_fixture(m, f, xsdt);
	mem = mem_of(m);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_int_equal(info->tables.root_is_xsdt, xsdt);
	acpi_print(info, collect, &out);

	want = fixture_read_lines(canon, &ncanon);
	assert_non_null(want);
	for (size_t i = 0; i < ncanon; i++) {
		if (!is_acpi_line(want[i]))
			continue;
		assert_true(k < out.n);
		assert_string_equal(out.line[k], want[i]);
		k++;
	}
	assert_int_equal(k, out.n);
	assert_true(k >= 7);
	/* Real firmware tables raise no reports. */
	for (size_t i = 0; i < hooks_log_count(); i++)
		fprintf(stderr, "unexpected report: %s\n", hooks_log_line(i));
	assert_int_equal(hooks_log_count(), 0);

	fixture_free_lines(want, ncanon);
	lines_free(&out);
	fixture_free(f);
	return m;
}

static void test_q35_canon(void **state)
{
	struct acpi_info *info = info_new();
	struct acpi_aml aml;
	(void)state;

	struct fake_mem *m = check_canon("q35-virtio.txt", "q35-virtio.canon", true, info);
	/* FADT revision 3, 244 bytes: X_PM_TMR_BLK is an I/O port, 24-bit counter. */
	assert_true(info->has_fadt);
	assert_int_equal(info->fadt.revision, 3);
	assert_true(info->fadt.pm_timer.present);
	assert_int_equal(info->fadt.pm_timer.space, ACPI_GAS_SPACE_IO);
	assert_int_equal(info->fadt.pm_timer.address, 0x608);
	assert_false(info->fadt.pm_timer.is_32bit);
	assert_int_equal(info->fadt.iapc_boot_arch, ACPI_FADT_IAPC_8042);
	assert_int_equal(info->fadt.sci_int, 9);
	assert_true(info->fadt.has_reset_reg);
	assert_int_equal(info->fadt.reset_reg.address, 0xcf9);
	assert_int_equal(info->fadt.reset_value, 0x0f);
	/* MADT: two enabled CPUs, the local APIC NMI for all of them. */
	assert_int_equal(info->madt.ncpu, 2);
	assert_int_equal(info->madt.cpu[1].apic_id, 1);
	assert_int_equal(info->madt.lapic_address, 0xfee00000);
	assert_true(info->madt.flags & ACPI_MADT_FLAG_PCAT_COMPAT);
	assert_int_equal(info->madt.nlapic_nmi, 1);
	assert_int_equal(info->madt.lapic_nmi[0].uid, ACPI_LAPIC_NMI_ALL_CPUS);
	assert_int_equal(info->madt.lapic_nmi[0].lint, 1);
	assert_true(info->has_hpet);
	assert_int_equal(info->hpet.address, 0xfed00000);
	assert_int_equal(info->hpet.comparators, 3);
	assert_false(info->has_dmar);
	/* The DSDT's AML follows its header. */
	assert_int_equal(acpi_dsdt(&info->tables, &aml), ACPI_OK);
	assert_int_equal(aml.len, 8462 - 36);
	assert_int_equal(aml.body[0], 0x10); /* ScopeOp */
	assert_int_equal(acpi_ssdt(&info->tables, 0, &aml), ACPI_ERR_NOT_FOUND);
	free(info);
	mem_free(m);
}

static void test_pc_legacy_canon(void **state)
{
	struct acpi_info *info = info_new();
	(void)state;

	struct fake_mem *m = check_canon("pc-legacy.txt", "pc-legacy.canon", false, info);
	/* FADT revision 1, 116 bytes: no X_ fields, IAPC_BOOT_ARCH still reserved. */
	assert_int_equal(info->fadt.revision, 1);
	assert_int_equal(info->fadt.length, 116);
	assert_int_equal(info->fadt.iapc_boot_arch, 0);
	assert_false(info->fadt.has_reset_reg);
	assert_true(info->fadt.pm_timer.present);
	assert_int_equal(info->fadt.pm_timer.address, 0x608);
	assert_int_equal(info->madt.cpus_enabled, 1);
	assert_false(info->has_mcfg);
	free(info);
	mem_free(m);
}

/* ---- Hostile memory ---- */

/* A small valid machine: FADT (rev 6) + DSDT + FACS, plus `extra` in the XSDT. */
static void build_basic(struct fake_mem *m, const uint64_t *extra, size_t nextra)
{
	uint64_t x[80];
	uint64_t dsdt = mem_dsdt(m), facs = mem_facs(m, 64);
	x[0] = mem_fadt(m, 6, 276, (uint32_t)dsdt, (uint32_t)facs);
	assert_true(nextra < 80);
	for (size_t i = 0; i < nextra; i++)
		x[1 + i] = extra[i];
	mem_rsdp(m, 2, 0, mem_xsdt(m, x, 1 + nextra));
}

static void test_rsdp_bad_checksum(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	(void)state;

	build_basic(m, NULL, 0);
	m->img[8]++;
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: RSDP bad checksum, ignored"));
	assert_int_equal(info->tables.count, 0);
	/* No signature at all: nothing to report. */
	hooks_log_reset();
	m->img[0] = 'X';
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_ERR_NOT_FOUND);
	assert_int_equal(hooks_log_count(), 0);
	/* Revision 2 with only the ACPI 1.0 part mapped: the extension is ignored. */
	struct acpi_rsdp_info ri;
	mem_rsdp(m, 2, 0x1234, 0x5678);
	m->size = 30;
	hooks_log_reset();
	assert_int_equal(acpi_rsdp_check(&mem, RSDP_PHYS, &ri), ACPI_OK);
	assert_true(hooks_log_contains("acpi: RSDP extension unmapped, ignored"));
	assert_int_equal(ri.revision, 2);
	assert_int_equal(ri.rsdt, 0x1234);
	assert_int_equal(ri.xsdt, 0);
	m->size = FAKE_SIZE;
	/* Not mapped (the RSDP straddles the end of memory). */
	assert_int_equal(acpi_parse(info, &mem, FAKE_BASE + FAKE_SIZE - 10), ACPI_ERR_UNMAPPED);
	assert_int_equal(acpi_parse(info, &mem, UINT64_MAX - 3), ACPI_ERR_UNMAPPED);
	free(info);
	mem_free(m);
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	uint64_t dsdt, facs, fadt;
	(void)state;

	/* A valid RSDT and a valid XSDT; the extension's checksum is broken, so only the
	 * ACPI 1.0 part (the RSDT) may be trusted. */
	dsdt = mem_dsdt(m);
	facs = mem_facs(m, 64);
	fadt = mem_fadt(m, 6, 276, (uint32_t)dsdt, (uint32_t)facs);
	uint32_t r[1] = {(uint32_t)fadt};
	uint64_t x[1] = {fadt};
	uint32_t rsdt = (uint32_t)mem_rsdt(m, r, 1);
	mem_rsdp(m, 2, rsdt, mem_xsdt(m, x, 1));
	m->img[32]++;
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: RSDP bad extended checksum, ignored"));
	assert_int_equal(info->tables.rsdp.xsdt, 0);
	assert_false(info->tables.root_is_xsdt);
	assert_int_equal(info->tables.root_phys, rsdt);
	assert_true(info->has_fadt);
	/* An absurd extended length is treated the same way. */
	hooks_log_reset();
	put32(m->img + 20, 0x7fffffff);
	fix_sum(m->img, 20, 8);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: RSDP bad extended length, ignored"));
	assert_false(info->tables.root_is_xsdt);
	free(info);
	mem_free(m);
}

static void test_rsdp_scan(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	uint64_t at = 0;
	(void)state;

	mem_rsdp(m, 0, 0x1234, 0);
	memmove(m->img + 0x230, m->img, 20);
	memset(m->img, 0, 20);
	/* A signature with a bad checksum earlier in the range is passed over. */
	memcpy(m->img + 0x100, "RSD PTR ", 8);
	assert_int_equal(acpi_rsdp_scan(&mem, FAKE_BASE, 0x1000, &at), ACPI_OK);
	assert_int_equal(at, FAKE_BASE + 0x230);
	assert_int_equal(acpi_rsdp_scan(&mem, FAKE_BASE, 0x200, &at), ACPI_ERR_NOT_FOUND);
	assert_int_equal(acpi_rsdp_scan(&mem, FAKE_BASE + FAKE_SIZE - 0x100, 0x1000, &at),
			 ACPI_ERR_UNMAPPED);
	assert_int_equal(hooks_log_count(), 0);
	mem_free(m);
}

static void test_table_bad_checksum(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	struct lines out = {.n = 0};
	uint8_t mcfg[8 + 16] = {0};
	(void)state;

	put64(mcfg + 8, 0xb0000000);
	mcfg[8 + 11] = 0xff;
	uint64_t t = mem_table(m, "MCFG", 1, mcfg, sizeof(mcfg));
	mem_at(m, t)[9] ^= 0x55;
	build_basic(m, &t, 1);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: MCFG bad checksum, ignored"));
	assert_false(info->has_mcfg);
	assert_null(acpi_table_find(&info->tables, "MCFG", 0));
	assert_int_equal(info->tables.ignored, 1);
	acpi_print(info, collect, &out);
	for (size_t i = 0; i < out.n; i++)
		assert_null(strstr(out.line[i], "MCFG"));
	lines_free(&out);
	free(info);
	mem_free(m);
}

static void test_table_truncated(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	uint8_t body[20] = {0}, zero[36 + 4 * 8] = {0};
	uint64_t x[4];
	(void)state;

	uint64_t dsdt = mem_dsdt(m), facs = mem_facs(m, 64);
	x[0] = mem_fadt(m, 6, 276, (uint32_t)dsdt, (uint32_t)facs);
	uint64_t xsdt = mem_put(m, zero, sizeof(zero)); /* filled in below */
	/* Length shorter than the header. */
	x[1] = mem_table(m, "HPET", 1, body, sizeof(body));
	put32(mem_at(m, x[1]) + 4, 10);
	/* Length absurdly large. */
	x[2] = mem_table(m, "SSDT", 1, body, sizeof(body));
	put32(mem_at(m, x[2]) + 4, 0xfffffff0);
	/* Length past the end of mapped memory: the last table, then memory cut short. */
	x[3] = mem_table(m, "WAET", 1, body, sizeof(body));
	m->size = (size_t)(x[3] - FAKE_BASE) + 40;
	make_table(mem_at(m, xsdt), "XSDT", 1, x, sizeof(x));
	mem_rsdp(m, 2, 0, xsdt);

	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: HPET too short, ignored"));
	assert_true(hooks_log_contains("acpi: SSDT too long, ignored"));
	assert_true(hooks_log_contains("acpi: WAET truncated, ignored"));
	assert_int_equal(info->tables.ignored, 3);
	assert_false(info->has_hpet);
	/* FACP, DSDT, FACS survive. */
	assert_int_equal(info->tables.count, 3);
	assert_true(info->has_fadt);
	free(info);
	mem_free(m);
}

static void test_xsdt_absurd_counts(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	static uint64_t x[500];
	(void)state;

	/* 500 entries, all valid and distinct (one 36-byte table each): only 64 are looked
	 * at. */
	for (size_t i = 0; i < 500; i++)
		x[i] = mem_table(m, "OEM0", 1, NULL, 0);
	uint8_t big[36 + 500 * 8];
	memset(big, 0, 36);
	memcpy(big, "XSDT", 4);
	put32(big + 4, sizeof(big));
	memcpy(big + 36, x, sizeof(x));
	fix_sum(big, sizeof(big), 9);
	uint64_t xsdt = mem_put(m, big, sizeof(big));
	mem_rsdp(m, 2, 0, xsdt);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: XSDT entries past 64, ignored"));
	assert_int_equal(info->tables.count, ACPI_MAX_ROOT_ENTRIES);
	assert_int_equal(info->tables.overflow, 500 - ACPI_MAX_ROOT_ENTRIES);
	assert_ptr_equal(acpi_table_find(&info->tables, "OEM0", 63), &info->tables.table[63]);
	assert_null(acpi_table_find(&info->tables, "OEM0", 64));

	/* A length no memory can back, and no RSDT to fall back to. */
	hooks_log_reset();
	put32(mem_at(m, xsdt) + 4, 0xffffffff);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: XSDT too long, ignored"));
	assert_true(hooks_log_contains("acpi: RSDP no usable XSDT or RSDT, ignored"));
	assert_int_equal(info->tables.count, 0);

	/* A length that is not a whole number of entries. */
	hooks_log_reset();
	put32(mem_at(m, xsdt) + 4, 36 + 2 * 8 + 5);
	fix_sum(mem_at(m, xsdt), 36 + 2 * 8 + 5, 9);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: XSDT partial entry, ignored"));
	assert_int_equal(info->tables.count, 2);
	free(info);
	mem_free(m);
}

static void test_xsdt_bad_entries(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	(void)state;

	uint64_t hpet_body[3] = {0};
	uint64_t good = mem_table(m, "WAET", 1, hpet_body, 4);
	uint64_t extra[5] = {
	    0,			       /* null */
	    good,		       /* fine */
	    good,		       /* duplicate */
	    0x12345678000ull,	       /* nothing mapped there */
	    FAKE_BASE + FAKE_SIZE - 8, /* header straddles the end of memory */
	};
	build_basic(m, extra, 5);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: XSDT null entry, ignored"));
	assert_true(hooks_log_contains("acpi: XSDT duplicate entry, ignored"));
	assert_true(hooks_log_contains("acpi: ???? unmapped, ignored"));
	assert_int_equal(info->tables.ignored, 4);
	assert_int_equal(info->tables.count, 4); /* FACP, WAET, DSDT, FACS */
	assert_non_null(acpi_table_find(&info->tables, "WAET", 0));
	free(info);
	mem_free(m);
}

static void test_xsdt_corrupt_falls_back_to_rsdt(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	(void)state;

	uint64_t dsdt = mem_dsdt(m), facs = mem_facs(m, 64);
	uint64_t fadt = mem_fadt(m, 6, 276, (uint32_t)dsdt, (uint32_t)facs);
	uint32_t r[1] = {(uint32_t)fadt};
	uint64_t x[1] = {fadt};
	uint32_t rsdt = (uint32_t)mem_rsdt(m, r, 1);
	uint64_t xsdt = mem_xsdt(m, x, 1);
	mem_rsdp(m, 2, rsdt, xsdt);
	mem_at(m, xsdt)[40]++;
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: XSDT bad checksum, ignored"));
	assert_false(info->tables.root_is_xsdt);
	assert_int_equal(info->tables.count, 3);

	/* A root pointer to something else entirely. */
	hooks_log_reset();
	mem_at(m, xsdt)[40]--;
	memcpy(mem_at(m, xsdt), "RSDT", 4);
	memcpy(mem_at(m, rsdt), "XSDT", 4);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: XSDT bad signature, ignored"));
	assert_true(hooks_log_contains("acpi: RSDT bad signature, ignored"));
	free(info);
	mem_free(m);
}

static void test_fadt_references(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	uint64_t x[1];
	(void)state;

	/* Null DSDT, FACS too short. */
	uint64_t facs = mem_facs(m, 32);
	x[0] = mem_fadt(m, 6, 276, 0, (uint32_t)facs);
	mem_rsdp(m, 2, 0, mem_xsdt(m, x, 1));
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: DSDT null pointer, ignored"));
	assert_true(hooks_log_contains("acpi: FACS too short, ignored"));
	assert_int_equal(info->tables.count, 1);
	struct acpi_aml aml;
	assert_int_equal(acpi_dsdt(&info->tables, &aml), ACPI_ERR_NOT_FOUND);

	/* DSDT pointer to a table with another signature; FACS null. */
	hooks_log_reset();
	m->used = 64;
	uint64_t notdsdt = mem_table(m, "SSDT", 2, NULL, 0);
	x[0] = mem_fadt(m, 6, 276, (uint32_t)notdsdt, 0);
	mem_rsdp(m, 2, 0, mem_xsdt(m, x, 1));
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: DSDT bad signature, ignored"));
	assert_true(hooks_log_contains("acpi: FACS null pointer, ignored"));
	assert_int_equal(info->tables.count, 1);

	/* DSDT pointer to a table the XSDT lists under another signature. */
	hooks_log_reset();
	uint64_t x2[2] = {x[0], notdsdt};
	mem_rsdp(m, 2, 0, mem_xsdt(m, x2, 2));
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: DSDT bad signature, ignored"));
	assert_int_equal(info->tables.count, 2);
	assert_null(info->tables.dsdt);
	assert_int_equal(acpi_dsdt(&info->tables, &aml), ACPI_ERR_NOT_FOUND);
	free(info);
	mem_free(m);
}

/* Two SSDTs and a stray DSDT-signed table in the XSDT: equal signatures print in table
 * order, and the DSDT is the one the FADT names. */
static void test_ssdt_order_and_aml(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	struct lines out = {.n = 0};
	struct acpi_aml aml;
	uint8_t a[3] = {1, 2, 3}, b[5] = {4, 5, 6, 7, 8};
	(void)state;

	uint64_t x[3] = {mem_table(m, "SSDT", 2, b, sizeof(b)), mem_table(m, "DSDT", 2, NULL, 0),
			 mem_table(m, "SSDT", 1, a, sizeof(a))};
	build_basic(m, x, 3);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_int_equal(hooks_log_count(), 0);
	acpi_print(info, collect, &out);
	assert_int_equal(out.n, 6);
	assert_string_equal(out.line[0], "acpi DSDT len=36"); /* the stray one, listed first */
	assert_string_equal(out.line[1], "acpi DSDT len=43");
	assert_string_equal(out.line[2], "acpi FACP len=276");
	assert_string_equal(out.line[3], "acpi FACS len=64");
	assert_string_equal(out.line[4], "acpi SSDT len=41");
	assert_string_equal(out.line[5], "acpi SSDT len=39");
	assert_int_equal(acpi_ssdt(&info->tables, 0, &aml), ACPI_OK);
	assert_int_equal(aml.len, 5);
	assert_memory_equal(aml.body, b, 5);
	assert_int_equal(acpi_ssdt(&info->tables, 1, &aml), ACPI_OK);
	assert_int_equal(aml.len, 3);
	assert_int_equal(aml.revision, 1);
	assert_memory_equal(aml.body, a, 3);
	assert_int_equal(acpi_ssdt(&info->tables, 2, &aml), ACPI_ERR_NOT_FOUND);
	assert_int_equal(acpi_dsdt(&info->tables, &aml), ACPI_OK);
	assert_int_equal(aml.phys, info->fadt.dsdt);
	assert_int_equal(aml.len, 7);
	lines_free(&out);
	free(info);
	mem_free(m);
}

/* A FADT that names a DSDT the XSDT already lists is not listed twice. */
static void test_dsdt_listed_once(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	(void)state;

	uint64_t dsdt = mem_dsdt(m), facs = mem_facs(m, 64);
	uint64_t x[2] = {mem_fadt(m, 6, 276, (uint32_t)dsdt, (uint32_t)facs), dsdt};
	mem_rsdp(m, 2, 0, mem_xsdt(m, x, 2));
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_int_equal(info->tables.count, 3);
	assert_int_equal(info->tables.table[1].origin, ACPI_ORIGIN_ROOT);
	assert_int_equal(info->tables.table[2].origin, ACPI_ORIGIN_FADT);
	assert_null(acpi_table_find(&info->tables, "DSDT", 1));
	assert_int_equal(hooks_log_count(), 0);
	free(info);
	mem_free(m);
}

/* Every decoded table on one machine: summary lines follow their table's line. */
static void test_print_all(void **state)
{
	struct fake_mem *m = mem_new();
	struct acpi_mem mem = mem_of(m);
	struct acpi_info *info = info_new();
	struct lines out = {.n = 0};
	uint64_t x[4];
	(void)state;

	static const uint8_t apic[] = {
	    0x00, 0x00, 0xe0, 0xfe, 0x01, 0x00, 0x00, 0x00, /* LAPIC addr, flags */
	    0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* CPU 0, enabled */
	    0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, /* CPU 1, disabled */
	    0x01, 0x0c, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xfe, 0,	  0,	0, 0, /* I/O APIC 0 */
	    0x01, 0x0c, 0x01, 0x00, 0x00, 0x10, 0xc0, 0xfe, 24,	  0,	0, 0, /* I/O APIC 1 */
	    0x02, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,	      /* IRQ0 -> GSI2 */
	    0x02, 0x0a, 0x00, 0x09, 0x09, 0x00, 0x00, 0x00, 0x0f, 0x00,	      /* IRQ9, level low */
	};
	static const uint8_t mcfg[] = {
	    0,	  0,	0,    0,    0, 0, 0, 0,					    /* reserved */
	    0x00, 0x00, 0x00, 0xe0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x3f, 0, 0, 0, 0, /* seg 0 */
	    0x00, 0x00, 0x00, 0xf0, 0, 0, 0, 0, 0x01, 0x00, 0x40, 0x20, 0, 0, 0, 0, /* bad */
	    0x00, 0x00, 0x00, 0xf0, 0, 0, 0, 0, 0x02, 0x00, 0x10, 0x1f, 0, 0, 0, 0, /* seg 2 */
	};
	static const uint8_t dmar[] = {
	    38,	  0x01, 0,    0,    0,	  0,	0,    0,    0,	  0,	0,    0, /* width,
										    INTR_REMAP */
	    0x00, 0x00, 0x18, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0xd9, 0xfe, 0,
	    0,	  0,	0,				    /* DRHD, INCLUDE_PCI_ALL, 0xfed91000 */
	    0x03, 0x08, 0x00, 0x00, 0x02, 0xf0, 0x1f, 0x00, /* I/O APIC scope */
	};
	static const uint8_t hpet[] = {
	    0x01, 0xa2, 0x86, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0xd0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	x[0] = mem_table(m, "DMAR", 1, dmar, sizeof(dmar));
	x[1] = mem_table(m, "MCFG", 1, mcfg, sizeof(mcfg));
	x[2] = mem_table(m, "APIC", 5, apic, sizeof(apic));
	x[3] = mem_table(m, "HPET", 1, hpet, sizeof(hpet));
	build_basic(m, x, 4);
	assert_int_equal(acpi_parse(info, &mem, RSDP_PHYS), ACPI_OK);
	assert_true(hooks_log_contains("acpi: MCFG bad bus range, ignored"));
	assert_int_equal(hooks_log_count(), 1);
	acpi_print(info, collect, &out);
	static const char *const want[] = {
	    "acpi APIC len=104",
	    "madt cpus=1 ioapic=0@0xfec00000/gsi=0 ioapic=1@0xfec01000/gsi=24 iso=0>2/0x0 "
	    "iso=9>9/0xf",
	    "acpi DMAR len=72",
	    "dmar drhd seg=0 base=0xfed91000 flags=0x1",
	    "acpi DSDT len=43",
	    "acpi FACP len=276",
	    "acpi FACS len=64",
	    "acpi HPET len=56",
	    "acpi MCFG len=92",
	    "mcfg seg=0 base=0xe0000000 bus=00-3f",
	    "mcfg seg=2 base=0xf0000000 bus=10-1f",
	};
	assert_int_equal(out.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < out.n; i++)
		assert_string_equal(out.line[i], want[i]);
	assert_true(info->has_hpet);
	assert_true(info->has_dmar);
	assert_int_equal(info->dmar.drhd[0].scopes.dev[0].type, ACPI_DMAR_SCOPE_IOAPIC);
	lines_free(&out);
	free(info);
	mem_free(m);
}

static void test_status_str(void **state)
{
	(void)state;
	assert_string_equal(acpi_status_str(ACPI_OK), "ok");
	assert_string_equal(acpi_status_str(ACPI_ERR_NOT_FOUND), "not found");
	assert_string_equal(acpi_status_str(ACPI_ERR_UNMAPPED), "unmapped");
	assert_string_equal(acpi_status_str(ACPI_ERR_CORRUPT), "corrupt");
	assert_string_equal(acpi_status_str((enum acpi_status)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_q35_canon, setup),
	    cmocka_unit_test_setup(test_pc_legacy_canon, setup),
	    cmocka_unit_test_setup(test_rsdp_bad_checksum, setup),
	    cmocka_unit_test_setup(test_rsdp_bad_extended_checksum, setup),
	    cmocka_unit_test_setup(test_rsdp_scan, setup),
	    cmocka_unit_test_setup(test_table_bad_checksum, setup),
	    cmocka_unit_test_setup(test_table_truncated, setup),
	    cmocka_unit_test_setup(test_xsdt_absurd_counts, setup),
	    cmocka_unit_test_setup(test_xsdt_bad_entries, setup),
	    cmocka_unit_test_setup(test_xsdt_corrupt_falls_back_to_rsdt, setup),
	    cmocka_unit_test_setup(test_fadt_references, setup),
	    cmocka_unit_test_setup(test_ssdt_order_and_aml, setup),
	    cmocka_unit_test_setup(test_dsdt_listed_once, setup),
	    cmocka_unit_test_setup(test_print_all, setup),
	    cmocka_unit_test_setup(test_status_str, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
