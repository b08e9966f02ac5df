/* devproof: the protocol between devproof (init of manifests/devproof, holding
 * the DeviceSlots) and the drivers it starts (devdrv), over an Endpoint: a
 * driver asks for its role (HELLO), and stops at SYNC points where devproof
 * revokes, reassigns or crashes things around it. Raw little-endian words. */
#ifndef CAPOS_USER_DEVPROOF_H
#define CAPOS_USER_DEVPROOF_H

#include <stdint.h>

enum devproof_method {
	DP_HELLO = 1, /* reply: {role, arg} */
	DP_SYNC = 2,  /* params: {code, value}; reply when devproof has acted */
};

enum devproof_role {
	DP_STALE_REVOKE = 1, /* proof 1: every handle kind stale after revoke, window faults */
	DP_RESET,	     /* proof 1: stale after Device.reset; the Device goes on */
	DP_MISC,	     /* proofs 1 (reuse), 6, 7, 8 */
	DP_IRQ_A,	     /* proof 2: raises an interrupt, revoked before handling it */
	DP_IRQ_B,	     /* proof 2: the next owner counts exactly its own */
	DP_DMA_A,	     /* proof 3: starts a DMA and is revoked at once */
	DP_DMA_CRASH,	     /* proof 5: starts a DMA and crashes */
	DP_DMA_B,	     /* proofs 3, 5: the next owner's memory and interrupt untouched */
	DP_OOD_X,	     /* proof 4: a second edu's driver with a canary */
	DP_OOD_A,	     /* proof 4: points edu at IOVAs it does not own */
	DP_KILLED,	     /* teardown by kill: blocked in Interrupt.wait when killed */
};

enum devproof_sync {
	DP_ARMED = 1, /* handles made: revoke now */
	DP_RAISED,    /* interrupt raised and not handled: revoke and reassign now */
	DP_STARTED,   /* DMA started: revoke now */
	DP_READY,     /* value: an IOVA of this driver's canary */
	DP_HOLD,      /* reply only when the attacker is done */
	DP_DONE,      /* the attacker is done */
	DP_XFER,      /* carries a capability that must be refused */
};

#endif
