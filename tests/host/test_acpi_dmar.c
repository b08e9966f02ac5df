/* test_acpi_dmar: the DMAR decoder (Intel VT-d 4.1 chapter 8) on a table shaped like a
 * typical Intel client's, and on hostile ones. Tables live in exact-size heap buffers so
 * ASan catches any overread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hooks_host.h"
#include "hw/acpi.h"
#include "lib/acpi/acpi.h"

struct tb {
	uint8_t b[8192];
	size_t n;
};

static void add(struct tb *t, const void *p, size_t n)
{
	assert_true(t->n + n <= sizeof(t->b));
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

static void add8(struct tb *t, uint8_t v)
{
	add(t, &v, 1);
}

static void add16(struct tb *t, uint16_t v)
{
	add(t, &v, 2);
}

static void add64(struct tb *t, uint64_t v)
{
	add(t, &v, 8);
}

/* Starts a DMAR: header, host address width, flags, reserved. */
static void dmar_init(struct tb *t, uint8_t haw, uint8_t flags)
{
	memset(t->b, 0, sizeof(t->b));
	t->n = 36;
	add8(t, haw);
	add8(t, flags);
	add(t, "\0\0\0\0\0\0\0\0\0\0", 10);
}

/* Starts a remapping structure; returns its offset for st_end. */
static size_t st_begin(struct tb *t, uint16_t type)
{
	size_t at = t->n;
	add16(t, type);
	add16(t, 0); /* length, set by st_end */
	return at;
}

static void st_end(struct tb *t, size_t at)
{
	uint16_t len = (uint16_t)(t->n - at);
	memcpy(t->b + at + 2, &len, 2);
}

static size_t drhd(struct tb *t, uint8_t flags, uint16_t seg, uint64_t base)
{
	size_t at = st_begin(t, ACPI_DMAR_TYPE_DRHD);
	add8(t, flags);
	add8(t, 0);
	add16(t, seg);
	add64(t, base);
	return at;
}

static size_t rmrr(struct tb *t, uint16_t seg, uint64_t base, uint64_t limit)
{
	size_t at = st_begin(t, ACPI_DMAR_TYPE_RMRR);
	add16(t, 0);
	add16(t, seg);
	add64(t, base);
	add64(t, limit);
	return at;
}

/* A device scope with npath (device, function) pairs from path[]. */
static void scope(struct tb *t, uint8_t type, uint8_t id, uint8_t bus, const uint8_t *path,
		  size_t npath)
{
	add8(t, type);
	add8(t, (uint8_t)(6 + 2 * npath));
	add8(t, 0);
	add8(t, 0);
	add8(t, id);
	add8(t, bus);
	add(t, path, 2 * npath);
}

static uint8_t *tb_done(struct tb *t)
{
	uint32_t len = (uint32_t)t->n;
	uint8_t *p = malloc(t->n), sum = 0;
	assert_non_null(p);
	memcpy(t->b, "DMAR", 4);
	memcpy(t->b + 4, &len, 4);
	t->b[8] = 1;
	t->b[9] = 0;
	for (size_t i = 0; i < t->n; i++)
		sum = (uint8_t)(sum + t->b[i]);
	t->b[9] = (uint8_t)-sum;
	memcpy(p, t->b, t->n);
	return p;
}

static struct acpi_dmar_info dmar; /* large: kept out of the stack */
static struct acpi_info info;

static int setup(void **state)
{
	(void)state;
	hooks_log_reset();
	return 0;
}

/* A client-style DMAR: an integrated-graphics unit, a catch-all unit holding the I/O APIC
 * and HPET, two RMRRs, an ATSR, and an RHSA and SATC that are skipped. */
static void build_client(struct tb *t)
{
	static const uint8_t gfx[] = {0x02, 0x00}, xhci[] = {0x14, 0x00};
	static const uint8_t ioapic[] = {0x1e, 0x07}, hpet[] = {0x1e, 0x06};
	static const uint8_t deep[] = {0x1c, 0x00, 0x00, 0x00}; /* root port, then device */
	size_t at;

	dmar_init(t, 38, ACPI_DMAR_FLAG_INTR_REMAP | ACPI_DMAR_FLAG_X2APIC_OPT_OUT);
	at = drhd(t, 0, 0, 0xfed90000);
	scope(t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, gfx, 1);
	st_end(t, at);
	at = drhd(t, ACPI_DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xfed91000);
	scope(t, ACPI_DMAR_SCOPE_IOAPIC, 2, 0xf0, ioapic, 1);
	scope(t, ACPI_DMAR_SCOPE_HPET, 0, 0x00, hpet, 1);
	st_end(t, at);
	at = rmrr(t, 0, 0x3c000000, 0x3c7fffff);
	scope(t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, xhci, 1);
	st_end(t, at);
	at = rmrr(t, 0, 0x7b800000, 0x7fffffff);
	scope(t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, gfx, 1);
	scope(t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, deep, 2);
	st_end(t, at);
	at = st_begin(t, ACPI_DMAR_TYPE_ATSR);
	add8(t, ACPI_DMAR_ATSR_ALL_PORTS);
	add8(t, 0);
	add16(t, 0);
	st_end(t, at);
	at = st_begin(t, ACPI_DMAR_TYPE_RHSA);
	add(t, "\0\0\0\0\0\x90\xfd\xfe\0\0\0\0\0\0\0\0", 16);
	st_end(t, at);
	at = st_begin(t, ACPI_DMAR_TYPE_SATC);
	add(t, "\1\0\0\0", 4);
	scope(t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, gfx, 1);
	st_end(t, at);
}

struct lines {
	char *line[16];
	size_t n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *ls = ctx;
	if (ls->n < 16)
		ls->line[ls->n++] = strdup(line);
}

static void test_dmar_client(void **state)
{
	struct lines out = {.n = 0};
	struct tb t;
	uint8_t *p;
	(void)state;

	build_client(&t);
	p = tb_done(&t);
	assert_int_equal(acpi_dmar_parse(p, t.n, &dmar), ACPI_OK);
	assert_int_equal(hooks_log_count(), 0);
	assert_int_equal(dmar.host_address_width, 38);
	assert_int_equal(dmar.flags, ACPI_DMAR_FLAG_INTR_REMAP | ACPI_DMAR_FLAG_X2APIC_OPT_OUT);
	assert_int_equal(dmar.ndrhd, 2);
	assert_int_equal(dmar.drhd[0].base, 0xfed90000);
	assert_int_equal(dmar.drhd[0].flags, 0);
	assert_int_equal(dmar.drhd[0].scopes.count, 1);
	assert_int_equal(dmar.drhd[0].scopes.dev[0].type, ACPI_DMAR_SCOPE_ENDPOINT);
	assert_int_equal(dmar.drhd[0].scopes.dev[0].path[0].device, 2);
	assert_int_equal(dmar.drhd[1].flags, ACPI_DMAR_DRHD_INCLUDE_PCI_ALL);
	assert_int_equal(dmar.drhd[1].scopes.count, 2);
	assert_int_equal(dmar.drhd[1].scopes.dev[0].type, ACPI_DMAR_SCOPE_IOAPIC);
	assert_int_equal(dmar.drhd[1].scopes.dev[0].enumeration_id, 2);
	assert_int_equal(dmar.drhd[1].scopes.dev[0].start_bus, 0xf0);
	assert_int_equal(dmar.drhd[1].scopes.dev[0].path[0].device, 0x1e);
	assert_int_equal(dmar.drhd[1].scopes.dev[0].path[0].function, 7);
	assert_int_equal(dmar.drhd[1].scopes.dev[1].type, ACPI_DMAR_SCOPE_HPET);
	assert_int_equal(dmar.nrmrr, 2);
	assert_int_equal(dmar.rmrr[0].base, 0x3c000000);
	assert_int_equal(dmar.rmrr[0].limit, 0x3c7fffff);
	assert_int_equal(dmar.rmrr[0].scopes.dev[0].path[0].device, 0x14);
	assert_int_equal(dmar.rmrr[1].scopes.count, 2);
	assert_int_equal(dmar.rmrr[1].scopes.dev[1].npath, 2);
	assert_int_equal(dmar.rmrr[1].scopes.dev[1].path[0].device, 0x1c);
	assert_int_equal(dmar.natsr, 1);
	assert_int_equal(dmar.atsr[0].flags, ACPI_DMAR_ATSR_ALL_PORTS);
	assert_int_equal(dmar.atsr[0].scopes.count, 0);
	assert_int_equal(dmar.other, 2);

	/* Printed: one line per DRHD after the table's own line. */
	memset(&info, 0, sizeof(info));
	memcpy(info.tables.table[0].sig, "DMAR", 4);
	info.tables.table[0].len = (uint32_t)t.n;
	info.tables.count = 1;
	info.has_dmar = true;
	info.dmar = dmar;
	acpi_print(&info, collect, &out);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.line[1], "dmar drhd seg=0 base=0xfed90000 flags=0x0");
	assert_string_equal(out.line[2], "dmar drhd seg=0 base=0xfed91000 flags=0x1");
	for (size_t i = 0; i < out.n; i++)
		free(out.line[i]);
	free(p);
}

/* Rejects the table built in t with `reason`: all or nothing. */
static void expect_rejected(struct tb *t, const char *reason)
{
	uint8_t *p = tb_done(t);
	hooks_log_reset();
	assert_int_equal(acpi_dmar_parse(p, t->n, &dmar), ACPI_ERR_CORRUPT);
	if (!hooks_log_contains(reason))
		fail_msg("no report \"%s\" (got \"%s\")", reason, hooks_log_line(0));
	assert_int_equal(dmar.ndrhd, 0);
	assert_int_equal(dmar.nrmrr, 0);
	assert_int_equal(dmar.natsr, 0);
	free(p);
}

static void test_dmar_scope_overruns_parent(void **state)
{
	static const uint8_t path[] = {0x02, 0x00};
	struct tb t;
	size_t at;
	(void)state;

	/* The scope claims 10 bytes; its DRHD ends after 8. A good unit comes first, so
	 * rejecting the whole table is visible. */
	dmar_init(&t, 38, 0);
	at = drhd(&t, ACPI_DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xfed91000);
	st_end(&t, at);
	at = drhd(&t, 0, 0, 0xfed90000);
	scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, path, 1);
	t.b[t.n - 7] = 10;
	st_end(&t, at);
	at = drhd(&t, 0, 0, 0xfed92000); /* the scope's extra bytes land here */
	st_end(&t, at);
	expect_rejected(&t, "acpi: DMAR device scope overruns its structure, ignored");

	/* Fewer bytes left in the RMRR than a scope header. */
	dmar_init(&t, 38, 0);
	at = rmrr(&t, 0, 0x1000, 0x1fff);
	add(&t, "\1\6\0", 3);
	st_end(&t, at);
	expect_rejected(&t, "acpi: DMAR device scope overruns its structure, ignored");

	/* An ATSR whose scope runs past the end of the table. */
	dmar_init(&t, 38, 0);
	at = st_begin(&t, ACPI_DMAR_TYPE_ATSR);
	add(&t, "\0\0\0\0", 4);
	scope(&t, ACPI_DMAR_SCOPE_BRIDGE, 0, 0, path, 1);
	t.b[t.n - 7] = 40;
	st_end(&t, at);
	expect_rejected(&t, "acpi: DMAR device scope overruns its structure, ignored");
}

static void test_dmar_bad_scope_length(void **state)
{
	static const uint8_t path[] = {0x02, 0x00, 0x03, 0x00};
	struct tb t;
	size_t at;
	(void)state;

	/* Length 0 would never advance. */
	dmar_init(&t, 38, 0);
	at = drhd(&t, 0, 0, 0xfed90000);
	scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, path, 1);
	t.b[t.n - 7] = 0;
	st_end(&t, at);
	expect_rejected(&t, "acpi: DMAR bad device scope length, ignored");

	/* An odd length leaves half a path entry. */
	dmar_init(&t, 38, 0);
	at = drhd(&t, 0, 0, 0xfed90000);
	scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, path, 2);
	t.b[t.n - 9] = 9;
	st_end(&t, at);
	expect_rejected(&t, "acpi: DMAR bad device scope length, ignored");
}

static void test_dmar_bad_structures(void **state)
{
	struct tb t;
	size_t at;
	(void)state;

	/* Structure length 0 (would never advance), 3, and past the table. */
	dmar_init(&t, 38, 0);
	st_begin(&t, ACPI_DMAR_TYPE_DRHD);
	add(&t, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	expect_rejected(&t, "acpi: DMAR structure length below 4, ignored");
	dmar_init(&t, 38, 0);
	at = st_begin(&t, ACPI_DMAR_TYPE_RHSA);
	add(&t, "\0\0\0\0", 4);
	st_end(&t, at);
	t.b[at + 2] = 3;
	expect_rejected(&t, "acpi: DMAR structure length below 4, ignored");
	dmar_init(&t, 38, 0);
	at = drhd(&t, 0, 0, 0xfed90000);
	st_end(&t, at);
	t.b[at + 2] = 0x40;
	expect_rejected(&t, "acpi: DMAR structure overruns table, ignored");

	/* Two bytes left: not even a structure header. */
	dmar_init(&t, 38, 0);
	add16(&t, 0);
	expect_rejected(&t, "acpi: DMAR partial structure header, ignored");

	/* Structures shorter than their fixed part. */
	dmar_init(&t, 38, 0);
	at = st_begin(&t, ACPI_DMAR_TYPE_DRHD);
	add(&t, "\0\0\0\0\0\0\0\0", 8);
	st_end(&t, at);
	expect_rejected(&t, "acpi: DMAR short DRHD, ignored");
	dmar_init(&t, 38, 0);
	at = st_begin(&t, ACPI_DMAR_TYPE_RMRR);
	add(&t, "\0\0\0\0\0\0\0\0", 8);
	st_end(&t, at);
	expect_rejected(&t, "acpi: DMAR short RMRR, ignored");
	dmar_init(&t, 38, 0);
	at = st_begin(&t, ACPI_DMAR_TYPE_ATSR);
	st_end(&t, at);
	expect_rejected(&t, "acpi: DMAR short ATSR, ignored");

	/* Register base 0 or unaligned; RMRR base above its limit. */
	dmar_init(&t, 38, 0);
	st_end(&t, drhd(&t, 0, 0, 0));
	expect_rejected(&t, "acpi: DMAR bad DRHD register base, ignored");
	dmar_init(&t, 38, 0);
	st_end(&t, drhd(&t, 0, 0, 0xfed90010));
	expect_rejected(&t, "acpi: DMAR bad DRHD register base, ignored");
	dmar_init(&t, 38, 0);
	st_end(&t, rmrr(&t, 0, 0x2000, 0x1fff));
	expect_rejected(&t, "acpi: DMAR RMRR base above limit, ignored");

	/* The table itself shorter than its fixed part, or than its header says. */
	dmar_init(&t, 38, 0);
	t.n = 40;
	expect_rejected(&t, "acpi: DMAR too short, ignored");
	build_client(&t);
	uint8_t *p = tb_done(&t);
	hooks_log_reset();
	assert_int_equal(acpi_dmar_parse(p, t.n - 1, &dmar), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: DMAR truncated, ignored"));
	free(p);
}

static void test_dmar_capacity(void **state)
{
	static const uint8_t path9[18] = {0};
	static const uint8_t path1[2] = {0x1f, 0x00};
	struct tb t;
	size_t at;
	uint8_t *p;
	(void)state;

	dmar_init(&t, 46, 0);
	for (int i = 0; i < ACPI_DMAR_MAX_DRHD + 2; i++) {
		at = drhd(&t, 0, (uint16_t)i, 0xfed90000u + 0x1000u * (unsigned)i);
		if (i == 0) {
			for (int k = 0; k < ACPI_DMAR_MAX_SCOPES + 3; k++)
				scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, (uint8_t)k, path1, 1);
			scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, path9, 9);
		}
		if (i == 1)
			scope(&t, ACPI_DMAR_SCOPE_BRIDGE, 0, 0, path9, 9); /* 9 hops: too deep */
		st_end(&t, at);
	}
	p = tb_done(&t);
	assert_int_equal(acpi_dmar_parse(p, t.n, &dmar), ACPI_OK);
	assert_int_equal(dmar.ndrhd, ACPI_DMAR_MAX_DRHD);
	assert_int_equal(dmar.drhd_overflow, 2);
	assert_int_equal(dmar.drhd[0].scopes.count, ACPI_DMAR_MAX_SCOPES);
	assert_int_equal(dmar.drhd[0].scopes.overflow, 4);
	assert_int_equal(dmar.drhd[0].scopes.dev[15].start_bus, 15);
	assert_int_equal(dmar.drhd[1].scopes.count, 0);
	assert_int_equal(dmar.drhd[1].scopes.overflow, 1);
	assert_int_equal(dmar.drhd[15].segment, 15);
	free(p);

	/* RMRRs and ATSRs past capacity are counted. */
	dmar_init(&t, 46, 0);
	for (int i = 0; i < ACPI_DMAR_MAX_RMRR + 3; i++) {
		at = rmrr(&t, 0, 0x1000u * (unsigned)i, 0x1000u * (unsigned)i + 0xfff);
		scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, path1, 1);
		st_end(&t, at);
	}
	for (int i = 0; i < ACPI_DMAR_MAX_ATSR + 1; i++) {
		at = st_begin(&t, ACPI_DMAR_TYPE_ATSR);
		add(&t, "\0\0\0\0", 4);
		scope(&t, ACPI_DMAR_SCOPE_BRIDGE, 0, 0, path1, 1);
		st_end(&t, at);
	}
	p = tb_done(&t);
	assert_int_equal(acpi_dmar_parse(p, t.n, &dmar), ACPI_OK);
	assert_int_equal(dmar.nrmrr, ACPI_DMAR_MAX_RMRR);
	assert_int_equal(dmar.rmrr_overflow, 3);
	assert_int_equal(dmar.natsr, ACPI_DMAR_MAX_ATSR);
	assert_int_equal(dmar.atsr_overflow, 1);
	assert_int_equal(dmar.atsr[7].scopes.dev[0].type, ACPI_DMAR_SCOPE_BRIDGE);
	free(p);

	/* A bad scope in a unit past capacity still rejects the table. */
	dmar_init(&t, 46, 0);
	for (int i = 0; i < ACPI_DMAR_MAX_DRHD + 1; i++) {
		at = drhd(&t, 0, 0, 0xfed90000u + 0x1000u * (unsigned)i);
		if (i == ACPI_DMAR_MAX_DRHD) {
			scope(&t, ACPI_DMAR_SCOPE_ENDPOINT, 0, 0, path1, 1);
			t.b[t.n - 7] = 0;
		}
		st_end(&t, at);
	}
	expect_rejected(&t, "acpi: DMAR bad device scope length, ignored");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_dmar_client, setup),
	    cmocka_unit_test_setup(test_dmar_scope_overruns_parent, setup),
	    cmocka_unit_test_setup(test_dmar_bad_scope_length, setup),
	    cmocka_unit_test_setup(test_dmar_bad_structures, setup),
	    cmocka_unit_test_setup(test_dmar_capacity, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
