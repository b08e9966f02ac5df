/* virtio-blk: a userspace driver for virtio block devices (virtio 1.2 §5.2)
 * holding only its Device (slot 0), an Endpoint it serves (1), a Console (2)
 * and a Memory (3). Modern PCI transport (user/lib/vdev), one request queue
 * with an MSI-X vector bound to the driver's Event, EVENT_IDX, requests
 * bounced through its DMA pool. It serves the BlockDevice protocol
 * (blk_proto.h): one client, whose requests come through a lib/blkq region. */
#include "virtio-blk/blk_proto.h"
#include "capos/gen/capos_schema.h"
#include "lib/blkq/blkq.h"
#include "lib/capos.h"
#include "lib/fmt.h"
#include "lib/capshm.h"
#include "lib/drvsetup.h"
#include "lib/str.h"
#include "lib/vdev.h"

#define QSIZE  64u
#define SLOTS  16u
#define MSIX_Q 1u /* MSI-X table entry of the request queue; config changes: none */

int main(struct capos_ring *ring);

static struct capos_ring *R;
static const struct capos_handle dev = {0, 1}, ep = {1, 1}, con = {2, 1}, mem = {3, 1};
static struct vdev V;
static struct virtq Q;
static volatile uint16_t *notify;
static struct blk_info info;
static struct capos_handle drv_ev, cli_ev, shm, shm_mapping;
static struct blkq_view bq;
static uint32_t sectors_per_block;

/* One request in flight: its header, status byte and bounce buffer in the pool. */
struct slot {
	bool busy;
	uint16_t head;
	struct blkq_req req;
	volatile struct virtio_blk_req_hdr *hdr;
	volatile uint8_t *status, *buf;
	uint64_t hdr_iova, status_iova, buf_iova;
};
static struct slot slots[SLOTS];
static int16_t slot_of_head[QSIZE];
static uint64_t served, errors, kicks, wakeups;
static struct capos_handle irq;
static bool closed; /* the client's close flush completed */

static int say(const char *why)
{
	console_printf(R, con, "virtio-blk: %s%s%s\n", why, V.why[0] ? ": " : "", V.why);
	return 1;
}

static bool setup(void)
{
	volatile void *va;
	if (!vdev_open(&V, R, dev, 2u << 20))
		return false;
	uint64_t want = 1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH |
			1ull << VIRTIO_BLK_F_RO | 1ull << VIRTIO_F_RING_EVENT_IDX;
	if (!vdev_negotiate(&V, want))
		return false;
	V.common->config_msix_vector = VIRTIO_MSI_NO_VECTOR;
	if (!vdev_queue(&V, 0, QSIZE, MSIX_Q, &Q, &notify))
		return false;
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];
		if (!vdev_alloc(&V, sizeof(*s->hdr), 16, &va, &s->hdr_iova))
			return false;
		s->hdr = va;
		if (!vdev_alloc(&V, 1, 1, &va, &s->status_iova))
			return false;
		s->status = va;
		if (!vdev_alloc(&V, BLK_MAX_REQUEST, 4096, &va, &s->buf_iova))
			return false;
		s->buf = va;
	}
	/* Capacity is in 512-byte sectors; blk_size is the device's block. */
	uint32_t gen;
	uint64_t cap;
	int tries = 0;
	do { /* §2.5.1: a consistent read of a field wider than 32 bits */
		gen = V.common->config_generation;
		cap = vdev_cfg32(&V, 0) | (uint64_t)vdev_cfg32(&V, 4) << 32;
	} while (gen != V.common->config_generation && ++tries < 100);
	uint32_t bs = (V.features >> VIRTIO_BLK_F_BLK_SIZE) & 1 ? vdev_cfg32(&V, 20) : 512;
	if (bs != 512 && bs != 4096)
		bs = 512; /* lib/blkq speaks 512 and 4096 only: use sectors */
	sectors_per_block = bs / VIRTIO_BLK_SECTOR_SIZE;
	info.block_size = bs;
	info.capacity = cap / sectors_per_block;
	info.read_only = (V.features >> VIRTIO_BLK_F_RO) & 1;
	int32_t st;
	if ((st = mem_create_event(R, mem, &drv_ev)) != CAPOS_OK ||
	    (st = dev_interrupt(R, dev, MSIX_Q, CAPOS_INTERRUPT_KIND_MSIX, &irq)) != CAPOS_OK ||
	    (st = irq_bind_event(R, irq, drv_ev)) != CAPOS_OK ||
	    (st = dev_set_bus_master(R, dev, true)) != CAPOS_OK) {
		fmt_snprintf(V.why, sizeof(V.why), "interrupt or bus mastering (%d)", st);
		return false;
	}
	vdev_driver_ok(&V);
	return true;
}

static bool attach(void *ctx, volatile uint8_t *base, uint64_t bytes)
{
	(void)ctx;
	return blkq_attach((void *)base, bytes, &bq) == BLKQ_OK && bq.block_size == info.block_size;
}

/* Serves calls until a client connects. */
static bool accept_client(void)
{
	struct drvsetup s = {.info_method = BLK_INFO,
			     .connect_method = BLK_CONNECT,
			     .info = &info,
			     .info_len = sizeof(info),
			     .drv_ev = drv_ev,
			     .attach = attach};
	if (!drvsetup_accept(R, ep, &s, &shm, &shm_mapping, &cli_ev))
		return false;
	console_printf(R, con,
		       "virtio-blk: a client connected: %u-deep queues, %llu bytes of data\n",
		       bq.depth, (unsigned long long)bq.data_len);
	return true;
}

static bool completed; /* since the client's Event was last signalled */

static void complete(uint64_t id, int32_t status)
{
	struct blkq_cpl c = {.id = id, .status = status};
	completed = true;
	if (status != BLKQ_OK)
		errors++;
	/* The completion ring has room for every request taken (depth each). */
	blkq_complete(&bq, &c);
}

/* One request from the client to the device; false when no slot or
 * descriptor is free (it stays for later). */
static bool submit(struct slot *s, const struct blkq_req *r)
{
	struct virtq_seg seg[3];
	unsigned n_out = 1, n_in = 0;
	uint64_t bytes = (uint64_t)r->count * info.block_size;
	s->hdr->type = r->op == BLKQ_OP_READ	? VIRTIO_BLK_T_IN
		       : r->op == BLKQ_OP_WRITE ? VIRTIO_BLK_T_OUT
						: VIRTIO_BLK_T_FLUSH;
	s->hdr->reserved = 0;
	s->hdr->sector = r->block * sectors_per_block;
	*s->status = 0xff;
	seg[0] = (struct virtq_seg){s->hdr_iova, sizeof(*s->hdr)};
	if (r->op == BLKQ_OP_WRITE) {
		memcpy((void *)s->buf, blkq_data(&bq, r->offset), bytes);
		seg[n_out++] = (struct virtq_seg){s->buf_iova, (uint32_t)bytes};
	} else if (r->op == BLKQ_OP_READ) {
		seg[n_out + n_in++] = (struct virtq_seg){s->buf_iova, (uint32_t)bytes};
	}
	seg[n_out + n_in++] = (struct virtq_seg){s->status_iova, 1};
	if (virtq_add(&Q, seg, n_out, n_in, &s->head) != VIRTQ_OK)
		return false;
	s->req = *r;
	s->busy = true;
	slot_of_head[s->head] = (int16_t)(s - slots);
	return virtq_publish(&Q, s->head) == VIRTQ_OK;
}

static unsigned inflight(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < SLOTS; i++)
		n += slots[i].busy;
	return n;
}

/* Takes what the client queued, as long as slots are free. */
static void take_requests(void)
{
	uint16_t old = virtq_avail_idx(&Q);
	bool any = false;
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];
		struct blkq_req r;
		if (s->busy)
			continue;
		if (blkq_take(&bq, &r) != 1)
			break;
		if (r.id == BLK_CRASH_ID) {
			console_printf(R, con, "virtio-blk: crashing on request, %u in flight\n",
				       inflight());
			*(volatile uint32_t *)0 = 1; /* the fault the test asks for */
		}
		int chk = blkq_check(&bq, &r, info.capacity);
		if (chk == BLKQ_OK && (uint64_t)r.count * info.block_size > BLK_MAX_REQUEST)
			chk = BLKQ_E_BAD;
		if (chk == BLKQ_OK && r.op == BLKQ_OP_WRITE && info.read_only)
			chk = BLKQ_E_IO;
		if (chk != BLKQ_OK) {
			complete(r.id, chk);
			continue;
		}
		if (!submit(s, &r)) {
			complete(r.id, BLKQ_E_IO);
			continue;
		}
		any = true;
	}
	if (any && virtq_kick_needed(&Q, old))
		*notify = 0, kicks++; /* the queue index (§4.1.5.2) */
}

/* Completes what the device finished. */
static bool reap(void)
{
	uint16_t head;
	uint32_t len;
	bool any = false;
	for (;;) {
		enum virtq_status st = virtq_get_used(&Q, &head, &len);
		if (st == VIRTQ_EMPTY)
			break;
		if (st != VIRTQ_OK && st != VIRTQ_E_DEV_LEN)
			return false; /* the device lied about its queue */
		int16_t k = slot_of_head[head];
		if (k < 0 || !slots[k].busy)
			return false;
		struct slot *s = &slots[k];
		s->busy = false;
		slot_of_head[head] = -1;
		uint8_t status = *s->status;
		int32_t res = status == VIRTIO_BLK_S_OK	      ? BLKQ_OK
			      : status == VIRTIO_BLK_S_UNSUPP ? BLKQ_E_UNSUPPORTED
							      : BLKQ_E_IO;
		if (res == BLKQ_OK && s->req.op == BLKQ_OP_READ)
			memcpy(blkq_data(&bq, s->req.offset), (const void *)s->buf,
			       (uint64_t)s->req.count * info.block_size);
		complete(s->req.id, res);
		closed = closed || (s->req.op == BLKQ_OP_FLUSH && s->req.id == BLK_CLOSE_ID);
		served++;
		any = true;
	}
	(void)any;
	return true;
}

int main(struct capos_ring *ring)
{
	R = ring;
	for (unsigned i = 0; i < QSIZE; i++)
		slot_of_head[i] = -1;
	if (!setup())
		return say("setup failed");
	console_printf(ring, con,
		       "virtio-blk: %02x:%02x.%u: %llu blocks of %u bytes%s, features 0x%llx, "
		       "queue of %u, MSI-X, pool %s\n",
		       V.info.bus, V.info.dev, V.info.fn, (unsigned long long)info.capacity,
		       info.block_size, info.read_only ? " (read-only)" : "",
		       (unsigned long long)V.features, Q.size,
		       V.info.isolation == CAPOS_DMA_ISOLATION_IOMMU ? "iommu" : "UNCONFINED");
	if (!accept_client())
		return say("no client");
	for (;;) {
		uint64_t n;
		take_requests();
		if (!reap())
			return say("the device broke its queue");
		if (completed) {
			completed = false;
			event_signal(ring, cli_ev);
		}
		if (blkq_broken(&bq)) {
			console_printf(ring, con,
				       "virtio-blk: the client broke its queue; served "
				       "%llu requests\n",
				       (unsigned long long)served);
			return 0;
		}
		/* Waits for the device (its interrupt signals this Event) or the
		 * client (it signals after submitting). */
		if (closed)
			break;
		if (event_wait(ring, drv_ev, &n) != CAPOS_OK)
			return say("wait failed");
		wakeups++;
	}
	/* What each request cost in device notifications, interrupts and the
	 * driver's own wake-ups (docs/bench.md explains the benchmarks by them). */
	uint64_t irqs = 0;
	irq_total(ring, irq, &irqs);
	console_printf(ring, con,
		       "virtio-blk: served %llu requests (%llu failed); %llu notifications, %llu "
		       "interrupts, %llu wake-ups; resetting\n",
		       (unsigned long long)served, (unsigned long long)errors,
		       (unsigned long long)kicks, (unsigned long long)irqs,
		       (unsigned long long)wakeups);
	vdev_reset(&V);
	return 0;
}
