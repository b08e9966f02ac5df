/* devhandle.pml: the userspace device-handle protocol (schema/capos.capnp: DeviceSlot,
 * Device, DeviceMmio, Interrupt, DMAPool and its buffers) over the device manager's
 * ledger (lib/dev/devmgr.h): two drivers, one PCI function, and every handle of an old
 * claim still in use while the claim is torn down and the device handed on.
 *
 * Processes:
 *   Init    claims the device for driver A (DeviceSlot.claim), may revoke the claim at
 *           any moment (DeviceSlot.revoke), and claims it for driver B once it is
 *           UNCLAIMED again: a new owner epoch.
 *   Driver  (A and B) issues its sub-handles through its Device: an MMIO window, an
 *           interrupt route, a DMA pool, a buffer of the pool. Each is a ledger slot
 *           {epoch, slot, gen, kind} made LIVE by a reserve -> commit transaction that
 *           holds the device manager's lock (the call's work, a vector or a frame, is
 *           done in between; a crash in the call aborts). It enables bus mastering,
 *           programs a DMA into its buffer through the window, unmasks its interrupt,
 *           waits on it, touches the window, frees its buffer, releases its
 *           sub-handles, resets the Device, releases it, exits or crashes. Every use
 *           checks the handle against the record under the lock (dev_handle_check:
 *           state, epoch, free, gen, kind) and, on a mismatch, fails closed
 *           (CAPOS_E_STALE) doing nothing: a failing use is no transition here, so A
 *           goes on "using" its old handles in every state after its claim ended, and
 *           only a wrong success shows. A use's effect happens under the same lock
 *           hold as its check.
 *   Kernel  the ordered teardown for every trigger (A's release, exit or crash, A's
 *           Device.reset, init's revoke), running concurrently with both drivers:
 *           CLAIMED -> REVOKING under the lock (every check fails from then on), then
 *           busmaster-off (may fail: the record then RETIRES), irq-mask, irq-drain
 *           (the routes' handlers removed), iommu-detach, reset (each UNAVAILABLE when
 *           the machine has no IOMMU / the function no reset), quarantine the pool
 *           frames, scrub them when dev_quiet, vacate every LIVE slot (gen + 1), epoch
 *           bump, done: UNCLAIMED (or RETIRED), frames scrubbed go back to the free
 *           list, and for Device.reset the same driver's Device is re-claimed at once
 *           under the new epoch.
 *   Device  performs the DMA programmed earlier whenever bus mastering is on: it writes
 *           the frame its IOVA maps to at that moment (through the attached domain, or
 *           the frame itself when unconfined), or faults; raises its interrupt whenever
 *           its MSI is enabled.
 *   Isr     counts an arrival into the Interrupt of the route on its vector if that
 *           route is still live (record CLAIMED under the route's epoch), else drops it.
 *   The machine has an IOMMU or not; the function has a reset or not (chosen at start).
 *
 * Checked (assertions, every reachable state; spin -DSAFETY):
 *   (1) no use of a handle, or of a Device, of an epoch whose teardown has begun
 *       succeeds (use_ok, dev_use_ok: epoch > the last torn-down one);
 *   (2) an interrupt is counted only into an Interrupt of the claim whose route raised
 *       it: B's count never includes one raised for A's route (Isr);
 *   (3) a DMA lands only in a frame of the pool of the claim whose driver started it
 *       (in the pool, or quarantined and not yet scrubbed): never B's, never a free or
 *       scrubbed one, never outside that pool (Device); no frame is scrubbed or freed
 *       while the device can reach it (Kernel, REACH);
 *   (4) after every teardown no slot is LIVE, every count is 0, no transaction is
 *       pending, every frame is free or quarantined (DONE); in every state the counts
 *       are the LIVE slots' (Monitor);
 *   (5) epochs strictly increase at every claim; a handle that passes the check was
 *       issued under the current claim, is of the kind it is used as, and names the
 *       issue now in its slot (ghost h_live: a stale generation or a forged name
 *       never reaches the slot's next occupant).
 *
 * Abstracted:
 *   - Steps other than busmaster-off never fail; devlife.pml checks every step failing.
 *     The epoch never nears its end (EMAX and retiring at it: devlife.pml).
 *   - Each kind has its own ledger slot (the ledger takes the lowest FREE one: which
 *     one does not matter to any check); budget: one handle of each kind; one vector;
 *     two frames, a pool is one frame mapped at IOVA 0, its buffer the whole pool;
 *     generations 1..3 (a slot vacated at 3 is RETIRED, as at UINT32_MAX).
 *   - A's first claim does everything; a claim after Device.reset and B's claim only
 *     issue, use, and end. A capability is not issued again under the claim that
 *     released it (a released capability is gone; the driver keeps it here, stale);
 *     the buffer may be freed and allocated again, the driver keeping the old name.
 *     A resets at most once; B's claim ends only in runs without a reset.
 *   - The MMIO window is a checked use; the real window is a mapping in the driver,
 *     so the kernel must unmap it at REVOKING for this to hold.
 *   - Interrupt counts are not kept (only whose arrival was counted: the assertion);
 *     at most one arrival is pending; a DMA write is one step (devlife.pml models the
 *     posted write in flight and busmaster-off's read back that waits for it).
 *   - A driver initialises the device before enabling bus mastering: a descriptor an
 *     earlier claim left there is overwritten (devmgr.h, Not covered). An unconfined
 *     driver can program any physical address (by design): only its buffer's here.
 *
 * Mutants: spin -DMUTANT=n -a devhandle.pml, then built and run as tools/spin.sh does.
 * Each breaks one rule; all but 4 were checked to FAIL with the assertion named:
 *   1 dev_handle_check ignores the record state: A allocates a buffer from its pool
 *     after its teardown began (1);
 *   2 it ignores the generation: A frees a buffer, allocates another in the slot, and
 *     its old name frees the new one (5, h_live);
 *   3 it ignores the kind: A's window's (id, gen) passed to DMAPool.free frees the
 *     window (5, kind);
 *   4 it ignores the epoch: NOT caught, and cannot be: the teardown vacates every LIVE
 *     slot (gen + 1) before the next claim, so an old claim's handle already fails on
 *     its generation (or on FREE); the epoch test is defence in depth;
 *   5 the Device's own check ignores the epoch: A's revoked Device is accepted under
 *     B's claim (1, dev_use_ok);
 *   6 frames are scrubbed and freed when the teardown begins, before the device is
 *     quiet: A's DMA, started before, lands in the freed frame (3);
 *   7 no IRQ_DRAIN wait: an arrival raised for A's route, pending across the teardown,
 *     is counted into B's Interrupt (2);
 *   8 EPOCH does not bump: the next claim (Device.reset's) reuses the epoch (5);
 *   9 setBusMaster's effect after the lock is dropped: a driver's check passes, its
 *     claim's teardown begins, bus mastering comes back on after busmaster-off, and
 *     the scrub finds the device able to reach the frame (3);
 *  10 IRQ_MASK leaves the MSI enabled: the device raises A's still-enabled message,
 *     counted into B's new route (2);
 *  11 releasing a pool frees its frame instead of quarantining it: A's DMA started
 *     before lands in a free frame (3);
 *  12 the teardown does not vacate LIVE slots: counts not zero at DONE (4).
 *
 * tools/spin.sh tests/model/devhandle.pml: 7.6e6 states, about 10 s and 1.3 GB; each
 * mutant fails in under a second.
 */

#ifndef MUTANT
#define MUTANT 0
#endif

#define NS   4	/* ledger slots (DEV_MAX_HANDLES) */
#define GMAX 3	/* generations 1 .. GMAX; a slot vacated at GMAX is RETIRED */
#define NF   2	/* physical frames */

#define DRV_A 0
#define DRV_B 1

/* enum dev_kind */
#define K_MMIO 0
#define K_IRQ  1
#define K_POOL 2
#define K_BUF  3
#define K_OLD  4 /* not a kind: the driver's second buffer name, an older one */

/* enum dev_state */
#define UNCLAIMED   0
#define CLAIMED	    1
#define REVOKING    2
#define QUARANTINED 3
#define RETIRED	    4

/* enum dev_slot_state */
#define SL_FREE 0
#define SL_RES	1
#define SL_LIVE 2
#define SL_RET	3

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

/* frame stages */
#define F_FREE	   0
#define F_POOL	   1 /* in the pool of claim fcid */
#define F_QUAR	   2 /* quarantined for claim fcid, not yet scrubbed */
#define F_SCRUBBED 3

/* ---- The record (struct dev_record), changed only under the device manager's lock. */
byte state = UNCLAIMED;
byte epoch = 1;
byte step = S_NONE;
bit bm_failed;		 /* BUSMASTER_OFF reported failed: the record ends RETIRED */
bit detach_ok, reset_ok; /* IOMMU_DETACH, RESET reported ok */
byte reclaim;		 /* the teardown serves Device.reset of driver reclaim - 1 */
byte sst[NS];		 /* enum dev_slot_state */
byte sgen[NS] = 1;
byte skind[NS];
byte cnt[4];		 /* LIVE handles by kind; the budget allows one of each */

/* ---- The transaction holding the lock: its driver + 1 (0: none), kind, slot. */
byte txn, tk, ts;

/* ---- The Device capability init moved to each driver: its claim's epoch (0: none or
 * released). Device.reset moves the same object on to the new epoch. */
byte dev_ep[2];
byte dev_cid[2];	/* ghost: its claim */

/* ---- The drivers' handles, h = d * 5 + k: three capabilities (DeviceMmio, Interrupt,
 * DMAPool: kernel objects holding a ledger reference {epoch, slot, gen}) and two buffer
 * names (id, gen: plain data, kept after the buffer is freed; the pool supplies the
 * epoch). Ghosts: the claim that issued it; whether the issue it names is still its
 * slot's occupant. */
byte h_ep[10], h_g[10], h_cid[10];
bit h_held[10], h_live[10];
byte pool_f[2];		/* each driver's pool object: its frame */
bit did_reset;		/* A resets at most once */

/* ---- The machine. */
bit has_iommu, can_reset;
bit dom_att;		/* the current claim's IOMMU domain is attached */
byte dom_map;		/* its translation of IOVA 0: frame + 1, 0 unmapped */
byte vec_cid;		/* the one vector's handler: the claim of the Interrupt it counts
			 * into, 0: none */
byte vec_ep;		/* that route's epoch, checked against the record */
byte fst[NF];		/* frame stages */
byte fcid[NF];		/* the claim a frame is held for (pool or quarantine) */

/* ---- The device. */
bit bme;		/* Command.Bus Master Enable */
bit armed;		/* a DMA descriptor is programmed */
byte d_iova;		/* its target */
byte d_cid;		/* ghost: the claim whose driver programmed it */
bit msi_on;		/* MSI enabled, its message aimed at the vector */
byte msi_cid;		/* ghost: the claim whose route enabled it */
bit irq_pend;		/* an interrupt raised, not yet handled */
byte pend_cid;		/* ghost: the claim whose route it was raised for */

/* ---- Ghosts. */
byte cur_cid;		/* claims so far: the current (or last) claim */
byte last_ep;		/* the epoch of the last claim */
byte dead_ep;		/* the epoch of the last teardown begun */
bit b_given;		/* init claimed for B */
bit bm_late;		/* mutant 9: a setBusMaster checked, its effect not yet done */

/* The slot each kind's handles get. */
#define SLOT(k) ((k) == K_OLD -> K_BUF : (k))

/* dev_handle_check, in its order: state, epoch, slot (always in range here), free,
 * gen, kind. */
#if MUTANT == 1
#define CHECK(ep, s, g, k) ((ep) == epoch && sst[s] == SL_LIVE && sgen[s] == (g) && \
			    skind[s] == (k))
#elif MUTANT == 2
#define CHECK(ep, s, g, k) (state == CLAIMED && (ep) == epoch && sst[s] == SL_LIVE && \
			    skind[s] == (k))
#elif MUTANT == 3
#define CHECK(ep, s, g, k) (state == CLAIMED && (ep) == epoch && sst[s] == SL_LIVE && \
			    sgen[s] == (g))
#elif MUTANT == 4
#define CHECK(ep, s, g, k) (state == CLAIMED && sst[s] == SL_LIVE && sgen[s] == (g) && \
			    skind[s] == (k))
#else
#define CHECK(ep, s, g, k) (state == CLAIMED && (ep) == epoch && sst[s] == SL_LIVE && \
			    sgen[s] == (g) && skind[s] == (k))
#endif

/* The Device's own check: its claim is the record's current one. */
#if MUTANT == 5
#define DEV_OK(d) (dev_ep[d] != 0 && state == CLAIMED)
#else
#define DEV_OK(d) (dev_ep[d] != 0 && state == CLAIMED && dev_ep[d] == epoch)
#endif

/* Driver me's handle k (a kind, or K_OLD). */
#define H(k)	   (me * 5 + (k))
#define HKIND(n)   ((n) % 5)
#define HSLOT(n)   SLOT(HKIND(n))
/* It holds no capability of kind k from its current claim (live or released). */
#define FRESH(k)   (h_cid[H(k)] != dev_cid[me])
/* Its capability of kind k is held and passes the check. */
#define HCHECK(k)  (h_held[H(k)] && CHECK(h_ep[H(k)], SLOT(k), h_g[H(k)], k))
/* The name in handle n names a buffer of its pool, by the check. */
#define BCHECK(n)  (h_held[n] && CHECK(h_ep[H(K_POOL)], HSLOT(n), h_g[n], K_BUF))
/* A's first claim does everything; later claims only issue, use, and end. */
#define FULL	   (dev_cid[me] == 1)

/* The device can write frame f now. */
#define REACH(f)   (bme && armed && \
		    ((has_iommu && dom_att && d_iova == 0 && dom_map == (f) + 1) || \
		     (!has_iommu && d_iova == (f))))

/* On every use that succeeded, of handle h as kind k: (1) its epoch's teardown has not
 * begun; (5) it was issued under the current claim, as a handle of kind k, and names
 * the issue now in its slot. */
inline use_ok(h, k)
{
	assert(h_ep[h] > dead_ep);
	assert(h_cid[h] == cur_cid);
	assert(HKIND(h) == k || (k == K_BUF && HKIND(h) == K_OLD));
	assert(h_live[h])
}

inline dev_use_ok(d)
{
	assert(dev_ep[d] > dead_ep);
	assert(dev_cid[d] == cur_cid)
}

/* The handle in slot x dies: its charge comes back, its generation moves on. */
inline vacate(x)
{
	cnt[skind[x]]--;
	skind[x] = 0;
	if
	:: sgen[x] == GMAX -> sst[x] = SL_RET
	:: else -> sgen[x]++; sst[x] = SL_FREE
	fi;
	/* ghost: whichever handle named this issue is stale now */
	j = 0;
	do
	:: j < 10 -> if :: HSLOT(j) == x -> h_live[j] = 0 :: else -> skip fi; j++
	:: else -> break
	od;
	j = 0
}

/* dev_claim for driver d (by DeviceSlot.claim, or Device.reset's re-claim). */
inline claim(d)
{
	assert(epoch > last_ep);	/* (5) epochs strictly increase */
	last_ep = epoch;
	cur_cid++;
	state = CLAIMED;
	dev_ep[d] = epoch;
	dev_cid[d] = cur_cid;
	if
	:: has_iommu -> dom_att = 1; dom_map = 0	/* a fresh domain */
	:: else -> skip
	fi
}

/* dev_teardown_begin, under the lock, by a caller that found the record CLAIMED (in any
 * other state it fails, DEV_E_TEARDOWN or DEV_E_STATE, changing nothing: the running
 * teardown serves that trigger too, so it is no transition here). */
inline begin(re)
{
	assert(state == CLAIMED && txn == 0);	/* the lock excludes a pending transaction */
	state = REVOKING;
	step = S_BM;
	dead_ep = epoch;
	bm_failed = 0;
	detach_ok = 0;
	reset_ok = 0;
	reclaim = re
#if MUTANT == 6
	;
	/* the frames leave at once: scrubbed and free before the device is quiet */
	j = 0;
	do
	:: j < NF -> if
		:: fst[j] != F_FREE -> fst[j] = F_FREE; fcid[j] = 0
		:: else -> skip
		fi; j++
	:: else -> break
	od;
	j = 0
#endif
}

proctype Init()
{
	byte j;

	atomic { claim(DRV_A) }
end_init:
	do
	/* DeviceSlot.revoke, whoever holds the Device */
	:: atomic { txn == 0 && state == CLAIMED && (!b_given || !did_reset) -> begin(0) }
	:: atomic { txn == 0 && state == UNCLAIMED && !b_given -> claim(DRV_B); b_given = 1 }
	od
}

/* IRQ_DRAIN waits until no interrupt is pending. */
#if MUTANT == 7
#define DRAINED true
#else
#define DRAINED (!irq_pend)
#endif

/* The one ordered teardown: each step's work without the lock, its report under it. */
proctype Kernel()
{
	byte i, j;

end_kernel:
	do
	:: atomic { step == S_BM ->
		if
		:: bme = 0	/* read back: the writes issued before it have landed */
		:: bm_failed = 1	/* the function does not obey */
		fi;
		step = S_MASK }
	:: atomic { step == S_MASK ->
#if MUTANT != 10
		msi_on = 0;
#endif
		step = S_DRAIN }
	:: atomic { step == S_DRAIN && DRAINED ->
		vec_cid = 0;	/* the routes are released: no handler runs for them */
		vec_ep = 0;
		step = S_DETACH }
	:: atomic { step == S_DETACH ->
		if
		:: has_iommu -> dom_att = 0; dom_map = 0; detach_ok = 1
		:: else -> skip	/* DEV_SR_UNAVAILABLE */
		fi;
		step = S_RESET }
	:: atomic { step == S_RESET ->
		if
		:: can_reset -> bme = 0; msi_on = 0; armed = 0; d_iova = 0; d_cid = 0; reset_ok = 1
		:: else -> skip	/* DEV_SR_UNAVAILABLE */
		fi;
		step = S_QUAR }
	:: atomic { step == S_QUAR ->
		i = 0;
		do
		:: i < NF -> if
			:: fst[i] == F_POOL -> assert(fcid[i] == cur_cid); fst[i] = F_QUAR
			:: else -> skip
			fi; i++
		:: else -> break
		od;
		i = 0;
		state = QUARANTINED;
		if
		:: detach_ok || reset_ok || !bm_failed -> step = S_SCRUB	/* dev_quiet */
		:: else ->	/* SCRUB skipped: the frames stay quarantined for good */
			do	/* dev_clear_handles */
			:: i < NS -> if :: sst[i] == SL_LIVE -> vacate(i) :: else -> skip fi; i++
			:: else -> break
			od;
			i = 0;
			step = S_EPOCH
		fi }
	:: atomic { step == S_SCRUB ->
		i = 0;
		do
		:: i < NF -> if
			:: fst[i] == F_QUAR && fcid[i] == cur_cid ->
				assert(!REACH(i));	/* (3) */
				fst[i] = F_SCRUBBED
			:: else -> skip
			fi; i++
		:: else -> break
		od;
		i = 0;
#if MUTANT != 12
		do	/* dev_clear_handles */
		:: i < NS -> if :: sst[i] == SL_LIVE -> vacate(i) :: else -> skip fi; i++
		:: else -> break
		od;
		i = 0;
#endif
		step = S_EPOCH }
	:: atomic { step == S_EPOCH ->
#if MUTANT != 8
		epoch++;
#endif
		step = S_DONE }
	:: atomic { step == S_DONE ->
		i = 0;
		do	/* dev_frames_reusable: the scrubbed frames go back */
		:: i < NF -> if
			:: fst[i] == F_SCRUBBED -> assert(!REACH(i)); fst[i] = F_FREE; fcid[i] = 0
			:: else -> skip
			fi; i++
		:: else -> break
		od;
		i = 0;
		/* (4) the claim's accounting is over: no handle, no charge, no frame of its own */
		assert(cnt[K_MMIO] == 0 && cnt[K_IRQ] == 0 && cnt[K_POOL] == 0 &&
		       cnt[K_BUF] == 0 && txn == 0);
		assert(sst[0] != SL_LIVE && sst[1] != SL_LIVE && sst[2] != SL_LIVE &&
		       sst[3] != SL_LIVE);
		assert((fst[0] == F_FREE || fst[0] == F_QUAR) &&
		       (fst[1] == F_FREE || fst[1] == F_QUAR));
		step = S_NONE;
		if
		:: bm_failed -> state = RETIRED
		:: !bm_failed && reclaim == 0 -> state = UNCLAIMED
		:: !bm_failed && reclaim != 0 ->
			state = UNCLAIMED;
			claim(reclaim - 1)	/* Device.reset: the same driver, the new epoch */
		fi;
		reclaim = 0 }
	od
}

/* dev_handle_reserve (the caller checked CLAIMED): the budget, a FREE slot; the lock
 * stays held until the commit or abort. */
inline reserve(k)
{
	if
	:: sst[SLOT(k)] == SL_FREE && cnt[k] == 0 ->
		txn = me + 1; tk = k; ts = SLOT(k); sst[ts] = SL_RES; skind[ts] = k
	:: else -> skip	/* DEV_E_FULL, DEV_E_BUDGET */
	fi
}

proctype Driver(byte me)
{
	byte i, j, n;

end_wait:
	(dev_ep[me] != 0);	/* init moved a Device to it */
end_drv:
	do
	/* Device.mmio, .interrupt, .dmaPool; DMAPool.alloc: the reserve. */
	:: atomic { txn == 0 && DEV_OK(me) && FRESH(K_MMIO) -> dev_use_ok(me); reserve(K_MMIO) }
	:: atomic { txn == 0 && DEV_OK(me) && FRESH(K_IRQ) -> dev_use_ok(me); reserve(K_IRQ) }
	:: atomic { txn == 0 && DEV_OK(me) && FRESH(K_POOL) -> dev_use_ok(me); reserve(K_POOL) }
	:: atomic { txn == 0 && HCHECK(K_POOL) -> use_ok(H(K_POOL), K_POOL); reserve(K_BUF) }

	/* The call's work, then dev_handle_commit; the lock goes. (The work never fails
	 * here: the vector is always free again for the next claim, and a frame too.
	 * dev_handle_abort is reached by the crash below.) */
	:: atomic { txn == me + 1 ->
		if
		:: tk == K_IRQ -> assert(vec_cid == 0); vec_cid = dev_cid[me]; vec_ep = dev_ep[me]
		:: tk == K_POOL ->
			if
			:: fst[0] == F_FREE -> pool_f[me] = 0
			:: fst[1] == F_FREE -> pool_f[me] = 1
			:: else -> assert(false)
			fi;
			fst[pool_f[me]] = F_POOL;
			fcid[pool_f[me]] = dev_cid[me];
			if
			:: has_iommu -> dom_map = pool_f[me] + 1	/* mapped at IOVA 0 */
			:: else -> skip
			fi
		:: tk == K_BUF && FULL && h_held[H(K_BUF)] ->	/* it keeps the old name */
			h_held[H(K_OLD)] = 1;
			h_ep[H(K_OLD)] = h_ep[H(K_BUF)];
			h_g[H(K_OLD)] = h_g[H(K_BUF)];
			h_cid[H(K_OLD)] = h_cid[H(K_BUF)];
			h_live[H(K_OLD)] = h_live[H(K_BUF)]
		:: else -> skip
		fi;
		sst[ts] = SL_LIVE;
		cnt[tk]++;
		n = H(tk);
		h_held[n] = 1;
		h_ep[n] = (tk == K_BUF -> h_ep[H(K_POOL)] : dev_ep[me]);
		h_g[n] = sgen[ts];
		h_cid[n] = dev_cid[me];
		h_live[n] = 1;
		n = 0;
		txn = 0;
		tk = 0;
		ts = 0 }
	:: atomic { txn == me + 1 && FULL ->	/* it crashed in the call: abort, tear down */
		sst[ts] = SL_FREE;
		skind[ts] = 0;
		txn = 0;
		tk = 0;
		ts = 0;
		begin(0);
		dev_ep[me] = 0;
		dev_cid[me] = 0 }

	/* Device.setBusMaster(on). The driver initialises the device first: a descriptor
	 * an earlier claim left is overwritten (devmgr.h, Not covered). */
	:: atomic { txn == 0 && DEV_OK(me) && !bme && !bm_late ->
		dev_use_ok(me);
		if
		:: armed && d_cid != dev_cid[me] -> armed = 0; d_iova = 0; d_cid = 0
		:: else -> skip
		fi;
#if MUTANT == 9
		bm_late = 1 }
	:: atomic { bm_late -> bm_late = 0;	/* the lock was dropped in between */
#endif
		bme = 1 }
	/* A DMA into its buffer, programmed through the MMIO window. */
	:: atomic { txn == 0 && HCHECK(K_MMIO) && BCHECK(H(K_BUF)) && !armed ->
		use_ok(H(K_MMIO), K_MMIO);
		use_ok(H(K_BUF), K_BUF);
		armed = 1;
		d_iova = (has_iommu -> 0 : pool_f[me]);	/* unconfined: the IOVA is the frame */
		d_cid = h_cid[H(K_MMIO)] }
	/* Any other IOVA through the window: the IOMMU confines it. */
	:: atomic { txn == 0 && FULL && has_iommu && HCHECK(K_MMIO) && !armed ->
		use_ok(H(K_MMIO), K_MMIO);
		armed = 1;
		d_iova = 1;
		d_cid = h_cid[H(K_MMIO)] }
	/* Touching a register, Interrupt.wait: checked uses that change nothing here. */
	:: atomic { txn == 0 && HCHECK(K_MMIO) -> use_ok(H(K_MMIO), K_MMIO) }
	:: atomic { txn == 0 && HCHECK(K_IRQ) -> use_ok(H(K_IRQ), K_IRQ) }
	/* Interrupt.unmask: the kernel aims the MSI at the route's vector and enables it. */
	:: atomic { txn == 0 && HCHECK(K_IRQ) && !msi_on ->
		use_ok(H(K_IRQ), K_IRQ);
		msi_on = 1;
		msi_cid = h_cid[H(K_IRQ)] }
	/* DMAPool.free(id, gen): a name of its buffer, maybe freed already, or a forged
	 * one: the id and generation of its window or of its pool. */
	:: atomic { txn == 0 && FULL && HCHECK(K_POOL) ->
		if
		:: n = H(K_BUF)
		:: n = H(K_OLD)
		:: n = H(K_MMIO)
		:: n = H(K_POOL)
		fi;
		if
		:: BCHECK(n) ->
			use_ok(H(K_POOL), K_POOL);
			use_ok(n, K_BUF);
			vacate(HSLOT(n))
		:: else -> skip	/* CAPOS_E_STALE */
		fi;
		n = 0 }

	/* Releasing a capability: the kernel undoes its effect, then vacates its slot. */
	:: atomic { txn == 0 && FULL && HCHECK(K_MMIO) ->
		use_ok(H(K_MMIO), K_MMIO);
		vacate(SLOT(K_MMIO)) }	/* the window is unmapped */
	:: atomic { txn == 0 && FULL && HCHECK(K_IRQ) ->
		use_ok(H(K_IRQ), K_IRQ);
		msi_on = 0;	/* masked; the route and its vector released */
		vec_cid = 0;
		vec_ep = 0;
		vacate(SLOT(K_IRQ)) }
	:: atomic { txn == 0 && FULL && HCHECK(K_POOL) ->
		use_ok(H(K_POOL), K_POOL);
		if	/* its buffer dies with it */
		:: sst[SLOT(K_BUF)] == SL_LIVE -> vacate(SLOT(K_BUF))
		:: else -> skip
		fi;
		if
		:: has_iommu -> dom_map = 0	/* unmapped, invalidated */
		:: else -> skip
		fi;
#if MUTANT == 11
		fst[pool_f[me]] = F_FREE;
		fcid[pool_f[me]] = 0;
#else
		fst[pool_f[me]] = F_QUAR;	/* a DMA started earlier may still land there */
#endif
		vacate(SLOT(K_POOL)) }

	/* Device.reset (A, once): the teardown, then the same Device under a new epoch. */
	:: atomic { txn == 0 && me == DRV_A && !did_reset && DEV_OK(me) ->
		dev_use_ok(me);
		did_reset = 1;
		begin(me + 1) }
	/* Releasing the Device, exit or crash: the teardown. It goes on trying its
	 * sub-handles. */
	:: atomic { txn == 0 && DEV_OK(me) && (me == DRV_A || !did_reset) ->
		dev_use_ok(me);
		begin(0);
		dev_ep[me] = 0;
		dev_cid[me] = 0 }
	od
}

proctype Device()
{
	byte f;

end_dev:
	do
	/* The DMA programmed, whenever bus mastering is on: it writes the frame its IOVA
	 * maps to now, or faults. */
	:: atomic { bme && armed ->
		if
		:: has_iommu && dom_att && d_iova == 0 && dom_map != 0 -> f = dom_map - 1
		:: has_iommu && !(dom_att && d_iova == 0 && dom_map != 0) -> goto fault
		:: !has_iommu -> f = d_iova
		fi;
		/* (3) only a frame of the pool of the claim that started it (in it, or
		 * quarantined and not yet scrubbed): never B's, never free, never another */
		assert((fst[f] == F_POOL || fst[f] == F_QUAR) && fcid[f] == d_cid);
fault:
		f = 0 }
	:: atomic { msi_on && !irq_pend -> irq_pend = 1; pend_cid = msi_cid }
	od
}

/* The kernel's handler of the vector: counts an arrival into the Interrupt of the route
 * it arrived on if that route is live, else drops it. */
proctype Isr()
{
end_isr:
	do
	:: atomic { irq_pend ->
		if
		:: vec_cid != 0 && state == CLAIMED && vec_ep == epoch ->
			assert(pend_cid == vec_cid)	/* (2) never another claim's */
		:: else -> skip
		fi;
		irq_pend = 0;
		pend_cid = 0 }
	od
}

/* In every state: the counts are the LIVE slots' (one of each kind at most); a
 * transaction only under a claim; no teardown step under a claim. */
proctype Monitor()
{
	assert(cnt[K_MMIO] == (sst[SLOT(K_MMIO)] == SL_LIVE) &&
	       cnt[K_IRQ] == (sst[SLOT(K_IRQ)] == SL_LIVE) &&
	       cnt[K_POOL] == (sst[SLOT(K_POOL)] == SL_LIVE) &&
	       cnt[K_BUF] == (sst[SLOT(K_BUF)] == SL_LIVE) &&
	       (txn == 0 || state == CLAIMED) && (state != CLAIMED || step == S_NONE))
}

init
{
	if
	:: has_iommu = 0
	:: has_iommu = 1
	fi;
	if
	:: can_reset = 0
	:: can_reset = 1
	fi;
	atomic {
		run Init();
		run Kernel();
		run Driver(DRV_A);
		run Driver(DRV_B);
		run Device();
		run Isr();
		run Monitor()
	}
}
