/* hello: the first user program. Through its ring: NOPs complete, a reserved
 * opcode is refused, the Console capability in slot 0 prints, a forged handle
 * fails, and after RELEASE the console handle is stale. Exits 0 when all held. */
#include "lib/capos.h"

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	struct capos_handle console = {0, 1};
	struct capos_sqe e = {.opcode = CAPOS_OP_NOP};
	struct capos_cqe c;
	int bad = 0;

	bad += capos_submit(ring, &e, &c) != CAPOS_OK;
	e = (struct capos_sqe){.opcode = 0x7f};
	bad += capos_submit(ring, &e, &c) != CAPOS_E_RESERVED_OPCODE;
	bad += console_write_line(ring, console, "hello: writing through my Console capability") !=
	       CAPOS_OK;
	struct capos_handle forged = {5, 1};
	bad += console_write_line(ring, forged, "must not print") != CAPOS_E_LOOKUP;
	struct capos_handle old_gen = {0, 7};
	bad += console_write_line(ring, old_gen, "must not print") != CAPOS_E_LOOKUP;
	bad += capos_release(ring, console) != CAPOS_OK;
	bad += console_write_line(ring, console, "must not print") != CAPOS_E_LOOKUP;
	bad += capos_release(ring, console) != CAPOS_E_LOOKUP;
	return bad;
}
