/* HPET registers (IA-PC HPET 1.0a §2.3). Registers are an enum of offsets into the
 * 1 KiB MMIO block; fields follow their register. */
#ifndef CAPOS_HW_HPET_H
#define CAPOS_HW_HPET_H

#define HPET_MMIO_LEN 1024

enum hpet_reg {
	HPET_CAP = 0x000,     /* general capabilities and ID, 64 bits */
	HPET_CONFIG = 0x010,  /* general configuration */
	HPET_COUNTER = 0x0f0, /* main counter value; its low 32 bits read alone */
};

#define HPET_CAP_PERIOD_SHIFT 32	 /* COUNTER_CLK_PERIOD: femtoseconds per tick */
#define HPET_PERIOD_MAX_FS    100000000u /* §2.3.4: at most 100 ns */
#define HPET_PERIOD_MIN_FS    1000000u	 /* 1 ns: no HPET runs faster than 1 GHz */
#define HPET_FS_PER_S	      1000000000000000ull

#define HPET_CONFIG_ENABLE (1u << 0) /* ENABLE_CNF: the main counter runs */

#endif
