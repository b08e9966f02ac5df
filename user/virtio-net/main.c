/* virtio-net: a userspace driver for virtio network devices (virtio 1.2 §5.1)
 * holding only its Device (slot 0), an Endpoint it serves (1), a Console (2)
 * and a Memory (3). Modern PCI transport (user/lib/vdev), a receive and a
 * transmit queue, each with an MSI-X vector bound to the driver's Event,
 * EVENT_IDX; frames bounced through its DMA pool. It serves the Nic protocol
 * (nic_proto.h) to one client through a lib/pktq region. */
#include "virtio-net/nic_proto.h"
#include "capos/gen/capos_schema.h"
#include "lib/capos.h"
#include "lib/capshm.h"
#include "lib/drvsetup.h"
#include "lib/fmt.h"
#include "lib/pktq/pktq.h"
#include "lib/str.h"
#include "lib/vdev.h"

#define QSIZE	  64u
#define RXBUFS	  32u
#define TXBUFS	  32u
#define BUFSZ	  2048u
#define HDR	  sizeof(struct virtio_net_hdr) /* 12 with VERSION_1 (§5.1.6) */
#define MSIX_RX	  1u
#define MSIX_TX	  2u
#define FRAME_MAX (BUFSZ - HDR)

int main(struct capos_ring *ring);

static struct capos_ring *R;
static const struct capos_handle dev = {0, 1}, ep = {1, 1}, con = {2, 1}, mem = {3, 1};
static struct vdev V;
static struct virtq rxq, txq;
static volatile uint16_t *rx_notify, *tx_notify;
static struct nic_info info;
static struct capos_handle drv_ev, cli_ev, mapping;
static struct pktq_view pq;

struct buf {
	volatile uint8_t *va;
	uint64_t iova;
	uint16_t head;
	int32_t slot; /* TX: the client's slot being sent; -1 free */
};
static struct buf rxb[RXBUFS], txb[TXBUFS];
static int16_t rx_of_head[QSIZE], tx_of_head[QSIZE];
static uint64_t sent, received, dropped;
static bool closed;

static int say(const char *why)
{
	console_printf(R, con, "virtio-net: %s%s%s\n", why, V.why[0] ? ": " : "", V.why);
	return 1;
}

/* An RX buffer to the device (device-writable). */
static bool post_rx(unsigned i)
{
	struct virtq_seg seg = {rxb[i].iova, BUFSZ};
	if (virtq_add(&rxq, &seg, 0, 1, &rxb[i].head) != VIRTQ_OK)
		return false;
	rx_of_head[rxb[i].head] = (int16_t)i;
	return virtq_publish(&rxq, rxb[i].head) == VIRTQ_OK;
}

static bool setup(void)
{
	volatile void *va;
	struct capos_handle irq_rx, irq_tx;
	int32_t st;
	if (!vdev_open(&V, R, dev, 512u << 10))
		return false;
	uint64_t want = 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS |
			1ull << VIRTIO_F_RING_EVENT_IDX;
	if (!vdev_negotiate(&V, want))
		return false;
	V.common->config_msix_vector = VIRTIO_MSI_NO_VECTOR;
	if (!vdev_queue(&V, 0, QSIZE, MSIX_RX, &rxq, &rx_notify) ||
	    !vdev_queue(&V, 1, QSIZE, MSIX_TX, &txq, &tx_notify))
		return false;
	for (unsigned i = 0; i < RXBUFS; i++) {
		if (!vdev_alloc(&V, BUFSZ, 64, &va, &rxb[i].iova))
			return false;
		rxb[i].va = va;
	}
	for (unsigned i = 0; i < TXBUFS; i++) {
		if (!vdev_alloc(&V, BUFSZ, 64, &va, &txb[i].iova))
			return false;
		txb[i].va = va;
		txb[i].slot = -1;
	}
	/* The MAC and link status: byte-wide and 16-bit fields at their width. */
	for (unsigned i = 0; i < 6; i++)
		info.mac[i] = (V.features >> VIRTIO_NET_F_MAC) & 1 ? V.devcfg[i] : 0;
	info.link_up = (V.features >> VIRTIO_NET_F_STATUS) & 1
			   ? *(volatile uint16_t *)(V.devcfg + 6) & VIRTIO_NET_S_LINK_UP
			   : 1;
	info.mtu = 1500;
	if ((st = mem_create_event(R, mem, &drv_ev)) != CAPOS_OK ||
	    (st = dev_interrupt(R, dev, MSIX_RX, CAPOS_INTERRUPT_KIND_MSIX, &irq_rx)) != CAPOS_OK ||
	    (st = dev_interrupt(R, dev, MSIX_TX, CAPOS_INTERRUPT_KIND_MSIX, &irq_tx)) != CAPOS_OK ||
	    (st = irq_bind_event(R, irq_rx, drv_ev)) != CAPOS_OK ||
	    (st = irq_bind_event(R, irq_tx, drv_ev)) != CAPOS_OK ||
	    (st = dev_set_bus_master(R, dev, true)) != CAPOS_OK) {
		fmt_snprintf(V.why, sizeof(V.why), "interrupts or bus mastering (%d)", st);
		return false;
	}
	/* §5.1.6.3: receive buffers before DRIVER_OK. */
	for (unsigned i = 0; i < RXBUFS; i++)
		if (!post_rx(i))
			return false;
	vdev_driver_ok(&V);
	*rx_notify = 0;
	return true;
}

static bool attach(void *ctx, volatile uint8_t *base, uint64_t bytes)
{
	(void)ctx;
	return pktq_attach((void *)base, bytes, true, &pq) == PKTQ_OK;
}

/* Serves calls until a client connects. */
static bool accept_client(void)
{
	struct capos_handle shm;
	struct drvsetup s = {.info_method = NIC_INFO,
			     .connect_method = NIC_CONNECT,
			     .info = &info,
			     .info_len = sizeof(info),
			     .drv_ev = drv_ev,
			     .attach = attach};
	return drvsetup_accept(R, ep, &s, &shm, &mapping, &cli_ev);
}

static bool is_close(const uint8_t *f, uint32_t len)
{
	return len >= 14 && memcmp(f, info.mac, 6) == 0 &&
	       (uint32_t)(f[12] << 8 | f[13]) == NIC_CLOSE_TYPE;
}

/* Frames the client queued, into free TX buffers; returns whether any. */
static bool transmit(void)
{
	uint16_t old = virtq_avail_idx(&txq);
	bool any = false, progress = false;
	for (unsigned i = 0; i < TXBUFS; i++) {
		struct buf *b = &txb[i];
		uint32_t slot, len;
		if (b->slot >= 0)
			continue;
		if (pktq_tx_take(&pq, &slot, &len) != 1)
			break;
		const uint8_t *f = pktq_slot(&pq, slot);
		if (is_close(f, len) && len > 14 && f[14] == NIC_CRASH_BYTE) {
			console_printf(R, con, "virtio-net: crashing on request\n");
			*(volatile uint32_t *)0 = 1; /* the fault the test asks for */
		}
		if (len > FRAME_MAX || is_close(f, len)) {
			closed = closed || is_close(f, len);
			pktq_tx_done(&pq, slot);
			progress = true;
			continue;
		}
		memset((void *)b->va, 0, HDR); /* no offloads (§5.1.6.2) */
		memcpy((void *)(b->va + HDR), f, len);
		struct virtq_seg seg = {b->iova, (uint32_t)(HDR + len)};
		if (virtq_add(&txq, &seg, 1, 0, &b->head) != VIRTQ_OK ||
		    virtq_publish(&txq, b->head) != VIRTQ_OK) {
			pktq_tx_done(&pq, slot);
			dropped++;
			continue;
		}
		b->slot = (int32_t)slot;
		tx_of_head[b->head] = (int16_t)i;
		any = true;
	}
	if (any && virtq_kick_needed(&txq, old))
		*tx_notify = 1;
	return any || progress;
}

/* Sent frames back to the client; received frames to its free slots. */
static int reap(bool *to_client)
{
	uint16_t head;
	uint32_t len;
	enum virtq_status st;
	while ((st = virtq_get_used(&txq, &head, &len)) != VIRTQ_EMPTY) {
		if (st != VIRTQ_OK && st != VIRTQ_E_DEV_LEN)
			return -1;
		int16_t k = tx_of_head[head];
		if (k < 0 || txb[k].slot < 0)
			return -1;
		pktq_tx_done(&pq, (uint32_t)txb[k].slot);
		txb[k].slot = -1;
		tx_of_head[head] = -1;
		sent++;
		*to_client = true;
	}
	uint16_t old = virtq_avail_idx(&rxq);
	bool reposted = false;
	while ((st = virtq_get_used(&rxq, &head, &len)) != VIRTQ_EMPTY) {
		if (st != VIRTQ_OK && st != VIRTQ_E_DEV_LEN)
			return -1;
		int16_t k = rx_of_head[head];
		if (k < 0)
			return -1;
		rx_of_head[head] = -1;
		uint32_t slot;
		if (st == VIRTQ_OK && len > HDR && pktq_rx_take_free(&pq, &slot) == 1) {
			memcpy(pktq_slot(&pq, slot), (const void *)(rxb[k].va + HDR), len - HDR);
			pktq_rx_put(&pq, slot, len - HDR);
			received++;
			*to_client = true;
		} else {
			dropped++; /* no free slot from the client, or a bad length */
		}
		reposted = post_rx((unsigned)k) || reposted;
	}
	if (reposted && virtq_kick_needed(&rxq, old))
		*rx_notify = 0;
	return 0;
}

int main(struct capos_ring *ring)
{
	R = ring;
	for (unsigned i = 0; i < QSIZE; i++)
		rx_of_head[i] = tx_of_head[i] = -1;
	if (!setup())
		return say("setup failed");
	console_printf(ring, con,
		       "virtio-net: %02x:%02x.%u: mac %02x:%02x:%02x:%02x:%02x:%02x, link %s, "
		       "features 0x%llx, queues of %u, MSI-X, pool %s\n",
		       V.info.bus, V.info.dev, V.info.fn, info.mac[0], info.mac[1], info.mac[2],
		       info.mac[3], info.mac[4], info.mac[5], info.link_up ? "up" : "down",
		       (unsigned long long)V.features, rxq.size,
		       V.info.isolation == CAPOS_DMA_ISOLATION_IOMMU ? "iommu" : "UNCONFINED");
	if (!accept_client())
		return say("no client");
	while (!closed) {
		bool to_client = false;
		uint64_t n;
		if (transmit())
			to_client = true;
		if (reap(&to_client) != 0)
			return say("the device broke a queue");
		if (pktq_broken(&pq)) {
			console_printf(ring, con, "virtio-net: the client broke its queues\n");
			break;
		}
		if (to_client)
			event_signal(ring, cli_ev);
		if (!closed && event_wait(ring, drv_ev, &n) != CAPOS_OK)
			return say("wait failed");
	}
	console_printf(
	    ring, con, "virtio-net: %llu frames sent, %llu received, %llu dropped; resetting\n",
	    (unsigned long long)sent, (unsigned long long)received, (unsigned long long)dropped);
	vdev_reset(&V);
	return 0;
}
