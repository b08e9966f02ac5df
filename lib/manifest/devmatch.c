/* devmatch: device declarations to PCI functions (lib/manifest/devmatch.h). */
#include "lib/manifest/devmatch.h"

#include <stdarg.h>

#include "lib/fmt.h"

bool devmatch_matches(const struct manifest_device *d, const struct devmatch_fn *f)
{
	if (f->is_bridge)
		return false;
	switch (d->match) {
	case CAPOS_MANIFEST_MATCH_ID:
		return f->vendor == d->vendor && f->device == d->device;
	case CAPOS_MANIFEST_MATCH_CLASS: {
		if (d->class_len < 1 || d->class_len > 3)
			return false;
		unsigned shift = 8u * (3u - d->class_len);
		return ((f->class24 & 0xffffffu) >> shift) == (d->class_code >> shift);
	}
	case CAPOS_MANIFEST_MATCH_ADDR:
		return f->seg == d->seg && f->bus == d->bus && f->dev == d->dev && f->fn == d->fn;
	default:
		return false;
	}
}

void devmatch_describe(const struct manifest_device *d, char *buf, size_t len)
{
	switch (d->match) {
	case CAPOS_MANIFEST_MATCH_ID:
		fmt_snprintf(buf, len, "%04x:%04x #%u", d->vendor, d->device, d->nth);
		break;
	case CAPOS_MANIFEST_MATCH_CLASS: {
		unsigned n = d->class_len >= 1 && d->class_len <= 3 ? d->class_len : 3;
		fmt_snprintf(buf, len, "class:%0*x #%u", (int)(2 * n),
			     d->class_code >> (8u * (3u - n)), d->nth);
		break;
	}
	case CAPOS_MANIFEST_MATCH_ADDR:
		fmt_snprintf(buf, len, "addr:%04x:%02x:%02x.%u", d->seg, d->bus, d->dev, d->fn);
		break;
	default:
		fmt_snprintf(buf, len, "match kind %u", d->match);
		break;
	}
}

static enum devmatch_status fail(char *why, size_t why_len, enum devmatch_status st,
				 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum devmatch_status fail(char *why, size_t why_len, enum devmatch_status st,
				 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return st;
}

enum devmatch_status devmatch_resolve(const struct manifest *m, const struct devmatch_fn *fns,
				      size_t nfns, uint32_t *out, size_t out_len, char *why,
				      size_t why_len)
{
	struct manifest_device d, o;
	char desc[40], odesc[40];
	if (why_len > 0)
		why[0] = '\0';
	if (out_len < m->device_count)
		return fail(why, why_len, DEVMATCH_E_ROOM,
			    "manifest: %u devices, room for %zu resolutions", m->device_count,
			    out_len);
	for (uint32_t i = 0; i < m->device_count; i++) {
		manifest_device(m, i, &d);
		uint32_t seen = 0;
		size_t k;
		for (k = 0; k < nfns; k++)
			if (devmatch_matches(&d, &fns[k]) && seen++ == d.nth)
				break;
		devmatch_describe(&d, desc, sizeof(desc));
		if (k == nfns)
			return fail(why, why_len, DEVMATCH_E_NONE,
				    "manifest: device '%s' (%s) matches no function", d.name, desc);
		out[i] = (uint32_t)k;
		for (uint32_t j = 0; j < i; j++) {
			if (out[j] != k)
				continue;
			manifest_device(m, j, &o);
			devmatch_describe(&o, odesc, sizeof(odesc));
			const struct devmatch_fn *f = &fns[k];
			return fail(why, why_len, DEVMATCH_E_SHARED,
				    "manifest: devices '%s' (%s) and '%s' (%s) both name "
				    "%04x:%02x:%02x.%u",
				    o.name, odesc, d.name, desc, f->seg, f->bus, f->dev, f->fn);
		}
	}
	return DEVMATCH_OK;
}
