/* ring_service: the kernel side of the ring for cap_enter. The page is shared
 * with a process that may rewrite it at any moment: the kernel keeps its own
 * head and tail, copies each SQE once, and validates the copy. */
#include "ring_service.h"
#include "proc.h"
#include "lib/str.h"

static int32_t decode(const struct capos_sqe *e)
{
	if (e->opcode > CAPOS_OP_RELEASE)
		return CAPOS_E_RESERVED_OPCODE;
	if (e->reserved != 0 || (e->flags & ~CAPOS_SQE_F_MOVE) != 0)
		return CAPOS_E_MALFORMED;
	if (e->opcode == CAPOS_OP_NOP) {
		bool clean = e->flags == 0 && e->method == 0 && e->xfer_count == 0 &&
			     e->target.slot == 0 && e->target.gen == 0 && e->params_addr == 0 &&
			     e->params_len == 0 && e->result_addr == 0 && e->result_len == 0 &&
			     e->xfer_addr == 0;
		return clean ? CAPOS_OK : CAPOS_E_MALFORMED;
	}
	/* No capability table yet: every handle names nothing. */
	return CAPOS_E_LOOKUP;
}

static bool post(struct proc *p, uint64_t user_data, int32_t status)
{
	struct capos_ring *r = p->ring;
	uint32_t head = __atomic_load_n(&r->cq_head, __ATOMIC_ACQUIRE);
	uint32_t used = p->rk.cq_tail - head;
	if (used >= CAPOS_RING_CQ_ENTRIES)
		return false; /* full, or the process lied about cq_head: wait */
	struct capos_cqe c = {.user_data = user_data, .status = status};
	memcpy((void *)&r->cq[p->rk.cq_tail % CAPOS_RING_CQ_ENTRIES], &c, sizeof(c));
	p->rk.cq_tail++;
	__atomic_store_n(&r->cq_tail, p->rk.cq_tail, __ATOMIC_RELEASE);
	return true;
}

uint64_t ring_service(struct proc *p, uint32_t min_complete, uint64_t timeout_ns)
{
	struct capos_ring *r = p->ring;
	(void)min_complete;
	(void)timeout_ns;
	uint32_t tail = __atomic_load_n(&r->sq_tail, __ATOMIC_ACQUIRE);
	uint32_t avail = tail - p->rk.sq_head;
	if (avail > CAPOS_RING_SQ_ENTRIES) {
		/* Corrupted indices: one error completion, then resynchronise. */
		if (post(p, 0, CAPOS_E_MALFORMED))
			p->rk.sq_head = tail;
		avail = 0;
	}
	for (uint32_t i = 0; i < avail; i++) {
		struct capos_sqe e;
		memcpy(&e, (const void *)&r->sq[p->rk.sq_head % CAPOS_RING_SQ_ENTRIES], sizeof(e));
		if (!post(p, e.user_data, decode(&e)))
			break;
		p->rk.sq_head++;
	}
	__atomic_store_n(&r->sq_head, p->rk.sq_head, __ATOMIC_RELEASE);
	uint32_t head = __atomic_load_n(&r->cq_head, __ATOMIC_ACQUIRE);
	uint32_t ready = p->rk.cq_tail - head;
	return ready > CAPOS_RING_CQ_ENTRIES ? 0 : ready;
}
