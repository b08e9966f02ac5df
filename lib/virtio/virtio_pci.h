/* virtio_pci: finding a modern virtio device's structures through its vendor-specific
 * PCI capabilities (virtio 1.2 §4.1.4), from configuration space read through a
 * callback, so the same code serves a driver reading through its Device capability and
 * the host tests reading a byte image.
 *
 * The capability list is untrusted: the walk is bounded (pointers masked to dwords,
 * at or above 0x40, never visited twice, at most VIRTIO_PCI_MAX_CAPS entries), and each
 * virtio capability is validated before it is kept (see virtio_pci_find_caps). Whether
 * a structure fits inside its BAR needs the BAR's size, which is the caller's to check
 * (virtio_pci_region_fits).
 */
#ifndef CAPOS_LIB_VIRTIO_VIRTIO_PCI_H
#define CAPOS_LIB_VIRTIO_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/virtio.h"

/* Reads width (1, 2 or 4) bytes of configuration space at off. This code only asks for
 * width 4 at 4-aligned offsets below 256. A function that is gone reads all-ones. */
typedef uint32_t (*virtio_pci_cfg_rd)(void *ctx, uint16_t off, uint8_t width);

#define VIRTIO_PCI_MAX_CAPS 48 /* (256 - 0x40) / 4 dword slots */
#define VIRTIO_PCI_NTYPES   (VIRTIO_PCI_CAP_PCI_CFG + 1)
#define VIRTIO_PCI_FOUND(t) (1u << (t))
/* What a driver cannot work without (§4.1.4.3.1, §4.1.4.4.1, §4.1.4.5.1). */
#define VIRTIO_PCI_REQUIRED                                                                        \
	(VIRTIO_PCI_FOUND(VIRTIO_PCI_CAP_COMMON_CFG) |                                             \
	 VIRTIO_PCI_FOUND(VIRTIO_PCI_CAP_NOTIFY_CFG) | VIRTIO_PCI_FOUND(VIRTIO_PCI_CAP_ISR_CFG))

enum virtio_pci_status {
	VIRTIO_PCI_OK = 0,
	VIRTIO_PCI_E_GONE,    /* configuration space reads all-ones */
	VIRTIO_PCI_E_NO_CAPS, /* the status register has no capability list */
	VIRTIO_PCI_E_LIST,    /* the list points into the header, loops, or is too long */
	VIRTIO_PCI_E_MISSING, /* no valid common, notify or ISR structure */
	VIRTIO_PCI_E_RANGE,   /* virtio_notify_offset: outside the notify structure */
};

/* One structure: where its capability is, and where the structure is in which BAR. */
struct virtio_pci_region {
	uint8_t cap_off; /* the capability's offset in configuration space */
	uint8_t bar;	 /* 0..5; for VIRTIO_PCI_CAP_PCI_CFG only cap_off is meaningful */
	uint8_t id;
	uint32_t offset;      /* in the BAR */
	uint32_t length;      /* bytes; offset + length fits in 32 bits */
	uint32_t notify_mult; /* VIRTIO_PCI_CAP_NOTIFY_CFG: notify_off_multiplier */
};

struct virtio_pci_caps {
	uint32_t found;	   /* VIRTIO_PCI_FOUND(cfg_type) for each structure kept */
	unsigned walked;   /* capabilities visited */
	unsigned rejected; /* virtio capabilities refused by validation */
	struct virtio_pci_region region[VIRTIO_PCI_NTYPES]; /* indexed by cfg_type */
};

/* virtio_pci_find_caps: walks the capability list and, for each vendor-specific
 * capability with cfg_type 1..5, keeps the first valid one of each type (§4.1.4.1:
 * the device lists them in its order of preference) in out->region[cfg_type]. Valid
 * means: cap_len at least 16 (20 for notify and PCI cfg) and inside configuration space;
 * for types 1..4 bar at most 5 (others are reserved and ignored, §4.1.4.1), offset +
 * length within 32 bits, and by type: common length >= 0x38 and offset 4-aligned
 * (§4.1.4.3.1), notify length >= 2 and offset 2-aligned (§4.1.4.4.1), ISR length >= 1
 * (§4.1.4.5), device offset 4-aligned (§4.1.4.6.1). Others of types 6..255 are ignored
 * (§4.1.4.1). Returns VIRTIO_PCI_OK with the common, notify and ISR structures found;
 * VIRTIO_PCI_E_MISSING when the walk finished without one of them; VIRTIO_PCI_E_LIST,
 * VIRTIO_PCI_E_GONE or VIRTIO_PCI_E_NO_CAPS as above. out is filled in with what was
 * found up to the point of failure in every case. */
enum virtio_pci_status virtio_pci_find_caps(virtio_pci_cfg_rd rd, void *ctx,
					    struct virtio_pci_caps *out);

/* virtio_notify_offset: the BAR offset of the notify register of a queue whose common
 * configuration says queue_notify_off (§4.1.4.4): notify->offset + queue_notify_off *
 * notify_mult, into *bar_off. It is written 2 bytes wide (4 only with
 * VIRTIO_F_NOTIFICATION_DATA, which we do not negotiate), so it must be 2-aligned and
 * those 2 bytes must lie inside the structure's length. Returns VIRTIO_PCI_OK or
 * VIRTIO_PCI_E_RANGE (*bar_off untouched). */
enum virtio_pci_status virtio_notify_offset(const struct virtio_pci_region *notify,
					    uint16_t queue_notify_off, uint32_t *bar_off);

/* virtio_pci_region_fits: whether the structure lies inside a BAR of bar_size bytes. */
bool virtio_pci_region_fits(const struct virtio_pci_region *r, uint64_t bar_size);

#endif
