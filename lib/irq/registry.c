/* registry: interrupt sources, their states, generations and routes. */
#include "lib/irq/registry.h"

#include "lib/fmt.h"
#include "lib/str.h"

#define STATE_BIT(s) (1u << (s))

void irq_registry_init(struct irq_registry *r)
{
	memset(r, 0, sizeof(*r));
}

/* Copies the fields of src that its kind uses into *out (the rest zero). */
static enum irq_status decode_source(const struct irq_source *src, struct irq_source *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = src->kind;
	switch (src->kind) {
	case IRQ_KIND_IOAPIC:
		out->gsi = src->gsi;
		return IRQ_OK;
	case IRQ_KIND_MSI:
		if (src->index >= IRQ_MSI_MAX_INDEX)
			return IRQ_ERR_INVALID;
		break;
	case IRQ_KIND_MSIX:
		if (src->index >= IRQ_MSIX_MAX_INDEX)
			return IRQ_ERR_INVALID;
		break;
	case IRQ_KIND_IOMMU:
		if (src->index >= IRQ_IOMMU_MAX_UNITS)
			return IRQ_ERR_INVALID;
		out->index = src->index;
		return IRQ_OK;
	default:
		return IRQ_ERR_INVALID;
	}
	/* PCI 3.0 §3.2.2.3.1: 32 devices of 8 functions on a bus. */
	if (src->dev >= 32 || src->fn >= 8)
		return IRQ_ERR_INVALID;
	out->seg = src->seg;
	out->bus = src->bus;
	out->dev = src->dev;
	out->fn = src->fn;
	out->index = src->index;
	return IRQ_OK;
}

static bool same_source(const struct irq_source *a, const struct irq_source *b)
{
	return a->kind == b->kind && a->gsi == b->gsi && a->seg == b->seg && a->bus == b->bus &&
	       a->dev == b->dev && a->fn == b->fn && a->index == b->index;
}

enum irq_status irq_registry_reserve(struct irq_registry *r, const struct irq_source *src,
				     const struct irq_owner *owner, struct irq_handle *out)
{
	struct irq_source s;
	enum irq_status st = decode_source(src, &s);
	if (st != IRQ_OK)
		return st;
	struct irq_entry *slot = NULL;
	for (uint32_t i = 0; i < IRQ_REGISTRY_MAX; i++) {
		struct irq_entry *e = &r->entry[i];
		if (e->state != IRQ_STATE_FREE) {
			if (same_source(&e->src, &s))
				return IRQ_ERR_BUSY;
			continue;
		}
		if (e->retired)
			continue;
		if (e->gen == UINT64_MAX) {
			/* Bumping would wrap and revive every old handle: retire the slot. */
			e->retired = true;
			r->retired++;
			continue;
		}
		if (slot == NULL)
			slot = e;
	}
	if (slot == NULL)
		return IRQ_ERR_NOSPACE;

	uint64_t gen = slot->gen + 1;
	memset(slot, 0, sizeof(*slot));
	slot->gen = gen;
	slot->state = IRQ_STATE_RESERVED;
	slot->src = s;
	if (owner != NULL)
		slot->owner = *owner;
	out->id = (uint32_t)(slot - r->entry);
	out->gen = gen;
	return IRQ_OK;
}

/* Finds the entry h names when its state is one of `allowed` (STATE_BIT mask). */
static enum irq_status decode_handle(struct irq_registry *r, struct irq_handle h, uint32_t allowed,
				     struct irq_entry **out)
{
	if (h.id >= IRQ_REGISTRY_MAX)
		return IRQ_ERR_STALE;
	struct irq_entry *e = &r->entry[h.id];
	if (e->gen != h.gen || e->state == IRQ_STATE_FREE)
		return IRQ_ERR_STALE;
	if ((STATE_BIT(e->state) & allowed) == 0)
		return IRQ_ERR_STATE;
	*out = e;
	return IRQ_OK;
}

static bool attrs_valid(const struct irq_route *rt)
{
	return (rt->trigger == IRQ_TRIGGER_EDGE || rt->trigger == IRQ_TRIGGER_LEVEL) &&
	       (rt->polarity == IRQ_POLARITY_HIGH || rt->polarity == IRQ_POLARITY_LOW);
}

enum irq_status irq_registry_route(struct irq_registry *r, struct irq_handle h,
				   const struct irq_route *rt)
{
	struct irq_entry *e;
	enum irq_status st = decode_handle(r, h, STATE_BIT(IRQ_STATE_RESERVED), &e);
	if (st != IRQ_OK)
		return st;
	if (rt->cpu >= IRQ_VECTOR_MAX_CPUS || !irq_vector_is_device(rt->vector) || !attrs_valid(rt))
		return IRQ_ERR_INVALID;
	if (e->src.kind != IRQ_KIND_IOAPIC &&
	    (rt->trigger != IRQ_TRIGGER_EDGE || rt->polarity != IRQ_POLARITY_HIGH))
		return IRQ_ERR_INVALID;
	uint16_t *holder = &r->holder[rt->cpu][rt->vector - IRQ_VECTOR_DEVICE_FIRST];
	if (*holder != 0)
		return IRQ_ERR_BUSY;

	*holder = (uint16_t)(h.id + 1);
	e->route = *rt;
	e->state = IRQ_STATE_ROUTED_MASKED;
	return IRQ_OK;
}

enum irq_status irq_registry_enable(struct irq_registry *r, struct irq_handle h)
{
	struct irq_entry *e;
	enum irq_status st = decode_handle(r, h, STATE_BIT(IRQ_STATE_ROUTED_MASKED), &e);
	if (st == IRQ_OK)
		e->state = IRQ_STATE_ENABLED;
	return st;
}

enum irq_status irq_registry_mask(struct irq_registry *r, struct irq_handle h)
{
	struct irq_entry *e;
	enum irq_status st = decode_handle(r, h, STATE_BIT(IRQ_STATE_ENABLED), &e);
	if (st == IRQ_OK)
		e->state = IRQ_STATE_ROUTED_MASKED;
	return st;
}

enum irq_status irq_registry_release_begin(struct irq_registry *r, struct irq_handle h)
{
	struct irq_entry *e;
	uint32_t allowed = STATE_BIT(IRQ_STATE_RESERVED) | STATE_BIT(IRQ_STATE_ROUTED_MASKED) |
			   STATE_BIT(IRQ_STATE_ENABLED);
	enum irq_status st = decode_handle(r, h, allowed, &e);
	if (st == IRQ_OK)
		e->state = IRQ_STATE_RELEASED;
	return st;
}

enum irq_status irq_registry_release_finish(struct irq_registry *r, struct irq_handle h,
					    struct irq_route *was)
{
	struct irq_entry *e;
	enum irq_status st = decode_handle(r, h, STATE_BIT(IRQ_STATE_RELEASED), &e);
	if (st != IRQ_OK)
		return st;
	if (was != NULL)
		*was = e->route;
	if (e->route.vector != 0)
		r->holder[e->route.cpu][e->route.vector - IRQ_VECTOR_DEVICE_FIRST] = 0;
	/* The generation stays; the next reserve bumps it, so h is dead from here on. */
	uint64_t gen = e->gen;
	memset(e, 0, sizeof(*e));
	e->gen = gen;
	e->state = IRQ_STATE_FREE;
	if (gen == UINT64_MAX) {
		e->retired = true;
		r->retired++;
	}
	return IRQ_OK;
}

enum irq_status irq_registry_lookup(const struct irq_registry *r, struct irq_handle h,
				    const struct irq_entry **out)
{
	if (h.id >= IRQ_REGISTRY_MAX)
		return IRQ_ERR_STALE;
	const struct irq_entry *e = &r->entry[h.id];
	if (e->gen != h.gen || e->state == IRQ_STATE_FREE || e->state == IRQ_STATE_RELEASED)
		return IRQ_ERR_STALE;
	*out = e;
	return IRQ_OK;
}

struct irq_entry *irq_registry_dispatch(struct irq_registry *r, uint32_t cpu, uint8_t vector)
{
	if (cpu >= IRQ_VECTOR_MAX_CPUS)
		return NULL;
	if (irq_vector_is_device(vector)) {
		uint16_t holder = r->holder[cpu][vector - IRQ_VECTOR_DEVICE_FIRST];
		if (holder != 0) {
			struct irq_entry *e = &r->entry[holder - 1];
			if (e->state == IRQ_STATE_ENABLED) {
				e->count++;
				return e;
			}
			e->spurious++;
		}
	}
	r->cpu_spurious[cpu]++;
	return NULL;
}

static const char *kind_name(enum irq_kind k)
{
	switch (k) {
	case IRQ_KIND_IOAPIC:
		return "ioapic";
	case IRQ_KIND_MSI:
		return "msi";
	case IRQ_KIND_MSIX:
		return "msix";
	case IRQ_KIND_IOMMU:
		return "iommu-fault";
	}
	return "?";
}

static const char *state_name(enum irq_state s)
{
	switch (s) {
	case IRQ_STATE_FREE:
		return "free";
	case IRQ_STATE_RESERVED:
		return "reserved";
	case IRQ_STATE_ROUTED_MASKED:
		return "routed-masked";
	case IRQ_STATE_ENABLED:
		return "enabled";
	case IRQ_STATE_RELEASED:
		return "released";
	}
	return "?";
}

size_t irq_registry_format(const struct irq_registry *r, uint32_t id, char *buf, size_t n)
{
	if (id >= IRQ_REGISTRY_MAX) {
		if (n > 0)
			buf[0] = '\0';
		return 0;
	}
	const struct irq_entry *e = &r->entry[id];
	const struct irq_source *s = &e->src;
	char src[32];
	if (s->kind == IRQ_KIND_IOAPIC)
		fmt_snprintf(src, sizeof(src), "gsi %u", s->gsi);
	else if (s->kind == IRQ_KIND_IOMMU)
		fmt_snprintf(src, sizeof(src), "unit %u", s->index);
	else
		fmt_snprintf(src, sizeof(src), "%04x:%02x:%02x.%x#%u", s->seg, s->bus, s->dev,
			     s->fn, s->index);
	return fmt_snprintf(buf, n,
			    "irq id=%u gen=%llu kind=%s src=%s vector=0x%02x cpu=%u trig=%s "
			    "pol=%s state=%s count=%llu",
			    id, (unsigned long long)e->gen, kind_name(s->kind), src,
			    e->route.vector, e->route.cpu,
			    e->route.trigger == IRQ_TRIGGER_LEVEL ? "level" : "edge",
			    e->route.polarity == IRQ_POLARITY_LOW ? "low" : "high",
			    state_name(e->state), (unsigned long long)e->count);
}

void irq_registry_emit_all(const struct irq_registry *r, void (*emit)(void *ctx, const char *line),
			   void *ctx)
{
	char line[IRQ_LINE_MAX];
	for (uint32_t i = 0; i < IRQ_REGISTRY_MAX; i++) {
		if (r->entry[i].state == IRQ_STATE_FREE)
			continue;
		irq_registry_format(r, i, line, sizeof(line));
		emit(ctx, line);
	}
}

bool irq_lockorder_check(uint32_t held_mask, uint32_t taking)
{
	if (taking >= LOCK_CLASS_MAX)
		return false;
	/* Any held class at or above `taking` (the same class included) inverts the order
	 * or re-enters a lock. */
	return (held_mask >> taking) == 0;
}
