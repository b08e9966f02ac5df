/* pci_enum: topology walk.
 *
 * Buses of a segment are scanned in ascending order from a "claimed" bitmap: a root bus
 * is claimed up front, a bridge claims its secondary bus, and a secondary bus is only
 * accepted above the bus of its bridge. So every newly claimed bus lies ahead of the
 * scan position, one ascending pass reaches the whole hierarchy, the table comes out
 * sorted without a sort, and no bridge configuration can make the walk revisit a bus or
 * recurse: there is no recursion, and the stack use is a few hundred bytes.
 */
#include "lib/pci/pci_enum.h"

#include "hw/pci.h"
#include "lib/hooks.h"
#include "lib/pci/pci_bar.h"
#include "lib/pci/pci_cap.h"
#include "lib/str.h"

#define BITMAP_WORDS (PCI_MAX_BUS / 32)

struct walk {
	const struct pci_cfg *cfg;
	struct pci_table *t;
	const struct pci_root *roots;
	size_t nroots;
	uint16_t seg;
	uint32_t claimed[BITMAP_WORDS];
	uint32_t dev0_only[BITMAP_WORDS]; /* buses below a PCIe root/downstream port */
	uint8_t depth[PCI_MAX_BUS];	  /* bridges between the root bus and this bus */
	uint8_t root_of[PCI_MAX_BUS];	  /* index into roots */
};

static const struct pci_root default_root = {.seg = 0, .bus = 0, .bus_start = 0, .bus_end = 0xff};

static bool bit_test(const uint32_t *map, unsigned i)
{
	return (map[i / 32] >> (i % 32)) & 1u;
}

static void bit_set(uint32_t *map, unsigned i)
{
	map[i / 32] |= 1u << (i % 32);
}

/* Follows a bridge to its secondary bus when the firmware's bus numbers make sense
 * (PCI-to-PCI Bridge 1.2 §3.2.5.3-5). */
static void claim_secondary(struct walk *w, struct pci_fn_cfg *f, const struct pci_fn *e)
{
	const struct pci_root *r = &w->roots[w->root_of[e->bus]];
	uint8_t sec = e->sec_bus, sub = e->sub_bus;

	if (sec == 0 && sub == 0) {
		pci_fn_report(f, "bridge bus numbers not assigned, skipped");
	} else if (sec <= e->bus) {
		pci_fn_report(f, "secondary bus %02x not above bus %02x, skipped", sec, e->bus);
	} else if (sec < r->bus_start || sec > r->bus_end) {
		pci_fn_report(f, "secondary bus %02x outside bus range %02x-%02x, skipped", sec,
			      r->bus_start, r->bus_end);
	} else if (sub < sec) {
		pci_fn_report(f, "subordinate bus %02x below secondary bus %02x, skipped", sub,
			      sec);
	} else if (bit_test(w->claimed, sec)) {
		pci_fn_report(f, "secondary bus %02x already visited, skipped", sec);
	} else if (w->depth[e->bus] + 1 > PCI_MAX_DEPTH) {
		pci_fn_report(f, "bridge depth above %d, bus %02x skipped", PCI_MAX_DEPTH, sec);
	} else {
		bit_set(w->claimed, sec);
		w->depth[sec] = (uint8_t)(w->depth[e->bus] + 1);
		w->root_of[sec] = w->root_of[e->bus];
		/* PCIe 4.0 §7.3.3: a root or downstream port forwards configuration requests
		 * only to device 0 of its link (ARI forwarding aside, which firmware leaves
		 * off); probing devices 1..31 there would only cost 31 master aborts. */
		if ((e->flags & PCI_FN_PCIE) && (e->pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
						 e->pcie_type == PCI_EXP_TYPE_DOWNSTREAM))
			bit_set(w->dev0_only, sec);
	}
}

/* Reads one present function into the next table slot (or the spill slot). Returns its
 * header type byte, or 0 when it vanished (it is then left out). */
static uint8_t scan_fn(struct walk *w, uint8_t bus, uint8_t dev, uint8_t fn, uint32_t id)
{
	struct pci_table *t = w->t;
	struct pci_fn_cfg f = {w->cfg, &t->stats, w->seg, bus, dev, fn, false};
	struct pci_fn *e = t->count < PCI_MAX_FUNCS ? &t->fn[t->count] : &t->spill;
	unsigned nbars = 0;

	memset(e, 0, sizeof(*e));
	e->seg = w->seg;
	e->bus = bus;
	e->dev = dev;
	e->fn = fn;
	e->vendor = (uint16_t)(id & PCI_DW_VENDOR_MASK);
	e->device = (uint16_t)(id >> PCI_DW_DEVICE_SHIFT);

	uint32_t cls = pci_fn_read(&f, PCI_REVISION_ID);
	uint32_t hdw = pci_fn_read(&f, PCI_CACHE_LINE);
	uint32_t cs = pci_fn_read(&f, PCI_COMMAND);
	if (f.gone)
		return 0;
	e->revision = (uint8_t)(cls & PCI_DW_REVISION_MASK);
	e->prog_if = (uint8_t)(cls >> PCI_DW_PROG_IF_SHIFT);
	e->subclass = (uint8_t)(cls >> PCI_DW_SUBCLASS_SHIFT);
	e->class_code = (uint8_t)(cls >> PCI_DW_CLASS_SHIFT);
	uint8_t hdr = (uint8_t)(hdw >> PCI_DW_HEADER_TYPE_SHIFT);
	e->header_type = hdr & PCI_HEADER_TYPE_MASK;
	if (fn == 0 && (hdr & PCI_HEADER_TYPE_MULTIFN))
		e->flags |= PCI_FN_MULTIFN;
	e->command = (uint16_t)(cs & PCI_DW_COMMAND_MASK);
	e->status = (uint16_t)(cs >> PCI_DW_STATUS_SHIFT);

	if (e->header_type == PCI_HEADER_TYPE_NORMAL) {
		nbars = PCI_TYPE0_NBARS;
	} else if (e->header_type == PCI_HEADER_TYPE_BRIDGE) {
		uint32_t buses = pci_fn_read(&f, PCI_BR_PRIMARY_BUS);
		nbars = PCI_TYPE1_NBARS;
		e->flags |= PCI_FN_BRIDGE;
		e->sec_bus = (uint8_t)(buses >> PCI_DW_SECONDARY_SHIFT);
		e->sub_bus = (uint8_t)(buses >> PCI_DW_SUBORDINATE_SHIFT);
	} else {
		/* CardBus (type 2) and reserved layouts: identity only. */
		pci_fn_report(&f, "header type %02x not decoded", e->header_type);
	}
	if (nbars != 0) {
		pci_bar_probe(&f, e, e->command, nbars);
		uint32_t irq = pci_fn_read(&f, PCI_INTERRUPT_LINE);
		e->irq_line = (uint8_t)irq;
		e->irq_pin = (uint8_t)(irq >> PCI_DW_INT_PIN_SHIFT);
		if ((e->status & PCI_STATUS_CAP_LIST) && pci_cap_walk(&f, e))
			pci_ecap_walk(&f, e);
	}
	if (f.gone)
		return 0;

	t->stats.functions++;
	if (e == &t->spill) {
		if (t->stats.overflow++ == 0)
			hook_log(
			    "pci: table full (%d functions), %04x:%02x:%02x.%x and later not kept",
			    PCI_MAX_FUNCS, w->seg, bus, dev, fn);
	} else {
		t->count++;
	}
	if (e->flags & PCI_FN_BRIDGE)
		claim_secondary(w, &f, e);
	return hdr;
}

/* Reads the ID word of a function; a master abort (0xFFFF) or a zero vendor ID (which
 * some bridges return for an empty slot) means there is no function. */
static bool probe(struct walk *w, uint8_t bus, uint8_t dev, uint8_t fn, uint32_t *id)
{
	struct pci_fn_cfg f = {w->cfg, &w->t->stats, w->seg, bus, dev, fn, false};
	uint16_t vendor;

	*id = pci_fn_read_raw(&f, PCI_VENDOR_ID);
	vendor = (uint16_t)(*id & PCI_DW_VENDOR_MASK);
	return vendor != PCI_VENDOR_NONE && vendor != 0;
}

static void scan_bus(struct walk *w, uint8_t bus)
{
	unsigned ndev = bit_test(w->dev0_only, bus) ? 1 : PCI_MAX_DEV;
	uint32_t id;

	w->t->stats.buses++;
	for (unsigned dev = 0; dev < ndev; dev++) {
		if (!probe(w, bus, (uint8_t)dev, 0, &id))
			continue;
		/* PCI 3.0 §6.2.1: functions 1..7 exist only when function 0 says so. */
		if (!(scan_fn(w, bus, (uint8_t)dev, 0, id) & PCI_HEADER_TYPE_MULTIFN))
			continue;
		for (unsigned fn = 1; fn < PCI_MAX_FN; fn++)
			if (probe(w, bus, (uint8_t)dev, (uint8_t)fn, &id))
				scan_fn(w, bus, (uint8_t)dev, (uint8_t)fn, id);
	}
}

static void walk_segment(struct walk *w, uint16_t seg)
{
	w->seg = seg;
	memset(w->claimed, 0, sizeof(w->claimed));
	memset(w->dev0_only, 0, sizeof(w->dev0_only));
	for (size_t i = 0; i < w->nroots; i++) {
		const struct pci_root *r = &w->roots[i];
		if (r->seg != seg)
			continue;
		if (bit_test(w->claimed, r->bus)) {
			w->t->stats.problems++;
			hook_log("pci: root %04x:%02x listed twice, ignored", seg, r->bus);
			continue;
		}
		bit_set(w->claimed, r->bus);
		w->depth[r->bus] = 0;
		w->root_of[r->bus] = (uint8_t)i;
	}
	for (unsigned bus = 0; bus < PCI_MAX_BUS; bus++)
		if (bit_test(w->claimed, bus))
			scan_bus(w, (uint8_t)bus);
}

static bool args_valid(const struct pci_cfg *cfg, const struct pci_root *roots, size_t nroots)
{
	if (cfg == NULL || cfg->ops == NULL || cfg->ops->read32 == NULL ||
	    cfg->ops->write32 == NULL)
		return false;
	if (cfg->size != PCI_CFG_SIZE && cfg->size != PCI_CFG_SIZE_EXP)
		return false;
	if (nroots > PCI_MAX_ROOTS || (nroots != 0 && roots == NULL))
		return false;
	for (size_t i = 0; i < nroots; i++)
		if (roots[i].bus_start > roots[i].bus_end || roots[i].bus < roots[i].bus_start ||
		    roots[i].bus > roots[i].bus_end)
			return false;
	return true;
}

enum pci_status pci_enumerate(const struct pci_cfg *cfg, const struct pci_root *roots,
			      size_t nroots, struct pci_table *out)
{
	struct walk w;

	if (out == NULL)
		return PCI_ERR_ARG;
	out->count = 0;
	memset(&out->stats, 0, sizeof(out->stats));
	if (!args_valid(cfg, roots, nroots))
		return PCI_ERR_ARG;
	if (nroots == 0) {
		roots = &default_root;
		nroots = 1;
	}
	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.t = out;
	w.roots = roots;
	w.nroots = nroots;

	/* Segments in ascending order, each once, so the table stays sorted. */
	uint32_t last = 0;
	bool first = true;
	for (;;) {
		uint32_t next = 0x10000;
		for (size_t i = 0; i < nroots; i++)
			if ((first || roots[i].seg > last) && roots[i].seg < next)
				next = roots[i].seg;
		if (next == 0x10000)
			break;
		walk_segment(&w, (uint16_t)next);
		last = next;
		first = false;
	}
	return out->stats.overflow != 0 ? PCI_ERR_TRUNCATED : PCI_OK;
}

const struct pci_fn *pci_table_find(const struct pci_table *t, uint16_t seg, uint8_t bus,
				    uint8_t dev, uint8_t fn)
{
	for (size_t i = 0; i < t->count && i < PCI_MAX_FUNCS; i++) {
		const struct pci_fn *e = &t->fn[i];
		if (e->seg == seg && e->bus == bus && e->dev == dev && e->fn == fn)
			return e;
	}
	return NULL;
}
