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

struct span {
	uint32_t op;
	uint64_t first, n, at;
	unsigned failed, done, crash_after; /* the crash request after this many (0: none) */
	bool crashed;
};

static bool span_next(void *ctx, struct blkq_req *r)
{
	struct span *s = ctx;
	if (s->crash_after != 0 && !s->crashed && s->at / PER_REQ == s->crash_after) {
		s->crashed = true;
		*r = (struct blkq_req){.op = BLKQ_OP_FLUSH};
		B.next_id = BLK_CRASH_ID; /* blkc_pump numbers it with this id */
		return true;
	}
	if (s->at >= s->n)
		return false;
	if (s->op == BLKQ_OP_FLUSH) {
		*r = (struct blkq_req){.op = BLKQ_OP_FLUSH};
		s->at = s->n;
		return true;
	}
	*r = (struct blkq_req){
	    .op = s->op, .count = PER_REQ, .block = s->first + s->at, .offset = s->at * SECTOR};
	s->at += PER_REQ;
	return true;
}

static void span_done(void *ctx, const struct blkq_cpl *c)
{
	struct span *s = ctx;
	s->done++;
	if (c->status != BLKQ_OK)
		s->failed++;
}

static int64_t run(struct span *s)
{
	return blkc_pump(&B, tmr, DEPTH, span_next, span_done, s, 0, QUIET_NS);
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
	struct span w = {.op = BLKQ_OP_WRITE, .first = GUEST_FIRST, .n = GUEST_COUNT};
	struct span f = {.op = BLKQ_OP_FLUSH, .n = 1};
	if (run(&w) < 0 || w.failed || run(&f) < 0 || f.failed)
		return 2;
	console_printf(ring, con,
		       "blkcrash: %u sectors written and flushed; now writes in "
		       "flight and a crash among them\n",
		       GUEST_COUNT);
	for (uint64_t s = 0; s < CUT_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			B.data[s * SECTOR + j] = host_byte(CUT_FIRST + s, j);
	struct span cut = {
	    .op = BLKQ_OP_WRITE, .first = CUT_FIRST, .n = CUT_COUNT, .crash_after = 6};
	int64_t got = run(&cut);
	unsigned sent = (unsigned)(cut.at / PER_REQ) + 1; /* and the crash request */
	console_printf(ring, con,
		       "blkcrash: the driver stopped answering (%lld): %u of %u requests sent had "
		       "completed, the other %u failed with it\n",
		       (long long)got, cut.done, sent, sent - cut.done);
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
	struct span r = {.op = BLKQ_OP_READ, .first = GUEST_FIRST, .n = GUEST_COUNT};
	unsigned bad = run(&r) < 0 || r.failed ? 1 : 0;
	for (uint64_t s = 0; s < GUEST_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			bad += B.data[s * SECTOR + j] != guest_byte(GUEST_FIRST + s, j);
	/* What the cut writes left is the host's pattern either way; write it
	 * whole again for good measure, and flush. */
	for (uint64_t s = 0; s < CUT_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			B.data[s * SECTOR + j] = host_byte(CUT_FIRST + s, j);
	struct span again = {.op = BLKQ_OP_WRITE, .first = CUT_FIRST, .n = CUT_COUNT};
	struct span f2 = {.op = BLKQ_OP_FLUSH, .n = 1};
	bad += run(&again) < 0 || again.failed || run(&f2) < 0 || f2.failed;
	console_printf(ring, con,
		       "blkcrash: reconnected to the new driver instance; the flushed sectors "
		       "read back %s\n",
		       bad ? "WRONG" : "intact");
	blkc_close(&B);
	return bad ? 4 : 0;
}
