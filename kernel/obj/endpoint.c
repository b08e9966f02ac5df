/* endpoint: call queue, receive tokens, replies, and the capabilities that
 * travel beside calls and replies.
 *
 * Whose cap table is touched where. A process's table is used by its own
 * thread, and by one other thread only while the process is blocked in an
 * endpoint call: the server that received the call moves or copies the
 * caller's capabilities into its own table at RECV, and its reply capability
 * into the caller's table at RETURN. The caller touches nothing of its table
 * from queuing the call until the call is EP_DONE (release/acquire on state),
 * and a process has at most one call outstanding (it blocks in it), so the two
 * never overlap. */
#include "endpoint.h"
#include "arch/x86_64/usercopy.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "core/spinlock.h"
#include "lib/str.h"
#include "mm/heap.h"
#include "proc/proc.h"

enum ep_state { EP_FREE = 0, EP_QUEUED, EP_RECEIVED, EP_DONE };

struct ep_call {
	volatile int state;
	uint16_t method;
	bool move;    /* the capabilities beside the call move to the server */
	bool has_ret; /* the reply carried a capability: ret */
	uint32_t nxfer;
	struct proc *caller;
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
	uint32_t refs;	  /* cap slots of both facets, and received calls */
	uint32_t servers; /* cap slots of the server facet */
	bool closed;	  /* no server facet is left: calls fail */
	spinlock_t lock;
	uint64_t seq;
	struct ep_call calls[EP_QUEUE];
};

struct endpoint *endpoint_new(void)
{
	struct endpoint *e = kmalloc(sizeof(*e));
	if (e != NULL) {
		memset(e, 0, sizeof(*e));
		e->refs = 1;
		e->servers = 1;
	}
	return e;
}

void endpoint_ref(struct endpoint *e, bool server)
{
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
	if (server)
		__atomic_add_fetch(&e->servers, 1, __ATOMIC_ACQ_REL);
}

void endpoint_unref(struct endpoint *e, bool server)
{
	if (server) {
		/* The last server facet gone: nobody can ever receive what is queued,
		 * so those calls fail now (their callers hold client facets, so e
		 * outlives this). Calls already received finish when returned. */
		uint64_t fl = spin_lock_irqsave(&e->lock);
		if (--e->servers == 0) {
			e->closed = true;
			for (int i = 0; i < EP_QUEUE; i++)
				if (e->calls[i].state == EP_QUEUED) {
					e->calls[i].status = CAPOS_E_INVOKE;
					__atomic_store_n(&e->calls[i].state, EP_DONE,
							 __ATOMIC_RELEASE);
				}
		}
		spin_unlock_irqrestore(&e->lock, fl);
	}
	if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(e);
}

static bool call_done(void *arg)
{
	return __atomic_load_n(&((struct ep_call *)arg)->state, __ATOMIC_ACQUIRE) == EP_DONE;
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
	cap_xfer_abort(&txn);
	return CAPOS_OK;
}

/* Transfers handles[0..n) from src to dst as one transaction (copy or move);
 * the destination handles go to out[]. Copies take an object reference each,
 * a move hands its reference over. On failure nothing changed. */
static enum capos_status transfer(struct cap_table *src, struct cap_table *dst,
				  const struct capos_handle *handles, uint32_t n, bool move,
				  struct capos_handle *out)
{
	struct cap_xfer_txn txn;
	enum cap_status st = cap_xfer_prepare(src, dst, handles, n, move, &txn);
	if (st != CAP_OK)
		return cap_status_to_capos(st);
	cap_xfer_commit(&txn);
	for (uint32_t i = 0; i < n; i++) {
		if (!move)
			kobj_ref(txn.ref[i].obj, txn.ref[i].type);
		out[i] = txn.out[i];
	}
	return CAPOS_OK;
}

/* The client side: queue, block until the server returned, take the reply. */
static enum capos_status client_call(struct endpoint *e, struct kcall *c)
{
	struct ep_call *slot = NULL;
	struct cap_ledger *ledger = c->caller->caps.ledger;
	enum capos_status st = CAPOS_OK;
	if (c->nxfer > RING_MAX_XFER)
		return CAPOS_E_BAD_PARAMS;
	if (c->nxfer != 0 &&
	    (st = check_sendable(&c->caller->caps, c->xfer, c->nxfer, c->move)) != CAPOS_OK)
		return st;
	/* An outstanding call is a charge on the caller's ledger until it ends. */
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
	uint64_t fl = spin_lock_irqsave(&e->lock);
	for (int i = 0; i < EP_QUEUE && slot == NULL && !e->closed; i++)
		if (e->calls[i].state == EP_FREE)
			slot = &e->calls[i];
	if (slot != NULL) {
		memset(slot, 0, sizeof(*slot));
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
		__atomic_store_n(&slot->state, EP_QUEUED, __ATOMIC_RELEASE);
	}
	st = e->closed ? CAPOS_E_INVOKE : CAPOS_E_NO_RESOURCES; /* disconnected, or overloaded */
	spin_unlock_irqrestore(&e->lock, fl);
	if (slot == NULL)
		goto out;
	params = reply = NULL; /* the slot owns them now */
	proc_block_killable(call_done, slot);
	fl = spin_lock_irqsave(&e->lock);
	if (slot->state == EP_QUEUED) {
		/* Killed before any server took the call: withdraw it. */
		slot->state = EP_DONE;
		slot->status = CAPOS_E_INVOKE;
	}
	while (slot->state != EP_DONE) {
		/* Killed while a server holds the call: it may still move
		 * capabilities into this table, so wait for its RETURN. */
		spin_unlock_irqrestore(&e->lock, fl);
		proc_block_current(call_done, slot);
		fl = spin_lock_irqsave(&e->lock);
	}
	st = slot->status;
	if (st == CAPOS_OK && slot->reply_len > 0)
		memcpy(c->result, slot->reply, slot->reply_len);
	c->result_len = st == CAPOS_OK ? slot->reply_len : 0;
	if (slot->has_ret) {
		c->ret = slot->ret;
		c->has_ret = true;
	}
	kfree(slot->params);
	kfree(slot->reply);
	slot->state = EP_FREE;
	spin_unlock_irqrestore(&e->lock, fl);
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
	endpoint_ref(e, false);
	if (cap_install(&c->caller->caps, e, KOBJ_ENDPOINT_CLIENT, CAPOS_IFACE_ENDPOINT_CLIENT,
			&c->ret) != CAP_OK) {
		endpoint_unref(e, false);
		return CAPOS_E_NO_RESOURCES;
	}
	c->has_ret = true;
	if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
	    capos_endpoint_new_client_results_init_root(&b, &root) == CAPNP_OK &&
	    capos_endpoint_new_client_results_set_client(&b, &root, 0) == CAPNP_OK)
		c->result_len = b.used;
	return CAPOS_OK;
}

enum capos_status endpoint_invoke(struct endpoint *e, struct kcall *c)
{
	if (c->iface == CAPOS_IFACE_ENDPOINT_CLIENT)
		return client_call(e, c);
	if (c->iface == CAPOS_IFACE_ENDPOINT && c->method == CAPOS_ENDPOINT_NEW_CLIENT)
		return new_client(e, c);
	return CAPOS_E_INVOKE;
}

static bool has_queued(void *arg)
{
	struct endpoint *e = arg;
	for (int i = 0; i < EP_QUEUE; i++)
		if (__atomic_load_n(&e->calls[i].state, __ATOMIC_ACQUIRE) == EP_QUEUED)
			return true;
	return false;
}

/* Takes the oldest queued call for a receiver with room for `room` message
 * bytes and `xroom` capabilities: EP_RECEIVED, or NULL with *st set when the
 * oldest does not fit (it stays queued) or nothing is queued (*st CAPOS_OK). */
static struct ep_call *take_oldest(struct endpoint *e, size_t room, uint32_t xroom,
				   enum capos_status *st)
{
	struct ep_call *oldest = NULL;
	uint64_t fl = spin_lock_irqsave(&e->lock);
	for (int i = 0; i < EP_QUEUE; i++)
		if (e->calls[i].state == EP_QUEUED &&
		    (oldest == NULL || e->calls[i].seq < oldest->seq))
			oldest = &e->calls[i];
	*st = CAPOS_OK;
	if (oldest != NULL && (oldest->params_len > room || oldest->nxfer > xroom)) {
		*st = CAPOS_E_BAD_RESULT; /* the message would not fit: left queued */
		oldest = NULL;
	}
	if (oldest != NULL)
		oldest->state = EP_RECEIVED;
	spin_unlock_irqrestore(&e->lock, fl);
	return oldest;
}

/* Delivers a received call into p: message, then capabilities. false with *st
 * when p's buffers or table cannot take it (the caller requeues it). */
static bool deliver(struct proc *p, struct ep_call *call, const struct ring_req *q,
		    enum capos_status *st)
{
	struct capos_handle got[RING_MAX_XFER];
	*st = CAPOS_E_BAD_RESULT;
	if (!copy_to_user(q->result_addr, call->params, call->params_len))
		return false;
	*st = CAPOS_OK;
	if (call->nxfer == 0)
		return true;
	/* Probe the handle array before the transfer: once committed, the
	 * capabilities are p's and the write below must not fail. */
	memset(got, 0, sizeof(got));
	if (!copy_to_user(q->xfer_addr, got, call->nxfer * sizeof(got[0]))) {
		*st = CAPOS_E_BAD_RESULT;
		return false;
	}
	*st = transfer(&call->caller->caps, &p->caps, call->xfer, call->nxfer, call->move, got);
	if (*st != CAPOS_OK)
		return false;
	if (!copy_to_user(q->xfer_addr, got, call->nxfer * sizeof(got[0])))
		*st = CAPOS_E_BAD_RESULT; /* unreachable for one thread; the caps stay p's */
	return true;
}

enum capos_status endpoint_recv(struct proc *p, struct endpoint *e, const struct ring_req *q,
				struct capos_cqe *cqe)
{
	int tok = -1;
	enum capos_status st;
	for (int i = 0; i < PROC_RECV_MAX && tok < 0; i++)
		if (p->recv[i].ep == NULL)
			tok = i;
	if (tok < 0 || cap_ledger_reserve(&p->ledger, CAP_RES_CALLS, 1) != CAP_OK)
		return CAPOS_E_NO_RESOURCES; /* too many calls received and not returned */
	struct ep_call *call;
	while ((call = take_oldest(e, q->result_len, q->xfer_count, &st)) == NULL &&
	       st == CAPOS_OK && !proc_killed_current())
		proc_block_killable(has_queued, e);
	if (call == NULL && st == CAPOS_OK)
		st = CAPOS_E_INVOKE; /* killed while waiting */
	if (call != NULL && !deliver(p, call, q, &st)) {
		__atomic_store_n(&call->state, EP_QUEUED, __ATOMIC_RELEASE);
		call = NULL;
	}
	if (call == NULL) {
		cap_ledger_rollback(&p->ledger, CAP_RES_CALLS, 1);
		return st;
	}
	cap_ledger_commit(&p->ledger, CAP_RES_CALLS, 1);
	endpoint_ref(e, false);
	p->recv[tok].ep = e;
	p->recv[tok].call = call;
	p->recv[tok].gen++;
	cqe->aux = (uint64_t)tok | (uint64_t)p->recv[tok].gen << 32;
	cqe->method = call->method;
	cqe->result_len = (uint32_t)call->params_len;
	cqe->xfer_count = call->nxfer;
	return st;
}

/* Completes a received call with status (the reply bytes are in place). */
static void finish(struct proc *p, unsigned tok, enum capos_status st)
{
	struct endpoint *e = p->recv[tok].ep;
	struct ep_call *call = p->recv[tok].call;
	call->status = st;
	__atomic_store_n(&call->state, EP_DONE, __ATOMIC_RELEASE);
	p->recv[tok].ep = NULL;
	p->recv[tok].call = NULL;
	cap_ledger_release(&p->ledger, CAP_RES_CALLS, 1);
	endpoint_unref(e, false);
}

enum capos_status endpoint_return(struct proc *p, const struct ring_req *q)
{
	uint32_t tok = q->target.slot;
	struct capos_handle h;
	if (tok >= PROC_RECV_MAX || p->recv[tok].ep == NULL || p->recv[tok].gen != q->target.gen)
		return CAPOS_E_LOOKUP; /* no such call received, or already returned */
	struct ep_call *call = p->recv[tok].call;
	if (q->xfer_count > 1)
		return CAPOS_E_BAD_PARAMS; /* a reply carries at most one capability */
	if (q->params_len > call->reply_cap) {
		finish(p, tok, CAPOS_E_BAD_RESULT); /* the caller's buffer is too small */
		return CAPOS_E_BAD_PARAMS;
	}
	/* Until the reply is complete the call stays received: RETURN it again. */
	if (!copy_from_user(call->reply, q->params_addr, q->params_len) ||
	    (q->xfer_count == 1 && !copy_from_user(&h, q->xfer_addr, sizeof(h))))
		return CAPOS_E_BAD_PARAMS;
	if (q->xfer_count == 1) {
		enum capos_status st =
		    transfer(&p->caps, &call->caller->caps, &h, 1, q->move, &call->ret);
		if (st != CAPOS_OK)
			return st;
		call->has_ret = true;
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
