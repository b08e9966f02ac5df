/* capos/manifest.h: the boot manifest blob, as tools/mkmanifest.py writes it and
 * lib/manifest validates it before any user code runs (docs/schema.md).
 *
 * Layout, little-endian, no alignment assumed (readers copy each record out):
 *
 *   struct capos_manifest_header        at 0
 *   struct capos_manifest_binary[]      at binaries_off, binary_count of them
 *   struct capos_manifest_service[]     at services_off, service_count of them
 *   struct capos_manifest_grant[]       at grants_off, grant_count of them
 *   struct capos_manifest_device[]      at devices_off, device_count of them
 *   string table                        at strings_off, strings_len bytes
 *
 * Sections lie inside [header_size, total_len) in that order without overlapping; with
 * no devices, devices_off is 0 (blobs from before devices have 0 there: still valid).
 * Names are offsets into the string table of NUL-terminated strings of 1 to
 * CAPOS_MANIFEST_NAME_MAX bytes from [A-Za-z0-9_.-].
 *
 * Service 0 is init, the one program the kernel starts (flag CAPOS_MANIFEST_SVC_INIT);
 * its grants come from the kernel. Each later service is spawned by init and its grants
 * come from init: grant.from indexes init's grants, and the grant's interface is that
 * grant's, or EndpointClient when init's is Endpoint (init mints the client facet).
 * A service's grants are contiguous: service i's first_grant is the sum of the
 * grant_count of services 0..i-1.
 *
 * Devices. Each device record names one PCI function (by vendor:device, class code
 * prefix or address, the nth match in enumeration order, bridges never) and the budget
 * of a claim on it. init holds each device as a DeviceSlot grant named after it,
 * exactly once. A service's Device grant comes from one of init's DeviceSlot grants
 * (init claims the device and passes the Device on; the kernel moves it even in a
 * copying transfer, as every move-only capability), and each DeviceSlot feeds at most
 * one Device grant: device authority is exclusive.
 */
#ifndef CAPOS_MANIFEST_H
#define CAPOS_MANIFEST_H

#include <stdint.h>

#define CAPOS_MANIFEST_MAGIC   0x4d504143u /* "CAPM" */
#define CAPOS_MANIFEST_VERSION 1u

/* Limits, checked by the tool and again by the validator. */
#define CAPOS_MANIFEST_MAX_SIZE		  32768u
#define CAPOS_MANIFEST_MAX_BINARIES	  32u
#define CAPOS_MANIFEST_MAX_SERVICES	  32u /* init included */
#define CAPOS_MANIFEST_MAX_GRANTS	  256u
#define CAPOS_MANIFEST_MAX_SERVICE_GRANTS 16u
#define CAPOS_MANIFEST_NAME_MAX		  23u /* bytes without the NUL: fits a process name */
#define CAPOS_MANIFEST_MAX_DEVICES	  16u
#define CAPOS_MANIFEST_MAX_NTH		  255u
#define CAPOS_MANIFEST_MAX_POOL		  (256ull << 20) /* bytes of DMA pool per claim */
#define CAPOS_MANIFEST_MAX_MMIO		  (1ull << 30)	 /* bytes of MMIO windows per claim */
#define CAPOS_MANIFEST_MAX_IRQS		  64u
#define CAPOS_MANIFEST_MAX_RING		  65536u /* ring depth */
#define CAPOS_MANIFEST_MAX_INFLIGHT	  65536u /* descriptors in flight */

#define CAPOS_MANIFEST_SVC_INIT	 0x0001u /* service flags: this is init */
#define CAPOS_MANIFEST_FROM_NONE 0xffffu /* grant.from of init's own grants */

/* device.match: how the record names its function. */
#define CAPOS_MANIFEST_MATCH_ID	   1u /* vendor and device */
#define CAPOS_MANIFEST_MATCH_CLASS 2u /* the first class_len bytes of the class code */
#define CAPOS_MANIFEST_MATCH_ADDR  3u /* segment, bus, device, function */

/* device.dma: whether a claim may go ahead where no IOMMU confines the device. */
#define CAPOS_MANIFEST_DMA_IOMMU      0u /* no: an IOMMU domain or no claim */
#define CAPOS_MANIFEST_DMA_UNCONFINED 1u /* yes, loudly (Linux VFIO's noiommu) */

struct capos_manifest_header {
	uint32_t magic;		/* CAPOS_MANIFEST_MAGIC */
	uint16_t version;	/* CAPOS_MANIFEST_VERSION */
	uint16_t header_size;	/* sizeof(struct capos_manifest_header) */
	uint32_t total_len;	/* bytes of the whole blob, header included */
	uint16_t binary_count;	/* 1..CAPOS_MANIFEST_MAX_BINARIES */
	uint16_t service_count; /* 1..CAPOS_MANIFEST_MAX_SERVICES */
	uint16_t grant_count;	/* 0..CAPOS_MANIFEST_MAX_GRANTS, all services together */
	uint16_t flags;		/* none defined: 0 */
	uint32_t binaries_off;	/* byte offsets from the start of the blob */
	uint32_t services_off;
	uint32_t grants_off;
	uint32_t strings_off;
	uint32_t strings_len;
	uint32_t devices_off;  /* 0 when device_count is 0 */
	uint16_t device_count; /* 0..CAPOS_MANIFEST_MAX_DEVICES */
	uint16_t reserved;     /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_manifest_header) == 48, "capos_manifest_header");

/* A binary bundled into the boot image, by name. */
struct capos_manifest_binary {
	uint32_t name;	   /* string table offset */
	uint32_t reserved; /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_manifest_binary) == 8, "capos_manifest_binary");

struct capos_manifest_service {
	uint32_t name;	      /* string table offset; unique among services */
	uint16_t binary;      /* index into the binaries */
	uint16_t flags;	      /* CAPOS_MANIFEST_SVC_* */
	uint16_t first_grant; /* index into the grants */
	uint16_t grant_count; /* 0..CAPOS_MANIFEST_MAX_SERVICE_GRANTS */
	uint32_t restarts;    /* 0..CAPOS_MANIFEST_MAX_RESTARTS; 0 for init */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_manifest_service) == 16, "capos_manifest_service");

#define CAPOS_MANIFEST_MAX_RESTARTS 8u /* times init starts a failed service again */

/* One named capability a service starts with. */
struct capos_manifest_grant {
	uint64_t iface;	   /* interface id, CAPOS_IFACE_* of capos/gen/capos_schema.h */
	uint32_t name;	   /* string table offset; unique within the service */
	uint16_t from;	   /* index among init's grants; CAPOS_MANIFEST_FROM_NONE for init */
	uint16_t reserved; /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_manifest_grant) == 16, "capos_manifest_grant");

/* One PCI function init may hand to a driver, and the budget of each claim on it.
 * Fields another match kind uses are 0. */
struct capos_manifest_device {
	uint32_t name;	     /* string table offset; unique among devices */
	uint8_t match;	     /* CAPOS_MANIFEST_MATCH_* */
	uint8_t class_len;   /* MATCH_CLASS: bytes of class_code compared, 1..3 */
	uint8_t dma;	     /* CAPOS_MANIFEST_DMA_* */
	uint8_t reserved0;   /* 0 */
	uint16_t vendor;     /* MATCH_ID */
	uint16_t device;     /* MATCH_ID */
	uint32_t class_code; /* MATCH_CLASS: class << 16 | subclass << 8 | prog-if, the bytes
			      * past class_len 0 (bits 31:24 always 0) */
	uint16_t seg;	     /* MATCH_ADDR */
	uint8_t bus;	     /* MATCH_ADDR */
	uint8_t dev;	     /* MATCH_ADDR, < 32 */
	uint8_t fn;	     /* MATCH_ADDR, < 8 */
	uint8_t reserved1;   /* 0 */
	uint16_t nth;	     /* the nth matching function, from 0; MATCH_ADDR: 0 */
	uint64_t pool_bytes; /* DMA pool bytes, <= CAPOS_MANIFEST_MAX_POOL */
	uint64_t mmio_bytes; /* MMIO window bytes, <= CAPOS_MANIFEST_MAX_MMIO */
	uint16_t irqs;	     /* interrupt sources, <= CAPOS_MANIFEST_MAX_IRQS */
	uint16_t reserved2;  /* 0 */
	uint32_t ring_depth; /* <= CAPOS_MANIFEST_MAX_RING */
	uint32_t inflight;   /* <= CAPOS_MANIFEST_MAX_INFLIGHT */
	uint32_t reserved3;  /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_manifest_device) == 56, "capos_manifest_device");

#endif
