/* manifest: the boot manifest validator (include/capos/manifest.h, docs/schema.md). */
#include "lib/manifest/manifest.h"

#include <stdarg.h>

#include "capos/gen/capos_schema.h"
#include "lib/fmt.h"
#include "lib/manifest/manifest_internal.h"

struct iface_info {
	uint64_t id;
	const char *name;
};

static const struct iface_info ifaces[] = {
#define MANIFEST_IFACE(Name, NAME, id) {id, #Name},
    CAPOS_SCHEMA_INTERFACES(MANIFEST_IFACE)
#undef MANIFEST_IFACE
};

/* Kernel objects and services init starts with; a ProcessHandle comes only from spawn,
 * an EndpointClient only from init's Endpoint, a Device only from init's DeviceSlot (init
 * keeps its DeviceSlots), and nothing implements AnyCap. */
static unsigned iface_grant(uint64_t id)
{
	switch (id) {
	case CAPOS_IFACE_CONSOLE:
	case CAPOS_IFACE_TIMER:
	case CAPOS_IFACE_PROCESS_SPAWNER:
	case CAPOS_IFACE_BOOT_MANIFEST:
	case CAPOS_IFACE_ENDPOINT:
	case CAPOS_IFACE_MEMORY:
		return GRANT_INIT | GRANT_SERVICE;
	case CAPOS_IFACE_DEVICE_SLOT:
		return GRANT_INIT;
	case CAPOS_IFACE_ENDPOINT_CLIENT:
	case CAPOS_IFACE_DEVICE:
		return GRANT_SERVICE;
	default:
		return 0;
	}
}

const char *manifest_iface_name(uint64_t iface)
{
	for (size_t i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++)
		if (ifaces[i].id == iface)
			return ifaces[i].name;
	return NULL;
}

const char *manifest_status_name(enum manifest_status st)
{
	static const char *const names[] = {
	    "ok",	  "truncated",	    "bad header",    "out of range",  "over a limit",
	    "bad name",	  "duplicate name", "bad reference", "bad interface", "bad init",
	    "bad device",
	};
	if (st > 0 || -st >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown status";
	return names[-st];
}

enum manifest_status manifest_fail(struct parse *p, enum manifest_status st, const char *fmt, ...)
{
	va_list ap;
	size_t n = fmt_snprintf(p->why, p->why_len, "manifest: ");
	if (n < p->why_len) {
		va_start(ap, fmt);
		fmt_vsnprintf(p->why + n, p->why_len - n, fmt, ap);
		va_end(ap);
	}
	return st;
}

static void read_binary(const struct manifest *m, uint32_t i, struct capos_manifest_binary *b)
{
	memcpy(b, m->blob + m->binaries_off + (size_t)i * sizeof(*b), sizeof(*b));
}

static bool name_byte_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* Names reach the console: no control bytes. */
enum manifest_status manifest_check_name(struct parse *p, const char *what, uint32_t off)
{
	const struct manifest *m = &p->m;
	if (off >= m->strings_len)
		return manifest_fail(p, MANIFEST_E_STRING,
				     "%s name at %u lies outside the string table (%u bytes)", what,
				     off, m->strings_len);
	const char *s = manifest_str_at(m, off);
	size_t room = m->strings_len - off;
	size_t n =
	    str_nlen(s, room < CAPOS_MANIFEST_NAME_MAX + 1 ? room : CAPOS_MANIFEST_NAME_MAX + 1);
	if (n == room)
		return manifest_fail(p, MANIFEST_E_STRING,
				     "%s name at %u is not terminated in the string table", what,
				     off);
	if (n > CAPOS_MANIFEST_NAME_MAX)
		return manifest_fail(p, MANIFEST_E_STRING, "%s name at %u is longer than %u bytes",
				     what, off, CAPOS_MANIFEST_NAME_MAX);
	if (n == 0)
		return manifest_fail(p, MANIFEST_E_STRING, "%s name is empty", what);
	for (size_t i = 0; i < n; i++)
		if (!name_byte_ok(s[i]))
			return manifest_fail(p, MANIFEST_E_STRING, "%s name has byte 0x%02x at %zu",
					     what, (unsigned)(uint8_t)s[i], i);
	return MANIFEST_OK;
}

static enum manifest_status check_header(struct parse *p, const struct capos_manifest_header *h,
					 size_t len)
{
	if (h->magic != CAPOS_MANIFEST_MAGIC)
		return manifest_fail(p, MANIFEST_E_HEADER, "bad magic 0x%08x", h->magic);
	if (h->version != CAPOS_MANIFEST_VERSION || h->header_size != sizeof(*h))
		return manifest_fail(p, MANIFEST_E_HEADER,
				     "version %u, header %u bytes (want %u, %zu)", h->version,
				     h->header_size, CAPOS_MANIFEST_VERSION, sizeof(*h));
	if (h->flags != 0 || h->reserved != 0)
		return manifest_fail(p, MANIFEST_E_HEADER, "reserved header fields are not zero");
	if (h->total_len < sizeof(*h) || h->total_len > len)
		return manifest_fail(p, MANIFEST_E_TRUNCATED, "total length %u, blob %zu bytes",
				     h->total_len, len);
	if (h->total_len > CAPOS_MANIFEST_MAX_SIZE)
		return manifest_fail(p, MANIFEST_E_LIMIT, "%u bytes, more than %u", h->total_len,
				     CAPOS_MANIFEST_MAX_SIZE);
	if (h->binary_count == 0 || h->binary_count > CAPOS_MANIFEST_MAX_BINARIES)
		return manifest_fail(p, MANIFEST_E_LIMIT, "%u binaries, want 1..%u",
				     h->binary_count, CAPOS_MANIFEST_MAX_BINARIES);
	if (h->service_count == 0 || h->service_count > CAPOS_MANIFEST_MAX_SERVICES)
		return manifest_fail(p, MANIFEST_E_LIMIT, "%u services, want 1..%u (init included)",
				     h->service_count, CAPOS_MANIFEST_MAX_SERVICES);
	if (h->grant_count > CAPOS_MANIFEST_MAX_GRANTS)
		return manifest_fail(p, MANIFEST_E_LIMIT, "%u grants, more than %u", h->grant_count,
				     CAPOS_MANIFEST_MAX_GRANTS);
	if (h->device_count > CAPOS_MANIFEST_MAX_DEVICES)
		return manifest_fail(p, MANIFEST_E_LIMIT, "%u devices, more than %u",
				     h->device_count, CAPOS_MANIFEST_MAX_DEVICES);
	if (h->device_count == 0 && h->devices_off != 0)
		return manifest_fail(p, MANIFEST_E_RANGE, "devices at %u, but no devices",
				     h->devices_off);
	return MANIFEST_OK;
}

/* check_sections: each section inside the blob, after the header and the sections before
 * it (no two overlap); no devices, no section. Sizes are at most 256 x 16 bytes: no
 * overflow in 64 bits. */
static enum manifest_status check_sections(struct parse *p, const struct capos_manifest_header *h)
{
	const struct {
		const char *what;
		uint32_t off;
		uint64_t size;
	} sec[] = {
	    {"binaries", h->binaries_off, (uint64_t)h->binary_count * 8u},
	    {"services", h->services_off, (uint64_t)h->service_count * 16u},
	    {"grants", h->grants_off, (uint64_t)h->grant_count * 16u},
	    {"devices", h->devices_off,
	     (uint64_t)h->device_count * sizeof(struct capos_manifest_device)},
	    {"string table", h->strings_off, h->strings_len},
	};
	uint64_t cursor = h->header_size;
	for (size_t i = 0; i < sizeof(sec) / sizeof(sec[0]); i++) {
		if (i == 3 && h->device_count == 0)
			continue; /* no devices: devices_off is 0 (check_header) */
		if (sec[i].off < cursor || sec[i].off + sec[i].size > h->total_len)
			return manifest_fail(
			    p, MANIFEST_E_RANGE,
			    "%s (%llu bytes at %u) overlap what precedes them or pass the "
			    "end (%u bytes)",
			    sec[i].what, (unsigned long long)sec[i].size, sec[i].off, h->total_len);
		cursor = sec[i].off + sec[i].size;
	}
	return MANIFEST_OK;
}

static enum manifest_status check_binaries(struct parse *p)
{
	const struct manifest *m = &p->m;
	struct capos_manifest_binary b, o;
	char what[32];
	enum manifest_status st;
	for (uint32_t i = 0; i < m->binary_count; i++) {
		read_binary(m, i, &b);
		fmt_snprintf(what, sizeof(what), "binary %u", i);
		if ((st = manifest_check_name(p, what, b.name)) != MANIFEST_OK)
			return st;
		if (b.reserved != 0)
			return manifest_fail(p, MANIFEST_E_HEADER,
					     "binary %u reserved field is not zero", i);
		for (uint32_t j = 0; j < i; j++) {
			read_binary(m, j, &o);
			if (strcmp(manifest_str_at(m, o.name), manifest_str_at(m, b.name)) == 0)
				return manifest_fail(p, MANIFEST_E_DUPLICATE,
						     "binaries %u and %u are both '%s'", j, i,
						     manifest_str_at(m, b.name));
		}
	}
	return MANIFEST_OK;
}

/* check_grant: grant g (global index) of service svc, whose name is sname. */
static enum manifest_status check_grant(struct parse *p, uint32_t svc, const char *sname,
					uint32_t first, uint32_t g)
{
	const struct manifest *m = &p->m;
	struct capos_manifest_grant gr, o;
	struct capos_manifest_service init;
	char what[64];
	enum manifest_status st;

	manifest_read_grant(m, g, &gr);
	fmt_snprintf(what, sizeof(what), "service %u (%s) grant %u", svc, sname, g - first);
	if ((st = manifest_check_name(p, what, gr.name)) != MANIFEST_OK)
		return st;
	const char *gname = manifest_str_at(m, gr.name);
	if (gr.reserved != 0)
		return manifest_fail(p, MANIFEST_E_HEADER, "%s (%s) reserved field is not zero",
				     what, gname);
	for (uint32_t j = first; j < g; j++) {
		manifest_read_grant(m, j, &o);
		if (strcmp(manifest_str_at(m, o.name), gname) == 0)
			return manifest_fail(p, MANIFEST_E_DUPLICATE,
					     "%s: two capabilities named '%s'", what, gname);
	}
	const char *iname = manifest_iface_name(gr.iface);
	if (iname == NULL)
		return manifest_fail(p, MANIFEST_E_IFACE, "%s (%s) has unknown interface 0x%016llx",
				     what, gname, (unsigned long long)gr.iface);
	if (svc == 0) {
		if (!(iface_grant(gr.iface) & GRANT_INIT))
			return manifest_fail(p, MANIFEST_E_IFACE,
					     "%s (%s): the kernel gives init no %s", what, gname,
					     iname);
		if (gr.from != CAPOS_MANIFEST_FROM_NONE)
			return manifest_fail(p, MANIFEST_E_REF,
					     "%s (%s) comes from init's grant %u: init's own "
					     "come from the kernel",
					     what, gname, gr.from);
		return MANIFEST_OK;
	}
	if (!(iface_grant(gr.iface) & GRANT_SERVICE))
		return manifest_fail(p, MANIFEST_E_IFACE, "%s (%s): init cannot pass on a %s", what,
				     gname, iname);
	manifest_read_service(m, 0, &init);
	if (gr.from >= init.grant_count)
		return manifest_fail(p, MANIFEST_E_REF, "%s (%s) comes from init's grant %u of %u",
				     what, gname, gr.from, init.grant_count);
	manifest_read_grant(m, init.first_grant + gr.from, &o);
	if (o.iface != gr.iface &&
	    !(gr.iface == CAPOS_IFACE_ENDPOINT_CLIENT && o.iface == CAPOS_IFACE_ENDPOINT) &&
	    !(gr.iface == CAPOS_IFACE_DEVICE && o.iface == CAPOS_IFACE_DEVICE_SLOT))
		return manifest_fail(p, MANIFEST_E_IFACE, "%s (%s) is %s, but init's '%s' is %s",
				     what, gname, iname, manifest_str_at(m, o.name),
				     manifest_iface_name(o.iface));
	return MANIFEST_OK;
}

/* check_init_needs: init can start the other services only through a ProcessSpawner
 * and learns them only through the BootManifest. */
static enum manifest_status check_init_needs(struct parse *p)
{
	const struct manifest *m = &p->m;
	struct capos_manifest_service init;
	struct capos_manifest_grant g;
	bool spawner = false, manifest = false;
	if (m->service_count < 2)
		return MANIFEST_OK;
	manifest_read_service(m, 0, &init);
	for (uint32_t i = 0; i < init.grant_count; i++) {
		manifest_read_grant(m, init.first_grant + i, &g);
		spawner |= g.iface == CAPOS_IFACE_PROCESS_SPAWNER;
		manifest |= g.iface == CAPOS_IFACE_BOOT_MANIFEST;
	}
	if (!spawner || !manifest)
		return manifest_fail(p, MANIFEST_E_INIT,
				     "init must hold a ProcessSpawner and a BootManifest "
				     "to start %u services",
				     m->service_count - 1u);
	return MANIFEST_OK;
}

static enum manifest_status check_services(struct parse *p)
{
	const struct manifest *m = &p->m;
	struct capos_manifest_service s, o;
	char what[32];
	uint32_t next_grant = 0;
	enum manifest_status st;
	for (uint32_t i = 0; i < m->service_count; i++) {
		manifest_read_service(m, i, &s);
		fmt_snprintf(what, sizeof(what), "service %u", i);
		if ((st = manifest_check_name(p, what, s.name)) != MANIFEST_OK)
			return st;
		const char *sname = manifest_str_at(m, s.name);
		if (s.restarts > (i == 0 ? 0 : CAPOS_MANIFEST_MAX_RESTARTS) ||
		    (s.flags & ~CAPOS_MANIFEST_SVC_INIT) != 0)
			return manifest_fail(p, MANIFEST_E_HEADER,
					     "service %u (%s) has flags 0x%x, restarts %u", i,
					     sname, s.flags, s.restarts);
		if (((s.flags & CAPOS_MANIFEST_SVC_INIT) != 0) != (i == 0))
			return manifest_fail(p, MANIFEST_E_INIT,
					     "service %u (%s) %s init: init is service 0, "
					     "and only it",
					     i, sname, i == 0 ? "is not" : "claims to be");
		for (uint32_t j = 0; j < i; j++) {
			manifest_read_service(m, j, &o);
			if (strcmp(manifest_str_at(m, o.name), sname) == 0)
				return manifest_fail(p, MANIFEST_E_DUPLICATE,
						     "services %u and %u are both '%s'", j, i,
						     sname);
		}
		if (s.binary >= m->binary_count)
			return manifest_fail(p, MANIFEST_E_REF,
					     "service %u (%s) names binary %u of %u", i, sname,
					     s.binary, m->binary_count);
		if (s.grant_count > CAPOS_MANIFEST_MAX_SERVICE_GRANTS)
			return manifest_fail(
			    p, MANIFEST_E_LIMIT, "service %u (%s) has %u grants, more than %u", i,
			    sname, s.grant_count, CAPOS_MANIFEST_MAX_SERVICE_GRANTS);
		if (s.first_grant != next_grant || s.grant_count > m->grant_count - next_grant)
			return manifest_fail(p, MANIFEST_E_REF,
					     "service %u (%s) grants %u..%u, want them from "
					     "%u within %u",
					     i, sname, s.first_grant, s.first_grant + s.grant_count,
					     next_grant, m->grant_count);
		for (uint32_t g = s.first_grant; g < s.first_grant + s.grant_count; g++)
			if ((st = check_grant(p, i, sname, s.first_grant, g)) != MANIFEST_OK)
				return st;
		next_grant += s.grant_count;
	}
	if (next_grant != m->grant_count)
		return manifest_fail(p, MANIFEST_E_REF,
				     "services hold %u grants, the header counts %u", next_grant,
				     m->grant_count);
	return check_init_needs(p);
}

enum manifest_status manifest_parse(const void *blob, size_t len, struct manifest *out, char *why,
				    size_t why_len)
{
	struct parse p = {.why = why, .why_len = why_len};
	struct capos_manifest_header h;
	enum manifest_status st;

	*out = (struct manifest){0};
	if (why_len > 0)
		why[0] = '\0';
	if (blob == NULL || len < sizeof(h))
		return manifest_fail(&p, MANIFEST_E_TRUNCATED,
				     "truncated: %zu bytes, the header needs %zu",
				     blob == NULL ? 0 : len, sizeof(h));
	memcpy(&h, blob, sizeof(h));
	if ((st = check_header(&p, &h, len)) != MANIFEST_OK ||
	    (st = check_sections(&p, &h)) != MANIFEST_OK)
		return st;
	p.m = (struct manifest){
	    .blob = blob,
	    .len = h.total_len,
	    .binary_count = h.binary_count,
	    .service_count = h.service_count,
	    .grant_count = h.grant_count,
	    .binaries_off = h.binaries_off,
	    .services_off = h.services_off,
	    .grants_off = h.grants_off,
	    .strings_off = h.strings_off,
	    .strings_len = h.strings_len,
	    .devices_off = h.devices_off,
	    .device_count = h.device_count,
	};
	if ((st = check_binaries(&p)) != MANIFEST_OK ||
	    (st = manifest_check_devices(&p)) != MANIFEST_OK ||
	    (st = check_services(&p)) != MANIFEST_OK ||
	    (st = manifest_check_device_grants(&p)) != MANIFEST_OK)
		return st;
	*out = p.m;
	return MANIFEST_OK;
}

const char *manifest_binary_name(const struct manifest *m, uint32_t i)
{
	struct capos_manifest_binary b;
	if (i >= m->binary_count)
		return NULL;
	read_binary(m, i, &b);
	return manifest_str_at(m, b.name);
}

bool manifest_service(const struct manifest *m, uint32_t i, struct manifest_service *out)
{
	struct capos_manifest_service s;
	if (i >= m->service_count)
		return false;
	manifest_read_service(m, i, &s);
	*out = (struct manifest_service){
	    .name = manifest_str_at(m, s.name),
	    .binary_name = manifest_binary_name(m, s.binary),
	    .binary = s.binary,
	    .is_init = (s.flags & CAPOS_MANIFEST_SVC_INIT) != 0,
	    .first_grant = s.first_grant,
	    .grant_count = s.grant_count,
	    .restarts = s.restarts,
	};
	return true;
}

bool manifest_grant(const struct manifest *m, uint32_t svc, uint32_t i, struct manifest_grant *out)
{
	struct capos_manifest_service s, init;
	struct capos_manifest_grant g, from;
	if (svc >= m->service_count)
		return false;
	manifest_read_service(m, svc, &s);
	if (i >= s.grant_count)
		return false;
	manifest_read_grant(m, s.first_grant + i, &g);
	*out = (struct manifest_grant){
	    .name = manifest_str_at(m, g.name),
	    .iface = g.iface,
	    .iface_name = manifest_iface_name(g.iface),
	    .from = g.from,
	    .from_name = NULL,
	};
	if (g.from != CAPOS_MANIFEST_FROM_NONE) {
		manifest_read_service(m, 0, &init);
		manifest_read_grant(m, init.first_grant + g.from, &from);
		out->from_name = manifest_str_at(m, from.name);
	}
	return true;
}
