/* virtio_pci: bounded capability walk and validation of the virtio structures. */
#include "lib/virtio/virtio_pci.h"

#include "hw/pci.h"
#include "lib/str.h"

#define DW_NEXT(dw)  (((dw) >> 8) & PCI_CAP_PTR_MASK)
#define DW_LEN(dw)   (((dw) >> 16) & 0xffu)
#define DW_TYPE(dw)  ((dw) >> 24)
#define DW_BAR(dw)   ((dw)&0xffu)
#define DW_CAPID(dw) (((dw) >> 8) & 0xffu)

static uint32_t rd32(virtio_pci_cfg_rd rd, void *ctx, unsigned off)
{
	return rd(ctx, (uint16_t)off, 4);
}

/* The bytes of the capability this code needs for cfg_type. */
static unsigned min_cap_len(unsigned type)
{
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		return sizeof(struct virtio_pci_notify_cap);
	if (type == VIRTIO_PCI_CAP_PCI_CFG)
		return sizeof(struct virtio_pci_cfg_cap);
	return sizeof(struct virtio_pci_cap);
}

/* The per-type rules on a structure's place and size. */
static bool region_ok(unsigned type, const struct virtio_pci_region *r)
{
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		return r->length >= sizeof(struct virtio_pci_common_cfg) && r->offset % 4 == 0;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		/* §4.1.4.4.1, without VIRTIO_F_NOTIFICATION_DATA. */
		return r->length >= 2 && r->offset % 2 == 0;
	case VIRTIO_PCI_CAP_ISR_CFG:
		return r->length >= 1;
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		return r->offset % 4 == 0;
	default:
		return false;
	}
}

/* Decodes and checks the virtio capability at ptr whose header dword is dw0. Returns
 * false when it is refused. */
static bool cap_decode(virtio_pci_cfg_rd rd, void *ctx, unsigned ptr, uint32_t dw0,
		       struct virtio_pci_region *r)
{
	unsigned type = DW_TYPE(dw0), len = DW_LEN(dw0);

	/* §4.1.4.1: cap_len may be larger than the structure, never smaller. */
	if (len < min_cap_len(type) || ptr + len > PCI_CFG_SIZE)
		return false;
	memset(r, 0, sizeof(*r));
	r->cap_off = (uint8_t)ptr;
	/* The PCI cfg window's bar, offset and length are for the driver to write
	 * (§4.1.4.7): nothing in them to check. */
	if (type == VIRTIO_PCI_CAP_PCI_CFG)
		return true;
	uint32_t dw1 = rd32(rd, ctx, ptr + VIRTIO_PCI_CAP_BAR_OFF);
	r->bar = (uint8_t)DW_BAR(dw1);
	r->id = (uint8_t)DW_CAPID(dw1);
	r->offset = rd32(rd, ctx, ptr + VIRTIO_PCI_CAP_OFFSET_OFF);
	r->length = rd32(rd, ctx, ptr + VIRTIO_PCI_CAP_LENGTH_OFF);
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		r->notify_mult = rd32(rd, ctx, ptr + VIRTIO_PCI_CAP_MULT_OFF);
	if (r->bar > VIRTIO_PCI_CAP_BAR_MAX || (uint64_t)r->offset + r->length > UINT32_MAX)
		return false;
	return region_ok(type, r);
}

enum virtio_pci_status virtio_pci_find_caps(virtio_pci_cfg_rd rd, void *ctx,
					    struct virtio_pci_caps *out)
{
	/* One bit per dword slot of 0x40..0xFF: a slot seen twice is a loop. */
	uint64_t seen = 0;

	memset(out, 0, sizeof(*out));
	if (rd32(rd, ctx, PCI_VENDOR_ID) == 0xffffffffu)
		return VIRTIO_PCI_E_GONE;
	uint32_t cmd_status = rd32(rd, ctx, PCI_COMMAND);
	if (((cmd_status >> 16) & PCI_STATUS_CAP_LIST) == 0)
		return VIRTIO_PCI_E_NO_CAPS;
	/* PCI 3.0 §6.7: the low two bits of every pointer are reserved and masked. */
	unsigned ptr = rd32(rd, ctx, PCI_CAP_PTR) & PCI_CAP_PTR_MASK;
	while (ptr != 0) {
		if (ptr < PCI_STD_HEADER_SIZE)
			return VIRTIO_PCI_E_LIST;
		uint64_t bit = 1ull << ((ptr - PCI_STD_HEADER_SIZE) / 4);
		if ((seen & bit) != 0 || out->walked >= VIRTIO_PCI_MAX_CAPS)
			return VIRTIO_PCI_E_LIST;
		seen |= bit;
		out->walked++;
		uint32_t dw0 = rd32(rd, ctx, ptr);
		if (dw0 == 0xffffffffu)
			return VIRTIO_PCI_E_GONE;
		unsigned type = DW_TYPE(dw0);
		if ((dw0 & PCI_DW_CAP_ID_MASK) == PCI_CAP_ID_VNDR && type >= 1 &&
		    type < VIRTIO_PCI_NTYPES && !(out->found & VIRTIO_PCI_FOUND(type))) {
			struct virtio_pci_region r;
			if (cap_decode(rd, ctx, ptr, dw0, &r)) {
				out->region[type] = r;
				out->found |= VIRTIO_PCI_FOUND(type);
			} else {
				out->rejected++;
			}
		}
		ptr = DW_NEXT(dw0);
	}
	if ((out->found & VIRTIO_PCI_REQUIRED) != VIRTIO_PCI_REQUIRED)
		return VIRTIO_PCI_E_MISSING;
	return VIRTIO_PCI_OK;
}

enum virtio_pci_status virtio_notify_offset(const struct virtio_pci_region *notify,
					    uint16_t queue_notify_off, uint32_t *bar_off)
{
	/* At most 0xffff * 0xffffffff: no overflow in 64 bits. */
	uint64_t rel = (uint64_t)queue_notify_off * notify->notify_mult;

	/* §4.1.4.4.1: cap.length >= queue_notify_off * notify_off_multiplier + 2. */
	if (rel + 2 > notify->length)
		return VIRTIO_PCI_E_RANGE;
	uint64_t off = notify->offset + rel;
	if (off % 2 != 0 || off > UINT32_MAX)
		return VIRTIO_PCI_E_RANGE;
	*bar_off = (uint32_t)off;
	return VIRTIO_PCI_OK;
}

bool virtio_pci_region_fits(const struct virtio_pci_region *r, uint64_t bar_size)
{
	return (uint64_t)r->offset + r->length <= bar_size;
}
