/* test_irq_registry: the interrupt-source registry: the lifecycle, every illegal
 * transition from every state (refused, nothing changed), stale handles after release
 * and after reuse, generation exhaustion retiring a slot, duplicate sources and
 * (cpu, vector) pairs, capacity, dispatch and spurious counting, the `irq` line, and the
 * lock-order helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/irq/registry.h"

static struct irq_registry reg, before; /* large: kept out of the stack */

static int setup(void **state)
{
	(void)state;
	irq_registry_init(&reg);
	return 0;
}

static struct irq_source gsi_src(uint32_t gsi)
{
	struct irq_source s = {.kind = IRQ_KIND_IOAPIC, .gsi = gsi};
	return s;
}

static struct irq_source pci_src(enum irq_kind k, uint8_t bus, uint8_t dev, uint16_t index)
{
	struct irq_source s = {.kind = k, .bus = bus, .dev = dev, .index = index};
	return s;
}

static const struct irq_route edge30 = {0, 0x30, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH};

static struct irq_handle reserve_ok(struct irq_source s)
{
	struct irq_handle h = {0, 0};
	assert_int_equal(irq_registry_reserve(&reg, &s, NULL, &h), IRQ_OK);
	assert_int_not_equal(h.gen, 0);
	return h;
}

static enum irq_state state_of(struct irq_handle h)
{
	return reg.entry[h.id].state;
}

/* The operations, by number, so every one can be tried from every state. */
enum op { OP_ROUTE, OP_ENABLE, OP_MASK, OP_RELEASE_BEGIN, OP_RELEASE_FINISH, OP_COUNT };

static enum irq_status do_op(enum op op, struct irq_handle h)
{
	struct irq_route was;
	switch (op) {
	case OP_ROUTE:
		return irq_registry_route(&reg, h, &edge30);
	case OP_ENABLE:
		return irq_registry_enable(&reg, h);
	case OP_MASK:
		return irq_registry_mask(&reg, h);
	case OP_RELEASE_BEGIN:
		return irq_registry_release_begin(&reg, h);
	case OP_RELEASE_FINISH:
		return irq_registry_release_finish(&reg, h, &was);
	case OP_COUNT:
		break;
	}
	return IRQ_ERR_INVALID;
}

/* A source in state s (not FREE), through legal transitions only. */
static struct irq_handle bring_to(enum irq_state s)
{
	struct irq_handle h = reserve_ok(gsi_src(9));
	if (s == IRQ_STATE_ROUTED_MASKED || s == IRQ_STATE_ENABLED)
		assert_int_equal(do_op(OP_ROUTE, h), IRQ_OK);
	if (s == IRQ_STATE_ENABLED)
		assert_int_equal(do_op(OP_ENABLE, h), IRQ_OK);
	if (s == IRQ_STATE_RELEASED)
		assert_int_equal(do_op(OP_RELEASE_BEGIN, h), IRQ_OK);
	assert_int_equal(state_of(h), s);
	return h;
}

static void test_lifecycle(void **state)
{
	const struct irq_entry *e = NULL;
	struct irq_route was;
	(void)state;

	struct irq_handle h = reserve_ok(gsi_src(9));
	assert_int_equal(h.id, 0);
	assert_int_equal(h.gen, 1);
	assert_int_equal(irq_registry_lookup(&reg, h, &e), IRQ_OK);
	assert_int_equal(e->state, IRQ_STATE_RESERVED);
	assert_int_equal(e->src.gsi, 9);

	struct irq_route rt = {1, 0x41, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_LOW};
	assert_int_equal(irq_registry_route(&reg, h, &rt), IRQ_OK);
	assert_int_equal(e->state, IRQ_STATE_ROUTED_MASKED);
	assert_int_equal(e->route.cpu, 1);
	assert_int_equal(e->route.vector, 0x41);
	assert_int_equal(e->route.trigger, IRQ_TRIGGER_LEVEL);
	assert_int_equal(e->route.polarity, IRQ_POLARITY_LOW);
	assert_int_equal(irq_registry_enable(&reg, h), IRQ_OK);
	assert_int_equal(e->state, IRQ_STATE_ENABLED);
	assert_int_equal(irq_registry_mask(&reg, h), IRQ_OK);
	assert_int_equal(irq_registry_enable(&reg, h), IRQ_OK);
	assert_int_equal(irq_registry_release_begin(&reg, h), IRQ_OK);
	assert_int_equal(reg.entry[0].state, IRQ_STATE_RELEASED);
	assert_int_equal(irq_registry_release_finish(&reg, h, &was), IRQ_OK);
	assert_int_equal(was.cpu, 1);
	assert_int_equal(was.vector, 0x41);
	assert_int_equal(reg.entry[0].state, IRQ_STATE_FREE);
	assert_int_equal(reg.entry[0].gen, 1);
	assert_int_equal(reg.holder[1][0x41 - 0x30], 0);

	/* Released without ever being routed: no vector to give back. */
	h = reserve_ok(gsi_src(9));
	assert_int_equal(h.gen, 2);
	assert_int_equal(irq_registry_release_begin(&reg, h), IRQ_OK);
	assert_int_equal(irq_registry_release_finish(&reg, h, &was), IRQ_OK);
	assert_int_equal(was.vector, 0);
	assert_int_equal(irq_registry_release_begin(&reg, reserve_ok(gsi_src(9))), IRQ_OK);
	assert_int_equal(irq_registry_release_finish(&reg, (struct irq_handle){0, 3}, NULL),
			 IRQ_OK);
}

static void test_illegal_transitions(void **state)
{
	/* legal[state][op] */
	static const bool legal[5][OP_COUNT] = {
	    [IRQ_STATE_RESERVED] = {[OP_ROUTE] = true, [OP_RELEASE_BEGIN] = true},
	    [IRQ_STATE_ROUTED_MASKED] = {[OP_ENABLE] = true, [OP_RELEASE_BEGIN] = true},
	    [IRQ_STATE_ENABLED] = {[OP_MASK] = true, [OP_RELEASE_BEGIN] = true},
	    [IRQ_STATE_RELEASED] = {[OP_RELEASE_FINISH] = true},
	};
	(void)state;

	for (int s = IRQ_STATE_RESERVED; s <= IRQ_STATE_RELEASED; s++) {
		for (int op = 0; op < OP_COUNT; op++) {
			setup(NULL);
			struct irq_handle h = bring_to((enum irq_state)s);
			memcpy(&before, &reg, sizeof(reg));
			enum irq_status st = do_op((enum op)op, h);
			if (legal[s][op]) {
				assert_int_equal(st, IRQ_OK);
				continue;
			}
			assert_int_equal(st, IRQ_ERR_STATE);
			assert_memory_equal(&before, &reg, sizeof(reg));
		}
	}

	/* From FREE (the handle of a finished release) every operation is stale. */
	setup(NULL);
	struct irq_handle h = bring_to(IRQ_STATE_RELEASED);
	assert_int_equal(do_op(OP_RELEASE_FINISH, h), IRQ_OK);
	memcpy(&before, &reg, sizeof(reg));
	for (int op = 0; op < OP_COUNT; op++)
		assert_int_equal(do_op((enum op)op, h), IRQ_ERR_STALE);
	assert_memory_equal(&before, &reg, sizeof(reg));
}

static void test_route_refused(void **state)
{
	(void)state;
	struct irq_handle h = reserve_ok(gsi_src(9));
	struct irq_handle m = reserve_ok(pci_src(IRQ_KIND_MSIX, 0, 3, 0));
	static const struct irq_route bad[] = {
	    {0, 0x2f, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH},
	    {0, 0xf0, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH},
	    {0, 0xff, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH},
	    {IRQ_VECTOR_MAX_CPUS, 0x30, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH},
	    {0, 0x30, (enum irq_trigger)3, IRQ_POLARITY_HIGH},
	    {0, 0x30, IRQ_TRIGGER_EDGE, (enum irq_polarity)3},
	};
	memcpy(&before, &reg, sizeof(reg));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(irq_registry_route(&reg, h, &bad[i]), IRQ_ERR_INVALID);
		assert_int_equal(irq_registry_route(&reg, m, &bad[i]), IRQ_ERR_INVALID);
	}
	/* A message is edge triggered, active high. */
	struct irq_route level = {0, 0x30, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_HIGH};
	struct irq_route low = {0, 0x30, IRQ_TRIGGER_EDGE, IRQ_POLARITY_LOW};
	assert_int_equal(irq_registry_route(&reg, m, &level), IRQ_ERR_INVALID);
	assert_int_equal(irq_registry_route(&reg, m, &low), IRQ_ERR_INVALID);
	assert_memory_equal(&before, &reg, sizeof(reg));

	/* (cpu, vector) held by one source only, until its release finishes. */
	assert_int_equal(irq_registry_route(&reg, h, &edge30), IRQ_OK);
	memcpy(&before, &reg, sizeof(reg));
	assert_int_equal(irq_registry_route(&reg, m, &edge30), IRQ_ERR_BUSY);
	assert_memory_equal(&before, &reg, sizeof(reg));
	struct irq_route other_cpu = {1, 0x30, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH};
	assert_int_equal(irq_registry_release_begin(&reg, h), IRQ_OK);
	assert_int_equal(irq_registry_route(&reg, m, &edge30), IRQ_ERR_BUSY);
	assert_int_equal(irq_registry_release_finish(&reg, h, NULL), IRQ_OK);
	assert_int_equal(irq_registry_route(&reg, m, &edge30), IRQ_OK);
	struct irq_handle h2 = reserve_ok(gsi_src(9));
	assert_int_equal(irq_registry_route(&reg, h2, &other_cpu), IRQ_OK);
}

static void test_sources(void **state)
{
	struct irq_handle h;
	(void)state;

	static const struct irq_source bad[] = {
	    {.kind = IRQ_KIND_MSI, .dev = 32},
	    {.kind = IRQ_KIND_MSIX, .fn = 8},
	    {.kind = IRQ_KIND_MSI, .index = IRQ_MSI_MAX_INDEX},
	    {.kind = IRQ_KIND_MSIX, .index = IRQ_MSIX_MAX_INDEX},
	    {.kind = (enum irq_kind)7},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(irq_registry_reserve(&reg, &bad[i], NULL, &h), IRQ_ERR_INVALID);

	struct irq_source s = gsi_src(4);
	struct irq_owner owner = {NULL, &reg, 0xabcdef};
	struct irq_handle a = reserve_ok(s);
	memcpy(&before, &reg, sizeof(reg));
	/* Fields another kind uses do not make a new source. */
	s.bus = 3;
	assert_int_equal(irq_registry_reserve(&reg, &s, &owner, &h), IRQ_ERR_BUSY);
	assert_memory_equal(&before, &reg, sizeof(reg));

	struct irq_source x = pci_src(IRQ_KIND_MSIX, 1, 2, 5);
	x.gsi = 99;
	struct irq_handle b;
	assert_int_equal(irq_registry_reserve(&reg, &x, &owner, &b), IRQ_OK);
	assert_int_equal(reg.entry[b.id].src.gsi, 0);
	assert_ptr_equal(reg.entry[b.id].owner.ctx, &reg);
	assert_int_equal(reg.entry[b.id].owner.token, 0xabcdef);
	assert_int_equal(irq_registry_reserve(&reg, &x, NULL, &h), IRQ_ERR_BUSY);
	x.index = 6;
	reserve_ok(x);
	x.kind = IRQ_KIND_MSI;
	x.index = 5;
	reserve_ok(x); /* MSI and MSI-X entry 5 are different sources */

	/* Still the one record while RELEASED; free again once finished. */
	assert_int_equal(irq_registry_release_begin(&reg, a), IRQ_OK);
	s = gsi_src(4);
	assert_int_equal(irq_registry_reserve(&reg, &s, NULL, &h), IRQ_ERR_BUSY);
	assert_int_equal(irq_registry_release_finish(&reg, a, NULL), IRQ_OK);
	h = reserve_ok(s);
	assert_int_equal(h.id, a.id);
	assert_int_equal(h.gen, a.gen + 1);
}

static void test_capacity(void **state)
{
	struct irq_handle h;
	(void)state;

	for (uint32_t i = 0; i < IRQ_REGISTRY_MAX; i++)
		assert_int_equal(reserve_ok(gsi_src(i)).id, i);
	struct irq_source s = gsi_src(1000);
	memcpy(&before, &reg, sizeof(reg));
	assert_int_equal(irq_registry_reserve(&reg, &s, NULL, &h), IRQ_ERR_NOSPACE);
	assert_memory_equal(&before, &reg, sizeof(reg));
}

static void test_generations(void **state)
{
	const struct irq_entry *e;
	(void)state;

	struct irq_handle h = reserve_ok(gsi_src(9));
	assert_int_equal(irq_registry_lookup(&reg, (struct irq_handle){h.id, 0}, &e),
			 IRQ_ERR_STALE);
	assert_int_equal(irq_registry_lookup(&reg, (struct irq_handle){h.id, h.gen + 1}, &e),
			 IRQ_ERR_STALE);
	assert_int_equal(irq_registry_lookup(&reg, (struct irq_handle){IRQ_REGISTRY_MAX, 1}, &e),
			 IRQ_ERR_STALE);
	assert_int_equal(irq_registry_lookup(&reg, (struct irq_handle){UINT32_MAX, 1}, &e),
			 IRQ_ERR_STALE);
	assert_int_equal(irq_registry_lookup(&reg, (struct irq_handle){1, 0}, &e), IRQ_ERR_STALE);
	assert_int_equal(irq_registry_enable(&reg, (struct irq_handle){IRQ_REGISTRY_MAX, 1}),
			 IRQ_ERR_STALE);

	/* Stale after release_begin (for lookup), after finish, and after reuse. */
	assert_int_equal(irq_registry_route(&reg, h, &edge30), IRQ_OK);
	assert_int_equal(irq_registry_release_begin(&reg, h), IRQ_OK);
	assert_int_equal(irq_registry_lookup(&reg, h, &e), IRQ_ERR_STALE);
	assert_int_equal(irq_registry_release_finish(&reg, h, NULL), IRQ_OK);
	assert_int_equal(irq_registry_lookup(&reg, h, &e), IRQ_ERR_STALE);
	struct irq_handle n = reserve_ok(gsi_src(9));
	assert_int_equal(n.id, h.id);
	assert_int_equal(n.gen, h.gen + 1);
	memcpy(&before, &reg, sizeof(reg));
	assert_int_equal(irq_registry_lookup(&reg, h, &e), IRQ_ERR_STALE);
	for (int op = 0; op < OP_COUNT; op++)
		assert_int_equal(do_op((enum op)op, h), IRQ_ERR_STALE);
	assert_memory_equal(&before, &reg, sizeof(reg));
	assert_int_equal(irq_registry_lookup(&reg, n, &e), IRQ_OK);
}

static void test_generation_exhausted(void **state)
{
	struct irq_handle h;
	(void)state;

	/* Slot 0 one use short of the end: it serves once more, then retires. */
	reg.entry[0].gen = UINT64_MAX - 1;
	h = reserve_ok(gsi_src(1));
	assert_int_equal(h.id, 0);
	assert_true(h.gen == UINT64_MAX);
	assert_int_equal(irq_registry_release_begin(&reg, h), IRQ_OK);
	assert_int_equal(irq_registry_release_finish(&reg, h, NULL), IRQ_OK);
	assert_true(reg.entry[0].retired);
	assert_int_equal(reg.retired, 1);
	h = reserve_ok(gsi_src(1));
	assert_int_equal(h.id, 1);
	assert_int_equal(h.gen, 1);
	/* The old maximal handle never works again. */
	assert_int_equal(irq_registry_enable(&reg, (struct irq_handle){0, UINT64_MAX}),
			 IRQ_ERR_STALE);

	/* A FREE slot already at the maximum is retired when reserve meets it. */
	reg.entry[2].gen = UINT64_MAX;
	h = reserve_ok(gsi_src(2));
	assert_int_equal(h.id, 3);
	assert_true(reg.entry[2].retired);
	assert_int_equal(reg.retired, 2);

	/* Every other slot at the end of its generations: nothing left to reserve. */
	for (uint32_t i = 4; i < IRQ_REGISTRY_MAX; i++)
		reg.entry[i].gen = UINT64_MAX;
	struct irq_source s = gsi_src(3);
	assert_int_equal(irq_registry_reserve(&reg, &s, NULL, &h), IRQ_ERR_NOSPACE);
	assert_int_equal(reg.retired, IRQ_REGISTRY_MAX - 2);
}

static int notified;

static void owner_fn(void *ctx, uint64_t token)
{
	assert_ptr_equal(ctx, &reg);
	assert_int_equal(token, 42);
	notified++;
}

static void test_dispatch(void **state)
{
	struct irq_owner owner = {owner_fn, &reg, 42};
	struct irq_source s = pci_src(IRQ_KIND_MSI, 0, 4, 0);
	struct irq_handle h;
	struct irq_route rt = {2, 0x50, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH};
	(void)state;

	assert_int_equal(irq_registry_reserve(&reg, &s, &owner, &h), IRQ_OK);
	assert_null(irq_registry_dispatch(&reg, 2, 0x50)); /* reserved, not routed */
	assert_int_equal(reg.cpu_spurious[2], 1);
	assert_int_equal(irq_registry_route(&reg, h, &rt), IRQ_OK);
	assert_null(irq_registry_dispatch(&reg, 2, 0x50)); /* masked */
	assert_int_equal(reg.entry[h.id].spurious, 1);
	assert_int_equal(reg.cpu_spurious[2], 2);
	assert_int_equal(irq_registry_enable(&reg, h), IRQ_OK);
	for (int i = 0; i < 3; i++) {
		struct irq_entry *e = irq_registry_dispatch(&reg, 2, 0x50);
		assert_ptr_equal(e, &reg.entry[h.id]);
		e->owner.fn(e->owner.ctx, e->owner.token);
	}
	assert_int_equal(notified, 3);
	assert_int_equal(reg.entry[h.id].count, 3);
	assert_int_equal(reg.cpu_spurious[2], 2);

	assert_null(irq_registry_dispatch(&reg, 1, 0x50)); /* other CPU */
	assert_int_equal(reg.cpu_spurious[1], 1);
	assert_null(irq_registry_dispatch(&reg, 2, 0x20)); /* outside the pool */
	assert_null(irq_registry_dispatch(&reg, 2, 0xff));
	assert_int_equal(reg.cpu_spurious[2], 4);
	memcpy(&before, &reg, sizeof(reg));
	assert_null(irq_registry_dispatch(&reg, IRQ_VECTOR_MAX_CPUS, 0x50));
	assert_memory_equal(&before, &reg, sizeof(reg));

	/* A late arrival between release_begin and release_finish. */
	assert_int_equal(irq_registry_release_begin(&reg, h), IRQ_OK);
	assert_null(irq_registry_dispatch(&reg, 2, 0x50));
	assert_int_equal(reg.entry[h.id].spurious, 2);
	assert_int_equal(reg.entry[h.id].count, 3);
	assert_int_equal(irq_registry_release_finish(&reg, h, NULL), IRQ_OK);
	assert_null(irq_registry_dispatch(&reg, 2, 0x50));
	assert_int_equal(reg.cpu_spurious[2], 6);
}

static void test_format(void **state)
{
	char buf[IRQ_LINE_MAX];
	struct irq_route lvl = {0, 0x30, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_LOW};
	struct irq_route msg = {1, 0xef, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH};
	(void)state;

	struct irq_handle a = reserve_ok(gsi_src(9));
	assert_int_equal(irq_registry_route(&reg, a, &lvl), IRQ_OK);
	assert_int_equal(irq_registry_enable(&reg, a), IRQ_OK);
	irq_registry_dispatch(&reg, 0, 0x30);
	irq_registry_dispatch(&reg, 0, 0x30);
	const char *want_a = "irq id=0 gen=1 kind=ioapic src=gsi 9 vector=0x30 cpu=0 trig=level "
			     "pol=low state=enabled count=2";
	assert_int_equal(irq_registry_format(&reg, 0, buf, sizeof(buf)), strlen(want_a));
	assert_string_equal(buf, want_a);

	struct irq_source s = {
	    .kind = IRQ_KIND_MSIX, .seg = 1, .bus = 0xab, .dev = 0x1f, .fn = 7, .index = 2047};
	struct irq_handle b;
	assert_int_equal(irq_registry_reserve(&reg, &s, NULL, &b), IRQ_OK);
	assert_int_equal(irq_registry_route(&reg, b, &msg), IRQ_OK);
	assert_int_equal(irq_registry_format(&reg, 1, buf, sizeof(buf)),
			 strlen("irq id=1 gen=1 kind=msix src=0001:ab:1f.7#2047 vector=0xef cpu=1 "
				"trig=edge pol=high state=routed-masked count=0"));
	assert_string_equal(buf, "irq id=1 gen=1 kind=msix src=0001:ab:1f.7#2047 vector=0xef "
				 "cpu=1 trig=edge pol=high state=routed-masked count=0");

	struct irq_handle c = reserve_ok(pci_src(IRQ_KIND_MSI, 0, 3, 0));
	irq_registry_format(&reg, c.id, buf, sizeof(buf));
	assert_string_equal(buf, "irq id=2 gen=1 kind=msi src=0000:00:03.0#0 vector=0x00 cpu=0 "
				 "trig=edge pol=high state=reserved count=0");
	assert_int_equal(irq_registry_release_begin(&reg, c), IRQ_OK);
	irq_registry_format(&reg, c.id, buf, sizeof(buf));
	assert_non_null(strstr(buf, " state=released count=0"));
	assert_int_equal(irq_registry_release_finish(&reg, c, NULL), IRQ_OK);
	irq_registry_format(&reg, c.id, buf, sizeof(buf));
	assert_string_equal(buf, "irq id=2 gen=1 kind=ioapic src=gsi 0 vector=0x00 cpu=0 "
				 "trig=edge pol=high state=free count=0");

	/* Truncation reports the full length; an unknown id gives nothing. */
	assert_int_equal(irq_registry_format(&reg, 0, buf, 10), strlen(want_a));
	assert_string_equal(buf, "irq id=0 ");
	assert_int_equal(irq_registry_format(&reg, IRQ_REGISTRY_MAX, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");

	/* The longest line fits IRQ_LINE_MAX. */
	reg.entry[255].gen = UINT64_MAX;
	reg.entry[255].count = UINT64_MAX;
	reg.entry[255].state = IRQ_STATE_ROUTED_MASKED;
	reg.entry[255].src = s;
	reg.entry[255].src.seg = 0xffff;
	reg.entry[255].src.bus = 0xff;
	reg.entry[255].route.cpu = IRQ_VECTOR_MAX_CPUS - 1;
	assert_true(irq_registry_format(&reg, 255, buf, sizeof(buf)) < IRQ_LINE_MAX);
}

struct lines {
	int n;
	char line[4][IRQ_LINE_MAX];
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	assert_true(l->n < 4);
	strcpy(l->line[l->n++], line);
}

/* An IOMMU unit's fault event: its own kind, keyed by the unit, edge-triggered
 * like any message; a unit index beyond the bound and level routes are refused. */
static void test_iommu_source(void **state)
{
	char buf[IRQ_LINE_MAX];
	struct irq_route msg = {0, 0x41, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH};
	struct irq_route lvl = {0, 0x42, IRQ_TRIGGER_LEVEL, IRQ_POLARITY_HIGH};
	struct irq_source s = {.kind = IRQ_KIND_IOMMU, .index = 1, .bus = 7, .gsi = 9};
	struct irq_source bad = {.kind = IRQ_KIND_IOMMU, .index = IRQ_IOMMU_MAX_UNITS};
	struct irq_handle h, x;
	(void)state;
	assert_int_equal(irq_registry_reserve(&reg, &bad, NULL, &x), IRQ_ERR_INVALID);
	assert_int_equal(irq_registry_reserve(&reg, &s, NULL, &h), IRQ_OK);
	assert_int_equal(irq_registry_route(&reg, h, &lvl), IRQ_ERR_INVALID);
	assert_int_equal(irq_registry_route(&reg, h, &msg), IRQ_OK);
	irq_registry_format(&reg, h.id, buf, sizeof(buf));
	/* The fields the kind does not use were not kept. */
	assert_string_equal(buf, "irq id=0 gen=1 kind=iommu-fault src=unit 1 vector=0x41 cpu=0 "
				 "trig=edge pol=high state=routed-masked count=0");
	/* The same unit twice is one source: refused as busy. */
	assert_int_equal(irq_registry_reserve(&reg, &s, NULL, &x), IRQ_ERR_BUSY);
}

static void test_emit_all(void **state)
{
	struct lines out = {0};
	(void)state;

	reserve_ok(gsi_src(1));
	struct irq_handle b = reserve_ok(gsi_src(2));
	reserve_ok(gsi_src(3));
	assert_int_equal(irq_registry_release_begin(&reg, b), IRQ_OK);
	assert_int_equal(irq_registry_release_finish(&reg, b, NULL), IRQ_OK);
	irq_registry_emit_all(&reg, collect, &out);
	assert_int_equal(out.n, 2);
	assert_non_null(strstr(out.line[0], "irq id=0 gen=1 kind=ioapic src=gsi 1 "));
	assert_non_null(strstr(out.line[1], "irq id=2 gen=1 kind=ioapic src=gsi 3 "));
}

static void test_lockorder(void **state)
{
	const uint32_t dm = 1u << LOCK_CLASS_DEVMGR, routes = 1u << LOCK_CLASS_IRQ_ROUTES;
	(void)state;

	assert_true(irq_lockorder_check(0, LOCK_CLASS_DEVMGR));
	assert_true(irq_lockorder_check(0, LOCK_CLASS_IRQ_ROUTES));
	assert_true(irq_lockorder_check(dm, LOCK_CLASS_IRQ_ROUTES));
	assert_false(irq_lockorder_check(routes, LOCK_CLASS_DEVMGR)); /* inverted */
	assert_false(irq_lockorder_check(dm, LOCK_CLASS_DEVMGR));     /* re-entered */
	assert_false(irq_lockorder_check(routes, LOCK_CLASS_IRQ_ROUTES));
	assert_false(irq_lockorder_check(dm | routes, LOCK_CLASS_DEVMGR));
	assert_true(irq_lockorder_check(dm | routes, 2));
	assert_false(irq_lockorder_check(1u << 5, 3));
	assert_true(irq_lockorder_check(1u << 30, 31));
	assert_false(irq_lockorder_check(1u << 31, 31));
	assert_false(irq_lockorder_check(0, LOCK_CLASS_MAX));
	assert_false(irq_lockorder_check(0, UINT32_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_lifecycle, setup),
	    cmocka_unit_test_setup(test_illegal_transitions, setup),
	    cmocka_unit_test_setup(test_route_refused, setup),
	    cmocka_unit_test_setup(test_sources, setup),
	    cmocka_unit_test_setup(test_capacity, setup),
	    cmocka_unit_test_setup(test_generations, setup),
	    cmocka_unit_test_setup(test_generation_exhausted, setup),
	    cmocka_unit_test_setup(test_dispatch, setup),
	    cmocka_unit_test_setup(test_format, setup),
	    cmocka_unit_test_setup(test_iommu_source, setup),
	    cmocka_unit_test_setup(test_emit_all, setup),
	    cmocka_unit_test_setup(test_lockorder, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
