/* ring_service: cap_enter. Takes the process's submissions through lib/ring
 * (each SQE copied once, then validated), looks each target up in the process's
 * cap table (lib/cap: stale generations fail closed), runs it, and posts one
 * completion per submission. */
#include "ring_service.h"
#include "proc.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/usercopy.h"
#include "lib/str.h"
#include "mm/heap.h"
#include "obj/kobj.h"
#include "obj/endpoint.h"
#include "capos/gen/capos_schema.h"

/* CALL: parameters (and the handles sent beside them) copied in once, the
 * object invoked, the result copied out. */
static enum capos_status do_call(struct proc *p, const struct ring_req *q, struct capos_cqe *cqe)
{
	struct cap_ref ref;
	struct capos_handle xfer[RING_MAX_XFER];
	enum capos_status st;
	uint64_t bytes = (uint64_t)q->params_len + q->result_len;
	if (cap_lookup(&p->caps, q->target, &ref) != CAP_OK)
		return CAPOS_E_LOOKUP;
	if (q->xfer_count != 0 &&
	    !copy_from_user(xfer, q->xfer_addr, q->xfer_count * sizeof(struct capos_handle)))
		return CAPOS_E_BAD_PARAMS;
	/* The kernel copies of the message and result are pinned for as long as
	 * the call lasts (a blocking one included): charged to the caller. */
	if (cap_ledger_reserve(&p->ledger, CAP_RES_KHEAP, bytes) != CAP_OK)
		return CAPOS_E_NO_RESOURCES;
	cap_ledger_commit(&p->ledger, CAP_RES_KHEAP, bytes);
	uint8_t *params = kmalloc(q->params_len);
	uint8_t *result = q->result_len ? kmalloc(q->result_len) : NULL;
	if (params == NULL || (q->result_len && result == NULL)) {
		st = CAPOS_E_NO_RESOURCES;
		goto out;
	}
	if (!copy_from_user(params, q->params_addr, q->params_len)) {
		st = CAPOS_E_BAD_PARAMS;
		goto out;
	}
	struct kcall c = {.caller = p,
			  .iface = ref.iface,
			  .method = q->method,
			  .params = params,
			  .params_len = q->params_len,
			  .result = result,
			  .result_cap = q->result_len,
			  .xfer = xfer,
			  .nxfer = q->xfer_count,
			  .move = q->move};
	st = kobj_invoke(ref.obj, &c);
	if (st == CAPOS_OK && c.result_len > 0) {
		if (c.result_len > q->result_len ||
		    !copy_to_user(q->result_addr, result, c.result_len))
			st = CAPOS_E_BAD_RESULT;
		else
			cqe->result_len = (uint32_t)c.result_len;
	}
	if (c.has_ret) {
		/* A capability for the caller: its handle rides in the CQE. */
		cqe->aux = c.ret.slot | (uint64_t)c.ret.gen << 32;
		cqe->xfer_count = 1;
	}
out:
	kfree(params);
	kfree(result);
	cap_ledger_release(&p->ledger, CAP_RES_KHEAP, bytes);
	return st;
}

static void serve_one(struct proc *p, const struct capos_sqe *sqe)
{
	struct ring_req q;
	struct capos_cqe c = {.user_data = sqe->user_data};
	enum capos_status st = ring_decode_sqe(sqe, USER_LIMIT, &q);
	if (st == CAPOS_OK) {
		switch (q.op) {
		case CAPOS_OP_NOP:
			break;
		case CAPOS_OP_RELEASE: {
			struct cap_ref ref;
			st = cap_status_to_capos(cap_release(&p->caps, q.target, &ref));
			if (st == CAPOS_OK)
				kobj_handle_put(ref.obj, ref.iface);
			break;
		}
		case CAPOS_OP_CALL:
			st = do_call(p, &q, &c);
			break;
		case CAPOS_OP_RECV: {
			struct cap_ref ref;
			if (cap_lookup(&p->caps, q.target, &ref) != CAP_OK)
				st = CAPOS_E_LOOKUP;
			else if (endpoint_of(ref.obj) == NULL || ref.iface != CAPOS_IFACE_ENDPOINT)
				st = CAPOS_E_INVOKE; /* only the server facet may receive */
			else {
				/* The slot may go while RECV waits: hold the endpoint. */
				kobj_get(ref.obj);
				st = endpoint_recv(p, endpoint_of(ref.obj), &q, &c);
				kobj_put(ref.obj);
			}
			break;
		}
		case CAPOS_OP_RETURN:
			st = endpoint_return(p, &q);
			break;
		default:
			st = CAPOS_E_RESERVED_OPCODE;
			break;
		}
	}
	c.status = st;
	ring_post_cqe(p->ring, &p->rk, &c);
}

uint64_t ring_service(struct proc *p, uint32_t min_complete, uint64_t timeout_ns)
{
	uint32_t n;
	if (ring_sq_pending(p->ring, &p->rk, CAPOS_RING_SQ_ENTRIES, &n) == RING_SQ_CORRUPT)
		ring_post_status(p->ring, &p->rk, 0, CAPOS_E_MALFORMED);
	/* A killed process does nothing more: what is left in its ring stays. */
	for (struct capos_sqe sqe;
	     !proc_killed_current() && ring_take_sqe(p->ring, &p->rk, &sqe) == RING_OK;)
		serve_one(p, &sqe);
	/* Operations complete before cap_enter returns (those that block, block
	 * inside it), so what may still be missing is only waited for: until
	 * min_complete completions are ready or timeout_ns has passed (0: no wait;
	 * UINT64_MAX: no limit). */
	if (min_complete > CAPOS_RING_CQ_ENTRIES)
		min_complete = CAPOS_RING_CQ_ENTRIES;
	/* Nothing completes while the process waits (no operation is left
	 * running), so only the timeout, or a kill, ends the wait. */
	if (timeout_ns != 0 && ring_cq_ready(p->ring, &p->rk) < min_complete)
		proc_sleep_until(clock_deadline(timeout_ns));
	return ring_cq_ready(p->ring, &p->rk);
}
