/* kobj: kernel objects reached through capabilities. Each cap table slot holds
 * (object, interface id, generation); the object's type picks its invoke
 * function, the interface id in the slot says which interface the holder was
 * given (the interface is the permission). */
#ifndef CAPOS_OBJ_KOBJ_H
#define CAPOS_OBJ_KOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capos/ring.h"

struct proc;

enum kobj_type {
	KOBJ_NONE = 0,
	KOBJ_CONSOLE = 1,
	KOBJ_TIMER = 2,
	KOBJ_SPAWNER = 3,
	KOBJ_PROCHANDLE = 4,
	KOBJ_BOOTMANIFEST = 5,
	KOBJ_ENDPOINT = 6,	  /* the server facet (interface Endpoint) */
	KOBJ_ENDPOINT_CLIENT = 7, /* the same object's client facet */
};

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

/* A ProcessHandle: shared by the cap slots naming it and the process itself. */
struct proc_handle {
	uint32_t refs;
	int pid;
	volatile bool ended;
	int reason; /* CAPOS_EXIT_REASON_* */
	int64_t status;
};

/* kobj_ref / kobj_unref: counted objects (process handles); singletons ignore. */
void kobj_ref(void *obj, uint16_t type);
void kobj_unref(void *obj, uint16_t type);

/* kobj_invoke: runs c on the object; returns the CQE status. Only objects that
 * take capabilities (ProcessSpawner, an endpoint's client facet) accept a call
 * with capabilities beside it; the others refuse it (CAPOS_E_INVOKE). */
enum capos_status kobj_invoke(void *obj, uint16_t type, struct kcall *c);

/* The console object (a singleton). */
extern char kobj_console;
enum capos_status console_invoke(struct kcall *c);

/* The timer object (a singleton). */
extern char kobj_timer;
enum capos_status timer_invoke(struct kcall *c);

/* Process objects (proc_obj.c). */
extern char kobj_spawner, kobj_bootmanifest;
enum capos_status spawner_invoke(struct kcall *c);
enum capos_status handle_invoke(struct proc_handle *h, struct kcall *c);
enum capos_status bootmanifest_invoke(struct kcall *c);

#endif
