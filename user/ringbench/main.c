/* ringbench: cycles per ring operation, measured with RDTSC in user mode:
 * NOP one per cap_enter and 16 per cap_enter; CALL Timer.now likewise; and,
 * when slot 2 holds an EndpointClient of an echo-server (manifests/bench), the
 * round trip of a 24-byte message through it. For each, the median over 15 runs
 * (256 operations, 64 round trips). Printed through the Console as
 * `bench ring nop=N nop16=N call=N call16=N ep=N|none cycles/op` (TSC cycles). */
#include "lib/capos.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "echo-server/echo.h"

#define OPS  256
#define RUNS 15

int main(struct capos_ring *ring);

static struct capos_ring *R;
static uint64_t params[1], result[4];
static uint32_t params_len;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Submits n SQEs of one kind, enters once, drains n completions. */
static int batch(int call, uint32_t n)
{
	uint32_t tail = R->sq_tail;
	for (uint32_t i = 0; i < n; i++) {
		struct capos_sqe *e = &R->sq[(tail + i) % CAPOS_RING_SQ_ENTRIES];
		if (call)
			*e = (struct capos_sqe){.opcode = CAPOS_OP_CALL,
						.method = CAPOS_TIMER_NOW,
						.target = {1, 1},
						.user_data = i + 1,
						.params_addr = (uint64_t)(uintptr_t)params,
						.params_len = params_len,
						.result_addr = (uint64_t)(uintptr_t)result,
						.result_len = sizeof(result)};
		else
			*e = (struct capos_sqe){.opcode = CAPOS_OP_NOP, .user_data = i + 1};
	}
	__atomic_store_n(&R->sq_tail, tail + n, __ATOMIC_RELEASE);
	if (cap_enter(n, 0) < n)
		return -1;
	uint32_t head = R->cq_head;
	for (uint32_t i = 0; i < n; i++)
		if (R->cq[(head + i) % CAPOS_RING_CQ_ENTRIES].status != CAPOS_OK)
			return -1;
	__atomic_store_n(&R->cq_head, head + n, __ATOMIC_RELEASE);
	return 0;
}

static uint64_t median(uint64_t *v);

static uint64_t measure(int call, uint32_t per_enter)
{
	uint64_t v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = rdtsc();
		for (uint32_t k = 0; k < OPS / per_enter; k++)
			if (batch(call, per_enter) != 0)
				return 0;
		v[r] = (rdtsc() - t0) / OPS;
	}
	return median(v);
}

/* Round trips through the endpoint in slot 2; 0 when there is none. */
static uint64_t measure_endpoint(void)
{
	static uint64_t msg[3] = {0x0000000100000000ull, 1, 2}, reply[4];
	struct capos_handle ep = {2, 1};
	struct capos_cqe c;
	uint64_t v[RUNS];
	if (capos_call_caps(R, ep, ECHO_ECHO, msg, sizeof(msg), reply, sizeof(reply), 0, 0, false,
			    &c) != CAPOS_OK)
		return 0;
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = rdtsc();
		for (int k = 0; k < OPS / 4; k++)
			if (capos_call_caps(R, ep, ECHO_ECHO, msg, sizeof(msg), reply,
					    sizeof(reply), 0, 0, false, &c) != CAPOS_OK)
				return 0;
		v[r] = (rdtsc() - t0) / (OPS / 4);
	}
	capos_call_caps(R, ep, ECHO_BYE, msg, 8, reply, sizeof(reply), 0, 0, false, &c);
	return median(v);
}

static uint64_t median(uint64_t *v)
{
	for (int i = 1; i < RUNS; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[RUNS / 2];
}

static void cat(char *dst, const char *src)
{
	while (*dst)
		dst++;
	while ((*dst++ = *src++) != '\0')
		;
}

int main(struct capos_ring *ring)
{
	struct capnp_builder b;
	struct capnp_struct root;
	char line[128] = "bench ring", num[21];
	static const char *const names[4] = {" nop=", " nop16=", " call=", " call16="};
	R = ring;
	if (capnp_builder_init(&b, params, sizeof(params)) != CAPNP_OK ||
	    capos_timer_now_params_init_root(&b, &root) != CAPNP_OK)
		return 1;
	params_len = b.used;
	for (int m = 0; m < 4; m++) {
		uint64_t c = measure(m >= 2, (m & 1) ? 16 : 1);
		if (c == 0)
			return 2;
		cat(line, names[m]);
		cat(line, fmt_u64(num, c));
	}
	uint64_t ep = measure_endpoint();
	cat(line, " ep=");
	cat(line, ep ? fmt_u64(num, ep) : "none");
	cat(line, " cycles/op");
	return console_write_line(ring, (struct capos_handle){0, 1}, line) == CAPOS_OK ? 0 : 3;
}
