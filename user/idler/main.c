/* idler: waits in cap_enter for a completion that never comes, with no time
 * limit; only ProcessHandle.kill ends it. */
#include "lib/sys.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	(void)ring;
	for (;;)
		cap_enter(1, UINT64_MAX);
}
