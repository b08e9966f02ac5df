/* capshm: stubs for Memory, SharedMemory, SharedMapping and Event. */
#ifndef CAPOS_USER_CAPSHM_H
#define CAPOS_USER_CAPSHM_H

#include <stdint.h>

#include "capos/ring.h"

int32_t mem_create_shared(struct capos_ring *r, struct capos_handle mem, uint64_t bytes,
			  struct capos_handle *shm);
int32_t mem_create_event(struct capos_ring *r, struct capos_handle mem, struct capos_handle *ev);
/* shm_map: SharedMemory.map, then SharedMapping.info: the mapping's handle and address. */
int32_t shm_map(struct capos_ring *r, struct capos_handle shm, struct capos_handle *mapping,
		volatile uint8_t **addr, uint64_t *bytes);
int32_t event_signal(struct capos_ring *r, struct capos_handle ev);
int32_t event_wait(struct capos_ring *r, struct capos_handle ev, uint64_t *count);
/* event_wait_for: Event.waitFor: at most ns; *count 0 when it timed out. */
int32_t event_wait_for(struct capos_ring *r, struct capos_handle ev, uint64_t ns, uint64_t *count);

#endif
