/* blkbench: block I/O as `make bench-blk` measures it (tools/bench_io.py),
 * through the BlockDevice protocol: 4 KiB random reads at queue depth 1 and 8,
 * then 64 KiB sequential reads, each for a fixed time after a warm-up; prints
 * `bench: blk <metric> iops=N` / `mbps=N.N` lines. Timer time is QEMU's
 * virtual clock, which under TCG follows the host's.
 * Slots: 0 EndpointClient (the driver), 1 Console, 2 Memory, 3 Timer. */
#include "lib/blkclient.h"
#include "lib/capos.h"

#define REGION	 (2u << 20)
#define DEPTH	 16u
#define RUN_NS	 2000000000ull
#define WARM_NS	 200000000ull
#define QUIET_NS 2000000000ull

int main(struct capos_ring *ring);

static const struct capos_handle blk = {0, 1}, con = {1, 1}, mem = {2, 1}, tmr = {3, 1};
static struct blkclient B;

struct gen {
	uint32_t blocks; /* per request */
	bool random;
	uint64_t rng, pos; /* next block (sequential) */
	unsigned slot;	   /* data offset: one buffer per in-flight request */
	unsigned failed;
};

static bool gen_next(void *ctx, struct blkq_req *r)
{
	struct gen *g = ctx;
	uint64_t span = B.info.capacity / g->blocks;
	uint64_t b;
	if (g->random) {
		g->rng = g->rng * 6364136223846793005ull + 1442695040888963407ull;
		b = (g->rng >> 33) % span * g->blocks;
	} else {
		b = g->pos;
		g->pos = (g->pos + g->blocks) % (span * g->blocks);
	}
	uint64_t bytes = (uint64_t)g->blocks * B.info.block_size;
	*r = (struct blkq_req){.op = BLKQ_OP_READ,
			       .count = g->blocks,
			       .block = b,
			       .offset = (g->slot++ % DEPTH) * bytes};
	return true;
}

static void gen_done(void *ctx, const struct blkq_cpl *c)
{
	if (c->status != BLKQ_OK)
		((struct gen *)ctx)->failed++;
}

static uint64_t now(struct capos_ring *r)
{
	uint64_t ns = 0;
	timer_now(r, tmr, &ns);
	return ns;
}

/* Runs one pattern; returns requests per second (0 on failure). */
static uint64_t measure(struct capos_ring *r, uint32_t blocks, bool random, unsigned qd)
{
	struct gen g = {.blocks = blocks, .random = random, .rng = 12345};
	blkc_pump(&B, tmr, qd, gen_next, gen_done, &g, now(r) + WARM_NS, QUIET_NS);
	uint64_t t0 = now(r);
	int64_t n = blkc_pump(&B, tmr, qd, gen_next, gen_done, &g, t0 + RUN_NS, QUIET_NS);
	uint64_t dt = now(r) - t0;
	if (n <= 0 || g.failed != 0 || dt == 0)
		return 0;
	return (uint64_t)n * 1000000000ull / dt;
}

int main(struct capos_ring *ring)
{
	int err = blkc_connect(&B, ring, blk, mem, REGION, DEPTH);
	if (err != 0 || B.info.capacity < 256) {
		console_printf(ring, con, "blkbench: cannot connect (%d)\n", err);
		return 1;
	}
	uint32_t per4k = 4096 / B.info.block_size, per64k = 65536 / B.info.block_size;
	uint64_t qd1 = measure(ring, per4k, true, 1);
	console_printf(ring, con, "bench: blk randread4k-qd1 iops=%llu\n", (unsigned long long)qd1);
	uint64_t qd8 = measure(ring, per4k, true, 8);
	console_printf(ring, con, "bench: blk randread4k-qd8 iops=%llu\n", (unsigned long long)qd8);
	uint64_t seq = measure(ring, per64k, false, 1);
	uint64_t kbps = seq * 64; /* KiB/s */
	console_printf(ring, con, "bench: blk seqread64k mbps=%llu.%llu\n",
		       (unsigned long long)(kbps / 1024),
		       (unsigned long long)(kbps % 1024 * 10 / 1024));
	blkc_close(&B);
	return qd1 && qd8 && seq ? 0 : 2;
}
