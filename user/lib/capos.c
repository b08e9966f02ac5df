/* capos: synchronous requests over the ring, and the Console stub built with
 * the generated schema accessors. */
#include "capos.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "lib/fmt.h"
#include "lib/umalloc/umalloc.h"

static uint64_t next_user_data = 1;

int32_t capos_submit(struct capos_ring *r, struct capos_sqe *e, struct capos_cqe *out)
{
	uint32_t tail = r->sq_tail;
	e->user_data = next_user_data++;
	r->sq[tail % CAPOS_RING_SQ_ENTRIES] = *e;
	__atomic_store_n(&r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	for (;;) {
		uint32_t head = r->cq_head;
		if (head != __atomic_load_n(&r->cq_tail, __ATOMIC_ACQUIRE)) {
			*out = r->cq[head % CAPOS_RING_CQ_ENTRIES];
			__atomic_store_n(&r->cq_head, head + 1, __ATOMIC_RELEASE);
			if (out->user_data == e->user_data)
				return out->status;
			continue; /* not ours (an index error report): skip it */
		}
		cap_enter(1, 0);
	}
}

int32_t capos_call(struct capos_ring *r, struct capos_handle target, uint16_t method,
		   const void *params, uint32_t params_len, void *result, uint32_t result_len)
{
	struct capos_cqe c;
	return capos_call_caps(r, target, method, params, params_len, result, result_len, 0, 0,
			       false, &c);
}

int32_t capos_call_caps(struct capos_ring *r, struct capos_handle target, uint16_t method,
			const void *params, uint32_t params_len, void *result, uint32_t result_len,
			const struct capos_handle *caps, uint32_t ncaps, bool move,
			struct capos_cqe *out)
{
	struct capos_sqe e = {.opcode = CAPOS_OP_CALL,
			      .flags = move && ncaps ? CAPOS_SQE_F_MOVE : 0,
			      .method = method,
			      .xfer_count = ncaps,
			      .target = target,
			      .params_addr = (uint64_t)(uintptr_t)params,
			      .params_len = params_len,
			      .result_addr = (uint64_t)(uintptr_t)result,
			      .result_len = result_len,
			      .xfer_addr = ncaps ? (uint64_t)(uintptr_t)caps : 0};
	return capos_submit(r, &e, out);
}

int32_t capos_call_cap(struct capos_ring *r, struct capos_handle target, uint16_t method,
		       const void *params, uint32_t params_len, struct capos_handle *out)
{
	uint64_t res[4];
	struct capos_cqe cqe;
	int32_t st = capos_call_caps(r, target, method, params, params_len, res, sizeof(res), 0, 0,
				     false, &cqe);
	if (st == CAPOS_OK && cqe.xfer_count != 1)
		return CAPOS_E_BAD_RESULT;
	if (st == CAPOS_OK)
		*out = capos_handle_of(cqe.aux);
	return st;
}

int32_t capos_recv(struct capos_ring *r, struct capos_handle ep, void *buf, uint32_t len,
		   struct capos_handle *caps, uint32_t room, struct capos_cqe *out)
{
	struct capos_sqe e = {.opcode = CAPOS_OP_RECV,
			      .xfer_count = room,
			      .target = ep,
			      .result_addr = (uint64_t)(uintptr_t)buf,
			      .result_len = len,
			      .xfer_addr = room ? (uint64_t)(uintptr_t)caps : 0};
	return capos_submit(r, &e, out);
}

int32_t capos_return(struct capos_ring *r, uint64_t token, const void *msg, uint32_t len,
		     const struct capos_handle *cap, bool move)
{
	struct capos_sqe e = {.opcode = CAPOS_OP_RETURN,
			      .flags = move && cap ? CAPOS_SQE_F_MOVE : 0,
			      .xfer_count = cap ? 1 : 0,
			      .target = capos_handle_of(token),
			      .params_addr = len ? (uint64_t)(uintptr_t)msg : 0,
			      .params_len = len,
			      .xfer_addr = cap ? (uint64_t)(uintptr_t)cap : 0};
	struct capos_cqe c;
	return capos_submit(r, &e, &c);
}

int32_t capos_return_recv(struct capos_ring *r, uint64_t token, const void *msg, uint32_t len,
			  struct capos_handle ep, void *buf, uint32_t buflen,
			  struct capos_handle *caps, uint32_t room, struct capos_cqe *out)
{
	struct capos_sqe e[2] = {{.opcode = CAPOS_OP_RETURN,
				  .target = capos_handle_of(token),
				  .params_addr = len ? (uint64_t)(uintptr_t)msg : 0,
				  .params_len = len,
				  .user_data = next_user_data++},
				 {.opcode = CAPOS_OP_RECV,
				  .xfer_count = room,
				  .target = ep,
				  .result_addr = (uint64_t)(uintptr_t)buf,
				  .result_len = buflen,
				  .xfer_addr = room ? (uint64_t)(uintptr_t)caps : 0,
				  .user_data = next_user_data++}};
	uint32_t tail = r->sq_tail;
	r->sq[tail % CAPOS_RING_SQ_ENTRIES] = e[0];
	r->sq[(tail + 1) % CAPOS_RING_SQ_ENTRIES] = e[1];
	__atomic_store_n(&r->sq_tail, tail + 2, __ATOMIC_RELEASE);
	int32_t ret_st = CAPOS_E_MALFORMED;
	for (;;) {
		uint32_t head = r->cq_head;
		if (head == __atomic_load_n(&r->cq_tail, __ATOMIC_ACQUIRE)) {
			cap_enter(1, 0);
			continue;
		}
		struct capos_cqe c = r->cq[head % CAPOS_RING_CQ_ENTRIES];
		__atomic_store_n(&r->cq_head, head + 1, __ATOMIC_RELEASE);
		if (c.user_data == e[0].user_data)
			ret_st = c.status;
		if (c.user_data == e[1].user_data) {
			*out = c;
			return ret_st != CAPOS_OK ? ret_st : c.status;
		}
	}
}

int32_t capos_release(struct capos_ring *r, struct capos_handle target)
{
	struct capos_sqe e = {.opcode = CAPOS_OP_RELEASE, .target = target};
	struct capos_cqe c;
	return capos_submit(r, &e, &c);
}

int32_t console_write_line(struct capos_ring *r, struct capos_handle console, const char *text)
{
	uint64_t buf[64];
	struct capnp_builder b;
	struct capnp_struct root;
	size_t n = 0;
	while (text[n] != '\0')
		n++;
	if (capnp_builder_init(&b, buf, sizeof(buf)) != CAPNP_OK ||
	    capos_console_write_line_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_console_write_line_params_set_text(&b, &root, text, n) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call(r, console, CAPOS_CONSOLE_WRITE_LINE, buf, b.used, 0, 0);
}

int32_t timer_now(struct capos_ring *r, struct capos_handle timer, uint64_t *ns)
{
	uint64_t params[1], result[4];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, params, sizeof(params)) != CAPNP_OK ||
	    capos_timer_now_params_init_root(&b, &root) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	struct capos_cqe c;
	int32_t st = capos_call_caps(r, timer, CAPOS_TIMER_NOW, params, b.used, result,
				     sizeof(result), 0, 0, false, &c);
	if (st != CAPOS_OK)
		return st;
	if (capnp_get_root(result, c.result_len, &root) != CAPNP_OK ||
	    capos_timer_now_results_get_ns(result, c.result_len, &root, ns) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	return CAPOS_OK;
}

int32_t timer_sleep(struct capos_ring *r, struct capos_handle timer, uint64_t ns)
{
	uint64_t params[2];
	struct capnp_builder b;
	struct capnp_struct root;
	if (capnp_builder_init(&b, params, sizeof(params)) != CAPNP_OK ||
	    capos_timer_sleep_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_timer_sleep_params_set_ns(&b, &root, ns) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call(r, timer, CAPOS_TIMER_SLEEP, params, b.used, 0, 0);
}

int32_t console_printf(struct capos_ring *r, struct capos_handle console, const char *fmt, ...)
{
	char text[256];
	uint64_t buf[40];
	struct capnp_builder b;
	struct capnp_struct root;
	va_list ap;
	va_start(ap, fmt);
	size_t n = fmt_vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	if (capnp_builder_init(&b, buf, sizeof(buf)) != CAPNP_OK ||
	    capos_console_write_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_console_write_params_set_text(&b, &root, text, n) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call(r, console, CAPOS_CONSOLE_WRITE, buf, b.used, 0, 0);
}

static _Alignas(16) uint8_t heap_arena[64 * 1024];
static struct umalloc heap;
static bool heap_ready;

void *capos_malloc(size_t n)
{
	if (!heap_ready && umalloc_init(&heap, heap_arena, sizeof(heap_arena)) == UMALLOC_OK)
		heap_ready = true;
	return heap_ready ? umalloc(&heap, n) : NULL;
}

int capos_free(void *p)
{
	return heap_ready ? (int)umalloc_free(&heap, p) : (p == NULL ? 0 : -1);
}

char *fmt_u64(char *buf, uint64_t v)
{
	char tmp[21];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

int32_t capos_spawn(struct capos_ring *r, struct capos_handle spawner, const char *binary,
		    const struct capos_handle *caps, uint32_t n, bool move,
		    struct capos_handle *out)
{
	return capos_spawn_named(r, spawner, binary, binary, caps, n, move, out);
}

int32_t capos_spawn_named(struct capos_ring *r, struct capos_handle spawner, const char *name,
			  const char *binary, const struct capos_handle *caps, uint32_t n,
			  bool move, struct capos_handle *out)
{
	uint64_t msg[64], res[4];
	struct capnp_builder b;
	struct capnp_struct root, grant;
	struct capnp_list list;
	struct capos_cqe c;
	size_t len = 0, nlen = 0;
	while (binary[len] != '\0')
		len++;
	while (name[nlen] != '\0')
		nlen++;
	if (n > 8 || capnp_builder_init(&b, msg, sizeof(msg)) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_set_name(&b, &root, name, nlen) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_set_binary(&b, &root, binary, len) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_init_caps(&b, &root, n, &list) != CAPNP_OK)
		return CAPOS_E_BAD_PARAMS;
	for (uint32_t i = 0; i < n; i++)
		if (capnp_list_struct(b.used, &list, i, &grant) != CAPNP_OK ||
		    capnp_set_text(&b, &grant, CAPOS_CAP_GRANT_NAME_PTR, "c", 1) != CAPNP_OK ||
		    capnp_set_cap(&b, &grant, CAPOS_CAP_GRANT_CAP_PTR, i) != CAPNP_OK)
			return CAPOS_E_BAD_PARAMS;
	int32_t st = capos_call_caps(r, spawner, CAPOS_PROCESS_SPAWNER_SPAWN, msg, b.used, res,
				     sizeof(res), caps, n, move, &c);
	if (st == CAPOS_OK && c.xfer_count != 1)
		st = CAPOS_E_BAD_RESULT;
	if (st == CAPOS_OK)
		*out = capos_handle_of(c.aux);
	return st;
}

int32_t process_wait(struct capos_ring *r, struct capos_handle h, uint16_t *reason, int64_t *status)
{
	uint64_t msg[1] = {0}, res[8];
	struct capos_cqe c;
	struct capnp_struct root;
	int32_t st = capos_call_caps(r, h, CAPOS_PROCESS_HANDLE_WAIT, msg, sizeof(msg), res,
				     sizeof(res), 0, 0, false, &c);
	if (st != CAPOS_OK)
		return st;
	if (capnp_get_root(res, c.result_len, &root) != CAPNP_OK ||
	    capos_process_handle_wait_results_get_reason(res, c.result_len, &root, reason) !=
		CAPNP_OK ||
	    capos_process_handle_wait_results_get_status(res, c.result_len, &root, status) !=
		CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	return CAPOS_OK;
}

int32_t process_notify(struct capos_ring *r, struct capos_handle h, struct capos_handle ev)
{
	uint64_t msg[2];
	struct capnp_builder b;
	struct capnp_struct root;
	struct capos_cqe c;
	if (capnp_builder_init(&b, msg, sizeof(msg)) != CAPNP_OK ||
	    capos_process_handle_notify_params_init_root(&b, &root) != CAPNP_OK ||
	    capos_process_handle_notify_params_set_event(&b, &root, 0) != CAPNP_OK)
		return CAPOS_E_MALFORMED;
	return capos_call_caps(r, h, CAPOS_PROCESS_HANDLE_NOTIFY, msg, b.used, 0, 0, &ev, 1, false,
			       &c);
}

int32_t process_status(struct capos_ring *r, struct capos_handle h, bool *ended, uint16_t *reason,
		       int64_t *status)
{
	uint64_t msg[1] = {0}, res[4];
	struct capnp_struct root;
	int32_t st =
	    capos_call(r, h, CAPOS_PROCESS_HANDLE_STATUS, msg, sizeof(msg), res, sizeof(res));
	if (st == CAPOS_OK &&
	    (capnp_get_root(res, sizeof(res), &root) != CAPNP_OK ||
	     capos_process_handle_status_results_get_ended(res, sizeof(res), &root, ended) !=
		 CAPNP_OK ||
	     capos_process_handle_status_results_get_reason(res, sizeof(res), &root, reason) !=
		 CAPNP_OK ||
	     capos_process_handle_status_results_get_status(res, sizeof(res), &root, status) !=
		 CAPNP_OK))
		return CAPOS_E_BAD_RESULT;
	return st;
}

int32_t process_kill(struct capos_ring *r, struct capos_handle h)
{
	uint64_t msg[1] = {0}, res[4];
	struct capos_cqe c;
	return capos_call_caps(r, h, CAPOS_PROCESS_HANDLE_KILL, msg, sizeof(msg), res, sizeof(res),
			       0, 0, false, &c);
}
