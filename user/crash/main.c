/* crash: a program that faults on purpose (a write to address 0): the kernel
 * must end it alone and keep everything else running. */
#include "lib/sys.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	(void)ring;
	*(volatile int *)0 = 1;
	return 0;
}
