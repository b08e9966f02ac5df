/* capos: the user runtime's ring client and typed calls (the start of
 * libcapos). One outstanding request at a time, synchronous. */
#ifndef CAPOS_USER_CAPOS_H
#define CAPOS_USER_CAPOS_H

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

/* capos_release: RELEASE target. */
int32_t capos_release(struct capos_ring *r, struct capos_handle target);

/* console_write_line: Console.writeLine(text). */
int32_t console_write_line(struct capos_ring *r, struct capos_handle console, const char *text);

/* timer_now / timer_sleep: Timer.now and Timer.sleep. */
int32_t timer_now(struct capos_ring *r, struct capos_handle timer, uint64_t *ns);
int32_t timer_sleep(struct capos_ring *r, struct capos_handle timer, uint64_t ns);

/* fmt_u64: decimal digits of v into buf (at least 21 bytes); returns buf. */
char *fmt_u64(char *buf, uint64_t v);

#endif
