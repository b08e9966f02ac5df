/* test_blkq: the shared block queues. Layout sizes and refusals; attach validating every
 * header field; full and empty rings; a client and a driver exchanging more than 100000
 * requests (with data) across the wrap of the uint32 counters, interleaved and on two
 * threads; a hostile client (req_tail and cpl_head jumps, header and owned counters
 * scribbled after attach, entries changed after the copy, every out-of-range and
 * overflowing request field) and a hostile driver (cpl_tail and req_head jumps); and
 * random workloads checked against a shadow model and a 128-bit reference check. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/blkq/blkq.h"

#define NEAR_WRAP (UINT32_MAX - 9u) /* 2^32 - 10 */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A region shared by a client view and a driver view. */
struct pair {
	uint8_t *mem;
	uint64_t len;
	struct blkq_hdr *h;
	struct blkq_view cli;
	struct blkq_view drv;
};

/* Exactly len bytes (a multiple of the page), so ASan catches any access past the end;
 * filled with garbage that blkq_init must clear. All four counters start at start. */
static void pair_open(struct pair *p, uint32_t depth, uint32_t bs, uint64_t len, uint32_t start)
{
	p->mem = aligned_alloc(BLKQ_PAGE, len);
	assert_non_null(p->mem);
	memset(p->mem, 0x5a, len);
	p->len = len;
	p->h = (struct blkq_hdr *)p->mem;
	assert_int_equal(blkq_init(p->mem, len, depth, bs), BLKQ_OK);
	assert_int_equal(p->h->req_tail | p->h->req_head | p->h->cpl_tail | p->h->cpl_head, 0);
	p->h->req_tail = p->h->req_head = p->h->cpl_tail = p->h->cpl_head = start;
	assert_int_equal(blkq_attach(p->mem, len, &p->cli), BLKQ_OK);
	assert_int_equal(blkq_attach(p->mem, len, &p->drv), BLKQ_OK);
}

static void pair_close(struct pair *p)
{
	free(p->mem);
	p->mem = NULL;
}

static struct blkq_req rq(uint64_t id, uint32_t op, uint32_t count, uint64_t block, uint64_t offset)
{
	struct blkq_req r = {.id = id, .op = op, .count = count, .block = block, .offset = offset};
	return r;
}

static void test_struct_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct blkq_hdr), 320);
	assert_int_equal(sizeof(struct blkq_req), 32);
	assert_int_equal(sizeof(struct blkq_cpl), 16);
	assert_int_equal(offsetof(struct blkq_hdr, data_off), 16);
	assert_int_equal(offsetof(struct blkq_hdr, data_len), 24);
	assert_int_equal(offsetof(struct blkq_req, op), 8);
	assert_int_equal(offsetof(struct blkq_req, block), 16);
	assert_int_equal(offsetof(struct blkq_req, offset), 24);
	assert_int_equal(offsetof(struct blkq_cpl, status), 8);
	assert_int_equal(BLKQ_MAGIC, 'B' | 'L' << 8 | 'K' << 16 | 'Q' << 24);
}

static void test_layout(void **state)
{
	(void)state;
	struct blkq_layout l;
	assert_int_equal(blkq_layout(1, 8192, 512, &l), BLKQ_OK);
	assert_int_equal(l.req_off, 320);
	assert_int_equal(l.cpl_off, 352);
	assert_int_equal(l.rings_end, 368);
	assert_int_equal(l.data_off, 4096);
	assert_int_equal(l.data_len, 4096);
	assert_int_equal(blkq_layout(256, 16384 + 4096, 4096, &l), BLKQ_OK);
	assert_int_equal(l.cpl_off, 320 + 256 * 32);
	assert_int_equal(l.rings_end, 320 + 256 * 48);
	assert_int_equal(l.data_off, 16384);
	assert_int_equal(l.data_len, 4096);
	assert_int_equal(blkq_layout(64, 4096 + 4096, 512, &l), BLKQ_OK); /* 3392 bytes of rings */
	assert_int_equal(l.data_off, 4096);
	/* The data area is rounded down to whole blocks. */
	assert_int_equal(blkq_layout(4, 4096 + 1000, 512, &l), BLKQ_OK);
	assert_int_equal(l.data_len, 512);
	assert_int_equal(blkq_layout(4, UINT64_MAX, 4096, &l), BLKQ_OK);
	assert_int_equal(l.data_len, (UINT64_MAX - 4096) & ~4095ull);
	/* Exactly one block of data is the minimum. */
	assert_int_equal(blkq_layout(4, 4096 + 511, 512, &l), BLKQ_E_INVAL);
	assert_int_equal(blkq_layout(4, 4096 + 4095, 4096, &l), BLKQ_E_INVAL);
	assert_int_equal(blkq_layout(256, 16384 + 511, 512, &l), BLKQ_E_INVAL);
	assert_int_equal(blkq_layout(4, 0, 512, &l), BLKQ_E_INVAL);
	assert_int_equal(blkq_layout(4, 4096, 512, &l), BLKQ_E_INVAL);
	const uint32_t bad_depth[] = {0, 3, 6, 100, 257, 512, 0x80000000u, UINT32_MAX};
	for (size_t i = 0; i < sizeof(bad_depth) / sizeof(bad_depth[0]); i++)
		assert_int_equal(blkq_layout(bad_depth[i], 1 << 20, 512, &l), BLKQ_E_INVAL);
	const uint32_t bad_bs[] = {0, 1, 511, 1024, 2048, 8192, UINT32_MAX};
	for (size_t i = 0; i < sizeof(bad_bs) / sizeof(bad_bs[0]); i++)
		assert_int_equal(blkq_layout(8, 1 << 20, bad_bs[i], &l), BLKQ_E_INVAL);
	assert_int_equal(blkq_layout(8, 1 << 20, 512, NULL), BLKQ_E_INVAL);
}

static void test_init_attach(void **state)
{
	(void)state;
	struct pair p;
	pair_open(&p, 16, 4096, 5 * 4096, 0);
	assert_int_equal(p.h->magic, BLKQ_MAGIC);
	assert_int_equal(p.h->version, BLKQ_VERSION);
	assert_int_equal(p.drv.depth, 16);
	assert_int_equal(p.drv.block_size, 4096);
	assert_int_equal(p.drv.data_off, 4096);
	assert_int_equal(p.drv.data_len, 4 * 4096);
	assert_false(blkq_broken(&p.drv));
	/* Everything before the data area is zeroed; the data area is left alone. */
	for (uint64_t i = BLKQ_HDR_SIZE; i < 4096; i++)
		assert_int_equal(p.mem[i], 0);
	assert_int_equal(p.mem[4096], 0x5a);
	assert_ptr_equal(blkq_data(&p.drv, 0), p.mem + 4096);
	assert_ptr_equal(blkq_data(&p.drv, 4 * 4096 - 1), p.mem + 5 * 4096 - 1);
	assert_null(blkq_data(&p.drv, 4 * 4096));
	assert_null(blkq_data(&p.drv, UINT64_MAX));
	/* Refusals write nothing. */
	memset(p.mem, 0x77, p.len);
	assert_int_equal(blkq_init(p.mem + 8, p.len - 8, 16, 4096), BLKQ_E_INVAL);
	assert_int_equal(blkq_init(NULL, p.len, 16, 4096), BLKQ_E_INVAL);
	assert_int_equal(blkq_init(p.mem, p.len, 3, 4096), BLKQ_E_INVAL);
	assert_int_equal(blkq_init(p.mem, p.len, 16, 1024), BLKQ_E_INVAL);
	assert_int_equal(blkq_init(p.mem, 4096, 16, 512), BLKQ_E_INVAL);
	for (uint64_t i = 0; i < p.len; i++)
		assert_int_equal(p.mem[i], 0x77);
	pair_close(&p);
}

/* Every operation on a view attach refused fails without touching the region. */
static void assert_dead_view(struct blkq_view *v)
{
	struct blkq_req r = rq(1, BLKQ_OP_READ, 1, 0, 0);
	struct blkq_cpl c = {.id = 1};
	assert_true(blkq_broken(v));
	assert_false(blkq_submit(v, &r));
	assert_false(blkq_complete(v, &c));
	assert_int_equal(blkq_take(v, &r), BLKQ_E_PEER);
	assert_int_equal(blkq_reap(v, &c), BLKQ_E_PEER);
	assert_int_equal(blkq_check(v, &r, 100), BLKQ_E_BAD);
	assert_null(blkq_data(v, 0));
}

static void test_attach_refuses(void **state)
{
	(void)state;
	const uint64_t len = 4 * 4096;
	struct pair p;
	struct blkq_view v;
	pair_open(&p, 8, 512, len, 0);
	struct blkq_hdr good = *p.h;
	struct {
		size_t off;
		uint64_t val;
		unsigned width;
	} bad[] = {
	    {offsetof(struct blkq_hdr, magic), 0, 4},
	    {offsetof(struct blkq_hdr, magic), BLKQ_MAGIC ^ 1, 4},
	    {offsetof(struct blkq_hdr, version), 0, 4},
	    {offsetof(struct blkq_hdr, version), 2, 4},
	    {offsetof(struct blkq_hdr, depth), 0, 4},
	    {offsetof(struct blkq_hdr, depth), 12, 4},
	    {offsetof(struct blkq_hdr, depth), 512, 4},
	    {offsetof(struct blkq_hdr, depth), 1u << 31, 4},
	    {offsetof(struct blkq_hdr, block_size), 0, 4},
	    {offsetof(struct blkq_hdr, block_size), 1024, 4},
	    {offsetof(struct blkq_hdr, data_off), 0, 8}, /* over the header */
	    {offsetof(struct blkq_hdr, data_off), 0x1000 + 512, 8},
	    {offsetof(struct blkq_hdr, data_off), len, 8},
	    {offsetof(struct blkq_hdr, data_off), 4 * len, 8},
	    {offsetof(struct blkq_hdr, data_off), UINT64_MAX & ~4095ull, 8},
	    {offsetof(struct blkq_hdr, data_len), 0, 8},
	    {offsetof(struct blkq_hdr, data_len), 511, 8},
	    {offsetof(struct blkq_hdr, data_len), 513, 8},
	    {offsetof(struct blkq_hdr, data_len), len - 4096 + 512, 8},
	    {offsetof(struct blkq_hdr, data_len), UINT64_MAX & ~511ull, 8},
	    {offsetof(struct blkq_hdr, data_len), UINT64_MAX, 8},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		*p.h = good;
		memcpy(p.mem + bad[i].off, &bad[i].val, bad[i].width);
		assert_int_equal(blkq_attach(p.mem, len, &v), BLKQ_E_INVAL);
		assert_dead_view(&v);
	}
	/* A data_len that is whole 512-byte blocks but not whole 4096-byte ones. */
	*p.h = good;
	p.h->data_len -= 512;
	assert_int_equal(blkq_attach(p.mem, len, &v), BLKQ_OK);
	p.h->block_size = 4096;
	assert_int_equal(blkq_attach(p.mem, len, &v), BLKQ_E_INVAL);
	/* A rings area that would run past a region of that size. */
	*p.h = good;
	p.h->depth = 256;
	assert_int_equal(blkq_attach(p.mem, len, &v), BLKQ_E_INVAL);
	/* The caller's region_len counts, not the client's idea of it. */
	*p.h = good;
	assert_int_equal(blkq_attach(p.mem, len - 4096, &v), BLKQ_E_INVAL);
	assert_int_equal(blkq_attach(p.mem, BLKQ_HDR_SIZE - 1, &v), BLKQ_E_INVAL);
	assert_int_equal(blkq_attach(p.mem, 0, &v), BLKQ_E_INVAL);
	assert_int_equal(blkq_attach(NULL, len, &v), BLKQ_E_INVAL);
	assert_int_equal(blkq_attach(p.mem + 32, len - 32, &v), BLKQ_E_INVAL);
	assert_dead_view(&v);
	/* A client may leave a gap before the data area, or use less of it. */
	p.h->data_off = 8192;
	p.h->data_len = 512;
	assert_int_equal(blkq_attach(p.mem, len, &v), BLKQ_OK);
	assert_ptr_equal(blkq_data(&v, 0), p.mem + 8192);
	assert_int_equal(v.data_len, 512);
	pair_close(&p);
}

static void test_full_empty(void **state)
{
	(void)state;
	struct pair p;
	struct blkq_req r;
	struct blkq_cpl c;
	pair_open(&p, 4, 512, 2 * 4096, 0);
	assert_int_equal(blkq_take(&p.drv, &r), 0);
	assert_int_equal(blkq_reap(&p.cli, &c), 0);
	for (uint64_t i = 0; i < 4; i++) {
		r = rq(100 + i, BLKQ_OP_READ, 1, i, 0);
		assert_true(blkq_submit(&p.cli, &r));
	}
	r = rq(999, BLKQ_OP_READ, 1, 0, 0);
	assert_false(blkq_submit(&p.cli, &r));
	assert_false(blkq_broken(&p.cli));
	assert_int_equal(p.h->req_tail, 4);
	for (uint64_t i = 0; i < 4; i++) {
		assert_int_equal(blkq_take(&p.drv, &r), 1);
		assert_int_equal(r.id, 100 + i);
		assert_int_equal(r.block, i);
		c = (struct blkq_cpl){.id = r.id, .status = BLKQ_E_IO, .reserved = 0xdead};
		assert_true(blkq_complete(&p.drv, &c));
	}
	assert_int_equal(blkq_take(&p.drv, &r), 0);
	assert_int_equal(p.h->req_head, 4);
	c.id = 999;
	assert_false(blkq_complete(&p.drv, &c));
	assert_false(blkq_broken(&p.drv));
	/* The request ring has room again while the completion ring is still full. */
	r = rq(5, BLKQ_OP_FLUSH, 0, 0, 0);
	assert_true(blkq_submit(&p.cli, &r));
	for (uint64_t i = 0; i < 4; i++) {
		assert_int_equal(blkq_reap(&p.cli, &c), 1);
		assert_int_equal(c.id, 100 + i);
		assert_int_equal(c.status, BLKQ_E_IO);
		assert_int_equal(c.reserved, 0);
	}
	assert_int_equal(blkq_reap(&p.cli, &c), 0);
	assert_int_equal(p.h->cpl_head, 4);
	pair_close(&p);
}

/* A device of DISK_BLOCKS blocks, each holding one repeated byte, and the client's
 * model of it. */
#define DISK_BLOCKS 64u

/* The driver: takes up to max requests, completes each, moving data to and from disk.
 * Returns how many it took. */
static unsigned driver_serve(struct pair *p, uint8_t *disk, unsigned max)
{
	unsigned n = 0;
	struct blkq_req r;
	while (n < max && blkq_take(&p->drv, &r) == 1) {
		struct blkq_cpl c = {.id = r.id, .status = blkq_check(&p->drv, &r, DISK_BLOCKS)};
		uint32_t bs = p->drv.block_size;
		for (uint32_t k = 0; c.status == BLKQ_OK && r.op != BLKQ_OP_FLUSH && k < r.count;
		     k++) {
			uint8_t *buf = blkq_data(&p->drv, r.offset + (uint64_t)k * bs);
			if (r.op == BLKQ_OP_WRITE)
				disk[r.block + k] = buf[0];
			else
				memset(buf, disk[r.block + k], bs);
		}
		assert_true(blkq_complete(&p->drv, &c));
		n++;
	}
	return n;
}

/* Client and driver interleaved at random over one region, the counters starting at
 * 2^32 - 10: ids come back in order with the status blkq_check gives, and a read
 * returns what was last written. The client keeps at most depth requests in flight, so
 * the completion ring never overflows and buffer id % depth is free when reused. */
static void exchange(uint32_t depth, uint64_t total)
{
	struct pair p;
	uint8_t disk[DISK_BLOCKS] = {0}, model[DISK_BLOCKS] = {0};
	struct {
		uint32_t op;
		int32_t status;
		uint8_t byte; /* a read: the disk byte expected */
	} sent[BLKQ_MAX_DEPTH];
	uint64_t submitted = 0, reaped = 0;
	pair_open(&p, depth, 512, 4 * 4096 + 4096 * ((depth * 512 + 4095) / 4096), NEAR_WRAP);
	for (uint64_t step = 0; reaped < total; step++) {
		assert_true(step < 100 * total);
		unsigned burst = (unsigned)(next() % (depth + 1));
		for (unsigned i = 0; i < burst && submitted < total && submitted - reaped < depth;
		     i++) {
			uint64_t id = submitted, slot = id % depth;
			uint64_t block = next() % (DISK_BLOCKS + 1); /* DISK_BLOCKS: out of range */
			uint32_t op = (uint32_t)(next() % 4);	     /* 3: unknown */
			struct blkq_req r = rq(id, op, 1, block, slot * 512);
			uint8_t *buf = blkq_data(&p.cli, slot * 512);
			sent[slot].op = op;
			sent[slot].status = block == DISK_BLOCKS ? BLKQ_E_RANGE : BLKQ_OK;
			if (op == 3)
				sent[slot].status = BLKQ_E_UNSUPPORTED;
			if (op == BLKQ_OP_FLUSH) {
				sent[slot].status = BLKQ_E_BAD;
				if (next() % 2) {
					r = rq(id, op, 0, 0, 0);
					sent[slot].status = BLKQ_OK;
				}
			}
			if (op == BLKQ_OP_WRITE) {
				memset(buf, (int)(id & 0xff), 512);
				if (block < DISK_BLOCKS)
					model[block] = (uint8_t)id;
			} else if (op == BLKQ_OP_READ && block < DISK_BLOCKS) {
				sent[slot].byte = model[block];
				memset(buf, ~model[block], 512);
			}
			assert_true(blkq_submit(&p.cli, &r));
			submitted++;
		}
		driver_serve(&p, disk, (unsigned)(next() % (depth + 1)));
		struct blkq_cpl c;
		for (unsigned i = (unsigned)(next() % (depth + 1)); i > 0; i--) {
			if (blkq_reap(&p.cli, &c) != 1)
				break;
			uint64_t slot = reaped % depth;
			assert_int_equal(c.id, reaped);
			assert_int_equal(c.status, sent[slot].status);
			const uint8_t *buf = blkq_data(&p.cli, slot * 512);
			if (sent[slot].op == BLKQ_OP_READ && c.status == BLKQ_OK)
				for (unsigned k = 0; k < 512; k++)
					assert_int_equal(buf[k], sent[slot].byte);
			reaped++;
		}
	}
	assert_false(blkq_broken(&p.cli) || blkq_broken(&p.drv));
	/* The counters went through 2^32. */
	assert_int_equal(p.h->req_tail, (uint32_t)(NEAR_WRAP + total));
	assert_int_equal(p.h->cpl_head, (uint32_t)(NEAR_WRAP + total));
	assert_true(p.cli.req_tail < NEAR_WRAP);
	assert_memory_equal(disk, model, sizeof(disk));
	pair_close(&p);
}

static void test_exchange_wrap(void **state)
{
	(void)state;
	exchange(8, 150000);
	exchange(1, 20000);
	exchange(256, 120000);
}

/* Two threads. cmocka asserts are not thread-safe: each side records its first
 * failure in fail (atomically: the other side polls it to stop) and the main thread
 * asserts after the join. */
#define THREAD_REQS  200000u
#define THREAD_DEPTH 16u
#define SPIN_LIMIT   50000000u

struct thread_arg {
	struct pair *p;
	const char *fail;
};

static const char *thread_failed(struct thread_arg *a)
{
	return __atomic_load_n(&a->fail, __ATOMIC_RELAXED);
}

static void thread_fail(struct thread_arg *a, const char *why)
{
	const char *none = NULL;
	__atomic_compare_exchange_n(&a->fail, &none, why, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

/* The driver: checks each request and its written data, fills read buffers with
 * ~id. */
static void *driver_thread(void *arg)
{
	struct thread_arg *a = arg;
	struct blkq_view *v = &a->p->drv;
	struct blkq_req r;
	uint64_t served = 0, spins = 0;
	while (served < THREAD_REQS && thread_failed(a) == NULL) {
		int t = blkq_take(v, &r);
		if (t < 0 || ++spins > SPIN_LIMIT) {
			thread_fail(a, t < 0 ? "take: peer" : "driver: spin limit");
			break;
		}
		if (t == 0) {
			sched_yield();
			continue;
		}
		if (r.id != served || blkq_check(v, &r, UINT32_MAX) != BLKQ_OK)
			thread_fail(a, "request");
		uint8_t *buf = blkq_data(v, r.offset);
		for (uint32_t k = 0; thread_failed(a) == NULL && k < 512; k++) {
			if (r.op == BLKQ_OP_WRITE && buf[k] != (uint8_t)r.id)
				thread_fail(a, "written data");
			if (r.op == BLKQ_OP_READ)
				buf[k] = (uint8_t)~r.id;
		}
		struct blkq_cpl c = {.id = r.id, .status = BLKQ_OK};
		while (thread_failed(a) == NULL && !blkq_complete(v, &c)) {
			if (blkq_broken(v) || ++spins > SPIN_LIMIT)
				thread_fail(a, "complete");
			sched_yield();
		}
		served++;
	}
	return NULL;
}

/* The client (this thread): alternate reads and writes, at most THREAD_DEPTH in
 * flight, buffer id % THREAD_DEPTH. */
static void client_run(struct thread_arg *a)
{
	struct pair *p = a->p;
	uint64_t submitted = 0, reaped = 0, spins = 0;
	while (reaped < THREAD_REQS && thread_failed(a) == NULL) {
		if (++spins > SPIN_LIMIT)
			thread_fail(a, "client: spin limit");
		if (submitted < THREAD_REQS && submitted - reaped < THREAD_DEPTH) {
			uint64_t slot = submitted % THREAD_DEPTH;
			uint32_t op = submitted % 2 ? BLKQ_OP_WRITE : BLKQ_OP_READ;
			struct blkq_req r = rq(submitted, op, 1, submitted, slot * 512);
			memset(blkq_data(&p->cli, slot * 512),
			       op == BLKQ_OP_WRITE ? (int)(submitted & 0xff) : 0, 512);
			if (blkq_submit(&p->cli, &r))
				submitted++;
		}
		struct blkq_cpl c;
		int got = blkq_reap(&p->cli, &c);
		if (got < 0 || (got == 1 && (c.id != reaped || c.status != BLKQ_OK)))
			thread_fail(a, "completion");
		if (got != 1) {
			sched_yield();
			continue;
		}
		const uint8_t *buf = blkq_data(&p->cli, (reaped % THREAD_DEPTH) * 512);
		for (uint32_t k = 0; reaped % 2 == 0 && k < 512; k++)
			if (buf[k] != (uint8_t)~reaped)
				thread_fail(a, "read data");
		reaped++;
	}
}

static void test_threads(void **state)
{
	(void)state;
	struct pair p;
	pthread_t t;
	struct thread_arg a = {.p = &p};
	pair_open(&p, THREAD_DEPTH, 512, 4096 + THREAD_DEPTH * 512, NEAR_WRAP);
	assert_int_equal(pthread_create(&t, NULL, driver_thread, &a), 0);
	client_run(&a);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_null(a.fail);
	assert_int_equal(p.h->cpl_tail, (uint32_t)(NEAR_WRAP + THREAD_REQS));
	assert_int_equal(p.h->req_head, (uint32_t)(NEAR_WRAP + THREAD_REQS));
	pair_close(&p);
}

/* A hostile client: header fields rewritten after attach, the driver's own counters
 * scribbled, req_tail jumping ahead of or behind the driver's head. */
static void test_hostile_client(void **state)
{
	(void)state;
	struct pair p;
	struct blkq_req r, got;
	struct blkq_cpl c = {0};
	pair_open(&p, 8, 512, 2 * 4096, 0);
	/* The views keep their copies: nothing in the header is read again. */
	memset(p.mem, 0xff, offsetof(struct blkq_hdr, pad0));
	p.h->depth = 1u << 31;
	r = rq(7, BLKQ_OP_WRITE, 8, 92, 0);
	assert_true(blkq_submit(&p.cli, &r));
	assert_int_equal(blkq_take(&p.drv, &got), 1);
	assert_memory_equal(&got, &r, sizeof(r));
	assert_int_equal(blkq_check(&p.drv, &got, 100), BLKQ_OK);
	assert_ptr_equal(blkq_data(&p.drv, 4095), p.mem + 4096 + 4095);
	/* The counters the driver owns, scribbled: it neither reads nor trusts them, and
	 * republishes its own with the next operation. */
	r.id = 8;
	assert_true(blkq_submit(&p.cli, &r));
	p.h->req_head = 12345;
	p.h->cpl_tail = 777;
	assert_int_equal(blkq_take(&p.drv, &got), 1);
	assert_int_equal(got.id, 8);
	assert_int_equal(p.h->req_head, 2);
	assert_int_equal(blkq_take(&p.drv, &got), 0);
	c.id = 8;
	assert_true(blkq_complete(&p.drv, &c));
	assert_int_equal(p.h->cpl_tail, 1);
	assert_int_equal(blkq_reap(&p.cli, &c), 1);
	assert_int_equal(c.id, 8);
	/* req_tail more than depth ahead: the driver stops, for good. */
	p.h->req_tail = 2 + 9;
	assert_int_equal(blkq_take(&p.drv, &got), BLKQ_E_PEER);
	assert_true(blkq_broken(&p.drv));
	assert_int_equal(p.h->req_head, 2);
	p.h->req_tail = 3;
	assert_int_equal(blkq_take(&p.drv, &got), BLKQ_E_PEER);
	assert_false(blkq_complete(&p.drv, &c));
	assert_int_equal(p.h->cpl_tail, 1);
	pair_close(&p);

	/* req_tail behind the head; exactly depth ahead (garbage the client owns); a
	 * cpl_head ahead of the driver's tail, or more than depth behind it. */
	const struct {
		size_t off;
		uint32_t delta; /* added to the counter's honest value (0) */
		int take;	/* blkq_take, after depth takes for a depth-ahead tail */
	} jumps[] = {
	    {offsetof(struct blkq_hdr, req_tail), UINT32_MAX, BLKQ_E_PEER},
	    {offsetof(struct blkq_hdr, req_tail), 0x80000000u, BLKQ_E_PEER},
	    {offsetof(struct blkq_hdr, req_tail), 8, 0},
	};
	for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		pair_open(&p, 8, 512, 2 * 4096, NEAR_WRAP);
		*(uint32_t *)(void *)(p.mem + jumps[i].off) = NEAR_WRAP + jumps[i].delta;
		for (int k = 0; jumps[i].take == 0 && k < 8; k++)
			assert_int_equal(blkq_take(&p.drv, &got), 1);
		assert_int_equal(blkq_take(&p.drv, &got), jumps[i].take);
		assert_int_equal(blkq_broken(&p.drv), jumps[i].take < 0);
		pair_close(&p);
	}
	const uint32_t cpl_heads[] = {1, 0x80000000u, UINT32_MAX - 8};
	for (size_t i = 0; i < sizeof(cpl_heads) / sizeof(cpl_heads[0]); i++) {
		pair_open(&p, 8, 512, 2 * 4096, NEAR_WRAP);
		p.h->cpl_head = NEAR_WRAP + cpl_heads[i];
		assert_false(blkq_complete(&p.drv, &c));
		assert_true(blkq_broken(&p.drv));
		assert_int_equal(p.h->cpl_tail, NEAR_WRAP);
		pair_close(&p);
	}
	/* cpl_head exactly depth behind: full, not broken. */
	pair_open(&p, 8, 512, 2 * 4096, NEAR_WRAP);
	p.h->cpl_head = NEAR_WRAP - 8;
	assert_false(blkq_complete(&p.drv, &c));
	assert_false(blkq_broken(&p.drv));
	pair_close(&p);
}

/* A hostile driver: cpl_tail jumps, req_head ahead of the client's tail or too far
 * behind it, header fields rewritten. */
static void test_hostile_driver(void **state)
{
	(void)state;
	struct pair p;
	struct blkq_req r = rq(1, BLKQ_OP_READ, 1, 0, 0);
	struct blkq_cpl c;
	const uint32_t cpl_tails[] = {9, 0x80000000u, UINT32_MAX};
	for (size_t i = 0; i < sizeof(cpl_tails) / sizeof(cpl_tails[0]); i++) {
		pair_open(&p, 8, 512, 2 * 4096, NEAR_WRAP);
		p.h->cpl_tail = NEAR_WRAP + cpl_tails[i];
		assert_int_equal(blkq_reap(&p.cli, &c), BLKQ_E_PEER);
		assert_true(blkq_broken(&p.cli));
		assert_int_equal(p.h->cpl_head, NEAR_WRAP);
		p.h->cpl_tail = NEAR_WRAP; /* honest again: too late */
		assert_int_equal(blkq_reap(&p.cli, &c), BLKQ_E_PEER);
		assert_false(blkq_submit(&p.cli, &r));
		assert_int_equal(p.h->req_tail, NEAR_WRAP);
		pair_close(&p);
	}
	const uint32_t req_heads[] = {1, 0x80000000u, UINT32_MAX - 8};
	for (size_t i = 0; i < sizeof(req_heads) / sizeof(req_heads[0]); i++) {
		pair_open(&p, 8, 512, 2 * 4096, NEAR_WRAP);
		p.h->req_head = NEAR_WRAP + req_heads[i];
		assert_false(blkq_submit(&p.cli, &r));
		assert_true(blkq_broken(&p.cli));
		assert_int_equal(p.h->req_tail, NEAR_WRAP);
		pair_close(&p);
	}
	/* A cpl_tail exactly depth ahead: eight completions (garbage the driver owns), then
	 * the header rewritten by the driver changes nothing for the client. */
	pair_open(&p, 8, 512, 2 * 4096, NEAR_WRAP);
	p.h->cpl_tail = NEAR_WRAP + 8;
	for (int k = 0; k < 8; k++)
		assert_int_equal(blkq_reap(&p.cli, &c), 1);
	assert_int_equal(blkq_reap(&p.cli, &c), 0);
	memset(p.mem, 0, offsetof(struct blkq_hdr, pad0));
	for (int k = 0; k < 8; k++)
		assert_true(blkq_submit(&p.cli, &r));
	assert_false(blkq_submit(&p.cli, &r));
	assert_false(blkq_broken(&p.cli));
	pair_close(&p);
}

/* blkq_check against a reference in 128-bit arithmetic (no overflow to get wrong). */
static int check_ref(uint32_t bs, uint64_t data_len, const struct blkq_req *r, uint64_t cap)
{
	if (r->op > BLKQ_OP_FLUSH)
		return BLKQ_E_UNSUPPORTED;
	if (r->op == BLKQ_OP_FLUSH)
		return r->count == 0 && r->block == 0 && r->offset == 0 ? BLKQ_OK : BLKQ_E_BAD;
	unsigned __int128 end = (unsigned __int128)r->offset + (unsigned __int128)r->count * bs;
	if (r->count == 0 || r->offset % bs != 0 || end > data_len)
		return BLKQ_E_BAD;
	if ((unsigned __int128)r->block + r->count > cap)
		return BLKQ_E_RANGE;
	return BLKQ_OK;
}

static void test_check(void **state)
{
	(void)state;
	struct pair p;
	pair_open(&p, 1, 512, 2 * 4096, 0); /* data_len 4096: eight blocks */
	const uint64_t M = UINT64_MAX;
	const struct {
		uint32_t op, count;
		uint64_t block, offset, cap;
		int want;
	} cases[] = {
	    {BLKQ_OP_READ, 1, 0, 0, 100, BLKQ_OK},
	    {BLKQ_OP_WRITE, 8, 92, 0, 100, BLKQ_OK},
	    {BLKQ_OP_READ, 1, 99, 3584, 100, BLKQ_OK},
	    {BLKQ_OP_READ, 1, M - 1, 0, M, BLKQ_OK},
	    {BLKQ_OP_FLUSH, 0, 0, 0, 0, BLKQ_OK},
	    {3, 1, 0, 0, 100, BLKQ_E_UNSUPPORTED},
	    {0x100, 1, 0, 0, 100, BLKQ_E_UNSUPPORTED},
	    {UINT32_MAX, 0, 0, 0, 100, BLKQ_E_UNSUPPORTED},
	    {BLKQ_OP_FLUSH, 1, 0, 0, 100, BLKQ_E_BAD},
	    {BLKQ_OP_FLUSH, 0, 1, 0, 100, BLKQ_E_BAD},
	    {BLKQ_OP_FLUSH, 0, 0, 512, 100, BLKQ_E_BAD},
	    {BLKQ_OP_FLUSH, UINT32_MAX, M, M, 100, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 0, 0, 0, 100, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 0, M, 0, 100, BLKQ_E_BAD}, /* malformed before out of range */
	    {BLKQ_OP_READ, 1, 0, 1, 100, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 1, 0, 511, 100, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 1, 0, 4096, 100, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 2, 0, 3584, 100, BLKQ_E_BAD},
	    {BLKQ_OP_WRITE, 9, 0, 0, 100, BLKQ_E_BAD},
	    {BLKQ_OP_WRITE, UINT32_MAX, 0, 0, M, BLKQ_E_BAD},
	    {BLKQ_OP_WRITE, UINT32_MAX, 0, 512, M, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 1, 0, M, 100, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 1, 0, M & ~511ull, 100, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 8, 0, M - 4095, 100, BLKQ_E_BAD}, /* offset + bytes wraps to 0 */
	    {BLKQ_OP_READ, 1, 0, 1ull << 63, 100, BLKQ_E_BAD},
	    {BLKQ_OP_READ, 1, 100, 0, 100, BLKQ_E_RANGE},
	    {BLKQ_OP_READ, 8, 93, 0, 100, BLKQ_E_RANGE},
	    {BLKQ_OP_READ, 1, 0, 0, 0, BLKQ_E_RANGE},
	    {BLKQ_OP_READ, 1, M, 0, M, BLKQ_E_RANGE},
	    {BLKQ_OP_READ, 2, M - 1, 0, M, BLKQ_E_RANGE},
	    {BLKQ_OP_READ, 8, M - 3, 0, M, BLKQ_E_RANGE}, /* block + count wraps to 4 */
	    {BLKQ_OP_WRITE, 1, M, 0, 100, BLKQ_E_RANGE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct blkq_req r =
		    rq(i, cases[i].op, cases[i].count, cases[i].block, cases[i].offset);
		assert_int_equal(blkq_check(&p.drv, &r, cases[i].cap), cases[i].want);
		assert_int_equal(check_ref(512, 4096, &r, cases[i].cap), cases[i].want);
	}
	/* Random and edge values against the reference, for both block sizes. */
	const uint64_t edge[] = {0,    1,    7,		 8,	   511,	    512,   4095,
				 4096, 4097, 1ull << 32, M - 4096, M - 511, M - 1, M};
	struct blkq_view v4;
	struct pair q;
	pair_open(&q, 4, 4096, 6 * 4096, 0);
	v4 = q.drv;
	for (int i = 0; i < 200000; i++) {
		uint64_t f[4];
		for (int k = 0; k < 4; k++)
			f[k] = next() % 3 ? edge[next() % (sizeof(edge) / sizeof(edge[0]))]
					  : next() >> (next() % 64);
		struct blkq_req r = rq(i, (uint32_t)(next() % 5), (uint32_t)f[0], f[1], f[2]);
		if (next() % 4 == 0)
			r.offset &= ~511ull;
		struct blkq_view *v = i % 2 ? &v4 : &p.drv;
		assert_int_equal(blkq_check(v, &r, f[3]),
				 check_ref(v->block_size, v->data_len, &r, f[3]));
	}
	pair_close(&q);
	pair_close(&p);
}

/* Honest peers doing random operations in random order against a shadow model, with
 * the header and the data area scribbled in between: nothing but the counters and live
 * entries matters. Starting counters are random (and near the wrap half the time). */
static void test_fuzz_shadow(void **state)
{
	(void)state;
	for (int run = 0; run < 64; run++) {
		uint32_t depth = 1u << (next() % 9);
		uint32_t start = run % 2 ? (uint32_t)next() : NEAR_WRAP - (uint32_t)(next() % 300);
		struct pair p;
		struct blkq_req sent[BLKQ_MAX_DEPTH], r;
		struct blkq_cpl c;
		uint64_t sub = 0, taken = 0, done = 0, reaped = 0;
		pair_open(&p, depth, 512, 5 * 4096, start);
		for (int step = 0; step < 4000; step++) {
			switch (next() % 6) {
			case 0:
				r = rq(sub, (uint32_t)next(), (uint32_t)next(), next(), next());
				assert_int_equal(blkq_submit(&p.cli, &r), sub - taken < depth);
				if (sub - taken < depth)
					sent[sub++ % depth] = r;
				break;
			case 1:
				assert_int_equal(blkq_take(&p.drv, &r), sub > taken);
				if (sub > taken)
					assert_memory_equal(&r, &sent[taken++ % depth], sizeof(r));
				break;
			case 2:
				if (done == taken)
					break;
				c = (struct blkq_cpl){.id = done, .status = -(int32_t)(done % 7)};
				assert_int_equal(blkq_complete(&p.drv, &c), done - reaped < depth);
				done += done - reaped < depth;
				break;
			case 3:
				assert_int_equal(blkq_reap(&p.cli, &c), done > reaped);
				if (done > reaped) {
					assert_int_equal(c.id, reaped);
					assert_int_equal(c.status, -(int32_t)(reaped % 7));
					reaped++;
				}
				break;
			case 4:
				p.mem[next() % offsetof(struct blkq_hdr, pad0)] = (uint8_t)next();
				break;
			default:
				p.mem[p.drv.data_off + next() % p.drv.data_len] = (uint8_t)next();
				break;
			}
		}
		assert_false(blkq_broken(&p.cli) || blkq_broken(&p.drv));
		assert_int_equal(p.h->req_tail, (uint32_t)(start + sub));
		assert_int_equal(p.h->req_head, (uint32_t)(start + taken));
		assert_int_equal(p.h->cpl_tail, (uint32_t)(start + done));
		assert_int_equal(p.h->cpl_head, (uint32_t)(start + reaped));
		pair_close(&p);
	}
}

/* A peer's counter set to a random value (biased to the edges) after some honest
 * traffic: the operation that loads it gives exactly what the distance from the
 * private counter predicts, breaking the view when that distance exceeds depth. */
static void test_fuzz_hostile_counters(void **state)
{
	(void)state;
	for (int run = 0; run < 4000; run++) {
		uint32_t depth = 1u << (next() % 9);
		struct pair p;
		struct blkq_req r = rq(1, BLKQ_OP_READ, 1, 0, 0);
		struct blkq_cpl c = {.id = 1};
		pair_open(&p, depth, 512, 5 * 4096, (uint32_t)next());
		for (uint32_t k = (uint32_t)(next() % (depth + 1)); k > 0; k--) {
			assert_true(blkq_submit(&p.cli, &r));
			assert_int_equal(blkq_take(&p.drv, &r), 1);
			assert_true(blkq_complete(&p.drv, &c));
			assert_int_equal(blkq_reap(&p.cli, &c), 1);
		}
		unsigned which = (unsigned)(next() % 4);
		uint32_t own[] = {p.drv.req_head, p.cli.cpl_head, p.cli.req_tail, p.drv.cpl_tail};
		uint32_t delta = next() % 2 ? (uint32_t)next() : (uint32_t)(next() % 5) + depth - 2;
		uint32_t val = own[which] + (which < 2 ? delta : -delta);
		uint32_t dist = which < 2 ? val - own[which] : own[which] - val;
		int got;
		switch (which) {
		case 0: /* the client's req_tail, seen by the driver */
			p.h->req_tail = val;
			got = blkq_take(&p.drv, &r);
			break;
		case 1: /* the driver's cpl_tail, seen by the client */
			p.h->cpl_tail = val;
			got = blkq_reap(&p.cli, &c);
			break;
		case 2: /* the driver's req_head, seen by the client */
			p.h->req_head = val;
			got = blkq_submit(&p.cli, &r) ? 1 : blkq_broken(&p.cli) ? BLKQ_E_PEER : 0;
			break;
		default: /* the client's cpl_head, seen by the driver */
			p.h->cpl_head = val;
			got = blkq_complete(&p.drv, &c) ? 1 : blkq_broken(&p.drv) ? BLKQ_E_PEER : 0;
			break;
		}
		int want = dist > depth ? BLKQ_E_PEER : which < 2 ? dist > 0 : dist < depth;
		assert_int_equal(got, want);
		pair_close(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_struct_layout),  cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_init_attach),	   cmocka_unit_test(test_attach_refuses),
	    cmocka_unit_test(test_full_empty),	   cmocka_unit_test(test_exchange_wrap),
	    cmocka_unit_test(test_threads),	   cmocka_unit_test(test_hostile_client),
	    cmocka_unit_test(test_hostile_driver), cmocka_unit_test(test_check),
	    cmocka_unit_test(test_fuzz_shadow),	   cmocka_unit_test(test_fuzz_hostile_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
