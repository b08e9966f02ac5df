/* devslot: the kernel objects of userspace device authority
 * (docs/device-authority.md): DeviceSlot (init's hold on one device of the boot
 * manifest), Device (one claim), and the sub-handles issued under a claim:
 * DeviceMmio, Interrupt, DMAPool. */
#ifndef CAPOS_DEV_DEVSLOT_H
#define CAPOS_DEV_DEVSLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/dev/devmgr.h"

struct kobj;

/* devslot_new: a DeviceSlot for the function seg:bus:dev.fn with the claim
 * budget limits[DEV_R_COUNT] (lib/dev/devmgr.h) and its DMA policy (allow
 * unconfined: true lets a claim go ahead without an IOMMU, as Linux VFIO's
 * noiommu mode; false, the default, refuses it). One reference, the caller's;
 * NULL (reason printed) when the function has no device record, already has a
 * slot, or memory ran out. */
struct kobj *devslot_new(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			 const uint64_t limits[DEV_R_COUNT], bool allow_unconfined);

#endif
