/* blkclient: the client side of the BlockDevice protocol (user/virtio-blk/
 * blk_proto.h): connect through the driver's Endpoint with a blkq region in
 * shared memory, then keep requests in flight from a generator. */
#ifndef CAPOS_USER_BLKCLIENT_H
#define CAPOS_USER_BLKCLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "capos/ring.h"
#include "lib/blkq/blkq.h"
#include "virtio-blk/blk_proto.h"

struct blkclient {
	struct capos_ring *r;
	struct capos_handle ep, drv_ev, cli_ev;
	struct blkq_view q;
	struct blk_info info;
	uint8_t *data; /* the region's data area */
	uint64_t next_id;
};

/* blkc_connect: INFO, a region of region_bytes with depth-deep queues, CONNECT.
 * Returns 0 or a small error number. */
int blkc_connect(struct blkclient *c, struct capos_ring *r, struct capos_handle ep,
		 struct capos_handle mem, uint64_t region_bytes, uint32_t depth);

/* The next request to submit (id is filled in), or false when there is none. */
typedef bool (*blkc_next_fn)(void *ctx, struct blkq_req *req);
/* A completion. */
typedef void (*blkc_done_fn)(void *ctx, const struct blkq_cpl *cpl);

/* blkc_pump: keeps at most inflight requests from next in flight until next
 * has none left (and all completed) or until_ns (Timer time, 0: none) passed
 * (then the ones in flight complete first). Returns the number completed, or
 * a negative value when the driver broke the queue or stopped answering
 * (nothing for timeout_ns). */
int64_t blkc_pump(struct blkclient *c, struct capos_handle timer, unsigned inflight,
		  blkc_next_fn next, blkc_done_fn done, void *ctx, uint64_t until_ns,
		  uint64_t timeout_ns);

/* A run of requests over blocks [first, first + n), per_req blocks each, data
 * at (block - first) * block size in the region; a FLUSH span is one request.
 * For blkc_pump: blkc_span_next and blkc_span_done with the span as ctx. */
struct blkc_span {
	uint32_t op;
	uint64_t first, n, at;
	uint32_t per_req, block_size;
	unsigned done, failed;
	int32_t last_status;
};
bool blkc_span_next(void *ctx, struct blkq_req *r);
void blkc_span_done(void *ctx, const struct blkq_cpl *c);

/* blkc_close: the closing flush (the driver ends). */
void blkc_close(struct blkclient *c);

#endif
