/* echo-server: holds the Endpoint (slot 0) and a Console (slot 1). Receives
 * calls and returns each message unchanged; method 1 ("bye") ends it. */
#include "lib/capos.h"

#define BYE 1

int main(struct capos_ring *ring);

int main(struct capos_ring *ring)
{
	static uint64_t buf[512];
	struct capos_handle ep = {0, 1}, console = {1, 1};
	unsigned served = 0;
	for (;;) {
		struct capos_sqe e = {.opcode = CAPOS_OP_RECV,
				      .target = ep,
				      .result_addr = (uint64_t)(uintptr_t)buf,
				      .result_len = sizeof(buf)};
		struct capos_cqe c;
		if (capos_submit(ring, &e, &c) != CAPOS_OK)
			return 1;
		struct capos_sqe r = {.opcode = CAPOS_OP_RETURN,
				      .target = {(uint32_t)c.aux, (uint32_t)(c.aux >> 32)},
				      .params_addr = (uint64_t)(uintptr_t)buf,
				      .params_len = c.result_len};
		struct capos_cqe rc;
		if (capos_submit(ring, &r, &rc) != CAPOS_OK)
			return 2;
		if (c.method == BYE)
			break;
		served++;
	}
	char line[64] = "echo-server: served ", num[21];
	char *p = line;
	while (*p)
		p++;
	for (char *q = fmt_u64(num, served); *q;)
		*p++ = *q++;
	*p = '\0';
	console_write_line(ring, console, line);
	return 0;
}
