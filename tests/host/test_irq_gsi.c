/* test_irq_gsi: GSI maps built from the MADTs of real machines (QEMU q35 and pc as Linux
 * saw them, QEMU's own q35, pc and microvm with two I/O APICs), ISA IRQs through their
 * overrides, and what is refused: overlapping GSI ranges, I/O APICs that read all-ones
 * or announce too many pins, malformed overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "hooks_host.h"
#include "hw/acpi.h"
#include "lib/acpi/madt.h"
#include "lib/irq/gsi.h"

/* IOAPICVER as QEMU's I/O APIC reads: version 0x20, maximum redirection entry 23. */
#define QEMU_VER 0x00170020u

static struct acpi_madt_info madt; /* large: kept out of the stack */
static struct irq_gsi_map map;

static int setup(void **state)
{
	(void)state;
	memset(&madt, 0, sizeof(madt));
	hooks_log_reset();
	return 0;
}

static void load_madt(const char *name)
{
	struct fixture *f = fixture_load(name);
	assert_non_null(f);
	const struct fixture_acpi *a = fixture_acpi_find(f, "APIC");
	assert_non_null(a);
	assert_int_equal(acpi_madt_parse(a->bytes, a->len, &madt), ACPI_OK);
	fixture_free(f);
}

static void expect_gsi(uint32_t gsi, size_t ioapic, uint32_t pin)
{
	size_t io = 99;
	uint32_t p = 99;
	assert_int_equal(irq_gsi_lookup(&map, gsi, &io, &p), IRQ_OK);
	assert_int_equal(io, ioapic);
	assert_int_equal(p, pin);
}

static void expect_no_gsi(uint32_t gsi)
{
	size_t io = 99;
	uint32_t p = 99;
	assert_int_equal(irq_gsi_lookup(&map, gsi, &io, &p), IRQ_ERR_NOT_FOUND);
	assert_int_equal(io, 99);
	assert_int_equal(p, 99);
}

static void expect_isa(uint32_t irq, uint32_t gsi, enum irq_trigger t, enum irq_polarity p,
		       bool overridden)
{
	struct irq_isa_route r;
	assert_int_equal(irq_gsi_isa(&map, irq, &r), IRQ_OK);
	assert_int_equal(r.gsi, gsi);
	assert_int_equal(r.trigger, t);
	assert_int_equal(r.polarity, p);
	assert_int_equal(r.overridden, overridden);
}

/* The PC machines: one I/O APIC, IRQ 0 on GSI 2, and the SCI (9) and PCI link IRQs
 * 5, 10, 11 level triggered, active high (flags 0xd; Linux's dmesg in q35-virtio.txt
 * says "bus_irq 9 global_irq 9 high level"). */
static void check_pc_like(const char *name)
{
	uint32_t ver = QEMU_VER;
	struct irq_isa_route r;

	setup(NULL);
	load_madt(name);
	assert_int_equal(irq_gsi_map_build(&map, &madt, &ver, 1), IRQ_OK);
	assert_int_equal(hooks_log_count(), 0);
	assert_int_equal(map.nioapic, 1);
	assert_int_equal(map.ioapic[0].id, 0);
	assert_int_equal(map.ioapic[0].address, 0xfec00000);
	assert_int_equal(map.ioapic[0].gsi_base, 0);
	assert_int_equal(map.ioapic[0].entries, 24);
	assert_int_equal(map.ioapic[0].version, 0x20);
	expect_gsi(0, 0, 0);
	expect_gsi(9, 0, 9);
	expect_gsi(23, 0, 23);
	expect_no_gsi(24);
	expect_no_gsi(UINT32_MAX);

	expect_isa(0, 2, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, true);
	expect_isa(1, 1, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false);
	expect_isa(4, 4, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false);
	expect_isa(9, 9, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_HIGH, true);
	expect_isa(5, 5, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_HIGH, true);
	expect_isa(11, 11, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_HIGH, true);
	expect_isa(15, 15, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false);
	/* GSI 2 belongs to IRQ 0: the cascade IRQ 2 has nowhere to arrive. */
	assert_int_equal(irq_gsi_isa(&map, 2, &r), IRQ_ERR_NOT_FOUND);
	assert_int_equal(irq_gsi_isa(&map, 16, &r), IRQ_ERR_INVALID);
}

static void test_pc_fixtures(void **state)
{
	(void)state;
	check_pc_like("q35-virtio.txt");
	check_pc_like("pc-legacy.txt");
	check_pc_like("../qemu/q35.txt");
	check_pc_like("../qemu/pc.txt");
}

static void test_microvm_two_ioapics(void **state)
{
	uint32_t ver[2] = {QEMU_VER, QEMU_VER};
	(void)state;

	load_madt("../qemu/microvm-pcie.txt");
	assert_int_equal(madt.nioapic, 2);
	assert_int_equal(irq_gsi_map_build(&map, &madt, ver, 2), IRQ_OK);
	assert_int_equal(hooks_log_count(), 0);
	assert_int_equal(map.nioapic, 2);
	assert_int_equal(map.ioapic[1].id, 1);
	assert_int_equal(map.ioapic[1].address, 0xfec10000);
	assert_int_equal(map.ioapic[1].gsi_base, 24);
	assert_int_equal(map.ioapic[1].madt_index, 1);
	expect_gsi(23, 0, 23);
	expect_gsi(24, 1, 0);
	expect_gsi(47, 1, 23);
	expect_no_gsi(48);
	/* No overrides: every ISA IRQ is its own GSI, edge, active high. */
	for (uint32_t i = 0; i < IRQ_ISA_IRQS; i++)
		expect_isa(i, i, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false);
}

static void test_overlap(void **state)
{
	/* The first chip claims 32 pins, GSI 0-31, into the second's 24-47. */
	uint32_t ver[2] = {0x001f0020u, QEMU_VER};
	(void)state;

	load_madt("../qemu/microvm-pcie.txt");
	assert_int_equal(irq_gsi_map_build(&map, &madt, ver, 2), IRQ_ERR_CORRUPT);
	assert_int_equal(hooks_log_count(), 1);
	assert_string_equal(hooks_log_line(0),
			    "irq: ioapic 1 gsi 24-47 overlaps ioapic 0, ignored");
	assert_int_equal(map.nioapic, 1);
	assert_int_equal(map.ioapic_rejected, 1);
	expect_gsi(30, 0, 30);
	expect_no_gsi(32);
	expect_no_gsi(40);

	/* Same base: the second one is the one left out. */
	setup(NULL);
	madt.nioapic = 2;
	madt.ioapic[0] = (struct acpi_ioapic){4, 0xfec00000, 0};
	madt.ioapic[1] = (struct acpi_ioapic){5, 0xfec01000, 0};
	assert_int_equal(irq_gsi_map_build(&map, &madt, ver + 1, 1), IRQ_ERR_INVALID);
	assert_int_equal(map.nioapic, 0);
	uint32_t v2[2] = {QEMU_VER, 0x00000020u};
	assert_int_equal(irq_gsi_map_build(&map, &madt, v2, 2), IRQ_ERR_CORRUPT);
	assert_string_equal(hooks_log_line(0), "irq: ioapic 5 gsi 0-0 overlaps ioapic 4, ignored");
	assert_int_equal(map.ioapic[0].id, 4);

	/* Adjacent ranges do not overlap; a chip further up overlaps neither. */
	hooks_log_reset();
	madt.nioapic = 3;
	madt.ioapic[1].gsi_base = 24;
	madt.ioapic[2] = (struct acpi_ioapic){6, 0xfec02000, 100};
	uint32_t v3[3] = {QEMU_VER, QEMU_VER, QEMU_VER};
	assert_int_equal(irq_gsi_map_build(&map, &madt, v3, 3), IRQ_OK);
	expect_gsi(100, 2, 0);
	expect_gsi(123, 2, 23);
	expect_no_gsi(60);
	assert_int_equal(hooks_log_count(), 0);
}

static void test_all_ones(void **state)
{
	uint32_t ver[2] = {QEMU_VER, 0xffffffffu};
	(void)state;

	load_madt("../qemu/microvm-pcie.txt");
	assert_int_equal(irq_gsi_map_build(&map, &madt, ver, 2), IRQ_ERR_CORRUPT);
	assert_int_equal(hooks_log_count(), 1);
	assert_string_equal(hooks_log_line(0),
			    "irq: ioapic 1 at 0xfec10000 reads all-ones, ignored");
	assert_int_equal(map.nioapic, 1);
	expect_no_gsi(24);

	/* Both absent: an empty map, nothing to look up. */
	hooks_log_reset();
	ver[0] = 0xffffffffu;
	assert_int_equal(irq_gsi_map_build(&map, &madt, ver, 2), IRQ_ERR_CORRUPT);
	assert_int_equal(hooks_log_count(), 2);
	assert_int_equal(map.nioapic, 0);
	assert_int_equal(map.ioapic_rejected, 2);
	expect_no_gsi(0);
}

static void test_entry_count(void **state)
{
	(void)state;
	assert_int_equal(irq_ioapic_ver_entries(QEMU_VER), 24);
	assert_int_equal(irq_ioapic_ver_entries(0x00000011u), 1);
	assert_int_equal(irq_ioapic_ver_entries(0x00ff0020u), 256);

	madt.nioapic = 1;
	madt.ioapic[0] = (struct acpi_ioapic){2, 0xfec00000, 0};
	uint32_t ver = 0x00ef0020u; /* 240 entries: the most accepted */
	assert_int_equal(irq_gsi_map_build(&map, &madt, &ver, 1), IRQ_OK);
	expect_gsi(239, 0, 239);
	expect_no_gsi(240);

	ver = 0x00f00020u; /* 241 */
	assert_int_equal(irq_gsi_map_build(&map, &madt, &ver, 1), IRQ_ERR_CORRUPT);
	assert_string_equal(hooks_log_line(0),
			    "irq: ioapic 2 has 241 redirection entries, ignored");
	assert_int_equal(map.nioapic, 0);

	/* A range that would run past GSI 0xFFFFFFFF. */
	hooks_log_reset();
	madt.ioapic[0].gsi_base = 0xfffffff0u;
	ver = QEMU_VER;
	assert_int_equal(irq_gsi_map_build(&map, &madt, &ver, 1), IRQ_ERR_CORRUPT);
	assert_true(hooks_log_contains("beyond the GSI space"));
	madt.ioapic[0].gsi_base = 0xffffffe8u; /* exactly up to the last GSI */
	assert_int_equal(irq_gsi_map_build(&map, &madt, &ver, 1), IRQ_OK);
	expect_gsi(UINT32_MAX, 0, 23);
}

static void test_bad_overrides(void **state)
{
	uint32_t ver = QEMU_VER;
	(void)state;

	madt.nioapic = 1;
	madt.ioapic[0] = (struct acpi_ioapic){0, 0xfec00000, 0};
	madt.niso = 8;
	madt.iso[0] = (struct acpi_iso){1, 3, ACPI_MPS_TRIGGER_LEVEL, 20}; /* bus 1 */
	madt.iso[1] = (struct acpi_iso){0, 16, 0, 16};			   /* no IRQ 16 */
	madt.iso[2] = (struct acpi_iso){0, 4, ACPI_MPS_POLARITY_LOW | ACPI_MPS_TRIGGER_LEVEL, 20};
	madt.iso[3] = (struct acpi_iso){0, 4, 0, 21};				/* IRQ 4 again */
	madt.iso[4] = (struct acpi_iso){0, 6, 0, 20};				/* GSI 20 again */
	madt.iso[5] = (struct acpi_iso){0, 7, 0x2 | ACPI_MPS_TRIGGER_LEVEL, 7}; /* polarity 10b */
	madt.iso[6] = (struct acpi_iso){0, 8, ACPI_MPS_POLARITY_LOW | 0x8, 8};	/* trigger 10b */
	madt.iso[7] = (struct acpi_iso){0, 12, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_EDGE, 12};
	assert_int_equal(irq_gsi_map_build(&map, &madt, &ver, 1), IRQ_ERR_CORRUPT);
	assert_int_equal(map.iso_rejected, 4);
	assert_int_equal(hooks_log_count(), 6);
	assert_string_equal(hooks_log_line(0), "irq: override bus 1 irq 3 is not ISA, ignored");
	assert_string_equal(hooks_log_line(1), "irq: override of isa irq 16 out of range, ignored");
	assert_string_equal(hooks_log_line(2), "irq: isa irq 4 overridden twice, ignored");
	assert_string_equal(hooks_log_line(3),
			    "irq: isa irq 6 override to gsi 20 taken by isa irq 4, ignored");
	assert_string_equal(hooks_log_line(4),
			    "irq: isa irq 7 override has reserved polarity, using active high");
	assert_string_equal(hooks_log_line(5),
			    "irq: isa irq 8 override has reserved trigger, using edge");

	expect_isa(3, 3, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false);
	expect_isa(4, 20, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_LOW, true);
	expect_isa(6, 6, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false);
	expect_isa(7, 7, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_HIGH, true);
	expect_isa(8, 8, IRQ_TRIGGER_EDGE, IRQ_POLARITY_LOW, true);
	expect_isa(12, 12, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, true);
	/* The pin ISA IRQ 4 was moved to. */
	expect_gsi(20, 0, 20);
}

static void test_override_moves_irq(void **state)
{
	uint32_t ver = QEMU_VER;
	struct irq_isa_route r;
	(void)state;

	/* Two IRQs swapped: each arrives on the other's GSI, both present. */
	madt.nioapic = 1;
	madt.ioapic[0] = (struct acpi_ioapic){0, 0xfec00000, 0};
	madt.niso = 2;
	madt.iso[0] = (struct acpi_iso){0, 3, 0, 4};
	madt.iso[1] = (struct acpi_iso){0, 4, 0, 3};
	assert_int_equal(irq_gsi_map_build(&map, &madt, &ver, 1), IRQ_OK);
	expect_isa(3, 4, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, true);
	expect_isa(4, 3, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, true);

	/* An override onto GSI 14 hides ISA IRQ 14's identity route. */
	madt.niso = 1;
	madt.iso[0] = (struct acpi_iso){0, 9, ACPI_MPS_TRIGGER_LEVEL, 14};
	assert_int_equal(irq_gsi_map_build(&map, &madt, &ver, 1), IRQ_OK);
	assert_int_equal(irq_gsi_isa(&map, 14, &r), IRQ_ERR_NOT_FOUND);
	expect_isa(9, 14, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_HIGH, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_pc_fixtures, setup),
	    cmocka_unit_test_setup(test_microvm_two_ioapics, setup),
	    cmocka_unit_test_setup(test_overlap, setup),
	    cmocka_unit_test_setup(test_all_ones, setup),
	    cmocka_unit_test_setup(test_entry_count, setup),
	    cmocka_unit_test_setup(test_bad_overrides, setup),
	    cmocka_unit_test_setup(test_override_moves_irq, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
