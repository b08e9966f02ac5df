/* test_aml: the DSDT/SSDT namespace reader (lib/acpi/aml_pci.c) on the real DSDTs of QEMU
 * microvm,pcie=on, q35 and pc, on hostile AML built here, and under random mutation.
 * Every body is walked from an exact-size heap copy, so ASan catches any overread. */
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
#include "lib/acpi/aml.h"
#include "lib/acpi/aml_pci.h"

#define HOSTS 4

static struct acpi_pci_host hosts[HOSTS];
static struct acpi_pci_host_list list;

static int setup(void **state)
{
	(void)state;
	hooks_log_reset();
	acpi_pci_host_list_init(&list, hosts, HOSTS);
	return 0;
}

/* Walks len bytes of body as a table of the given revision from an exact-size copy. */
static enum acpi_status walk(const uint8_t *body, size_t len, uint8_t revision)
{
	uint8_t *copy = malloc(len == 0 ? 1 : len);
	struct acpi_aml aml = {.body = copy, .len = len, .revision = revision};
	enum acpi_status s;

	assert_non_null(copy);
	memcpy(copy, body, len);
	s = acpi_aml_find_pci_hosts(&aml, "DSDT", &list);
	free(copy);
	return s;
}

/* The AML body of a fixture's DSDT (after the 36-byte header), malloc'd. */
static uint8_t *fixture_dsdt(const char *name, size_t *len, uint8_t *revision)
{
	struct fixture *f = fixture_load(name);
	const struct fixture_acpi *a;
	uint8_t *body;

	assert_non_null(f);
	a = fixture_acpi_find(f, "DSDT");
	assert_non_null(a);
	assert_true(a->len > sizeof(struct acpi_sdt_header));
	*len = a->len - sizeof(struct acpi_sdt_header);
	*revision = a->bytes[8];
	body = malloc(*len);
	assert_non_null(body);
	memcpy(body, a->bytes + sizeof(struct acpi_sdt_header), *len);
	fixture_free(f);
	return body;
}

static void print_hosts(const char *what)
{
	for (size_t i = 0; i < list.count; i++) {
		const struct acpi_pci_host *h = &hosts[i];
		print_message(
		    "%s: %s pcie=%d seg=%u/%d bbn=%u/%d bus=%02x-%02x/%d ecam=0x%llx/%d\n", what,
		    h->path, h->pcie, h->segment, h->has_seg, h->base_bus, h->has_bbn, h->bus_start,
		    h->bus_end, h->has_bus_range, (unsigned long long)h->ecam_base, h->has_ecam);
	}
	for (size_t i = 0; i < hooks_log_count(); i++)
		print_message("%s: log %s\n", what, hooks_log_line(i));
}

/* microvm's DSDT: Device (PCI0) with _HID "PNP0A08", _SEG 0, _BBN 0, Method (_CBA)
 * { Return (0xe0000000) } (bytes 14 0c 5f 43 42 41 00 a4 0c 00 00 00 e0) and a _CRS
 * whose WordBusNumber (88 0d 00 02 0c 00 0000 0000 00ff 0000 0100) covers 00-ff. */
static void test_microvm(void **state)
{
	uint8_t rev;
	size_t len;
	uint8_t *body = fixture_dsdt("../qemu/microvm-pcie.txt", &len, &rev);

	(void)state;
	assert_int_equal(walk(body, len, rev), ACPI_OK);
	print_hosts("microvm");
	assert_int_equal(list.count, 1);
	assert_int_equal(list.overflow, 0);
	assert_int_equal(list.cut, 0);
	assert_int_equal(hooks_log_count(), 0);
	assert_string_equal(hosts[0].path, "\\_SB_.PCI0");
	assert_true(hosts[0].pcie);
	assert_true(hosts[0].has_seg && hosts[0].has_bbn && hosts[0].has_bus_range);
	assert_int_equal(hosts[0].segment, 0);
	assert_int_equal(hosts[0].base_bus, 0);
	assert_int_equal(hosts[0].bus_start, 0x00);
	assert_int_equal(hosts[0].bus_end, 0xff);
	assert_true(hosts[0].has_ecam);
	assert_int_equal(hosts[0].ecam_base, 0xe0000000u);
	/* _CRS memory windows: 32-bit and 64-bit, as QEMU's microvm declares them. */
	assert_int_equal(hosts[0].nmem, 2);
	assert_int_equal(hosts[0].mem[0].base, 0xc0000000u);
	assert_int_equal(hosts[0].mem[0].len, 0x20000000u);
	assert_int_equal(hosts[0].mem[1].base, 0xc000000000ull);
	assert_int_equal(hosts[0].mem[1].len, 0x4000000000ull);
	free(body);
}

/* q35 and pc (QEMU 7.2): PCI0 with an EisaId _HID, no _SEG, _BBN or _CBA (the kernel
 * uses MCFG or port I/O); its _CRS is a Name in a later Scope (\_SB.PCI0), which must be
 * merged in. */
static void check_legacy(const char *name, bool pcie)
{
	uint8_t rev;
	size_t len;
	uint8_t *body = fixture_dsdt(name, &len, &rev);

	setup(NULL);
	assert_int_equal(rev, 1);
	/* QEMU's DSDTs hold nothing the walker gives up on. */
	assert_int_equal(walk(body, len, rev), ACPI_OK);
	print_hosts(name);
	assert_int_equal(list.cut, 0);
	assert_int_equal(hooks_log_count(), 0);
	assert_int_equal(list.count, 1);
	assert_string_equal(hosts[0].path, "\\_SB_.PCI0");
	assert_int_equal(hosts[0].pcie, pcie);
	assert_false(hosts[0].has_ecam || hosts[0].has_seg || hosts[0].has_bbn);
	/* 88 0d 00 02 0c 00 0000 0000 00ff 0000 0100: WordBusNumber 00-ff. */
	assert_true(hosts[0].has_bus_range);
	assert_int_equal(hosts[0].bus_start, 0x00);
	assert_int_equal(hosts[0].bus_end, 0xff);
	free(body);
}

static void test_q35_pc(void **state)
{
	(void)state;
	check_legacy("../qemu/q35.txt", true);
	check_legacy("q35-virtio.txt", true);
	check_legacy("../qemu/pc.txt", false);
	check_legacy("pc-legacy.txt", false);
}

/* An AML assembler: objects with a PkgLength are opened and closed; the PkgLength is
 * always written in 4 bytes (a valid, if not minimal, encoding). */
struct asm_buf {
	uint8_t b[16384];
	size_t n;
	size_t open[40];
	size_t depth;
};

static struct asm_buf a;

static void emit(const void *p, size_t n)
{
	assert_true(a.n + n <= sizeof(a.b));
	memcpy(a.b + a.n, p, n);
	a.n += n;
}

static void e8(uint8_t v)
{
	emit(&v, 1);
}

static void begin(uint8_t op, uint8_t ext)
{
	if (op == AML_EXT_PREFIX)
		e8(op), e8(ext);
	else
		e8(op);
	assert_true(a.depth < 40);
	a.open[a.depth++] = a.n;
	emit("\0\0\0\0", 4);
}

static void end(void)
{
	size_t at = a.open[--a.depth], v = a.n - at;

	a.b[at] = (uint8_t)(0xc0 | (v & 0x0f));
	a.b[at + 1] = (uint8_t)(v >> 4);
	a.b[at + 2] = (uint8_t)(v >> 12);
	a.b[at + 3] = (uint8_t)(v >> 20);
}

static void device(const char *seg)
{
	begin(AML_EXT_PREFIX, AML_X_DEVICE);
	emit(seg, 4);
}

static void integer(uint64_t v)
{
	if (v <= 1) {
		e8((uint8_t)v);
	} else if (v <= 0xff) {
		e8(AML_BYTE_PREFIX), e8((uint8_t)v);
	} else if (v <= 0xffffffffu) {
		e8(AML_DWORD_PREFIX), emit(&v, 4);
	} else {
		e8(AML_QWORD_PREFIX), emit(&v, 8);
	}
}

static void name_int(const char *seg, uint64_t v)
{
	e8(AML_NAME_OP), emit(seg, 4), integer(v);
}

static void name_str(const char *seg, const char *s)
{
	e8(AML_NAME_OP), emit(seg, 4), e8(AML_STRING_PREFIX), emit(s, strlen(s) + 1);
}

/* A Buffer holding tmpl (n bytes) with BufferSize size. */
static void buffer(const uint8_t *tmpl, size_t n, uint64_t size)
{
	begin(AML_BUFFER_OP, 0);
	integer(size);
	emit(tmpl, n);
	end();
}

static const uint8_t word_bus_10_3f[] = {0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x10,
					 0x00, 0x3f, 0x00, 0x00, 0x00, 0x30, 0x00, 0x79, 0x00};

static void host(const char *seg, const char *hid)
{
	device(seg);
	name_str("_HID", hid);
}

static enum acpi_status run(uint8_t revision)
{
	assert_int_equal(a.depth, 0);
	return walk(a.b, a.n, revision);
}

static int asm_setup(void **state)
{
	memset(&a, 0, sizeof(a));
	return setup(state);
}

static void test_shapes(void **state)
{
	(void)state;
	/* EisaId _HID, _CID package, Method (_CRS) { Return (ResourceTemplate) }, a QWord
	 * _CBA in a revision 1 table (kept whole), OnesOp _BBN (32 bits: rejected). */
	begin(AML_SCOPE_OP, 0), emit("\\_SB_", 5);
	device("PCI0"), name_int("_HID", 0x030ad041u), name_int("_SEG", 0x10002);
	e8(AML_NAME_OP), emit("_CID", 4), begin(AML_PACKAGE_OP, 0), e8(2), integer(0x1234);
	integer(0x080ad041u), end();
	begin(AML_METHOD_OP, 0), emit("_CRS", 4), e8(0), e8(AML_RETURN_OP);
	buffer(word_bus_10_3f, sizeof(word_bus_10_3f), sizeof(word_bus_10_3f)), end();
	begin(AML_METHOD_OP, 0), emit("_CBA", 4), e8(0), e8(AML_RETURN_OP);
	integer(0x1000000000ull), end();
	e8(AML_NAME_OP), emit("_BBN", 4), e8(AML_ONES_OP);
	end(), end();
	assert_int_equal(run(1), ACPI_OK);
	print_hosts("shapes");
	assert_int_equal(list.count, 1);
	assert_string_equal(hosts[0].path, "\\_SB_.PCI0");
	assert_true(hosts[0].pcie);
	assert_true(hosts[0].has_seg);
	assert_int_equal(hosts[0].segment, 2);
	assert_false(hosts[0].has_bbn);
	assert_true(hooks_log_contains("_BBN above 0xff"));
	assert_true(hosts[0].has_bus_range);
	assert_int_equal(hosts[0].bus_start, 0x10);
	assert_int_equal(hosts[0].bus_end, 0x3f);
	assert_true(hosts[0].has_ecam);
	assert_int_equal(hosts[0].ecam_base, 0x1000000000ull);
}

/* Later Scopes add to a host: by absolute path, and by a single NameSeg looked up
 * toward the root. First definitions win; absent ones give defaults. */
static void test_scopes_and_duplicates(void **state)
{
	(void)state;
	begin(AML_SCOPE_OP, 0), emit("\\_SB_", 5);
	host("PCI0", "PNP0A08"), name_int("_BBN", 0x20), name_int("_BBN", 0x30), end();
	host("PCI1", "PNP0A03"), end();
	end();
	begin(AML_SCOPE_OP, 0), e8(AML_ROOT_CHAR), e8(AML_DUAL_NAME), emit("_SB_PCI0", 8);
	name_int("_CBA", 0xb0000000u), end();
	begin(AML_SCOPE_OP, 0), emit("\\_SB_", 5), begin(AML_SCOPE_OP, 0), emit("_SB_", 4);
	begin(AML_SCOPE_OP, 0), emit("PCI1", 4), name_int("_SEG", 3), end(), end(), end();
	assert_int_equal(run(2), ACPI_OK);
	print_hosts("scopes");
	assert_int_equal(list.count, 2);
	assert_string_equal(hosts[0].path, "\\_SB_.PCI0");
	assert_true(hosts[0].has_bbn);
	assert_int_equal(hosts[0].base_bus, 0x20);
	assert_false(hosts[0].has_bus_range);
	assert_int_equal(hosts[0].bus_start, 0x20);
	assert_int_equal(hosts[0].bus_end, 0xff);
	assert_true(hosts[0].has_ecam);
	assert_int_equal(hosts[0].ecam_base, 0xb0000000u);
	assert_string_equal(hosts[1].path, "\\_SB_.PCI1");
	assert_false(hosts[1].pcie);
	assert_false(hosts[1].has_bbn || hosts[1].has_ecam);
	assert_true(hosts[1].has_seg);
	assert_int_equal(hosts[1].segment, 3);
	assert_int_equal(hosts[1].bus_start, 0);
	assert_int_equal(hosts[1].bus_end, 0xff);
}

static void test_pkg_length_past_end(void **state)
{
	static const uint8_t past[] = {AML_SCOPE_OP, 0x3f, '_', 'S', 'B', '_'};
	static const uint8_t huge[] = {AML_SCOPE_OP, 0xff, 0xff, 0xff, 0xff, '_', 'S', 'B', '_'};
	static const uint8_t trunc[] = {AML_SCOPE_OP, 0xc0, 0x01};

	(void)state;
	assert_int_equal(walk(past, sizeof(past), 2), ACPI_ERR_CORRUPT);
	assert_int_equal(walk(huge, sizeof(huge), 2), ACPI_ERR_CORRUPT);
	assert_int_equal(walk(trunc, sizeof(trunc), 2), ACPI_ERR_CORRUPT);
	assert_int_equal(list.count, 0);
	assert_int_equal(list.cut, 3);
	assert_true(hooks_log_contains("acpi: DSDT aml opcode 0x10 at +36 malformed"));
}

/* 16 nested Devices are walked (the host is kept with an empty path: too deep to name);
 * a 17th level is skipped and reported, and its sibling after it is still found. */
static void test_nesting(void **state)
{
	(void)state;
	for (int i = 0; i < 16; i++)
		device("DEEP");
	name_str("_HID", "PNP0A08");
	for (int i = 0; i < 16; i++)
		end();
	assert_int_equal(run(2), ACPI_OK);
	assert_int_equal(list.count, 1);
	assert_string_equal(hosts[0].path, "");

	asm_setup(NULL);
	for (int i = 0; i < 17; i++)
		device("DEEP");
	name_str("_HID", "PNP0A08");
	for (int i = 0; i < 17; i++)
		end();
	host("PCI9", "PNP0A08"), end();
	assert_int_equal(run(2), ACPI_ERR_CORRUPT);
	assert_int_equal(list.count, 1);
	assert_string_equal(hosts[0].path, "\\PCI9");
	assert_true(hooks_log_contains("nested too deep"));
}

static void test_bad_names(void **state)
{
	static const uint8_t multi[] = {AML_NAME_OP, AML_MULTI_NAME, 5, 'A', 'B', 'C', 'D', 0};
	static const uint8_t zero[] = {AML_NAME_OP, AML_MULTI_NAME, 0, 0};
	static const uint8_t chars[] = {AML_NAME_OP, 'a', 'b', 'c', 'd', 0};
	static const uint8_t parents[] = {AML_SCOPE_OP, 0x05, '^', '^', '^', '^'};
	uint8_t r;
	struct aml_name n;
	struct aml_reader rd;

	(void)state;
	assert_int_equal(walk(multi, sizeof(multi), 2), ACPI_ERR_CORRUPT);
	assert_int_equal(walk(zero, sizeof(zero), 2), ACPI_ERR_CORRUPT);
	assert_int_equal(walk(chars, sizeof(chars), 2), ACPI_ERR_CORRUPT);
	assert_int_equal(walk(parents, sizeof(parents), 2), ACPI_ERR_CORRUPT);
	assert_int_equal(list.count, 0);
	/* A Scope whose name goes above the root is walked, with no path. */
	begin(AML_SCOPE_OP, 0), emit("^^_SB_", 6), host("PCI0", "PNP0A08"), end(), end();
	assert_int_equal(run(2), ACPI_OK);
	assert_int_equal(list.count, 1);
	assert_string_equal(hosts[0].path, "");
	rd = (struct aml_reader){.aml = parents, .pos = 2, .end = 6};
	assert_false(aml_name_string(&rd, &n));
	rd = (struct aml_reader){.aml = multi, .pos = 1, .end = 8};
	assert_false(aml_name_string(&rd, &n));
	assert_false(aml_byte(&(struct aml_reader){.aml = multi, .pos = 8, .end = 8}, &r));
}

static void test_crs_hostile(void **state)
{
	uint8_t longer[sizeof(word_bus_10_3f)], noend[16], range[sizeof(word_bus_10_3f)];

	(void)state;
	memcpy(longer, word_bus_10_3f, sizeof(longer));
	longer[1] = 0x40; /* descriptor runs past the buffer */
	memcpy(noend, word_bus_10_3f, sizeof(noend));
	memcpy(range, word_bus_10_3f, sizeof(range));
	range[10] = 0x01, range[11] = 0x01; /* _MAX 0x101 */
	host("PCI0", "PNP0A08"), e8(AML_NAME_OP), emit("_CRS", 4);
	buffer(longer, sizeof(longer), sizeof(longer)), name_int("_BBN", 4), end();
	host("PCI1", "PNP0A08"), e8(AML_NAME_OP), emit("_CRS", 4);
	buffer(noend, sizeof(noend), sizeof(noend)), end();
	host("PCI2", "PNP0A08"), e8(AML_NAME_OP), emit("_CRS", 4);
	buffer(range, sizeof(range), sizeof(range)), end();
	/* BufferSize 0x1000 larger than the byte list: only the bytes present are read. */
	host("PCI3", "PNP0A08"), e8(AML_NAME_OP), emit("_CRS", 4);
	buffer(word_bus_10_3f, sizeof(word_bus_10_3f), 0x1000), end();
	assert_int_equal(run(2), ACPI_OK);
	print_hosts("crs");
	assert_int_equal(list.count, 4);
	for (int i = 0; i < 3; i++)
		assert_false(hosts[i].has_bus_range);
	assert_int_equal(hosts[0].bus_start, 4);
	assert_int_equal(hosts[0].bus_end, 0xff);
	assert_true(hooks_log_contains("_CRS malformed"));
	assert_true(hosts[3].has_bus_range);
	assert_int_equal(hosts[3].bus_start, 0x10);
	assert_int_equal(aml_res_bus_range(word_bus_10_3f, 3, &range[0], &range[1]),
			 AML_RES_CORRUPT);
	assert_int_equal(aml_res_bus_range((const uint8_t[]){0x79, 0}, 2, &range[0], &range[1]),
			 AML_RES_NONE);
}

/* A truncated BufferSize, a _CBA that computes, an opcode not understood: the list is
 * cut there and the enclosing one carries on after the Device. */
static void test_not_understood(void **state)
{
	/* Buffer, PkgLength 3, then a DWordPrefix with one byte of its four. */
	static const uint8_t sized[] = {AML_BUFFER_OP, 0x03, AML_DWORD_PREFIX, 0x01};

	(void)state;
	host("PCI0", "PNP0A08");
	begin(AML_METHOD_OP, 0), emit("_CBA", 4), e8(0), e8(AML_RETURN_OP), e8(0x72), e8(1);
	integer(2), e8(0), end();
	e8(0x70), e8(1), emit("XXXX", 4), name_int("_SEG", 1), end();
	host("PCI1", "PNP0A08"), e8(AML_NAME_OP), emit("_CRS", 4), emit(sized, sizeof(sized));
	end();
	for (int i = 0; i < 6; i++)
		host("JUNK", "PNP0C02"), e8(0x70), end();
	assert_int_equal(run(2), ACPI_ERR_CORRUPT);
	print_hosts("unknown");
	assert_int_equal(list.count, 2);
	assert_false(hosts[0].has_ecam);
	assert_false(hosts[0].has_seg);
	assert_true(hooks_log_contains("_CBA not a constant"));
	assert_true(hooks_log_contains("opcode 0x70 at +"));
	assert_int_equal(list.cut, 8);
	assert_int_equal(hooks_log_count(), 4);
}

static void test_empty_and_overflow(void **state)
{
	struct acpi_aml none = {0};

	(void)state;
	assert_int_equal(walk(a.b, 0, 2), ACPI_OK);
	assert_int_equal(acpi_aml_find_pci_hosts(&none, NULL, &list), ACPI_OK);
	assert_int_equal(acpi_aml_find_pci_hosts(NULL, "DSDT", &list), ACPI_ERR_NOT_FOUND);
	assert_int_equal(list.count, 0);
	for (int i = 0; i < HOSTS + 3; i++)
		host("PCIX", "PNP0A08"), e8(AML_ALIAS_OP), emit("_HIDHID2", 8), end();
	e8(AML_EXTERNAL_OP), emit("EXT0", 4), e8(8), e8(0);
	e8(AML_EXT_PREFIX), e8(AML_X_MUTEX), emit("MUT0", 4), e8(0);
	e8(AML_EXT_PREFIX), e8(AML_X_EVENT), emit("EVT0", 4);
	e8(AML_EXT_PREFIX), e8(AML_X_OP_REGION), emit("REG0", 4), e8(1), integer(0xcf8);
	integer(8);
	assert_int_equal(run(2), ACPI_OK);
	/* Devices with one path merge: one host; distinct ones fill the array. */
	assert_int_equal(list.count, 1);
	asm_setup(NULL);
	for (int i = 0; i < HOSTS + 3; i++) {
		char seg[5] = {'P', 'C', 'I', (char)('A' + i), 0};
		host(seg, "PNP0A03"), end();
	}
	assert_int_equal(run(2), ACPI_OK);
	assert_int_equal(list.count, HOSTS);
	assert_int_equal(list.overflow, 3);
}

/* The tables entry point: a DSDT declaring PCI0 and an SSDT adding its _CBA. */
static uint8_t image[512];

static const void *map_image(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys > sizeof(image) || len > sizeof(image) - phys)
		return NULL;
	return image + phys;
}

/* Lists a table of the assembled body at image offset at (copied there if it fits). */
static void put_table(struct acpi_tables *t, const char *sig, size_t at)
{
	struct acpi_table *tab = &t->table[t->count++];

	memcpy(tab->sig, sig, 4);
	tab->len = (uint32_t)(sizeof(struct acpi_sdt_header) + a.n);
	tab->phys = at;
	tab->revision = 2;
	if (at + tab->len <= sizeof(image))
		memcpy(image + at + sizeof(struct acpi_sdt_header), a.b, a.n);
}

static void test_tables(void **state)
{
	static struct acpi_tables t;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.mem.map = map_image;
	assert_int_equal(acpi_find_pci_hosts(&t, &list), ACPI_ERR_NOT_FOUND);
	host("PCI0", "PNP0A08"), end();
	put_table(&t, "DSDT", 0);
	t.dsdt = &t.table[0];
	a.n = 0;
	begin(AML_SCOPE_OP, 0), emit("\\PCI0", 5), name_int("_CBA", 0xc0000000u), end();
	put_table(&t, "SSDT", 256);
	put_table(&t, "SSDT", 1024); /* outside the image: unmapped */
	assert_int_equal(acpi_find_pci_hosts(&t, &list), ACPI_ERR_UNMAPPED);
	assert_int_equal(list.count, 1);
	assert_true(hosts[0].has_ecam);
	assert_int_equal(hosts[0].ecam_base, 0xc0000000u);
	assert_true(hooks_log_contains("SSDT aml not mapped"));
}

/* acpi_aml_mentions over one table body held in an exact-size heap block. */
static const uint8_t *single;
static size_t single_len;

static const void *map_single(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	return phys == 0 && len == single_len ? single : NULL;
}

static bool dsdt_mentions(const uint8_t *body, size_t n, const char *seg)
{
	static struct acpi_tables t;
	uint8_t *copy = malloc(sizeof(struct acpi_sdt_header) + n);
	bool r;

	assert_non_null(copy);
	memset(copy, 0, sizeof(struct acpi_sdt_header));
	memcpy(copy + sizeof(struct acpi_sdt_header), body, n);
	single = copy;
	single_len = sizeof(struct acpi_sdt_header) + n;
	memset(&t, 0, sizeof(t));
	t.mem.map = map_single;
	memcpy(t.table[0].sig, "DSDT", 4);
	t.table[0].len = (uint32_t)single_len;
	t.count = 1;
	t.dsdt = &t.table[0];
	r = acpi_aml_mentions(&t, seg);
	free(copy);
	return r;
}

/* The kernel walks the namespace for an ECAM window only when some table names _CBA:
 * QEMU's q35 and pc DSDTs do not (their hosts have none, test_q35_pc), microvm's does.
 * A name in an SSDT counts, and so does a table that cannot be mapped. */
static void test_mentions(void **state)
{
	static const char *const fixtures[] = {"../qemu/q35.txt", "../qemu/pc.txt",
					       "q35-virtio.txt", "pc-legacy.txt",
					       "../qemu/microvm-pcie.txt"};
	static struct acpi_tables t;
	uint8_t rev;
	size_t len;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		uint8_t *body = fixture_dsdt(fixtures[i], &len, &rev);
		assert_int_equal(dsdt_mentions(body, len, "_CBA"), i == 4);
		assert_true(dsdt_mentions(body, len, "PCI0"));
		free(body);
	}
	/* At the very end of a body, and one byte short of it. */
	assert_true(dsdt_mentions((const uint8_t *)"\x10_CBA", 5, "_CBA"));
	assert_false(dsdt_mentions((const uint8_t *)"\x10_CB", 4, "_CBA"));
	assert_false(dsdt_mentions((const uint8_t *)"", 0, "_CBA"));

	memset(&t, 0, sizeof(t));
	t.mem.map = map_image;
	assert_false(acpi_aml_mentions(&t, "_CBA")); /* no tables at all */
	host("PCI0", "PNP0A08"), end();
	put_table(&t, "DSDT", 0);
	t.dsdt = &t.table[0];
	assert_false(acpi_aml_mentions(&t, "_CBA"));
	a.n = 0;
	begin(AML_SCOPE_OP, 0), emit("\\PCI0", 5), name_int("_CBA", 0xc0000000u), end();
	put_table(&t, "SSDT", 256);
	assert_true(acpi_aml_mentions(&t, "_CBA"));
	t.count = 1;
	a.n = 0;
	put_table(&t, "SSDT", 1024); /* outside the image: unmapped */
	assert_true(acpi_aml_mentions(&t, "_CBA"));
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* 20000 seeded mutations of microvm's DSDT: byte flips, and sometimes a shorter body. */
static void test_mutations(void **state)
{
	uint8_t rev;
	size_t len;
	uint8_t *body = fixture_dsdt("../qemu/microvm-pcie.txt", &len, &rev);
	uint8_t *m = malloc(len);
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_non_null(m);
	for (int it = 0; it < 20000; it++) {
		size_t n = len, flips = 1 + xorshift(&seed) % 8;
		memcpy(m, body, len);
		for (size_t i = 0; i < flips; i++)
			m[xorshift(&seed) % len] ^= (uint8_t)(1u << (xorshift(&seed) % 8));
		if (xorshift(&seed) % 8 == 0)
			n = xorshift(&seed) % len;
		acpi_pci_host_list_init(&list, hosts, 1 + it % HOSTS);
		hooks_log_reset();
		walk(m, n, (uint8_t)(1 + it % 2));
		assert_true(list.count <= list.max);
	}
	free(m);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_microvm, setup),
	    cmocka_unit_test_setup(test_q35_pc, setup),
	    cmocka_unit_test_setup(test_shapes, asm_setup),
	    cmocka_unit_test_setup(test_scopes_and_duplicates, asm_setup),
	    cmocka_unit_test_setup(test_pkg_length_past_end, asm_setup),
	    cmocka_unit_test_setup(test_nesting, asm_setup),
	    cmocka_unit_test_setup(test_bad_names, asm_setup),
	    cmocka_unit_test_setup(test_crs_hostile, asm_setup),
	    cmocka_unit_test_setup(test_not_understood, asm_setup),
	    cmocka_unit_test_setup(test_empty_and_overflow, asm_setup),
	    cmocka_unit_test_setup(test_tables, asm_setup),
	    cmocka_unit_test_setup(test_mentions, asm_setup),
	    cmocka_unit_test_setup(test_mutations, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
