/* kobj: dispatch of invocations to the object types. */
#include "kobj.h"
#include "endpoint.h"

#include "mm/heap.h"

void kobj_ref(void *obj, uint16_t type)
{
	if (type == KOBJ_ENDPOINT || type == KOBJ_ENDPOINT_CLIENT)
		endpoint_ref(obj, type == KOBJ_ENDPOINT);
	if (type == KOBJ_PROCHANDLE)
		__atomic_add_fetch(&((struct proc_handle *)obj)->refs, 1, __ATOMIC_ACQ_REL);
}

void kobj_unref(void *obj, uint16_t type)
{
	if (type == KOBJ_ENDPOINT || type == KOBJ_ENDPOINT_CLIENT)
		endpoint_unref(obj, type == KOBJ_ENDPOINT);
	if (type == KOBJ_PROCHANDLE &&
	    __atomic_sub_fetch(&((struct proc_handle *)obj)->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(obj);
}

enum capos_status kobj_invoke(void *obj, uint16_t type, struct kcall *c)
{
	if (c->nxfer != 0 && type != KOBJ_SPAWNER && type != KOBJ_ENDPOINT_CLIENT)
		return CAPOS_E_INVOKE;
	switch (type) {
	case KOBJ_CONSOLE:
		return console_invoke(c);
	case KOBJ_TIMER:
		return timer_invoke(c);
	case KOBJ_SPAWNER:
		return spawner_invoke(c);
	case KOBJ_PROCHANDLE:
		return handle_invoke(obj, c);
	case KOBJ_BOOTMANIFEST:
		return bootmanifest_invoke(c);
	case KOBJ_ENDPOINT:
	case KOBJ_ENDPOINT_CLIENT:
		return endpoint_invoke(obj, c);
	default:
		return CAPOS_E_INVOKE;
	}
}
