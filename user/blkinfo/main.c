/* blkinfo: what `make run` shows of its disk: capacity, and a checksum of the
 * first 64 sectors read through the virtio-blk driver. It leaves the driver
 * running (no closing flush), so `devices`, `irq`, `dma` and `iommu` at the
 * prompt show its claim.
 * Slots: 0 EndpointClient (the driver), 1 Console, 2 Memory, 3 Timer. */
#include "lib/blkclient.h"
#include "lib/capos.h"

#define SECTORS 64u

int main(struct capos_ring *ring);

static const struct capos_handle blk = {0, 1}, con = {1, 1}, mem = {2, 1}, tmr = {3, 1};
static struct blkclient B;

int main(struct capos_ring *ring)
{
	if (blkc_connect(&B, ring, blk, mem, 64u * 1024u, 8) != 0 || B.info.block_size != 512) {
		console_printf(ring, con, "blkinfo: no block device\n");
		return 1;
	}
	struct blkc_span s = {.op = BLKQ_OP_READ, .n = SECTORS, .per_req = 8, .block_size = 512};
	if (blkc_pump(&B, tmr, 8, blkc_span_next, blkc_span_done, &s, 0, 2000000000ull) < 0 ||
	    s.failed != 0)
		return 2;
	uint32_t sum = 0;
	for (uint64_t i = 0; i < SECTORS * 512; i++)
		sum = sum * 31 + B.data[i];
	console_printf(ring, con,
		       "blkinfo: disk of %llu KiB (%llu blocks of %u bytes); checksum of its first "
		       "%u sectors 0x%08x\n",
		       (unsigned long long)(B.info.capacity * B.info.block_size / 1024),
		       (unsigned long long)B.info.capacity, B.info.block_size, SECTORS, sum);
	return 0;
}
