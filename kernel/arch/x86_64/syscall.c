/* syscall: MSR set-up for SYSCALL/SYSRET and the dispatcher of the two calls. */
#include "syscall.h"
#include "cpu.h"
#include "cpufeat.h"
#include "gdt.h"
#include "capos/ring.h"
#include "proc/proc.h"
#include "proc/ring_service.h"

#define MSR_STAR   0xC0000081u
#define MSR_LSTAR  0xC0000082u
#define MSR_FMASK  0xC0000084u
#define EFER_SCE   (1ull << 0)
/* RFLAGS cleared on entry (SDM 2B SYSCALL, IA32_FMASK): TF, IF, DF, IOPL, NT
 * and AC. NT must go: a kernel IRETQ with NT set raises #GP (SDM 2A IRET), and
 * AC would switch SMAP off for the kernel. */
#define FMASK_BITS (RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_AC)

extern char syscall_entry[];

void syscall_init_cpu(void)
{
	/* SYSRET loads CS from STAR[63:48] + 16 and SS from STAR[63:48] + 8; SYSCALL
	 * loads CS from STAR[47:32] and SS from STAR[47:32] + 8 (SDM 2B). */
	uint64_t star = (uint64_t)(GDT_USER_DATA - 8) << 48 | (uint64_t)GDT_KERNEL_CODE << 32;
	wrmsr(MSR_STAR, star);
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, FMASK_BITS);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

void syscall_dispatch(struct syscall_frame *f)
{
	struct proc *p = proc_current();
	cpufeat_check_flags("system call");
	/* The kernel runs a system call with interrupts on (a long Console write
	 * must not hold off the timer and IPIs); SYSRET needs them off again. */
	__asm__ volatile("sti" : : : "memory");
	switch (f->rax) {
	case CAPOS_SYS_CAP_ENTER:
		f->rax = ring_service(p, (uint32_t)f->rdi, f->rsi);
		break;
	case CAPOS_SYS_EXIT:
		proc_exit_current((int)f->rdi);
	default:
		f->rax = (uint64_t)(int64_t)CAPOS_E_MALFORMED;
		break;
	}
	proc_exit_if_killed();
	/* SYSRET to a non-canonical RIP would fault in ring 0 on Intel CPUs (SDM 2B,
	 * SYSRET): whatever set it, such a process ends instead of returning. */
	if ((int64_t)f->rcx >> 47 != 0 && (int64_t)f->rcx >> 47 != -1)
		proc_fault_current("non-canonical return address", 13, f->rcx, f->rcx); /* #GP */
	sched_user_return();
	__asm__ volatile("cli" : : : "memory");
	proc_exit_if_killed(); /* a kill that came after the check above */
}
