/* epqueued: holds a Console (slot 0) and an EndpointClient (slot 1); makes one
 * call (method 5) that epattack never receives, and is killed while the call
 * is still queued: the call must be withdrawn (the server never sees it).
 * Exits non-zero if the call ever returns. */
#include "lib/capos.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	struct capos_handle console = {0, 1}, ep = {1, 1};
	uint64_t msg[3] = {0x0000000100000000ull, 5, 5}, reply[4];
	struct capos_cqe c;
	capos_call_caps(ring, ep, 5, msg, sizeof(msg), reply, sizeof(reply), 0, 0, false, &c);
	console_printf(ring, console, "epqueued: the queued call RETURNED (status %d)\n",
		       (int)c.status);
	return 1;
}
