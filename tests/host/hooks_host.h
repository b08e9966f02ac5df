/* hooks_host: host implementation of lib/hooks.h that records what lib/ logged. */
#ifndef CAPOS_TEST_HOOKS_HOST_H
#define CAPOS_TEST_HOOKS_HOST_H

#include <stddef.h>

/* hooks_log_reset: forgets every recorded line. */
void hooks_log_reset(void);
/* hooks_log_count: how many lines were logged since the last reset. */
size_t hooks_log_count(void);
/* hooks_log_line: the i-th line since the last reset ("" past the end). */
const char *hooks_log_line(size_t i);
/* hooks_log_contains: 1 when some line since the last reset contains needle. */
int hooks_log_contains(const char *needle);

#endif
