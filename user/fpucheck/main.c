/* fpucheck: the FPU, SSE and AVX state is each process's own. At start every
 * register must hold its initial value (x87 control word 0x37f, MXCSR 0x1f80,
 * empty x87 tags, mm0-7, xmm0-15 and the upper ymm halves zero), whatever ran
 * before on this CPU. Then, 100 times, it fills them all with a pattern of its
 * own (a new one each time), blocks in cap_enter (other processes run,
 * several instances of this program among them, and it may come back on
 * another CPU) and checks the pattern is still there. Exits 0
 * when both held; says what it saw through the Console in slot 0. */
#include "lib/capos.h"

/* The compiler must not touch a vector register here: what is read is exactly
 * what the kernel left (the asm below names them all). */
#pragma GCC target("general-regs-only")

#define ROUNDS 100

int main(struct capos_ring *ring);

struct fpu_regs {
	uint8_t ymm[16][32];
	uint64_t mm[8];
	uint32_t mxcsr;
	uint16_t fcw, ftw; /* control word, full tag word (fnstenv) */
};

static int has_avx(void)
{
	uint32_t a, b, c, d, lo, hi;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)) || !(c & (1u << 28))) /* OSXSAVE, AVX */
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6; /* the OS saves SSE and AVX state */
}

#define XMM_ALL(op, base)                                                                          \
	op " 0*32(" base "), %%xmm0\n\t" op " 1*32(" base "), %%xmm1\n\t" op " 2*32(" base         \
	   "), %%xmm2\n\t" op " 3*32(" base "), %%xmm3\n\t" op " 4*32(" base "), %%xmm4\n\t" op    \
	   " 5*32(" base "), %%xmm5\n\t" op " 6*32(" base "), %%xmm6\n\t" op " 7*32(" base         \
	   "), %%xmm7\n\t" op " 8*32(" base "), %%xmm8\n\t" op " 9*32(" base "), %%xmm9\n\t" op    \
	   " 10*32(" base "), %%xmm10\n\t" op " 11*32(" base "), %%xmm11\n\t" op " 12*32(" base    \
	   "), %%xmm12\n\t" op " 13*32(" base "), %%xmm13\n\t" op " 14*32(" base                   \
	   "), %%xmm14\n\t" op " 15*32(" base "), %%xmm15\n\t"

/* Reads every register into r (the ymm upper halves only with AVX). */
static void read_regs(struct fpu_regs *r, int avx)
{
	uint8_t env[28];
	__builtin_memset(r, 0, sizeof(*r));
	__asm__ volatile(
	    "movdqu %%xmm0, 0*32(%0)\n\tmovdqu %%xmm1, 1*32(%0)\n\tmovdqu %%xmm2, 2*32(%0)\n\t"
	    "movdqu %%xmm3, 3*32(%0)\n\tmovdqu %%xmm4, 4*32(%0)\n\tmovdqu %%xmm5, 5*32(%0)\n\t"
	    "movdqu %%xmm6, 6*32(%0)\n\tmovdqu %%xmm7, 7*32(%0)\n\tmovdqu %%xmm8, 8*32(%0)\n\t"
	    "movdqu %%xmm9, 9*32(%0)\n\tmovdqu %%xmm10, 10*32(%0)\n\tmovdqu %%xmm11, 11*32(%0)\n\t"
	    "movdqu %%xmm12, 12*32(%0)\n\tmovdqu %%xmm13, 13*32(%0)\n\tmovdqu %%xmm14, "
	    "14*32(%0)\n\t"
	    "movdqu %%xmm15, 15*32(%0)\n\t"
	    :
	    : "r"(r->ymm)
	    : "memory");
	if (avx)
		__asm__ volatile("vextractf128 $1, %%ymm0, 0*32+16(%0)\n\tvextractf128 $1, %%ymm1, "
				 "1*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm2, 2*32+16(%0)\n\tvextractf128 $1, %%ymm3, "
				 "3*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm4, 4*32+16(%0)\n\tvextractf128 $1, %%ymm5, "
				 "5*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm6, 6*32+16(%0)\n\tvextractf128 $1, %%ymm7, "
				 "7*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm8, 8*32+16(%0)\n\tvextractf128 $1, %%ymm9, "
				 "9*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm10, 10*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm11, 11*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm12, 12*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm13, 13*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm14, 14*32+16(%0)\n\t"
				 "vextractf128 $1, %%ymm15, 15*32+16(%0)\n\t"
				 :
				 : "r"(r->ymm)
				 : "memory");
	/* The tag word before MMX reads mark registers valid. */
	__asm__ volatile("fnstenv %0\n\tfldenv %0" : "=m"(env) : : "memory");
	r->fcw = (uint16_t)(env[0] | env[1] << 8);
	r->ftw = (uint16_t)(env[8] | env[9] << 8);
	__asm__ volatile("stmxcsr %0" : "=m"(r->mxcsr));
	__asm__ volatile("movq %%mm0, 0(%0)\n\tmovq %%mm1, 8(%0)\n\tmovq %%mm2, 16(%0)\n\t"
			 "movq %%mm3, 24(%0)\n\tmovq %%mm4, 32(%0)\n\tmovq %%mm5, 40(%0)\n\t"
			 "movq %%mm6, 48(%0)\n\tmovq %%mm7, 56(%0)\n\t"
			 :
			 : "r"(r->mm)
			 : "memory");
}

/* Loads r into the registers; the x87 control word and MXCSR too. */
static void write_regs(const struct fpu_regs *r, int avx)
{
	if (avx)
		__asm__ volatile("vmovdqu 0*32(%0), %%ymm0\n\tvmovdqu 1*32(%0), %%ymm1\n\t"
				 "vmovdqu 2*32(%0), %%ymm2\n\tvmovdqu 3*32(%0), %%ymm3\n\t"
				 "vmovdqu 4*32(%0), %%ymm4\n\tvmovdqu 5*32(%0), %%ymm5\n\t"
				 "vmovdqu 6*32(%0), %%ymm6\n\tvmovdqu 7*32(%0), %%ymm7\n\t"
				 "vmovdqu 8*32(%0), %%ymm8\n\tvmovdqu 9*32(%0), %%ymm9\n\t"
				 "vmovdqu 10*32(%0), %%ymm10\n\tvmovdqu 11*32(%0), %%ymm11\n\t"
				 "vmovdqu 12*32(%0), %%ymm12\n\tvmovdqu 13*32(%0), %%ymm13\n\t"
				 "vmovdqu 14*32(%0), %%ymm14\n\tvmovdqu 15*32(%0), %%ymm15\n\t"
				 :
				 : "r"(r->ymm)
				 : "memory");
	else
		__asm__ volatile(XMM_ALL("movdqu", "%0") : : "r"(r->ymm) : "memory");
	__asm__ volatile("movq 0(%0), %%mm0\n\tmovq 8(%0), %%mm1\n\tmovq 16(%0), %%mm2\n\t"
			 "movq 24(%0), %%mm3\n\tmovq 32(%0), %%mm4\n\tmovq 40(%0), %%mm5\n\t"
			 "movq 48(%0), %%mm6\n\tmovq 56(%0), %%mm7\n\t"
			 :
			 : "r"(r->mm)
			 : "memory");
	__asm__ volatile("fldcw %0" : : "m"(r->fcw));
	__asm__ volatile("ldmxcsr %0" : : "m"(r->mxcsr));
}

static int same(const struct fpu_regs *a, const struct fpu_regs *b, int avx)
{
	for (int i = 0; i < 16; i++)
		for (int k = 0; k < (avx ? 32 : 16); k++)
			if (a->ymm[i][k] != b->ymm[i][k])
				return 0;
	for (int i = 0; i < 8; i++)
		if (a->mm[i] != b->mm[i])
			return 0;
	return a->fcw == b->fcw && a->mxcsr == b->mxcsr;
}

int main(struct capos_ring *ring)
{
	struct capos_handle console = {0, 1};
	struct fpu_regs clean, mine, now;
	int avx = has_avx();
	uint64_t seed;
	__asm__ volatile("rdtsc; shlq $32, %%rdx; orq %%rdx, %%rax" : "=a"(seed) : : "rdx");
	read_regs(&clean, avx);
	int dirty = clean.fcw != 0x37f || clean.mxcsr != 0x1f80 || clean.ftw != 0xffff;
	for (int i = 0; i < 16; i++)
		for (int k = 0; k < 32; k++)
			dirty |= clean.ymm[i][k] != 0;
	for (int i = 0; i < 8; i++)
		dirty |= clean.mm[i] != 0;
	/* A pattern of its own: the TSC makes each instance's differ. */
	__builtin_memset(&mine, 0, sizeof(mine));
	for (int i = 0; i < 16; i++)
		for (int k = 0; k < 32; k++)
			mine.ymm[i][k] = (uint8_t)(seed >> (k % 8 * 8)) ^ (uint8_t)(i * 37 + k);
	for (int i = 0; i < 8; i++)
		mine.mm[i] = seed * (uint64_t)(i + 3);
	mine.fcw = 0x27f ^ (uint16_t)(seed & 0xc00); /* precision and rounding vary */
	mine.mxcsr = 0x1f80 ^ (uint32_t)(seed & 0x6000);
	int kept = 0;
	for (int r = 0; r < ROUNDS; r++) {
		/* A new pattern each round: a CPU that gave back an older one (the
		 * registers it still held from this process's last run there, after
		 * a run elsewhere) is caught. */
		struct fpu_regs cur = mine;
		for (int i = 0; i < 16; i++)
			for (int k = 0; k < 32; k++)
				cur.ymm[i][k] ^= (uint8_t)(r + 1);
		for (int i = 0; i < 8; i++)
			cur.mm[i] += (uint64_t)r;
		write_regs(&cur, avx);
		/* Nothing queued: blocks 0.1 to 1 ms, so that instances wake in
		 * varying order and move between CPUs. */
		cap_enter(1, 100000 + (seed >> 8) % 9 * 100000 * (uint64_t)(r % 3));
		read_regs(&now, avx);
		kept += same(&cur, &now, avx);
	}
	__asm__ volatile("emms");
	__asm__ volatile("fninit");
	uint32_t mx = 0x1f80;
	__asm__ volatile("ldmxcsr %0" : : "m"(mx));
	console_printf(ring, console,
		       "fpucheck: %s at start (fcw 0x%x mxcsr 0x%x tags 0x%x); %s kept %d of %d "
		       "switches\n",
		       dirty ? "NOT CLEAN" : "clean", clean.fcw, clean.mxcsr, clean.ftw,
		       avx ? "x87+mmx+sse+avx" : "x87+mmx+sse", kept, ROUNDS);
	return dirty || kept != ROUNDS;
}
