/* smp_call: running a function on another CPU through an IPI. */
#ifndef CAPOS_ARCH_SMP_CALL_H
#define CAPOS_ARCH_SMP_CALL_H

#include <stdbool.h>

typedef void (*smp_call_fn)(void);

/* smp_call_init: installs the call and test IPI handlers on every CPU. */
void smp_call_init(void);

/* smp_call: runs fn on CPU index cpu (from its interrupt handler) and waits a
 * bounded time for it to finish; false when the CPU is offline or did not
 * answer. On the calling CPU itself fn runs directly. */
bool smp_call(unsigned cpu, smp_call_fn fn);

#endif
