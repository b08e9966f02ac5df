/* kobj: dispatch of invocations to the object types. */
#include "kobj.h"

enum capos_status kobj_invoke(void *obj, uint16_t type, struct kcall *c)
{
	(void)obj;
	switch (type) {
	case KOBJ_CONSOLE:
		return console_invoke(c);
	case KOBJ_TIMER:
		return timer_invoke(c);
	default:
		return CAPOS_E_INVOKE;
	}
}
