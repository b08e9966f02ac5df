/* selftest_fault: deliberate exceptions, to prove the exception path end to end. */
#include "selftest.h"
#include "lib/cmdline.h"

#include <stdint.h>

static const char *const kinds[] = {"pf", "gp", "ud", "de", "df"};

bool selftest_fault_known(const char *kind, size_t len)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (cmdline_word_eq(kind, len, kinds[i]))
			return true;
	return false;
}

/* Recurses with a large frame until the stack runs into its guard page; the #PF
 * cannot be pushed on the dead stack, so the CPU raises #DF on its IST stack. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static __attribute__((noinline)) uint64_t overflow_stack(volatile uint64_t depth)
{
	volatile uint8_t pad[512];
	pad[0] = (uint8_t)depth;
	return overflow_stack(depth + 1) + pad[0];
}
#pragma GCC diagnostic pop

void selftest_fault(const char *kind, size_t len)
{
	if (cmdline_word_eq(kind, len, "pf")) {
		/* Low canonical memory: the kernel's tables have no identity map. */
		*(volatile uint64_t *)(uintptr_t)0xdead000 = 1;
	} else if (cmdline_word_eq(kind, len, "gp")) {
		/* A non-canonical address faults with #GP, not #PF (SDM 3A §6.15). */
		(void)*(volatile uint64_t *)(uintptr_t)0x8000000000000000ull;
	} else if (cmdline_word_eq(kind, len, "ud")) {
		__asm__ volatile("ud2");
	} else if (cmdline_word_eq(kind, len, "de")) {
		/* In asm: the compiler may rewrite a C division by a constant-ish
		 * divisor (1/x becomes x == 1). */
		uint32_t lo = 1, hi = 0, zero = 0;
		__asm__ volatile("divl %2" : "+a"(lo), "+d"(hi) : "r"(zero));
	} else if (cmdline_word_eq(kind, len, "df")) {
		(void)overflow_stack(0);
	}
}
