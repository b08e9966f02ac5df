/* blkclient: BlockDevice client. */
#include "blkclient.h"
#include "capos.h"
#include "capshm.h"

int blkc_connect(struct blkclient *c, struct capos_ring *r, struct capos_handle ep,
		 struct capos_handle mem, uint64_t region_bytes, uint32_t depth)
{
	struct capos_handle shm, map, caps[2];
	struct capos_cqe cqe;
	volatile uint8_t *region;
	uint64_t bytes, none = 0, ok = 0;
	c->r = r;
	c->ep = ep;
	c->next_id = 1;
	if (capos_call(r, ep, BLK_INFO, &none, sizeof(none), &c->info, sizeof(c->info)) != CAPOS_OK)
		return 1;
	if (mem_create_shared(r, mem, region_bytes, &shm) != CAPOS_OK ||
	    mem_create_event(r, mem, &c->cli_ev) != CAPOS_OK ||
	    shm_map(r, shm, &map, &region, &bytes) != CAPOS_OK ||
	    blkq_init((void *)region, bytes, depth, c->info.block_size) != BLKQ_OK ||
	    blkq_attach((void *)region, bytes, &c->q) != BLKQ_OK)
		return 2;
	caps[0] = shm;
	caps[1] = c->cli_ev;
	if (capos_call_caps(r, ep, BLK_CONNECT, &none, sizeof(none), &ok, sizeof(ok), caps, 2,
			    false, &cqe) != CAPOS_OK ||
	    ok != 1 || cqe.xfer_count != 1)
		return 3;
	c->drv_ev = capos_handle_of(cqe.aux);
	c->data = blkq_data(&c->q, 0);
	return 0;
}

static uint64_t now(struct capos_ring *r, struct capos_handle timer)
{
	uint64_t ns = 0;
	timer_now(r, timer, &ns);
	return ns;
}

int64_t blkc_pump(struct blkclient *c, struct capos_handle timer, unsigned inflight,
		  blkc_next_fn next, blkc_done_fn done, void *ctx, uint64_t until_ns,
		  uint64_t timeout_ns)
{
	unsigned out = 0;
	int64_t completed = 0;
	bool more = true, quiet = false;
	for (;;) {
		bool sent = false;
		while (more && out < inflight && (until_ns == 0 || now(c->r, timer) < until_ns)) {
			struct blkq_req req;
			if (!next(ctx, &req)) {
				more = false;
				break;
			}
			req.id = c->next_id++;
			if (!blkq_submit(&c->q, &req))
				return -1; /* more in flight than the queue holds */
			out++;
			sent = true;
		}
		if (sent)
			event_signal(c->r, c->drv_ev);
		struct blkq_cpl cpl;
		int got;
		while ((got = blkq_reap(&c->q, &cpl)) == 1) {
			out--;
			completed++;
			quiet = false;
			if (done != 0)
				done(ctx, &cpl);
		}
		if (got < 0)
			return -1;
		if (quiet && out != 0)
			return -2; /* nothing for timeout_ns: the driver is gone */
		if (out == 0 && (!more || (until_ns != 0 && now(c->r, timer) >= until_ns)))
			return completed;
		uint64_t k = 0;
		if (out != 0 && event_wait_for(c->r, c->cli_ev, timeout_ns, &k) == CAPOS_OK &&
		    k == 0)
			quiet = true; /* one more look at the ring before giving up */
	}
}

void blkc_close(struct blkclient *c)
{
	struct blkq_req req = {.id = BLK_CLOSE_ID, .op = BLKQ_OP_FLUSH};
	struct blkq_cpl cpl;
	uint64_t k;
	if (!blkq_submit(&c->q, &req))
		return;
	event_signal(c->r, c->drv_ev);
	for (int i = 0; i < 100 && blkq_reap(&c->q, &cpl) == 0; i++)
		event_wait_for(c->r, c->cli_ev, 100000000ull, &k);
}

bool blkc_span_next(void *ctx, struct blkq_req *r)
{
	struct blkc_span *s = ctx;
	if (s->at >= s->n)
		return false;
	if (s->op == BLKQ_OP_FLUSH) { /* one, with no blocks */
		*r = (struct blkq_req){.op = BLKQ_OP_FLUSH};
		s->at = s->n;
		return true;
	}
	uint32_t k = s->n - s->at < s->per_req ? (uint32_t)(s->n - s->at) : s->per_req;
	*r = (struct blkq_req){
	    .op = s->op, .count = k, .block = s->first + s->at, .offset = s->at * s->block_size};
	s->at += k;
	return true;
}

void blkc_span_done(void *ctx, const struct blkq_cpl *c)
{
	struct blkc_span *s = ctx;
	s->done++;
	if (c->status != BLKQ_OK)
		s->failed++;
	s->last_status = c->status;
}
