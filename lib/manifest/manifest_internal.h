/* manifest_internal: what the validator's files share (lib/manifest only). */
#ifndef CAPOS_LIB_MANIFEST_INTERNAL_H
#define CAPOS_LIB_MANIFEST_INTERNAL_H

#include "lib/manifest/manifest.h"
#include "lib/str.h"

/* Who may be handed a capability of an interface through the manifest. */
#define GRANT_INIT    0x1u /* the kernel gives it to init */
#define GRANT_SERVICE 0x2u /* init passes it on to a service */

struct parse {
	struct manifest m;
	char *why;
	size_t why_len;
};

/* manifest_fail: writes "manifest: " and the formatted reason to p->why; returns st. */
enum manifest_status manifest_fail(struct parse *p, enum manifest_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* manifest_check_name: the string at off is terminated inside the table, 1..NAME_MAX
 * bytes of [A-Za-z0-9_.-]; what names the owner in the reason. */
enum manifest_status manifest_check_name(struct parse *p, const char *what, uint32_t off);

/* manifest_check_devices: the device records (manifest_dev.c). */
enum manifest_status manifest_check_devices(struct parse *p);

/* manifest_check_device_grants: the DeviceSlot and Device grants, once every service and
 * grant passed on its own (manifest_dev.c). */
enum manifest_status manifest_check_device_grants(struct parse *p);

/* Record readers: bounds were checked by check_sections (or are by the caller). */
static inline void manifest_read_service(const struct manifest *m, uint32_t i,
					 struct capos_manifest_service *s)
{
	memcpy(s, m->blob + m->services_off + (size_t)i * sizeof(*s), sizeof(*s));
}

static inline void manifest_read_grant(const struct manifest *m, uint32_t i,
				       struct capos_manifest_grant *g)
{
	memcpy(g, m->blob + m->grants_off + (size_t)i * sizeof(*g), sizeof(*g));
}

static inline void manifest_read_device(const struct manifest *m, uint32_t i,
					struct capos_manifest_device *d)
{
	memcpy(d, m->blob + m->devices_off + (size_t)i * sizeof(*d), sizeof(*d));
}

static inline const char *manifest_str_at(const struct manifest *m, uint32_t off)
{
	return (const char *)m->blob + m->strings_off + off;
}

#endif
