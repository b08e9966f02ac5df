/* devmgr_internal: what devmgr.c and teardown.c share, not for the kernel. */
#ifndef CAPOS_LIB_DEV_DEVMGR_INTERNAL_H
#define CAPOS_LIB_DEV_DEVMGR_INTERNAL_H

#include "lib/dev/devmgr.h"

/* dev_slot_vacate: a LIVE slot gives its charges back and becomes FREE at the next
 * generation, or RETIRED at UINT32_MAX. */
void dev_slot_vacate(struct dev_record *rec, struct dev_slot *s);

#endif
