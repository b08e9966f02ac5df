/* epmover: holds a Console (slot 0) and an EndpointClient (slot 1), its only
 * reference to the endpoint. It calls through that facet and moves the same
 * facet beside the call: the server then holds every handle to the endpoint,
 * releases them all and returns, all in one batch. The endpoint must stay
 * alive until this call has taken its reply (the kernel used to free it under
 * the sleeping caller). The reply must be intact, the facet stale afterwards. */
#include "lib/capos.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	struct capos_handle console = {0, 1}, ep = {1, 1};
	uint64_t msg[3] = {0x0000000100000000ull, 0xfeedface, 0xc0ffee}, reply[4] = {0};
	struct capos_cqe c;
	int32_t st =
	    capos_call_caps(ring, ep, 4, msg, sizeof(msg), reply, sizeof(reply), &ep, 1, true, &c);
	int ok = st == CAPOS_OK && c.result_len == sizeof(msg) && reply[1] == 0xfeedface &&
		 reply[2] == 0xc0ffee;
	int32_t again =
	    capos_call_caps(ring, ep, 1, msg, sizeof(msg), reply, sizeof(reply), 0, 0, false, &c);
	console_printf(ring, console,
		       "epmover: called with my only facet moved beside the call: status %d, reply "
		       "%s; the facet afterwards: %d\n",
		       (int)st, ok ? "intact" : "WRONG", (int)again);
	return ok && again == CAPOS_E_LOOKUP ? 0 : 1;
}
