/* vdev: the virtio PCI transport over a Device capability. */
#include "vdev.h"
#include "capos.h"
#include "capos/gen/capos_schema.h"
#include "lib/fmt.h"

#include <stddef.h>

#define RESET_POLLS 100000 /* reads of device_status after a reset, at most */

static uint32_t cfg_rd(void *ctx, uint16_t off, uint8_t width)
{
	struct vdev *v = ctx;
	uint32_t val = 0xffffffffu;
	if (dev_config_read(v->r, v->dev, off, width, &val) != CAPOS_OK)
		return 0xffffffffu;
	return val;
}

static bool fail(struct vdev *v, const char *what, int32_t st)
{
	fmt_snprintf(v->why, sizeof(v->why), "%s (%d)", what, st);
	return false;
}

/* Maps the structure of type t; NULL (and v->why) when it cannot. */
static volatile uint8_t *map_region(struct vdev *v, unsigned t)
{
	const struct virtio_pci_region *g = &v->caps.region[t];
	struct capos_handle win;
	volatile uint8_t *a = 0;
	if (!(v->caps.found & VIRTIO_PCI_FOUND(t)) ||
	    !virtio_pci_region_fits(g, v->info.bar_size[g->bar]))
		return 0;
	uint64_t page = g->offset & ~4095u;
	int32_t st = dev_mmio(v->r, v->dev, g->bar, page, g->offset - page + g->length, &win, &a);
	if (st != CAPOS_OK) {
		fail(v, "mapping a virtio structure", st);
		return 0;
	}
	return a + (g->offset - page);
}

static void set_status(struct vdev *v, uint8_t bits)
{
	v->common->device_status = (uint8_t)(v->common->device_status | bits);
}

bool vdev_reset(struct vdev *v)
{
	v->common->device_status = 0;
	for (int i = 0; i < RESET_POLLS; i++)
		if (v->common->device_status == 0)
			return true;
	return fail(v, "the device did not reset", 0);
}

bool vdev_open(struct vdev *v, struct capos_ring *r, struct capos_handle dev, uint64_t pool_bytes)
{
	int32_t st;
	uint16_t iso;
	uint64_t used;
	struct capdev_buf b;
	v->r = r;
	v->dev = dev;
	v->why[0] = '\0';
	if ((st = dev_info(r, dev, &v->info)) != CAPOS_OK)
		return fail(v, "Device.info", st);
	if (virtio_pci_find_caps(cfg_rd, v, &v->caps) != VIRTIO_PCI_OK)
		return fail(v, "no virtio structures (not a modern virtio device?)", 0);
	v->common =
	    (volatile struct virtio_pci_common_cfg *)map_region(v, VIRTIO_PCI_CAP_COMMON_CFG);
	v->isr = map_region(v, VIRTIO_PCI_CAP_ISR_CFG);
	v->notify = map_region(v, VIRTIO_PCI_CAP_NOTIFY_CFG);
	v->devcfg = map_region(v, VIRTIO_PCI_CAP_DEVICE_CFG);
	if (v->common == 0 || v->isr == 0 || v->notify == 0)
		return v->why[0] ? false : fail(v, "a virtio structure lies outside its BAR", 0);
	if ((st = dev_dma_pool(r, dev, pool_bytes, &v->pool)) != CAPOS_OK)
		return fail(v, "Device.dmaPool", st);
	/* One buffer of the whole pool: vdev_alloc carves it. */
	if ((st = pool_info(r, v->pool, &iso, &v->pool_bytes, &used)) != CAPOS_OK ||
	    (st = pool_alloc(r, v->pool, v->pool_bytes, 4096, &b)) != CAPOS_OK)
		return fail(v, "DMAPool.alloc", st);
	v->pool_va = b.va;
	v->pool_iova = b.iova;
	v->pool_used = 0;
	if (!vdev_reset(v))
		return false;
	set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(v, VIRTIO_STATUS_DRIVER);
	return true;
}

static uint64_t features_of(struct vdev *v)
{
	uint64_t f = 0;
	for (uint32_t half = 0; half < 2; half++) {
		v->common->device_feature_select = half;
		f |= (uint64_t)v->common->device_feature << (32 * half);
	}
	return f;
}

bool vdev_negotiate(struct vdev *v, uint64_t want)
{
	uint64_t offered = features_of(v);
	uint64_t ver = 1ull << VIRTIO_F_VERSION_1, plat = 1ull << VIRTIO_F_ACCESS_PLATFORM;
	if (!(offered & ver)) {
		set_status(v, VIRTIO_STATUS_FAILED);
		return fail(v, "the device does not offer VIRTIO_F_VERSION_1", 0);
	}
	v->features = (offered & (want | plat)) | ver;
	for (uint32_t half = 0; half < 2; half++) {
		v->common->driver_feature_select = half;
		v->common->driver_feature = (uint32_t)(v->features >> (32 * half));
	}
	set_status(v, VIRTIO_STATUS_FEATURES_OK);
	if (!(v->common->device_status & VIRTIO_STATUS_FEATURES_OK)) {
		set_status(v, VIRTIO_STATUS_FAILED);
		return fail(v, "FEATURES_OK did not stick", 0);
	}
	return true;
}

bool vdev_alloc(struct vdev *v, uint64_t bytes, uint64_t align, volatile void **va, uint64_t *iova)
{
	uint64_t at = (v->pool_used + align - 1) & ~(align - 1);
	if (bytes == 0 || at < v->pool_used || at > v->pool_bytes || bytes > v->pool_bytes - at)
		return fail(v, "the DMA pool is exhausted", 0);
	v->pool_used = at + bytes;
	*va = v->pool_va + at;
	*iova = v->pool_iova + at;
	return true;
}

static void wr64(volatile struct virtio_pci_common_cfg *c, size_t off, uint64_t val)
{
	volatile uint32_t *w = (volatile uint32_t *)((volatile uint8_t *)c + off);
	w[0] = (uint32_t)val;
	w[1] = (uint32_t)(val >> 32);
}

bool vdev_queue(struct vdev *v, uint16_t index, uint16_t max_size, uint16_t msix, struct virtq *q,
		volatile uint16_t **notify_addr)
{
	struct virtq_sizes sz;
	volatile void *mem;
	uint64_t iova;
	uint32_t off;
	volatile struct virtio_pci_common_cfg *c = v->common;
	c->queue_select = index;
	uint16_t n = c->queue_size;
	if (n == 0)
		return fail(v, "no such queue", index);
	while (n > max_size)
		n /= 2;
	if (virtq_layout(n, &sz) != VIRTQ_OK || !vdev_alloc(v, sz.total, 4096, &mem, &iova) ||
	    virtq_init(q, n, (void *)mem, iova, sz.total,
		       (v->features >> VIRTIO_F_RING_EVENT_IDX) & 1) != VIRTQ_OK)
		return v->why[0] ? false : fail(v, "queue memory", n);
	if (virtio_notify_offset(&v->caps.region[VIRTIO_PCI_CAP_NOTIFY_CFG], c->queue_notify_off,
				 &off) != VIRTIO_PCI_OK)
		return fail(v, "the queue's notify address lies outside its structure", index);
	*notify_addr =
	    (volatile uint16_t *)(v->notify +
				  (off - v->caps.region[VIRTIO_PCI_CAP_NOTIFY_CFG].offset));
	c->queue_size = n;
	/* 64-bit fields as two 32-bit halves, low first (§4.1.3.1). */
	wr64(c, offsetof(struct virtio_pci_common_cfg, queue_desc), q->desc_dev);
	wr64(c, offsetof(struct virtio_pci_common_cfg, queue_driver), q->avail_dev);
	wr64(c, offsetof(struct virtio_pci_common_cfg, queue_device), q->used_dev);
	c->queue_msix_vector = msix;
	if (c->queue_msix_vector != msix)
		return fail(v, "the device refused the queue's MSI-X vector", msix);
	c->queue_enable = 1;
	return true;
}

void vdev_driver_ok(struct vdev *v)
{
	set_status(v, VIRTIO_STATUS_DRIVER_OK);
}

uint32_t vdev_cfg32(struct vdev *v, unsigned off)
{
	return *(volatile uint32_t *)(v->devcfg + off);
}
