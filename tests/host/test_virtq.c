/* test_virtq: the split virtqueue against a small device model that consumes the
 * available ring and writes used entries: layouts of every size and refused sizes,
 * init checks, chains of mixed readable/writable segments completed out of order,
 * free-list exhaustion and recovery, index wrap past 65535, the EVENT_IDX rule and
 * notification suppression, and a hostile device (used idx ahead, ids out of range or
 * not outstanding, lengths over the chain, rewritten links, random scribbles). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/virtio/virtq.h"

#define DEV_BASE 0x80000000ull /* device address of the buffer */

static struct virtq q;
static uint8_t *mem;
static size_t mem_len;

/* The device: its own available index and used index. */
struct dev {
	uint16_t last_avail;
	uint16_t used_idx;
};
static struct dev dev;

/* What the device found walking one chain. */
struct taken {
	uint16_t head;
	unsigned n_out, n_in;
	uint64_t addr[64];
	uint32_t len[64];
	uint64_t writable;
};

static void queue_new(uint16_t size, bool event_idx)
{
	struct virtq_sizes sz;

	assert_int_equal(virtq_layout(size, &sz), VIRTQ_OK);
	free(mem);
	mem_len = sz.total;
	/* Exactly the layout, so ASan catches any access past its end. */
	assert_int_equal(posix_memalign((void **)&mem, 16, mem_len), 0);
	memset(mem, 0xa5, mem_len);
	assert_int_equal(virtq_init(&q, size, mem, DEV_BASE, mem_len, event_idx), VIRTQ_OK);
	memset(&dev, 0, sizeof(dev));
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	mem = NULL;
	return 0;
}

/* Device: takes the next available chain, if any, checking it is well formed. */
static bool dev_take(struct taken *t)
{
	if (dev.last_avail == q.avail->idx)
		return false;
	memset(t, 0, sizeof(*t));
	t->head = q.avail->ring[dev.last_avail++ & (q.size - 1)];
	uint16_t i = t->head;
	for (unsigned n = 0;; n++) {
		assert_true(i < q.size && n < q.size && n < 64);
		const struct virtq_desc *d = &q.desc[i];
		if (d->flags & VIRTQ_DESC_F_WRITE) {
			t->n_in++;
			t->writable += d->len;
		} else {
			assert_int_equal(t->n_in, 0); /* readable before writable */
			t->n_out++;
		}
		t->addr[n] = d->addr;
		t->len[n] = d->len;
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			break;
		i = d->next;
	}
	return true;
}

static void dev_used(uint32_t id, uint32_t len)
{
	struct virtq_used_elem *e = &q.used->ring[dev.used_idx & (q.size - 1)];
	e->id = id;
	e->len = len;
	q.used->idx = ++dev.used_idx;
}

static struct virtq_seg seg(uint64_t addr, uint32_t len)
{
	struct virtq_seg s = {addr, len};
	return s;
}

/* Adds and publishes one chain of one readable and one writable segment. */
static uint16_t submit(uint64_t tag)
{
	struct virtq_seg s[2] = {seg(tag << 12, 16), seg((tag << 12) + 0x100, 512)};
	uint16_t head;
	assert_int_equal(virtq_add(&q, s, 1, 1, &head), VIRTQ_OK);
	assert_int_equal(virtq_publish(&q, head), VIRTQ_OK);
	return head;
}

/* The device completes everything it holds, the driver takes it all back. */
static void drain(void)
{
	struct taken t;
	uint16_t h;
	uint32_t len;
	while (dev_take(&t))
		dev_used(t.head, 0);
	while (virtq_get_used(&q, &h, &len) == VIRTQ_OK)
		;
	assert_int_equal(q.num_free, q.size);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_layout(void **state)
{
	(void)state;
	struct virtq_sizes sz;
	for (uint32_t n = 1; n <= VIRTQ_MAX_SIZE; n *= 2) {
		assert_int_equal(virtq_layout(n, &sz), VIRTQ_OK);
		assert_int_equal(sz.desc_off, 0);
		assert_int_equal(sz.desc_size, 16 * n);
		assert_int_equal(sz.avail_off, 16 * n);
		assert_int_equal(sz.avail_size, 6 + 2 * n);
		assert_int_equal(sz.used_off % 4, 0);
		assert_true(sz.used_off >= sz.avail_off + sz.avail_size);
		assert_true(sz.used_off < sz.avail_off + sz.avail_size + 4);
		assert_int_equal(sz.used_size, 6 + 8 * n);
		assert_int_equal(sz.total, sz.used_off + sz.used_size);
	}
	assert_int_equal(virtq_layout(256, &sz), VIRTQ_OK);
	assert_int_equal(sz.used_off, 4616);
	assert_int_equal(sz.total, 6670);

	const uint32_t bad[] = {0, 3, 6, 100, 255, 49152, 32769, 65535, 65536, 1u << 20, ~0u};
	memset(&sz, 0x5a, sizeof(sz));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(virtq_layout(bad[i], &sz), VIRTQ_E_SIZE);
	assert_int_equal(sz.total, (size_t)0x5a5a5a5a5a5a5a5aull);
}

static void test_init(void **state)
{
	(void)state;
	struct virtq_sizes sz;
	uint8_t *buf = NULL;
	assert_int_equal(virtq_layout(8, &sz), VIRTQ_OK);
	assert_int_equal(posix_memalign((void **)&buf, 16, sz.total + 16), 0);
	memset(&q, 0x77, sizeof(q));
	struct virtq before = q;

	assert_int_equal(virtq_init(&q, 0, buf, DEV_BASE, sz.total, false), VIRTQ_E_SIZE);
	assert_int_equal(virtq_init(&q, 12, buf, DEV_BASE, sz.total, false), VIRTQ_E_SIZE);
	assert_int_equal(virtq_init(&q, 8, NULL, DEV_BASE, sz.total, false), VIRTQ_E_MEM);
	assert_int_equal(virtq_init(&q, 8, buf, DEV_BASE, sz.total - 1, false), VIRTQ_E_MEM);
	assert_int_equal(virtq_init(&q, 8, buf + 2, DEV_BASE, sz.total, false), VIRTQ_E_MEM);
	assert_int_equal(virtq_init(&q, 8, buf, DEV_BASE + 4, sz.total, false), VIRTQ_E_MEM);
	assert_int_equal(virtq_init(&q, 8, buf, UINT64_MAX - 15, sz.total, false), VIRTQ_E_MEM);
	assert_memory_equal(&q, &before, sizeof(q));

	memset(buf, 0xee, sz.total + 16);
	assert_int_equal(virtq_init(&q, 8, buf, DEV_BASE, sz.total, true), VIRTQ_OK);
	assert_int_equal(q.desc_dev, DEV_BASE);
	assert_int_equal(q.avail_dev, DEV_BASE + sz.avail_off);
	assert_int_equal(q.used_dev, DEV_BASE + sz.used_off);
	assert_int_equal(q.num_free, 8);
	assert_true(q.event_idx && q.cb_enabled && !q.broken);
	/* The rings are zeroed (apart from the free list's links), nothing past them. */
	for (size_t i = sz.avail_off; i < sz.total; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[sz.total], 0xee);
	/* The free list visits every descriptor once. */
	uint8_t seen[8] = {0};
	for (uint16_t i = q.free_head, n = 0; n < 8; n++, i = q.desc[i].next) {
		assert_true(i < 8 && !seen[i]);
		seen[i] = 1;
	}
	free(buf);
}

static void test_round_trip(void **state)
{
	(void)state;
	queue_new(8, false);
	uint16_t head = submit(1), h;
	uint32_t len;
	assert_int_equal(q.avail->idx, 1);
	assert_int_equal(q.num_free, 6);
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_EMPTY);
	assert_false(virtq_more_used(&q));

	struct taken t;
	assert_true(dev_take(&t));
	assert_int_equal(t.head, head);
	assert_int_equal(t.n_out, 1);
	assert_int_equal(t.n_in, 1);
	assert_int_equal(t.addr[0], 1 << 12);
	assert_int_equal(t.len[0], 16);
	assert_int_equal(t.addr[1], (1 << 12) + 0x100);
	assert_int_equal(t.len[1], 512);
	assert_false(dev_take(&t));
	dev_used(head, 512);
	assert_true(virtq_more_used(&q));
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
	assert_int_equal(h, head);
	assert_int_equal(len, 512);
	assert_int_equal(q.num_free, 8);
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_EMPTY);
}

/* Random chains of 1..6 segments, any mix of readable and writable, completed in a
 * random order, each checked against what was asked. */
static void test_mixed_chains(void **state)
{
	(void)state;
	queue_new(16, false);
	struct {
		bool live;
		unsigned n_out, n_in;
		uint64_t tag;
	} want[16] = {{0}};
	struct taken held[16];
	unsigned nheld = 0, inflight_desc = 0;

	for (unsigned iter = 0; iter < 20000; iter++) {
		unsigned n_out = xorshift() % 4, n_in = xorshift() % 4;
		if (n_out + n_in == 0)
			n_in = 1;
		struct virtq_seg s[8];
		uint64_t tag = iter + 1;
		for (unsigned k = 0; k < n_out + n_in; k++)
			s[k] = seg((tag << 16) | (k << 8), 1 + k + (uint32_t)(xorshift() % 4096));
		uint16_t head;
		enum virtq_status st = virtq_add(&q, s, n_out, n_in, &head);
		if (inflight_desc + n_out + n_in > 16) {
			assert_int_equal(st, VIRTQ_E_FULL);
		} else {
			assert_int_equal(st, VIRTQ_OK);
			assert_false(want[head].live);
			want[head].live = true;
			want[head].n_out = n_out;
			want[head].n_in = n_in;
			want[head].tag = tag;
			inflight_desc += n_out + n_in;
			assert_int_equal(virtq_publish(&q, head), VIRTQ_OK);
		}
		while (dev_take(&held[nheld]))
			nheld++;
		/* Complete a random number of the held chains, in random order. */
		unsigned done = nheld ? (unsigned)(xorshift() % (nheld + 1)) : 0;
		for (; done > 0; done--) {
			unsigned pick = (unsigned)(xorshift() % nheld);
			struct taken *t = &held[pick];
			assert_true(want[t->head].live);
			assert_int_equal(t->n_out, want[t->head].n_out);
			assert_int_equal(t->n_in, want[t->head].n_in);
			for (unsigned k = 0; k < t->n_out + t->n_in; k++)
				assert_int_equal(t->addr[k] >> 16, want[t->head].tag);
			uint32_t wlen = t->n_in ? (uint32_t)(xorshift() % (t->writable + 1)) : 0;
			dev_used(t->head, wlen);
			uint16_t h;
			uint32_t len;
			assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
			assert_int_equal(h, t->head);
			assert_int_equal(len, wlen);
			want[h].live = false;
			inflight_desc -= t->n_out + t->n_in;
			held[pick] = held[--nheld];
		}
		assert_int_equal(q.num_free, 16 - inflight_desc);
	}
}

static void test_exhaustion_and_args(void **state)
{
	(void)state;
	queue_new(4, false);
	struct virtq_seg s[5] = {seg(0x1000, 8), seg(0x2000, 8), seg(0x3000, 8), seg(0x4000, 8),
				 seg(0x5000, 8)};
	uint16_t heads[4], h;
	uint32_t len;

	/* Refused whatever the free count: nothing changes. */
	assert_int_equal(virtq_add(&q, s, 0, 0, &h), VIRTQ_E_ARG);
	assert_int_equal(virtq_add(&q, s, 3, 2, &h), VIRTQ_E_ARG);
	assert_int_equal(virtq_add(&q, s, 5, 0, &h), VIRTQ_E_ARG);
	assert_int_equal(virtq_add(&q, s, ~0u, 2, &h), VIRTQ_E_ARG);
	struct virtq_seg zero[2] = {seg(0x1000, 8), seg(0x2000, 0)};
	assert_int_equal(virtq_add(&q, zero, 1, 1, &h), VIRTQ_E_ARG);
	struct virtq_seg wrap[1] = {seg(UINT64_MAX - 3, 8)};
	assert_int_equal(virtq_add(&q, wrap, 1, 0, &h), VIRTQ_E_ARG);
	struct virtq_seg edge[1] = {seg(UINT64_MAX - 7, 8)};
	struct virtq_seg big[3] = {seg(0, UINT32_MAX), seg(0, UINT32_MAX), seg(0, 2)};
	assert_int_equal(virtq_add(&q, big, 2, 1, &h), VIRTQ_E_ARG);
	assert_int_equal(q.num_free, 4);
	/* Exactly 2^32 bytes, and a segment ending at the top of the address space. */
	struct virtq_seg max[2] = {seg(0, UINT32_MAX), seg(0, 1)};
	assert_int_equal(virtq_add(&q, max, 1, 1, &heads[0]), VIRTQ_OK);
	assert_int_equal(virtq_add(&q, edge, 1, 0, &heads[1]), VIRTQ_OK);
	assert_int_equal(virtq_add(&q, s, 1, 0, &heads[2]), VIRTQ_OK);
	assert_int_equal(q.num_free, 0);
	assert_int_equal(virtq_add(&q, s, 1, 0, &h), VIRTQ_E_FULL);

	/* Publishing: only built heads, each once. */
	assert_int_equal(virtq_publish(&q, 4), VIRTQ_E_HEAD);
	assert_int_equal(virtq_publish(&q, heads[0]), VIRTQ_OK);
	assert_int_equal(virtq_publish(&q, heads[0]), VIRTQ_E_HEAD);
	assert_int_equal(virtq_publish(&q, heads[1]), VIRTQ_OK);
	assert_int_equal(virtq_publish(&q, heads[2]), VIRTQ_OK);
	assert_int_equal(q.avail->idx, 3);

	/* Recovery: free the 2-descriptor chain, then a 2-chain fits, a third does not. */
	dev_used(heads[0], 1);
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
	assert_int_equal(q.num_free, 2);
	assert_int_equal(virtq_add(&q, s, 3, 0, &h), VIRTQ_E_FULL);
	assert_int_equal(virtq_add(&q, s, 1, 1, &heads[3]), VIRTQ_OK);
	assert_int_equal(virtq_add(&q, s, 1, 0, &h), VIRTQ_E_FULL);
	dev_used(heads[2], 0);
	dev_used(heads[1], 0);
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
	assert_int_equal(h, heads[2]);
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
	assert_int_equal(h, heads[1]);
	assert_int_equal(q.num_free, 2);
	assert_false(q.broken);
}

/* More than 65536 requests through one queue: the free-running indices wrap. */
static void run_wrap(uint16_t size)
{
	queue_new(size, true);
	struct taken t;
	uint32_t total = 0;
	uint16_t order[256];

	while (total < 70000) {
		unsigned n = 0;
		for (; q.num_free >= 2; n++)
			order[n] = submit(total + n);
		assert_int_equal(n, size / 2);
		unsigned got = 0;
		while (dev_take(&t)) {
			assert_int_equal(t.head, order[got++]);
			dev_used(t.head, (uint32_t)(t.head % 513));
		}
		assert_int_equal(got, n);
		for (unsigned i = 0; i < n; i++) {
			uint16_t h;
			uint32_t len;
			assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
			assert_int_equal(h, order[i]);
			assert_int_equal(len, h % 513);
		}
		total += n;
	}
	assert_int_equal(q.avail_idx, (uint16_t)total);
	assert_int_equal(q.last_used, (uint16_t)total);
	assert_int_equal(q.num_free, size);
	assert_false(q.broken);
}

static void test_wrap(void **state)
{
	(void)state;
	run_wrap(4);
	run_wrap(256);
}

static void test_need_event(void **state)
{
	(void)state;
	const struct {
		uint16_t event, new_idx, old;
		bool want;
	} rows[] = {
	    {0, 1, 0, true},	      {1, 1, 0, false},		{4, 5, 0, true},
	    {0, 5, 0, true},	      {5, 5, 0, false},		{3, 3, 3, false},
	    {2, 3, 3, false},	      {65534, 2, 65534, true},	{65535, 2, 65534, true},
	    {0, 2, 65534, true},      {1, 2, 65534, true},	{2, 2, 65534, false},
	    {65533, 2, 65534, false}, {65535, 0, 65535, true},	{0, 0, 65535, false},
	    {100, 0, 65535, false},   {65535, 65535, 0, false}, {65534, 65535, 0, true},
	    {32768, 32769, 1, true},  {0, 32769, 1, false},	{1, 32769, 1, true},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(virtq_need_event(rows[i].event, rows[i].new_idx, rows[i].old),
				 rows[i].want);

	/* Through the queue: the device asks for a kick when idx passes avail_event. */
	queue_new(8, true);
	uint16_t *avail_event = (uint16_t *)&q.used->ring[8];
	for (uint16_t i = 0; i < 3; i++) {
		uint16_t old = virtq_avail_idx(&q);
		*avail_event = (uint16_t)(old + (i & 1));
		submit(i + 1);
		assert_int_equal(virtq_kick_needed(&q, old), (i & 1) == 0);
		drain();
	}
	/* A batch of two: a kick when avail_event is either of them. */
	for (uint16_t d = 0; d < 3; d++) {
		uint16_t old = virtq_avail_idx(&q);
		*avail_event = (uint16_t)(old + d);
		submit(10);
		submit(11);
		assert_int_equal(virtq_kick_needed(&q, old), d < 2);
		drain();
	}
	/* Without EVENT_IDX: the used ring's NO_NOTIFY flag. */
	queue_new(8, false);
	uint16_t old = virtq_avail_idx(&q);
	submit(1);
	assert_true(virtq_kick_needed(&q, old));
	q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_false(virtq_kick_needed(&q, old));
}

static void test_callbacks(void **state)
{
	(void)state;
	struct taken t;
	uint16_t h;
	uint32_t len;

	queue_new(8, false);
	virtq_disable_cb(&q);
	assert_int_equal(q.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_false(virtq_enable_cb(&q));
	assert_int_equal(q.avail->flags, 0);
	submit(1);
	assert_true(dev_take(&t));
	dev_used(t.head, 0);
	assert_true(virtq_enable_cb(&q)); /* arrived meanwhile: take it before sleeping */
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);

	queue_new(8, true);
	uint16_t *used_event = &q.avail->ring[8];
	virtq_disable_cb(&q);
	assert_int_equal(q.avail->flags, 0); /* §2.7.7.1: flags stay 0 with EVENT_IDX */
	assert_int_equal(*used_event, 65535);
	submit(1);
	assert_true(dev_take(&t));
	dev_used(t.head, 0);
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
	assert_int_equal(*used_event, 65535); /* off: left alone */
	assert_false(virtq_enable_cb(&q));
	assert_int_equal(*used_event, 1);
	submit(2);
	assert_true(dev_take(&t));
	dev_used(t.head, 0);
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
	assert_int_equal(*used_event, 2); /* on: follows last_used */
}

/* Expects the queue broken: every later call refuses. */
static void assert_broken(void)
{
	struct virtq_seg s = seg(0x1000, 8);
	uint16_t h;
	uint32_t len;
	assert_true(q.broken);
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_E_BROKEN);
	assert_int_equal(virtq_add(&q, &s, 1, 0, &h), VIRTQ_E_BROKEN);
	assert_int_equal(virtq_publish(&q, 0), VIRTQ_E_BROKEN);
	assert_false(virtq_more_used(&q));
}

static void test_hostile_used_ring(void **state)
{
	(void)state;
	struct taken t;
	uint16_t h, head;
	uint32_t len;

	/* used idx ahead of what was published: by one, and by more than the queue. */
	queue_new(8, false);
	for (int i = 0; i < 3; i++)
		submit(i + 1);
	for (int i = 0; i < 3; i++)
		q.used->ring[i].id = q.avail->ring[i];
	q.used->idx = 4;
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_E_DEV_IDX);
	assert_broken();
	queue_new(4, false);
	submit(1);
	q.used->idx = 100;
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_E_DEV_IDX);
	assert_broken();

	/* Ids out of range. */
	const uint32_t bad_ids[] = {4, 0xffff, 0x10000, 0xffffffffu};
	for (size_t i = 0; i < 4; i++) {
		queue_new(4, false);
		submit(1);
		dev_used(bad_ids[i], 0);
		assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_E_DEV_ID);
		assert_broken();
	}
	/* Ids in range but not outstanding: free, built but unpublished, the second
	 * descriptor of a chain, and a head completed twice. */
	for (int mode = 0; mode < 4; mode++) {
		queue_new(4, false);
		head = submit(1); /* descriptors 0 and 1 */
		struct virtq_seg s = seg(0x9000, 8);
		uint16_t built;
		assert_int_equal(virtq_add(&q, &s, 1, 0, &built), VIRTQ_OK); /* 2 */
		uint32_t ids[] = {3, built, q.desc[head].next, head};
		if (mode == 3) {
			dev_used(head, 0);
			assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
			assert_int_equal(virtq_publish(&q, built), VIRTQ_OK);
		}
		dev_used(ids[mode], 0);
		assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_E_DEV_ID);
		assert_broken();
	}

	/* A length over the chain's writable bytes: reported, chain returned, queue goes on. */
	queue_new(4, false);
	head = submit(1);
	assert_true(dev_take(&t));
	dev_used(head, 513);
	h = 99;
	len = 99;
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_E_DEV_LEN);
	assert_int_equal(h, head);
	assert_int_equal(len, 0);
	assert_int_equal(q.num_free, 4);
	struct virtq_seg out = seg(0x1000, 64);
	assert_int_equal(virtq_add(&q, &out, 1, 0, &head), VIRTQ_OK);
	assert_int_equal(virtq_publish(&q, head), VIRTQ_OK);
	dev_used(head, 1); /* nothing writable at all */
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_E_DEV_LEN);
	head = submit(2);
	dev_used(head, 512); /* exactly the writable bytes */
	assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_OK);
	assert_int_equal(len, 512);
	assert_false(q.broken);
}

static void test_hostile_links(void **state)
{
	(void)state;
	uint16_t h, head, other;
	uint32_t len;

	/* The device rewrites a chain's link: out of range, to itself, to its head, into
	 * another published chain, or from the last descriptor into the free list. */
	for (int mode = 0; mode < 5; mode++) {
		queue_new(8, false);
		head = submit(1);
		other = submit(2);
		uint16_t second = q.desc[head].next;
		const uint16_t links[4] = {8, second, head, other};
		q.desc[second].flags |= VIRTQ_DESC_F_NEXT;
		q.desc[second].next = mode < 4 ? links[mode] : q.free_head;
		/* Mode 4: on through all 4 free descriptors and the other chain's tail. */
		for (uint16_t i = q.free_head, n = 0; mode == 4 && n < 4; n++) {
			q.desc[i].flags = VIRTQ_DESC_F_NEXT;
			uint16_t nx = n < 3 ? q.desc[i].next : q.desc[other].next;
			q.desc[i].next = nx;
			i = nx;
		}
		dev_used(head, 0);
		assert_int_equal(virtq_get_used(&q, &h, &len), VIRTQ_E_DEV_CHAIN);
		assert_int_equal(h, head);
		assert_broken();
	}

	/* The device rewrites the free list: out of range, or onto a published head. */
	for (int mode = 0; mode < 2; mode++) {
		queue_new(4, false);
		head = submit(1);
		q.desc[q.free_head].next = mode == 0 ? 77 : head;
		struct virtq_seg s[2] = {seg(0x1000, 8), seg(0x2000, 8)};
		assert_int_equal(virtq_add(&q, s, 2, 0, &h), VIRTQ_E_DEV_CHAIN);
		assert_broken();
	}
}

/* Random scribbles over the whole device-writable buffer between honest operations:
 * nothing crashes (ASan, UBSan), every status is one of the enum, broken is final. */
static void test_hostile_random(void **state)
{
	(void)state;
	unsigned broken_runs = 0;
	for (unsigned run = 0; run < 400; run++) {
		uint16_t size = (uint16_t)(1u << (xorshift() % 9));
		queue_new(size, xorshift() & 1);
		for (unsigned step = 0; step < 200; step++) {
			struct virtq_seg s[3] = {seg(0x1000, 8), seg(0x2000, 8), seg(0x3000, 8)};
			uint16_t h;
			uint32_t len;
			unsigned n = 1 + (unsigned)(xorshift() % 3);
			if (virtq_add(&q, s, n - 1, 1, &h) == VIRTQ_OK)
				assert_int_equal(virtq_publish(&q, h), VIRTQ_OK);
			struct taken t;
			if (xorshift() % 4 && !q.broken && dev.last_avail != q.avail->idx) {
				/* Honest-ish: complete what the device holds, but do not walk
				 * links it may itself have scribbled. */
				t.head = q.avail->ring[dev.last_avail++ & (size - 1)];
				dev_used(t.head, (uint32_t)(xorshift() % 32));
			}
			unsigned scribbles = (unsigned)(xorshift() % 3);
			for (unsigned k = 0; k < scribbles; k++)
				mem[xorshift() % mem_len] = (uint8_t)xorshift();
			enum virtq_status st = virtq_get_used(&q, &h, &len);
			assert_true(st <= VIRTQ_E_BROKEN);
			if (st == VIRTQ_OK || st == VIRTQ_E_DEV_LEN)
				assert_true(h < size);
			virtq_more_used(&q);
			virtq_kick_needed(&q, (uint16_t)xorshift());
			if (xorshift() & 1)
				virtq_enable_cb(&q);
			else
				virtq_disable_cb(&q);
			assert_true(q.num_free <= size);
		}
		if (q.broken) {
			broken_runs++;
			assert_broken();
		}
	}
	assert_true(broken_runs > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_init),
	    cmocka_unit_test_teardown(test_round_trip, teardown),
	    cmocka_unit_test_teardown(test_mixed_chains, teardown),
	    cmocka_unit_test_teardown(test_exhaustion_and_args, teardown),
	    cmocka_unit_test_teardown(test_wrap, teardown),
	    cmocka_unit_test_teardown(test_need_event, teardown),
	    cmocka_unit_test_teardown(test_callbacks, teardown),
	    cmocka_unit_test_teardown(test_hostile_used_ring, teardown),
	    cmocka_unit_test_teardown(test_hostile_links, teardown),
	    cmocka_unit_test_teardown(test_hostile_random, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
