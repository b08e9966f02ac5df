/* spin: computes for a while without any system call, so the only way other
 * processes run meanwhile is preemption by the timer; exits 0. */
#include "lib/sys.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	volatile uint64_t x = 0;
	(void)ring;
	for (uint64_t i = 0; i < 20000000; i++)
		x += i;
	return x == 0; /* 0: the sum is not zero */
}
