/* boot: what the kernel was booted with, for the rest of the kernel. */
#ifndef CAPOS_CORE_BOOT_H
#define CAPOS_CORE_BOOT_H

#include "lib/bootinfo.h"

/* boot_info_get: the checked boot information (valid after early boot). */
const struct boot_info *boot_info_get(void);

#endif
