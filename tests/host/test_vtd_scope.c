/* test_vtd_scope: resolving DMAR device scopes to bus:dev.fn (VT-d rev 5.10 §8.3.1) over
 * a fake PCI topology, hostile scopes and topologies, and finding the unit that
 * translates a function (§8.3, INCLUDE_PCI_ALL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw/acpi.h"
#include "lib/acpi/dmar.h"
#include "lib/iommu/vtd_scope.h"

/* One PCI function; sec == 0 means not a bridge. */
struct fn {
	uint8_t bus, dev, fn, sec, sub;
};

/* Segment 0, like the spec's figure 8-1 with a switch behind a root port, plus functions
 * that break PCI's numbering rules. */
static const struct fn topo[] = {
    {0, 0x02, 0, 0, 0},	   /* integrated endpoint */
    {0, 0x1c, 0, 2, 4},	   /* root port */
    {2, 0x00, 0, 3, 4},	   /* switch upstream port */
    {3, 0x01, 0, 4, 4},	   /* switch downstream port */
    {4, 0x00, 0, 0, 0},	   /* endpoint behind the switch */
    {0, 0x1c, 1, 5, 5},	   /* second root port */
    {5, 0x00, 0, 0, 0},	   /* endpoint */
    {0, 0x1f, 0, 0, 0},	   /* LPC */
    {0, 0x1d, 0, 8, 6},	   /* bridge with subordinate below secondary */
    {6, 0x00, 0, 6, 6},	   /* bridge claiming its own bus as secondary */
    {7, 0x00, 0, 3, 9},	   /* bridge leading back up */
    {255, 0x00, 0, 7, 7},  /* bridge on the last bus */
    {10, 0x00, 0, 11, 17}, /* a chain of 7 bridges, buses 10 to 17 */
    {11, 0x00, 0, 12, 17}, {12, 0x00, 0, 13, 17}, {13, 0x00, 0, 14, 17}, {14, 0x00, 0, 15, 17},
    {15, 0x00, 0, 16, 17}, {16, 0x00, 0, 17, 17}, {17, 0x00, 0, 0, 0},
};

static unsigned calls;

static const struct fn *find(uint8_t bus, uint8_t dev, uint8_t fn)
{
	assert_true(dev <= 31 && fn <= 7); /* the library never asks for impossible ones */
	for (size_t i = 0; i < sizeof(topo) / sizeof(topo[0]); i++)
		if (topo[i].bus == bus && topo[i].dev == dev && topo[i].fn == fn)
			return &topo[i];
	return NULL;
}

static uint8_t sec_bus(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn)
{
	assert_ptr_equal(ctx, &calls);
	calls++;
	const struct fn *f = find(bus, dev, fn);
	return f != NULL ? f->sec : 0;
}

static uint8_t sub_bus(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn)
{
	assert_ptr_equal(ctx, &calls);
	const struct fn *f = find(bus, dev, fn);
	return f != NULL && f->sec != 0 ? f->sub : 0;
}

static const struct vtd_bridge_ops ops = {sec_bus, sub_bus, &calls};

/* A scope of `type` from start_bus along npath (device, function) pairs. */
static struct acpi_dmar_dev mk(uint8_t type, uint8_t start_bus, unsigned npath, ...)
{
	struct acpi_dmar_dev d;
	va_list ap;

	memset(&d, 0, sizeof(d));
	d.type = type;
	d.start_bus = start_bus;
	d.npath = (uint8_t)npath;
	va_start(ap, npath);
	for (unsigned i = 0; i < npath && i < ACPI_DMAR_MAX_PATH; i++) {
		d.path[i].device = (uint8_t)va_arg(ap, int);
		d.path[i].function = (uint8_t)va_arg(ap, int);
	}
	va_end(ap);
	return d;
}

#define EP ACPI_DMAR_SCOPE_ENDPOINT
#define BR ACPI_DMAR_SCOPE_BRIDGE

/* Resolves s and returns the status; bus:devfn in *out as bus << 8 | devfn (0xdead when
 * left untouched). */
static int resolve(const struct acpi_dmar_dev *s, unsigned *out)
{
	uint8_t bus = 0xde, devfn = 0xad;
	int st = vtd_scope_resolve(s, sec_bus, &calls, &bus, &devfn);
	*out = (unsigned)bus << 8 | devfn;
	return st;
}

static void test_integrated(void **state)
{
	(void)state;
	unsigned r;
	struct acpi_dmar_dev s = mk(EP, 0, 1, 0x02, 0);
	calls = 0;
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0x0010);
	assert_int_equal(calls, 0); /* a root-complex integrated device needs no config read */
	s = mk(EP, 0x80, 1, 0x1f, 7);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0x80ff);
}

static void test_behind_bridges(void **state)
{
	(void)state;
	unsigned r;
	struct acpi_dmar_dev s = mk(EP, 0, 4, 0x1c, 0, 0x00, 0, 0x01, 0, 0x00, 0);
	calls = 0;
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0x0400);
	assert_int_equal(calls, 3);
	s = mk(EP, 0, 2, 0x1c, 1, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0x0500);
	/* the bridge itself, as a sub-hierarchy scope names it */
	s = mk(BR, 0, 2, 0x1c, 0, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0x0200);
}

static void test_not_a_bridge(void **state)
{
	(void)state;
	unsigned r;
	/* through an endpoint */
	struct acpi_dmar_dev s = mk(EP, 0, 2, 0x02, 0, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_NOBRIDGE);
	assert_int_equal(r, 0xdead);
	/* through a function that is not there */
	s = mk(EP, 0, 2, 0x05, 0, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_NOBRIDGE);
	/* stopping early: the second element is an endpoint with more path after it */
	s = mk(EP, 0, 3, 0x1c, 1, 0x00, 0, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_NOBRIDGE);
	/* a bus nobody decodes */
	s = mk(EP, 0x42, 2, 0x00, 0, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_NOBRIDGE);
}

static void test_bus_order(void **state)
{
	(void)state;
	unsigned r;
	/* a bridge that names its own bus would loop forever in a naive walk */
	struct acpi_dmar_dev s = mk(EP, 6, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	calls = 0;
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_BUS);
	assert_int_equal(calls, 1);
	s = mk(EP, 7, 2, 0x00, 0, 0x01, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_BUS);
	/* start bus 255: nothing can be below it */
	s = mk(EP, 255, 2, 0x00, 0, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_BUS);
	assert_int_equal(r, 0xdead);
	s = mk(EP, 255, 2, 0x01, 0, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_NOBRIDGE);
	s = mk(EP, 255, 1, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0xff00);
}

static void test_invalid(void **state)
{
	(void)state;
	unsigned r;
	struct acpi_dmar_dev s = mk(EP, 0, 0);
	calls = 0;
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_INVALID);
	assert_int_equal(r, 0xdead);
	s = mk(EP, 0, 1, 0x1c, 0);
	s.npath = ACPI_DMAR_MAX_PATH + 1; /* more than the array holds */
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_INVALID);
	s.npath = 0xff;
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_INVALID);
	s = mk(EP, 0, 1, 32, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_INVALID);
	s = mk(EP, 0, 1, 0, 8);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_INVALID);
	/* a bad element after a good bridge is refused before any config read */
	s = mk(EP, 0, 2, 0x1c, 0, 0xff, 0xff);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_INVALID);
	s = mk(EP, 0, 2, 0x1c, 0x80, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_INVALID);
	assert_int_equal(calls, 0);
}

/* The longest path the DMAR parser keeps: 7 bridges, 7 reads. */
static void test_bounded(void **state)
{
	(void)state;
	unsigned r;
	struct acpi_dmar_dev s = mk(EP, 10, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	calls = 0;
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0x1100);
	assert_int_equal(calls, 7);
}

static void test_hpet_namespace_ioapic(void **state)
{
	(void)state;
	unsigned r;
	/* §8.3.1.2/3: the pair is the low byte of a platform-assigned source id */
	struct acpi_dmar_dev s = mk(ACPI_DMAR_SCOPE_HPET, 0, 1, 0x1f, 6);
	calls = 0;
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0x00fe);
	s = mk(ACPI_DMAR_SCOPE_NAMESPACE, 0xf0, 1, 0x15, 1);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0xf0a9);
	s = mk(ACPI_DMAR_SCOPE_HPET, 0, 2, 0x1c, 0, 0x00, 0);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_ERR_INVALID);
	assert_int_equal(calls, 0);
	/* an I/O APIC is walked like a PCI device (§8.3.1.1) */
	s = mk(ACPI_DMAR_SCOPE_IOAPIC, 0, 1, 0x1f, 7);
	assert_int_equal(resolve(&s, &r), VTD_SCOPE_OK);
	assert_int_equal(r, 0x00ff);
}

#define DF(d, f) ((uint8_t)((d) << 3 | (f)))

static void test_covers(void **state)
{
	(void)state;
	struct acpi_dmar_dev br = mk(BR, 0, 1, 0x1c, 0);
	assert_true(vtd_scope_covers(&br, &ops, 0, DF(0x1c, 0))); /* the bridge itself */
	assert_true(vtd_scope_covers(&br, &ops, 2, DF(0, 0)));
	assert_true(vtd_scope_covers(&br, &ops, 3, DF(1, 0)));
	assert_true(vtd_scope_covers(&br, &ops, 4, DF(0, 0)));
	assert_true(vtd_scope_covers(&br, &ops, 4, DF(31, 7))); /* anything on its buses */
	assert_false(vtd_scope_covers(&br, &ops, 5, DF(0, 0)));
	assert_false(vtd_scope_covers(&br, &ops, 1, DF(0, 0)));
	assert_false(vtd_scope_covers(&br, &ops, 0, DF(0x1c, 1)));
	assert_false(vtd_scope_covers(&br, &ops, 0, DF(0x02, 0)));

	struct acpi_dmar_dev ep = mk(EP, 0, 1, 0x02, 0);
	assert_true(vtd_scope_covers(&ep, &ops, 0, DF(0x02, 0)));
	assert_false(vtd_scope_covers(&ep, &ops, 0, DF(0x02, 1)));
	assert_false(vtd_scope_covers(&ep, &ops, 1, DF(0x02, 0)));
	/* an endpoint scope naming a bridge covers only the bridge */
	ep = mk(EP, 0, 1, 0x1c, 0);
	assert_true(vtd_scope_covers(&ep, &ops, 0, DF(0x1c, 0)));
	assert_false(vtd_scope_covers(&ep, &ops, 2, DF(0, 0)));
	/* a sub-hierarchy scope naming an endpoint covers only the endpoint */
	br = mk(BR, 0, 1, 0x02, 0);
	assert_true(vtd_scope_covers(&br, &ops, 0, DF(0x02, 0)));
	assert_false(vtd_scope_covers(&br, &ops, 1, DF(0, 0)));
	/* subordinate below secondary: just the secondary bus */
	br = mk(BR, 0, 1, 0x1d, 0);
	assert_true(vtd_scope_covers(&br, &ops, 8, DF(0, 0)));
	assert_false(vtd_scope_covers(&br, &ops, 7, DF(0, 0)));
	assert_false(vtd_scope_covers(&br, &ops, 6, DF(0, 0)));
	/* a bridge whose secondary is not above it covers only itself */
	br = mk(BR, 6, 1, 0x00, 0);
	assert_true(vtd_scope_covers(&br, &ops, 6, DF(0, 0)));
	assert_false(vtd_scope_covers(&br, &ops, 7, DF(0, 0)));
	/* unresolvable scopes and non-PCI scope types cover nothing */
	br = mk(BR, 0, 2, 0x02, 0, 0x00, 0);
	assert_false(vtd_scope_covers(&br, &ops, 0, DF(0x02, 0)));
	struct acpi_dmar_dev io = mk(ACPI_DMAR_SCOPE_IOAPIC, 0, 1, 0x1f, 7);
	assert_false(vtd_scope_covers(&io, &ops, 0, DF(0x1f, 7)));
	struct acpi_dmar_dev hp = mk(ACPI_DMAR_SCOPE_HPET, 0, 1, 0x1f, 6);
	assert_false(vtd_scope_covers(&hp, &ops, 0, DF(0x1f, 6)));
}

/* Units: 0 = INCLUDE_PCI_ALL of segment 0 (listed first: order must not matter),
 * 1 = the GPU 0:02.0, 2 = everything under root port 0:1c.0, 3 = segment 1's GPU. */
static void dmar_fixture(struct acpi_dmar_info *d)
{
	memset(d, 0, sizeof(*d));
	d->ndrhd = 4;
	d->drhd[0].flags = ACPI_DMAR_DRHD_INCLUDE_PCI_ALL;
	d->drhd[0].base = 0xfed91000;
	d->drhd[0].scopes.dev[0] = mk(ACPI_DMAR_SCOPE_IOAPIC, 0, 1, 0x1f, 7);
	d->drhd[0].scopes.count = 1;
	d->drhd[1].base = 0xfed90000;
	d->drhd[1].scopes.dev[0] = mk(EP, 0, 1, 0x02, 0);
	d->drhd[1].scopes.count = 1;
	d->drhd[2].base = 0xfed92000;
	d->drhd[2].scopes.dev[0] = mk(BR, 0, 1, 0x1c, 0);
	d->drhd[2].scopes.count = 1;
	d->drhd[3].segment = 1;
	d->drhd[3].base = 0xfed93000;
	d->drhd[3].scopes.dev[0] = mk(EP, 0, 1, 0x02, 0);
	d->drhd[3].scopes.count = 1;
}

/* vtd_drhd_find's status, with the unit index in *unit (99 when untouched). */
static int find_unit(const struct acpi_dmar_info *d, uint16_t seg, uint8_t bus, uint8_t devfn,
		     size_t *unit)
{
	*unit = 99;
	return vtd_drhd_find(d, seg, &ops, bus, devfn, unit);
}

static void test_drhd_find(void **state)
{
	(void)state;
	static struct acpi_dmar_info d;
	size_t u;

	dmar_fixture(&d);
	assert_int_equal(find_unit(&d, 0, 0, DF(0x02, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 1);
	assert_int_equal(find_unit(&d, 0, 4, DF(0, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 2);
	assert_int_equal(find_unit(&d, 0, 0, DF(0x1c, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 2);
	assert_int_equal(find_unit(&d, 0, 0, DF(0x1f, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 0);
	assert_int_equal(find_unit(&d, 0, 5, DF(0, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 0);
	assert_int_equal(find_unit(&d, 1, 0, DF(0x02, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 3);
	/* segment 1 has no catch-all; segment 2 has no unit */
	assert_int_equal(find_unit(&d, 1, 0, DF(0x03, 0), &u), VTD_SCOPE_ERR_NONE);
	assert_int_equal(u, 99);
	assert_int_equal(find_unit(&d, 2, 0, DF(0x02, 0), &u), VTD_SCOPE_ERR_NONE);

	/* unit 2 lost a scope: what it lists still matches, the rest is undecidable */
	d.drhd[2].scopes.overflow = 1;
	assert_int_equal(find_unit(&d, 0, 0, DF(0x02, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 1);
	assert_int_equal(find_unit(&d, 0, 4, DF(0, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 2);
	assert_int_equal(find_unit(&d, 0, 0, DF(0x1f, 0), &u), VTD_SCOPE_ERR_UNKNOWN);
	assert_int_equal(u, 99);
	/* a lost scope in another segment does not matter */
	d.drhd[2].scopes.overflow = 0;
	d.drhd[3].scopes.overflow = 1;
	assert_int_equal(find_unit(&d, 0, 0, DF(0x1f, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 0);
	/* nor does one in the catch-all unit, which only adds I/O APICs and HPETs */
	d.drhd[3].scopes.overflow = 0;
	d.drhd[0].scopes.overflow = 1;
	assert_int_equal(find_unit(&d, 0, 0, DF(0x1f, 0), &u), VTD_SCOPE_OK);
	/* lost units: undecidable unless a listed scope matches */
	d.drhd_overflow = 1;
	assert_int_equal(find_unit(&d, 0, 0, DF(0x1f, 0), &u), VTD_SCOPE_ERR_UNKNOWN);
	assert_int_equal(find_unit(&d, 0, 0, DF(0x02, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 1);
	/* a count beyond the arrays is clamped, never read past */
	dmar_fixture(&d);
	d.ndrhd = 1000;
	d.drhd[1].scopes.count = 1000;
	assert_int_equal(find_unit(&d, 0, 0, DF(0x02, 0), &u), VTD_SCOPE_OK);
	assert_int_equal(u, 1);
}

/* RMRRs name devices by scope: each region is found for exactly the devices
 * its scopes cover (a bridge scope: everything below it), on its segment. */
static void test_rmrr(void **state)
{
	struct acpi_dmar_info d;
	size_t cursor = 0, idx;
	(void)state;
	memset(&d, 0, sizeof(d));
	d.nrmrr = 3;
	d.rmrr[0] = (struct acpi_rmrr){.segment = 0, .base = 0xe0000, .limit = 0xfffff};
	d.rmrr[0].scopes.dev[0] = mk(ACPI_DMAR_SCOPE_ENDPOINT, 0, 1, 0x02, 0);
	d.rmrr[0].scopes.count = 1;
	d.rmrr[1] = (struct acpi_rmrr){.segment = 1, .base = 0x1000, .limit = 0x1fff};
	d.rmrr[1].scopes.dev[0] = mk(ACPI_DMAR_SCOPE_ENDPOINT, 0, 1, 0x02, 0);
	d.rmrr[1].scopes.count = 1;
	d.rmrr[2] = (struct acpi_rmrr){.segment = 0, .base = 0x7000000, .limit = 0x70fffff};
	d.rmrr[2].scopes.dev[0] = mk(ACPI_DMAR_SCOPE_ENDPOINT, 0, 1, 0x02, 0);
	d.rmrr[2].scopes.count = 1;
	/* 00:02.0 has regions 0 and 2 (region 1 is another segment's). */
	assert_true(vtd_rmrr_next(&d, 0, &ops, 0, 0x02 << 3, &cursor, &idx));
	assert_int_equal(idx, 0);
	assert_true(vtd_rmrr_next(&d, 0, &ops, 0, 0x02 << 3, &cursor, &idx));
	assert_int_equal(idx, 2);
	assert_false(vtd_rmrr_next(&d, 0, &ops, 0, 0x02 << 3, &cursor, &idx));
	/* Nobody else has one. */
	cursor = 0;
	assert_false(vtd_rmrr_next(&d, 0, &ops, 0, 0x1c << 3, &cursor, &idx));
	/* A count beyond the array (a lying table) is bounded. */
	d.nrmrr = 1000;
	cursor = 0;
	unsigned found = 0;
	while (vtd_rmrr_next(&d, 0, &ops, 0, 0x02 << 3, &cursor, &idx) && found < 100)
		found++;
	assert_int_equal(found, 2);
}

/* The I/O APIC a DRHD names by scope, and the source id it requests with. */
static void test_ioapic_find(void **state)
{
	struct acpi_dmar_info d;
	size_t unit = 99;
	uint8_t bus = 0, devfn = 0;
	(void)state;
	memset(&d, 0, sizeof(d));
	d.ndrhd = 2;
	d.drhd[0].scopes.dev[0] = mk(EP, 0, 1, 2, 0);
	d.drhd[0].scopes.count = 1;
	d.drhd[1].scopes.dev[0] = mk(ACPI_DMAR_SCOPE_IOAPIC, 0xf0, 1, 0x1f, 0);
	d.drhd[1].scopes.dev[0].enumeration_id = 0;
	d.drhd[1].scopes.count = 1;
	assert_int_equal(vtd_ioapic_find(&d, 0, sec_bus, &calls, &unit, &bus, &devfn),
			 VTD_SCOPE_OK);
	assert_int_equal(unit, 1);
	assert_int_equal(bus, 0xf0);
	assert_int_equal(devfn, 0x1f << 3);
	/* Another id is named by nobody. */
	assert_int_equal(vtd_ioapic_find(&d, 2, sec_bus, &calls, &unit, &bus, &devfn),
			 VTD_SCOPE_ERR_NONE);
	/* A bad path is reported, not guessed. */
	d.drhd[1].scopes.dev[0].npath = 0;
	assert_int_equal(vtd_ioapic_find(&d, 0, sec_bus, &calls, &unit, &bus, &devfn),
			 VTD_SCOPE_ERR_INVALID);
	/* Counts beyond the arrays (a lying table) are bounded. */
	d.ndrhd = 1000;
	d.drhd[0].scopes.count = 1000;
	assert_int_equal(vtd_ioapic_find(&d, 7, sec_bus, &calls, &unit, &bus, &devfn),
			 VTD_SCOPE_ERR_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_integrated),
	    cmocka_unit_test(test_behind_bridges),
	    cmocka_unit_test(test_not_a_bridge),
	    cmocka_unit_test(test_bus_order),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_bounded),
	    cmocka_unit_test(test_hpet_namespace_ioapic),
	    cmocka_unit_test(test_covers),
	    cmocka_unit_test(test_drhd_find),
	    cmocka_unit_test(test_rmrr),
	    cmocka_unit_test(test_ioapic_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
