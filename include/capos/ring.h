/* capos/ring.h: the capability ring, shared by the kernel and libcapos.
 *
 * Each process owns one 4 KiB ring page, mapped into it read-write: a header
 * with the submission (SQ) and completion (CQ) indices, then SQ entries, then CQ
 * entries. User code writes SQEs and advances sq_tail; the kernel consumes from
 * sq_head, writes CQEs at cq_tail and advances it; user code consumes CQEs from
 * cq_head. Indices are free-running uint32_t counters; an entry's slot is
 * index % entries. The page is writable by a hostile process at any moment: the
 * kernel copies each SQE once, then validates the copy, and treats every index
 * it reads as untrusted.
 */
#ifndef CAPOS_RING_H
#define CAPOS_RING_H

#include <stdint.h>

#define CAPOS_RING_SQ_ENTRIES 16u
#define CAPOS_RING_CQ_ENTRIES 32u
#define CAPOS_RING_PAGE_SIZE  4096u

/* Opcodes. Anything else completes with CAPOS_E_RESERVED_OPCODE. */
enum capos_op {
	CAPOS_OP_NOP = 0,
	CAPOS_OP_CALL = 1,
	CAPOS_OP_RECV = 2,
	CAPOS_OP_RETURN = 3,
	CAPOS_OP_RELEASE = 4,
};

/* Transport status in a CQE (negative; 0 is success). No status carries a
 * kernel pointer. */
enum capos_status {
	CAPOS_OK = 0,
	CAPOS_E_MALFORMED = -1,	      /* reserved fields set, bad flags, bad lengths */
	CAPOS_E_BAD_PARAMS = -2,      /* parameter buffer unreadable or too large */
	CAPOS_E_BAD_RESULT = -3,      /* result buffer unwritable or too small */
	CAPOS_E_LOOKUP = -4,	      /* handle names no live capability (stale, free) */
	CAPOS_E_INVOKE = -5,	      /* the target refused the invocation */
	CAPOS_E_RESERVED_OPCODE = -6, /* opcode reserved */
	CAPOS_E_NO_RESOURCES = -7,    /* a ledger limit was reached */
	CAPOS_E_STALE = -8,	      /* a device handle or buffer of an ended claim,
				       * or of a vacated sub-handle (docs/device-authority.md) */
	CAPOS_E_NO_DEVICE = -9,	      /* the device refuses: no such BAR, vector,
				       * IOMMU (policy), or it is claimed already */
};

/* A capability handle: slot index and the generation it was issued under. */
struct capos_handle {
	uint32_t slot;
	uint32_t gen;
} __attribute__((packed));
_Static_assert(sizeof(struct capos_handle) == 8, "capos_handle");

/* Submission queue entry, 64 bytes. */
struct capos_sqe {
	uint8_t opcode;
	uint8_t flags;		    /* CAPOS_SQE_F_*; others must be 0 */
	uint16_t method;	    /* method ordinal of the target's interface (CALL) */
	uint32_t xfer_count;	    /* CALL/RETURN: capabilities sent beside the message;
				     * RECV: room for the handles received (at xfer_addr) */
	struct capos_handle target; /* CALL, RELEASE; RECV: the endpoint; RETURN: the call */
	uint64_t user_data;	    /* echoed in the CQE */
	uint64_t params_addr;	    /* user address of the message (Cap'n Proto, one segment) */
	uint32_t params_len;
	uint32_t result_len; /* capacity of the result buffer */
	uint64_t result_addr;
	uint64_t xfer_addr; /* user address of xfer_count struct capos_xfer (RECV: written) */
	uint64_t reserved;  /* must be 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_sqe) == 64, "capos_sqe");

#define CAPOS_SQE_F_MOVE 0x01 /* transfers move (remove at commit) rather than copy */

/* One transferred capability. */
struct capos_xfer {
	struct capos_handle handle;
} __attribute__((packed));
_Static_assert(sizeof(struct capos_xfer) == 8, "capos_xfer");

/* Completion queue entry, 32 bytes. */
struct capos_cqe {
	uint64_t user_data;
	int32_t status;	     /* enum capos_status, or >= 0 on success */
	uint32_t result_len; /* bytes written to the result buffer */
	uint64_t aux;	     /* RECV: the call's token (slot | gen << 32, the RETURN target);
			      * CALL with xfer_count 1: the received capability's handle
			      * (slot | gen << 32); a reply carries at most one */
	uint32_t xfer_count; /* capabilities installed for the receiver (RECV: written, in
			      * order, to the SQE's xfer_addr) */
	uint32_t method;     /* RECV: the method ordinal the caller named */
} __attribute__((packed));
_Static_assert(sizeof(struct capos_cqe) == 32, "capos_cqe");

/* The ring page. */
struct capos_ring {
	volatile uint32_t sq_head; /* kernel writes */
	volatile uint32_t sq_tail; /* user writes */
	volatile uint32_t cq_head; /* user writes */
	volatile uint32_t cq_tail; /* kernel writes */
	uint32_t sq_entries;	   /* CAPOS_RING_SQ_ENTRIES, set by the kernel */
	uint32_t cq_entries;	   /* CAPOS_RING_CQ_ENTRIES, set by the kernel */
	uint8_t pad[40];
	struct capos_sqe sq[CAPOS_RING_SQ_ENTRIES];
	struct capos_cqe cq[CAPOS_RING_CQ_ENTRIES];
} __attribute__((packed));
_Static_assert(sizeof(struct capos_ring) == 64 + 16 * 64 + 32 * 32, "capos_ring layout");
_Static_assert(sizeof(struct capos_ring) <= CAPOS_RING_PAGE_SIZE, "ring fits its page");

/* System calls (SYSCALL with the number in RAX). */
#define CAPOS_SYS_CAP_ENTER                                                                        \
	0		 /* rdi = min_complete, rsi = timeout_ns (0 no wait, UINT64_MAX            \
			  * no limit); returns CQEs ready */
#define CAPOS_SYS_EXIT 1 /* rdi = status; does not return */

#endif
