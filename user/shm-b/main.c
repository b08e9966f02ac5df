/* shm-b: the other side. Slots: 0 EndpointClient (to shm-a), 1 Console. Maps
 * the SharedMemory shm-a hands it, checks shm-a's bytes, writes their inverse,
 * signals the Event, releases its mapping and touches it again, which must
 * fault. */
#include "lib/capos.h"
#include "lib/capshm.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	struct capos_handle ep = {0, 1}, con = {1, 1}, shm, ev, map;
	struct capos_cqe c;
	volatile uint8_t *p;
	uint64_t bytes = 0, msg = 0;
	if (capos_call_caps(ring, ep, 1, &msg, sizeof(msg), 0, 0, 0, 0, false, &c) != CAPOS_OK ||
	    c.xfer_count != 1)
		return 1;
	shm = capos_handle_of(c.aux);
	if (capos_call_caps(ring, ep, 2, &msg, sizeof(msg), 0, 0, 0, 0, false, &c) != CAPOS_OK ||
	    c.xfer_count != 1)
		return 2;
	ev = capos_handle_of(c.aux);
	if (shm_map(ring, shm, &map, &p, &bytes) != CAPOS_OK)
		return 3;
	for (uint32_t i = 0; i < bytes; i++) {
		if (p[i] != (uint8_t)(i * 31 + 7))
			return 4;
		p[i] = (uint8_t)~p[i];
	}
	if (event_signal(ring, ev) != CAPOS_OK)
		return 5;
	console_printf(ring, con, "shm-b: read shm-a's %llu bytes at %p, answered, signalled\n",
		       (unsigned long long)bytes, (void *)p);
	if (capos_release(ring, map) != CAPOS_OK)
		return 6;
	console_printf(ring, con, "shm-b: mapping released; touching it now\n");
	(void)p[0]; /* must fault */
	console_printf(ring, con, "shm-b: FAILED: the released mapping still answered\n");
	return 7;
}
