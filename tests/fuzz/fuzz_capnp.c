/* fuzz_capnp: arbitrary bytes as a Cap'n Proto message, as the kernel reads a CALL's
 * parameters and init reads a result. Every reader of capos/capnp_msg.h must refuse, or
 * return a struct, list, text or data lying wholly inside the message, and an empty one
 * with any other status. The input is read three ways: a bounded walk of every pointer
 * from the root with the generic getters; the generated accessors of the messages
 * capOS decodes (Console.write, ProcessSpawner.spawn, BootManifest.service and its
 * ServiceInfo, Timer.sleep, ProcessHandle.wait); and as the fields of a spawn message
 * built into a buffer of a fuzzer-chosen size, which must read back exactly. The message
 * is an exact-size heap copy, so ASan sees any read past it. A broken invariant is
 * __builtin_trap(). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capos/gen/capos_schema.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

#define MAX_DEPTH  16
#define MAX_VISITS 4096 /* pointers may alias: bound the walk, as the spec's traversal limit */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *msg;
static size_t msg_len;
static unsigned visits;

/* [off, off + bytes) lies in the message. */
static bool inside(uint64_t off, uint64_t bytes)
{
	return off <= msg_len && bytes <= msg_len - off;
}

static void check_status(int st)
{
	CHECK(st == CAPNP_OK || st == CAPNP_NULL || st == CAPNP_E_BOUNDS || st == CAPNP_E_KIND ||
	      st == CAPNP_E_FAR || st == CAPNP_E_TEXT);
}

static void check_struct(int st, const struct capnp_struct *s)
{
	check_status(st);
	if (st != CAPNP_OK) {
		CHECK(s->off == 0 && s->data_words == 0 && s->ptr_count == 0);
		return;
	}
	CHECK(s->off % 8 == 0 && inside(s->off, 8ull * ((uint64_t)s->data_words + s->ptr_count)));
}

static void check_list(int st, const struct capnp_list *l)
{
	uint64_t bytes, elem = 8ull * ((uint64_t)l->data_words + l->ptr_count);
	check_status(st);
	if (st != CAPNP_OK) {
		CHECK(l->off == 0 && l->count == 0 && l->elem_size == 0 && l->data_words == 0 &&
		      l->ptr_count == 0);
		return;
	}
	CHECK(l->elem_size <= CAPNP_ELEM_COMPOSITE && l->off % 8 == 0);
	if (l->elem_size == CAPNP_ELEM_COMPOSITE) {
		CHECK(l->off >= 8 && inside(l->off - 8, 8)); /* the tag word */
		bytes = (uint64_t)l->count * elem;
	} else {
		CHECK(l->data_words == 0 && l->ptr_count == 0);
		bytes = ((uint64_t)l->count * capnp_elem_bits(l->elem_size) + 7) / 8;
	}
	CHECK(inside(l->off, bytes));
	/* Elements of no size must not let a short message claim billions of them. */
	if (bytes == 0)
		CHECK(l->count <= msg_len);
}

/* A Data result: NULL and 0, or n bytes inside the message. */
static void check_data(int st, const uint8_t *p, size_t n)
{
	check_status(st);
	if (st != CAPNP_OK) {
		CHECK(p == NULL && n == 0);
		return;
	}
	CHECK(p >= msg && inside((uint64_t)(p - msg), n));
}

/* A Text result: "" and 0, or n bytes and their NUL inside the message. */
static void check_text(int st, const char *str, size_t n)
{
	check_status(st);
	if (st != CAPNP_OK) {
		CHECK(str != NULL && str[0] == 0 && n == 0);
		return;
	}
	const uint8_t *p = (const uint8_t *)str;
	CHECK(p >= msg && inside((uint64_t)(p - msg), (uint64_t)n + 1) && str[n] == 0);
}

static void walk_struct(const struct capnp_struct *s, unsigned depth);

static void walk_list(const struct capnp_list *l, unsigned depth)
{
	struct capnp_struct el;
	for (uint32_t i = 0; i <= l->count && visits < MAX_VISITS; i++, visits++) {
		int st = capnp_list_struct(msg_len, l, i, &el);
		if (l->elem_size != CAPNP_ELEM_COMPOSITE) {
			CHECK(st == CAPNP_E_KIND);
			return;
		}
		CHECK(st == (i < l->count ? CAPNP_OK : CAPNP_E_BOUNDS));
		check_struct(st, &el);
		if (st == CAPNP_OK)
			walk_struct(&el, depth + 1);
	}
}

/* Every data word and pointer of s, and the first of each past its end (absent: a
 * default). */
static void walk_struct(const struct capnp_struct *s, unsigned depth)
{
	struct capnp_struct child;
	struct capnp_list l;
	const uint8_t *p;
	const char *str;
	uint64_t u64;
	uint32_t u32, cap;
	bool b;
	size_t n;
	int st;
	if (depth > MAX_DEPTH || visits++ >= MAX_VISITS)
		return;
	for (uint32_t w = 0; w <= s->data_words && visits < MAX_VISITS; w++, visits++) {
		CHECK(capnp_get_u64(msg, msg_len, s, 8 * w, &u64) == CAPNP_OK);
		CHECK(w < s->data_words || u64 == 0);
		CHECK(capnp_get_u32(msg, msg_len, s, 8 * w + 4, &u32) == CAPNP_OK);
		CHECK(u32 == (uint32_t)(u64 >> 32));
		CHECK(capnp_get_bool(msg, msg_len, s, 8 * w + 7, 7, &b) == CAPNP_OK);
		CHECK(b == (u64 >> 63));
	}
	for (uint32_t i = 0; i <= s->ptr_count && visits < MAX_VISITS; i++, visits++) {
		bool absent = i == s->ptr_count;
		st = capnp_get_struct(msg, msg_len, s, i, &child);
		check_struct(st, &child);
		CHECK(!absent || st == CAPNP_NULL);
		if (st == CAPNP_OK)
			walk_struct(&child, depth + 1);
		st = capnp_get_list(msg, msg_len, s, i, &l);
		check_list(st, &l);
		CHECK(!absent || st == CAPNP_NULL);
		if (st == CAPNP_OK)
			walk_list(&l, depth);
		st = capnp_get_data(msg, msg_len, s, i, &p, &n);
		check_data(st, p, n);
		st = capnp_get_text(msg, msg_len, s, i, &str, &n);
		check_text(st, str, n);
		st = capnp_get_cap(msg, msg_len, s, i, &cap);
		check_status(st);
		CHECK(st == CAPNP_OK || cap == 0);
	}
}

/* The caps list of a spawn's params or a ServiceInfo: each element as its accessors
 * read it (cap_info selects CapInfo over CapGrant). */
static void read_caps(int st, const struct capnp_list *l, bool cap_info)
{
	struct capnp_struct el;
	const char *str;
	uint64_t id;
	uint32_t cap;
	size_t n;
	check_list(st, l);
	if (st != CAPNP_OK)
		return;
	for (uint32_t i = 0; i < l->count && visits < MAX_VISITS; i++, visits++) {
		st = capnp_list_struct(msg_len, l, i, &el);
		check_struct(st, &el);
		if (st != CAPNP_OK)
			return;
		if (cap_info) {
			st = capos_cap_info_get_name(msg, msg_len, &el, &str, &n);
			check_text(st, str, n);
			st = capos_cap_info_get_from(msg, msg_len, &el, &str, &n);
			check_text(st, str, n);
			check_status(capos_cap_info_get_interface_id(msg, msg_len, &el, &id));
		} else {
			st = capos_cap_grant_get_name(msg, msg_len, &el, &str, &n);
			check_text(st, str, n);
			check_status(capos_cap_grant_get_cap(msg, msg_len, &el, &cap));
		}
	}
}

/* The message as each method's parameters or results that capOS reads. */
static void read_typed(const struct capnp_struct *root)
{
	struct capnp_struct svc;
	struct capnp_list l;
	const char *str;
	uint64_t u64;
	int64_t i64;
	uint32_t u32;
	uint16_t u16;
	size_t n;
	int st = capos_console_write_params_get_text(msg, msg_len, root, &str, &n);
	check_text(st, str, n);
	st = capos_process_spawner_spawn_params_get_name(msg, msg_len, root, &str, &n);
	check_text(st, str, n);
	st = capos_process_spawner_spawn_params_get_binary(msg, msg_len, root, &str, &n);
	check_text(st, str, n);
	st = capos_process_spawner_spawn_params_get_caps(msg, msg_len, root, &l);
	read_caps(st, &l, false);
	check_status(capos_boot_manifest_service_params_get_index(msg, msg_len, root, &u32));
	check_status(capos_timer_sleep_params_get_ns(msg, msg_len, root, &u64));
	check_status(capos_process_handle_wait_results_get_reason(msg, msg_len, root, &u16));
	check_status(capos_process_handle_wait_results_get_status(msg, msg_len, root, &i64));
	check_status(capos_process_spawner_spawn_results_get_handle(msg, msg_len, root, &u32));
	st = capos_boot_manifest_service_results_get_service(msg, msg_len, root, &svc);
	check_struct(st, &svc);
	if (st != CAPNP_OK)
		return;
	st = capos_service_info_get_name(msg, msg_len, &svc, &str, &n);
	check_text(st, str, n);
	st = capos_service_info_get_binary(msg, msg_len, &svc, &str, &n);
	check_text(st, str, n);
	st = capos_service_info_get_caps(msg, msg_len, &svc, &l);
	read_caps(st, &l, true);
}

/* Builds spawn params from the input (name, binary and up to 8 grant names cut from it)
 * into a buffer of a size the input picks; what the builder accepted reads back. */
static void build_spawn(const uint8_t *data, size_t size)
{
	struct capnp_builder b;
	struct capnp_struct root, el;
	struct capnp_list l;
	const char *str;
	size_t n;
	if (size < 2)
		return;
	uint32_t cap = data[0] * 8u + 8, count = data[1] % 9;
	size_t part = (size - 2) / (2 + count);
	const char *text = (const char *)data + 2;
	uint8_t *buf = malloc(cap);
	if (buf == NULL)
		return;
	CHECK(capnp_builder_init(&b, buf, cap) == CAPNP_OK);
	int st = capos_process_spawner_spawn_params_init_root(&b, &root);
	if (st == CAPNP_OK)
		st = capos_process_spawner_spawn_params_set_name(&b, &root, text, part);
	if (st == CAPNP_OK)
		st = capos_process_spawner_spawn_params_set_binary(&b, &root, text + part, part);
	if (st == CAPNP_OK)
		st = capos_process_spawner_spawn_params_init_caps(&b, &root, count, &l);
	for (uint32_t i = 0; i < count && st == CAPNP_OK; i++) {
		CHECK(capnp_list_struct(b.used, &l, i, &el) == CAPNP_OK);
		st = capos_cap_grant_set_name(&b, &el, text + (2 + i) * part, part);
		if (st == CAPNP_OK)
			st = capos_cap_grant_set_cap(&b, &el, i);
	}
	CHECK(st == CAPNP_OK || st == CAPNP_E_SPACE);
	CHECK(b.used <= b.cap && b.cap <= cap && b.used % 8 == 0);
	if (st == CAPNP_OK) {
		uint32_t idx;
		CHECK(capnp_get_root(buf, b.used, &root) == CAPNP_OK);
		CHECK(capos_process_spawner_spawn_params_get_name(buf, b.used, &root, &str, &n) ==
			  CAPNP_OK &&
		      n == part && memcmp(str, text, n) == 0);
		CHECK(capos_process_spawner_spawn_params_get_binary(buf, b.used, &root, &str, &n) ==
			  CAPNP_OK &&
		      n == part && memcmp(str, text + part, n) == 0);
		CHECK(capos_process_spawner_spawn_params_get_caps(buf, b.used, &root, &l) ==
			  CAPNP_OK &&
		      l.count == count);
		for (uint32_t i = 0; i < count; i++) {
			CHECK(capnp_list_struct(b.used, &l, i, &el) == CAPNP_OK);
			CHECK(capos_cap_grant_get_name(buf, b.used, &el, &str, &n) == CAPNP_OK &&
			      n == part && memcmp(str, text + (2 + i) * part, n) == 0);
			CHECK(capos_cap_grant_get_cap(buf, b.used, &el, &idx) == CAPNP_OK &&
			      idx == i);
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnp_struct root;
	uint8_t *copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	msg = copy;
	msg_len = size;
	visits = 0;
	int st = capnp_get_root(msg, msg_len, &root);
	check_struct(st, &root);
	if (st == CAPNP_OK)
		walk_struct(&root, 0);
	visits = 0;
	read_typed(&root);
	free(copy);
	build_spawn(data, size);
	return 0;
}
