/* cpufeat: per-CPU protections (SMEP, SMAP, UMIP) and the FPU: x87, SSE and
 * AVX for user code, saved and restored per process by the scheduler (the
 * kernel itself is built general-registers-only and never touches them). */
#include "cpufeat.h"
#include "cpu.h"
#include "percpu.h"
#include "usercopy.h"
#include "core/console.h"
#include "lib/str.h"

#define XCR0_X87     (1ull << 0)
#define XCR0_SSE     (1ull << 1)
#define XCR0_AVX     (1ull << 2)
/* The FXSAVE/XSAVE legacy region (SDM 1 §10.5.1, table 10-2). */
#define FXSAVE_FCW   0
#define FXSAVE_MXCSR 24

static bool use_xsave;
static uint64_t xcr0;

static inline void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void features(uint32_t *ecx1, uint32_t *ebx7, uint32_t *ecx7)
{
	uint32_t a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	uint32_t max = a;
	cpuid(1, 0, &a, &b, ecx1, &d);
	/* Leaf 7 only when the CPU has it: a higher leaf than the maximum returns
	 * another leaf's data on Intel CPUs (SDM 2A, CPUID). */
	if (max >= 7)
		cpuid(7, 0, &a, ebx7, ecx7, &d);
	else
		*ebx7 = *ecx7 = 0;
}

/* The boot CPU picks XSAVE and its components once; every CPU uses the same. */
static void choose_fpu(uint32_t ecx1)
{
	uint32_t a, b, c, d;
	use_xsave = (ecx1 & (1u << 26)) != 0; /* CPUID.1:ECX.XSAVE */
	if (!use_xsave)
		return;
	cpuid(0xd, 0, &a, &b, &c, &d);
	xcr0 = XCR0_X87 | XCR0_SSE | (a & XCR0_AVX);
	write_cr4(read_cr4() | CR4_OSXSAVE);
	xsetbv(0, xcr0);
	cpuid(0xd, 0, &a, &b, &c, &d); /* EBX: the area size for XCR0 as set now */
	if (b > FPU_AREA_MAX) {
		xcr0 = XCR0_X87 | XCR0_SSE;
		xsetbv(0, xcr0);
	}
}

void cpufeat_init_cpu(void)
{
	uint32_t ecx1, ebx7, ecx7;
	features(&ecx1, &ebx7, &ecx7);
	struct percpu *cpu = this_cpu();
	if (cpu->index == 0)
		choose_fpu(ecx1);
	/* x87 and SSE for user code: no emulation, no lazy switching (the state is
	 * saved eagerly), native x87 errors (SDM 3A §2.5, §13.1.3). */
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (ebx7 & (1u << 7))
		cr4 |= CR4_SMEP; /* SDM 3A §4.6: no kernel execution of user pages */
	if (ebx7 & (1u << 20))
		cr4 |= CR4_SMAP; /* no kernel data access to user pages without STAC */
	if (ecx7 & (1u << 2))
		cr4 |= CR4_UMIP; /* SGDT, SIDT, SLDT, SMSW, STR fault in user mode */
	if (use_xsave)
		cr4 |= CR4_OSXSAVE;
	/* Global pages (the kernel's are) on every CPU, as on the boot CPU
	 * (paging.c): a MOV to CR3 keeps them (SDM 3A §4.10.2.4). */
	cr4 |= CR4_PGE;
	write_cr4(cr4);
	if (use_xsave)
		xsetbv(0, xcr0);
	cpu->cr4 = read_cr4();
	if (cpu->index == 0)
		smap_enabled = (cpu->cr4 & CR4_SMAP) != 0;
	else if (smap_enabled && !(cpu->cr4 & CR4_SMAP))
		kprintf("cpufeat: cpu %u has no SMAP but the boot CPU does\n", cpu->index);
}

void cpufeat_bad_flags(const char *where, uint64_t rflags)
{
	kprintf("cpufeat: kernel flags 0x%llx on %s entry (AC, NT, DF or TF left set)\n",
		(unsigned long long)rflags, where);
}

const char *cpufeat_describe(uint64_t cr4, char *buf, unsigned len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {{CR4_SMEP, "smep"},
		     {CR4_SMAP, "smap"},
		     {CR4_UMIP, "umip"},
		     {CR4_OSXSAVE, "xsave"},
		     {CR4_PGE, "pge"}};
	unsigned at = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);
		bool on = (cr4 & names[i].bit) != 0;
		if (at + n + 5 >= len)
			break;
		if (at != 0)
			buf[at++] = ' ';
		if (!on) {
			memcpy(buf + at, "no-", 3);
			at += 3;
		}
		memcpy(buf + at, names[i].name, n);
		at += (unsigned)n;
		buf[at] = '\0';
	}
	return buf;
}

void fpu_area_init(void *area)
{
	uint8_t *a = area;
	memset(a, 0, FPU_AREA_MAX);
	/* FINIT's control word and MXCSR's reset value (SDM 1 §8.1.5, §10.2.3.1); with
	 * XSTATE_BV 0 XRSTOR loads every other register's initial (zero) state, and
	 * MXCSR from here (SDM 1 §13.8.1). */
	a[FXSAVE_FCW] = 0x7f;
	a[FXSAVE_FCW + 1] = 0x03;
	uint32_t mxcsr = 0x1f80;
	memcpy(a + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
}

void fpu_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)"
				 :
				 : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)"
				 :
				 : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

const char *fpu_mode(void)
{
	if (!use_xsave)
		return "fxsave";
	return (xcr0 & XCR0_AVX) ? "xsave x87+sse+avx" : "xsave x87+sse";
}
