/* epcaller: a client of epattack's endpoint, holding a Console (slot 0) and an
 * EndpointClient (slot 1). An echo (method 1) comes back; a 5000-byte call
 * (method 2, more than the server's 4096-byte receive buffer) is refused with
 * CAPOS_E_BAD_PARAMS instead of wedging the endpoint; then a call the server
 * holds (method 3) while epattack kills this process: it must end, not wait
 * for the server. Exits non-zero if that call ever returns. */
#include "lib/capos.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	struct capos_handle console = {0, 1}, ep = {1, 1};
	static uint64_t big[5000 / 8];
	uint64_t msg[3] = {0x0000000100000000ull, 0x1234, 0x5678}, reply[4];
	struct capos_cqe c;
	if (capos_call_caps(ring, ep, 1, msg, sizeof(msg), reply, sizeof(reply), 0, 0, false, &c) !=
		CAPOS_OK ||
	    c.result_len != sizeof(msg) || reply[1] != 0x1234 || reply[2] != 0x5678)
		return 1;
	big[0] = 0x0000000100000000ull;
	int32_t st =
	    capos_call_caps(ring, ep, 2, big, sizeof(big), reply, sizeof(reply), 0, 0, false, &c);
	console_printf(ring, console, "epcaller: echo ok; 5000-byte call refused with status %d\n",
		       (int)st);
	if (st != CAPOS_E_BAD_PARAMS)
		return 2;
	capos_call_caps(ring, ep, 3, msg, sizeof(msg), reply, sizeof(reply), 0, 0, false, &c);
	console_printf(ring, console, "epcaller: the held call RETURNED (status %d)\n",
		       (int)c.status);
	return 3;
}
