/* devlife.pml: a device's life under the device manager (lib/dev/devmgr.h): claims,
 * sub-handles, DMA and interrupts in flight, and the one ordered teardown, with every
 * hardware step able to fail.
 *
 * Processes: a Driver that claims the device (again and again: each claim is a new
 * owner under a new epoch), takes a pool frame, starts DMA, routes and unmasks its
 * interrupt, and releases or crashes at any moment; the Device, which issues a DMA write
 * whenever bus mastering is on and a descriptor is armed, lands it later, and raises its
 * interrupt whenever its MSI is unmasked; the kernel's interrupt handler (Isr), which
 * delivers an arrival to the owner the vector is routed to and drops it otherwise; a
 * Manager that revokes, resets or disables the device from any state at any moment
 * (racing the driver's release); and the Kernel worker that runs the teardown steps,
 * each of which may fail, exactly as the sequencer in lib/dev/teardown.c orders them.
 * The machine has an IOMMU or not, and the device has a reset or not (chosen at start).
 *
 * What each successful step does to the hardware, and why the model may rely on it:
 *   BUSMASTER_OFF: BME cleared, then read back; the read's completion cannot pass the
 *     device's earlier posted writes (PCIe Base 4.0 §2.4.1 ordering rules: a Completion
 *     with Relaxed Ordering clear does not pass a Posted Request), so every write issued
 *     before it has landed when it returns: modelled as waiting for the write in flight.
 *   IRQ_MASK: the MSI is masked and its address and data zeroed (the read back flushes a
 *     message already sent in the same way, so an arrival is pending or not at all).
 *   IRQ_DRAIN: waits until no arrival is pending (the handler drops them: not CLAIMED).
 *   IOMMU_DETACH: the context is gone; the device's writes fault from now on.
 *   RESET: the device's state is gone (BME, MSI enable, armed descriptors); the kernel
 *     waits for its writes in flight (PCIe Base 4.0 §6.6.2, Function Level Reset).
 * A failed step did nothing. A driver programs its device's descriptor in the same act
 * that enables bus mastering (device state a reset did not clear is the new owner's to
 * initialise; with an IOMMU it can only reach the new owner's own domain).
 *
 * Checked in every reachable state:
 *   - a DMA write lands only in a frame still held for the epoch that issued it (owned,
 *     or quarantined before its scrub): never in a scrubbed, free or reallocated frame;
 *   - no frame is scrubbed or freed while the device can still reach it (a monitor
 *     checks this in every state, and the kernel asserts it where it frees);
 *   - an interrupt is delivered only to the owner of the epoch that armed it: no
 *     interrupt of an old epoch reaches a new owner;
 *   - epochs only increase, a claim never reuses an epoch, the record retires at EMAX.
 *
 * Mutants: spin -DMUTANT=n -a devlife.pml, built and run as tools/spin.sh does. Each
 * removes one rule and each was checked to FAIL (assertion violated, trail shown):
 *   1 frames freed at the start of the teardown, before bus-master-off: a write lands in
 *     a freed frame (without an IOMMU; with one, before the detach);
 *   2 no IRQ_DRAIN: an arrival of the old epoch pending across the teardown is delivered
 *     to the next owner;
 *   3 IRQ_MASK reports ok without masking: the old MSI fires into the next owner;
 *   4 quiet ignores failed steps: bus-master-off failed, no IOMMU, no reset, and the
 *     frame is scrubbed while the device still writes to it;
 *   5 the epoch wraps to 1 at EMAX instead of retiring: a claim reuses epoch 1;
 *   6 the kernel waits for nothing after bus-master-off (no read back): the frame is
 *     scrubbed with a write issued before still in flight;
 *   7 a failed step does not retire the record: a device whose bus-master-off failed
 *     (no IOMMU, no reset) goes to a new owner with a write of the old epoch in flight.
 *
 * tools/spin.sh tests/model/devlife.pml: 1.4e5 states, under 2 s.
 */

#ifndef MUTANT
#define MUTANT 0
#endif

#define EMAX 3 /* epochs 1 .. EMAX; the teardown of epoch EMAX retires the record */

/* enum dev_state */
#define UNCLAIMED   0
#define CLAIMED	    1
#define REVOKING    2
#define QUARANTINED 3
#define RETIRED	    4

/* enum dev_step */
#define S_NONE	 0
#define S_BM	 1
#define S_MASK	 2
#define S_DRAIN	 3
#define S_DETACH 4
#define S_RESET	 5
#define S_QUAR	 6
#define S_SCRUB	 7
#define S_EPOCH	 8
#define S_DONE	 9

/* enum dev_step_result */
#define R_PEND 0
#define R_OK   1
#define R_FAIL 2
#define R_UNAV 3
#define R_SKIP 4

/* frame stages */
#define F_FREE	   0
#define F_OWNED	   1
#define F_QUAR	   2
#define F_SCRUBBED 3

/* The record (struct dev_record). */
byte state = UNCLAIMED;
byte epoch = 1;
byte step = S_NONE;
byte res[10];
bool retire;

/* The machine. */
bool has_iommu, can_reset;
bit iommu_att;	/* the device's context is attached */
byte dom_ep;	/* the epoch whose domain is attached */
byte route_ep;	/* the vector routes to this epoch's owner; 0: free */

/* The device. */
bit bme, armed, inflight, msi_on, irq_pending;
byte armed_ep, inflight_ep, msi_ep, irq_ep; /* ghost: the epoch that set each up */

/* The one pool frame. */
byte frame_st = F_FREE;
byte frame_ep; /* the epoch it is held for (owned or quarantined) */

byte max_claimed; /* ghost: highest epoch ever claimed */

/* The device can still write to memory it was given. */
#define REACH (((bme && armed) || inflight) && !(has_iommu && !iommu_att))

#define VALID(my) (state == CLAIMED && epoch == my)

inline report(s, r)
{
	res[s] = r;
	if
#if MUTANT != 7
	:: r == R_FAIL -> retire = true
#endif
	:: else -> skip
	fi
}

/* dev_quiet, as lib/dev/teardown.c. */
#define QUIET (res[S_DETACH] == R_OK || res[S_RESET] == R_OK || \
	       (res[S_BM] == R_OK && res[S_MASK] == R_OK && res[S_DRAIN] == R_OK && \
		res[S_DETACH] != R_FAIL && res[S_RESET] != R_FAIL && res[S_QUAR] != R_FAIL))

#if MUTANT == 4
#undef QUIET
#define QUIET true
#endif

/* dev_teardown_begin from any state: only CLAIMED starts one. */
inline begin()
{
	if
	:: state == CLAIMED ->
		state = REVOKING;
		step = S_BM;
		res[S_BM] = R_PEND; res[S_MASK] = R_PEND; res[S_DRAIN] = R_PEND;
		res[S_DETACH] = R_PEND; res[S_RESET] = R_PEND; res[S_QUAR] = R_PEND;
		res[S_SCRUB] = R_PEND; res[S_EPOCH] = R_PEND;
		retire = false
#if MUTANT == 1
		;
		frame_st = F_FREE;
		frame_ep = 0
#endif
	:: else -> skip
	fi
}

proctype Kernel()
{
end_idle:
	do
	:: step == S_BM ->
		if
		:: bme = 0;
#if MUTANT != 6
			(inflight == 0);	/* the read back */
#endif
			atomic { report(S_BM, R_OK); step = S_MASK }
		:: atomic { report(S_BM, R_FAIL); step = S_MASK }
		fi
	:: step == S_MASK ->
		if
		:: atomic {
#if MUTANT != 3
			msi_on = 0;
#endif
			report(S_MASK, R_OK); step = S_DRAIN }
		:: atomic { report(S_MASK, R_FAIL); step = S_DRAIN }
		fi
	:: step == S_DRAIN ->
		if
		::
#if MUTANT != 2
			(irq_pending == 0);
#endif
			atomic { report(S_DRAIN, R_OK); step = S_DETACH }
		:: atomic { report(S_DRAIN, R_FAIL); step = S_DETACH }
		fi
	:: step == S_DETACH ->
		if
		:: atomic { !has_iommu -> report(S_DETACH, R_UNAV); step = S_RESET }
		:: atomic { has_iommu -> iommu_att = 0; report(S_DETACH, R_OK); step = S_RESET }
		:: atomic { has_iommu -> report(S_DETACH, R_FAIL); step = S_RESET }
		fi
	:: step == S_RESET ->
		if
		:: atomic { !can_reset -> report(S_RESET, R_UNAV); step = S_QUAR }
		:: atomic { can_reset -> bme = 0; msi_on = 0; armed = 0 };
			(inflight == 0);
			atomic { report(S_RESET, R_OK); step = S_QUAR }
		:: atomic { can_reset -> report(S_RESET, R_FAIL); step = S_QUAR }
		fi
	:: atomic { step == S_QUAR ->
		if
		:: frame_st == F_OWNED -> assert(frame_ep == epoch); frame_st = F_QUAR
		:: else -> skip
		fi;
		report(S_QUAR, R_OK);
		state = QUARANTINED;
		if
		:: QUIET -> step = S_SCRUB
		:: else -> res[S_SCRUB] = R_SKIP; step = S_EPOCH /* the frame stays quarantined */
		fi }
	:: atomic { step == S_SCRUB ->
		if
		:: frame_st == F_QUAR -> assert(!REACH); frame_st = F_SCRUBBED;
			report(S_SCRUB, R_OK)
		:: report(S_SCRUB, R_FAIL)	/* the frame stays quarantined */
		fi;
		step = S_EPOCH }
	:: atomic { step == S_EPOCH ->
		if
#if MUTANT == 5
		:: epoch == EMAX -> epoch = 1
#else
		:: epoch == EMAX -> retire = true
#endif
		:: else -> epoch++
		fi;
		report(S_EPOCH, R_OK);
		step = S_DONE }
	:: atomic { step == S_DONE ->
		/* dev_frames_reusable, dev_vectors_reusable */
		if
		:: res[S_SCRUB] == R_OK && res[S_EPOCH] == R_OK && frame_st == F_SCRUBBED ->
			assert(!REACH);
			frame_st = F_FREE;
			frame_ep = 0
		:: else -> skip
		fi;
		if
		:: res[S_MASK] == R_OK && res[S_DRAIN] == R_OK && res[S_EPOCH] == R_OK ->
			route_ep = 0
		:: else -> skip
		fi;
		if
		:: retire -> state = RETIRED
		:: else -> state = UNCLAIMED
		fi;
		step = S_NONE }
	od
}

proctype Driver()
{
	byte my; /* the epoch of the claim this owner holds (its handles carry it) */
	bit pool;

end_drv:
	do
	:: atomic { state == UNCLAIMED ->	/* dev_claim: a new owner */
		assert(epoch > max_claimed);
		max_claimed = epoch;
		my = epoch;
		pool = 0;
		state = CLAIMED;
		if
		:: has_iommu -> iommu_att = 1; dom_ep = my
		:: else -> skip
		fi }
	/* Every use of a handle is checked against the record (dev_handle_check). */
	:: atomic { VALID(my) && !pool && frame_st == F_FREE ->	/* a DMAPool */
		frame_st = F_OWNED; frame_ep = my; pool = 1 }
	:: atomic { VALID(my) && pool ->	/* program a descriptor, enable mastering */
		armed = 1; armed_ep = my; bme = 1 }
	:: atomic { VALID(my) && (route_ep == 0 || route_ep == my) ->	/* an Interrupt */
		route_ep = my; msi_on = 1; msi_ep = my }
	:: atomic { VALID(my) -> begin() }	/* release, exit or crash */
	od
}

proctype Manager()
{
end_mgr:
	do
	:: atomic { begin() }	/* revoke, reset or disable, in any state */
	od
}

proctype Device()
{
end_dev:
	do
	:: atomic { bme && armed && !inflight -> inflight = 1; inflight_ep = armed_ep }
	:: atomic { inflight ->
		if
		:: has_iommu && !iommu_att -> skip	/* translation fault: dropped */
		:: has_iommu && iommu_att && !((frame_st == F_OWNED || frame_st == F_QUAR) &&
					       frame_ep == dom_ep) -> skip	/* not mapped */
		:: else ->
			assert((frame_st == F_OWNED || frame_st == F_QUAR) &&
			       frame_ep == inflight_ep)
		fi;
		inflight = 0;
		inflight_ep = 0 }
	:: atomic { msi_on && !irq_pending -> irq_pending = 1; irq_ep = msi_ep }
	od
}

proctype Isr()
{
end_isr:
	do
	:: atomic { irq_pending ->
		if
		:: state == CLAIMED && route_ep == epoch ->
			assert(irq_ep == epoch)	/* delivered to the owner of this epoch */
		:: else -> skip	/* dropped: no owner, or not routed to the owner */
		fi;
		irq_pending = 0;
		irq_ep = 0 }
	od
}

/* In every state: no frame is scrubbed or free while the device can reach it; while
 * the device is claimed, no write in flight and no pending interrupt is of an older
 * epoch; the epoch is in range. */
proctype Monitor()
{
	assert(!((frame_st == F_FREE || frame_st == F_SCRUBBED) && REACH) &&
	       (state != CLAIMED || ((!inflight || inflight_ep == epoch) &&
				     (!irq_pending || irq_ep == epoch))) &&
	       epoch >= 1 && epoch <= EMAX && (state != RETIRED || step == S_NONE))
}

init
{
	if
	:: has_iommu = false
	:: has_iommu = true
	fi;
	if
	:: can_reset = false
	:: can_reset = true
	fi;
	atomic {
		run Kernel();
		run Driver();
		run Manager();
		run Device();
		run Isr();
		run Monitor()
	}
}
