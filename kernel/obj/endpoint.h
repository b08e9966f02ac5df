/* endpoint: synchronous message passing between processes. A CALL through an
 * EndpointClient slot queues the message and blocks the caller; a RECV on an
 * Endpoint slot takes the oldest call (blocking while there is none) and names
 * it by a token in the receiver's own namespace; RETURN with that token hands
 * the reply back and wakes the caller. Messages are copied through the kernel
 * (caller -> kernel -> server, server -> kernel -> caller), each side in its
 * own address space. */
#ifndef CAPOS_OBJ_ENDPOINT_H
#define CAPOS_OBJ_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "capos/ring.h"
#include "kobj.h"
#include "lib/ring/ring.h"

#define EP_QUEUE      16	     /* calls queued or being served per endpoint */
#define PROC_RECV_MAX PROC_MAX_CALLS /* calls a process may hold received, not returned */

struct endpoint;
struct proc;

/* endpoint_new: a fresh endpoint with one reference (the caller's) and no
 * handle, or NULL. When its last server-facet handle goes, queued calls fail
 * with CAPOS_E_INVOKE and later calls too (nobody is left to receive them). */
struct kobj *endpoint_new(void);

/* endpoint_of: o as an endpoint, or NULL when o is something else. */
struct endpoint *endpoint_of(struct kobj *o);

/* endpoint_recv: RECV on an Endpoint slot by p; fills the completion. The
 * capabilities beside the call move or copy from the (blocked) caller's table
 * into p's, their handles written to the RECV's xfer array. A queued call that
 * cannot be delivered (too long for p's buffer, too many capabilities, p's
 * table full) is failed back to its caller, and the next one is tried. */
enum capos_status endpoint_recv(struct proc *p, struct endpoint *e, const struct ring_req *q,
				struct capos_cqe *cqe);

/* endpoint_return: RETURN of the call p received under token; a capability
 * beside the reply (at most one) goes to the caller, its handle in the CQE.
 * When the caller was killed meanwhile, the call is gone: the reply is dropped,
 * the capability stays p's, and RETURN says CAPOS_E_INVOKE. */
enum capos_status endpoint_return(struct proc *p, const struct ring_req *q);

/* endpoint_proc_exit: fails every call p received and did not return. */
void endpoint_proc_exit(struct proc *p);

#endif
