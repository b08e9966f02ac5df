/* drvsetup: the setup calls a userspace driver serves on its Endpoint before
 * the data path (user/virtio-blk/blk_proto.h, user/virtio-net/nic_proto.h):
 * INFO answered with a fixed reply; CONNECT with [SharedMemory, the client's
 * Event] beside it, whose region the driver maps and attaches (its own queue
 * format), answered with {1} and the driver's Event, or {0} and both handles
 * released when the attach refuses it. */
#ifndef CAPOS_USER_DRVSETUP_H
#define CAPOS_USER_DRVSETUP_H

#include <stdbool.h>
#include <stdint.h>

#include "capos/ring.h"

struct drvsetup {
	uint16_t info_method, connect_method;
	const void *info;
	uint32_t info_len;
	struct capos_handle drv_ev;
	/* attach: the mapped region of a CONNECT; false refuses it. */
	bool (*attach)(void *ctx, volatile uint8_t *base, uint64_t bytes);
	void *ctx;
};

/* drvsetup_accept: serves calls until a CONNECT is accepted; its
 * SharedMemory, mapping and Event handles go to *shm, *mapping, *cli_ev.
 * false when RECV fails. */
bool drvsetup_accept(struct capos_ring *r, struct capos_handle ep, const struct drvsetup *s,
		     struct capos_handle *shm, struct capos_handle *mapping,
		     struct capos_handle *cli_ev);

#endif
