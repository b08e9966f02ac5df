/* kobj: references, handles and invocation of kernel objects. */
#include "kobj.h"
#include "lib/cap/captable.h"

void kobj_init(struct kobj *o, const struct kobj_ops *ops)
{
	o->ops = ops;
	o->refs = 1;
	o->handles = 0;
}

void kobj_get(struct kobj *o)
{
	__atomic_add_fetch(&o->refs, 1, __ATOMIC_ACQ_REL);
}

void kobj_put(struct kobj *o)
{
	if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) == 0 && o->ops->destroy != NULL)
		o->ops->destroy(o);
}

void kobj_handle_get(struct kobj *o, uint64_t iface)
{
	kobj_get(o);
	__atomic_add_fetch(&o->handles, 1, __ATOMIC_ACQ_REL);
	if (o->ops->on_handle != NULL)
		o->ops->on_handle(o, iface, 1);
}

void kobj_handle_put(struct kobj *o, uint64_t iface)
{
	if (o->ops->on_handle != NULL)
		o->ops->on_handle(o, iface, -1);
	if (__atomic_sub_fetch(&o->handles, 1, __ATOMIC_ACQ_REL) == 0 &&
	    o->ops->on_zero_handles != NULL)
		o->ops->on_zero_handles(o);
	kobj_put(o);
}

enum capos_status kobj_invoke(struct kobj *o, struct kcall *c)
{
	if (c->nxfer != 0 && !o->ops->takes_caps)
		return CAPOS_E_INVOKE;
	enum capos_status st = o->ops->decode(o, c);
	if (st != CAPOS_OK)
		return st;
	/* The caller's slot may go while the call runs (a moved or released
	 * handle, the last one among them): this reference keeps o alive. */
	kobj_get(o);
	st = o->ops->invoke(o, c);
	kobj_put(o);
	return st;
}

bool kobj_move_only(const struct cap_ref *ref)
{
	return ref->type == KOBJ_SLOT_TAG && ((struct kobj *)ref->obj)->ops->move_only;
}

bool kobj_xfer_refused(const struct cap_xfer_txn *txn)
{
	for (uint32_t i = 0; i < txn->n; i++)
		if (txn->ref[i].type == KOBJ_SLOT_TAG &&
		    ((struct kobj *)txn->ref[i].obj)->ops->no_xfer)
			return true;
	return false;
}
