/* manifest: validates a boot manifest blob (include/capos/manifest.h) and reads it.
 *
 * manifest_parse checks everything before anything is used: the header, every offset,
 * length and count against the blob, every name against the string table, unique
 * names, every index, every interface id against the schema, that each service's
 * capabilities are ones init holds, and every device record and the exclusivity of the
 * devices' grants (include/capos/manifest.h). After MANIFEST_OK the accessors cannot fail for an
 * index below the counts. The blob is not copied: it must stay in kernel memory,
 * unchanged, for as long as the view is used.
 */
#ifndef CAPOS_LIB_MANIFEST_H
#define CAPOS_LIB_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capos/manifest.h"

enum manifest_status {
	MANIFEST_OK = 0,
	MANIFEST_E_TRUNCATED = -1, /* shorter than its header or its total_len */
	MANIFEST_E_HEADER = -2,	   /* bad magic, version, header size, flags or reserved */
	MANIFEST_E_RANGE = -3,	   /* a section outside the blob, overlapping, or misordered */
	MANIFEST_E_LIMIT = -4,	   /* a count beyond its limit, or no binary, no service */
	MANIFEST_E_STRING = -5,	   /* a name unterminated, empty, too long, or bad bytes */
	MANIFEST_E_DUPLICATE = -6, /* two binaries, services, or grants of a service share a name */
	MANIFEST_E_REF = -7,	   /* an index that names nothing, or grants not contiguous */
	MANIFEST_E_IFACE = -8,	   /* unknown interface id, or one this grant cannot carry */
	MANIFEST_E_INIT = -9,	   /* init missing or not first, or lacking what it needs */
	MANIFEST_E_DEVICE = -10,   /* a device record out of range, or its grants not
				    * exclusive, or a device init holds but cannot move */
};

/* The validated view: the header's numbers, copied once. */
struct manifest {
	const uint8_t *blob;
	uint32_t len; /* total_len */
	uint16_t binary_count;
	uint16_t service_count; /* init included, as service 0 */
	uint16_t grant_count;
	uint32_t binaries_off;
	uint32_t services_off;
	uint32_t grants_off;
	uint32_t strings_off;
	uint32_t strings_len;
	uint32_t devices_off;
	uint16_t device_count;
};

struct manifest_service {
	const char *name;
	const char *binary_name;
	uint16_t binary;
	bool is_init;
	uint16_t first_grant;
	uint16_t grant_count;
	uint32_t restarts; /* init starts it again at most this often when it fails */
};

struct manifest_grant {
	const char *name;
	uint64_t iface;
	const char *iface_name; /* the schema's name, e.g. "EndpointClient" */
	uint16_t from;		/* index among init's grants; CAPOS_MANIFEST_FROM_NONE for init */
	const char *from_name;	/* name of that grant of init; NULL for init's own */
};

/* A device record, decoded. Fields of the other match kinds are 0. */
struct manifest_device {
	const char *name;
	uint8_t match;	   /* CAPOS_MANIFEST_MATCH_* */
	uint8_t class_len; /* MATCH_CLASS: 1..3 */
	bool unconfined;   /* dma=unconfined: a claim may go ahead without an IOMMU */
	uint16_t vendor, device;
	uint32_t class_code; /* class << 16 | subclass << 8 | prog-if */
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint16_t nth;
	uint64_t pool_bytes, mmio_bytes;
	uint32_t irqs, ring_depth, inflight;
};

/* manifest_parse: validates len bytes at blob (len may exceed the header's total_len,
 * e.g. a page-rounded module) and fills *out. On failure returns the status and writes a
 * one-line reason to why (why_len bytes, may be 0), such as
 * "manifest: service 2 names binary 7 of 3"; *out is then zeroed. */
enum manifest_status manifest_parse(const void *blob, size_t len, struct manifest *out, char *why,
				    size_t why_len);

/* manifest_status_name: "ok", "truncated", ... for a status. */
const char *manifest_status_name(enum manifest_status st);

/* manifest_iface_name: the schema's name of interface id iface, or NULL if unknown. */
const char *manifest_iface_name(uint64_t iface);

/* manifest_binary_name: the name of binary i, or NULL when i >= binary_count. */
const char *manifest_binary_name(const struct manifest *m, uint32_t i);

/* manifest_service: service i (0 is init); false when i >= service_count. */
bool manifest_service(const struct manifest *m, uint32_t i, struct manifest_service *out);

/* manifest_grant: grant i of service svc; false when either index is out of range. */
bool manifest_grant(const struct manifest *m, uint32_t svc, uint32_t i, struct manifest_grant *out);

/* manifest_device: device record i; false when i >= device_count. */
bool manifest_device(const struct manifest *m, uint32_t i, struct manifest_device *out);

/* manifest_device_find: the index of the device named name (NUL-terminated) in *index;
 * false when no device has that name. */
bool manifest_device_find(const struct manifest *m, const char *name, uint32_t *index);

#endif
