/* endpoint: call queue, receive tokens, replies, and the capabilities that
 * travel beside calls and replies.
 *
 * A call's life, under the endpoint's lock:
 *   QUEUED --RECV--> TAKING --delivered--> RECEIVED --RETURN--> RETURNING --> DONE
 *   (a call that cannot be delivered goes straight to DONE with an error)
 *   QUEUED --caller killed--> FREE (withdrawn)
 *   RECEIVED --caller killed--> ABANDONED --RETURN or server exit--> FREE
 * Whose cap table is touched where: the server moves or copies the caller's
 * capabilities into its own table while the call is TAKING, and its reply
 * capability into the caller's table while RETURNING; the caller waits, even
 * when killed, until neither is in progress (both are short and never block),
 * so its table is never torn down under a transfer. A killed caller never
 * waits for a server that holds its call: it abandons it.
 *
 * Lifetimes: the caller's invocation holds a reference on the endpoint for as
 * long as it waits; each received call holds one until returned. */
#include "endpoint.h"
#include "arch/x86_64/usercopy.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "core/lockorder.h"
#include "core/spinlock.h"
#include "lib/irq/registry.h"
#include "lib/str.h"
#include "mm/heap.h"
#include "proc/proc.h"

enum ep_state {
	EP_FREE = 0,
	EP_QUEUED,
	EP_TAKING,
	EP_RECEIVED,
	EP_RETURNING,
	EP_DONE,
	EP_ABANDONED,
};

struct ep_call {
	int state;
	uint16_t method;
	bool move;    /* the capabilities beside the call move to the server */
	bool has_ret; /* the reply carried a capability: ret */
	bool abandon; /* the caller was killed: a failed RETURN abandons, not requeues */
	uint32_t nxfer;
	struct proc *caller;
	struct proc *waiter; /* the caller, while it waits (a wait list of one) */
	uint8_t *params;
	size_t params_len;
	uint8_t *reply;
	size_t reply_cap, reply_len;
	int32_t status;
	uint64_t seq;				 /* arrival order */
	struct capos_handle xfer[RING_MAX_XFER]; /* in the caller's table */
	struct capos_handle ret;		 /* in the caller's table */
};

struct endpoint {
	struct kobj hdr;
	uint32_t servers; /* handles of the server facet */
	bool closed;	  /* no server facet is left: calls fail */
	spinlock_t lock;
	uint64_t seq;
	struct proc *receivers; /* servers blocked in RECV */
	struct ep_call calls[EP_QUEUE];
};

static uint64_t ep_lock(struct endpoint *e)
{
	uint64_t fl = spin_lock_irqsave(&e->lock);
	lockorder_acquire(LOCK_CLASS_ENDPOINT);
	return fl;
}

static void ep_unlock(struct endpoint *e, uint64_t fl)
{
	lockorder_release(LOCK_CLASS_ENDPOINT);
	spin_unlock_irqrestore(&e->lock, fl);
}

static int state_of(const struct ep_call *c)
{
	return __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
}

static void set_state(struct ep_call *c, int st)
{
	__atomic_store_n(&c->state, st, __ATOMIC_RELEASE);
}

static void free_slot(struct ep_call *c)
{
	kfree(c->params);
	kfree(c->reply);
	c->params = c->reply = NULL;
	set_state(c, EP_FREE);
}

/* Ends a call with status (the reply bytes in place when status is OK). The
 * caller is woken by wake_caller once the lock is dropped. */
static void complete_locked(struct ep_call *c, int32_t status)
{
	c->status = status;
	set_state(c, EP_DONE);
}

/* The caller is gone (killed): the server only frees the slot later, so the
 * buffers go now, charged to nobody otherwise. Lock held. */
static void abandon_locked(struct ep_call *c)
{
	kfree(c->params);
	kfree(c->reply);
	c->params = c->reply = NULL;
	c->reply_cap = 0;
	c->caller = NULL;
	set_state(c, EP_ABANDONED);
}

/* A server is done taking or returning the call: it is received again, or
 * abandoned if its caller was killed meanwhile. Lock held. */
static void settle_locked(struct ep_call *c)
{
	if (c->abandon)
		abandon_locked(c);
	else
		set_state(c, EP_RECEIVED);
}

static void wake_caller(struct ep_call *c)
{
	proc_wake_all(&c->waiter);
}

static void ep_on_handle(struct kobj *o, uint64_t iface, int delta)
{
	struct endpoint *e = (struct endpoint *)o;
	struct ep_call *failed[EP_QUEUE];
	unsigned nfailed = 0;
	if (iface != CAPOS_IFACE_ENDPOINT)
		return;
	uint64_t fl = ep_lock(e);
	e->servers += (uint32_t)delta;
	if (e->servers == 0) {
		/* The last server facet gone: nobody can ever receive what is
		 * queued, so those calls fail now. Calls already received finish
		 * when returned. */
		e->closed = true;
		for (int i = 0; i < EP_QUEUE; i++)
			if (e->calls[i].state == EP_QUEUED) {
				complete_locked(&e->calls[i], CAPOS_E_INVOKE);
				failed[nfailed++] = &e->calls[i];
			}
	}
	ep_unlock(e, fl);
	for (unsigned i = 0; i < nfailed; i++)
		wake_caller(failed[i]);
}

static void ep_destroy(struct kobj *o)
{
	kfree(o); /* no call is left: each held a reference */
}

static enum capos_status ep_decode(struct kobj *o, const struct kcall *c);
static enum capos_status ep_invoke(struct kobj *o, struct kcall *c);

static const struct kobj_ops endpoint_ops = {.name = "Endpoint",
					     .takes_caps = true,
					     .decode = ep_decode,
					     .invoke = ep_invoke,
					     .on_handle = ep_on_handle,
					     .destroy = ep_destroy};

struct kobj *endpoint_new(void)
{
	struct endpoint *e = kmalloc(sizeof(*e));
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	kobj_init(&e->hdr, &endpoint_ops);
	return &e->hdr;
}

struct endpoint *endpoint_of(struct kobj *o)
{
	return o->ops == &endpoint_ops ? (struct endpoint *)o : NULL;
}

/* Checks that handles[0..n) could be sent (each names a live capability; a
 * move names none twice) by preparing a transfer into a scratch table and
 * undoing it: nothing changes. */
static enum capos_status check_sendable(struct cap_table *t, const struct capos_handle *handles,
					uint32_t n, bool move)
{
	struct cap_slot slots[CAP_XFER_MAX];
	struct cap_table scratch;
	struct cap_xfer_txn txn;
	if (cap_table_init(&scratch, slots, CAP_XFER_MAX, NULL) != CAP_OK)
		return CAPOS_E_INVOKE;
	enum cap_status st = cap_xfer_prepare(t, &scratch, handles, n, move, &txn);
	if (st != CAP_OK)
		return cap_status_to_capos(st);
	bool refused = kobj_xfer_refused(&txn);
	cap_xfer_abort(&txn);
	return refused ? CAPOS_E_INVOKE : CAPOS_OK;
}

/* Transfers handles[0..n) from src to dst as one transaction (copy or move);
 * the destination handles go to out[]. Copies count a new handle each, a move
 * hands its handle over. On failure nothing changed. */
static enum capos_status transfer(struct cap_table *src, struct cap_table *dst,
				  const struct capos_handle *handles, uint32_t n, bool move,
				  struct capos_handle *out)
{
	struct cap_xfer_txn txn;
	enum cap_status st = cap_xfer_prepare(src, dst, handles, n, move, &txn);
	if (st != CAP_OK)
		return cap_status_to_capos(st);
	if (kobj_xfer_refused(&txn)) {
		cap_xfer_abort(&txn);
		return CAPOS_E_INVOKE;
	}
	cap_xfer_commit(&txn);
	for (uint32_t i = 0; i < n; i++) {
		if (!txn.moved[i])
			kobj_handle_get(txn.ref[i].obj, txn.ref[i].iface);
		out[i] = txn.out[i];
	}
	return CAPOS_OK;
}

static bool call_done(void *arg)
{
	return state_of(arg) == EP_DONE;
}

static bool call_not_busy(void *arg)
{
	int st = state_of(arg);
	return st != EP_TAKING && st != EP_RETURNING;
}

static enum capos_status ep_decode(struct kobj *o, const struct kcall *c)
{
	(void)o;
	if (c->iface == CAPOS_IFACE_ENDPOINT_CLIENT)
		return c->nxfer > RING_MAX_XFER ? CAPOS_E_BAD_PARAMS : CAPOS_OK;
	if (c->iface == CAPOS_IFACE_ENDPOINT && c->method == CAPOS_ENDPOINT_NEW_CLIENT &&
	    c->nxfer == 0)
		return CAPOS_OK;
	return CAPOS_E_INVOKE;
}

/* After the wait: the call is DONE (take the reply), or the caller was killed
 * (withdraw it if still queued, abandon it if a server holds it). */
static enum capos_status client_finish(struct endpoint *e, struct ep_call *slot, struct kcall *c)
{
	enum capos_status st;
	uint64_t fl = ep_lock(e);
	while (slot->state == EP_TAKING || slot->state == EP_RETURNING) {
		/* A server is moving capabilities in or out of this table right
		 * now: short, and it never blocks. A RETURN that then fails
		 * abandons the call instead of taking it back (a server retrying
		 * RETURN must not hold a killed caller up). */
		if (proc_killed_current())
			slot->abandon = true;
		ep_unlock(e, fl);
		proc_wait_uninterruptible(&slot->waiter, call_not_busy, slot);
		fl = ep_lock(e);
	}
	switch (slot->state) {
	case EP_QUEUED: /* killed before any server took it: withdraw */
		free_slot(slot);
		st = CAPOS_E_INVOKE;
		break;
	case EP_RECEIVED: /* killed while a server holds it: abandon it */
	case EP_ABANDONED:
		abandon_locked(slot);
		st = CAPOS_E_INVOKE;
		break;
	default: /* EP_DONE */
		st = slot->status;
		if (st == CAPOS_OK && slot->reply_len > 0)
			memcpy(c->result, slot->reply, slot->reply_len);
		c->result_len = st == CAPOS_OK ? slot->reply_len : 0;
		if (slot->has_ret) {
			c->ret = slot->ret;
			c->has_ret = true;
		}
		free_slot(slot);
		break;
	}
	ep_unlock(e, fl);
	return st;
}

/* The client side: queue, hand the CPU to a waiting server, block until the
 * server returned (or the caller is killed), take the reply. */
static enum capos_status client_call(struct endpoint *e, struct kcall *c)
{
	struct ep_call *slot = NULL;
	struct cap_ledger *ledger = c->caller->caps.ledger;
	enum capos_status st = CAPOS_OK;
	if (c->nxfer != 0 &&
	    (st = check_sendable(&c->caller->caps, c->xfer, c->nxfer, c->move)) != CAPOS_OK)
		return st;
	/* An outstanding call is a charge on the caller's ledger until it ends.
	 * The kernel buffers it pins are charged by the invocation (ring_service:
	 * the same sizes, held for as long as this call lasts), and freed when
	 * the caller leaves, even if it abandons the call. */
	if (cap_ledger_reserve(ledger, CAP_RES_CALLS, 1) != CAP_OK)
		return CAPOS_E_NO_RESOURCES;
	cap_ledger_commit(ledger, CAP_RES_CALLS, 1);
	uint8_t *params = kmalloc(c->params_len);
	uint8_t *reply = c->result_cap ? kmalloc(c->result_cap) : NULL;
	if (params == NULL || (c->result_cap && reply == NULL)) {
		st = CAPOS_E_NO_RESOURCES;
		goto out;
	}
	memcpy(params, c->params, c->params_len);
	uint64_t fl = ep_lock(e);
	for (int i = 0; i < EP_QUEUE && slot == NULL && !e->closed; i++)
		if (e->calls[i].state == EP_FREE)
			slot = &e->calls[i];
	if (slot != NULL) {
		/* The wait list (empty whenever the slot is free) is left alone:
		 * a late wake-up from the slot's last user touches only it. */
		struct proc *waiter = slot->waiter;
		memset(slot, 0, sizeof(*slot));
		slot->waiter = waiter;
		slot->method = c->method;
		slot->move = c->move;
		slot->nxfer = c->nxfer;
		slot->caller = c->caller;
		slot->params = params;
		slot->params_len = c->params_len;
		slot->reply = reply;
		slot->reply_cap = c->result_cap;
		slot->seq = e->seq++;
		memcpy(slot->xfer, c->xfer, c->nxfer * sizeof(c->xfer[0]));
		set_state(slot, EP_QUEUED);
	}
	st = e->closed ? CAPOS_E_INVOKE : CAPOS_E_NO_RESOURCES; /* disconnected, or overloaded */
	ep_unlock(e, fl);
	if (slot == NULL)
		goto out;
	params = reply = NULL; /* the slot owns them now */
	proc_wake_and_wait_on(&e->receivers, &slot->waiter, call_done, slot);
	st = client_finish(e, slot, c);
out:
	kfree(params);
	kfree(reply);
	cap_ledger_release(ledger, CAP_RES_CALLS, 1);
	return st;
}

static enum capos_status new_client(struct endpoint *e, struct kcall *c)
{
	struct capnp_builder b;
	struct capnp_struct root;
	if (proc_install(c->caller, &e->hdr, CAPOS_IFACE_ENDPOINT_CLIENT, &c->ret) != CAP_OK)
		return CAPOS_E_NO_RESOURCES;
	c->has_ret = true;
	if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
	    capos_endpoint_new_client_results_init_root(&b, &root) == CAPNP_OK &&
	    capos_endpoint_new_client_results_set_client(&b, &root, 0) == CAPNP_OK)
		c->result_len = b.used;
	return CAPOS_OK;
}

static enum capos_status ep_invoke(struct kobj *o, struct kcall *c)
{
	struct endpoint *e = (struct endpoint *)o;
	if (c->iface == CAPOS_IFACE_ENDPOINT_CLIENT)
		return client_call(e, c);
	return new_client(e, c);
}

static bool has_queued(void *arg)
{
	struct endpoint *e = arg;
	for (int i = 0; i < EP_QUEUE; i++)
		if (state_of(&e->calls[i]) == EP_QUEUED)
			return true;
	return false;
}

/* Takes the oldest queued call that fits a receiver with room for `room`
 * message bytes and `xroom` capabilities: TAKING, or NULL. Older ones that do
 * not fit are completed with CAPOS_E_BAD_PARAMS into failed[] (their callers
 * are woken once the lock is dropped): one such call must not wedge the
 * endpoint for every other client. */
static struct ep_call *take_oldest_locked(struct endpoint *e, size_t room, uint32_t xroom,
					  struct ep_call **failed, unsigned *nfailed)
{
	for (;;) {
		struct ep_call *oldest = NULL;
		for (int i = 0; i < EP_QUEUE; i++)
			if (e->calls[i].state == EP_QUEUED &&
			    (oldest == NULL || e->calls[i].seq < oldest->seq))
				oldest = &e->calls[i];
		if (oldest == NULL)
			return NULL;
		if (oldest->params_len <= room && oldest->nxfer <= xroom) {
			set_state(oldest, EP_TAKING);
			return oldest;
		}
		complete_locked(oldest, CAPOS_E_BAD_PARAMS);
		failed[(*nfailed)++] = oldest;
	}
}

/* Delivers a call being taken into p: message, then capabilities. */
static enum capos_status deliver(struct proc *p, struct ep_call *call, const struct ring_req *q)
{
	struct capos_handle got[RING_MAX_XFER];
	if (!copy_to_user(q->result_addr, call->params, call->params_len))
		return CAPOS_E_BAD_RESULT;
	if (call->nxfer == 0)
		return CAPOS_OK;
	/* Probe the handle array before the transfer: once committed, the
	 * capabilities are p's and the write below must not fail. */
	memset(got, 0, sizeof(got));
	if (!copy_to_user(q->xfer_addr, got, call->nxfer * sizeof(got[0])))
		return CAPOS_E_BAD_RESULT;
	enum capos_status st =
	    transfer(&call->caller->caps, &p->caps, call->xfer, call->nxfer, call->move, got);
	if (st != CAPOS_OK)
		return st;
	copy_to_user(q->xfer_addr, got, call->nxfer * sizeof(got[0])); /* probed above */
	return CAPOS_OK;
}

static int free_token(struct proc *p)
{
	for (int i = 0; i < PROC_RECV_MAX; i++)
		if (p->recv[i].ep == NULL && p->recv[i].gen != RING_TOKEN_RETIRED)
			return i;
	return -1;
}

enum capos_status endpoint_recv(struct proc *p, struct endpoint *e, const struct ring_req *q,
				struct capos_cqe *cqe)
{
	struct ep_call *failed[EP_QUEUE], *call = NULL;
	int tok = free_token(p);
	if (tok < 0 || cap_ledger_reserve(&p->ledger, CAP_RES_CALLS, 1) != CAP_OK)
		return CAPOS_E_NO_RESOURCES; /* too many calls received and not returned */
	for (;;) {
		unsigned nfailed = 0;
		uint64_t fl = ep_lock(e);
		call = take_oldest_locked(e, q->result_len, q->xfer_count, failed, &nfailed);
		ep_unlock(e, fl);
		for (unsigned i = 0; i < nfailed; i++)
			wake_caller(failed[i]);
		if (call != NULL || proc_killed_current())
			break;
		proc_wait_on_call(&e->receivers, has_queued, e);
	}
	if (call == NULL) {
		cap_ledger_rollback(&p->ledger, CAP_RES_CALLS, 1);
		return CAPOS_E_INVOKE; /* killed while waiting */
	}
	enum capos_status st = deliver(p, call, q);
	uint64_t fl = ep_lock(e);
	if (st == CAPOS_OK) {
		kfree(call->params); /* delivered: nobody reads it again */
		call->params = NULL;
		settle_locked(call);
	} else
		complete_locked(call, CAPOS_E_INVOKE); /* this server could not take it */
	ep_unlock(e, fl);
	if (st != CAPOS_OK) {
		wake_caller(call);
		cap_ledger_rollback(&p->ledger, CAP_RES_CALLS, 1);
		return st;
	}
	wake_caller(call); /* a killed caller may wait for TAKING to end */
	cap_ledger_commit(&p->ledger, CAP_RES_CALLS, 1);
	kobj_get(&e->hdr);
	p->recv[tok].ep = e;
	p->recv[tok].call = call;
	p->recv[tok].gen++;
	cqe->aux = (uint64_t)tok | (uint64_t)p->recv[tok].gen << 32;
	cqe->method = call->method;
	cqe->result_len = (uint32_t)call->params_len;
	cqe->xfer_count = call->nxfer;
	return CAPOS_OK;
}

/* Gives token tok back; a generation that would wrap retires it for good. */
static void drop_token(struct proc *p, unsigned tok)
{
	struct endpoint *e = p->recv[tok].ep;
	p->recv[tok].ep = NULL;
	p->recv[tok].call = NULL;
	p->recv[tok].gen = ring_token_gen_after(p->recv[tok].gen);
	cap_ledger_release(&p->ledger, CAP_RES_CALLS, 1);
	kobj_put(&e->hdr);
}

/* Ends the call p received under tok with status (reply bytes in place). */
static void finish(struct proc *p, unsigned tok, enum capos_status st)
{
	struct endpoint *e = p->recv[tok].ep;
	struct ep_call *call = p->recv[tok].call;
	uint64_t fl = ep_lock(e);
	bool gone = call->state == EP_ABANDONED;
	if (gone)
		free_slot(call);
	else
		complete_locked(call, st);
	ep_unlock(e, fl);
	if (!gone)
		wake_caller(call);
	drop_token(p, tok);
}

enum capos_status endpoint_return(struct proc *p, const struct ring_req *q)
{
	uint32_t tok = q->target.slot;
	struct capos_handle h;
	if (tok >= PROC_RECV_MAX || p->recv[tok].ep == NULL || p->recv[tok].gen != q->target.gen)
		return CAPOS_E_LOOKUP; /* no such call received, or already returned */
	struct endpoint *e = p->recv[tok].ep;
	struct ep_call *call = p->recv[tok].call;
	if (q->xfer_count > 1)
		return CAPOS_E_BAD_PARAMS; /* a reply carries at most one capability */
	uint64_t fl = ep_lock(e);
	int st0 = call->state;
	if (st0 == EP_RECEIVED && q->params_len <= call->reply_cap)
		set_state(call, EP_RETURNING);
	ep_unlock(e, fl);
	if (st0 == EP_ABANDONED) {
		finish(p, tok, CAPOS_E_INVOKE); /* the caller is gone: drop the reply */
		return CAPOS_E_INVOKE;
	}
	if (q->params_len > call->reply_cap) {
		finish(p, tok, CAPOS_E_BAD_RESULT); /* the caller's buffer is too small */
		return CAPOS_E_BAD_PARAMS;
	}
	/* RETURNING: the caller waits (even killed) until this is over. */
	enum capos_status st = CAPOS_OK;
	if (!copy_from_user(call->reply, q->params_addr, q->params_len) ||
	    (q->xfer_count == 1 && !copy_from_user(&h, q->xfer_addr, sizeof(h))))
		st = CAPOS_E_BAD_PARAMS;
	if (st == CAPOS_OK && q->xfer_count == 1) {
		st = transfer(&p->caps, &call->caller->caps, &h, 1, q->move, &call->ret);
		call->has_ret = st == CAPOS_OK;
	}
	if (st != CAPOS_OK) {
		/* Until the reply is complete the call stays received: RETURN it
		 * again (or exit). */
		fl = ep_lock(e);
		settle_locked(call);
		ep_unlock(e, fl);
		wake_caller(call);
		return st;
	}
	call->reply_len = q->params_len;
	finish(p, tok, CAPOS_OK);
	return CAPOS_OK;
}

void endpoint_proc_exit(struct proc *p)
{
	for (unsigned i = 0; i < PROC_RECV_MAX; i++)
		if (p->recv[i].ep != NULL)
			finish(p, i, CAPOS_E_INVOKE); /* the server went away */
}
