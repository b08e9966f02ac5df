/* registry: the interrupt-source registry, the one record of every interrupt source
 * (I/O APIC pin, MSI vector, MSI-X table entry) the kernel has handed out.
 *
 * Each entry is a slot with an id (its index) and a generation. reserve bumps the
 * generation and returns a handle {id, gen}; every later call names the source by that
 * handle, and a handle whose id is out of range, whose generation differs from the
 * slot's, or whose slot is FREE (or RELEASED, for lookup) fails closed. Generations only
 * ever increase: a slot whose generation would wrap is retired for good.
 *
 * States and the only legal transitions (anything else returns IRQ_ERR_STATE or
 * IRQ_ERR_STALE and changes nothing):
 *   FREE --reserve--> RESERVED --route--> ROUTED_MASKED <--enable/mask--> ENABLED
 *   RESERVED, ROUTED_MASKED, ENABLED --release_begin--> RELEASED --release_finish--> FREE
 * Release takes two steps so a (cpu, vector) is never reused while a source may still
 * fire it: between them the caller masks the source at the device or I/O APIC and makes
 * sure nothing is in flight; only release_finish gives the vector back.
 *
 * Lock order: the device manager's lock (LOCK_CLASS_DEVMGR) is taken before the
 * interrupt routes' lock (LOCK_CLASS_IRQ_ROUTES), never the other way round. The
 * registry itself is not locked: the kernel wraps every call in the routes lock, and in
 * debug builds checks each acquisition with irq_lockorder_check.
 *
 * `irq` diagnostics line (one per source, lower-case hex):
 *   irq id=N gen=G kind=ioapic|msi|msix src=<gsi N | SSSS:BB:DD.F#index> vector=0xVV
 *       cpu=C trig=edge|level pol=high|low
 *       state=free|reserved|routed-masked|enabled|released count=N
 */
#ifndef CAPOS_LIB_IRQ_REGISTRY_H
#define CAPOS_LIB_IRQ_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/irq/irq_encode.h"
#include "lib/irq/vector.h"

#define IRQ_REGISTRY_MAX   256u
#define IRQ_MSI_MAX_INDEX  32u	 /* PCI 3.0 §6.8.1.3: at most 32 MSI vectors */
#define IRQ_MSIX_MAX_INDEX 2048u /* PCI 3.0 §6.8.2.3: at most 2048 table entries */
#define IRQ_LINE_MAX	   192u	 /* longest `irq` line and its terminator */

enum irq_kind {
	IRQ_KIND_IOAPIC = 0,
	IRQ_KIND_MSI,
	IRQ_KIND_MSIX,
	IRQ_KIND_IOMMU, /* an IOMMU unit's fault event (index: the unit), an MSI of its own */
};

#define IRQ_IOMMU_MAX_UNITS 16u

enum irq_state {
	IRQ_STATE_FREE = 0,
	IRQ_STATE_RESERVED,
	IRQ_STATE_ROUTED_MASKED,
	IRQ_STATE_ENABLED,
	IRQ_STATE_RELEASED,
};

/* What raises the interrupt: a GSI (IOAPIC), a PCI function and the vector's index
 * in its MSI block or MSI-X table, or an IOMMU unit (index). Fields a kind does not use
 * are ignored (stored as 0). */
struct irq_source {
	enum irq_kind kind;
	uint32_t gsi;
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint16_t index;
};

/* Where and how the source is delivered. */
struct irq_route {
	uint32_t cpu;	/* logical CPU index, as in the vector pool */
	uint8_t vector; /* a device vector; 0 means "not routed" in outputs */
	enum irq_trigger trigger;
	enum irq_polarity polarity;
};

/* The owner the kernel notifies when the source fires; the registry only stores it. */
typedef void (*irq_owner_fn)(void *ctx, uint64_t token);

struct irq_owner {
	irq_owner_fn fn; /* may be NULL */
	void *ctx;
	uint64_t token; /* opaque to lib/irq */
};

struct irq_handle {
	uint32_t id;
	uint64_t gen; /* never 0 for a handle reserve returned */
};

struct irq_entry {
	uint64_t gen;
	enum irq_state state;
	bool retired; /* generation exhausted: never reserved again */
	struct irq_source src;
	struct irq_route route; /* valid from ROUTED_MASKED until release_finish */
	uint64_t count;		/* deliveries while ENABLED */
	uint64_t spurious;	/* arrivals on its vector while not ENABLED */
	struct irq_owner owner;
};

struct irq_registry {
	struct irq_entry entry[IRQ_REGISTRY_MAX];
	uint32_t retired;
	uint64_t cpu_spurious[IRQ_VECTOR_MAX_CPUS]; /* arrivals with no ENABLED source */
	/* id + 1 of the entry holding (cpu, vector), 0 for none; index vector - 0x30. */
	uint16_t holder[IRQ_VECTOR_MAX_CPUS][IRQ_VECTOR_POOL_SIZE];
};

/* irq_registry_init: every slot FREE at generation 0 (a zeroed registry is the same). */
void irq_registry_init(struct irq_registry *r);

/* irq_registry_reserve: takes the lowest FREE slot for src, bumps its generation and
 * returns its handle in *out. IRQ_ERR_INVALID for a malformed source (unknown kind,
 * dev > 31, fn > 7, index beyond the kind's limit), IRQ_ERR_BUSY when a slot that is not
 * FREE already records the same source, IRQ_ERR_NOSPACE when no slot is left. */
enum irq_status irq_registry_reserve(struct irq_registry *r, const struct irq_source *src,
				     const struct irq_owner *owner, struct irq_handle *out);

/* irq_registry_route: RESERVED -> ROUTED_MASKED, recording rt. IRQ_ERR_INVALID when
 * cpu >= IRQ_VECTOR_MAX_CPUS, the vector is outside the device pool, trigger or polarity
 * is unknown, or an MSI/MSI-X route is not edge/high (a message is a posted write with no
 * deassert, PCI 3.0 §6.8); IRQ_ERR_BUSY when another source holds (cpu, vector). */
enum irq_status irq_registry_route(struct irq_registry *r, struct irq_handle h,
				   const struct irq_route *rt);

/* irq_registry_enable: ROUTED_MASKED -> ENABLED (call after unmasking the hardware). */
enum irq_status irq_registry_enable(struct irq_registry *r, struct irq_handle h);

/* irq_registry_mask: ENABLED -> ROUTED_MASKED (call after masking the hardware). */
enum irq_status irq_registry_mask(struct irq_registry *r, struct irq_handle h);

/* irq_registry_release_begin: RESERVED, ROUTED_MASKED or ENABLED -> RELEASED. The
 * handle stops working for lookup; (cpu, vector) stays held. */
enum irq_status irq_registry_release_begin(struct irq_registry *r, struct irq_handle h);

/* irq_registry_release_finish: RELEASED -> FREE, once the caller has confirmed the
 * hardware is quiet. The route it held goes to *was (vector 0 when it was never
 * routed; was may be NULL) for the caller to return to the vector pool. */
enum irq_status irq_registry_release_finish(struct irq_registry *r, struct irq_handle h,
					    struct irq_route *was);

/* irq_registry_lookup: the live entry h names, in *out. IRQ_ERR_STALE when the id is
 * out of range, the generation differs or the slot is FREE or RELEASED. */
enum irq_status irq_registry_lookup(const struct irq_registry *r, struct irq_handle h,
				    const struct irq_entry **out);

/* irq_registry_dispatch: for the interrupt entry path. Returns the ENABLED entry routed
 * to (cpu, vector) with its delivery count already incremented, for the kernel to notify
 * its owner; else NULL, counting the arrival on cpu_spurious[cpu] (and on the holding
 * entry's spurious count when a masked or released source holds the vector). A cpu
 * beyond IRQ_VECTOR_MAX_CPUS returns NULL and counts nothing. */
struct irq_entry *irq_registry_dispatch(struct irq_registry *r, uint32_t cpu, uint8_t vector);

/* irq_registry_format: the `irq` line of slot id into buf (size n, terminated when
 * n > 0). Returns the full line's length like snprintf (0 and "" for id out of range). */
size_t irq_registry_format(const struct irq_registry *r, uint32_t id, char *buf, size_t n);

/* irq_registry_emit_all: calls emit with the `irq` line of every slot that is not FREE,
 * in id order. */
void irq_registry_emit_all(const struct irq_registry *r, void (*emit)(void *ctx, const char *line),
			   void *ctx);

/* Lock classes, by rank: the kernel's one lock table. A class may only be taken
 * while every held class ranks below it (lower bit number); checked at run time
 * by kernel/core/lockorder.c (panics with DEBUG=1). */
#define LOCK_CLASS_DEVMGR     0u  /* the device manager */
#define LOCK_CLASS_IRQ_ROUTES 1u  /* interrupt routes */
#define LOCK_CLASS_IOMMU      2u  /* a VT-d unit: tables, domain ids, commands, faults */
#define LOCK_CLASS_ENDPOINT   3u  /* one endpoint's call queue (never two at once) */
#define LOCK_CLASS_SCHED      4u  /* processes, run queue, wait lists, sleepers */
#define LOCK_CLASS_MMIO	      5u  /* the kernel's MMIO mapping window */
#define LOCK_CLASS_PCI_MAP    6u  /* PCI config space mappings */
#define LOCK_CLASS_PAGING     7u  /* page tables */
#define LOCK_CLASS_IOAPIC     8u  /* one I/O APIC's registers */
#define LOCK_CLASS_DMA	      9u  /* the DMA ledger */
#define LOCK_CLASS_HEAP	      10u /* kmalloc */
#define LOCK_CLASS_FRAMES     11u /* the frame allocator */
#define LOCK_CLASS_CONSOLE    12u /* COM1 output: taken last, inside anything */
#define LOCK_CLASS_SHM	      13u /* shared memory ledger and mappings (a leaf: nothing inside) */
#define LOCK_CLASS_MAX	      32u

/* irq_lockorder_check: whether taking class `taking` while holding the classes whose
 * bits are set in held_mask respects the order. False when a class ranked at or above
 * `taking` is held (that includes `taking` itself) or taking >= LOCK_CLASS_MAX. */
bool irq_lockorder_check(uint32_t held_mask, uint32_t taking);

#endif
