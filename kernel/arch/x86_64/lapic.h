/* lapic: the local APIC in xAPIC (MMIO) or x2APIC (MSR) mode (Intel SDM vol. 3A
 * chapter 11). */
#ifndef CAPOS_ARCH_LAPIC_H
#define CAPOS_ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Fixed vectors owned by the kernel (device vectors come from lib/irq/vector). */
#define VEC_LAPIC_TIMER 0xf0
#define VEC_IPI_TEST	0xf1
#define VEC_IPI_CALL	0xf2
#define VEC_RESCHED	0xf3
#define VEC_TLB		0xf4 /* TLB shootdown (tlb.c) */
#define VEC_LAPIC_ERROR 0xfe
#define VEC_SPURIOUS	0xff

/* lapic_init_bsp: on the boot CPU: maps the xAPIC page or switches to x2APIC
 * (when the CPU has it), enables the APIC with the spurious vector, masks LINT0/1
 * and calibrates the timer against the TSC. Returns false when there is no APIC. */
bool lapic_init_bsp(void);
/* lapic_init_ap: the same on another CPU (mode and calibration are shared). */
void lapic_init_ap(void);

/* lapic_id: this CPU's APIC id. */
uint32_t lapic_id(void);
/* lapic_x2apic: whether the x2APIC mode is in use. */
bool lapic_x2apic(void);
/* lapic_version: the version register (bits 7:0 version, 23:16 max LVT). */
uint32_t lapic_version(void);
/* lapic_eoi: signals end of interrupt for the in-service vector. */
void lapic_eoi(void);

/* lapic_timer_periodic: the timer on this CPU firing VEC_LAPIC_TIMER at hz. */
void lapic_timer_periodic(unsigned hz);
/* lapic_timer_oneshot: one VEC_LAPIC_TIMER after us microseconds. */
void lapic_timer_oneshot(uint64_t us);
/* lapic_timer_stop: masks the timer. */
void lapic_timer_stop(void);
/* lapic_timer_ticks_per_ms: the calibrated timer rate (divide by 16), worked out
 * from the TSC rate on first use; 0 without a local APIC. */
uint32_t lapic_timer_ticks_per_ms(void);

/* lapic_send_ipi: a fixed IPI with vector to the CPU with APIC id dest. Waits a
 * bounded time for the previous IPI to be sent (xAPIC); false on timeout. */
bool lapic_send_ipi(uint32_t dest, uint8_t vector);
/* lapic_send_nmi: an NMI to the CPU with APIC id dest (itself included). */
bool lapic_send_nmi(uint32_t dest);
/* lapic_send_init / lapic_send_sipi: the start-up sequence (SDM 3A §8.4.4.1). */
bool lapic_send_init(uint32_t dest);
bool lapic_send_sipi(uint32_t dest, uint8_t page);

#endif
