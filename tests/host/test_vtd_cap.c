/* test_vtd_cap: CAP/ECAP decoding (VT-d rev 5.10 §11.4.2, §11.4.3) on the values QEMU
 * 7.2's intel-iommu reports and on hostile ones, and the level choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/vtd.h"
#include "lib/iommu/vtd_cap.h"

/* QEMU 7.2 hw/i386/intel_iommu.c vtd_init(), defaults (aw-bits=39, dma-drain=on, pt=on):
 * FRO 0x220 (field 0x22), NFR 0 (one register), ND 6, MAMV 18, PSI, SLLPS 2M+1G,
 * MGAW 39, DRD/DWD, SAGAW 39-bit; ECAP: QI, IRO 0xf0 (field 0xf), IR, MHMV 15, PT. */
#define QEMU_CAP                                                                                   \
	((0x22ull << 24) | 6 | (18ull << 48) | (1ull << 39) | (3ull << 34) | (38ull << 16) |       \
	 (3ull << 54) | (2ull << 8))
#define QEMU_ECAP   ((1ull << 1) | (0xfull << 8) | (1ull << 3) | (15ull << 20) | (1ull << 6))
/* aw-bits=48 adds the 48-bit SAGAW bit and widens MGAW */
#define QEMU_CAP_48 ((QEMU_CAP & ~(0x3full << 16)) | (47ull << 16) | (4ull << 8))

static void test_decode_qemu(void **state)
{
	(void)state;
	struct vtd_caps c;
	char why[128] = "";

	vtd_caps_decode(QEMU_CAP, QEMU_ECAP, &c);
	assert_int_equal(c.cap, QEMU_CAP);
	assert_int_equal(c.ecap, QEMU_ECAP);
	assert_int_equal(c.nd, 6);
	assert_int_equal(c.ndomains, 65536);
	assert_int_equal(c.sagaw, VTD_SAGAW_39);
	assert_int_equal(c.mgaw, 39);
	assert_int_equal(c.fro, 0x220);
	assert_int_equal(c.nfr, 1);
	assert_int_equal(c.iro, 0xf0);
	assert_int_equal(c.mamv, 18);
	assert_int_equal(c.sslps, 3);
	assert_true(c.psi);
	assert_true(c.drd && c.dwd);
	assert_false(c.cm || c.rwbf || c.plmr || c.phmr || c.zlr);
	assert_true(c.qi && c.ir && c.pt);
	assert_false(c.c); /* QEMU's walks are "non-coherent": table updates need flushing */
	assert_false(c.sc || c.dt || c.eim || c.smts);
	assert_int_equal(c.mhmv, 15);
	assert_true(vtd_caps_usable(&c, 4096, why, sizeof(why)));
	assert_int_equal(vtd_caps_levels(&c, 0), 3);
	assert_int_equal(vtd_caps_levels(&c, 3), 3);
	assert_int_equal(vtd_caps_levels(&c, 4), -1);
	assert_int_equal(vtd_caps_iova_limit(&c, 3), 1ull << 39);
	/* 4 levels would reach further, but MGAW stops requests at 2^39 */
	assert_int_equal(vtd_caps_iova_limit(&c, 4), 1ull << 39);
	assert_int_equal(vtd_caps_iova_limit(&c, 5), 0);

	/* caching-mode=on */
	vtd_caps_decode(QEMU_CAP | VTD_CAP_CM, QEMU_ECAP, &c);
	assert_true(c.cm);
	assert_true(vtd_caps_usable(&c, 4096, NULL, 0));
}

static void test_levels(void **state)
{
	(void)state;
	struct vtd_caps c;

	vtd_caps_decode(QEMU_CAP_48, QEMU_ECAP, &c);
	assert_int_equal(c.mgaw, 48);
	assert_int_equal(c.sagaw, VTD_SAGAW_39 | VTD_SAGAW_48);
	assert_int_equal(vtd_caps_levels(&c, 0), 3); /* 3 preferred when both are offered */
	assert_int_equal(vtd_caps_levels(&c, 4), 4);
	assert_int_equal(vtd_caps_iova_limit(&c, 4), 1ull << 48);
	assert_int_equal(vtd_caps_iova_limit(&c, 3), 1ull << 39);
	assert_int_equal(vtd_caps_levels(&c, 5), -1);
	assert_int_equal(vtd_caps_levels(&c, 2), -1);
	assert_int_equal(vtd_caps_levels(&c, 1000), -1);

	/* 48-bit only (many real units): 4 */
	vtd_caps_decode((QEMU_CAP_48 & ~(0x1full << 8)) | (4ull << 8), QEMU_ECAP, &c);
	assert_int_equal(vtd_caps_levels(&c, 0), 4);
	assert_int_equal(vtd_caps_levels(&c, 3), -1);
	assert_true(vtd_caps_usable(&c, 4096, NULL, 0));

	/* 48 and 57: 4; 57 only: none */
	vtd_caps_decode((QEMU_CAP_48 & ~(0x1full << 8)) | (0xcull << 8), QEMU_ECAP, &c);
	assert_int_equal(vtd_caps_levels(&c, 0), 4);
	vtd_caps_decode((QEMU_CAP_48 & ~(0x1full << 8)) | (0x8ull << 8), QEMU_ECAP, &c);
	assert_int_equal(vtd_caps_levels(&c, 0), -1);
}

/* Decodes cap/ecap and requires vtd_caps_usable to refuse them with a reason naming
 * `needle`. */
#define expect_refused(cap, ecap, size, needle) expect_refused_at(cap, ecap, size, needle, __LINE__)

static void expect_refused_at(uint64_t cap, uint64_t ecap, uint64_t size, const char *needle,
			      int line)
{
	struct vtd_caps c;
	char why[160];

	memset(why, 'x', sizeof(why));
	vtd_caps_decode(cap, ecap, &c);
	if (vtd_caps_usable(&c, size, why, sizeof(why)))
		fail_msg("line %d: accepted cap 0x%llx ecap 0x%llx", line, (unsigned long long)cap,
			 (unsigned long long)ecap);
	assert_non_null(memchr(why, '\0', sizeof(why)));
	if (strstr(why, needle) == NULL)
		fail_msg("line %d: reason \"%s\" lacks \"%s\"", line, why, needle);
}

#define CAP_FRO(v)  (((uint64_t)(v)) << 24)
#define CAP_NFR(v)  (((uint64_t)(v)) << 40)
#define ECAP_IRO(v) (((uint64_t)(v)) << 8)
#define NO_FRO_NFR  (QEMU_CAP & ~(0x3ffull << 24) & ~(0xffull << 40))
#define NO_IRO	    (QEMU_ECAP & ~(0x3ffull << 8))

static void test_hostile(void **state)
{
	(void)state;
	struct vtd_caps c;

	expect_refused(~0ull, QEMU_ECAP, 4096, "all ones");
	expect_refused(QEMU_CAP, ~0ull, 4096, "all ones");
	expect_refused(~0ull, ~0ull, 4096, "all ones");
	expect_refused(0, 0, 4096, "MGAW"); /* an unprogrammed unit: MGAW 1 bit */
	expect_refused(QEMU_CAP | 7, QEMU_ECAP, 4096, "ND");
	expect_refused((QEMU_CAP & ~(0x3full << 16)) | (37ull << 16), QEMU_ECAP, 4096, "MGAW");
	expect_refused(QEMU_CAP & ~(0x1full << 8), QEMU_ECAP, 4096, "SAGAW");
	expect_refused(QEMU_CAP, QEMU_ECAP, 0, "smaller than 4 KiB");
	expect_refused(QEMU_CAP, QEMU_ECAP, 0xfff, "smaller than 4 KiB");

	/* fault recording registers: overlapping the fixed registers, past the end, and 256
	 * of them that do not fit after 0x220 */
	expect_refused(NO_FRO_NFR | CAP_FRO(0), QEMU_ECAP, 4096, "fault recording");
	expect_refused(NO_FRO_NFR | CAP_FRO(0xb), QEMU_ECAP, 4096, "fault recording");
	expect_refused(NO_FRO_NFR | CAP_FRO(0x3ff), QEMU_ECAP, 4096, "fault recording");
	expect_refused(NO_FRO_NFR | CAP_FRO(0x100), QEMU_ECAP, 4096, "fault recording");
	expect_refused(NO_FRO_NFR | CAP_FRO(0x22) | CAP_NFR(0xff), QEMU_ECAP, 4096,
		       "fault recording");
	expect_refused(NO_FRO_NFR | CAP_FRO(0xff) | CAP_NFR(1), QEMU_ECAP, 4096, "fault recording");
	/* IOTLB registers likewise, and overlapping the fault registers */
	expect_refused(QEMU_CAP, NO_IRO | ECAP_IRO(0), 4096, "IOTLB");
	expect_refused(QEMU_CAP, NO_IRO | ECAP_IRO(0x3ff), 4096, "IOTLB");
	expect_refused(QEMU_CAP, NO_IRO | ECAP_IRO(0x100), 4096, "IOTLB");
	expect_refused(QEMU_CAP, NO_IRO | ECAP_IRO(0x22), 4096, "overlap");
	expect_refused(NO_FRO_NFR | CAP_FRO(0x20) | CAP_NFR(3), NO_IRO | ECAP_IRO(0x23), 4096,
		       "overlap");

	/* the edges that are fine: last slot of the page, adjoining blocks, 256 registers in
	 * a second page, a register set of several pages */
	vtd_caps_decode(NO_FRO_NFR | CAP_FRO(0xff), NO_IRO | ECAP_IRO(0xfe), &c);
	assert_true(vtd_caps_usable(&c, 4096, NULL, 0));
	vtd_caps_decode(NO_FRO_NFR | CAP_FRO(0x20) | CAP_NFR(3), NO_IRO | ECAP_IRO(0x24), &c);
	assert_true(vtd_caps_usable(&c, 4096, NULL, 0));
	vtd_caps_decode(NO_FRO_NFR | CAP_FRO(0x100) | CAP_NFR(0xff), QEMU_ECAP, &c);
	assert_int_equal(c.nfr, 256);
	assert_false(vtd_caps_usable(&c, 4096, NULL, 0));
	assert_true(vtd_caps_usable(&c, 8192, NULL, 0));
	vtd_caps_decode(NO_FRO_NFR | CAP_FRO(0x3ff), NO_IRO | ECAP_IRO(0x3fe), &c);
	assert_true(vtd_caps_usable(&c, 0x4000, NULL, 0));
	assert_false(vtd_caps_usable(&c, 0x3ff0, NULL, 0));
	/* a huge reg_size cannot wrap the checks */
	assert_true(vtd_caps_usable(&c, ~0ull, NULL, 0));
}

static void test_reason_buffer(void **state)
{
	(void)state;
	struct vtd_caps c;
	char small[8];

	vtd_caps_decode(~0ull, ~0ull, &c);
	memset(small, 'x', sizeof(small));
	assert_false(vtd_caps_usable(&c, 4096, small, sizeof(small)));
	assert_int_equal(small[7], '\0');
	assert_int_equal(strlen(small), 7);
	small[0] = 'x';
	assert_false(vtd_caps_usable(&c, 4096, small, 0)); /* n 0: untouched */
	assert_int_equal(small[0], 'x');
	assert_false(vtd_caps_usable(&c, 4096, NULL, 64));
}

static void test_psi(void **state)
{
	(void)state;
	struct vtd_caps c;
	uint64_t addr = 0x5a5a;
	unsigned am = 99;

	vtd_caps_decode(QEMU_CAP, QEMU_ECAP, &c); /* PSI, MAMV 18 */
	assert_true(vtd_caps_psi(&c, 0x7000, 1, &addr, &am));
	assert_int_equal(addr, 0x7000);
	assert_int_equal(am, 0);
	/* pages 7 and 8 straddle a 16-page line: the block is pages 0..15 */
	assert_true(vtd_caps_psi(&c, 0x7000, 2, &addr, &am));
	assert_int_equal(addr, 0);
	assert_int_equal(am, 4);
	assert_true(vtd_caps_psi(&c, 0x8000, 8, &addr, &am));
	assert_int_equal(addr, 0x8000);
	assert_int_equal(am, 3);
	assert_true(vtd_caps_psi(&c, 0x200000, 512, &addr, &am)); /* one 2 MiB block */
	assert_int_equal(addr, 0x200000);
	assert_int_equal(am, 9);
	/* 2^18 pages is the most; a range across a 1 GiB line needs 2^19 */
	assert_true(vtd_caps_psi(&c, 0x40000000, 1ull << 18, &addr, &am));
	assert_int_equal(am, 18);
	addr = 0x5a5a, am = 99;
	assert_false(vtd_caps_psi(&c, 0x40000000 - 0x1000, 2, &addr, &am));
	assert_int_equal(addr, 0x5a5a);
	assert_int_equal(am, 99);
	assert_false(vtd_caps_psi(&c, 0x1000, 0, &addr, &am));
	assert_false(vtd_caps_psi(&c, ~0xfffull, 2, &addr, &am)); /* wraps */
	assert_false(vtd_caps_psi(&c, 0x1000, ~0ull, &addr, &am));
	assert_true(vtd_caps_psi(&c, ~0xfffull, 1, &addr, &am));
	assert_int_equal(addr, ~0xfffull);
	/* no PSI: never */
	vtd_caps_decode(QEMU_CAP & ~VTD_CAP_PSI, QEMU_ECAP, &c);
	assert_false(vtd_caps_psi(&c, 0x7000, 1, &addr, &am));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_qemu), cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_hostile),	cmocka_unit_test(test_reason_buffer),
	    cmocka_unit_test(test_psi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
