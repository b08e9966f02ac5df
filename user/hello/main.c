/* hello: the first user program: submits NOPs and a reserved opcode through
 * its ring, checks every completion, and exits 0 when all were right. */
#include "lib/sys.h"

int main(struct capos_ring *ring);

static int submit(struct capos_ring *r, uint8_t opcode, uint64_t user_data)
{
	uint32_t tail = r->sq_tail;
	struct capos_sqe *e = &r->sq[tail % r->sq_entries];
	*e = (struct capos_sqe){.opcode = opcode, .user_data = user_data};
	__atomic_store_n(&r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	return 0;
}

int main(struct capos_ring *ring)
{
	int bad = 0;
	submit(ring, CAPOS_OP_NOP, 0x1111);
	submit(ring, CAPOS_OP_NOP, 0x2222);
	submit(ring, 0x7f, 0x3333);
	if (cap_enter(3, 0) != 3)
		return 10;
	for (int i = 0; i < 3; i++) {
		uint32_t head = ring->cq_head;
		struct capos_cqe c = ring->cq[head % ring->cq_entries];
		__atomic_store_n(&ring->cq_head, head + 1, __ATOMIC_RELEASE);
		int32_t want = i < 2 ? CAPOS_OK : CAPOS_E_RESERVED_OPCODE;
		uint64_t ud = i == 0 ? 0x1111 : i == 1 ? 0x2222 : 0x3333;
		if (c.status != want || c.user_data != ud)
			bad++;
	}
	return bad;
}
