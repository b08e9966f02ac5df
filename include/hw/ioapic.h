/* I/O APIC registers (Intel 82093AA I/O APIC datasheet §3.0, §3.2; the same layout in
 * the I/O APICs of later Intel chipsets and of QEMU).
 *
 * Naming: enum ioapic_mmio holds the two MMIO registers (byte offsets from the chip's
 * base, ACPI MADT I/O APIC address). Every other register is indirect: its index is
 * written to IOREGSEL and its value read or written through IOWIN. Indices are
 * IOAPIC_REG_<NAME>, computed for the redirection table (IOAPIC_REG_REDTBL_LO(n)). A
 * field is IOAPIC_<REG>_<FIELD> (a mask at the register's natural width) with
 * IOAPIC_<REG>_<FIELD>_SHIFT when it is wider than one bit. Redirection entries are
 * handled as one 64-bit value (low dword at REDTBL_LO(n), high dword at REDTBL_HI(n)).
 * The kernel reaches the MMIO registers only through its typed helpers.
 */
#ifndef CAPOS_HW_IOAPIC_H
#define CAPOS_HW_IOAPIC_H

#include <stdint.h>

/* MMIO registers (§3.1): 32-bit accesses only. */
enum ioapic_mmio {
	IOAPIC_IOREGSEL = 0x00, /* bits 7:0: index of the register IOWIN reaches */
	IOAPIC_IOWIN = 0x10,
};

#define IOAPIC_MMIO_SIZE     0x20u /* bytes of the register window in use */
#define IOAPIC_IOREGSEL_MASK 0xffu
#define IOAPIC_ALL_ONES	     0xffffffffu /* what a read of an absent chip returns */

/* Indirect register indices (§3.2, table 2). */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL_BASE	0x10
#define IOAPIC_REG_REDTBL_LO(n) (IOAPIC_REG_REDTBL_BASE + 2u * (uint32_t)(n))
#define IOAPIC_REG_REDTBL_HI(n) (IOAPIC_REG_REDTBL_LO(n) + 1u)

/* IOAPICID (§3.2.1). */
#define IOAPIC_ID_MASK	0x0f000000u
#define IOAPIC_ID_SHIFT 24

/* IOAPICVER (§3.2.2). */
#define IOAPIC_VER_VERSION_MASK	   0x000000ffu
#define IOAPIC_VER_MAX_REDIR_MASK  0x00ff0000u /* number of redirection entries minus one */
#define IOAPIC_VER_MAX_REDIR_SHIFT 16

/* IOAPICARB (§3.2.3). */
#define IOAPIC_ARB_ID_MASK  0x0f000000u
#define IOAPIC_ARB_ID_SHIFT 24

/* Redirection table entry, 64 bits (§3.2.4). */
#define IOAPIC_REDIR_VECTOR_MASK      0x00000000000000ffull
#define IOAPIC_REDIR_DELMODE_MASK     0x0000000000000700ull
#define IOAPIC_REDIR_DELMODE_SHIFT    8
#define IOAPIC_REDIR_DESTMODE_LOGICAL 0x0000000000000800ull /* 0: physical */
#define IOAPIC_REDIR_DELIVS	      0x0000000000001000ull /* read-only: send pending */
#define IOAPIC_REDIR_POLARITY_LOW     0x0000000000002000ull /* 0: active high */
#define IOAPIC_REDIR_REMOTE_IRR	      0x0000000000004000ull /* read-only, level only */
#define IOAPIC_REDIR_TRIGGER_LEVEL    0x0000000000008000ull /* 0: edge */
#define IOAPIC_REDIR_MASKED	      0x0000000000010000ull
#define IOAPIC_REDIR_DEST_MASK	      0xff00000000000000ull
#define IOAPIC_REDIR_DEST_SHIFT	      56
/* Remappable format (VT-d §5.1.5.1): bit 48 set, the remapping entry's index in
 * bits 63:49 (index[14:0]) and bit 11 (index[15]); the vector field stays (EOI). */
#define IOAPIC_REDIR_REMAP	      0x0001000000000000ull
#define IOAPIC_REDIR_REMAP_IDX_SHIFT  49
#define IOAPIC_REDIR_REMAP_IDX15      0x0000000000000800ull

/* Delivery modes (bits 10:8). */
#define IOAPIC_DELMODE_FIXED  0x0u
#define IOAPIC_DELMODE_LOWEST 0x1u
#define IOAPIC_DELMODE_SMI    0x2u
#define IOAPIC_DELMODE_NMI    0x4u
#define IOAPIC_DELMODE_INIT   0x5u
#define IOAPIC_DELMODE_EXTINT 0x7u

#endif
