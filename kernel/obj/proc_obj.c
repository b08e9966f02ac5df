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

char kobj_spawner, kobj_bootmanifest; /* singletons: their addresses are their identity */

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

/* spawn(name, binary, caps): the child gets exactly the listed capabilities, in
 * list order, copied from the caller's table (commit or nothing); the caller
 * gets a ProcessHandle. */
static enum capos_status spawn(struct kcall *c)
{
	struct capnp_struct root, el;
	struct capnp_list caps;
	struct capos_handle handles[RING_MAX_XFER];
	char name[PROC_NAME_MAX], binary[PROC_NAME_MAX];
	if (capnp_get_root(c->params, c->params_len, &root) != CAPNP_OK ||
	    !text_field(c, &root, CAPOS_PROCESS_SPAWNER_SPAWN_PARAMS_NAME_PTR, name,
			sizeof(name)) ||
	    !text_field(c, &root, CAPOS_PROCESS_SPAWNER_SPAWN_PARAMS_BINARY_PTR, binary,
			sizeof(binary)))
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
	struct proc_handle *h = kmalloc(sizeof(*h));
	if (h == NULL)
		return CAPOS_E_NO_RESOURCES;
	struct proc *child = proc_create(name, binary);
	if (child == NULL) {
		kfree(h);
		return CAPOS_E_INVOKE;
	}
	/* Prepare the transfer, then install the caller's ProcessHandle, and only
	 * then commit: a failure before the commit undoes everything, so nothing
	 * the caller moved is lost with an abandoned child. */
	struct cap_xfer_txn txn;
	enum cap_status cs =
	    n ? cap_xfer_prepare(&c->caller->caps, &child->caps, handles, n, c->move, &txn)
	      : CAP_OK;
	*h = (struct proc_handle){.refs = 2, .pid = child->pid}; /* child and caller */
	if (cs == CAP_OK && cap_install(&c->caller->caps, h, KOBJ_PROCHANDLE,
					CAPOS_IFACE_PROCESS_HANDLE, &c->ret) != CAP_OK) {
		if (n)
			cap_xfer_abort(&txn);
		cs = CAP_E_FULL;
	}
	if (cs != CAP_OK) {
		proc_abandon(child);
		kfree(h);
		return cap_status_to_capos(cs);
	}
	if (n)
		cap_xfer_commit(&txn);
	for (uint32_t i = 0; i < n && !c->move; i++)
		kobj_ref(txn.ref[i].obj, txn.ref[i].type); /* the child's copies */
	child->handle = h;
	c->has_ret = true;
	struct capnp_builder b;
	if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
	    capos_process_spawner_spawn_results_init_root(&b, &root) == CAPNP_OK &&
	    capos_process_spawner_spawn_results_set_handle(&b, &root, 0) == CAPNP_OK)
		c->result_len = b.used;
	proc_start(child);
	return CAPOS_OK;
}

enum capos_status spawner_invoke(struct kcall *c)
{
	if (c->iface != CAPOS_IFACE_PROCESS_SPAWNER || c->method != CAPOS_PROCESS_SPAWNER_SPAWN)
		return CAPOS_E_INVOKE;
	return spawn(c);
}

static bool handle_ended(void *arg)
{
	return __atomic_load_n(&((struct proc_handle *)arg)->ended, __ATOMIC_ACQUIRE);
}

enum capos_status handle_invoke(struct proc_handle *h, struct kcall *c)
{
	struct capnp_builder b;
	struct capnp_struct root;
	if (c->iface != CAPOS_IFACE_PROCESS_HANDLE)
		return CAPOS_E_INVOKE;
	if (c->method == CAPOS_PROCESS_HANDLE_KILL) {
		/* Killing what has ended already is not an error: the result is the same. */
		proc_kill(h->pid);
		if (capnp_builder_init(&b, c->result, c->result_cap) == CAPNP_OK &&
		    capos_process_handle_kill_results_init_root(&b, &root) == CAPNP_OK)
			c->result_len = b.used;
		return CAPOS_OK;
	}
	if (c->method != CAPOS_PROCESS_HANDLE_WAIT)
		return CAPOS_E_INVOKE;
	if (!handle_ended(h))
		proc_block_killable(handle_ended, h);
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

enum capos_status bootmanifest_invoke(struct kcall *c)
{
	const struct manifest *m = boot_manifest_get();
	struct capnp_builder b;
	struct capnp_struct root;
	uint32_t index;
	if (c->iface != CAPOS_IFACE_BOOT_MANIFEST || m == NULL)
		return CAPOS_E_INVOKE;
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
	default:
		return CAPOS_E_INVOKE;
	}
}
