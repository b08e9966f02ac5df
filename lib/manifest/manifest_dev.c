/* manifest_dev: the device records of a boot manifest and the rules of their grants
 * (include/capos/manifest.h, docs/schema.md). */
#include "capos/gen/capos_schema.h"
#include "lib/fmt.h"
#include "lib/manifest/manifest_internal.h"

/* check_match: the fields of the record's match kind are in range and the others 0. */
static enum manifest_status check_match(struct parse *p, uint32_t i, const char *name,
					const struct capos_manifest_device *d)
{
	bool id_zero = d->vendor == 0 && d->device == 0;
	bool class_zero = d->class_len == 0 && d->class_code == 0;
	bool addr_zero = d->seg == 0 && d->bus == 0 && d->dev == 0 && d->fn == 0;
	switch (d->match) {
	case CAPOS_MANIFEST_MATCH_ID:
		if (class_zero && addr_zero)
			return MANIFEST_OK;
		break;
	case CAPOS_MANIFEST_MATCH_CLASS: {
		if (d->class_len < 1 || d->class_len > 3)
			return manifest_fail(
			    p, MANIFEST_E_DEVICE,
			    "device %u (%s) compares %u class code bytes, want 1..3", i, name,
			    d->class_len);
		uint32_t past = (1u << (8u * (3u - d->class_len))) - 1u;
		if ((d->class_code & ~0xffffffu) != 0 || (d->class_code & past) != 0)
			return manifest_fail(p, MANIFEST_E_DEVICE,
					     "device %u (%s) class code 0x%x has bits past its %u "
					     "bytes",
					     i, name, d->class_code, d->class_len);
		if (id_zero && addr_zero)
			return MANIFEST_OK;
		break;
	}
	case CAPOS_MANIFEST_MATCH_ADDR:
		if (d->dev >= 32 || d->fn >= 8)
			return manifest_fail(p, MANIFEST_E_DEVICE,
					     "device %u (%s) at device %u function %u, want < 32, "
					     "< 8",
					     i, name, d->dev, d->fn);
		if (d->nth != 0)
			return manifest_fail(p, MANIFEST_E_DEVICE,
					     "device %u (%s) by address with nth %u: an address "
					     "names one function",
					     i, name, d->nth);
		if (id_zero && class_zero)
			return MANIFEST_OK;
		break;
	default:
		return manifest_fail(p, MANIFEST_E_DEVICE, "device %u (%s) has match kind %u", i,
				     name, d->match);
	}
	return manifest_fail(p, MANIFEST_E_DEVICE,
			     "device %u (%s) sets fields of another match kind than %u", i, name,
			     d->match);
}

/* check_budget: the claim budget within the limits of capos/manifest.h. */
static enum manifest_status check_budget(struct parse *p, uint32_t i, const char *name,
					 const struct capos_manifest_device *d)
{
	const struct {
		const char *what;
		uint64_t value, max;
	} lim[] = {
	    {"pool bytes", d->pool_bytes, CAPOS_MANIFEST_MAX_POOL},
	    {"mmio bytes", d->mmio_bytes, CAPOS_MANIFEST_MAX_MMIO},
	    {"irqs", d->irqs, CAPOS_MANIFEST_MAX_IRQS},
	    {"ring depth", d->ring_depth, CAPOS_MANIFEST_MAX_RING},
	    {"inflight", d->inflight, CAPOS_MANIFEST_MAX_INFLIGHT},
	    {"nth", d->nth, CAPOS_MANIFEST_MAX_NTH},
	};
	for (size_t k = 0; k < sizeof(lim) / sizeof(lim[0]); k++)
		if (lim[k].value > lim[k].max)
			return manifest_fail(p, MANIFEST_E_LIMIT,
					     "device %u (%s) %s %llu, more than %llu", i, name,
					     lim[k].what, (unsigned long long)lim[k].value,
					     (unsigned long long)lim[k].max);
	if (d->dma != CAPOS_MANIFEST_DMA_IOMMU && d->dma != CAPOS_MANIFEST_DMA_UNCONFINED)
		return manifest_fail(p, MANIFEST_E_DEVICE, "device %u (%s) has DMA policy %u", i,
				     name, d->dma);
	return MANIFEST_OK;
}

enum manifest_status manifest_check_devices(struct parse *p)
{
	const struct manifest *m = &p->m;
	struct capos_manifest_device d, o;
	char what[32];
	enum manifest_status st;
	for (uint32_t i = 0; i < m->device_count; i++) {
		manifest_read_device(m, i, &d);
		fmt_snprintf(what, sizeof(what), "device %u", i);
		if ((st = manifest_check_name(p, what, d.name)) != MANIFEST_OK)
			return st;
		const char *name = manifest_str_at(m, d.name);
		if (d.reserved0 != 0 || d.reserved1 != 0 || d.reserved2 != 0 || d.reserved3 != 0)
			return manifest_fail(p, MANIFEST_E_HEADER,
					     "device %u (%s) reserved field is not zero", i, name);
		for (uint32_t j = 0; j < i; j++) {
			manifest_read_device(m, j, &o);
			if (strcmp(manifest_str_at(m, o.name), name) == 0)
				return manifest_fail(p, MANIFEST_E_DUPLICATE,
						     "devices %u and %u are both '%s'", j, i, name);
		}
		if ((st = check_match(p, i, name, &d)) != MANIFEST_OK ||
		    (st = check_budget(p, i, name, &d)) != MANIFEST_OK)
			return st;
	}
	return MANIFEST_OK;
}

enum manifest_status manifest_check_device_grants(struct parse *p)
{
	const struct manifest *m = &p->m;
	struct capos_manifest_service init, s;
	struct capos_manifest_grant g;
	struct capos_manifest_device d;
	uint32_t index;
	uint16_t fed[CAPOS_MANIFEST_MAX_SERVICE_GRANTS]; /* the service each DeviceSlot feeds */

	manifest_read_service(m, 0, &init);
	for (uint32_t k = 0; k < init.grant_count; k++) {
		fed[k] = 0;
		manifest_read_grant(m, init.first_grant + k, &g);
		if (g.iface == CAPOS_IFACE_DEVICE_SLOT &&
		    !manifest_device_find(m, manifest_str_at(m, g.name), &index))
			return manifest_fail(p, MANIFEST_E_REF,
					     "init's DeviceSlot '%s' names no device",
					     manifest_str_at(m, g.name));
	}
	for (uint32_t i = 0; i < m->device_count; i++) {
		bool granted = false;
		manifest_read_device(m, i, &d);
		const char *name = manifest_str_at(m, d.name);
		for (uint32_t k = 0; k < init.grant_count && !granted; k++) {
			manifest_read_grant(m, init.first_grant + k, &g);
			granted = g.iface == CAPOS_IFACE_DEVICE_SLOT &&
				  strcmp(manifest_str_at(m, g.name), name) == 0;
		}
		if (!granted)
			return manifest_fail(
			    p, MANIFEST_E_REF,
			    "device %u (%s) is not granted to init (as %s:DeviceSlot)", i, name,
			    name);
	}
	for (uint32_t svc = 1; svc < m->service_count; svc++) {
		manifest_read_service(m, svc, &s);
		for (uint32_t j = s.first_grant; j < s.first_grant + s.grant_count; j++) {
			manifest_read_grant(m, j, &g);
			if (g.iface != CAPOS_IFACE_DEVICE)
				continue;
			if (fed[g.from] != 0) {
				struct capos_manifest_grant slot;
				manifest_read_grant(m, init.first_grant + g.from, &slot);
				return manifest_fail(p, MANIFEST_E_DEVICE,
						     "init's DeviceSlot '%s' feeds services %u and "
						     "%u (%s): device authority is exclusive",
						     manifest_str_at(m, slot.name), fed[g.from],
						     svc, manifest_str_at(m, s.name));
			}
			fed[g.from] = (uint16_t)svc;
		}
	}
	return MANIFEST_OK;
}

bool manifest_device(const struct manifest *m, uint32_t i, struct manifest_device *out)
{
	struct capos_manifest_device d;
	if (i >= m->device_count)
		return false;
	manifest_read_device(m, i, &d);
	*out = (struct manifest_device){
	    .name = manifest_str_at(m, d.name),
	    .match = d.match,
	    .class_len = d.class_len,
	    .unconfined = d.dma == CAPOS_MANIFEST_DMA_UNCONFINED,
	    .vendor = d.vendor,
	    .device = d.device,
	    .class_code = d.class_code,
	    .seg = d.seg,
	    .bus = d.bus,
	    .dev = d.dev,
	    .fn = d.fn,
	    .nth = d.nth,
	    .pool_bytes = d.pool_bytes,
	    .mmio_bytes = d.mmio_bytes,
	    .irqs = d.irqs,
	    .ring_depth = d.ring_depth,
	    .inflight = d.inflight,
	};
	return true;
}

bool manifest_device_find(const struct manifest *m, const char *name, uint32_t *index)
{
	struct capos_manifest_device d;
	for (uint32_t i = 0; i < m->device_count; i++) {
		manifest_read_device(m, i, &d);
		if (strcmp(manifest_str_at(m, d.name), name) == 0) {
			*index = i;
			return true;
		}
	}
	return false;
}
