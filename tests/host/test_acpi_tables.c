/* test_acpi_tables: the MADT, MCFG, HPET and FADT decoders on their own, fed real tables
 * from the fixtures and hostile ones built here. Every table lives in a heap buffer of
 * exactly the bytes the decoder is told it may read, so ASan catches any overread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "hooks_host.h"
#include "hw/acpi.h"
#include "lib/acpi/acpi.h"

/* A table under construction: a 36-byte header, then whatever is added. */
struct tb {
	uint8_t b[8192];
	size_t n;
};

static void tb_init(struct tb *t, size_t fixed)
{
	memset(t->b, 0, sizeof(t->b));
	t->n = fixed; /* header and fixed fields, zeroed */
}

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

static void add32(struct tb *t, uint32_t v)
{
	add(t, &v, 4);
}

static void add64(struct tb *t, uint64_t v)
{
	add(t, &v, 8);
}

/* Copies the table into an exact-size heap buffer with a finished header (signature,
 * revision, length, checksum). The caller frees it. */
static uint8_t *tb_done(struct tb *t, const char *sig, uint8_t rev)
{
	uint32_t len = (uint32_t)t->n;
	uint8_t *p = malloc(t->n), sum = 0;
	assert_non_null(p);
	memcpy(t->b, sig, 4);
	memcpy(t->b + 4, &len, 4);
	t->b[8] = rev;
	t->b[9] = 0;
	for (size_t i = 0; i < t->n; i++)
		sum = (uint8_t)(sum + t->b[i]);
	t->b[9] = (uint8_t)-sum;
	memcpy(p, t->b, t->n);
	return p;
}

static uint8_t *dup_bytes(const void *p, size_t n)
{
	uint8_t *d = malloc(n);
	assert_non_null(d);
	memcpy(d, p, n);
	return d;
}

static int setup(void **state)
{
	(void)state;
	hooks_log_reset();
	return 0;
}

/* ---- MADT (ACPI 6.5 §5.2.12) ---- */

static struct acpi_madt_info madt; /* large: kept out of the stack */

static void madt_init(struct tb *t)
{
	tb_init(t, 44);
	memcpy(t->b + 36, &(uint32_t){0xfee00000}, 4);
	t->b[40] = ACPI_MADT_FLAG_PCAT_COMPAT;
}

static void add_lapic(struct tb *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	add8(t, ACPI_MADT_TYPE_LAPIC);
	add8(t, 8);
	add8(t, uid);
	add8(t, id);
	add32(t, flags);
}

static void add_x2apic(struct tb *t, uint32_t id, uint32_t uid, uint32_t flags)
{
	add8(t, ACPI_MADT_TYPE_X2APIC);
	add8(t, 16);
	add16(t, 0);
	add32(t, id);
	add32(t, flags);
	add32(t, uid);
}

static void add_ioapic(struct tb *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
	add8(t, ACPI_MADT_TYPE_IOAPIC);
	add8(t, 12);
	add8(t, id);
	add8(t, 0);
	add32(t, addr);
	add32(t, gsi);
}

static void add_iso(struct tb *t, uint8_t src, uint32_t gsi, uint16_t flags)
{
	add8(t, ACPI_MADT_TYPE_ISO);
	add8(t, 10);
	add8(t, 0);
	add8(t, src);
	add32(t, gsi);
	add16(t, flags);
}

static void test_madt_fixtures(void **state)
{
	struct fixture *f = fixture_load("q35-virtio.txt");
	const struct fixture_acpi *a;
	uint8_t *p;
	(void)state;

	assert_non_null(f);
	a = fixture_acpi_find(f, "APIC");
	assert_non_null(a);
	p = dup_bytes(a->bytes, a->len);
	assert_int_equal(acpi_madt_parse(p, a->len, &madt), ACPI_OK);
	assert_int_equal(madt.lapic_address, 0xfee00000);
	assert_int_equal(madt.ncpu, 2);
	assert_int_equal(madt.cpus_enabled, 2);
	assert_int_equal(madt.cpu[0].apic_id, 0);
	assert_int_equal(madt.cpu[1].apic_id, 1);
	assert_false(madt.cpu[1].x2apic);
	assert_int_equal(madt.nioapic, 1);
	assert_int_equal(madt.ioapic[0].address, 0xfec00000);
	assert_int_equal(madt.ioapic[0].gsi_base, 0);
	assert_int_equal(madt.niso, 5);
	assert_int_equal(madt.iso[0].source, 0);
	assert_int_equal(madt.iso[0].gsi, 2);
	assert_int_equal(madt.iso[1].flags, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_LEVEL);
	assert_int_equal(madt.nlapic_nmi, 1);
	assert_int_equal(madt.ignored, 0);
	assert_int_equal(hooks_log_count(), 0);
	free(p);
	fixture_free(f);

	f = fixture_load("pc-legacy.txt");
	assert_non_null(f);
	a = fixture_acpi_find(f, "APIC");
	p = dup_bytes(a->bytes, a->len);
	assert_int_equal(acpi_madt_parse(p, a->len, &madt), ACPI_OK);
	assert_int_equal(madt.cpus_enabled, 1);
	assert_int_equal(madt.niso, 5);
	free(p);
	fixture_free(f);
}

static void test_madt_zero_length_entry(void **state)
{
	struct tb t;
	uint8_t *p;
	(void)state;

	/* Length 0 would never advance: the walk must stop, keeping what came before. */
	madt_init(&t);
	add_lapic(&t, 0, 0, ACPI_MADT_LAPIC_ENABLED);
	add8(&t, ACPI_MADT_TYPE_LAPIC);
	add8(&t, 0);
	add_lapic(&t, 1, 1, ACPI_MADT_LAPIC_ENABLED);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC entry length below 2, ignored"));
	assert_int_equal(madt.ncpu, 1);
	free(p);

	/* Length 1 likewise. */
	hooks_log_reset();
	madt_init(&t);
	add8(&t, ACPI_MADT_TYPE_IOAPIC);
	add8(&t, 1);
	add_ioapic(&t, 0, 0xfec00000, 0);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC entry length below 2, ignored"));
	assert_int_equal(madt.nioapic, 0);
	free(p);
}

static void test_madt_overlong_entry(void **state)
{
	struct tb t;
	uint8_t *p;
	(void)state;

	madt_init(&t);
	add_ioapic(&t, 0, 0xfec00000, 0);
	add8(&t, ACPI_MADT_TYPE_ISO);
	add8(&t, 200); /* runs far past the table */
	add8(&t, 0);
	add8(&t, 0);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC entry overruns table, ignored"));
	assert_int_equal(madt.nioapic, 1);
	assert_int_equal(madt.niso, 0);
	free(p);

	/* A trailing byte too few for an entry header. */
	hooks_log_reset();
	madt_init(&t);
	add_ioapic(&t, 0, 0xfec00000, 0);
	add8(&t, ACPI_MADT_TYPE_LAPIC);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC partial entry header, ignored"));
	assert_int_equal(madt.nioapic, 1);
	free(p);

	/* An entry longer than its type needs, but inside the table, is fine (§5.2.12: the
	 * length is what steps to the next entry). */
	hooks_log_reset();
	madt_init(&t);
	add8(&t, ACPI_MADT_TYPE_IOAPIC);
	add8(&t, 16);
	add8(&t, 7);
	add8(&t, 0);
	add32(&t, 0xfec01000);
	add32(&t, 24);
	add32(&t, 0xdeadbeef);
	add_iso(&t, 9, 9, 0xd);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_OK);
	assert_int_equal(madt.nioapic, 1);
	assert_int_equal(madt.ioapic[0].id, 7);
	assert_int_equal(madt.ioapic[0].gsi_base, 24);
	assert_int_equal(madt.niso, 1);
	assert_int_equal(hooks_log_count(), 0);
	free(p);
}

static void test_madt_short_entry(void **state)
{
	struct tb t;
	uint8_t *p;
	(void)state;

	/* An I/O APIC entry of 8 bytes lacks its GSI base: skipped, the walk goes on. */
	madt_init(&t);
	add8(&t, ACPI_MADT_TYPE_IOAPIC);
	add8(&t, 8);
	add8(&t, 0);
	add8(&t, 0);
	add32(&t, 0xfec00000);
	add_ioapic(&t, 1, 0xfec10000, 24);
	add8(&t, ACPI_MADT_TYPE_X2APIC);
	add8(&t, 12);
	add(&t, "\0\0\0\0\0\0\0\0\0\0", 10);
	add_lapic(&t, 0, 0, ACPI_MADT_LAPIC_ENABLED);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC entry too short for its type, ignored"));
	assert_int_equal(madt.ignored, 2);
	assert_int_equal(madt.nioapic, 1);
	assert_int_equal(madt.ioapic[0].id, 1);
	assert_int_equal(madt.ncpu, 1);
	free(p);
}

static void test_madt_table_length(void **state)
{
	struct tb t;
	uint8_t *p;
	(void)state;

	/* Shorter than the MADT's fixed part. */
	tb_init(&t, 40);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC too short, ignored"));
	free(p);

	/* Header length beyond the readable bytes. */
	hooks_log_reset();
	madt_init(&t);
	add_lapic(&t, 0, 0, ACPI_MADT_LAPIC_ENABLED);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n - 1, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC truncated, ignored"));
	assert_int_equal(madt.ncpu, 0);
	/* Fewer readable bytes than a header. */
	hooks_log_reset();
	assert_int_equal(acpi_madt_parse(p, 20, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC too short, ignored"));
	free(p);
}

static void test_madt_cpus(void **state)
{
	struct tb t;
	uint8_t *p;
	(void)state;

	madt_init(&t);
	add_lapic(&t, 0, 0, ACPI_MADT_LAPIC_ENABLED);
	add_lapic(&t, 1, 1, 0);				     /* not usable: left out */
	add_lapic(&t, 2, 2, ACPI_MADT_LAPIC_ONLINE_CAPABLE); /* hot-pluggable */
	add_lapic(&t, 3, 0xff, ACPI_MADT_LAPIC_ENABLED);     /* broadcast ID: left out */
	add_x2apic(&t, 300, 4, ACPI_MADT_LAPIC_ENABLED);
	add_x2apic(&t, 0, 5, ACPI_MADT_LAPIC_ENABLED);		/* duplicate of APIC ID 0 */
	add_lapic(&t, 6, 2, ACPI_MADT_LAPIC_ENABLED);		/* duplicate of APIC ID 2 */
	add_x2apic(&t, 0xffffffff, 7, ACPI_MADT_LAPIC_ENABLED); /* invalid ID: left out */
	add_ioapic(&t, 9, 0, 0);				/* address 0: dropped */
	add8(&t, ACPI_MADT_TYPE_LAPIC_OVERRIDE);
	add8(&t, 12);
	add16(&t, 0);
	add64(&t, 0x1fee00000ull);
	add8(&t, ACPI_MADT_TYPE_LAPIC_OVERRIDE); /* to 0: dropped, the earlier one stays */
	add8(&t, 12);
	add16(&t, 0);
	add64(&t, 0);
	add8(&t, 0x7f); /* a type this parser does not know */
	add8(&t, 4);
	add16(&t, 0);
	add8(&t, ACPI_MADT_TYPE_NMI_SOURCE);
	add8(&t, 8);
	add16(&t, 0x5);
	add32(&t, 2);
	add8(&t, ACPI_MADT_TYPE_X2APIC_NMI);
	add8(&t, 12);
	add16(&t, 0);
	add32(&t, 0xffffffff);
	add8(&t, 1);
	add(&t, "\0\0\0", 3);
	p = tb_done(&t, "APIC", 5);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: APIC duplicate APIC ID, ignored"));
	assert_true(hooks_log_contains("acpi: APIC I/O APIC at address 0, ignored"));
	assert_true(hooks_log_contains("acpi: APIC local APIC override to address 0, ignored"));
	assert_int_equal(madt.nioapic, 0);
	assert_int_equal(madt.ncpu, 3);
	assert_int_equal(madt.cpus_enabled, 2);
	assert_int_equal(madt.cpu[1].apic_id, 2);
	assert_int_equal(madt.cpu[1].flags, ACPI_MADT_LAPIC_ONLINE_CAPABLE);
	assert_int_equal(madt.cpu[2].apic_id, 300);
	assert_int_equal(madt.cpu[2].uid, 4);
	assert_true(madt.cpu[2].x2apic);
	assert_int_equal(madt.lapic_address, 0x1fee00000ull);
	assert_int_equal(madt.unknown, 1);
	assert_int_equal(madt.ignored, 4);
	assert_int_equal(madt.nnmi_source, 1);
	assert_int_equal(madt.nmi_source[0].gsi, 2);
	assert_int_equal(madt.nlapic_nmi, 1);
	assert_int_equal(madt.lapic_nmi[0].uid, ACPI_LAPIC_NMI_ALL_CPUS);
	free(p);

	/* Before MADT revision 5 the online-capable bit is reserved. */
	madt_init(&t);
	add_lapic(&t, 2, 2, ACPI_MADT_LAPIC_ONLINE_CAPABLE);
	p = tb_done(&t, "APIC", 4);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_OK);
	assert_int_equal(madt.ncpu, 0);
	free(p);
}

static void test_madt_capacity(void **state)
{
	struct tb t;
	uint8_t *p;
	(void)state;

	madt_init(&t);
	for (uint32_t i = 0; i < 300; i++)
		add_x2apic(&t, i, i, ACPI_MADT_LAPIC_ENABLED);
	for (uint8_t i = 0; i < 18; i++)
		add_ioapic(&t, i, 0xfec00000u + i * 0x1000u, i * 24u);
	for (uint8_t i = 0; i < 35; i++)
		add_iso(&t, i, i, 0);
	for (int i = 0; i < 40; i++) {
		add8(&t, ACPI_MADT_TYPE_LAPIC_NMI);
		add8(&t, 6);
		add8(&t, (uint8_t)i);
		add16(&t, 0);
		add8(&t, 1);
		add8(&t, ACPI_MADT_TYPE_NMI_SOURCE);
		add8(&t, 8);
		add16(&t, 0);
		add32(&t, (uint32_t)i);
	}
	p = tb_done(&t, "APIC", 5);
	assert_int_equal(acpi_madt_parse(p, t.n, &madt), ACPI_OK);
	assert_int_equal(madt.ncpu, ACPI_MADT_MAX_CPUS);
	assert_int_equal(madt.cpus_enabled, ACPI_MADT_MAX_CPUS);
	assert_int_equal(madt.cpu_overflow, 300 - ACPI_MADT_MAX_CPUS);
	assert_int_equal(madt.nioapic, ACPI_MADT_MAX_IOAPICS);
	assert_int_equal(madt.ioapic_overflow, 18 - ACPI_MADT_MAX_IOAPICS);
	assert_int_equal(madt.niso, ACPI_MADT_MAX_ISOS);
	assert_int_equal(madt.iso_overflow, 35 - ACPI_MADT_MAX_ISOS);
	assert_int_equal(madt.nlapic_nmi, ACPI_MADT_MAX_LAPIC_NMIS);
	assert_int_equal(madt.lapic_nmi_overflow, 40 - ACPI_MADT_MAX_LAPIC_NMIS);
	assert_int_equal(madt.lapic_nmi[5].uid, 5);
	assert_int_equal(madt.nnmi_source, ACPI_MADT_MAX_NMI_SOURCES);
	assert_int_equal(madt.nmi_source_overflow, 40 - ACPI_MADT_MAX_NMI_SOURCES);
	free(p);
}

static void collect_last(void *ctx, const char *line)
{
	char **last = ctx;
	free(*last);
	*last = strdup(line);
}

/* The longest possible madt line fits the print buffer: every field at its widest. */
static void test_madt_longest_line(void **state)
{
	static struct acpi_info info;
	char *last = NULL;
	(void)state;

	memcpy(info.tables.table[0].sig, "APIC", 4);
	info.tables.count = 1;
	info.has_madt = true;
	info.madt.cpus_enabled = 256;
	info.madt.nioapic = ACPI_MADT_MAX_IOAPICS;
	for (size_t i = 0; i < ACPI_MADT_MAX_IOAPICS; i++)
		info.madt.ioapic[i] = (struct acpi_ioapic){255, 0xffffffffu, 0xffffffffu};
	info.madt.niso = ACPI_MADT_MAX_ISOS;
	for (size_t i = 0; i < ACPI_MADT_MAX_ISOS; i++)
		info.madt.iso[i] = (struct acpi_iso){0, 255, 0xffff, 0xffffffffu};
	acpi_print(&info, collect_last, &last);
	assert_non_null(last);
	assert_int_equal(strlen(last), 13 + 16 * 37 + 32 * 26);
	assert_true(strlen(last) < ACPI_PRINT_LINE_MAX);
	assert_string_equal(last + strlen(last) - 26, " iso=255>4294967295/0xffff");
	free(last);
}

/* ---- MCFG (PCI Firmware 3.3 §4.1.2) ---- */

static void add_alloc(struct tb *t, uint64_t base, uint16_t seg, uint8_t start, uint8_t end)
{
	add64(t, base);
	add16(t, seg);
	add8(t, start);
	add8(t, end);
	add32(t, 0);
}

static void test_mcfg(void **state)
{
	struct fixture *f = fixture_load("q35-virtio.txt");
	struct acpi_mcfg_info mcfg;
	struct tb t;
	uint8_t *p;
	(void)state;

	assert_non_null(f);
	const struct fixture_acpi *a = fixture_acpi_find(f, "MCFG");
	p = dup_bytes(a->bytes, a->len);
	assert_int_equal(acpi_mcfg_parse(p, a->len, &mcfg), ACPI_OK);
	assert_int_equal(mcfg.count, 1);
	assert_int_equal(mcfg.region[0].base, 0xb0000000);
	assert_int_equal(mcfg.region[0].segment, 0);
	assert_int_equal(mcfg.region[0].bus_start, 0);
	assert_int_equal(mcfg.region[0].bus_end, 0xff);
	free(p);
	fixture_free(f);

	/* Bus start after bus end, a null base, an unaligned base, a window wrapping past
	 * 2^64: each dropped and reported, the good entries around them kept. */
	tb_init(&t, 44);
	add_alloc(&t, 0xe0000000, 0, 0, 0x3f);
	add_alloc(&t, 0xf0000000, 1, 0x80, 0x10);
	add_alloc(&t, 0, 2, 0, 0xff);
	add_alloc(&t, 0xf0000800, 3, 0, 0xff);
	add_alloc(&t, 0xfffffffff8000000ull, 4, 0, 0xff);
	add_alloc(&t, 0xfffffffff0000000ull, 5, 0, 0xff); /* ends exactly at 2^64 - 1 */
	add_alloc(&t, 0xd0000000, 6, 0x20, 0x20);
	p = tb_done(&t, "MCFG", 1);
	assert_int_equal(acpi_mcfg_parse(p, t.n, &mcfg), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: MCFG bad bus range, ignored"));
	assert_true(hooks_log_contains("acpi: MCFG bad base, ignored"));
	assert_int_equal(mcfg.ignored, 4);
	assert_int_equal(mcfg.count, 3);
	assert_int_equal(mcfg.region[0].segment, 0);
	assert_int_equal(mcfg.region[1].segment, 5);
	assert_int_equal(mcfg.region[2].segment, 6);
	assert_int_equal(mcfg.region[2].bus_start, 0x20);
	free(p);

	/* A partial trailing entry; too many entries. */
	hooks_log_reset();
	tb_init(&t, 44);
	for (uint16_t i = 0; i < 20; i++)
		add_alloc(&t, 0xe0000000, i, 0, 0xff);
	add(&t, "\1\2\3\4\5", 5);
	p = tb_done(&t, "MCFG", 1);
	assert_int_equal(acpi_mcfg_parse(p, t.n, &mcfg), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: MCFG partial entry, ignored"));
	assert_int_equal(mcfg.count, ACPI_MCFG_MAX_REGIONS);
	assert_int_equal(mcfg.overflow, 20 - ACPI_MCFG_MAX_REGIONS);
	free(p);

	/* Many bad entries: all counted, only the first few reported. */
	hooks_log_reset();
	tb_init(&t, 44);
	for (uint16_t i = 0; i < 100; i++)
		add_alloc(&t, 0xe0000000, i, 0xff, 0);
	p = tb_done(&t, "MCFG", 1);
	assert_int_equal(acpi_mcfg_parse(p, t.n, &mcfg), ACPI_ERR_CORRUPT);
	assert_int_equal(mcfg.ignored, 100);
	assert_int_equal(mcfg.count, 0);
	assert_int_equal(hooks_log_count(), 8);
	free(p);

	/* Shorter than its fixed part. */
	hooks_log_reset();
	tb_init(&t, 40);
	p = tb_done(&t, "MCFG", 1);
	assert_int_equal(acpi_mcfg_parse(p, t.n, &mcfg), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: MCFG too short, ignored"));
	assert_int_equal(mcfg.count, 0);
	free(p);
}

/* ---- HPET (IA-PC HPET 1.0a §3.2.4) ---- */

static void test_hpet(void **state)
{
	struct fixture *f = fixture_load("pc-legacy.txt");
	struct acpi_hpet_info hpet;
	uint8_t *p;
	(void)state;

	assert_non_null(f);
	const struct fixture_acpi *a = fixture_acpi_find(f, "HPET");
	p = dup_bytes(a->bytes, a->len);
	assert_int_equal(acpi_hpet_parse(p, a->len, &hpet), ACPI_OK);
	assert_int_equal(hpet.address, 0xfed00000);
	assert_int_equal(hpet.comparators, 3);
	assert_true(hpet.legacy_route);
	assert_true(hpet.counter_64);
	assert_int_equal(ACPI_HPET_ID_VENDOR(hpet.block_id), 0x8086);

	/* An I/O-space base is not an HPET. */
	p[40] = ACPI_GAS_SPACE_IO;
	assert_int_equal(acpi_hpet_parse(p, a->len, &hpet), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: HPET base not a memory address, ignored"));
	assert_int_equal(hpet.address, 0);
	/* Shorter than the table. */
	hooks_log_reset();
	assert_int_equal(acpi_hpet_parse(p, 50, &hpet), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: HPET too short, ignored"));
	free(p);
	fixture_free(f);
}

/* ---- FADT (ACPI 6.5 §5.2.9) ---- */

/* A 276-byte FADT image whose header claims `len` bytes; the bytes past len hold values
 * that must not be used. */
static uint8_t *fadt_image(uint8_t rev, uint32_t len)
{
	struct acpi_fadt f;
	memset(&f, 0, sizeof(f));
	memcpy(f.header.signature, "FACP", 4);
	f.header.length = len;
	f.header.revision = rev;
	f.firmware_ctrl = 0x1000;
	f.dsdt = 0x2000;
	f.sci_int = 9;
	f.pm_tmr_blk = 0x608;
	f.pm_tmr_len = 4;
	f.century = 0x32;
	f.iapc_boot_arch = ACPI_FADT_IAPC_8042 | ACPI_FADT_IAPC_NO_VGA;
	f.flags = ACPI_FADT_FLAG_RESET_REG_SUP | ACPI_FADT_FLAG_TMR_VAL_EXT;
	f.reset_reg = (struct acpi_gas){ACPI_GAS_SPACE_IO, 8, 0, 1, 0xcf9};
	f.reset_value = 6;
	f.x_firmware_ctrl = 0x11000;
	f.x_dsdt = 0x12000;
	f.x_pm_tmr_blk = (struct acpi_gas){ACPI_GAS_SPACE_MEMORY, 32, 0, 3, 0xfed80008};
	return dup_bytes(&f, sizeof(f));
}

static void test_fadt_lengths(void **state)
{
	struct acpi_fadt_info fi;
	uint8_t *p;
	(void)state;

	/* Revision 6, full length: the X_ fields win. */
	p = fadt_image(6, 276);
	assert_int_equal(acpi_fadt_parse(p, 276, &fi), ACPI_OK);
	assert_true(hooks_log_contains("acpi: FACP 32-bit DSDT differs from X_DSDT, ignored"));
	assert_int_equal(fi.dsdt, 0x12000);
	assert_int_equal(fi.facs, 0x11000);
	assert_true(fi.pm_timer.present);
	assert_int_equal(fi.pm_timer.space, ACPI_GAS_SPACE_MEMORY);
	assert_int_equal(fi.pm_timer.address, 0xfed80008);
	assert_true(fi.pm_timer.is_32bit);
	assert_true(fi.has_reset_reg);
	assert_int_equal(fi.reset_value, 6);
	assert_int_equal(fi.iapc_boot_arch, ACPI_FADT_IAPC_8042 | ACPI_FADT_IAPC_NO_VGA);
	free(p);

	/* Revision 3 but only 116 bytes long: nothing past `flags` may be used, even though
	 * the readable buffer holds more. */
	hooks_log_reset();
	p = fadt_image(3, 116);
	assert_int_equal(acpi_fadt_parse(p, 276, &fi), ACPI_OK);
	assert_true(hooks_log_contains("acpi: FACP truncated for its revision, ignored"));
	assert_int_equal(fi.length, 116);
	assert_int_equal(fi.dsdt, 0x2000);
	assert_int_equal(fi.facs, 0x1000);
	assert_false(fi.has_reset_reg);
	assert_int_equal(fi.pm_timer.space, ACPI_GAS_SPACE_IO);
	assert_int_equal(fi.pm_timer.address, 0x608);
	assert_int_equal(fi.flags, ACPI_FADT_FLAG_RESET_REG_SUP | ACPI_FADT_FLAG_TMR_VAL_EXT);
	free(p);

	/* Revision 2, 129 bytes (ACPI 1.0b with RESET_REG): reset register and boot flags,
	 * but no X_ fields, and nothing to report. */
	hooks_log_reset();
	p = fadt_image(2, 129);
	assert_int_equal(acpi_fadt_parse(p, 129, &fi), ACPI_OK);
	assert_int_equal(hooks_log_count(), 0);
	assert_true(fi.has_reset_reg);
	assert_int_equal(fi.reset_reg.address, 0xcf9);
	assert_int_equal(fi.iapc_boot_arch, ACPI_FADT_IAPC_8042 | ACPI_FADT_IAPC_NO_VGA);
	assert_int_equal(fi.dsdt, 0x2000);
	free(p);

	/* Revision 1, 100 bytes: the PM timer fields are in, `flags` is not (24-bit timer),
	 * and IAPC_BOOT_ARCH is reserved in revision 1. */
	p = fadt_image(1, 100);
	assert_int_equal(acpi_fadt_parse(p, 100, &fi), ACPI_OK);
	assert_int_equal(fi.flags, 0);
	assert_int_equal(fi.iapc_boot_arch, 0);
	assert_int_equal(fi.century, 0);
	assert_true(fi.pm_timer.present);
	assert_false(fi.pm_timer.is_32bit);
	assert_int_equal(fi.dsdt, 0x2000);
	free(p);

	/* Too short to hold the DSDT pointer. */
	hooks_log_reset();
	p = fadt_image(1, 40);
	assert_int_equal(acpi_fadt_parse(p, 276, &fi), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: FACP too short, ignored"));
	assert_int_equal(fi.dsdt, 0);
	free(p);

	/* A length past the readable bytes. */
	hooks_log_reset();
	p = fadt_image(6, 276);
	assert_int_equal(acpi_fadt_parse(p, 244, &fi), ACPI_ERR_CORRUPT);
	assert_true(hooks_log_contains("acpi: FACP truncated, ignored"));
	free(p);
}

static void test_fadt_hw_reduced(void **state)
{
	struct acpi_fadt_info fi;
	uint8_t *p = fadt_image(6, 276);
	struct acpi_fadt f;
	(void)state;

	memcpy(&f, p, sizeof(f));
	f.flags = ACPI_FADT_FLAG_HW_REDUCED;
	f.dsdt = 0;
	f.x_firmware_ctrl = 0;
	f.firmware_ctrl = 0;
	memcpy(p, &f, sizeof(f));
	assert_int_equal(acpi_fadt_parse(p, 276, &fi), ACPI_OK);
	assert_int_equal(hooks_log_count(), 0);
	assert_false(fi.pm_timer.present);
	assert_int_equal(fi.facs, 0);
	assert_int_equal(fi.dsdt, 0x12000);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_madt_fixtures, setup),
	    cmocka_unit_test_setup(test_madt_zero_length_entry, setup),
	    cmocka_unit_test_setup(test_madt_overlong_entry, setup),
	    cmocka_unit_test_setup(test_madt_short_entry, setup),
	    cmocka_unit_test_setup(test_madt_table_length, setup),
	    cmocka_unit_test_setup(test_madt_cpus, setup),
	    cmocka_unit_test_setup(test_madt_capacity, setup),
	    cmocka_unit_test_setup(test_madt_longest_line, setup),
	    cmocka_unit_test_setup(test_mcfg, setup),
	    cmocka_unit_test_setup(test_hpet, setup),
	    cmocka_unit_test_setup(test_fadt_lengths, setup),
	    cmocka_unit_test_setup(test_fadt_hw_reduced, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
