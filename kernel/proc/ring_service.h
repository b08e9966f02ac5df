/* ring_service: what cap_enter does with a process's ring. */
#ifndef CAPOS_PROC_RING_SERVICE_H
#define CAPOS_PROC_RING_SERVICE_H

#include <stdint.h>

struct proc;

/* ring_service: consumes the process's submissions (a bounded number), posts a
 * completion for each, and returns how many completions are ready. */
uint64_t ring_service(struct proc *p, uint32_t min_complete, uint64_t timeout_ns);

#endif
