/* capos: libcapos, the user runtime: the ring client (one outstanding request
 * at a time, synchronous), calls with capabilities beside them, receive and
 * return for servers, typed stubs built on the generated schema accessors, a
 * heap, and formatted output to a Console capability. */
#ifndef CAPOS_USER_CAPOS_H
#define CAPOS_USER_CAPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capos/ring.h"
#include "lib/sys.h"

/* capos_submit: queues e (user_data is set here), enters the kernel and waits
 * for its completion, which goes to *out. Returns out->status. */
int32_t capos_submit(struct capos_ring *r, struct capos_sqe *e, struct capos_cqe *out);

/* capos_call: CALL method on target with a message, no capabilities. */
int32_t capos_call(struct capos_ring *r, struct capos_handle target, uint16_t method,
		   const void *params, uint32_t params_len, void *result, uint32_t result_len);

/* capos_call_caps: CALL with ncaps capabilities beside the message (moved when
 * move is true: the handles go stale once the call is received). The whole
 * completion goes to *out: a capability in the reply is capos_handle_of(out->aux)
 * when out->xfer_count is 1. */
int32_t capos_call_caps(struct capos_ring *r, struct capos_handle target, uint16_t method,
			const void *params, uint32_t params_len, void *result, uint32_t result_len,
			const struct capos_handle *caps, uint32_t ncaps, bool move,
			struct capos_cqe *out);

/* capos_call_cap: a CALL whose reply carries one capability: its handle goes
 * to *out (CAPOS_E_BAD_RESULT when the reply carries none). */
int32_t capos_call_cap(struct capos_ring *r, struct capos_handle target, uint16_t method,
		       const void *params, uint32_t params_len, struct capos_handle *out);

/* capos_recv: RECV on an Endpoint: the message goes to buf, the capabilities
 * beside it (at most room) to caps[0..out->xfer_count); out->aux is the token
 * capos_return answers, out->method the caller's method. */
int32_t capos_recv(struct capos_ring *r, struct capos_handle ep, void *buf, uint32_t len,
		   struct capos_handle *caps, uint32_t room, struct capos_cqe *out);

/* capos_return: RETURN the call received under token with a reply message and
 * at most one capability (cap may be NULL; moved when move is true). */
int32_t capos_return(struct capos_ring *r, uint64_t token, const void *msg, uint32_t len,
		     const struct capos_handle *cap, bool move);

/* capos_return_recv: RETURN the call received under token (no capability),
 * then RECV the next call on ep, in one cap_enter (seL4's ReplyRecv). *out is
 * the RECV's completion. Returns the RETURN's status if it failed, else the
 * RECV's. */
int32_t capos_return_recv(struct capos_ring *r, uint64_t token, const void *msg, uint32_t len,
			  struct capos_handle ep, void *buf, uint32_t buflen,
			  struct capos_handle *caps, uint32_t room, struct capos_cqe *out);

/* capos_handle_of: the handle a CQE's aux names (slot | gen << 32). */
static inline struct capos_handle capos_handle_of(uint64_t aux)
{
	return (struct capos_handle){(uint32_t)aux, (uint32_t)(aux >> 32)};
}

/* capos_release: RELEASE target. */
int32_t capos_release(struct capos_ring *r, struct capos_handle target);

/* capos_spawn: ProcessSpawner.spawn of the bundled binary `binary` (also its
 * name) with caps[0..n) beside the call (moved when move is true), in that
 * order in the child's table; the ProcessHandle goes to *out. Returns the
 * status. capos_spawn_named: the same under another process name. */
int32_t capos_spawn(struct capos_ring *r, struct capos_handle spawner, const char *binary,
		    const struct capos_handle *caps, uint32_t n, bool move,
		    struct capos_handle *out);
int32_t capos_spawn_named(struct capos_ring *r, struct capos_handle spawner, const char *name,
			  const char *binary, const struct capos_handle *caps, uint32_t n,
			  bool move, struct capos_handle *out);

/* process_wait: ProcessHandle.wait; the reason and status go to *reason and *status. */
int32_t process_wait(struct capos_ring *r, struct capos_handle h, uint16_t *reason,
		     int64_t *status);
/* process_notify: ProcessHandle.notify(ev): ev is signalled when h ends.
 * process_status: whether h has ended, and how (never blocks). */
int32_t process_notify(struct capos_ring *r, struct capos_handle h, struct capos_handle ev);
int32_t process_status(struct capos_ring *r, struct capos_handle h, bool *ended, uint16_t *reason,
		       int64_t *status);
/* process_kill: ProcessHandle.kill. */
int32_t process_kill(struct capos_ring *r, struct capos_handle h);

/* console_write_line: Console.writeLine(text). */
int32_t console_write_line(struct capos_ring *r, struct capos_handle console, const char *text);

/* timer_now / timer_sleep: Timer.now and Timer.sleep. */
int32_t timer_now(struct capos_ring *r, struct capos_handle timer, uint64_t *ns);
int32_t timer_sleep(struct capos_ring *r, struct capos_handle timer, uint64_t ns);

/* console_printf: formats (lib/fmt: %d %u %x %s %c %p, width, precision) and
 * writes the text with Console.write; output past 255 bytes is cut. */
int32_t console_printf(struct capos_ring *r, struct capos_handle console, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* capos_malloc / capos_free: the process heap, a 64 KiB arena in the program's
 * own memory (lib/umalloc). capos_free refuses pointers it did not hand out. */
void *capos_malloc(size_t n);
int capos_free(void *p);

/* fmt_u64: decimal digits of v into buf (at least 21 bytes); returns buf. */
char *fmt_u64(char *buf, uint64_t v);

#endif
