/* blkcheck: checks a block device through the BlockDevice protocol
 * (user/lib/blkclient) against the patterns of tools/diskpat.py: the host
 * wrote its pattern into the disk image before boot; this reads and checks it
 * (with several requests in flight), prints a checksum of the first blocks,
 * writes the guest pattern over sectors [64, 128), flushes, reads it back, and
 * closes. The host checks the image after QEMU exits.
 * Slots: 0 EndpointClient (the driver), 1 Console, 2 Memory, 3 Timer. */
#include "lib/blkclient.h"
#include "lib/capos.h"

#define SECTOR	     512u
#define HOST_SECTORS 64u /* checked before writing */
#define GUEST_FIRST  64u
#define GUEST_COUNT  64u
#define REGION	     (256u * 1024u)
#define DEPTH	     16u
#define PER_REQ	     8u		   /* sectors per request */
#define QUIET_NS     2000000000ull /* a driver silent this long is gone */

int main(struct capos_ring *ring);

static const struct capos_handle blk = {0, 1}, con = {1, 1}, mem = {2, 1}, tmr = {3, 1};
static struct blkclient B;

static unsigned run(struct capos_ring *ring, uint32_t op, uint64_t first, uint64_t n)
{
	struct blkc_span s = {
	    .op = op, .first = first, .n = n, .per_req = PER_REQ, .block_size = SECTOR};
	int64_t got = blkc_pump(&B, tmr, DEPTH, blkc_span_next, blkc_span_done, &s, 0, QUIET_NS);
	if (got < 0)
		console_printf(ring, con, "blkcheck: the driver stopped answering (%lld)\n",
			       (long long)got);
	return got < 0 ? 1000 : s.failed;
}

static uint8_t host_byte(uint64_t s, unsigned j)
{
	return (uint8_t)(s * 7 + j * 13 + 0x5a);
}

static uint8_t guest_byte(uint64_t s, unsigned j)
{
	return (uint8_t)(s * 11 + j * 3 + 0xa5);
}

int main(struct capos_ring *ring)
{
	int err = blkc_connect(&B, ring, blk, mem, REGION, DEPTH);
	if (err != 0 || B.info.block_size != SECTOR) {
		console_printf(ring, con, "blkcheck: cannot connect (%d)\n", err);
		return 1;
	}
	console_printf(ring, con, "blkcheck: disk of %llu blocks of %u bytes (%llu KiB)%s\n",
		       (unsigned long long)B.info.capacity, B.info.block_size,
		       (unsigned long long)(B.info.capacity * B.info.block_size / 1024),
		       B.info.read_only ? ", read-only" : "");
	uint8_t *data = B.data;
	/* The host's pattern, read with many requests in flight. */
	unsigned bad = run(ring, BLKQ_OP_READ, 0, HOST_SECTORS);
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
	unsigned wbad = run(ring, BLKQ_OP_WRITE, GUEST_FIRST, GUEST_COUNT);
	wbad += run(ring, BLKQ_OP_FLUSH, 0, 1);
	for (uint64_t i = 0; i < GUEST_COUNT * SECTOR; i++)
		data[i] = 0;
	wbad += run(ring, BLKQ_OP_READ, GUEST_FIRST, GUEST_COUNT);
	for (uint64_t s = 0; s < GUEST_COUNT; s++)
		for (unsigned j = 0; j < SECTOR; j++)
			wbad += data[s * SECTOR + j] != guest_byte(GUEST_FIRST + s, j);
	/* Errors are reported per request: one past the end of the disk. */
	struct blkc_span past = {.op = BLKQ_OP_READ,
				 .first = B.info.capacity,
				 .n = 1,
				 .per_req = 1,
				 .block_size = SECTOR};
	blkc_pump(&B, tmr, 1, blkc_span_next, blkc_span_done, &past, 0, QUIET_NS);
	console_printf(ring, con,
		       "blkcheck: wrote, flushed and read back %u sectors at %u: %s; a read past "
		       "the end: status %d\n",
		       GUEST_COUNT, GUEST_FIRST, wbad ? "WRONG" : "ok", (int)past.last_status);
	blkc_close(&B);
	return bad || wbad || past.last_status != BLKQ_E_RANGE ? 4 : 0;
}
