/* kobj: kernel objects reached through capabilities.
 *
 * Every object starts with a struct kobj: its type's operations, a reference
 * count and a handle count. A cap table slot holds (object, interface id,
 * generation); the interface id in the slot says which interface the holder was
 * given (the interface is the permission), the object's ops how it behaves.
 *
 * Lifetimes. A reference keeps the memory of an object; a handle (a cap slot
 * naming it) is also a reference. Who holds references: every cap slot, every
 * invocation in progress (kobj_invoke, for its whole duration, blocking
 * included), every call queued on or received from an endpoint, a process for
 * its own ProcessHandle. When the last handle goes, on_zero_handles starts the
 * object's quiescing (nobody can name it any more); when the last reference
 * goes, destroy frees it. Static objects (Console, Timer, ...) have no destroy.
 *
 * Adding an object type: one file with its struct (kobj first), its ops and
 * its constructor. */
#ifndef CAPOS_OBJ_KOBJ_H
#define CAPOS_OBJ_KOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capos/ring.h"

struct proc;
struct kobj;

#define KOBJ_SLOT_TAG 1 /* the cap table's type tag: every slot names a struct kobj */

/* One CALL, decoded and with its parameters already copied into the kernel. */
struct kcall {
	struct proc *caller;
	uint64_t iface; /* the slot's interface */
	uint16_t method;
	const uint8_t *params;
	size_t params_len;
	uint8_t *result; /* kernel buffer the result message is built in */
	size_t result_cap;
	size_t result_len;		 /* set by the object */
	const struct capos_handle *xfer; /* capabilities sent beside the message */
	uint32_t nxfer;
	bool move;		 /* CAPOS_SQE_F_MOVE: the sender gives them up */
	struct capos_handle ret; /* a capability the object installed for the caller */
	bool has_ret;
};

struct kobj_ops {
	const char *name;
	bool takes_caps; /* a call may carry capabilities beside it */
	bool move_only;	 /* never copied: a transfer always moves it (exclusive authority) */
	bool no_xfer;	 /* never leaves its holder's table (bound to its address space) */
	/* decode: checks interface, method and parameters of c; no side effect. */
	enum capos_status (*decode)(struct kobj *o, const struct kcall *c);
	/* invoke: runs a decoded call. It fails only for what decode cannot know
	 * (resources, a peer that went away, the caller killed while it waits). */
	enum capos_status (*invoke)(struct kobj *o, struct kcall *c);
	/* on_handle: optional; a handle of interface iface came (+1) or went (-1). */
	void (*on_handle)(struct kobj *o, uint64_t iface, int delta);
	/* on_zero_handles: optional; the last handle went: stop taking new work. */
	void (*on_zero_handles)(struct kobj *o);
	/* destroy: the last reference went: free. NULL for static objects. */
	void (*destroy)(struct kobj *o);
};

struct kobj {
	const struct kobj_ops *ops;
	uint32_t refs;	  /* handles, invocations, queued and received calls, ... */
	uint32_t handles; /* cap slots naming it */
};

/* kobj_init: o of type ops with one reference, the caller's, and no handle. */
void kobj_init(struct kobj *o, const struct kobj_ops *ops);
/* kobj_get / kobj_put: a reference. The last put destroys the object. */
void kobj_get(struct kobj *o);
void kobj_put(struct kobj *o);
/* kobj_handle_get / kobj_handle_put: a cap slot of interface iface began or
 * stopped naming o (each also a reference). */
void kobj_handle_get(struct kobj *o, uint64_t iface);
void kobj_handle_put(struct kobj *o, uint64_t iface);

/* kobj_move_only: the cap table hook (cap_table.move_only) for move_only types. */
struct cap_ref;
bool kobj_move_only(const struct cap_ref *ref);
/* kobj_xfer_refused: whether a prepared transfer names an object that may not
 * leave its holder (no_xfer); the caller aborts it then (CAPOS_E_INVOKE). */
struct cap_xfer_txn;
bool kobj_xfer_refused(const struct cap_xfer_txn *txn);

/* kobj_invoke: runs c on o, holding a reference for the whole call; returns the
 * CQE status. Objects whose type takes no capabilities refuse a call carrying
 * some (CAPOS_E_INVOKE). */
enum capos_status kobj_invoke(struct kobj *o, struct kcall *c);

/* The static objects, granted by the boot manifest. */
extern struct kobj kobj_console, kobj_timer, kobj_spawner, kobj_bootmanifest, kobj_memory;

/* kobj_is_event / event_signal_kobj: an Event, and signalling it (from any
 * context, interrupt handlers included). */
bool kobj_is_event(const struct kobj *o);
void event_signal_kobj(struct kobj *o);

/* shm_pages_in_use: pages of SharedMemory objects alive (the system ledger). */
uint64_t shm_pages_in_use(void);

/* A ProcessHandle: shared by the cap slots naming it and the process itself. */
struct proc_handle {
	struct kobj hdr;
	int pid;
	volatile bool ended;
	int reason; /* CAPOS_EXIT_REASON_* */
	int64_t status;
	struct proc *waiters; /* processes blocked in wait (proc.h wait lists) */
	struct kobj *event;   /* ProcessHandle.notify's Event (a reference), signalled at the end */
};

/* proc_handle_new: a ProcessHandle for pid with one reference, or NULL. */
struct proc_handle *proc_handle_new(int pid);

#endif
