/* ring.pml: the capability ring's SQ/CQ protocol (include/capos/ring.h, lib/ring).
 *
 * Indices are free-running modulo M (the real ring: modulo 2^32), slot = index % N.
 * The kernel keeps private copies of sq_head and cq_tail and only publishes them; it
 * reads sq_tail once per cap_enter round and cq_head once per decision, exactly as
 * ring_sq_pending / ring_take_sqe / ring_post_cqe do:
 *   - pending = sq_tail - head; > NSQ is corrupt: the head jumps to the tail (resync)
 *     and one error completion (token 0) is posted;
 *   - a round takes at most as many SQEs as the CQ has free slots;
 *   - used = cq_tail - cq_head; >= NCQ (a lie counts as full) drops the completion.
 * A run is honest or hostile (chosen at the start). In a hostile run a third process
 * writes arbitrary values into sq_tail, cq_head, and the published sq_head, cq_tail,
 * at any step, NHOSTILE times.
 * Checked: the kernel reads only slots inside the ring and inside the window it
 * validated; completions written plus dropped equal SQEs taken plus error completions;
 * with an honest user: no corruption, nothing dropped, no unconsumed CQE overwritten,
 * only SQEs the user wrote are read, and every completion arrives exactly once, in
 * order (a lost one deadlocks the user: an invalid end state).
 *
 * tools/spin.sh tests/model/ring.pml: about 3.2e7 states, 35 s and 2.3 GB with the sizes
 * below (the real ring's CQ is twice its SQ, as here). NCQ 2, M 4, NOPS 5 checks the
 * same properties in 2e6 states and 4 s.
 */

#define NSQ	 2
#define NCQ	 4
#define M	 8	/* index width: a multiple of NSQ and NCQ, larger than both */
#define NOPS	 9	/* operations of the user: > M, so indices wrap */
#define NHOSTILE 2

byte sq_tail, sq_head, cq_head, cq_tail; /* the page's index fields */
byte sq[NSQ], cq[NCQ];			 /* entries: user_data tokens (0 in hostile runs) */

/* Ghost state, for the assertions only. */
bool sq_pending[NSQ];	/* written by the user, not yet taken */
bool cq_unread[NCQ];	/* written by the kernel, not yet read by the user */
bool hostile, hostile_done;
bit owed;		/* an SQE taken or a resync, whose completion is not yet posted */

/* Each atomic block below makes at most one access to a shared page field; the rest
 * of the block is local or ghost computation, which no other process can observe, so
 * grouping it does not hide any interleaving. */

inline post(tok)
{
	atomic {
		assert(owed == 1);	/* one completion per take or resync, never more */
		used = (kt + M - cq_head) % M;	/* one load of the untrusted cq_head */
		if
		:: used >= NCQ ->	/* full, or cq_head out of range: dropped, counted */
			assert(hostile);
			owed = 0
		:: else ->
			assert(hostile || !cq_unread[kt % NCQ])
		fi;
		used = 0
	}
	if
	:: owed == 1 ->
		atomic {
			cq[kt % NCQ] = tok;
			cq_unread[kt % NCQ] = !hostile;
			kt = (kt + 1) % M
		}
		atomic {
			cq_tail = kt;	/* publish */
			owed = 0
		}
	:: else -> skip
	fi
}

proctype Kernel()
{
	byte kh = 0, kt = 0;	/* the private, trusted indices */
	byte t, n, used, slot, tok;

end_idle:
	do
	:: atomic {
		sq_tail != kh ->	/* cap_enter with something submitted */
		t = sq_tail;		/* the one snapshot of this round */
		n = (t + M - kh) % M
	   }
		if
		:: n > NSQ ->
			atomic {
				assert(hostile);
				kh = t;
				sq_head = kh;	/* resync: drop everything up to t */
				owed = 1;
				t = 0;
				n = 0
			}
			post(0)
		:: else ->
			atomic {
				used = (kt + M - cq_head) % M;
				if
				:: used > NCQ -> used = NCQ
				:: else -> skip
				fi;
				if
				:: n > NCQ - used -> n = NCQ - used
				:: else -> skip
				fi;
				used = 0
			}
			do
			:: n > 0 ->
				atomic {
					/* Inside the ring, inside [head, snapshot tail). */
					slot = kh % NSQ;
					assert(slot < NSQ);
					assert((t + M - kh) % M > 0 && (t + M - kh) % M <= NSQ);
					assert(hostile || sq_pending[slot]);
					tok = sq[slot];	/* the copy, before the slot goes back */
					sq_pending[slot] = false;
					slot = 0
				}
				atomic {
					kh = (kh + 1) % M;
					sq_head = kh;
					owed = 1;
					n--
				}
				post(tok);
				tok = 0
			:: else -> break
			od;
			t = 0
		fi
	od
}

proctype User()
{
	byte st = 0, ch = 0, sent = 0, recvd = 0;

	do
	:: atomic { sent < NOPS && (st + M - sq_head) % M < NSQ ->
		assert(hostile || !sq_pending[st % NSQ]) }
		atomic {
			if
			:: hostile -> sq[st % NSQ] = 0
			:: else -> sq[st % NSQ] = sent + 1
			fi;
			sq_pending[st % NSQ] = !hostile;
			st = (st + 1) % M;
			sent++
		}
		sq_tail = st
	:: atomic { ch != cq_tail && recvd < NOPS -> skip }
		atomic {
			assert(hostile || cq_unread[ch % NCQ]);
			assert(hostile || cq[ch % NCQ] == recvd + 1);
			cq_unread[ch % NCQ] = false;
			ch = (ch + 1) % M;
			recvd++
		}
		cq_head = ch
	:: recvd == NOPS -> break
	:: hostile && hostile_done -> break	/* a hostile run may strand the user */
	od;
	/* Honest: everything submitted was taken, and no completion beyond the last. */
	assert(hostile || (sent == NOPS && sq_head == st && cq_tail == ch))
}

proctype Hostile()
{
	byte k = 0, v;

	do
	:: k < NHOSTILE ->
		atomic {
			select(v : 0 .. M - 1);
			if
			:: sq_tail = v
			:: cq_head = v
			:: sq_head = v
			:: cq_tail = v
			fi;
			v = 0;
			k++
		}
	:: break
	od;
	hostile_done = true
}

init
{
	if
	:: hostile = false
	:: hostile = true
	fi;
	atomic {
		run Kernel();
		run User();
		if
		:: hostile -> run Hostile()
		:: else -> hostile_done = true
		fi
	}
}
