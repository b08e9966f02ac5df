/* blkcrash: a block client that survives its driver's crash (init restarts
 * the driver, manifests/blkcrash). It writes the guest pattern
 * (tools/diskpat.py) over sectors [64, 128) and flushes; then, with writes in
 * flight over [128, 256) (of the bytes already there, so a write cut off
 * anywhere leaves the image as the host check wants it), it asks the driver
 * to crash (BLK_CRASH_ID); the requests in flight fail; it reconnects to the
 * new instance on the same Endpoint, reads the flushed sectors back intact,
 * and closes.
 * Slots: 0 EndpointClient (the driver), 1 Console, 2 Memory, 3 Timer. */
#include "lib/blkclient.h"
#include "lib/capos.h"

#define SECTOR	    512u
#define GUEST_FIRST 64u
#define GUEST_COUNT 64u
#define CUT_FIRST   128u
#define CUT_COUNT   128u
#define REGION	    (256u * 1024u)
#define DEPTH	    16u
#define PER_REQ	    8u
#define QUIET_NS    1000000000ull

int main(struct capos_ring *ring);

static const struct capos_handle blk = {0, 1}, con = {1, 1}, mem = {2, 1}, tmr = {3, 1};
static struct blkclient B;

/* A span with the crash request among its requests: after crash_after. */
struct crashing {
	struct blkc_span s;
	unsigned crash_after; /* 0: none */
	bool crashed;
};

static bool crashing_next(void *ctx, struct blkq_req *r)
{
	struct crashing *c = ctx;
	if (c->crash_after != 0 && !c->crashed && c->s.at / PER_REQ == c->crash_after) {
		c->crashed = true;
		*r = (struct blkq_req){.op = BLKQ_OP_FLUSH};
		B.next_id = BLK_CRASH_ID; /* blkc_pump numbers it with this id */
		return true;
	}
	return blkc_span_next(&c->s, r);
}

static int64_t run(uint32_t op, uint64_t first, uint64_t n, struct crashing *c)
{
	struct crashing plain = {0};
	if (c == 0)
		c = &plain;
	c->s = (struct blkc_span){
	    .op = op, .first = first, .n = n, .per_req = PER_REQ, .block_size = SECTOR};
	int64_t got = blkc_pump(&B, tmr, DEPTH, crashing_next, blkc_span_done, c, 0, QUIET_NS);
	return got < 0 ? got : (int64_t)c->s.failed;
}

static uint8_t guest_byte(uint64_t s, unsigned j)
{
	return (uint8_t)(s * 11 + j * 3 + 0xa5);
}

static uint8_t host_byte(uint64_t s, unsigned j)
{
	return (uint8_t)(s * 7 + j * 13 + 0x5a);
}

int main(struct capos_ring *ring)
{
	if (blkc_connect(&B, ring, blk, mem, REGION, DEPTH) != 0)
		return 1;
	for (uint64_t s = 0; s < GUEST_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			B.data[s * SECTOR + j] = guest_byte(GUEST_FIRST + s, j);
	if (run(BLKQ_OP_WRITE, GUEST_FIRST, GUEST_COUNT, 0) != 0 ||
	    run(BLKQ_OP_FLUSH, 0, 1, 0) != 0)
		return 2;
	console_printf(ring, con,
		       "blkcrash: %u sectors written and flushed; now writes in "
		       "flight and a crash among them\n",
		       GUEST_COUNT);
	for (uint64_t s = 0; s < CUT_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			B.data[s * SECTOR + j] = host_byte(CUT_FIRST + s, j);
	struct crashing cut = {.crash_after = 6};
	int64_t got = run(BLKQ_OP_WRITE, CUT_FIRST, CUT_COUNT, &cut);
	unsigned sent = (unsigned)(cut.s.at / PER_REQ) + 1; /* and the crash request */
	console_printf(ring, con,
		       "blkcrash: the driver stopped answering (%lld): %u of %u requests sent had "
		       "completed, the other %u failed with it\n",
		       (long long)got, cut.s.done, sent, sent - cut.s.done);
	/* The new instance, on the same Endpoint (init restarted it). */
	int err = 1;
	for (int tries = 0; tries < 50 && err != 0; tries++) {
		err = blkc_connect(&B, ring, blk, mem, REGION, DEPTH);
		if (err != 0)
			timer_sleep(ring, tmr, 20000000ull);
	}
	if (err != 0) {
		console_printf(ring, con, "blkcrash: FAILED: no new driver instance (%d)\n", err);
		return 3;
	}
	for (uint64_t i = 0; i < GUEST_COUNT * SECTOR; i++)
		B.data[i] = 0;
	unsigned bad = run(BLKQ_OP_READ, GUEST_FIRST, GUEST_COUNT, 0) != 0;
	for (uint64_t s = 0; s < GUEST_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			bad += B.data[s * SECTOR + j] != guest_byte(GUEST_FIRST + s, j);
	/* What the cut writes left is the host's pattern either way; write it
	 * whole again for good measure, and flush. */
	for (uint64_t s = 0; s < CUT_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			B.data[s * SECTOR + j] = host_byte(CUT_FIRST + s, j);
	bad += run(BLKQ_OP_WRITE, CUT_FIRST, CUT_COUNT, 0) != 0 || run(BLKQ_OP_FLUSH, 0, 1, 0) != 0;
	console_printf(ring, con,
		       "blkcrash: reconnected to the new driver instance; the flushed sectors "
		       "read back %s\n",
		       bad ? "WRONG" : "intact");
	blkc_close(&B);
	return bad ? 4 : 0;
}
