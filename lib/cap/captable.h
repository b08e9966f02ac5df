/* captable: a process's capability table, capability transfer, and its ledger.
 *
 * A table is a caller-provided array of slots. A slot holds (object, type tag,
 * interface id, generation) and is in one state:
 *   FREE --install/commit--> LIVE --release--> FREE (generation + 1)
 *   FREE --xfer_prepare (destination)--> RESERVED --commit--> LIVE, --abort--> FREE
 *   LIVE --xfer_prepare (move source)--> MOVING --commit--> FREE (generation + 1),
 *                                              --abort--> LIVE
 *   a slot released at generation UINT32_MAX becomes RETIRED, for good: bumping would
 *   wrap and revive every old handle.
 * A handle {slot, gen} names a capability only while the slot is LIVE at that
 * generation; anything else fails closed (CAP_E_LOOKUP; a MOVING slot CAP_E_BUSY).
 * Generations start at 1, so the all-zero handle never names anything.
 *
 * Transfer is a transaction: cap_xfer_prepare reserves every destination slot (and its
 * ledger charge) and, for a move, marks every source MOVING, so nothing can use or
 * release it meanwhile; any failure midway undoes what was done and changes nothing.
 * cap_xfer_commit then cannot fail; cap_xfer_abort restores both tables and ledgers byte
 * for byte. Authority is never duplicated (a moved source is gone exactly when the
 * destination appears) nor lost (an abort leaves the sources LIVE).
 * A copy's source stays usable: the transaction holds a snapshot of its object, so the
 * caller keeps both tables locked from prepare to commit or abort (the kernel does both
 * in one critical section) and, after commit, takes one object reference per copied
 * entry (a move hands its reference over).
 *
 * Ledger: per process, one counter per resource (cap slots, outstanding calls, pages),
 * each with a limit: reserve before any side effect, then commit (the charge becomes
 * used) or roll back (the reservation is dropped); release gives used charge back.
 * A table with a ledger charges it one CAP_RES_SLOTS per LIVE, MOVING or RESERVED slot.
 *
 * Nothing here locks; the kernel serialises access to a table.
 */
#ifndef CAPOS_LIB_CAP_CAPTABLE_H
#define CAPOS_LIB_CAP_CAPTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capos/ring.h"

#define CAP_XFER_MAX 8u /* capabilities per transfer (RING_MAX_XFER) */

enum cap_status {
	CAP_OK = 0,
	CAP_E_LOOKUP,  /* out of range, stale generation, not LIVE */
	CAP_E_BUSY,    /* reserved by a pending move, or a transaction is pending */
	CAP_E_FULL,    /* no free slot in the table */
	CAP_E_LEDGER,  /* a ledger limit would be exceeded */
	CAP_E_INVALID, /* bad argument (NULL object, too many handles, bad counts) */
};

enum cap_slot_state {
	CAP_SLOT_FREE = 0,
	CAP_SLOT_RESERVED, /* destination of a prepared transfer */
	CAP_SLOT_LIVE,
	CAP_SLOT_MOVING, /* source of a prepared move */
	CAP_SLOT_RETIRED,
};

struct cap_slot {
	void *obj;
	uint64_t iface; /* interface id (schema/capos.capnp) */
	uint32_t gen;
	uint16_t type; /* object type tag, the kernel's */
	uint8_t state; /* enum cap_slot_state */
	uint8_t pad;
};

/* What a handle names. */
struct cap_ref {
	void *obj;
	uint64_t iface;
	uint16_t type;
};

enum cap_res {
	CAP_RES_SLOTS = 0,
	CAP_RES_CALLS, /* outstanding calls */
	CAP_RES_PAGES,
	CAP_RES_PROCS, /* live processes spawned */
	CAP_RES_KHEAP, /* kernel heap bytes pinned by calls in progress */
	CAP_RES_COUNT,
};

struct cap_ledger_entry {
	uint64_t limit;
	uint64_t used;	   /* committed charge */
	uint64_t reserved; /* reserved, not yet committed; used + reserved <= limit */
};

struct cap_ledger {
	struct cap_ledger_entry res[CAP_RES_COUNT];
};

struct cap_table {
	struct cap_slot *slot;
	uint32_t capacity;
	uint32_t live;		   /* LIVE and MOVING slots */
	uint32_t pending;	   /* prepared transactions naming this table (src, dst) */
	uint32_t retired;	   /* RETIRED slots */
	struct cap_ledger *ledger; /* may be NULL: no accounting */
	/* may be NULL; else true for a capability that must never be copied: a
	 * transfer out of this table moves it even when the transfer copies the
	 * others (exclusive authority, e.g. a claimed device). */
	bool (*move_only)(const struct cap_ref *ref);
};

struct cap_xfer_txn {
	struct cap_table *src, *dst;
	uint32_t n;
	bool move;
	bool prepared;
	bool moved[CAP_XFER_MAX]; /* entry i moves (move, or src->move_only says so) */
	uint32_t src_slot[CAP_XFER_MAX];
	uint32_t dst_slot[CAP_XFER_MAX];
	struct cap_ref ref[CAP_XFER_MAX];
	struct capos_handle out[CAP_XFER_MAX]; /* the receiver's handles, after commit */
};

/* Called by cap_table_clear for each LIVE capability (the object's teardown hook). */
typedef void (*cap_release_fn)(void *ctx, const struct cap_ref *ref);

/* cap_ledger_init: limits per resource, nothing used or reserved. */
void cap_ledger_init(struct cap_ledger *l, uint64_t slots, uint64_t calls, uint64_t pages);
/* cap_ledger_set_limit: the limit of r (resources cap_ledger_init does not name
 * start at 0). CAP_E_INVALID for an unknown r or a limit below what is charged. */
enum cap_status cap_ledger_set_limit(struct cap_ledger *l, enum cap_res r, uint64_t limit);
/* cap_ledger_reserve: reserves n of r. CAP_E_LEDGER when used + reserved + n > limit,
 * CAP_E_INVALID for an unknown r; nothing changes on failure. */
enum cap_status cap_ledger_reserve(struct cap_ledger *l, enum cap_res r, uint64_t n);
/* cap_ledger_commit: turns n reserved into used. CAP_E_INVALID if n > reserved. */
enum cap_status cap_ledger_commit(struct cap_ledger *l, enum cap_res r, uint64_t n);
/* cap_ledger_rollback: drops n reserved. CAP_E_INVALID if n > reserved. */
enum cap_status cap_ledger_rollback(struct cap_ledger *l, enum cap_res r, uint64_t n);
/* cap_ledger_release: gives n used back. CAP_E_INVALID if n > used. */
enum cap_status cap_ledger_release(struct cap_ledger *l, enum cap_res r, uint64_t n);

/* cap_table_init: slots[capacity] become FREE at generation 1. ledger may be NULL.
 * CAP_E_INVALID for capacity 0 or NULL slots. */
enum cap_status cap_table_init(struct cap_table *t, struct cap_slot *slots, uint32_t capacity,
			       struct cap_ledger *ledger);

/* cap_install: puts (obj, type, iface) in the lowest FREE slot, charging the ledger,
 * and stores its handle in *out. CAP_E_INVALID (obj NULL), CAP_E_FULL, CAP_E_LEDGER. */
enum cap_status cap_install(struct cap_table *t, void *obj, uint16_t type, uint64_t iface,
			    struct capos_handle *out);

/* cap_lookup: what h names. CAP_E_LOOKUP or CAP_E_BUSY (moving); *out untouched then. */
enum cap_status cap_lookup(const struct cap_table *t, struct capos_handle h, struct cap_ref *out);

/* cap_release: removes the capability h names, storing it in *out (may be NULL) so the
 * caller drops its object reference; the slot's generation moves on (or it retires).
 * CAP_E_LOOKUP, CAP_E_BUSY. */
enum cap_status cap_release(struct cap_table *t, struct capos_handle h, struct cap_ref *out);

/* cap_xfer_prepare: prepares the transfer of handles[0..n) from src to dst (copy, or move
 * when move is true; a capability src->move_only names is always moved, and
 * txn->moved[i] says which were) into *txn. On failure (CAP_E_INVALID n > CAP_XFER_MAX,
 * CAP_E_LOOKUP, CAP_E_BUSY a source already moving, e.g. the same handle moved twice, CAP_E_FULL,
 * CAP_E_LEDGER on dst's ledger) both tables and ledgers are exactly as before. */
enum cap_status cap_xfer_prepare(struct cap_table *src, struct cap_table *dst,
				 const struct capos_handle *handles, uint32_t n, bool move,
				 struct cap_xfer_txn *txn);

/* cap_xfer_commit: installs every entry at the destination (txn->out[] gets the handles)
 * and, for a move, removes the sources. CAP_E_INVALID only if txn is not prepared. */
enum cap_status cap_xfer_commit(struct cap_xfer_txn *txn);

/* cap_xfer_abort: undoes a prepared transaction exactly. CAP_E_INVALID if not prepared. */
enum cap_status cap_xfer_abort(struct cap_xfer_txn *txn);

/* cap_table_clear: releases every LIVE capability, calling on_release(ctx, ref) for each
 * first (on_release may be NULL). CAP_E_BUSY, changing nothing, while a transaction
 * names the table: the caller commits or aborts it first. */
enum cap_status cap_table_clear(struct cap_table *t, cap_release_fn on_release, void *ctx);

/* cap_status_to_capos: the CQE status for a cap_status. */
enum capos_status cap_status_to_capos(enum cap_status st);

#endif
