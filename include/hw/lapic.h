/* Local APIC registers (Intel SDM vol. 3A §11.4.1 table 11-1, §11.12.1 for the
 * x2APIC MSR mapping: MSR 0x800 + offset / 16). Registers are an enum of xAPIC
 * MMIO offsets; fields follow their register. */
#ifndef CAPOS_HW_LAPIC_H
#define CAPOS_HW_LAPIC_H

enum lapic_reg {
	LAPIC_ID = 0x020,
	LAPIC_VERSION = 0x030,
	LAPIC_TPR = 0x080,
	LAPIC_EOI = 0x0b0,
	LAPIC_LDR = 0x0d0,
	LAPIC_DFR = 0x0e0,
	LAPIC_SVR = 0x0f0,
	LAPIC_ESR = 0x280,
	LAPIC_ICR_LO = 0x300,
	LAPIC_ICR_HI = 0x310,
	LAPIC_LVT_TIMER = 0x320,
	LAPIC_LVT_LINT0 = 0x350,
	LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370,
	LAPIC_TIMER_INIT = 0x380,
	LAPIC_TIMER_CUR = 0x390,
	LAPIC_TIMER_DIV = 0x3e0,
};

#define MSR_APIC_BASE	    0x1b
#define APIC_BASE_BSP	    (1ull << 8)
#define APIC_BASE_X2APIC    (1ull << 10)
#define APIC_BASE_ENABLE    (1ull << 11)
#define APIC_BASE_ADDR_MASK 0xffffff000ull
#define MSR_X2APIC_BASE	    0x800
#define MSR_X2APIC_ICR	    0x830

#define LAPIC_SVR_ENABLE   (1u << 8)
#define LAPIC_LVT_MASKED   (1u << 16)
#define LAPIC_LVT_PERIODIC (1u << 17)
#define LAPIC_TIMER_DIV_16 0x3

#define LAPIC_ICR_FIXED	     (0u << 8)
#define LAPIC_ICR_NMI	     (4u << 8)
#define LAPIC_ICR_INIT	     (5u << 8)
#define LAPIC_ICR_STARTUP    (6u << 8)
#define LAPIC_ICR_PENDING    (1u << 12) /* delivery status, xAPIC only */
#define LAPIC_ICR_ASSERT     (1u << 14)
#define LAPIC_ICR_LEVEL	     (1u << 15)
#define LAPIC_ICR_DEST_SHIFT 24 /* xAPIC ICR_HI; x2APIC: bits 63:32 of the MSR */

#define CPUID_1_EDX_APIC   (1u << 9)
#define CPUID_1_ECX_X2APIC (1u << 21)

#endif
