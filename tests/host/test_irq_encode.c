/* test_irq_encode: I/O APIC redirection entries and MSI messages against values worked
 * out by hand from the 82093AA datasheet (§3.2.4) and the SDM (vol. 3A §11.11), the
 * refusals (vectors below 32, destinations beyond xAPIC), and the decoders' verdicts on
 * entries the kernel would never write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/ioapic.h"
#include "hw/msi.h"
#include "lib/irq/irq_encode.h"

static void test_ioapic_layout(void **state)
{
	(void)state;
	assert_int_equal(IOAPIC_IOREGSEL, 0x00);
	assert_int_equal(IOAPIC_IOWIN, 0x10);
	assert_int_equal(IOAPIC_REG_REDTBL_LO(0), 0x10);
	assert_int_equal(IOAPIC_REG_REDTBL_HI(0), 0x11);
	assert_int_equal(IOAPIC_REG_REDTBL_LO(23), 0x3e);
	assert_int_equal(IOAPIC_REG_REDTBL_HI(23), 0x3f);
	/* QEMU's IOAPICVER: version 0x20, maximum redirection entry 23. */
	assert_int_equal(0x00170020u & IOAPIC_VER_VERSION_MASK, 0x20);
	assert_int_equal((0x00170020u & IOAPIC_VER_MAX_REDIR_MASK) >> IOAPIC_VER_MAX_REDIR_SHIFT,
			 23);
}

static void test_ioapic_encode(void **state)
{
	uint64_t e = 0;
	(void)state;

	struct ioapic_route r = {0x30, 0, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false};
	assert_int_equal(ioapic_redir_encode(&r, &e), IRQ_OK);
	assert_int_equal(e, 0x0000000000000030ull);

	/* Vector 0x41, fixed, physical, active low (bit 13), level (bit 15), masked
	 * (bit 16), destination 1 in bits 63:56. */
	r = (struct ioapic_route){0x41, 1, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_LOW, true};
	assert_int_equal(ioapic_redir_encode(&r, &e), IRQ_OK);
	assert_int_equal(e, 0x010000000001a041ull);

	r = (struct ioapic_route){0xef, 0xfe, IRQ_TRIGGER_EDGE, IRQ_POLARITY_LOW, false};
	assert_int_equal(ioapic_redir_encode(&r, &e), IRQ_OK);
	assert_int_equal(e, 0xfe000000000020efull);
}

static void test_ioapic_encode_refused(void **state)
{
	uint64_t e = 0x1234;
	(void)state;

	static const struct ioapic_route bad[] = {
	    {0x1f, 0, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false},     /* exception vector */
	    {0x00, 0, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, true},      /* even masked */
	    {0x30, 0xff, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false},  /* broadcast */
	    {0x30, 0x100, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, false}, /* x2APIC ID */
	    {0x30, 0, (enum irq_trigger)2, IRQ_POLARITY_HIGH, false},
	    {0x30, 0, IRQ_TRIGGER_EDGE, (enum irq_polarity)7, false},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ioapic_redir_encode(&bad[i], &e), IRQ_ERR_INVALID);
		assert_int_equal(e, 0x1234);
	}
}

static void test_ioapic_decode(void **state)
{
	struct ioapic_redir_info d;
	(void)state;

	/* Status bits (delivery status 12, remote IRR 14) do not make an entry foreign. */
	assert_int_equal(ioapic_redir_decode(0x010000000001f041ull, &d), IRQ_OK);
	assert_int_equal(d.route.vector, 0x41);
	assert_int_equal(d.route.dest_apic_id, 1);
	assert_int_equal(d.route.trigger, IRQ_TRIGGER_LEVEL);
	assert_int_equal(d.route.polarity, IRQ_POLARITY_LOW);
	assert_true(d.route.masked);
	assert_true(d.send_pending);
	assert_true(d.remote_irr);
	assert_false(d.logical);
	assert_int_equal(d.delivery_mode, IOAPIC_DELMODE_FIXED);

	/* Round trip of every vector the encoder accepts. */
	for (uint32_t v = 0x20; v <= 0xff; v++) {
		struct ioapic_route r = {(uint8_t)v, v % 0xff, (enum irq_trigger)(v & 1),
					 (enum irq_polarity)((v >> 1) & 1), (v & 4) != 0};
		uint64_t e;
		assert_int_equal(ioapic_redir_encode(&r, &e), IRQ_OK);
		assert_int_equal(ioapic_redir_decode(e, &d), IRQ_OK);
		assert_int_equal(d.route.vector, r.vector);
		assert_int_equal(d.route.dest_apic_id, r.dest_apic_id);
		assert_int_equal(d.route.trigger, r.trigger);
		assert_int_equal(d.route.polarity, r.polarity);
		assert_int_equal(d.route.masked, r.masked);
	}

	/* The power-on value: masked, vector 0. */
	assert_int_equal(ioapic_redir_decode(IOAPIC_REDIR_MASKED, &d), IRQ_ERR_INVALID);
	assert_true(d.route.masked);
	assert_int_equal(ioapic_redir_decode(0x0830, &d), IRQ_ERR_INVALID); /* logical */
	assert_true(d.logical);
	assert_int_equal(ioapic_redir_decode(0x0730, &d), IRQ_ERR_INVALID); /* ExtINT */
	assert_int_equal(d.delivery_mode, IOAPIC_DELMODE_EXTINT);
	assert_int_equal(ioapic_redir_decode(0x0000000000020030ull, &d), IRQ_ERR_INVALID);
	assert_int_equal(ioapic_redir_decode(0x0080000000000030ull, &d), IRQ_ERR_INVALID);
	assert_int_equal(ioapic_redir_decode(0xff00000000000030ull, &d), IRQ_ERR_INVALID);
}

static void test_msi_compose(void **state)
{
	uint64_t addr = 0;
	uint32_t data = 0;
	(void)state;

	/* §11.11.1: 0xFEE in 31:20, destination ID in 19:12, RH = DM = 0. §11.11.2: vector
	 * in 7:0, fixed delivery (000b) in 10:8, edge (bit 15 = 0). */
	assert_int_equal(msi_compose(0, 0x30, false, &addr, &data), IRQ_OK);
	assert_int_equal(addr, 0xfee00000ull);
	assert_int_equal(data, 0x0030);

	assert_int_equal(msi_compose(1, 0x41, false, &addr, &data), IRQ_OK);
	assert_int_equal(addr, 0xfee01000ull);
	assert_int_equal(data, 0x0041);

	/* Level: trigger bit 15 and the assert bit 14. */
	assert_int_equal(msi_compose(3, 0xef, true, &addr, &data), IRQ_OK);
	assert_int_equal(addr, 0xfee03000ull);
	assert_int_equal(data, 0xc0ef);

	assert_int_equal(msi_compose(0xfe, 0x20, false, &addr, &data), IRQ_OK);
	assert_int_equal(addr, 0xfeefe000ull);
	assert_int_equal(data, 0x0020);
}

static void test_msi_compose_refused(void **state)
{
	uint64_t addr = 7;
	uint32_t data = 9;
	(void)state;

	assert_int_equal(msi_compose(0, 0x1f, false, &addr, &data), IRQ_ERR_INVALID);
	assert_int_equal(msi_compose(0, 0x00, false, &addr, &data), IRQ_ERR_INVALID);
	assert_int_equal(msi_compose(0xff, 0x30, false, &addr, &data), IRQ_ERR_INVALID);
	assert_int_equal(msi_compose(0x100, 0x30, false, &addr, &data), IRQ_ERR_INVALID);
	assert_int_equal(msi_compose(0xffffffffu, 0x30, true, &addr, &data), IRQ_ERR_INVALID);
	assert_int_equal(addr, 7);
	assert_int_equal(data, 9);
}

static void test_msi_decode(void **state)
{
	struct msi_info m;
	(void)state;

	assert_int_equal(msi_decode(0xfee03000ull, 0xc0ef, &m), IRQ_OK);
	assert_int_equal(m.dest_apic_id, 3);
	assert_int_equal(m.vector, 0xef);
	assert_true(m.level);
	assert_true(m.assert);
	assert_int_equal(m.delivery_mode, MSI_DELMODE_FIXED);

	for (uint32_t dest = 0; dest <= 0xfe; dest++) {
		uint64_t addr;
		uint32_t data;
		uint8_t v = (uint8_t)(0x20 + dest % 0xe0);
		assert_int_equal(msi_compose(dest, v, dest & 1, &addr, &data), IRQ_OK);
		assert_int_equal(msi_decode(addr, data, &m), IRQ_OK);
		assert_int_equal(m.dest_apic_id, dest);
		assert_int_equal(m.vector, v);
		assert_int_equal(m.level, dest & 1);
	}

	/* Lowest priority with logical destination: decoded, not ours. */
	assert_int_equal(msi_decode(0xfee0100cull, 0x0141, &m), IRQ_ERR_INVALID);
	assert_true(m.redirection_hint);
	assert_true(m.logical);
	assert_int_equal(m.delivery_mode, MSI_DELMODE_LOWEST);
	assert_int_equal(m.dest_apic_id, 1);
	assert_int_equal(msi_decode(0x1fee00000ull, 0x30, &m), IRQ_ERR_INVALID);   /* high */
	assert_int_equal(msi_decode(0xfed00000ull, 0x30, &m), IRQ_ERR_INVALID);	   /* window */
	assert_int_equal(msi_decode(0xfee00010ull, 0x30, &m), IRQ_ERR_INVALID);	   /* 11:4 */
	assert_int_equal(msi_decode(0xfee00000ull, 0x10030, &m), IRQ_ERR_INVALID); /* 31:16 */
	assert_int_equal(msi_decode(0xfee00000ull, 0x0830, &m), IRQ_ERR_INVALID);  /* 13:11 */
	assert_int_equal(msi_decode(0xfee00000ull, 0x0010, &m), IRQ_ERR_INVALID);  /* vector */
	assert_int_equal(msi_decode(0xfee00000ull, 0x8030, &m), IRQ_ERR_INVALID);  /* deassert */
	assert_int_equal(msi_decode(0xfeeff000ull, 0x0030, &m), IRQ_ERR_INVALID);  /* broadcast */
}

static void test_msix_entry(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct msix_table_entry), 16);
	assert_int_equal(offsetof(struct msix_table_entry, addr_lo), MSIX_ENTRY_ADDR_LO);
	assert_int_equal(offsetof(struct msix_table_entry, addr_hi), MSIX_ENTRY_ADDR_HI);
	assert_int_equal(offsetof(struct msix_table_entry, data), MSIX_ENTRY_DATA);
	assert_int_equal(offsetof(struct msix_table_entry, vector_ctrl), MSIX_ENTRY_VECTOR_CTRL);
	assert_int_equal(MSIX_ENTRY_OFFSET(3), 48);
	assert_int_equal(MSIX_ENTRY_CTRL_MASKED, 1);
}

static void test_status_str(void **state)
{
	(void)state;
	assert_string_equal(irq_status_str(IRQ_OK), "ok");
	assert_string_equal(irq_status_str(IRQ_ERR_STALE), "stale");
	assert_string_equal(irq_status_str(IRQ_ERR_CORRUPT), "corrupt");
	assert_string_equal(irq_status_str((enum irq_status)99), "unknown");
}

/* Remappable-format redirection entries (VT-d §5.1.5.1). */
static void test_ioapic_remapped(void **state)
{
	(void)state;
	struct ioapic_route r = {0x31, 0, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_LOW, true};
	uint64_t e;
	assert_int_equal(ioapic_redir_encode_remapped(5, &r, &e), IRQ_OK);
	assert_int_equal(e & 0xff, 0x31);   /* vector, for EOI */
	assert_true(e & (1ull << 48));	    /* interrupt format */
	assert_int_equal(e >> 49, 5);	    /* index[14:0] */
	assert_int_equal((e >> 11) & 1, 0); /* index[15] */
	assert_true(e & (1ull << 15));	    /* level */
	assert_true(e & (1ull << 13));	    /* active low */
	assert_true(e & (1ull << 16));	    /* masked */
	assert_int_equal((e >> 8) & 7, 0);  /* bits 10:8 zero */
	assert_int_equal(ioapic_redir_encode_remapped(0x8001, &r, &e), IRQ_OK);
	assert_int_equal(e >> 49, 1);
	assert_int_equal((e >> 11) & 1, 1);
	r.vector = 0x10; /* below the external range */
	assert_int_equal(ioapic_redir_encode_remapped(1, &r, &e), IRQ_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ioapic_layout),
	    cmocka_unit_test(test_ioapic_encode),
	    cmocka_unit_test(test_ioapic_encode_refused),
	    cmocka_unit_test(test_ioapic_decode),
	    cmocka_unit_test(test_msi_compose),
	    cmocka_unit_test(test_msi_compose_refused),
	    cmocka_unit_test(test_msi_decode),
	    cmocka_unit_test(test_msix_entry),
	    cmocka_unit_test(test_status_str),
	    cmocka_unit_test(test_ioapic_remapped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
