/* shm_obj: Memory, SharedMemory, SharedMapping and Event (schema/capos.capnp;
 * docs/shared-memory.md).
 *
 * A SharedMemory holds zeroed contiguous frames. Each map() makes a
 * SharedMapping, bound to the caller's address space (it never leaves that
 * table), holding a reference on the SharedMemory; its release unmaps on every
 * CPU. The frames go back (zeroed again) when the last reference goes: every
 * handle of the SharedMemory and every mapping. Pages are charged to one
 * system-wide ledger of SHM_LIMIT_PAGES. */
#include "kobj.h"
#include "arch/x86_64/clock.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "arch/x86_64/paging.h"
#include "core/console.h"
#include "core/spinlock.h"
#include "lib/irq/registry.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/umap.h"
#include "proc/proc.h"

#define SHM_LIMIT_PAGES	 8192u /* 32 MiB for every process together */
#define SHM_OBJECT_PAGES 1024u /* 4 MiB at most per SharedMemory */

struct shm {
	struct kobj hdr;
	uint64_t pa, pages;
};

struct shm_map {
	struct kobj hdr;
	struct shm *mem; /* a reference */
	struct umap map; /* shm_lock */
};

struct event {
	struct kobj hdr;
	uint64_t count; /* atomic */
	struct proc *waiters;
};

static spinlock_t shm_lock = SPINLOCK_INIT; /* the ledger and every mapping's state */
static uint64_t shm_pages_used;
static const struct kobj_ops shm_ops, map_ops, event_ops;

/* The result of a method returning one capability (index 0 beside it). */
static enum capos_status cap_result(struct kcall *c, struct kobj *o, uint64_t iface,
				    int (*init)(struct capnp_builder *, struct capnp_struct *),
				    int (*set)(struct capnp_builder *, const struct capnp_struct *,
					       uint32_t))
{
	struct capnp_builder b;
	struct capnp_struct r;
	enum cap_status cs = proc_install(c->caller, o, iface, &c->ret);
	kobj_put(o); /* the slot holds it, or nobody: then it is destroyed */
	if (cs != CAP_OK)
		return CAPOS_E_NO_RESOURCES;
	c->has_ret = true;
	c->result_len = 0;
	if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
	    init(&b, &r) == CAPNP_OK && set(&b, &r, 0) == CAPNP_OK)
		c->result_len = b.used;
	return CAPOS_OK;
}

/* ---- SharedMemory ---- */

static void shm_destroy(struct kobj *o)
{
	struct shm *m = (struct shm *)o;
	memset(phys_to_virt(m->pa), 0, m->pages * PAGE_SIZE);
	for (uint64_t i = 0; i < m->pages; i++)
		frame_free(m->pa + i * PAGE_SIZE);
	uint64_t fl = spin_lock_class(&shm_lock, LOCK_CLASS_SHM);
	shm_pages_used -= m->pages;
	spin_unlock_class(&shm_lock, LOCK_CLASS_SHM, fl);
	kfree(m);
}

static struct shm *shm_new(uint64_t bytes)
{
	uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	if (bytes == 0 || bytes > (uint64_t)SHM_OBJECT_PAGES * PAGE_SIZE)
		return NULL;
	uint64_t fl = spin_lock_class(&shm_lock, LOCK_CLASS_SHM);
	bool ok = shm_pages_used + pages <= SHM_LIMIT_PAGES;
	if (ok)
		shm_pages_used += pages;
	spin_unlock_class(&shm_lock, LOCK_CLASS_SHM, fl);
	struct shm *m = ok ? kmalloc(sizeof(*m)) : NULL;
	if (m != NULL && frame_alloc_contig(pages, PAGE_SIZE, &m->pa)) {
		kobj_init(&m->hdr, &shm_ops);
		m->pages = pages;
		memset(phys_to_virt(m->pa), 0, pages * PAGE_SIZE);
		return m;
	}
	kfree(m);
	if (ok) {
		fl = spin_lock_class(&shm_lock, LOCK_CLASS_SHM);
		shm_pages_used -= pages;
		spin_unlock_class(&shm_lock, LOCK_CLASS_SHM, fl);
	}
	return NULL;
}

static enum capos_status shm_decode(struct kobj *o, const struct kcall *c)
{
	(void)o;
	return c->iface == CAPOS_IFACE_SHARED_MEMORY && c->method <= CAPOS_SHARED_MEMORY_INFO
		   ? CAPOS_OK
		   : CAPOS_E_INVOKE;
}

static enum capos_status shm_invoke(struct kobj *o, struct kcall *c)
{
	struct shm *m = (struct shm *)o;
	struct capnp_builder b;
	struct capnp_struct r;
	if (c->method == CAPOS_SHARED_MEMORY_INFO) {
		if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
		    capos_shared_memory_info_results_init_root(&b, &r) != CAPNP_OK ||
		    capos_shared_memory_info_results_set_bytes(&b, &r, m->pages * PAGE_SIZE) !=
			CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
		c->result_len = b.used;
		return CAPOS_OK;
	}
	struct shm_map *mp = kmalloc(sizeof(*mp));
	if (mp == NULL)
		return CAPOS_E_NO_RESOURCES;
	memset(mp, 0, sizeof(*mp));
	kobj_init(&mp->hdr, &map_ops);
	kobj_get(&m->hdr);
	mp->mem = m;
	if (!umap_map(&mp->map, c->caller, m->pa, m->pages, PTE_W)) {
		kobj_put(&mp->hdr); /* destroy drops the reference */
		return CAPOS_E_NO_RESOURCES;
	}
	return cap_result(c, &mp->hdr, CAPOS_IFACE_SHARED_MAPPING,
			  capos_shared_memory_map_results_init_root,
			  capos_shared_memory_map_results_set_mapping);
}

static const struct kobj_ops shm_ops = {
    .name = "SharedMemory", .decode = shm_decode, .invoke = shm_invoke, .destroy = shm_destroy};

/* ---- SharedMapping ---- */

/* The holder's last handle went (released, or its address space is being
 * torn down): unmapped on every CPU before that. */
static void map_zero_handles(struct kobj *o)
{
	struct shm_map *mp = (struct shm_map *)o;
	uint64_t fl = spin_lock_class(&shm_lock, LOCK_CLASS_SHM);
	bool mine = umap_take(&mp->map);
	spin_unlock_class(&shm_lock, LOCK_CLASS_SHM, fl);
	if (mine && !umap_finish(&mp->map)) {
		/* A CPU did not confirm it dropped the mapping: the memory stays
		 * out of use for good (a reference nobody gives back), never
		 * handed to anyone else while a stale translation may reach it. */
		kobj_get(&mp->mem->hdr);
		kprintf("shm: an unmap was not confirmed by every CPU; its memory is kept\n");
	} else if (!mine) {
		umap_wait(&mp->map);
	}
}

static void map_destroy(struct kobj *o)
{
	struct shm_map *mp = (struct shm_map *)o;
	if (mp->map.state == UMAP_MAPPED) /* never handed out */
		map_zero_handles(o);
	kobj_put(&mp->mem->hdr);
	kfree(mp);
}

static enum capos_status map_decode(struct kobj *o, const struct kcall *c)
{
	(void)o;
	return c->iface == CAPOS_IFACE_SHARED_MAPPING && c->method == CAPOS_SHARED_MAPPING_INFO
		   ? CAPOS_OK
		   : CAPOS_E_INVOKE;
}

static enum capos_status map_invoke(struct kobj *o, struct kcall *c)
{
	struct shm_map *mp = (struct shm_map *)o;
	struct capnp_builder b;
	struct capnp_struct r;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    capos_shared_mapping_info_results_init_root(&b, &r) != CAPNP_OK ||
	    capos_shared_mapping_info_results_set_address(&b, &r, mp->map.va) != CAPNP_OK ||
	    capos_shared_mapping_info_results_set_bytes(&b, &r, mp->map.pages * PAGE_SIZE) !=
		CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	c->result_len = b.used;
	return CAPOS_OK;
}

static const struct kobj_ops map_ops = {.name = "SharedMapping",
					.no_xfer = true,
					.decode = map_decode,
					.invoke = map_invoke,
					.on_zero_handles = map_zero_handles,
					.destroy = map_destroy};

/* ---- Event ---- */

static bool event_ready(void *arg)
{
	return __atomic_load_n(&((struct event *)arg)->count, __ATOMIC_ACQUIRE) != 0;
}

static enum capos_status event_decode(struct kobj *o, const struct kcall *c)
{
	(void)o;
	struct capnp_struct r;
	uint64_t ns;
	if (c->iface != CAPOS_IFACE_EVENT || c->method > CAPOS_EVENT_WAIT_FOR)
		return CAPOS_E_INVOKE;
	if (c->method != CAPOS_EVENT_WAIT_FOR)
		return CAPOS_OK;
	return capnp_get_root(c->params, c->params_len, &r) == CAPNP_OK &&
		       capos_event_wait_for_params_get_ns(c->params, c->params_len, &r, &ns) ==
			   CAPNP_OK
		   ? CAPOS_OK
		   : CAPOS_E_BAD_PARAMS;
}

static enum capos_status event_invoke(struct kobj *o, struct kcall *c)
{
	struct event *e = (struct event *)o;
	struct capnp_builder b;
	struct capnp_struct r;
	if (c->method == CAPOS_EVENT_SIGNAL) {
		event_signal_kobj(o);
		c->result_len = 0;
		return CAPOS_OK;
	}
	if (c->method == CAPOS_EVENT_WAIT_FOR) {
		struct capnp_struct r0;
		uint64_t ns = 0;
		capnp_get_root(c->params, c->params_len, &r0);
		capos_event_wait_for_params_get_ns(c->params, c->params_len, &r0, &ns);
		proc_wait_on_until(&e->waiters, event_ready, e, clock_deadline(ns));
	} else {
		proc_wait_on(&e->waiters, event_ready, e);
	}
	if (proc_killed_current())
		return CAPOS_E_INVOKE;
	uint64_t n = __atomic_exchange_n(&e->count, 0, __ATOMIC_ACQ_REL);
	bool timed = c->method == CAPOS_EVENT_WAIT_FOR;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    (timed ? capos_event_wait_for_results_init_root(&b, &r)
		   : capos_event_wait_results_init_root(&b, &r)) != CAPNP_OK ||
	    (timed ? capos_event_wait_for_results_set_count(&b, &r, n)
		   : capos_event_wait_results_set_count(&b, &r, n)) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	c->result_len = b.used;
	return CAPOS_OK;
}

bool kobj_is_event(const struct kobj *o)
{
	return o->ops == &event_ops;
}

void event_signal_kobj(struct kobj *o)
{
	struct event *e = (struct event *)o;
	__atomic_add_fetch(&e->count, 1, __ATOMIC_ACQ_REL);
	proc_wake_all(&e->waiters);
}

static void event_destroy(struct kobj *o)
{
	kfree(o);
}

static const struct kobj_ops event_ops = {
    .name = "Event", .decode = event_decode, .invoke = event_invoke, .destroy = event_destroy};

uint64_t shm_pages_in_use(void)
{
	return __atomic_load_n(&shm_pages_used, __ATOMIC_ACQUIRE);
}

/* ---- Memory ---- */

static enum capos_status mem_decode(struct kobj *o, const struct kcall *c)
{
	struct capnp_struct r;
	uint64_t bytes;
	(void)o;
	if (c->iface != CAPOS_IFACE_MEMORY)
		return CAPOS_E_INVOKE;
	if (c->method == CAPOS_MEMORY_CREATE_EVENT)
		return CAPOS_OK;
	if (c->method != CAPOS_MEMORY_CREATE_SHARED)
		return CAPOS_E_INVOKE;
	return capnp_get_root(c->params, c->params_len, &r) == CAPNP_OK &&
		       capos_memory_create_shared_params_get_bytes(c->params, c->params_len, &r,
								   &bytes) == CAPNP_OK
		   ? CAPOS_OK
		   : CAPOS_E_BAD_PARAMS;
}

static enum capos_status mem_invoke(struct kobj *o, struct kcall *c)
{
	struct capnp_struct r;
	uint64_t bytes = 0;
	(void)o;
	if (c->method == CAPOS_MEMORY_CREATE_EVENT) {
		struct event *e = kmalloc(sizeof(*e));
		if (e == NULL)
			return CAPOS_E_NO_RESOURCES;
		memset(e, 0, sizeof(*e));
		kobj_init(&e->hdr, &event_ops);
		return cap_result(c, &e->hdr, CAPOS_IFACE_EVENT,
				  capos_memory_create_event_results_init_root,
				  capos_memory_create_event_results_set_event);
	}
	capnp_get_root(c->params, c->params_len, &r);
	capos_memory_create_shared_params_get_bytes(c->params, c->params_len, &r, &bytes);
	struct shm *m = shm_new(bytes);
	if (m == NULL)
		return bytes == 0 || bytes > (uint64_t)SHM_OBJECT_PAGES * PAGE_SIZE
			   ? CAPOS_E_BAD_PARAMS
			   : CAPOS_E_NO_RESOURCES;
	return cap_result(c, &m->hdr, CAPOS_IFACE_SHARED_MEMORY,
			  capos_memory_create_shared_results_init_root,
			  capos_memory_create_shared_results_set_mem);
}

static const struct kobj_ops mem_ops = {
    .name = "Memory", .decode = mem_decode, .invoke = mem_invoke};
struct kobj kobj_memory = {.ops = &mem_ops, .refs = 1};
