/* Virtio 1.x layouts: device status, feature bits, the split virtqueue, virtio over PCI,
 * and the block and network devices (virtio 1.2: §2.1 status, §2.7 split virtqueues,
 * §4.1 virtio over PCI, §5.1 network device, §5.2 block device, §6 reserved features).
 *
 * Naming: VIRTIO_STATUS_* device status bits; VIRTIO_F_* device-independent feature bit
 * numbers, VIRTIO_BLK_F_* / VIRTIO_NET_F_* device feature bit numbers (bit numbers, not
 * masks: VIRTIO_FEATURE(n) makes the 64-bit mask); VIRTQ_DESC_F_* / VIRTQ_AVAIL_F_* /
 * VIRTQ_USED_F_* ring flags; VIRTIO_PCI_CAP_* capability cfg_type values. Every field is
 * little-endian (§4.1.3); x86_64 reads them as they are.
 */
#ifndef CAPOS_HW_VIRTIO_H
#define CAPOS_HW_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_PACKED		 __attribute__((packed))
/* Ring structures also carry their spec alignment, so that their fields can be read
 * and written through pointers (atomics) without unaligned-pointer warnings. */
#define VIRTIO_PACKED_ALIGNED(n) __attribute__((packed, aligned(n)))

/* PCI identity (§4.1.2): vendor 0x1AF4; modern device id 0x1040 + virtio device id,
 * transitional ids 0x1000..0x103F. */
#define VIRTIO_PCI_VENDOR	     0x1af4
#define VIRTIO_PCI_DEVICE_MODERN(id) (0x1040 + (id))
#define VIRTIO_PCI_DEVICE_TRANS_NET  0x1000
#define VIRTIO_PCI_DEVICE_TRANS_BLK  0x1001
#define VIRTIO_PCI_DEVICE_MIN	     0x1000
#define VIRTIO_PCI_DEVICE_MAX	     0x107f

/* Virtio device ids (§5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2

/* Device status field (§2.1). Writing 0 resets the device. */
#define VIRTIO_STATUS_ACKNOWLEDGE	 0x01
#define VIRTIO_STATUS_DRIVER		 0x02
#define VIRTIO_STATUS_DRIVER_OK		 0x04
#define VIRTIO_STATUS_FEATURES_OK	 0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED		 0x80

/* Feature bits are numbered 0..63, read and written 32 at a time through the
 * *_feature_select registers (§4.1.4.3). */
#define VIRTIO_FEATURE(n) (1ull << (n))

/* Device-independent feature bits (§6). */
#define VIRTIO_F_INDIRECT_DESC	 28
#define VIRTIO_F_RING_EVENT_IDX	 29
#define VIRTIO_F_VERSION_1	 32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* Block device feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX	  1
#define VIRTIO_BLK_F_SEG_MAX	  2
#define VIRTIO_BLK_F_GEOMETRY	  4
#define VIRTIO_BLK_F_RO		  5
#define VIRTIO_BLK_F_BLK_SIZE	  6
#define VIRTIO_BLK_F_FLUSH	  9
#define VIRTIO_BLK_F_TOPOLOGY	  10
#define VIRTIO_BLK_F_CONFIG_WCE	  11
#define VIRTIO_BLK_F_MQ		  12
#define VIRTIO_BLK_F_DISCARD	  13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Network device feature bits (§5.1.3). */
#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU	3
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VIRTIO_NET_F_STATUS	16
#define VIRTIO_NET_F_CTRL_VQ	17
#define VIRTIO_NET_F_MQ		22

/* Split virtqueue (§2.7). Sizes and alignments of the three parts (§2.7 table): the
 * descriptor table 16 * N aligned 16, the available ring 6 + 2 * N aligned 2, the used
 * ring 6 + 8 * N aligned 4 (both ring sizes include the trailing event index). N is a
 * power of two, at most 32768. */
#define VIRTQ_MAX_SIZE	  32768u
#define VIRTQ_DESC_ALIGN  16u
#define VIRTQ_AVAIL_ALIGN 2u
#define VIRTQ_USED_ALIGN  4u

/* Descriptor flags (§2.7.5). */
#define VIRTQ_DESC_F_NEXT     0x1 /* the chain continues at next */
#define VIRTQ_DESC_F_WRITE    0x2 /* device-writable (otherwise device-readable) */
#define VIRTQ_DESC_F_INDIRECT 0x4 /* the buffer is a table of descriptors */

/* Available ring flags (§2.7.7): without EVENT_IDX, "no used buffer notification". */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 0x1
/* Used ring flags (§2.7.10): without EVENT_IDX, "no available buffer notification". */
#define VIRTQ_USED_F_NO_NOTIFY	   0x1

struct virtq_desc {
	uint64_t addr;	/* 0x00 device address of the buffer */
	uint32_t len;	/* 0x08 */
	uint16_t flags; /* 0x0c VIRTQ_DESC_F_* */
	uint16_t next;	/* 0x0e next descriptor when VIRTQ_DESC_F_NEXT */
} VIRTIO_PACKED_ALIGNED(16);
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc");

/* Followed by ring[N] (uint16_t) and used_event (uint16_t). */
struct virtq_avail {
	uint16_t flags; /* 0x00 VIRTQ_AVAIL_F_* */
	uint16_t idx;	/* 0x02 free-running: where the driver puts the next entry */
	uint16_t ring[];
} VIRTIO_PACKED_ALIGNED(2);
_Static_assert(sizeof(struct virtq_avail) == 4, "virtq_avail header");

struct virtq_used_elem {
	uint32_t id;  /* 0x00 head of the used descriptor chain */
	uint32_t len; /* 0x04 bytes written into the chain's device-writable part */
} VIRTIO_PACKED_ALIGNED(4);
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem");

/* Followed by ring[N] (struct virtq_used_elem) and avail_event (uint16_t). */
struct virtq_used {
	uint16_t flags; /* 0x00 VIRTQ_USED_F_* */
	uint16_t idx;	/* 0x02 free-running: where the device puts the next entry */
	struct virtq_used_elem ring[];
} VIRTIO_PACKED_ALIGNED(4);
_Static_assert(sizeof(struct virtq_used) == 4, "virtq_used header");

/* Virtio over PCI (§4.1.4): vendor-specific capabilities (PCI_CAP_ID_VNDR) locate the
 * structures; cfg_type says which. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG	  3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG	  5
#define VIRTIO_PCI_CAP_SHM_CFG	  8 /* shared memory region (virtio 1.2) */
#define VIRTIO_PCI_CAP_VENDOR_CFG 9 /* vendor data (virtio 1.3) */
#define VIRTIO_PCI_CAP_BAR_MAX	  5 /* bar 6..255 is reserved: the cap is ignored */

struct virtio_pci_cap {
	uint8_t cap_vndr; /* 0x00 PCI_CAP_ID_VNDR */
	uint8_t cap_next; /* 0x01 */
	uint8_t cap_len;  /* 0x02 length of this capability, extra data included */
	uint8_t cfg_type; /* 0x03 VIRTIO_PCI_CAP_* */
	uint8_t bar;	  /* 0x04 0..5 */
	uint8_t id;	  /* 0x05 multiple caps of one type (device-type specific) */
	uint8_t padding[2];
	uint32_t offset; /* 0x08 within the BAR */
	uint32_t length; /* 0x0c in bytes */
} VIRTIO_PACKED;
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");

struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	uint32_t notify_off_multiplier; /* 0x10 */
} VIRTIO_PACKED;
_Static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "virtio_pci_notify_cap");

/* VIRTIO_PCI_CAP_PCI_CFG: a config-space window onto the BARs (virtio 1.1 §4.1.4.7). */
struct virtio_pci_cfg_cap {
	struct virtio_pci_cap cap;
	uint8_t pci_cfg_data[4]; /* 0x10 */
} VIRTIO_PACKED;
_Static_assert(sizeof(struct virtio_pci_cfg_cap) == 20, "virtio_pci_cfg_cap");

/* Byte offsets inside the capability, for config-space readers. */
#define VIRTIO_PCI_CAP_LEN_OFF	  0x02
#define VIRTIO_PCI_CAP_TYPE_OFF	  0x03
#define VIRTIO_PCI_CAP_BAR_OFF	  0x04
#define VIRTIO_PCI_CAP_OFFSET_OFF 0x08
#define VIRTIO_PCI_CAP_LENGTH_OFF 0x0c
#define VIRTIO_PCI_CAP_MULT_OFF	  0x10
_Static_assert(offsetof(struct virtio_pci_cap, bar) == VIRTIO_PCI_CAP_BAR_OFF, "cap bar");
_Static_assert(offsetof(struct virtio_pci_cap, offset) == VIRTIO_PCI_CAP_OFFSET_OFF, "offset");
_Static_assert(offsetof(struct virtio_pci_cap, length) == VIRTIO_PCI_CAP_LENGTH_OFF, "length");
_Static_assert(offsetof(struct virtio_pci_notify_cap, notify_off_multiplier) ==
		   VIRTIO_PCI_CAP_MULT_OFF,
	       "notify_off_multiplier");

/* Common configuration (virtio 1.1 §4.1.4.3; 1.2 appends queue_notify_data and
 * queue_reset at 0x38, only with features we do not negotiate). Its offset in the BAR
 * is 4-byte aligned; 64-bit fields are accessed as two 32-bit halves, low first. */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select; /* 0x00 RW: which 32 bits device_feature shows */
	uint32_t device_feature;	/* 0x04 RO */
	uint32_t driver_feature_select; /* 0x08 RW */
	uint32_t driver_feature;	/* 0x0c RW */
	uint16_t config_msix_vector;	/* 0x10 RW */
	uint16_t num_queues;		/* 0x12 RO */
	uint8_t device_status;		/* 0x14 RW: VIRTIO_STATUS_* */
	uint8_t config_generation;	/* 0x15 RO */
	uint16_t queue_select;		/* 0x16 RW: the queue the fields below refer to */
	uint16_t queue_size;		/* 0x18 RW: max on reset; 0: no such queue */
	uint16_t queue_msix_vector;	/* 0x1a RW */
	uint16_t queue_enable;		/* 0x1c RW: 1 enables; never write 0 */
	uint16_t queue_notify_off;	/* 0x1e RO: in notify_off_multiplier units */
	uint64_t queue_desc;		/* 0x20 RW: descriptor area */
	uint64_t queue_driver;		/* 0x28 RW: driver area (available ring) */
	uint64_t queue_device;		/* 0x30 RW: device area (used ring) */
} VIRTIO_PACKED;
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "virtio_pci_common_cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14, "device_status");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16, "queue_select");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_notify_off) == 0x1e, "notify_off");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc) == 0x20, "queue_desc");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_device) == 0x30, "queue_device");

/* config_msix_vector / queue_msix_vector: no MSI-X vector (§4.1.5.1.2). */
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* ISR status byte (§4.1.4.5): reading it clears it. */
#define VIRTIO_ISR_QUEUE  0x1
#define VIRTIO_ISR_CONFIG 0x2

/* Block device configuration (virtio 1.1 §5.2.4, up to write_zeroes; later fields
 * exist only with features we do not negotiate). */
struct virtio_blk_config {
	uint64_t capacity; /* 0x00 in 512-byte sectors, always present */
	uint32_t size_max; /* 0x08 VIRTIO_BLK_F_SIZE_MAX: max bytes in one segment */
	uint32_t seg_max;  /* 0x0c VIRTIO_BLK_F_SEG_MAX: max segments per request */
	struct {
		uint16_t cylinders; /* 0x10 */
		uint8_t heads;	    /* 0x12 */
		uint8_t sectors;    /* 0x13 */
	} VIRTIO_PACKED geometry;   /* VIRTIO_BLK_F_GEOMETRY */
	uint32_t blk_size;	    /* 0x14 VIRTIO_BLK_F_BLK_SIZE */
	struct {
		uint8_t physical_block_exp; /* 0x18 log2 logical blocks per physical */
		uint8_t alignment_offset;   /* 0x19 */
		uint16_t min_io_size;	    /* 0x1a in blocks */
		uint32_t opt_io_size;	    /* 0x1c in blocks */
	} VIRTIO_PACKED topology;	    /* VIRTIO_BLK_F_TOPOLOGY */
	uint8_t writeback;		    /* 0x20 VIRTIO_BLK_F_CONFIG_WCE */
	uint8_t unused0;		    /* 0x21 */
	uint16_t num_queues;		    /* 0x22 VIRTIO_BLK_F_MQ */
	uint32_t max_discard_sectors;	    /* 0x24 VIRTIO_BLK_F_DISCARD */
	uint32_t max_discard_seg;	    /* 0x28 */
	uint32_t discard_sector_alignment;  /* 0x2c */
	uint32_t max_write_zeroes_sectors;  /* 0x30 VIRTIO_BLK_F_WRITE_ZEROES */
	uint32_t max_write_zeroes_seg;	    /* 0x34 */
	uint8_t write_zeroes_may_unmap;	    /* 0x38 */
	uint8_t unused1[3];		    /* 0x39 */
} VIRTIO_PACKED;
_Static_assert(sizeof(struct virtio_blk_config) == 60, "virtio_blk_config");
_Static_assert(offsetof(struct virtio_blk_config, blk_size) == 20, "blk_size");
_Static_assert(offsetof(struct virtio_blk_config, topology) == 24, "topology");
_Static_assert(offsetof(struct virtio_blk_config, num_queues) == 34, "blk num_queues");

#define VIRTIO_BLK_SECTOR_SIZE 512u /* the protocol's unit, whatever blk_size says */

/* Block request (§5.2.6): this header (device-readable), the data, then one status
 * byte (device-writable). */
struct virtio_blk_req_hdr {
	uint32_t type;	   /* 0x00 VIRTIO_BLK_T_* */
	uint32_t reserved; /* 0x04 */
	uint64_t sector;   /* 0x08 in 512-byte sectors */
} VIRTIO_PACKED;
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio_blk_req_hdr");

#define VIRTIO_BLK_T_IN		  0
#define VIRTIO_BLK_T_OUT	  1
#define VIRTIO_BLK_T_FLUSH	  4
#define VIRTIO_BLK_T_GET_ID	  8
#define VIRTIO_BLK_T_DISCARD	  11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20 /* GET_ID: the serial, not NUL-terminated when 20 long */

/* Network device configuration (virtio 1.1 §5.1.4). */
struct virtio_net_config {
	uint8_t mac[6];		      /* 0x00 VIRTIO_NET_F_MAC */
	uint16_t status;	      /* 0x06 VIRTIO_NET_F_STATUS: VIRTIO_NET_S_* */
	uint16_t max_virtqueue_pairs; /* 0x08 VIRTIO_NET_F_MQ */
	uint16_t mtu;		      /* 0x0a VIRTIO_NET_F_MTU */
} VIRTIO_PACKED;
_Static_assert(sizeof(struct virtio_net_config) == 12, "virtio_net_config");

#define VIRTIO_NET_S_LINK_UP  0x1
#define VIRTIO_NET_S_ANNOUNCE 0x2

/* The header before every packet on the receive and transmit queues (§5.1.6). With
 * VIRTIO_F_VERSION_1 it always has num_buffers, so it is 12 bytes. */
struct virtio_net_hdr {
	uint8_t flags;	      /* 0x00 VIRTIO_NET_HDR_F_* */
	uint8_t gso_type;     /* 0x01 VIRTIO_NET_HDR_GSO_* */
	uint16_t hdr_len;     /* 0x02 */
	uint16_t gso_size;    /* 0x04 */
	uint16_t csum_start;  /* 0x06 */
	uint16_t csum_offset; /* 0x08 */
	uint16_t num_buffers; /* 0x0a receive, VIRTIO_NET_F_MRG_RXBUF: buffers used */
} VIRTIO_PACKED;
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr");

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 0x1
#define VIRTIO_NET_HDR_F_DATA_VALID 0x2
#define VIRTIO_NET_HDR_GSO_NONE	    0

#endif
