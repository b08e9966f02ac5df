/* shm-a: shares memory with shm-b. Slots: 0 Memory, 1 Endpoint, 2 Console.
 * Creates a SharedMemory and an Event, fills the memory, hands both to shm-b
 * (one per call it answers), then waits on the Event for shm-b's answer in the
 * same memory. */
#include "lib/capos.h"
#include "lib/capshm.h"

#define BYTES (64u * 1024u)

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	struct capos_handle mem = {0, 1}, ep = {1, 1}, con = {2, 1}, shm, ev, map;
	volatile uint8_t *p;
	uint64_t bytes = 0, n = 0, buf[2];
	struct capos_cqe c;
	if (mem_create_shared(ring, mem, BYTES, &shm) != CAPOS_OK ||
	    mem_create_event(ring, mem, &ev) != CAPOS_OK ||
	    shm_map(ring, shm, &map, &p, &bytes) != CAPOS_OK || bytes != BYTES)
		return 1;
	/* Nobody has signalled yet: a bounded wait times out with count 0. */
	if (event_wait_for(ring, ev, 20000000ull, &n) != CAPOS_OK || n != 0)
		return 8;
	console_printf(ring, con, "shm-a: waited 20 ms on an Event nobody signalled: count 0\n");
	for (uint32_t i = 0; i < BYTES; i++)
		p[i] = (uint8_t)(i * 31 + 7);
	/* Two calls from shm-b: the memory, then the event (a RETURN carries one). */
	for (int k = 0; k < 2; k++) {
		if (capos_recv(ring, ep, buf, sizeof(buf), 0, 0, &c) != CAPOS_OK ||
		    capos_return(ring, c.aux, 0, 0, k == 0 ? &shm : &ev, false) != CAPOS_OK)
			return 2;
	}
	if (event_wait(ring, ev, &n) != CAPOS_OK || n != 1)
		return 3;
	for (uint32_t i = 0; i < BYTES; i++)
		if (p[i] != (uint8_t) ~(uint8_t)(i * 31 + 7)) {
			console_printf(ring, con, "shm-a: byte %u is not shm-b's\n", i);
			return 4;
		}
	console_printf(ring, con, "shm-a: shm-b's answer in the shared %llu bytes is right\n",
		       (unsigned long long)bytes);
	return 0;
}
