/* devmgr: the device manager's ledger of record for one PCI function: who may drive it
 * (the owner epoch), the sub-handles issued under the claim and what each is charged,
 * the owner's budgets, and the one ordered teardown. Pure state; the kernel does the
 * hardware work and tells this module what happened.
 *
 * Record states and the only legal transitions (anything else fails, changing nothing):
 *   UNCLAIMED --dev_claim--> CLAIMED --dev_teardown_begin--> REVOKING
 *   REVOKING --(QUARANTINE step reported)--> QUARANTINED
 *   QUARANTINED --(DONE step reported)--> UNCLAIMED, or RETIRED (for good) when a step
 *   failed or the epoch would wrap.
 *
 * Owner epoch. Starts at 1; a claim is issued under the current epoch and every handle
 * carries it. The EPOCH step of a teardown bumps it; a record at UINT64_MAX cannot bump
 * and is RETIRED instead, so an epoch is never issued twice.
 *
 * Sub-handles. DEV_MAX_HANDLES slots, each FREE, RESERVED (a transaction holds it), LIVE
 * or RETIRED, with a generation that starts at 1 and moves on whenever a LIVE slot is
 * vacated (released, or cleared by a teardown); a slot vacated at UINT32_MAX is RETIRED
 * for good instead of wrapping, as in lib/cap/captable. A handle {epoch, slot, gen, kind}
 * is valid only while the record is CLAIMED under that epoch and the slot is LIVE at that
 * generation with that kind: dev_handle_check fails closed on every field, each with its
 * own status, tested in this order: state, epoch, slot, free, gen, kind.
 *
 * Issuing is a transaction (the captable model): dev_handle_reserve checks the state,
 * the kind, a FREE slot and the budget, then holds the slot and reserves the charge;
 * dev_handle_commit cannot fail and makes it LIVE; dev_handle_abort restores the record
 * byte for byte. The kernel holds the device manager's lock from reserve to commit or
 * abort; a teardown cannot begin while a transaction is pending (DEV_E_BUSY): a path
 * that tears down ends its own transaction first.
 *
 * Budgets. One counter per resource: limit (set at claim), used (committed charges of
 * LIVE handles), reserved (charges of pending transactions); used + reserved <= limit
 * always. Release and teardown give charges back exactly; after a teardown all are 0.
 *
 * Teardown. Every trigger (release, exit, crash, revoke, reset, disable) runs the same
 * sequence. dev_teardown_begin: CLAIMED -> REVOKING, and every sub-handle is dead from
 * that instant (the record is no longer CLAIMED). The kernel then loops:
 *	while ((s = dev_teardown_next(rec)) != DEV_STEP_NONE)
 *		dev_teardown_done(rec, s, do_step(s));	// or dev_teardown_report
 * The steps, in this order (what the kernel does; what makes it fail):
 *   BUSMASTER_OFF  clear Command.Bus Master Enable, read it back (failed: still set, or
 *                  the function does not answer). The read's completion cannot pass
 *                  the device's earlier posted writes (PCIe ordering, Relaxed Ordering
 *                  clear), so when it returns every write issued before has landed.
 *   IRQ_MASK       mask every MSI-X entry and zero its address and data, disable and
 *                  mask MSI and zero its message, mask the I/O APIC pin (failed: a read
 *                  back disagrees).
 *   IRQ_DRAIN      wait, bounded, until no interrupt of the old epoch is pending or
 *                  being handled on any CPU; arrivals are dropped, the record is not
 *                  CLAIMED (failed: timeout).
 *   IOMMU_DETACH   detach the context entry, invalidate, wait for completion (failed:
 *                  timeout; DEV_SR_UNAVAILABLE: no IOMMU covers the device).
 *   RESET          FLR, else PM D3hot->D0 without No_Soft_Reset (failed: the function
 *                  does not come back; DEV_SR_UNAVAILABLE: neither method exists).
 *   QUARANTINE     every pool frame leaves the owner for the quarantine list: not the
 *                  owner's, not free.  The record becomes QUARANTINED.
 *   SCRUB          zero every quarantined frame. Asked only when the device is quiet
 *                  (below) and QUARANTINE succeeded; otherwise recorded DEV_SR_SKIPPED.
 *                  Either way every slot is vacated and the budget returns to zero.
 *   EPOCH          the kernel forgets routes keyed by the old epoch; reporting it bumps
 *                  the epoch (or marks the record to retire at UINT64_MAX).
 *   DONE           the kernel frees the frames if dev_frames_reusable and the vectors if
 *                  dev_vectors_reusable (they are never true before this step); reporting
 *                  it makes the record UNCLAIMED, or RETIRED.
 * Failures. A step reported failed never stops the sequence: every later physical step
 * (mask, drain, detach, reset, quarantine) still only shuts the device further, so each
 * is still asked. But the record is RETIRED for good at DONE (a device that did not obey
 * is never handed to a new owner), and its frames leave quarantine only if the device is
 * proven quiet:
 *   quiet = IOMMU_DETACH ok (it can reach no memory whatever it does)
 *        or RESET ok (its state, Bus Master Enable and MSI enables included, is gone)
 *        or no step failed (it confirmed bus mastering off and its vectors masked and
 *           drained: all that an unconfined device without reset can give, the trust
 *           Linux VFIO's noiommu mode places in it).
 * So a device whose BUSMASTER_OFF (or any step) failed, with no IOMMU detach and no
 * reset that succeeded, keeps its frames in quarantine forever and is RETIRED. Its
 * vectors are reusable only if IRQ_MASK and IRQ_DRAIN both succeeded (otherwise it may
 * still fire the old vector, and whoever held it next would take the interrupt).
 * Not covered: a device with no reset keeps its internal state (descriptors it was
 * given) into the next claim; the next owner's driver initialises it before enabling
 * bus mastering. With an IOMMU a careless one reaches only its own domain; without one
 * the pool is unconfined anyway. tests/model/devlife.pml checks these rules.
 *
 * Nothing here locks; the kernel serialises access to a record.
 */
#ifndef CAPOS_LIB_DEV_DEVMGR_H
#define CAPOS_LIB_DEV_DEVMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEV_MAX_HANDLES 64u
#define DEV_EPOCH_FIRST 1u
#define DEV_GEN_FIRST	1u

enum dev_status {
	DEV_OK = 0,
	DEV_E_STATE,	/* the record's state forbids this (a handle: record not CLAIMED) */
	DEV_E_EPOCH,	/* handle: owner epoch is not the record's */
	DEV_E_SLOT,	/* handle: slot out of range */
	DEV_E_FREE,	/* handle: slot not LIVE (free, reserved or retired) */
	DEV_E_GEN,	/* handle: stale sub-handle generation */
	DEV_E_KIND,	/* handle: kind is not the slot's */
	DEV_E_INVALID,	/* bad argument: NULL, unknown kind, trigger, step or result */
	DEV_E_BUDGET,	/* a budget limit would be exceeded */
	DEV_E_FULL,	/* no FREE slot */
	DEV_E_BUSY,	/* a transaction is pending: commit or abort it first */
	DEV_E_TEARDOWN, /* a teardown is already running; it covers this trigger too */
	DEV_E_ORDER,	/* a teardown step reported that is not the one in progress */
};

enum dev_state {
	DEV_UNCLAIMED = 0,
	DEV_CLAIMED,
	DEV_REVOKING,
	DEV_QUARANTINED,
	DEV_RETIRED,
	DEV_STATES,
};

enum dev_kind {
	DEV_H_MMIO = 0, /* a window of one BAR */
	DEV_H_IRQ,	/* one I/O APIC pin or MSI/MSI-X vector */
	DEV_H_POOL,	/* a DMA pool */
	DEV_H_BUFFER,	/* a buffer of a pool */
	DEV_KINDS,
};

enum dev_res {
	DEV_R_POOL_BYTES = 0,
	DEV_R_POOL_PAGES,
	DEV_R_MMIO_BYTES,
	DEV_R_IRQS,
	DEV_R_RING_DEPTH,
	DEV_R_INFLIGHT, /* descriptors in flight */
	DEV_R_COUNT,
};

enum dev_trigger {
	DEV_T_RELEASE = 0, /* the owner released its claim */
	DEV_T_EXIT,	   /* the owner exited */
	DEV_T_CRASH,	   /* the owner was killed by a fault */
	DEV_T_REVOKE,	   /* the manager revoked the claim */
	DEV_T_RESET,	   /* the device is being reset */
	DEV_T_DISABLE,	   /* the device is being disabled or removed */
	DEV_TRIGGERS,
};

enum dev_step {
	DEV_STEP_NONE = 0, /* no teardown in progress */
	DEV_STEP_BUSMASTER_OFF,
	DEV_STEP_IRQ_MASK,
	DEV_STEP_IRQ_DRAIN,
	DEV_STEP_IOMMU_DETACH,
	DEV_STEP_RESET,
	DEV_STEP_QUARANTINE,
	DEV_STEP_SCRUB,
	DEV_STEP_EPOCH,
	DEV_STEP_DONE,
	DEV_STEPS,
};

enum dev_step_result {
	DEV_SR_PENDING = 0, /* not reached yet */
	DEV_SR_OK,
	DEV_SR_FAILED,
	DEV_SR_UNAVAILABLE, /* IOMMU_DETACH, RESET only: counts as done, proves nothing */
	DEV_SR_SKIPPED,	    /* SCRUB only, set by this module: the frames stay quarantined */
};

enum dev_slot_state {
	DEV_SLOT_FREE = 0,
	DEV_SLOT_RESERVED,
	DEV_SLOT_LIVE,
	DEV_SLOT_RETIRED,
};

struct dev_id {
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class; /* class code, subclass, prog-if: 24 bits */
};

struct dev_budget {
	uint64_t limit[DEV_R_COUNT];
	uint64_t used[DEV_R_COUNT];
	uint64_t reserved[DEV_R_COUNT];
};

struct dev_slot {
	uint64_t charge[DEV_R_COUNT]; /* while RESERVED or LIVE */
	uint32_t gen;
	uint8_t kind;  /* enum dev_kind, while RESERVED or LIVE */
	uint8_t state; /* enum dev_slot_state */
};

struct dev_record {
	struct dev_id id;
	uint8_t state;		   /* enum dev_state */
	uint8_t trigger;	   /* enum dev_trigger of the teardown in progress or last */
	uint8_t step;		   /* enum dev_step: the next to perform, NONE outside a teardown */
	bool retire;		   /* the teardown in progress ends in RETIRED */
	uint8_t result[DEV_STEPS]; /* enum dev_step_result, since the last claim */
	uint64_t epoch;
	struct dev_budget budget;
	struct dev_slot slot[DEV_MAX_HANDLES];
	uint32_t count[DEV_KINDS]; /* LIVE handles by kind */
	uint32_t pending;	   /* RESERVED slots: transactions not committed or aborted */
	uint32_t retired;	   /* RETIRED slots */
};

struct dev_handle_ref {
	uint64_t epoch;
	uint16_t slot;
	uint32_t gen;
	uint8_t kind;
};

struct dev_txn {
	struct dev_record *rec; /* NULL once committed or aborted */
	uint64_t charge[DEV_R_COUNT];
	uint16_t slot;
	uint8_t kind;
};

/* dev_record_init: *rec describes the function id, UNCLAIMED at epoch 1, every slot FREE
 * at generation 1, budgets zero. DEV_E_INVALID for NULL rec or id. */
enum dev_status dev_record_init(struct dev_record *rec, const struct dev_id *id);

/* dev_claim: UNCLAIMED -> CLAIMED with limits[DEV_R_COUNT] as the budget; *epoch gets the
 * owner epoch to put in every handle. DEV_E_INVALID (NULL argument), DEV_E_STATE (any
 * other state); nothing changes on failure. */
enum dev_status dev_claim(struct dev_record *rec, const uint64_t limits[DEV_R_COUNT],
			  uint64_t *epoch);

/* dev_handle_reserve: starts issuing a handle of kind charged charge[DEV_R_COUNT]: the
 * lowest FREE slot becomes RESERVED and the charges are reserved; *t holds it.
 * DEV_E_INVALID (NULL, unknown kind), DEV_E_STATE (not CLAIMED), DEV_E_FULL,
 * DEV_E_BUDGET (any resource over its limit); the record is unchanged on failure. */
enum dev_status dev_handle_reserve(struct dev_record *rec, enum dev_kind kind,
				   const uint64_t charge[DEV_R_COUNT], struct dev_txn *t);

/* dev_handle_commit: the reserved slot becomes LIVE, its charges used; *out is the
 * handle. Cannot fail for a transaction dev_handle_reserve returned and nothing ended:
 * DEV_E_INVALID (NULL, or t already committed or aborted) changes nothing. */
enum dev_status dev_handle_commit(struct dev_txn *t, struct dev_handle_ref *out);

/* dev_handle_abort: undoes the reservation; the record is byte for byte as before it.
 * DEV_E_INVALID as dev_handle_commit. */
enum dev_status dev_handle_abort(struct dev_txn *t);

/* dev_handle_check: DEV_OK when h names a LIVE sub-handle of the record's current claim,
 * else the first mismatch in the order DEV_E_STATE, DEV_E_EPOCH, DEV_E_SLOT, DEV_E_FREE,
 * DEV_E_GEN, DEV_E_KIND; DEV_E_INVALID for NULL. */
enum dev_status dev_handle_check(const struct dev_record *rec, const struct dev_handle_ref *h);

/* dev_handle_release: gives back the charges of the handle h names and vacates its slot
 * (next generation, or RETIRED at UINT32_MAX). Fails as dev_handle_check, changing
 * nothing. */
enum dev_status dev_handle_release(struct dev_record *rec, const struct dev_handle_ref *h);

/* dev_teardown_begin: CLAIMED -> REVOKING for trigger why; every handle is dead from now
 * on. DEV_E_INVALID (NULL, unknown why), DEV_E_BUSY (a transaction pending),
 * DEV_E_TEARDOWN (REVOKING or QUARANTINED: the running teardown serves this trigger),
 * DEV_E_STATE (UNCLAIMED, RETIRED); nothing changes on failure. */
enum dev_status dev_teardown_begin(struct dev_record *rec, enum dev_trigger why);

/* dev_teardown_next: the step the kernel performs now, DEV_STEP_NONE when no teardown is
 * in progress (or rec is NULL). */
enum dev_step dev_teardown_next(const struct dev_record *rec);

/* dev_teardown_report: records result r (DEV_SR_OK, DEV_SR_FAILED, or DEV_SR_UNAVAILABLE
 * for IOMMU_DETACH and RESET) of step s and moves to the next step. DEV_E_INVALID (NULL,
 * a result s does not take), DEV_E_ORDER (s is not dev_teardown_next); nothing changes
 * on failure. */
enum dev_status dev_teardown_report(struct dev_record *rec, enum dev_step s,
				    enum dev_step_result r);

/* dev_teardown_done: dev_teardown_report with DEV_SR_OK or DEV_SR_FAILED. */
enum dev_status dev_teardown_done(struct dev_record *rec, enum dev_step s, bool ok);

/* dev_quiet: whether the device is proven quiet (see above) on the results so far. */
bool dev_quiet(const struct dev_record *rec);

/* dev_frames_reusable: whether the quarantined frames of the teardown since the last
 * claim may go back to the allocator: only from the DONE step on (EPOCH reported ok),
 * and only if SCRUB was asked (quiet, QUARANTINE ok) and succeeded. False for NULL. */
bool dev_frames_reusable(const struct dev_record *rec);

/* dev_vectors_reusable: whether the interrupt vectors of that teardown may be given to
 * anyone else: only from the DONE step on (EPOCH reported ok), and only if IRQ_MASK and
 * IRQ_DRAIN succeeded. False for NULL. */
bool dev_vectors_reusable(const struct dev_record *rec);

/* Names for diagnostics ("?" when out of range). */
const char *dev_state_name(enum dev_state s);
const char *dev_step_name(enum dev_step s);
const char *dev_trigger_name(enum dev_trigger t);
const char *dev_status_name(enum dev_status st);

#endif
