/* idlepoll.pml: idle CPUs that poll before they halt, and the processes left to
 * them (kernel/proc/sched.c: idle, pick_locked/polled_elsewhere, kick_idle,
 * stop_polling_locked, sched_loop_once).
 *
 * Two CPUs. Process P last ran on CPU 0 ("its own CPU"), and is blocked. CPU 1
 * wakes it (under the scheduler lock: P queued, the run-queue number bumped),
 * then looks at the queue itself: it passes P over while CPU 0 polls (CPU 0 is
 * to take it, its address space still loaded), else takes it; then it sends
 * the IPIs of kick_idle (to an idle CPU that does not poll) and goes idle
 * itself. CPU 0 comes from blocking its last process: polling already (set
 * early, under the lock, in block_locked); it may stop polling to reap (or to
 * run the prompt hook) at any point of its scheduler loop; then it looks at
 * the queue (under the lock: take P, or record the number and count as idle),
 * polls until the number moves or its window ends (the window ends at any
 * moment, nondeterministically; an IPI opens a new one), stays polling to look
 * again if the number moved, and otherwise stops polling, looks at the number
 * once more and halts until an IPI.
 * Atomic steps are the lock's critical sections and single loads and stores:
 * the bump is a locked RMW and the store that ends polling is seq_cst
 * (xchg), so sequential consistency is the right model for those two.
 *
 * Either IPIs may be lost (a lossy run), or a teardown may last until P ran
 * elsewhere (P must not wait for it).
 * Checked: P is run by one CPU exactly once, and never do both CPUs end up
 * halted (or one halted, the other tearing down) with P still queued: spin
 * reports such a state as an invalid end state. Each of these changes makes
 * spin find one: no bump in the waker; no look at the number before halting;
 * no announcement before a teardown, or one only when the CPU was polling
 * (the code had that: a CPU whose poll had just ended went on to reap while
 * the other, which had passed P over, halted); passing P over for a halted
 * CPU too (a lost IPI strands it). Not modelled: the re-announcement of what
 * a pick leaves behind, a process made runnable while still on its CPU's
 * stack (sched_finish), block_locked's choice of a polling CPU for a server.
 */

#define HOME 0

bool lock;
bool queued;	  /* P is on the run queue */
byte ran;	  /* times P was taken */
byte seq;	  /* the run queue's number */
bool polling[2];
bool idle[2];
bool ipi[2];	  /* an IPI pending at the CPU */
bool lossy;	  /* this run, IPIs may be lost (else a teardown may last) */

inline acquire() { atomic { !lock -> lock = true } }
inline release() { lock = false }

/* kick_idle from CPU me: an IPI to the other CPU if it idles and does not
 * poll. In a lossy run an IPI may be lost (a busy ICR): then P must still run,
 * by whichever CPU could. */
inline kick_idle(me)
{
	if
	:: idle[1 - me] && !polling[1 - me] ->
		if
		:: ipi[1 - me] = true
		:: lossy -> skip /* lost */
		fi
	:: else -> skip
	fi
}

/* pick_locked for P on CPU me (lock held): taken unless its own CPU is the
 * other one and polls. */
inline pick(me, got)
{
	got = false;
	if
	:: queued && !(HOME != me && polling[HOME]) ->
		queued = false; ran++; got = true;
		idle[me] = false; polling[me] = false
	:: else -> idle[me] = true
	fi
}

/* CPU me: CPU 1 first wakes P; then the scheduler loop until P was run (by
 * anyone). */
proctype cpu(byte me)
{
	bool got, window = true, reaped;
	byte seen;
	if
	:: me == HOME ->
		polling[me] = true /* set in block_locked: going idle */
	:: else ->
		acquire();
		queued = true;
		seq++;
		pick(me, got);
		release();
		kick_idle(me);
		if
		:: got -> goto done
		:: else -> skip
		fi
	fi;
look:
	/* stop_polling_locked (the reaper, or the boot CPU's hook), once */
	if
	:: me == HOME && !reaped ->
		reaped = true;
		acquire();
		if
		:: queued -> polling[me] = false; seq++; got = true
		:: else -> polling[me] = false; got = false
		fi;
		release();
		if
		:: got -> kick_idle(me)
		:: else -> skip
		fi;
		/* a teardown that lasts (a device reset): P must not wait for it */
		if
		:: !lossy -> got = true /* lasts */
		:: got = false
		fi;
		if
		:: got -> (ran > 0); goto done
		:: else -> skip
		fi
	:: true -> skip
	fi;
	acquire();
	pick(me, got);
	seen = seq;
	release();
	if
	:: got || ran > 0 -> goto done
	:: else -> skip
	fi;
	/* idle(): poll while the window lasts */
	if
	:: window ->
		polling[me] = true;
		do
		:: seq != seen -> break
		:: window -> window = false /* the window ends */
		:: !window -> break
		od;
		if
		:: window -> goto look /* still polling: look again */
		:: else -> skip
		fi
	:: else -> skip
	fi;
	polling[me] = false;
	if
	:: seq != seen -> goto look
	:: else -> skip
	fi;
	/* halt until an IPI (or the end: P ran elsewhere) */
	if
	:: ipi[me] -> ipi[me] = false; window = true; goto look
	:: ran > 0 -> skip
	fi;
done:
	skip
}

init
{
	if
	:: lossy = true
	:: lossy = false
	fi;
	atomic { run cpu(0); run cpu(1) };
	(ran > 0) -> assert(ran == 1 && !queued)
}
