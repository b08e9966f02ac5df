/* test_vtd_fault: decoding hand-built 128-bit fault recording registers (VT-d rev 5.10
 * §11.4.7.6: FI 63:12, SID 79:64, T2 92, PP 95, FR 103:96, PV 123:104, T1 126, F 127)
 * and naming their reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/iommu/vtd_fault.h"

#define F_BIT (1ull << 63)
#define T1    (1ull << 62)
#define T2    (1ull << 28)
#define PP    (1ull << 31)
#define FR(r) ((uint64_t)(r) << 32)
#define PV(v) ((uint64_t)(v) << 40)

static void test_not_valid(void **state)
{
	(void)state;
	struct vtd_fault f;
	memset(&f, 0x5a, sizeof(f));
	/* every bit but F set: nothing is decoded */
	vtd_fault_decode(~0ull, ~F_BIT, &f);
	assert_false(f.valid);
	assert_int_equal(f.sid, 0);
	assert_int_equal(f.reason, 0);
	assert_int_equal(f.addr, 0);
	assert_false(f.read);
	assert_false(f.intr || f.pasid_present);
	vtd_fault_decode(0, 0, &f);
	assert_false(f.valid);
}

/* What QEMU's vtd_record_frcd writes for a device at 00:03.0 writing to a read-only
 * page: lo = the page address, hi = F | FR 5 (no write permission) | SID, T1 clear. */
static void test_write_fault(void **state)
{
	(void)state;
	struct vtd_fault f;
	vtd_fault_decode(0x12345000, F_BIT | FR(5) | 0x0018, &f);
	assert_true(f.valid);
	assert_int_equal(f.sid, 0x0018);
	assert_int_equal(f.reason, 5);
	assert_false(f.read);
	assert_int_equal(f.type, VTD_FAULT_WRITE);
	assert_int_equal(f.addr, 0x12345000);
	assert_false(f.intr);
	assert_false(f.pasid_present);
	assert_string_equal(vtd_fault_reason_name(f.reason),
			    "write to a page without write permission");
}

static void test_read_fault(void **state)
{
	(void)state;
	struct vtd_fault f;
	/* T1 = 1: a read; reserved bits 11:0 of FI and 91:80 of the record are ignored */
	vtd_fault_decode(0x7ffffffff000ull | 0xabc, F_BIT | T1 | FR(6) | (0xfffull << 16) | 0xff07,
			 &f);
	assert_true(f.valid);
	assert_true(f.read);
	assert_int_equal(f.type, VTD_FAULT_READ);
	assert_int_equal(f.sid, 0xff07);
	assert_int_equal(f.reason, 6);
	assert_int_equal(f.addr, 0x7ffffffff000ull);
	/* a context entry not present, as QEMU reports for an unconfigured device */
	vtd_fault_decode(0x1000, F_BIT | T1 | FR(2) | 0x0100, &f);
	assert_int_equal(f.reason, 2);
	assert_int_equal(f.sid, 0x0100);
	assert_true(f.read);
}

static void test_type_bits(void **state)
{
	(void)state;
	struct vtd_fault f;
	vtd_fault_decode(0, F_BIT | FR(5), &f);
	assert_int_equal(f.type, VTD_FAULT_WRITE);
	assert_false(f.read);
	vtd_fault_decode(0, F_BIT | T2 | FR(5), &f);
	assert_int_equal(f.type, VTD_FAULT_PAGE_REQ);
	assert_false(f.read);
	vtd_fault_decode(0, F_BIT | T1 | FR(6), &f);
	assert_int_equal(f.type, VTD_FAULT_READ);
	assert_true(f.read);
	/* an AtomicOp needs both permissions; it is not counted as a plain read */
	vtd_fault_decode(0, F_BIT | T1 | T2 | FR(6), &f);
	assert_int_equal(f.type, VTD_FAULT_ATOMIC);
	assert_false(f.read);
}

static void test_interrupt_faults(void **state)
{
	(void)state;
	struct vtd_fault f;
	/* IRTE not present: FI 63:48 carries the interrupt index, T means nothing */
	vtd_fault_decode(0xbeefull << 48, F_BIT | T1 | FR(0x22) | 0x00f8, &f);
	assert_true(f.valid);
	assert_true(f.intr);
	assert_true(f.intr_index_valid);
	assert_int_equal(f.intr_index, 0xbeef);
	assert_int_equal(f.addr, 0);
	assert_false(f.read);
	assert_int_equal(f.sid, 0x00f8);
	/* 0x20, 0x25, 0x29..0x2b leave FI undefined */
	const uint8_t no_index[] = {0x20, 0x25, 0x29, 0x2a, 0x2b};
	for (size_t i = 0; i < sizeof(no_index); i++) {
		vtd_fault_decode(~0ull, F_BIT | FR(no_index[i]), &f);
		assert_true(f.intr);
		assert_false(f.intr_index_valid);
		assert_int_equal(f.intr_index, 0);
	}
	vtd_fault_decode(7ull << 48, F_BIT | FR(0x26), &f);
	assert_true(f.intr_index_valid);
	assert_int_equal(f.intr_index, 7);
}

static void test_pasid(void **state)
{
	(void)state;
	struct vtd_fault f;
	vtd_fault_decode(0x5000, F_BIT | PP | PV(0xfffff) | FR(5), &f);
	assert_true(f.pasid_present);
	assert_int_equal(f.pasid, 0xfffff);
	vtd_fault_decode(0x5000, F_BIT | PV(0x123) | FR(5), &f);
	assert_false(f.pasid_present);
	assert_int_equal(f.pasid, 0);
}

static void test_reason_names(void **state)
{
	(void)state;
	const char *unknown = vtd_fault_reason_name(0);
	assert_string_equal(unknown, "unknown fault reason");
	/* every legacy reason 1..0xe and interrupt reason 0x20..0x2b has its own name */
	for (unsigned a = 1; a <= 0x2b; a++) {
		if (a > 0xe && a < 0x20)
			continue;
		const char *na = vtd_fault_reason_name((uint8_t)a);
		assert_non_null(na);
		assert_string_not_equal(na, unknown);
		for (unsigned b = 1; b < a; b++)
			if (b <= 0xe || b >= 0x20)
				assert_string_not_equal(na, vtd_fault_reason_name((uint8_t)b));
	}
	assert_string_equal(vtd_fault_reason_name(1), "root entry not present");
	assert_string_equal(vtd_fault_reason_name(2), "context entry not present");
	assert_string_equal(vtd_fault_reason_name(0xf), unknown);
	assert_string_equal(vtd_fault_reason_name(0x1f), unknown);
	assert_string_equal(vtd_fault_reason_name(0x2c), unknown);
	assert_string_not_equal(vtd_fault_reason_name(0x30), unknown);
	assert_string_equal(vtd_fault_reason_name(0x59), unknown); /* scalable mode */
	assert_string_equal(vtd_fault_reason_name(0xff), unknown);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_valid),	     cmocka_unit_test(test_write_fault),
	    cmocka_unit_test(test_read_fault),	     cmocka_unit_test(test_type_bits),
	    cmocka_unit_test(test_interrupt_faults), cmocka_unit_test(test_pasid),
	    cmocka_unit_test(test_reason_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
