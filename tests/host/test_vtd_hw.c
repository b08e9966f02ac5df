/* test_vtd_hw: the VT-d layouts and encoders of include/hw/vtd.h against values worked
 * out by hand from the spec's figures (VT-d rev 5.10 §9.1, §9.3, §6.5.2, §11.4), and
 * against the registers QEMU 7.2's intel-iommu presents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/vtd.h"

static void test_register_offsets(void **state)
{
	(void)state;
	/* §11.4 register table */
	assert_int_equal(VTD_CAP, 0x08);
	assert_int_equal(VTD_GSTS, 0x1c);
	assert_int_equal(VTD_CCMD, 0x28);
	assert_int_equal(VTD_FSTS, 0x34);
	assert_int_equal(VTD_FEUADDR, 0x44);
	assert_int_equal(VTD_PMEN, 0x64);
	assert_int_equal(VTD_IQA, 0x90);
	assert_int_equal(VTD_ICS, 0x9c);
	assert_int_equal(VTD_IEUADDR, 0xac);
	assert_int_equal(VTD_IRTA, 0xb8);
	/* QEMU: fault recording registers at 0x220 (FRO 0x22) */
	assert_int_equal(VTD_FRCD(0x220, 0), 0x220);
	assert_int_equal(VTD_FRCD(0x220, 3), 0x250);
}

static void test_gcmd_persist_mask(void **state)
{
	(void)state;
	/* §11.4.4.1's 96FFFFFFh keeps TE, QIE, IRE, CFI and drops the one-shot statuses */
	uint32_t keep = VTD_GSTS_TES | VTD_GSTS_QIES | VTD_GSTS_IRES | VTD_GSTS_CFIS;
	uint32_t drop = VTD_GSTS_RTPS | VTD_GSTS_WBFS | VTD_GSTS_IRTPS;
	assert_int_equal(VTD_GSTS_PERSIST & keep, keep);
	assert_int_equal(VTD_GSTS_PERSIST & drop, 0);
	assert_int_equal(VTD_GCMD_TE, VTD_GSTS_TES);
	assert_int_equal(VTD_GCMD_SIRTP, VTD_GSTS_IRTPS);
}

static void test_root_entry(void **state)
{
	(void)state;
	struct vtd_root_entry e = vtd_root_make(0x123456789000ull);
	assert_int_equal(sizeof(e), 16);
	assert_int_equal(e.lo, 0x123456789001ull);
	assert_int_equal(e.hi, 0);
	assert_true(vtd_root_present(&e));
	assert_int_equal(vtd_root_ctp(&e), 0x123456789000ull);
	/* low bits of a sloppy pointer never reach the reserved bits 11:1 */
	e = vtd_root_make(0x5fff);
	assert_int_equal(e.lo, 0x5001);
	struct vtd_root_entry z = {0, 0};
	assert_false(vtd_root_present(&z));

	/* an array of them is the 4 KiB root table */
	assert_int_equal(sizeof(struct vtd_root_entry[VTD_ROOT_ENTRIES]), 4096);
	assert_int_equal(sizeof(struct vtd_context_entry[VTD_CONTEXT_ENTRIES]), 4096);
}

static void test_context_entry(void **state)
{
	(void)state;
	struct vtd_context_entry e =
	    vtd_ctx_make(0xabcdef000ull, VTD_CTX_AW_39, 0x1234, VTD_CTX_TT_UNTRANSLATED);
	/* lo: SSPTPTR 63:12, TT 3:2, P 0; hi: DID 87:72 (hi 23:8), AW 66:64 (hi 2:0) */
	assert_int_equal(e.lo, 0xabcdef001ull);
	assert_int_equal(e.hi, 0x123401ull);
	assert_true(vtd_ctx_present(&e));
	assert_int_equal(vtd_ctx_slptptr(&e), 0xabcdef000ull);
	assert_int_equal(vtd_ctx_aw(&e), 1);
	assert_int_equal(vtd_ctx_did(&e), 0x1234);
	assert_int_equal(vtd_ctx_tt(&e), 0);

	e = vtd_ctx_make(0x1000, VTD_CTX_AW_48, 0xffff, VTD_CTX_TT_PASSTHROUGH);
	assert_int_equal(e.lo, 0x1000 | (2 << 2) | 1);
	assert_int_equal(e.hi, 0xffff02ull);
	assert_int_equal(vtd_ctx_tt(&e), VTD_CTX_TT_PASSTHROUGH);
	assert_int_equal(vtd_aw_levels(vtd_ctx_aw(&e)), 4);

	/* out-of-range arguments stay inside their fields: no bit in the reserved hi 63:24,
	 * bit 7 (hi) or lo 11:4 */
	e = vtd_ctx_make(~0ull, 0xff, 0xffff, 0xff);
	assert_int_equal(e.lo & 0xff0, 0);
	assert_int_equal(e.hi & ~0xffff07ull, 0);

	assert_int_equal(vtd_aw_levels(0), 0);
	assert_int_equal(vtd_aw_levels(1), 3);
	assert_int_equal(vtd_aw_levels(3), 5);
	assert_int_equal(vtd_aw_levels(4), 0);
	assert_int_equal(vtd_levels_aw(3), VTD_CTX_AW_39);
	assert_int_equal(vtd_levels_aw(4), VTD_CTX_AW_48);
	assert_int_equal(vtd_levels_aw(2), 0);
}

static void test_pte_index(void **state)
{
	(void)state;
	uint64_t iova = (0x1a5ull << 39) | (0x0f0ull << 30) | (0x123ull << 21) | (0x1ffull << 12);
	assert_int_equal(vtd_pte_index(iova, 4), 0x1a5);
	assert_int_equal(vtd_pte_index(iova, 3), 0x0f0);
	assert_int_equal(vtd_pte_index(iova, 2), 0x123);
	assert_int_equal(vtd_pte_index(iova, 1), 0x1ff);
	assert_int_equal(vtd_pte_index(iova | 0xfff, 1), 0x1ff);
}

static void test_sid(void **state)
{
	(void)state;
	assert_int_equal(vtd_devfn(0x1f, 7), 0xff);
	assert_int_equal(vtd_devfn(2, 0), 0x10);
	assert_int_equal(vtd_sid(0x3a, vtd_devfn(0x1c, 4)), 0x3ae4);
}

static void test_inv_descriptors(void **state)
{
	(void)state;
	/* §6.5.2.1: type 1, G 5:4, DID 31:16, SID 47:32, FM 49:48 */
	struct vtd_inv_desc d = vtd_inv_cc(VTD_INV_GLOBAL, 0, 0, 0);
	assert_int_equal(d.lo, 0x11);
	assert_int_equal(d.hi, 0);
	d = vtd_inv_cc(VTD_INV_DEVICE, 0x42, vtd_sid(3, vtd_devfn(0, 1)), 3);
	assert_int_equal(d.lo, 0x0003030100420031ull);
	d = vtd_inv_cc(VTD_INV_DOMAIN, 7, 0, 0);
	assert_int_equal(d.lo, 0x70021);

	/* §6.5.2.3: type 2, G 5:4, DW 6, DR 7, DID 31:16; hi: ADDR 63:12, IH 6, AM 5:0 */
	d = vtd_inv_iotlb(VTD_INV_GLOBAL, 0, 0, 0, false, true);
	assert_int_equal(d.lo, 0xd2);
	assert_int_equal(d.hi, 0);
	d = vtd_inv_iotlb(VTD_INV_PAGE, 0x1234, 0x7654321fffull, 9, true, false);
	assert_int_equal(d.lo, 0x12340032ull);
	assert_int_equal(d.hi, 0x7654321000ull | 0x40 | 9);
	d = vtd_inv_iotlb(VTD_INV_DOMAIN, 3, 0, 0xff, false, false);
	assert_int_equal(d.lo, 0x30022);
	assert_int_equal(d.hi, 0x3f); /* AM stays in 5:0 */

	/* §6.5.2.8: type 4, G 4, IM 31:27, IIDX 47:32 */
	d = vtd_inv_iec(false, 0x55, 3);
	assert_int_equal(d.lo, 0x4);
	d = vtd_inv_iec(true, 0xbeef, 2);
	assert_int_equal(d.lo, 0xbeef10000014ull);
	assert_int_equal(d.hi, 0);

	/* §6.5.2.9: type 5, IF 4, SW 5, FN 6, data 63:32; hi: address 63:2 */
	d = vtd_inv_wait(0x12345678abcull, 0xdeadbeef);
	assert_int_equal(d.lo, 0xdeadbeef00000065ull);
	assert_int_equal(d.hi, 0x12345678abcull);
	d = vtd_inv_wait(0x1003, 1);
	assert_int_equal(d.hi, 0x1000);
	assert_int_equal(sizeof(d), 16);
}

static void test_register_commands(void **state)
{
	(void)state;
	/* §11.4.6.1: ICC 63, CIRG 62:61, FM 33:32, SID 31:16, DID 15:0 */
	assert_int_equal(vtd_ccmd(VTD_INV_GLOBAL, 0, 0, 0), 0xa000000000000000ull);
	assert_int_equal(vtd_ccmd(VTD_INV_DEVICE, 5, 0x0108, 1), 0xe000000101080005ull);
	/* §11.4.6.3: IVT 63, IIRG 61:60, DR 49, DW 48, DID 47:32 */
	assert_int_equal(vtd_iotlb_cmd(VTD_INV_GLOBAL, 0, false), 0x9000000000000000ull);
	assert_int_equal(vtd_iotlb_cmd(VTD_INV_PAGE, 0x77, true), 0xb003007700000000ull);
	assert_int_equal(vtd_iotlb_cmd(VTD_INV_DOMAIN, 1, false), 0xa000000100000000ull);
	/* §11.4.6.4: ADDR 63:12, IH 6, AM 5:0 */
	assert_int_equal(vtd_iva(0x40000123, 2, true), 0x40000042);
	assert_int_equal(vtd_iva(0x40000000, 0x7f, false), 0x4000003f);
}

/* IRTE (VT-d §9.10) and remappable MSI address (§5.1.5.2) encodings. */
static void test_irte_and_remap_msi(void **state)
{
	(void)state;
	struct vtd_irte e = vtd_irte_make(0x41, 3, false, 0x0018, false);
	assert_int_equal(e.lo & VTD_IRTE_LO_P, 1);
	assert_int_equal((e.lo >> 16) & 0xff, 0x41); /* vector */
	assert_int_equal((e.lo >> 40) & 0xff, 3);    /* xAPIC destination, bits 47:40 */
	assert_int_equal((e.lo >> 2) & 1, 0);	     /* physical destination mode */
	assert_int_equal((e.lo >> 5) & 7, 0);	     /* fixed delivery */
	assert_int_equal(e.hi & 0xffff, 0x0018);     /* source id */
	assert_int_equal((e.hi >> 16) & 3, 0);	     /* SQ: compare all bits */
	assert_int_equal((e.hi >> 18) & 3, 1);	     /* SVT: verify SID */
	struct vtd_irte x = vtd_irte_make(0x30, 0x12345, true, 0x0100, true);
	assert_int_equal(x.lo >> 32, 0x12345); /* x2APIC: 32-bit destination */
	assert_int_equal(vtd_msi_remap_addr(0), 0xfee00010u);
	assert_int_equal(vtd_msi_remap_addr(5), 0xfee00010u | 5u << 5);
	assert_int_equal(vtd_msi_remap_addr(0x7fff), 0xfee00010u | 0x7fffu << 5);
	assert_int_equal(vtd_msi_remap_addr(0x8000), 0xfee00014u); /* handle[15] in bit 2 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_offsets),   cmocka_unit_test(test_gcmd_persist_mask),
	    cmocka_unit_test(test_root_entry),	       cmocka_unit_test(test_context_entry),
	    cmocka_unit_test(test_pte_index),	       cmocka_unit_test(test_sid),
	    cmocka_unit_test(test_inv_descriptors),    cmocka_unit_test(test_register_commands),
	    cmocka_unit_test(test_irte_and_remap_msi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
