/* virtq: split virtqueue, driver side, with every device-written value checked. */
#include "lib/virtio/virtq.h"

#include "lib/str.h"

/* Fields the device may write are read once each, with single loads the compiler can
 * neither tear, repeat nor drop. */
static uint16_t rd16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint32_t rd32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void wr16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static bool bit_get(const uint64_t *map, uint16_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *map, uint16_t i)
{
	map[i / 64] |= 1ull << (i % 64);
}

static void bit_clear(uint64_t *map, uint16_t i)
{
	map[i / 64] &= ~(1ull << (i % 64));
}

/* used_event sits after the available ring's N entries, avail_event after the used
 * ring's (§2.7.6, §2.7.8). */
static uint16_t *used_event(struct virtq *q)
{
	return &q->avail->ring[q->size];
}

static uint16_t *avail_event(struct virtq *q)
{
	return (uint16_t *)&q->used->ring[q->size];
}

/* A link the device could have rewritten: in range, and not the head of a chain the
 * driver is building or the device holds. */
static bool link_ok(const struct virtq *q, uint16_t i)
{
	return i < q->size && !bit_get(q->built, i) && !bit_get(q->published, i);
}

static enum virtq_status dev_error(struct virtq *q, enum virtq_status st)
{
	q->broken = true;
	return st;
}

enum virtq_status virtq_layout(uint32_t qsize, struct virtq_sizes *out)
{
	if (qsize == 0 || qsize > VIRTQ_MAX_SIZE || (qsize & (qsize - 1)) != 0)
		return VIRTQ_E_SIZE;
	out->desc_off = 0;
	out->desc_size = sizeof(struct virtq_desc) * qsize;
	/* 16 * N keeps the available ring 2-aligned. */
	out->avail_off = out->desc_size;
	out->avail_size = sizeof(struct virtq_avail) + sizeof(uint16_t) * qsize + sizeof(uint16_t);
	out->used_off = (out->avail_off + out->avail_size + VIRTQ_USED_ALIGN - 1) &
			~(size_t)(VIRTQ_USED_ALIGN - 1);
	out->used_size =
	    sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) * qsize + sizeof(uint16_t);
	out->total = out->used_off + out->used_size;
	return VIRTQ_OK;
}

enum virtq_status virtq_init(struct virtq *q, uint16_t qsize, void *mem, uint64_t dev_addr,
			     size_t mem_len, bool event_idx)
{
	struct virtq_sizes sz;
	enum virtq_status st = virtq_layout(qsize, &sz);

	if (st != VIRTQ_OK)
		return st;
	/* §2.7.1: each part's device address is a multiple of its alignment; the CPU side
	 * needs the same for the atomic accesses. */
	if (mem == NULL || mem_len < sz.total || ((uintptr_t)mem % VIRTQ_DESC_ALIGN) != 0 ||
	    (dev_addr % VIRTQ_DESC_ALIGN) != 0 || dev_addr > UINT64_MAX - sz.total)
		return VIRTQ_E_MEM;

	uint8_t *base = mem;
	memset(q, 0, sizeof(*q));
	/* §2.7.10.1: the used ring's flags start at 0; everything else starts at 0 too. */
	memset(base, 0, sz.total);
	q->desc = (struct virtq_desc *)(base + sz.desc_off);
	q->avail = (struct virtq_avail *)(base + sz.avail_off);
	q->used = (struct virtq_used *)(base + sz.used_off);
	q->desc_dev = dev_addr + sz.desc_off;
	q->avail_dev = dev_addr + sz.avail_off;
	q->used_dev = dev_addr + sz.used_off;
	q->size = qsize;
	q->num_free = qsize;
	q->free_head = 0;
	q->event_idx = event_idx;
	q->cb_enabled = true;
	for (uint32_t i = 0; i + 1 < qsize; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	return VIRTQ_OK;
}

/* The checks of virtq_add that need no queue state but its size. */
static enum virtq_status chain_check(const struct virtq *q, const struct virtq_seg *segs,
				     unsigned n_out, unsigned n_in)
{
	uint64_t total = 0;

	if (n_out > q->size || n_in > q->size || n_out + n_in == 0 || n_out + n_in > q->size)
		return VIRTQ_E_ARG;
	for (unsigned k = 0; k < n_out + n_in; k++) {
		if (segs[k].len == 0 || segs[k].addr > UINT64_MAX - (segs[k].len - 1))
			return VIRTQ_E_ARG;
		total += segs[k].len;
	}
	/* §2.7.5.2: no chain longer than 2^32 bytes in total. */
	if (total > (1ull << 32))
		return VIRTQ_E_ARG;
	return VIRTQ_OK;
}

enum virtq_status virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n_out,
			    unsigned n_in, uint16_t *head)
{
	if (q->broken)
		return VIRTQ_E_BROKEN;
	enum virtq_status st = chain_check(q, segs, n_out, n_in);
	if (st != VIRTQ_OK)
		return st;
	unsigned n = n_out + n_in;
	if (n > q->num_free)
		return VIRTQ_E_FULL;

	/* Pop n descriptors off the free list, filling each as it comes (§2.7.13.1). The
	 * links were written by the driver but sit where the device can rewrite them. */
	uint16_t first = q->free_head, cur = first;
	for (unsigned k = 0; k < n; k++) {
		if (!link_ok(q, cur))
			return dev_error(q, VIRTQ_E_DEV_CHAIN);
		struct virtq_desc *d = &q->desc[cur];
		uint16_t next = rd16(&d->next);
		uint16_t flags = k + 1 < n ? VIRTQ_DESC_F_NEXT : 0;
		if (k >= n_out)
			flags |= VIRTQ_DESC_F_WRITE;
		d->addr = segs[k].addr;
		d->len = segs[k].len;
		d->flags = flags;
		d->next = k + 1 < n ? next : 0;
		cur = next;
	}
	q->free_head = cur;
	q->num_free = (uint16_t)(q->num_free - n);
	bit_set(q->built, first);
	*head = first;
	return VIRTQ_OK;
}

enum virtq_status virtq_publish(struct virtq *q, uint16_t head)
{
	if (q->broken)
		return VIRTQ_E_BROKEN;
	if (head >= q->size || !bit_get(q->built, head))
		return VIRTQ_E_HEAD;
	bit_clear(q->built, head);
	bit_set(q->published, head);
	wr16(&q->avail->ring[q->avail_idx & (q->size - 1)], head);
	/* §2.7.13.3.1: the descriptors and the ring entry are visible before idx. On x86 a
	 * compiler barrier: stores are not reordered with older stores. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->avail_idx++;
	wr16(&q->avail->idx, q->avail_idx);
	return VIRTQ_OK;
}

uint16_t virtq_avail_idx(const struct virtq *q)
{
	return q->avail_idx;
}

bool virtq_kick_needed(struct virtq *q, uint16_t old_avail_idx)
{
	/* §2.7.13.4.1: idx is exposed before flags or avail_event are read, or a device
	 * going to sleep could be missed. A load passing an older store is the one
	 * reordering x86 does: this is a real fence (locked instruction or mfence). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx)
		return virtq_need_event(rd16(avail_event(q)), q->avail_idx, old_avail_idx);
	return (rd16(&q->used->flags) & VIRTQ_USED_F_NO_NOTIFY) == 0;
}

/* Walks the chain at head to its end: at most size descriptors, every link checked.
 * Stores its last descriptor, length and device-writable bytes. */
static bool chain_walk(const struct virtq *q, uint16_t head, uint16_t *tail, uint32_t *count,
		       uint64_t *writable)
{
	uint16_t cur = head;
	uint32_t n = 0;
	uint64_t w = 0;

	for (;;) {
		if (n == q->size)
			return false; /* longer than the table: a loop */
		n++;
		const struct virtq_desc *d = &q->desc[cur];
		uint16_t flags = rd16(&d->flags);
		uint32_t len = rd32(&d->len);
		uint16_t next = rd16(&d->next);
		if (flags & VIRTQ_DESC_F_WRITE)
			w += len;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			break;
		if (!link_ok(q, next))
			return false;
		cur = next;
	}
	/* More descriptors than are in use would overfill the free list. */
	if (q->num_free + n > q->size)
		return false;
	*tail = cur;
	*count = n;
	*writable = w;
	return true;
}

enum virtq_status virtq_get_used(struct virtq *q, uint16_t *head, uint32_t *len)
{
	if (q->broken)
		return VIRTQ_E_BROKEN;
	uint16_t used_idx = rd16(&q->used->idx);
	if (used_idx == q->last_used)
		return VIRTQ_EMPTY;
	/* Each published chain comes back once: the device cannot be further ahead than
	 * the chains published and not yet taken. */
	if ((uint16_t)(used_idx - q->last_used) > (uint16_t)(q->avail_idx - q->last_used))
		return dev_error(q, VIRTQ_E_DEV_IDX);
	/* §2.7.8.2: the device writes the entry before idx; read it after. On x86 a
	 * compiler barrier: loads are not reordered with older loads. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	const struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
	uint32_t id = rd32(&e->id);
	uint32_t used_len = rd32(&e->len);
	q->last_used++;
	/* With notifications on, ask for one at the next entry; only virtq_enable_cb's full
	 * fence makes that race-free before sleeping. */
	if (q->event_idx && q->cb_enabled)
		wr16(used_event(q), q->last_used);

	if (id >= q->size || !bit_get(q->published, (uint16_t)id))
		return dev_error(q, VIRTQ_E_DEV_ID);
	uint16_t h = (uint16_t)id, tail;
	uint32_t count;
	uint64_t writable;
	bit_clear(q->published, h);
	*head = h;
	if (!chain_walk(q, h, &tail, &count, &writable))
		return dev_error(q, VIRTQ_E_DEV_CHAIN);
	wr16(&q->desc[tail].next, q->free_head);
	q->free_head = h;
	q->num_free = (uint16_t)(q->num_free + count);
	/* §2.7.8.3: nothing past len is the driver's to trust, and len itself cannot exceed
	 * what the chain can take. */
	if (used_len > writable) {
		*len = 0;
		return VIRTQ_E_DEV_LEN;
	}
	*len = used_len;
	return VIRTQ_OK;
}

bool virtq_more_used(struct virtq *q)
{
	return !q->broken && rd16(&q->used->idx) != q->last_used;
}

bool virtq_enable_cb(struct virtq *q)
{
	q->cb_enabled = true;
	if (q->event_idx)
		wr16(used_event(q), q->last_used);
	else
		wr16(&q->avail->flags, 0);
	/* §2.7.14: re-check after re-enabling, with the store visible before the load of
	 * used idx (a real fence on x86), or an entry written in between goes unnoticed. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return virtq_more_used(q);
}

void virtq_disable_cb(struct virtq *q)
{
	q->cb_enabled = false;
	/* §2.7.7.1: with EVENT_IDX flags stay 0 and used_event is the only lever. */
	if (q->event_idx)
		wr16(used_event(q), (uint16_t)(q->last_used - 1));
	else
		wr16(&q->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}
