/* exiter: a child of the SMP stress test (user/stresser). Checks that the
 * image it runs is its own and whole: a 16 KiB read-only table and a 4 KiB
 * initialised data table hold what the build put there, and its 8 KiB of .bss
 * is zero. Then exits with EXITER_OK (42); 43, 44 or 45 mean the rodata, the
 * data or the bss came out wrong. Another binary loaded in its place exits
 * otherwise (or never), which the stresser notices. No system call but exit. */
#include "lib/sys.h"

#define EXITER_OK 42

int main(struct capos_ring *ring);

#define F(i)	    ((uint32_t)((uint32_t)(i)*2654435761u) ^ 0xe7e7e7e7u)
#define G(i)	    (F(i) ^ 0x5a5a0000u)
#define R4(M, i)    M(i), M((i) + 1), M((i) + 2), M((i) + 3)
#define R16(M, i)   R4(M, i), R4(M, (i) + 4), R4(M, (i) + 8), R4(M, (i) + 12)
#define R64(M, i)   R16(M, i), R16(M, (i) + 16), R16(M, (i) + 32), R16(M, (i) + 48)
#define R256(M, i)  R64(M, i), R64(M, (i) + 64), R64(M, (i) + 128), R64(M, (i) + 192)
#define R1024(M, i) R256(M, i), R256(M, (i) + 256), R256(M, (i) + 512), R256(M, (i) + 768)
#define R4096(M, i) R1024(M, i), R1024(M, (i) + 1024), R1024(M, (i) + 2048), R1024(M, (i) + 3072)

static const uint32_t ro_table[4096] = {R4096(F, 0)};
static uint32_t data_table[1024] = {R1024(G, 0)};
static uint32_t zeros[2048];

int main(struct capos_ring *ring)
{
	/* Read through volatile pointers: the compiler knows the initialisers
	 * and would otherwise fold the checks away. */
	const volatile uint32_t *ro = ro_table;
	volatile uint32_t *data = data_table, *bss = zeros;
	(void)ring;
	for (uint32_t i = 0; i < 4096; i++)
		if (ro[i] != F(i))
			return EXITER_OK + 1;
	for (uint32_t i = 0; i < 1024; i++)
		if (data[i] != G(i))
			return EXITER_OK + 2;
	for (uint32_t i = 0; i < 2048; i++)
		if (bss[i] != 0)
			return EXITER_OK + 3;
	return EXITER_OK;
}
