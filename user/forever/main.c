/* forever: computes forever without a system call; only ProcessHandle.kill
 * (through a timer interrupt or an IPI into the kernel) ends it. */
#include "lib/sys.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	volatile uint64_t x = 0;
	(void)ring;
	for (;;)
		x++;
}
