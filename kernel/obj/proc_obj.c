/* proc_obj: ProcessSpawner, ProcessHandle and BootManifest (schema/capos.capnp). */
#include "kobj.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "core/console.h"
#include "lib/manifest/manifest.h"
#include "lib/str.h"
#include "mm/heap.h"
#include "proc/boot_manifest.h"
#include "proc/proc.h"

/* Copies a Text field into buf (NUL-terminated, at most n-1 bytes). */
static bool text_field(const struct kcall *c, const struct capnp_struct *s, uint32_t ptr, char *buf,
		       size_t n)
{
	const char *t;
	size_t len;
	if (capnp_get_text(c->params, c->params_len, s, ptr, &t, &len) != CAPNP_OK || len == 0 ||
	    len >= n)
		return false;
	memcpy(buf, t, len);
	buf[len] = '\0';
	return true;
}

struct spawn_args {
	char name[PROC_NAME_MAX], binary[PROC_NAME_MAX];
	struct capos_handle handles[RING_MAX_XFER];
	uint32_t n;
};

/* The arguments of spawn(name, binary, caps), checked. */
static enum capos_status spawn_args(const struct kcall *c, struct spawn_args *a)
{
	struct capnp_struct root, el;
	struct capnp_list caps;
	struct capos_handle *handles = a->handles;
	if (capnp_get_root(c->params, c->params_len, &root) != CAPNP_OK ||
	    !text_field(c, &root, CAPOS_PROCESS_SPAWNER_SPAWN_PARAMS_NAME_PTR, a->name,
			sizeof(a->name)) ||
	    !text_field(c, &root, CAPOS_PROCESS_SPAWNER_SPAWN_PARAMS_BINARY_PTR, a->binary,
			sizeof(a->binary)))
		return CAPOS_E_BAD_PARAMS;
	int st =
	    capos_process_spawner_spawn_params_get_caps(c->params, c->params_len, &root, &caps);
	if (st != CAPNP_OK && st != CAPNP_NULL)
		return CAPOS_E_BAD_PARAMS;
	uint32_t n = st == CAPNP_NULL ? 0 : caps.count;
	if (n > RING_MAX_XFER)
		return CAPOS_E_BAD_PARAMS;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t idx;
		if (capnp_list_struct(c->params_len, &caps, i, &el) != CAPNP_OK ||
		    capnp_get_cap(c->params, c->params_len, &el, CAPOS_CAP_GRANT_CAP_PTR, &idx) !=
			CAPNP_OK ||
		    idx >= c->nxfer)
			return CAPOS_E_BAD_PARAMS;
		handles[i] = c->xfer[idx];
	}
	a->n = n;
	return CAPOS_OK;
}

static void handle_destroy(struct kobj *o)
{
	struct proc_handle *h = (struct proc_handle *)o;
	if (h->event != NULL)
		kobj_put(h->event);
	kfree(o);
}

static enum capos_status handle_decode(struct kobj *o, const struct kcall *c);
static enum capos_status handle_invoke(struct kobj *o, struct kcall *c);

static const struct kobj_ops handle_ops = {.name = "ProcessHandle",
					   .takes_caps = true,
					   .decode = handle_decode,
					   .invoke = handle_invoke,
					   .destroy = handle_destroy};

struct proc_handle *proc_handle_new(int pid)
{
	struct proc_handle *h = kmalloc(sizeof(*h));
	if (h != NULL) {
		memset(h, 0, sizeof(*h));
		kobj_init(&h->hdr, &handle_ops);
		h->pid = pid;
	}
	return h;
}

static enum capos_status spawner_decode(struct kobj *o, const struct kcall *c)
{
	struct spawn_args a;
	(void)o;
	if (c->iface != CAPOS_IFACE_PROCESS_SPAWNER || c->method != CAPOS_PROCESS_SPAWNER_SPAWN)
		return CAPOS_E_INVOKE;
	return spawn_args(c, &a);
}

/* spawn(name, binary, caps): the child gets exactly the listed capabilities, in
 * list order, copied or moved from the caller's table (commit or nothing); the
 * caller gets a ProcessHandle. The child is charged to the caller's ledger
 * (CAP_RES_PROCS) until it ends. */
static enum capos_status spawner_invoke(struct kobj *o, struct kcall *c)
{
	struct spawn_args a;
	struct capnp_struct root;
	(void)o;
	spawn_args(c, &a); /* decoded already */
	uint32_t n = a.n;
	const struct capos_handle *handles = a.handles;
	struct proc *child = proc_create_child(c->caller, a.name, a.binary);
	if (child == NULL)
		return CAPOS_E_NO_RESOURCES; /* why is on COM1 */
	struct proc_handle *h = proc_handle_new(child->pid);
	if (h == NULL) {
		proc_abandon(child);
		return CAPOS_E_NO_RESOURCES;
	}
	/* Prepare the transfer, then install the caller's ProcessHandle, and only
	 * then commit: a failure before the commit undoes everything, so nothing
	 * the caller moved is lost with an abandoned child. */
	struct cap_xfer_txn txn;
	enum cap_status cs =
	    n ? cap_xfer_prepare(&c->caller->caps, &child->caps, handles, n, c->move, &txn)
	      : CAP_OK;
	if (cs == CAP_OK && n && kobj_xfer_refused(&txn)) {
		cap_xfer_abort(&txn);
		proc_abandon(child);
		kobj_put(&h->hdr);
		return CAPOS_E_INVOKE; /* a capability bound to the caller's address space */
	}
	if (cs == CAP_OK && cap_install(&c->caller->caps, h, KOBJ_SLOT_TAG,
					CAPOS_IFACE_PROCESS_HANDLE, &c->ret) != CAP_OK) {
		if (n)
			cap_xfer_abort(&txn);
		cs = CAP_E_FULL;
	}
	if (cs != CAP_OK) {
		proc_abandon(child);
		kobj_put(&h->hdr);
		return cap_status_to_capos(cs);
	}
	kobj_handle_get(&h->hdr, CAPOS_IFACE_PROCESS_HANDLE); /* the caller's slot */
	if (n)
		cap_xfer_commit(&txn);
	for (uint32_t i = 0; i < n; i++)
		if (!txn.moved[i])
			kobj_handle_get(txn.ref[i].obj, txn.ref[i].iface); /* the child's copies */
	child->handle = h; /* the child's own reference, from proc_handle_new */
	c->has_ret = true;
	struct capnp_builder b;
	if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
	    capos_process_spawner_spawn_results_init_root(&b, &root) == CAPNP_OK &&
	    capos_process_spawner_spawn_results_set_handle(&b, &root, 0) == CAPNP_OK)
		c->result_len = b.used;
	proc_start(child);
	return CAPOS_OK;
}

static const struct kobj_ops spawner_ops = {.name = "ProcessSpawner",
					    .takes_caps = true,
					    .decode = spawner_decode,
					    .invoke = spawner_invoke};
struct kobj kobj_spawner = {.ops = &spawner_ops, .refs = 1};

static bool handle_ended(void *arg)
{
	return __atomic_load_n(&((struct proc_handle *)arg)->ended, __ATOMIC_ACQUIRE);
}

/* ProcessHandle.notify: the Event beside the call, once; signalled now if the
 * process has ended already (the end's own signal may have come before). */
static enum capos_status handle_notify(struct proc_handle *h, struct kcall *c)
{
	struct cap_ref ref;
	if (cap_lookup(&c->caller->caps, c->xfer[0], &ref) != CAP_OK || ref.type != KOBJ_SLOT_TAG ||
	    ref.iface != CAPOS_IFACE_EVENT || !kobj_is_event(ref.obj))
		return CAPOS_E_BAD_PARAMS;
	struct kobj *ev = ref.obj, *none = NULL;
	kobj_get(ev);
	if (!__atomic_compare_exchange_n(&h->event, &none, ev, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		kobj_put(ev);
		return CAPOS_E_INVOKE; /* one Event per handle */
	}
	if (__atomic_load_n(&h->ended, __ATOMIC_SEQ_CST))
		event_signal_kobj(ev);
	c->result_len = 0;
	return CAPOS_OK;
}

static enum capos_status handle_decode(struct kobj *o, const struct kcall *c)
{
	(void)o;
	struct capnp_struct r;
	uint32_t idx;
	if (c->iface != CAPOS_IFACE_PROCESS_HANDLE || c->method > CAPOS_PROCESS_HANDLE_STATUS)
		return CAPOS_E_INVOKE;
	if (c->method != CAPOS_PROCESS_HANDLE_NOTIFY)
		return c->nxfer == 0 ? CAPOS_OK : CAPOS_E_INVOKE;
	return c->nxfer == 1 && capnp_get_root(c->params, c->params_len, &r) == CAPNP_OK &&
		       capos_process_handle_notify_params_get_event(c->params, c->params_len, &r,
								    &idx) == CAPNP_OK &&
		       idx == 0
		   ? CAPOS_OK
		   : CAPOS_E_BAD_PARAMS;
}

static enum capos_status handle_invoke(struct kobj *o, struct kcall *c)
{
	struct proc_handle *h = (struct proc_handle *)o;
	struct capnp_builder b;
	struct capnp_struct root;
	if (c->method == CAPOS_PROCESS_HANDLE_KILL) {
		/* Killing what has ended already is not an error: the result is the same. */
		proc_kill(h->pid);
		if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
		    capos_process_handle_kill_results_init_root(&b, &root) == CAPNP_OK)
			c->result_len = b.used;
		return CAPOS_OK;
	}
	if (c->method == CAPOS_PROCESS_HANDLE_NOTIFY)
		return handle_notify(h, c);
	if (c->method == CAPOS_PROCESS_HANDLE_STATUS) {
		bool ended = handle_ended(h);
		if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
		    capos_process_handle_status_results_init_root(&b, &root) != CAPNP_OK ||
		    capos_process_handle_status_results_set_ended(&b, &root, ended) != CAPNP_OK ||
		    capos_process_handle_status_results_set_reason(
			&b, &root, ended ? (uint16_t)h->reason : 0) != CAPNP_OK ||
		    capos_process_handle_status_results_set_status(
			&b, &root, ended ? h->status : 0) != CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
		c->result_len = b.used;
		return CAPOS_OK;
	}
	if (!handle_ended(h))
		proc_wait_on(&h->waiters, handle_ended, h);
	if (!handle_ended(h))
		return CAPOS_E_INVOKE; /* the waiter itself was killed */
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    capos_process_handle_wait_results_init_root(&b, &root) != CAPNP_OK ||
	    capos_process_handle_wait_results_set_reason(&b, &root, (uint16_t)h->reason) !=
		CAPNP_OK ||
	    capos_process_handle_wait_results_set_status(&b, &root, h->status) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	c->result_len = b.used;
	return CAPOS_OK;
}

/* service(index): manifest service index + 1 (0 is init) as a ServiceInfo. */
static enum capos_status service_info(struct kcall *c, const struct manifest *m, uint32_t index)
{
	struct manifest_service s;
	struct capnp_builder b;
	struct capnp_struct root, info, el;
	struct capnp_list caps;
	if (index >= UINT32_MAX - 1 || !manifest_service(m, index + 1, &s))
		return CAPOS_E_INVOKE;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK ||
	    capos_boot_manifest_service_results_init_root(&b, &root) != CAPNP_OK ||
	    capos_boot_manifest_service_results_init_service(&b, &root, &info) != CAPNP_OK ||
	    capos_service_info_set_name(&b, &info, s.name, strlen(s.name)) != CAPNP_OK ||
	    capos_service_info_set_binary(&b, &info, s.binary_name, strlen(s.binary_name)) !=
		CAPNP_OK ||
	    capos_service_info_init_caps(&b, &info, s.grant_count, &caps) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	for (uint32_t i = 0; i < s.grant_count; i++) {
		struct manifest_grant g;
		manifest_grant(m, index + 1, i, &g);
		if (capnp_list_struct(b.used, &caps, i, &el) != CAPNP_OK ||
		    capos_cap_info_set_name(&b, &el, g.name, strlen(g.name)) != CAPNP_OK ||
		    capos_cap_info_set_interface_id(&b, &el, g.iface) != CAPNP_OK ||
		    capos_cap_info_set_from(&b, &el, g.from_name, strlen(g.from_name)) != CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
	}
	c->result_len = b.used;
	return CAPOS_OK;
}

static enum capos_status bootmanifest_decode(struct kobj *o, const struct kcall *c)
{
	(void)o;
	if (c->iface != CAPOS_IFACE_BOOT_MANIFEST || boot_manifest_get() == NULL)
		return CAPOS_E_INVOKE;
	return CAPOS_OK; /* the parameters are read once, by the method itself */
}

static enum capos_status bootmanifest_invoke(struct kobj *o, struct kcall *c)
{
	const struct manifest *m = boot_manifest_get();
	struct capnp_builder b;
	struct capnp_struct root;
	uint32_t index;
	(void)o;
	if (capnp_builder_init(&b, c->result, c->result_cap) != CAPNP_OK)
		return CAPOS_E_BAD_RESULT;
	switch (c->method) {
	case CAPOS_BOOT_MANIFEST_SERVICE_COUNT:
		if (capos_boot_manifest_service_count_results_init_root(&b, &root) != CAPNP_OK ||
		    capos_boot_manifest_service_count_results_set_count(
			&b, &root, (uint32_t)m->service_count - 1) != CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
		c->result_len = b.used;
		return CAPOS_OK;
	case CAPOS_BOOT_MANIFEST_SERVICE:
		if (capnp_get_root(c->params, c->params_len, &root) != CAPNP_OK ||
		    capos_boot_manifest_service_params_get_index(c->params, c->params_len, &root,
								 &index) != CAPNP_OK)
			return CAPOS_E_BAD_PARAMS;
		return service_info(c, m, index);
	case CAPOS_BOOT_MANIFEST_INIT_CAP_NAME: {
		struct manifest_grant g;
		const char *name = "";
		if (capnp_get_root(c->params, c->params_len, &root) != CAPNP_OK ||
		    capos_boot_manifest_init_cap_name_params_get_index(c->params, c->params_len,
								       &root, &index) != CAPNP_OK)
			return CAPOS_E_BAD_PARAMS;
		if (manifest_grant(m, 0, index, &g))
			name = g.name;
		if (capos_boot_manifest_init_cap_name_results_init_root(&b, &root) != CAPNP_OK ||
		    capos_boot_manifest_init_cap_name_results_set_name(&b, &root, name,
								       strlen(name)) != CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
		c->result_len = b.used;
		return CAPOS_OK;
	}
	case CAPOS_BOOT_MANIFEST_SERVICE_RESTARTS: {
		struct manifest_service sv;
		uint32_t restarts = 0;
		if (capnp_get_root(c->params, c->params_len, &root) != CAPNP_OK ||
		    capos_boot_manifest_service_restarts_params_get_index(
			c->params, c->params_len, &root, &index) != CAPNP_OK)
			return CAPOS_E_BAD_PARAMS;
		if (index < UINT32_MAX - 1 && manifest_service(m, index + 1, &sv))
			restarts = sv.restarts;
		if (capos_boot_manifest_service_restarts_results_init_root(&b, &root) != CAPNP_OK ||
		    capos_boot_manifest_service_restarts_results_set_restarts(&b, &root,
									      restarts) != CAPNP_OK)
			return CAPOS_E_BAD_RESULT;
		c->result_len = b.used;
		return CAPOS_OK;
	}
	default:
		return CAPOS_E_INVOKE;
	}
}

static const struct kobj_ops bootmanifest_ops = {
    .name = "BootManifest", .decode = bootmanifest_decode, .invoke = bootmanifest_invoke};
struct kobj kobj_bootmanifest = {.ops = &bootmanifest_ops, .refs = 1};
