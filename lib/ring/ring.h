/* ring: the kernel side of the capability ring (include/capos/ring.h), pure logic.
 *
 * Trust. The ring page is writable by its process at any moment. The kernel keeps its
 * own indices in struct ring_kstate (kernel memory) and only ever *publishes* them to
 * the page: it never reads back sq_head or cq_tail, nor sq_entries or cq_entries (the
 * sizes are the compile-time CAPOS_RING_*_ENTRIES). The only page fields it reads are
 * sq_tail, cq_head and the SQEs, and each of those exactly once per use:
 *   - sq_tail is loaded once per ring_sq_pending (acquire); that snapshot, checked
 *     against the private sq_head, decides how many SQEs ring_take_sqe may copy;
 *   - each SQE is copied once into kernel memory, then validated (ring_decode_sqe);
 *   - cq_head is loaded once per ring_post_cqe / ring_cq_ready (acquire).
 * Index fields are read and written with __atomic builtins (acquire loads, release
 * stores) so that the user side, which does the same, is properly ordered; on x86_64
 * these are plain moves. The page must be at least 8-byte aligned (it is a page).
 *
 * Corruption. Indices are free-running uint32_t; slot = index % entries. An sq_tail
 * with sq_tail - sq_head > CAPOS_RING_SQ_ENTRIES cannot come from an honest process.
 * ring_sq_pending then returns RING_SQ_CORRUPT and resynchronises: the private sq_head
 * jumps to the observed sq_tail (everything in between is dropped unread) and is
 * published, so the next submission starts from a consistent SQ. The caller posts one
 * completion {user_data 0, status CAPOS_E_MALFORMED} (ring_post_status). A cq_head
 * with cq_tail - cq_head > CAPOS_RING_CQ_ENTRIES is a lie too: the CQ is treated as
 * full (nothing is written, cq_corrupt and cq_overflow count it) until cq_head is sane.
 *
 * Back-pressure. ring_sq_pending never offers more SQEs than the CQ has free slots at
 * that moment, so an honest process that keeps consuming CQEs never loses a completion
 * of a synchronous operation; a completion that still finds the CQ full (the process
 * lied, or an asynchronous completion arrived late) is dropped and counted.
 *
 * cap_enter(min_complete, timeout) in the kernel:
 *	uint32_t n;
 *	if (ring_sq_pending(page, k, CAPOS_RING_SQ_ENTRIES, &n) == RING_SQ_CORRUPT)
 *		ring_post_status(page, k, 0, CAPOS_E_MALFORMED);
 *	for (struct capos_sqe sqe; ring_take_sqe(page, k, &sqe) == RING_OK;) {
 *		struct ring_req req;
 *		enum capos_status st = ring_decode_sqe(&sqe, RING_USER_LIMIT, &req);
 *		if (st != CAPOS_OK) { ring_post_status(page, k, sqe.user_data, st); continue; }
 *		... look the target up, invoke, ring_post_cqe(page, k, &cqe) ...
 *	}
 *	... wait until ring_cq_ready(page, k) >= min_complete or timeout ...
 *	return ring_cq_ready(page, k);
 * The ring of one process is driven by one kernel thread at a time (the caller locks).
 */
#ifndef CAPOS_LIB_RING_RING_H
#define CAPOS_LIB_RING_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capos/ring.h"

#define RING_MAX_MSG	(64u * 1024u)	      /* params_len and result_len bound */
#define RING_MAX_XFER	8u		      /* xfer_count bound */
#define RING_USER_LIMIT 0x0000800000000000ull /* end of the lower canonical half */

/* Outcome of a ring operation (the ring machinery, not a CQE status). */
enum ring_status {
	RING_OK = 0,
	RING_EMPTY,	 /* ring_take_sqe: nothing left in this batch */
	RING_SQ_CORRUPT, /* ring_sq_pending: sq_tail out of range; resynchronised */
	RING_CQ_FULL,	 /* ring_post_cqe: no room (or cq_head out of range); dropped */
};

/* The kernel's private view of one ring. Only the kernel writes it. */
struct ring_kstate {
	uint32_t sq_head;	 /* next SQE to take: published to page->sq_head */
	uint32_t cq_tail;	 /* next CQE to write: published to page->cq_tail */
	uint32_t sq_avail;	 /* SQEs ring_take_sqe may still take in this batch */
	uint32_t consumed_total; /* SQEs taken (free-running) */
	uint64_t posted_total;	 /* CQEs written */
	uint64_t cq_overflow;	 /* completions dropped: CQ full or cq_head out of range */
	uint64_t sq_corrupt;	 /* resynchronisations after an out-of-range sq_tail */
	uint64_t cq_corrupt;	 /* loads of an out-of-range cq_head */
};

/* A decoded, validated request: fields the opcode does not use are 0. */
struct ring_req {
	enum capos_op op;
	bool move; /* CAPOS_SQE_F_MOVE: transfers move */
	uint16_t method;
	struct capos_handle target;
	uint64_t user_data;
	uint64_t params_addr;
	uint32_t params_len;
	uint32_t result_len;
	uint64_t result_addr;
	uint64_t xfer_addr;
	uint32_t xfer_count;
};

/* ring_init: zeroes the page and *k, and writes the entry counts into the page. Call
 * before the page is mapped into the process. */
void ring_init(struct capos_ring *page, struct ring_kstate *k);

/* ring_sq_count: pure arithmetic. From an untrusted tail and the trusted head, stores
 * tail - head in *pending and returns RING_OK, or returns RING_SQ_CORRUPT when that
 * exceeds entries (*pending is then 0). */
enum ring_status ring_sq_count(uint32_t tail, uint32_t head, uint32_t entries, uint32_t *pending);

/* ring_sq_pending: loads sq_tail once and opens a batch of at most max SQEs, also
 * bounded by the free CQ slots; stores the batch size in *pending (also kept in
 * k->sq_avail for ring_take_sqe). Returns RING_OK, or RING_SQ_CORRUPT after the
 * resynchronisation described above (*pending 0; the caller posts the error CQE). */
enum ring_status ring_sq_pending(struct capos_ring *page, struct ring_kstate *k, uint32_t max,
				 uint32_t *pending);

/* ring_take_sqe: copies the next SQE of the batch into *out with a single read of each
 * byte, then advances and publishes sq_head. Returns RING_OK, or RING_EMPTY when the
 * batch is used up (nothing read). */
enum ring_status ring_take_sqe(struct capos_ring *page, struct ring_kstate *k,
			       struct capos_sqe *out);

/* ring_decode_sqe: validates a kernel copy of an SQE, no side effects. Fills *out and
 * returns CAPOS_OK, or the CQE status (out is zeroed apart from user_data). Checks, in
 * this order, the first failure deciding:
 *  1. opcode known, else CAPOS_E_RESERVED_OPCODE;
 *  2. reserved == 0 and flags within CAPOS_SQE_F_MOVE, else CAPOS_E_MALFORMED;
 *  3. no field the opcode does not use is set, else CAPOS_E_MALFORMED:
 *	NOP: only user_data.  RELEASE: target.  CALL: target, method, params, result,
 *	xfer.  RECV: target, result, xfer (room for the handles received).  RETURN:
 *	target (the call token), params, xfer;
 *  4. F_MOVE only with xfer_count > 0 and not on RECV; xfer_count <= RING_MAX_XFER; an
 *     address only with its length/count (addr != 0 with len 0 is a stray field):
 *     CAPOS_E_MALFORMED;
 *  5. params (and for CALL and RETURN the xfer array, part of the parameters): CALL
 *     needs params_len > 0; len <= RING_MAX_MSG, addr != 0, addr + len neither wraps
 *     nor exceeds user_limit, else CAPOS_E_BAD_PARAMS;
 *  6. result (and for RECV the xfer array): RECV needs result_len > 0; same bounds,
 *     else CAPOS_E_BAD_RESULT. */
enum capos_status ring_decode_sqe(const struct capos_sqe *sqe, uint64_t user_limit,
				  struct ring_req *out);

/* ring_post_cqe: writes *c at the private cq_tail and publishes cq_tail, if the CQ has
 * room by the untrusted cq_head. Returns RING_OK, or RING_CQ_FULL (c dropped, counted in
 * k->cq_overflow; an out-of-range cq_head also counts in k->cq_corrupt). */
enum ring_status ring_post_cqe(struct capos_ring *page, struct ring_kstate *k,
			       const struct capos_cqe *c);

/* ring_post_status: ring_post_cqe of {user_data, status}, every other field 0. */
enum ring_status ring_post_status(struct capos_ring *page, struct ring_kstate *k,
				  uint64_t user_data, enum capos_status status);

/* ring_cq_free: CQ slots the kernel may still write (0 when cq_head is out of range). */
uint32_t ring_cq_free(struct capos_ring *page, struct ring_kstate *k);

/* ring_cq_ready: completions ready for the process, cap_enter's return value:
 * cq_tail - cq_head, or CAPOS_RING_CQ_ENTRIES when cq_head is out of range (the CQ is
 * treated as full, consistently with ring_post_cqe). */
uint32_t ring_cq_ready(struct capos_ring *page, struct ring_kstate *k);

/* RETURN tokens: a process's receive-token slot carries a generation that
 * moves on with each call received through it; the handle a server returns
 * with must match it. RING_TOKEN_RETIRED marks a slot whose generation would
 * wrap: it is never used again (an old token can never come back to life). */
#define RING_TOKEN_RETIRED UINT32_MAX

/* ring_token_gen_after: the generation a token slot keeps once the call it
 * named has ended: unchanged, or RING_TOKEN_RETIRED when the next call through
 * it would need a generation of RING_TOKEN_RETIRED or beyond. */
uint32_t ring_token_gen_after(uint32_t gen);

#endif
