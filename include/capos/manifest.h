/* capos/manifest.h: the boot manifest blob, as tools/mkmanifest.py writes it and
 * lib/manifest validates it before any user code runs (docs/schema.md).
 *
 * Layout, little-endian, no alignment assumed (readers copy each record out):
 *
 *   struct capos_manifest_header        at 0
 *   struct capos_manifest_binary[]      at binaries_off, binary_count of them
 *   struct capos_manifest_service[]     at services_off, service_count of them
 *   struct capos_manifest_grant[]       at grants_off, grant_count of them
 *   string table                        at strings_off, strings_len bytes
 *
 * Sections lie inside [header_size, total_len) in that order without overlapping.
 * Names are offsets into the string table of NUL-terminated strings of 1 to
 * CAPOS_MANIFEST_NAME_MAX bytes from [A-Za-z0-9_.-].
 *
 * Service 0 is init, the one program the kernel starts (flag CAPOS_MANIFEST_SVC_INIT);
 * its grants come from the kernel. Each later service is spawned by init and its grants
 * come from init: grant.from indexes init's grants, and the grant's interface is that
 * grant's, or EndpointClient when init's is Endpoint (init mints the client facet).
 * A service's grants are contiguous: service i's first_grant is the sum of the
 * grant_count of services 0..i-1.
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

#define CAPOS_MANIFEST_SVC_INIT	 0x0001u /* service flags: this is init */
#define CAPOS_MANIFEST_FROM_NONE 0xffffu /* grant.from of init's own grants */

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
	uint64_t reserved; /* 0 */
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
	uint32_t reserved;    /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_manifest_service) == 16, "capos_manifest_service");

/* One named capability a service starts with. */
struct capos_manifest_grant {
	uint64_t iface;	   /* interface id, CAPOS_IFACE_* of capos/gen/capos_schema.h */
	uint32_t name;	   /* string table offset; unique within the service */
	uint16_t from;	   /* index among init's grants; CAPOS_MANIFEST_FROM_NONE for init */
	uint16_t reserved; /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_manifest_grant) == 16, "capos_manifest_grant");

#endif
