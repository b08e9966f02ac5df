/* blkcheck: checks a block device through the BlockDevice protocol
 * (virtio-blk/blk_proto.h) against the patterns of tools/diskpat.py: the
 * host wrote its pattern into the disk image before boot; this reads and
 * checks it (with several requests in flight), prints a checksum of the first
 * blocks, writes the guest pattern over sectors [64, 128), flushes, reads it
 * back, and closes. The host checks the image after QEMU exits.
 * Slots: 0 EndpointClient (the driver), 1 Console, 2 Memory. */
#include "virtio-blk/blk_proto.h"
#include "lib/blkq/blkq.h"
#include "lib/capos.h"
#include "lib/capshm.h"

#define SECTOR	     512u
#define HOST_SECTORS 64u /* checked before writing */
#define GUEST_FIRST  64u
#define GUEST_COUNT  64u
#define REGION	     (256u * 1024u)
#define DEPTH	     16u
#define PER_REQ	     8u /* sectors per request */

int main(struct capos_ring *ring);

static struct capos_ring *R;
static const struct capos_handle blk = {0, 1}, con = {1, 1}, mem = {2, 1};
static struct capos_handle drv_ev, cli_ev;
static struct blkq_view q;
static struct blk_info info;
static uint64_t next_id = 1;

static uint8_t host_byte(uint64_t s, unsigned j)
{
	return (uint8_t)(s * 7 + j * 13 + 0x5a);
}

static uint8_t guest_byte(uint64_t s, unsigned j)
{
	return (uint8_t)(s * 11 + j * 3 + 0xa5);
}

/* Submits requests [first, first + n) sectors, PER_REQ each and at most
 * DEPTH in flight, data at offset (sector - first) * SECTOR; waits for all.
 * Returns the number of failed requests. */
static unsigned run(uint32_t op, uint64_t first, unsigned n)
{
	unsigned sent = 0, done = 0, failed = 0, inflight = 0;
	unsigned total = (n + PER_REQ - 1) / PER_REQ;
	while (done < total) {
		while (sent < total && inflight < DEPTH) {
			uint64_t s = first + (uint64_t)sent * PER_REQ;
			struct blkq_req r = {.id = next_id++,
					     .op = op,
					     .count = PER_REQ,
					     .block = s,
					     .offset = (s - first) * SECTOR};
			if (!blkq_submit(&q, &r))
				break;
			sent++;
			inflight++;
		}
		event_signal(R, drv_ev);
		struct blkq_cpl c;
		int got = 0;
		while ((got = blkq_reap(&q, &c)) == 1) {
			done++;
			inflight--;
			if (c.status != BLKQ_OK && failed++ == 0)
				console_printf(R, con, "blkcheck: request %llu failed: %d\n",
					       (unsigned long long)c.id, (int)c.status);
		}
		if (got < 0)
			return total + 1; /* the driver broke the queue */
		uint64_t k;
		if (done < total)
			event_wait(R, cli_ev, &k);
	}
	return failed;
}

static unsigned flush(uint64_t id)
{
	struct blkq_req r = {.id = id, .op = BLKQ_OP_FLUSH};
	struct blkq_cpl c;
	uint64_t k;
	if (!blkq_submit(&q, &r))
		return 1;
	event_signal(R, drv_ev);
	int got;
	while ((got = blkq_reap(&q, &c)) == 0)
		event_wait(R, cli_ev, &k);
	return got == 1 && c.status == BLKQ_OK ? 0 : 1;
}

int main(struct capos_ring *ring)
{
	struct capos_handle shm, map, caps[2];
	struct capos_cqe c;
	volatile uint8_t *region;
	uint64_t bytes, none = 0, ok = 0;
	R = ring;
	if (capos_call(ring, blk, BLK_INFO, &none, sizeof(none), &info, sizeof(info)) != CAPOS_OK ||
	    info.block_size != SECTOR)
		return 1;
	console_printf(ring, con, "blkcheck: disk of %llu blocks of %u bytes (%llu KiB)%s\n",
		       (unsigned long long)info.capacity, info.block_size,
		       (unsigned long long)(info.capacity * info.block_size / 1024),
		       info.read_only ? ", read-only" : "");
	if (mem_create_shared(ring, mem, REGION, &shm) != CAPOS_OK ||
	    mem_create_event(ring, mem, &cli_ev) != CAPOS_OK ||
	    shm_map(ring, shm, &map, &region, &bytes) != CAPOS_OK ||
	    blkq_init((void *)region, bytes, DEPTH, SECTOR) != BLKQ_OK ||
	    blkq_attach((void *)region, bytes, &q) != BLKQ_OK)
		return 2;
	caps[0] = shm;
	caps[1] = cli_ev;
	if (capos_call_caps(ring, blk, BLK_CONNECT, &none, sizeof(none), &ok, sizeof(ok), caps, 2,
			    false, &c) != CAPOS_OK ||
	    ok != 1 || c.xfer_count != 1)
		return 3;
	drv_ev = capos_handle_of(c.aux);
	uint8_t *data = blkq_data(&q, 0);
	/* The host's pattern, read with many requests in flight. */
	unsigned bad = run(BLKQ_OP_READ, 0, HOST_SECTORS);
	uint32_t sum = 0;
	for (uint64_t s = 0; s < HOST_SECTORS; s++)
		for (unsigned j = 0; j < SECTOR; j++) {
			uint8_t b = data[s * SECTOR + j];
			sum = sum * 31 + b;
			if (b != host_byte(s, j) && bad++ == 0)
				console_printf(
				    ring, con,
				    "blkcheck: sector %llu byte %u is 0x%02x, not the host's\n",
				    (unsigned long long)s, j, b);
		}
	console_printf(ring, con,
		       "blkcheck: read %u sectors: the host's pattern %s; checksum 0x%08x\n",
		       HOST_SECTORS, bad ? "WRONG" : "intact", sum);
	/* The guest's pattern, written, flushed and read back. */
	for (uint64_t s = 0; s < GUEST_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			data[s * SECTOR + j] = guest_byte(GUEST_FIRST + s, j);
	unsigned wbad = run(BLKQ_OP_WRITE, GUEST_FIRST, GUEST_COUNT) + flush(next_id++);
	for (uint64_t i = 0; i < GUEST_COUNT * SECTOR; i++)
		data[i] = 0;
	wbad += run(BLKQ_OP_READ, GUEST_FIRST, GUEST_COUNT);
	for (uint64_t s = 0; s < GUEST_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			wbad += data[s * SECTOR + j] != guest_byte(GUEST_FIRST + s, j);
	/* Errors are reported per request: one past the end of the disk. */
	struct blkq_req past = {
	    .id = next_id++, .op = BLKQ_OP_READ, .count = 1, .block = info.capacity, .offset = 0};
	struct blkq_cpl pc = {0};
	uint64_t k;
	int got = 0;
	if (blkq_submit(&q, &past)) {
		event_signal(R, drv_ev);
		while ((got = blkq_reap(&q, &pc)) == 0)
			event_wait(R, cli_ev, &k);
	}
	console_printf(ring, con,
		       "blkcheck: wrote, flushed and read back %u sectors at %u: %s; a read past "
		       "the end: status %d\n",
		       GUEST_COUNT, GUEST_FIRST, wbad ? "WRONG" : "ok", (int)pc.status);
	flush(BLK_CLOSE_ID);
	return bad || wbad || pc.status != BLKQ_E_RANGE ? 4 : 0;
}
