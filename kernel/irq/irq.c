/* irq: routing through the registry, and the hardware behind each entry. */
#include "irq.h"
#include "arch/x86_64/intr.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/percpu.h"
#include "core/console.h"
#include "core/diag.h"
#include "core/lockorder.h"
#include "core/spinlock.h"
#include "dev/acpi.h"
#include "hw/vtd.h"
#include "iommu/vtd.h"
#include "hw/ioapic.h"
#include "lib/irq/gsi.h"

#include <stddef.h>

/* What the kernel keeps beside each registry entry: how to reach the hardware
 * and whom to tell. */
struct irq_hw {
	irq_notify_fn fn;
	void *ctx;
	size_t ioapic;
	uint32_t pin;
	const struct pci_fn *pci;
	struct msix_table *msix;
	const struct irq_msg_ops *msg; /* IRQ_KIND_IOMMU: the unit's own message registers */
	void *msg_ctx;
	bool remapped;	      /* MSI/MSI-X through interrupt remapping entry irte */
	bool remapped_ioapic; /* an I/O APIC pin through entry irte of unit irte_unit */
	uint16_t irte;
	unsigned irte_unit;
	uint64_t msg_addr; /* the message the source was given */
	uint32_t msg_data;
	volatile uint32_t running; /* CPUs inside the callback now */
};

static struct irq_registry registry;
static struct irq_vector_pool pool;
static struct irq_gsi_map gsimap;
static struct irq_hw hw[IRQ_REGISTRY_MAX];
static spinlock_t routes_lock = SPINLOCK_INIT; /* LOCK_CLASS_IRQ_ROUTES */
static bool ready;

/* The routes lock, with its place in the lock order recorded. */
static uint64_t routes_lock_take(void)
{
	uint64_t fl = spin_lock_irqsave(&routes_lock);
	lockorder_acquire(LOCK_CLASS_IRQ_ROUTES);
	return fl;
}

static void routes_lock_drop(uint64_t fl)
{
	lockorder_release(LOCK_CLASS_IRQ_ROUTES);
	spin_unlock_irqrestore(&routes_lock, fl);
}

void irq_init(void)
{
	static uint32_t ver[ACPI_MADT_MAX_IOAPICS];
	const struct acpi_info *ai = acpi_get();
	size_t n = 0;

	irq_registry_init(&registry);
	irq_vector_init(&pool, percpu_count);
	if (ai != NULL && ai->has_madt) {
		n = ai->madt.nioapic;
		for (size_t i = 0; i < n && i < IOAPIC_MAX; i++)
			if (!ioapic_chip_init((unsigned)i, ai->madt.ioapic[i].address, &ver[i]))
				ver[i] = IOAPIC_ALL_ONES;
		irq_gsi_map_build(&gsimap, &ai->madt, ver, n < IOAPIC_MAX ? n : IOAPIC_MAX);
	}
	for (size_t i = 0; i < gsimap.nioapic; i++)
		kprintf("ioapic %u id=%u addr=0x%x gsi=%u-%u version=0x%x\n", (unsigned)i,
			gsimap.ioapic[i].id, gsimap.ioapic[i].address, gsimap.ioapic[i].gsi_base,
			gsimap.ioapic[i].gsi_base + gsimap.ioapic[i].entries - 1,
			gsimap.ioapic[i].version);
	ready = true;
}

const struct irq_registry *irq_registry_get(void)
{
	return &registry;
}

static uint32_t apic_of(unsigned cpu)
{
	return percpu_table[cpu].apic_id;
}

/* The message for a PCI function's vector: remappable format through a new
 * interrupt remapping entry (accepting only that function) where remapping is
 * on for it, else compatibility format (VT-d §5.1.5). */
static enum irq_status compose_for(const struct pci_fn *f, unsigned cpu, uint8_t vector,
				   struct irq_hw *h)
{
	uint8_t devfn = (uint8_t)(f->dev << 3 | f->fn);
	if (vtd_ir_covers(f->seg, f->bus, devfn)) {
		uint16_t handle;
		if (vtd_irte_alloc(f->seg, f->bus, devfn, (uint16_t)(f->bus << 8 | devfn), vector,
				   apic_of(cpu), &handle) != VTD_OK)
			return IRQ_ERR_NOSPACE;
		h->remapped = true;
		h->irte = handle;
		h->msg_addr = vtd_msi_remap_addr(handle);
		h->msg_data = 0;
		return IRQ_OK;
	}
	return msi_compose(apic_of(cpu), vector, false, &h->msg_addr, &h->msg_data);
}

static void uncompose(struct irq_hw *h)
{
	if (h->remapped_ioapic)
		vtd_irte_free_unit(h->irte_unit, h->irte);
	h->remapped_ioapic = false;
	if (h->remapped && h->pci != NULL)
		vtd_irte_free(h->pci->seg, h->pci->bus, (uint8_t)(h->pci->dev << 3 | h->pci->fn),
			      h->irte);
	h->remapped = false;
}

/* Reserve, take a vector and route: the common first half of every kind. */
static enum irq_status reserve_route(const struct irq_source *src, unsigned cpu,
				     enum irq_trigger trig, enum irq_polarity pol,
				     struct irq_handle *out, uint8_t *vector)
{
	struct irq_owner owner = {0, 0, 0};
	if (!ready || cpu >= percpu_count || !percpu_table[cpu].online)
		return IRQ_ERR_INVALID;
	enum irq_status st = irq_registry_reserve(&registry, src, &owner, out);
	if (st != IRQ_OK)
		return st;
	st = irq_vector_alloc(&pool, cpu, vector);
	if (st == IRQ_OK) {
		struct irq_route rt = {cpu, *vector, trig, pol};
		st = irq_registry_route(&registry, *out, &rt);
		if (st != IRQ_OK)
			irq_vector_free(&pool, cpu, *vector);
	}
	if (st != IRQ_OK) {
		struct irq_route was;
		irq_registry_release_begin(&registry, *out);
		irq_registry_release_finish(&registry, *out, &was);
	}
	return st;
}

enum irq_status irq_route_isa(unsigned isa_irq, unsigned cpu, irq_notify_fn fn, void *ctx,
			      struct irq_handle *out)
{
	struct irq_isa_route isa;
	size_t ioapic;
	uint32_t pin;
	uint8_t vector;
	enum irq_status st = irq_gsi_isa(&gsimap, isa_irq, &isa);
	if (st != IRQ_OK)
		return st;
	if ((st = irq_gsi_lookup(&gsimap, isa.gsi, &ioapic, &pin)) != IRQ_OK)
		return st;
	struct irq_source src = {.kind = IRQ_KIND_IOAPIC, .gsi = isa.gsi};
	uint64_t fl = routes_lock_take();
	st = reserve_route(&src, cpu, isa.trigger, isa.polarity, out, &vector);
	if (st == IRQ_OK) {
		struct ioapic_route r = {vector, apic_of(cpu), isa.trigger, isa.polarity, true};
		uint64_t entry;
		uint16_t handle;
		unsigned unit;
		hw[out->id] = (struct irq_hw){.fn = fn, .ctx = ctx, .ioapic = ioapic, .pin = pin};
		/* Under interrupt remapping the pin goes through an entry of its own,
		 * accepting only this I/O APIC (VT-d §5.1.5.1). */
		if (vtd_irte_alloc_ioapic(gsimap.ioapic[ioapic].id, vector, apic_of(cpu),
					  isa.trigger == IRQ_TRIGGER_LEVEL, &handle,
					  &unit) == VTD_OK) {
			ioapic_redir_encode_remapped(handle, &r, &entry);
			hw[out->id].remapped_ioapic = true;
			hw[out->id].irte = handle;
			hw[out->id].irte_unit = unit;
		} else {
			if (vtd_ir_on())
				kprintf(
				    "irq: I/O APIC %u pin %u has no remapping entry (no unit names "
				    "it, or the table is full): compatibility format\n",
				    gsimap.ioapic[ioapic].id, pin);
			ioapic_redir_encode(&r, &entry);
		}
		ioapic_write_entry((unsigned)gsimap.ioapic[ioapic].madt_index, pin, entry);
	}
	routes_lock_drop(fl);
	return st;
}

enum irq_status irq_route_msi(const struct pci_fn *f, unsigned cpu, irq_notify_fn fn, void *ctx,
			      struct irq_handle *out)
{
	uint8_t vector;
	if (!(f->flags & PCI_FN_MSI))
		return IRQ_ERR_INVALID;
	struct irq_source src = {.kind = IRQ_KIND_MSI,
				 .seg = f->seg,
				 .bus = f->bus,
				 .dev = f->dev,
				 .fn = f->fn,
				 .index = 0};
	uint64_t fl = routes_lock_take();
	enum irq_status st =
	    reserve_route(&src, cpu, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, out, &vector);
	if (st == IRQ_OK) {
		hw[out->id] = (struct irq_hw){.fn = fn, .ctx = ctx, .pci = f};
		/* Masked: the per-vector mask when there is one, else MSI stays off. */
		if ((st = compose_for(f, cpu, vector, &hw[out->id])) != IRQ_OK)
			;
		else if (msi_enable_msg(f, hw[out->id].msg_addr, hw[out->id].msg_data) != MSI_OK)
			st = IRQ_ERR_INVALID;
		else if (msi_set_masked(f, true) != MSI_OK)
			msi_disable(f);
	}
	routes_lock_drop(fl);
	if (st != IRQ_OK && out->gen != 0)
		irq_release(*out);
	return st;
}

enum irq_status irq_route_msix(struct msix_table *t, unsigned index, unsigned cpu, irq_notify_fn fn,
			       void *ctx, struct irq_handle *out)
{
	uint8_t vector;
	const struct pci_fn *f = t->fn;
	struct irq_source src = {.kind = IRQ_KIND_MSIX,
				 .seg = f->seg,
				 .bus = f->bus,
				 .dev = f->dev,
				 .fn = f->fn,
				 .index = (uint16_t)index};
	uint64_t fl = routes_lock_take();
	enum irq_status st =
	    reserve_route(&src, cpu, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, out, &vector);
	if (st == IRQ_OK) {
		hw[out->id] =
		    (struct irq_hw){.fn = fn, .ctx = ctx, .pin = index, .pci = f, .msix = t};
		if ((st = compose_for(f, cpu, vector, &hw[out->id])) == IRQ_OK &&
		    msix_program_msg(t, index, hw[out->id].msg_addr, hw[out->id].msg_data) !=
			MSI_OK)
			st = IRQ_ERR_INVALID;
	}
	routes_lock_drop(fl);
	if (st != IRQ_OK && out->gen != 0)
		irq_release(*out);
	return st;
}

enum irq_status irq_route_iommu(unsigned unit, unsigned cpu, const struct irq_msg_ops *ops,
				void *ops_ctx, irq_notify_fn fn, void *ctx, struct irq_handle *out)
{
	uint8_t vector;
	uint64_t addr;
	uint32_t data;
	struct irq_source src = {.kind = IRQ_KIND_IOMMU, .index = (uint16_t)unit};
	uint64_t fl = routes_lock_take();
	enum irq_status st =
	    reserve_route(&src, cpu, IRQ_TRIGGER_EDGE, IRQ_POLARITY_HIGH, out, &vector);
	if (st == IRQ_OK &&
	    (st = msi_compose(apic_of(cpu), vector, false, &addr, &data)) == IRQ_OK) {
		hw[out->id] = (struct irq_hw){.fn = fn, .ctx = ctx, .msg = ops, .msg_ctx = ops_ctx};
		ops->mask(ops_ctx, true);
		ops->program(ops_ctx, addr, data);
	}
	routes_lock_drop(fl);
	if (st != IRQ_OK && out->gen != 0)
		irq_release(*out);
	return st;
}

/* Sets the source's hardware mask. Called with the route lock held. */
static void hw_mask(const struct irq_entry *e, struct irq_hw *h, bool masked)
{
	switch (e->src.kind) {
	case IRQ_KIND_IOAPIC:
		ioapic_set_masked((unsigned)gsimap.ioapic[h->ioapic].madt_index, h->pin, masked);
		break;
	case IRQ_KIND_MSI:
		if (msi_set_masked(h->pci, masked) == MSI_OK)
			break;
		if (masked)
			msi_disable(h->pci);
		else
			msi_enable_msg(h->pci, h->msg_addr, h->msg_data);
		break;
	case IRQ_KIND_MSIX:
		msix_set_masked(h->msix, h->pin, masked);
		if (!masked)
			msix_function_mask(h->msix, false);
		break;
	case IRQ_KIND_IOMMU:
		h->msg->mask(h->msg_ctx, masked);
		break;
	}
}

static enum irq_status set_enabled(struct irq_handle h, bool on)
{
	const struct irq_entry *e;
	uint64_t fl = routes_lock_take();
	enum irq_status st = irq_registry_lookup(&registry, h, &e);
	if (st == IRQ_OK)
		st = on ? irq_registry_enable(&registry, h) : irq_registry_mask(&registry, h);
	if (st == IRQ_OK)
		hw_mask(e, &hw[h.id], !on);
	routes_lock_drop(fl);
	return st;
}

enum irq_status irq_enable(struct irq_handle h)
{
	return set_enabled(h, true);
}

enum irq_status irq_mask(struct irq_handle h)
{
	return set_enabled(h, false);
}

enum irq_status irq_release(struct irq_handle h)
{
	const struct irq_entry *e;
	struct irq_route was;
	uint64_t fl = routes_lock_take();
	enum irq_status st = irq_registry_lookup(&registry, h, &e);
	if (st == IRQ_OK) {
		hw_mask(e, &hw[h.id], true);
		if (e->src.kind == IRQ_KIND_MSI)
			msi_disable(hw[h.id].pci);
		st = irq_registry_release_begin(&registry, h);
	}
	routes_lock_drop(fl);
	if (st != IRQ_OK)
		return st;
	/* The source is masked and RELEASED: nothing new reaches the callback, and
	 * the vector stays held until a callback already running has left. */
	for (int i = 0; i < 1000000 && __atomic_load_n(&hw[h.id].running, __ATOMIC_ACQUIRE); i++)
		__asm__ volatile("pause");
	if (__atomic_load_n(&hw[h.id].running, __ATOMIC_ACQUIRE)) {
		/* A handler that does not leave: the entry stays RELEASED and its
		 * vector held for good, and the owner keeps its context alive. */
		kprintf("irq: id %u: a handler is still running; its vector is kept\n", h.id);
		return IRQ_ERR_BUSY;
	}
	fl = routes_lock_take();
	st = irq_registry_release_finish(&registry, h, &was);
	if (st == IRQ_OK && was.vector != 0)
		irq_vector_free(&pool, was.cpu, was.vector);
	uncompose(&hw[h.id]);
	hw[h.id] = (struct irq_hw){0};
	routes_lock_drop(fl);
	return st;
}

uint64_t irq_count(struct irq_handle h)
{
	const struct irq_entry *e;
	uint64_t fl = routes_lock_take();
	uint64_t n = irq_registry_lookup(&registry, h, &e) == IRQ_OK ? e->count : 0;
	routes_lock_drop(fl);
	return n;
}

void irq_deliver(unsigned cpu, uint8_t vector)
{
	irq_notify_fn fn = NULL;
	void *ctx = NULL;
	struct irq_hw *h = NULL;
	uint64_t fl = routes_lock_take();
	struct irq_entry *e = irq_registry_dispatch(&registry, cpu, vector);
	if (e != NULL) {
		h = &hw[e - registry.entry];
		fn = h->fn;
		ctx = h->ctx;
		__atomic_add_fetch(&h->running, 1, __ATOMIC_ACQ_REL);
	}
	routes_lock_drop(fl);
	if (h == NULL)
		return;
	if (fn != NULL)
		fn(ctx);
	__atomic_sub_fetch(&h->running, 1, __ATOMIC_ACQ_REL);
}

void irq_print(struct irq_handle h)
{
	char line[IRQ_LINE_MAX];
	const struct irq_entry *e;
	uint64_t fl = routes_lock_take();
	bool live = irq_registry_lookup(&registry, h, &e) == IRQ_OK;
	if (live)
		irq_registry_format(&registry, h.id, line, sizeof(line));
	routes_lock_drop(fl);
	if (live)
		kprintf("%s\n", line);
}

static void emit_line(void *ctx, const char *line)
{
	(void)ctx;
	kprintf("%s\n", line);
}

static void cmd_irq(void)
{
	uint64_t fl = routes_lock_take();
	irq_registry_emit_all(&registry, emit_line, NULL);
	routes_lock_drop(fl);
}

const struct diag_cmd diag_cmds_irq[] = {
    {"irq", "interrupt sources: kind, source, vector, CPU, trigger, state, count", cmd_irq},
};
const size_t diag_cmds_irq_count = sizeof(diag_cmds_irq) / sizeof(diag_cmds_irq[0]);
