/* tlb: TLB shootdown across CPUs. A CPU caches translations of the address
 * space it runs in (and of global kernel pages) until it flushes them; a
 * mapping removed or changed while other CPUs may hold it must be flushed on
 * them too before what it mapped is reused (SDM 3A §4.10.5). */
#ifndef CAPOS_ARCH_TLB_H
#define CAPOS_ARCH_TLB_H

#include <stdbool.h>
#include <stdint.h>

/* tlb_init: the shootdown IPI handler on every CPU. */
void tlb_init(void);

/* tlb_note_cr3: this CPU is about to load cr3 (the switch code calls it just
 * before the MOV to CR3, and tlb_cr3_loaded after it: until then the CPU
 * counts as in both address spaces). */
void tlb_note_cr3(uint64_t cr3);
void tlb_cr3_loaded(void);

/* tlb_leave_user: this CPU loads the kernel's address space if it is in a
 * process's (an idle CPU stays in the last one it ran): before kernel work
 * that runs long with interrupts off, so requests about that address space
 * need not wait for it. */
void tlb_leave_user(void);

/* tlb_catch_up: a CPU that missed a request (it did not answer in time)
 * flushes everything; the switch code calls it before running a process. */
void tlb_catch_up(void);

/* tlb_shootdown: after the entries mapping [va, va + pages * 4 KiB) in the
 * address space pml4 changed: flushes them here and on every other online CPU
 * that may cache them (for user addresses, the CPUs running in pml4 now; for
 * kernel addresses, every CPU), and waits until each has. Call with no lock
 * held. false when a CPU did not answer within the bound (it is reported). */
bool tlb_shootdown(uint64_t pml4, uint64_t va, uint64_t pages);

/* tlb_forget: before the tables of the address space pml4 are freed: makes
 * every CPU still in it (an idle CPU stays in the last process's address
 * space) load the kernel's. Call with no lock held; false as above. */
bool tlb_forget(uint64_t pml4);

/* tlb_cpu_in: an online CPU whose loaded CR3 is pml4, or -1. */
int tlb_cpu_in(uint64_t pml4);

/* tlb_stats: shootdowns done and IPIs sent. */
void tlb_stats(uint64_t *shootdowns, uint64_t *ipis);

#endif
