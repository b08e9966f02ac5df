/* virtq: the driver side of a split virtqueue (virtio 1.2 §2.7; virtio 1.1 numbers the
 * same sections §2.6) in memory the caller provides: one DMA buffer, seen by the CPU at
 * `mem` and by the device at `dev_addr`.
 *
 * Trust. Everything in the buffer is writable by the device at any moment. The queue's
 * bookkeeping (free count, indices, which heads are built and which are published) lives
 * in struct virtq, in driver memory. From the buffer the driver reads the used ring
 * (idx, then each entry's id and len, each exactly once), the notification fields, and
 * the descriptor table's links (the free list and chains are threaded through `next`, as
 * §2.7.13.1 suggests). All of it is checked:
 *   - used idx may run ahead of the driver's last_used by at most the number of
 *     published, not yet used chains (VIRTQ_E_DEV_IDX);
 *   - a used id must be < qsize and a published, not yet used head (VIRTQ_E_DEV_ID);
 *   - walking a chain (to free it) or the free list (to build one) follows at most qsize
 *     links, each < qsize and never into another built or published head; a chain whose
 *     descriptors would overfill the free list is refused too (VIRTQ_E_DEV_CHAIN);
 *   - a used len larger than the chain's device-writable bytes is reported
 *     (VIRTQ_E_DEV_LEN): the chain is returned, its len is not (*len is 0).
 * The first three leave the queue broken (every later call returns VIRTQ_E_BROKEN): the
 * device lied about which buffers it holds, so the driver resets it (device_status 0,
 * §4.1.4.3) and initialises the queue again. A device that rewrites descriptors of
 * chains it holds can make their walks or lengths wrong in ways the checks do not see;
 * it cannot make the driver touch memory outside the buffer and struct virtq, or loop.
 *
 * Ordering (x86_64, write-back memory, coherent DMA). __atomic_thread_fence keeps the
 * host build honest; on x86 a release or acquire fence is only a compiler barrier (stores
 * are not reordered with older stores, loads not with older loads), while the two full
 * fences, where a load must not pass an older store, are real (a locked instruction or
 * mfence):
 *   - virtq_publish: ring entry, release fence, idx (§2.7.13.3.1);
 *   - virtq_kick_needed: full fence between the idx store and the flags/avail_event load
 *     (§2.7.13.4.1);
 *   - virtq_get_used: used idx, acquire fence, entry (§2.7.8.2: the device writes the
 *     entry before idx);
 *   - virtq_enable_cb: full fence between re-enabling and re-checking (§2.7.14).
 *
 * Use (one thread per queue; the caller locks):
 *	virtq_layout(256, &sz); ... allocate sz.total bytes of DMA memory, 16-aligned ...
 *	virtq_init(&q, 256, mem, dev, sz.total, event_idx);
 *	... queue_desc = q.desc_dev, queue_driver = q.avail_dev, queue_device = q.used_dev ...
 *	uint16_t old = virtq_avail_idx(&q);
 *	virtq_add(&q, segs, n_out, n_in, &head); virtq_publish(&q, head);
 *	if (virtq_kick_needed(&q, old)) ... write the queue index to its notify address ...
 *	on an interrupt: do { virtq_disable_cb(&q);
 *			     while (virtq_get_used(&q, &head, &len) == VIRTQ_OK) ...;
 *			} while (virtq_enable_cb(&q));
 */
#ifndef CAPOS_LIB_VIRTIO_VIRTQ_H
#define CAPOS_LIB_VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/virtio.h"

enum virtq_status {
	VIRTQ_OK = 0,
	VIRTQ_EMPTY,	   /* virtq_get_used: no new used entry */
	VIRTQ_E_SIZE,	   /* queue size not a power of two in 1..VIRTQ_MAX_SIZE */
	VIRTQ_E_MEM,	   /* buffer NULL, shorter than the layout, or not 16-aligned */
	VIRTQ_E_ARG,	   /* a chain that can never be queued (see virtq_add) */
	VIRTQ_E_FULL,	   /* virtq_add: not enough free descriptors now */
	VIRTQ_E_HEAD,	   /* virtq_publish: not a head built by virtq_add and unpublished */
	VIRTQ_E_DEV_IDX,   /* used idx ahead of what was published; queue broken */
	VIRTQ_E_DEV_ID,	   /* used id out of range or not a published head; queue broken */
	VIRTQ_E_DEV_CHAIN, /* a link out of range, into another chain, or too long; broken */
	VIRTQ_E_DEV_LEN,   /* used len over the chain's writable bytes; chain returned */
	VIRTQ_E_BROKEN,	   /* an earlier device error broke the queue */
};

/* Where the three parts go in the buffer, in bytes from its start. */
struct virtq_sizes {
	size_t desc_off, desc_size;   /* 16 * N, aligned 16 */
	size_t avail_off, avail_size; /* 6 + 2 * N, aligned 2 (used_event included) */
	size_t used_off, used_size;   /* 6 + 8 * N, aligned 4 (avail_event included) */
	size_t total;
};

/* One buffer element of a chain: device address and length. */
struct virtq_seg {
	uint64_t addr;
	uint32_t len;
};

/* The driver's state of one queue. Fields are read-only for callers; the *_dev
 * addresses are what the transport's queue_desc / queue_driver / queue_device take. */
struct virtq {
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint64_t desc_dev, avail_dev, used_dev;
	uint16_t size;	    /* N */
	uint16_t free_head; /* first free descriptor, when num_free > 0 */
	uint16_t num_free;  /* free descriptors (N fits: at most 32768) */
	uint16_t avail_idx; /* next available idx to publish (free-running) */
	uint16_t last_used; /* next used idx to consume (free-running) */
	bool event_idx;	    /* VIRTIO_F_RING_EVENT_IDX negotiated */
	bool cb_enabled;    /* used buffer notifications wanted */
	bool broken;
	uint64_t built[VIRTQ_MAX_SIZE / 64];	 /* heads from virtq_add, not yet published */
	uint64_t published[VIRTQ_MAX_SIZE / 64]; /* heads the device holds */
};

/* virtq_layout: the layout of a queue of qsize entries into *out. Returns VIRTQ_OK, or
 * VIRTQ_E_SIZE when qsize is not a power of two in 1..VIRTQ_MAX_SIZE (*out untouched). */
enum virtq_status virtq_layout(uint32_t qsize, struct virtq_sizes *out);

/* virtq_init: sets *q up over mem (CPU address) / dev_addr (device address) of mem_len
 * bytes: zeroes the three parts, links every descriptor into the free list, and fills in
 * the device addresses. event_idx says whether VIRTIO_F_RING_EVENT_IDX was negotiated.
 * Used buffer notifications start enabled. Returns VIRTQ_OK, VIRTQ_E_SIZE, or VIRTQ_E_MEM
 * (mem NULL, mem_len below the layout's total, mem or dev_addr not 16-aligned, or
 * dev_addr + total wrapping); *q and mem are untouched on failure. */
enum virtq_status virtq_init(struct virtq *q, uint16_t qsize, void *mem, uint64_t dev_addr,
			     size_t mem_len, bool event_idx);

/* virtq_add: builds a chain of n_out device-readable then n_in device-writable segments
 * (§2.7.4.2 order) from segs[0 .. n_out + n_in) and stores its head in *head; the
 * device sees nothing until virtq_publish. Returns VIRTQ_OK; VIRTQ_E_ARG for no
 * segment, more segments than the queue has descriptors, a zero length, an address
 * range that wraps, or a chain over 2^32 bytes (§2.7.5.2); VIRTQ_E_FULL when fewer
 * descriptors are free; VIRTQ_E_DEV_CHAIN (queue broken) when the free list was
 * corrupted; VIRTQ_E_BROKEN. Nothing changes on any failure but VIRTQ_E_DEV_CHAIN. */
enum virtq_status virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n_out,
			    unsigned n_in, uint16_t *head);

/* virtq_publish: hands the chain at head (from virtq_add) to the device: writes the
 * next available ring entry, a release fence, then the new idx. Returns VIRTQ_OK,
 * VIRTQ_E_HEAD when head is not a built, unpublished head, or VIRTQ_E_BROKEN. */
enum virtq_status virtq_publish(struct virtq *q, uint16_t head);

/* virtq_avail_idx: the available idx as published so far; take it before a batch of
 * virtq_publish calls and pass it to virtq_kick_needed after. */
uint16_t virtq_avail_idx(const struct virtq *q);

/* virtq_need_event: the EVENT_IDX rule (§2.7.10 and §2.7.7): true when moving an index
 * from old to new_idx (uint16 wrap) passes event, i.e. event is in [old, new_idx). */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* virtq_kick_needed: after publishing from old_avail_idx on, whether the device wants an
 * available buffer notification: with EVENT_IDX by the device's avail_event, otherwise
 * unless the used ring's VIRTQ_USED_F_NO_NOTIFY is set. Full fence first. */
bool virtq_kick_needed(struct virtq *q, uint16_t old_avail_idx);

/* virtq_get_used: takes the next used entry, frees its chain and stores the chain's head
 * in *head and the bytes written in *len. Returns VIRTQ_OK; VIRTQ_EMPTY when there is
 * none; VIRTQ_E_DEV_LEN with *head set and *len 0 when the device claims more bytes than
 * the chain can take (the chain is freed); VIRTQ_E_DEV_IDX, VIRTQ_E_DEV_ID or
 * VIRTQ_E_DEV_CHAIN (the queue is then broken; for VIRTQ_E_DEV_CHAIN *head is the head
 * whose chain could not be freed, no longer published); VIRTQ_E_BROKEN. */
enum virtq_status virtq_get_used(struct virtq *q, uint16_t *head, uint32_t *len);

/* virtq_more_used: whether the used ring holds an entry not yet taken (false once broken). */
bool virtq_more_used(struct virtq *q);

/* virtq_enable_cb: asks for used buffer notifications again (used_event = last_used with
 * EVENT_IDX, else clears VIRTQ_AVAIL_F_NO_INTERRUPT), then a full fence, and returns
 * virtq_more_used: true means entries arrived meanwhile, so take them before sleeping. */
bool virtq_enable_cb(struct virtq *q);

/* virtq_disable_cb: asks the device not to notify on used buffers (a hint, §2.7.7: the
 * driver still handles spurious notifications). With EVENT_IDX used_event is put one
 * behind last_used, which the device reaches only 65535 entries later. */
void virtq_disable_cb(struct virtq *q);

#endif
