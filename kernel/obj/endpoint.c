/* endpoint: call queue, receive tokens and replies. */
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
	uint8_t *params;
	size_t params_len;
	uint8_t *reply;
	size_t reply_cap, reply_len;
	int32_t status;
	uint64_t seq; /* arrival order */
};

struct endpoint {
	uint32_t refs;
	spinlock_t lock;
	uint64_t seq;
	struct ep_call calls[EP_QUEUE];
};

struct endpoint *endpoint_new(void)
{
	struct endpoint *e = kmalloc(sizeof(*e));
	if (e != NULL)
		e->refs = 1;
	return e;
}

void endpoint_ref(struct endpoint *e)
{
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
}

void endpoint_unref(struct endpoint *e)
{
	if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(e);
}

static bool call_done(void *arg)
{
	return __atomic_load_n(&((struct ep_call *)arg)->state, __ATOMIC_ACQUIRE) == EP_DONE;
}

/* The client side: queue, block until the server returned, take the reply. */
static enum capos_status client_call(struct endpoint *e, struct kcall *c)
{
	struct ep_call *slot = NULL;
	if (c->nxfer != 0)
		return CAPOS_E_INVOKE; /* capabilities through endpoints: not yet */
	uint8_t *params = kmalloc(c->params_len);
	uint8_t *reply = c->result_cap ? kmalloc(c->result_cap) : NULL;
	if (params == NULL || (c->result_cap && reply == NULL)) {
		kfree(params);
		kfree(reply);
		return CAPOS_E_NO_RESOURCES;
	}
	memcpy(params, c->params, c->params_len);
	uint64_t fl = spin_lock_irqsave(&e->lock);
	for (int i = 0; i < EP_QUEUE && slot == NULL; i++)
		if (e->calls[i].state == EP_FREE)
			slot = &e->calls[i];
	if (slot != NULL)
		*slot = (struct ep_call){EP_QUEUED,	c->method, params,   c->params_len, reply,
					 c->result_cap, 0,	   CAPOS_OK, e->seq++};
	spin_unlock_irqrestore(&e->lock, fl);
	if (slot == NULL) {
		kfree(params);
		kfree(reply);
		return CAPOS_E_NO_RESOURCES; /* the server is overloaded */
	}
	proc_block_current(call_done, slot);
	fl = spin_lock_irqsave(&e->lock);
	enum capos_status st = slot->status;
	if (st == CAPOS_OK && slot->reply_len > 0)
		memcpy(c->result, slot->reply, slot->reply_len);
	c->result_len = st == CAPOS_OK ? slot->reply_len : 0;
	kfree(slot->params);
	kfree(slot->reply);
	slot->state = EP_FREE;
	spin_unlock_irqrestore(&e->lock, fl);
	return st;
}

static enum capos_status new_client(struct endpoint *e, struct kcall *c)
{
	struct capnp_builder b;
	struct capnp_struct root;
	endpoint_ref(e);
	if (cap_install(&c->caller->caps, e, KOBJ_ENDPOINT, CAPOS_IFACE_ENDPOINT_CLIENT, &c->ret) !=
	    CAP_OK) {
		endpoint_unref(e);
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

enum capos_status endpoint_recv(struct proc *p, struct endpoint *e, const struct ring_req *q,
				struct capos_cqe *cqe)
{
	int tok = -1;
	for (int i = 0; i < PROC_RECV_MAX && tok < 0; i++)
		if (p->recv[i].ep == NULL)
			tok = i;
	if (tok < 0)
		return CAPOS_E_NO_RESOURCES; /* too many calls received and not returned */
	for (;;) {
		uint64_t fl = spin_lock_irqsave(&e->lock);
		struct ep_call *oldest = NULL;
		for (int i = 0; i < EP_QUEUE; i++)
			if (e->calls[i].state == EP_QUEUED &&
			    (oldest == NULL || e->calls[i].seq < oldest->seq))
				oldest = &e->calls[i];
		if (oldest != NULL && oldest->params_len > q->result_len) {
			spin_unlock_irqrestore(&e->lock, fl);
			return CAPOS_E_BAD_RESULT; /* the message would not fit: left queued */
		}
		if (oldest != NULL)
			oldest->state = EP_RECEIVED;
		spin_unlock_irqrestore(&e->lock, fl);
		if (oldest == NULL) {
			proc_block_current(has_queued, e);
			continue;
		}
		/* The message goes to the server's buffer in the server's own context. */
		if (!copy_to_user(q->result_addr, oldest->params, oldest->params_len)) {
			__atomic_store_n(&oldest->state, EP_QUEUED, __ATOMIC_RELEASE);
			return CAPOS_E_BAD_RESULT;
		}
		endpoint_ref(e);
		p->recv[tok].ep = e;
		p->recv[tok].call = oldest;
		p->recv[tok].gen++;
		cqe->aux = (uint64_t)tok | (uint64_t)p->recv[tok].gen << 32;
		cqe->method = oldest->method;
		cqe->result_len = (uint32_t)oldest->params_len;
		return CAPOS_OK;
	}
}

/* Completes a received call with status and (for OK) the reply bytes. */
static void finish(struct proc *p, unsigned tok, enum capos_status st)
{
	struct endpoint *e = p->recv[tok].ep;
	struct ep_call *call = p->recv[tok].call;
	call->status = st;
	__atomic_store_n(&call->state, EP_DONE, __ATOMIC_RELEASE);
	p->recv[tok].ep = NULL;
	p->recv[tok].call = NULL;
	endpoint_unref(e);
}

enum capos_status endpoint_return(struct proc *p, const struct ring_req *q)
{
	uint32_t tok = q->target.slot;
	if (tok >= PROC_RECV_MAX || p->recv[tok].ep == NULL || p->recv[tok].gen != q->target.gen)
		return CAPOS_E_LOOKUP; /* no such call received, or already returned */
	struct ep_call *call = p->recv[tok].call;
	if (q->params_len > call->reply_cap) {
		finish(p, tok, CAPOS_E_BAD_RESULT); /* the caller's buffer is too small */
		return CAPOS_E_BAD_PARAMS;
	}
	if (!copy_from_user(call->reply, q->params_addr, q->params_len))
		return CAPOS_E_BAD_PARAMS; /* the call stays received: return it again */
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
