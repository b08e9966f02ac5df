/* init: the one program the kernel starts for a manifest. It holds the
 * capabilities the manifest grants it (slot i is its grant i) and starts every
 * service of the manifest through ProcessSpawner with exactly the capabilities
 * named for it: a copy of one of its own, a client facet minted from its
 * Endpoint, or a Device claimed from its DeviceSlot (the kernel moves a Device
 * even in a copying spawn: it is never duplicated), then waits for them all.
 * Its BootManifest comes as its start handle; from it, init learns its other
 * capabilities' names and takes its Console and ProcessSpawner by the manifest
 * names "console" and "spawner". */
#include "lib/capos.h"
#include "lib/capshm.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"

#define MAX_CAPS     16
#define MAX_SERVICES 32

int main(struct capos_ring *ring, uint64_t start);

static struct capos_ring *R;
static struct capos_handle console;
static char cap_names[MAX_CAPS][24];
static unsigned ncaps;
static bool device_slot[MAX_CAPS]; /* a DeviceSlot init claimed from: kept */

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	return n;
}

static int same(const char *a, size_t an, const char *b)
{
	size_t bn = slen(b);
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static void say(const char *a, const char *b, const char *c)
{
	console_printf(R, console, "%s%s%s\n", a, b, c);
}

/* A CALL with params built in `msg` and copies of xfer beside it; the result
 * lands in `res`. */
static int32_t call(struct capos_handle target, uint16_t method, const void *msg, uint32_t len,
		    void *res, uint32_t rlen, const struct capos_handle *xfer, uint32_t nxfer,
		    struct capos_cqe *c)
{
	return capos_call_caps(R, target, method, msg, len, res, rlen, xfer, nxfer, false, c);
}

/* Learns the names of its own capabilities from the BootManifest. */
static int learn_caps(struct capos_handle manifest)
{
	for (ncaps = 0; ncaps < MAX_CAPS; ncaps++) {
		uint64_t msg[2], res[8];
		struct capnp_builder b;
		struct capnp_struct root;
		struct capos_cqe c;
		const char *name;
		size_t n;
		capnp_builder_init(&b, msg, sizeof(msg));
		capos_boot_manifest_init_cap_name_params_init_root(&b, &root);
		capos_boot_manifest_init_cap_name_params_set_index(&b, &root, ncaps);
		if (call(manifest, CAPOS_BOOT_MANIFEST_INIT_CAP_NAME, msg, b.used, res, sizeof(res),
			 0, 0, &c) != CAPOS_OK ||
		    capnp_get_root(res, c.result_len, &root) != CAPNP_OK ||
		    capos_boot_manifest_init_cap_name_results_get_name(res, c.result_len, &root,
								       &name, &n) != CAPNP_OK)
			return -1;
		if (n == 0)
			return 0;
		if (n >= sizeof(cap_names[0]))
			return -1;
		for (size_t i = 0; i < n; i++)
			cap_names[ncaps][i] = name[i];
		cap_names[ncaps][n] = '\0';
	}
	return 0;
}

static int find_cap(const char *name, size_t n)
{
	for (unsigned i = 0; i < ncaps; i++)
		if (same(name, n, cap_names[i]))
			return (int)i;
	return -1;
}

/* The handle init passes on for a grant of interface iface that comes from its
 * capability in slot: that capability itself (copied by the spawn), a client facet
 * minted from it (EndpointClient), or a Device claimed from it (Device). *made is
 * 1 for a handle made for this service alone: released after the spawn unless the
 * spawn moved it. Returns the status of the call that failed, else CAPOS_OK. */
static int32_t grant_handle(uint64_t iface, int slot, struct capos_handle *out, int *made)
{
	uint64_t m[1], r[4];
	struct capnp_builder b;
	struct capnp_struct root;
	struct capos_cqe c;
	uint16_t method;
	*out = (struct capos_handle){(uint32_t)slot, 1};
	*made = 0;
	capnp_builder_init(&b, m, sizeof(m));
	if (iface == CAPOS_IFACE_ENDPOINT_CLIENT) {
		/* The service may only CALL through a client facet. */
		capos_endpoint_new_client_params_init_root(&b, &root);
		method = CAPOS_ENDPOINT_NEW_CLIENT;
	} else if (iface == CAPOS_IFACE_DEVICE) {
		/* A new claim (owner epoch) on the device: the service's alone. */
		capos_device_slot_claim_params_init_root(&b, &root);
		method = CAPOS_DEVICE_SLOT_CLAIM;
		device_slot[slot] = true;
	} else {
		return CAPOS_OK;
	}
	int32_t st = call(*out, method, m, b.used, r, sizeof(r), 0, 0, &c);
	if (st != CAPOS_OK)
		return st;
	if (c.xfer_count != 1)
		return CAPOS_E_INVOKE;
	*out = capos_handle_of(c.aux);
	*made = 1;
	return CAPOS_OK;
}

/* BootManifest.serviceRestarts(index); 0 when the call fails. */
static uint32_t service_restarts(struct capos_handle manifest, uint32_t index)
{
	uint64_t msg[2], res[4];
	struct capnp_builder b;
	struct capnp_struct root;
	struct capos_cqe c;
	uint32_t n = 0;
	capnp_builder_init(&b, msg, sizeof(msg));
	capos_boot_manifest_service_restarts_params_init_root(&b, &root);
	capos_boot_manifest_service_restarts_params_set_index(&b, &root, index);
	if (call(manifest, CAPOS_BOOT_MANIFEST_SERVICE_RESTARTS, msg, b.used, res, sizeof(res), 0,
		 0, &c) != CAPOS_OK ||
	    capnp_get_root(res, c.result_len, &root) != CAPNP_OK ||
	    capos_boot_manifest_service_restarts_results_get_restarts(res, c.result_len, &root,
								      &n) != CAPNP_OK)
		return 0;
	return n;
}

/* Starts service index; returns its ProcessHandle, or slot UINT32_MAX. */
static struct capos_handle start_service(struct capos_handle manifest, struct capos_handle spawner,
					 uint32_t index, char *sname, uint32_t *used)
{
	static uint64_t res[128], msg[128];
	struct capos_handle none = {UINT32_MAX, 0};
	struct capnp_builder b;
	struct capnp_struct root, info, el, out_root, grant;
	struct capnp_list caps, grants;
	struct capos_cqe c;
	const char *name, *binary, *from;
	size_t nn, bn, fn;

	capnp_builder_init(&b, msg, sizeof(msg));
	capos_boot_manifest_service_params_init_root(&b, &root);
	capos_boot_manifest_service_params_set_index(&b, &root, index);
	if (call(manifest, CAPOS_BOOT_MANIFEST_SERVICE, msg, b.used, res, sizeof(res), 0, 0, &c) !=
		CAPOS_OK ||
	    capnp_get_root(res, c.result_len, &root) != CAPNP_OK ||
	    capos_boot_manifest_service_results_get_service(res, c.result_len, &root, &info) !=
		CAPNP_OK ||
	    capos_service_info_get_name(res, c.result_len, &info, &name, &nn) != CAPNP_OK ||
	    capos_service_info_get_binary(res, c.result_len, &info, &binary, &bn) != CAPNP_OK ||
	    capos_service_info_get_caps(res, c.result_len, &info, &caps) != CAPNP_OK ||
	    caps.count > 8 || nn >= 24)
		return none;
	for (size_t i = 0; i < nn; i++)
		sname[i] = name[i];
	sname[nn] = '\0';

	struct capos_handle xfer[8], handle = none;
	int made[8] = {0};
	uint64_t ifaces[8];
	uint32_t nmade = 0;
	int32_t st;
	capnp_builder_init(&b, msg, sizeof(msg));
	if (capos_process_spawner_spawn_params_init_root(&b, &out_root) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_set_name(&b, &out_root, name, nn) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_set_binary(&b, &out_root, binary, bn) != CAPNP_OK ||
	    capos_process_spawner_spawn_params_init_caps(&b, &out_root, caps.count, &grants) !=
		CAPNP_OK)
		return none;
	for (uint32_t i = 0; i < caps.count; i++) {
		const char *cn;
		size_t cnl;
		if (capnp_list_struct(c.result_len, &caps, i, &el) != CAPNP_OK ||
		    capos_cap_info_get_name(res, c.result_len, &el, &cn, &cnl) != CAPNP_OK ||
		    capos_cap_info_get_from(res, c.result_len, &el, &from, &fn) != CAPNP_OK)
			goto release_made;
		int slot = find_cap(from, fn);
		if (slot >= 0)
			*used |= 1u << slot;
		if (slot < 0 || capnp_list_struct(b.used, &grants, i, &grant) != CAPNP_OK ||
		    capnp_set_text(&b, &grant, CAPOS_CAP_GRANT_NAME_PTR, cn, cnl) != CAPNP_OK ||
		    capnp_set_cap(&b, &grant, CAPOS_CAP_GRANT_CAP_PTR, i) != CAPNP_OK ||
		    capos_cap_info_get_interface_id(res, c.result_len, &el, &ifaces[i]) != CAPNP_OK)
			goto release_made;
		st = grant_handle(ifaces[i], slot, &xfer[i], &made[i]);
		nmade = i + 1;
		if (st != CAPOS_OK) {
			console_printf(R, console, "init: service %s: %s '%s' failed, status %d\n",
				       sname,
				       ifaces[i] == CAPOS_IFACE_DEVICE ? "claiming device"
								       : "minting a client of",
				       cap_names[slot], (int)st);
			goto release_made;
		}
	}
	st = call(spawner, CAPOS_PROCESS_SPAWNER_SPAWN, msg, b.used, res, sizeof(res), xfer,
		  caps.count, &c);
	if (st != CAPOS_OK || c.xfer_count != 1)
		console_printf(R, console, "init: service %s: spawn failed, status %d\n", sname,
			       (int)st);
	else
		handle = capos_handle_of(c.aux);
release_made:
	/* The child holds its own copies; a Device it received was moved (a failed spawn
	 * moved nothing: releasing it ends the claim). */
	for (uint32_t i = 0; i < nmade; i++)
		if (made[i] && (handle.slot == UINT32_MAX || ifaces[i] != CAPOS_IFACE_DEVICE))
			capos_release(R, xfer[i]);
	return handle;
}

int main(struct capos_ring *ring, uint64_t start)
{
	static struct capos_handle handles[MAX_SERVICES];
	static char names[MAX_SERVICES][24];
	static uint32_t restarts[MAX_SERVICES], used[MAX_SERVICES];
	uint32_t keep = 0; /* init's slots a restartable service needs again */
	uint64_t msg[2], res[8];
	struct capnp_builder b;
	struct capnp_struct root;
	struct capos_cqe c;
	uint32_t count;
	R = ring;
	struct capos_handle manifest = capos_handle_of(start);
	if (start == 0 || learn_caps(manifest) != 0)
		return 1;
	int ci = find_cap("console", 7), si = find_cap("spawner", 7);
	if (ci < 0 || si < 0)
		return 1;
	console = (struct capos_handle){(uint32_t)ci, 1};
	struct capos_handle spawner = {(uint32_t)si, 1};

	capnp_builder_init(&b, msg, sizeof(msg));
	capos_boot_manifest_service_count_params_init_root(&b, &root);
	if (call(manifest, CAPOS_BOOT_MANIFEST_SERVICE_COUNT, msg, b.used, res, sizeof(res), 0, 0,
		 &c) != CAPOS_OK ||
	    capnp_get_root(res, c.result_len, &root) != CAPNP_OK ||
	    capos_boot_manifest_service_count_results_get_count(res, c.result_len, &root, &count) !=
		CAPNP_OK ||
	    count > MAX_SERVICES)
		return 2;
	int failures = 0;
	for (uint32_t i = 0; i < count; i++) {
		restarts[i] = service_restarts(manifest, i);
		handles[i] = start_service(manifest, spawner, i, names[i], &used[i]);
		if (restarts[i] != 0)
			keep |= used[i];
		if (handles[i].slot == UINT32_MAX) {
			say("init: could not start service ", names[i], "");
			failures++;
		} else {
			say("init: started ", names[i], "");
		}
	}
	/* Everything passed on is the services' now: init keeps only what it uses
	 * itself (an Endpoint it kept would keep every caller of it waiting on a
	 * server that may have gone), and the DeviceSlots it claimed devices from
	 * (never passed on: its hold on those devices, to revoke a claim). */
	for (unsigned k = 0; k < ncaps; k++)
		if ((int)k != ci && (int)k != si && k != manifest.slot && !device_slot[k] &&
		    !(keep & (1u << k)))
			capos_release(R, (struct capos_handle){k, 1});
	/* One Event for every child's end when init has a Memory to make it
	 * ("mem"), so a restartable service is restarted whenever it fails;
	 * without one, the children are waited for in manifest order. */
	struct capos_handle ev = {UINT32_MAX, 0};
	int mi = find_cap("mem", 3);
	if (mi >= 0 && mem_create_event(R, (struct capos_handle){(uint32_t)mi, 1}, &ev) != CAPOS_OK)
		ev.slot = UINT32_MAX;
	unsigned live = 0;
	for (uint32_t i = 0; i < count; i++)
		if (handles[i].slot != UINT32_MAX) {
			live++;
			if (ev.slot != UINT32_MAX && process_notify(R, handles[i], ev) != CAPOS_OK)
				failures++;
		}
	while (live > 0) {
		uint64_t k;
		if (ev.slot != UINT32_MAX && event_wait(R, ev, &k) != CAPOS_OK)
			break;
		for (uint32_t i = 0; i < count; i++) {
			char num[21];
			int64_t status = 0;
			uint16_t reason = 0;
			bool ended = false;
			if (handles[i].slot == UINT32_MAX)
				continue;
			if (ev.slot != UINT32_MAX) {
				if (process_status(R, handles[i], &ended, &reason, &status) !=
					CAPOS_OK ||
				    !ended)
					continue;
			} else if (process_wait(R, handles[i], &reason, &status) != CAPOS_OK) {
				failures++;
				handles[i].slot = UINT32_MAX;
				live--;
				continue;
			}
			fmt_u64(num, (uint64_t)(status < 0 ? -status : status));
			say("init: ", names[i],
			    reason == CAPOS_EXIT_REASON_FAULTED	 ? " faulted"
			    : reason == CAPOS_EXIT_REASON_KILLED ? " was killed"
								 : " exited");
			say("init: status ", status < 0 ? "-" : "", num);
			capos_release(R, handles[i]);
			handles[i].slot = UINT32_MAX;
			live--;
			bool failed = reason != CAPOS_EXIT_REASON_EXITED || status != 0;
			if (failed && restarts[i] != 0) {
				/* Supervision: the same capabilities again, a fresh claim
				 * of each device (the ended claim was torn down with the
				 * process). */
				restarts[i]--;
				handles[i] =
				    start_service(manifest, spawner, i, names[i], &used[i]);
				if (handles[i].slot != UINT32_MAX) {
					say("init: restarted ", names[i], "");
					live++;
					if (ev.slot != UINT32_MAX &&
					    process_notify(R, handles[i], ev) != CAPOS_OK)
						failures++;
					if (ev.slot == UINT32_MAX)
						i--; /* in order: wait for the new instance */
					continue;
				}
				say("init: could not restart ", names[i], "");
				failures++;
			}
		}
	}
	return failures;
}
