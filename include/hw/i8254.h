/* Intel 8254 programmable interval timer (8254 data sheet). Port numbers, and the
 * control word fields of port 0x43. */
#ifndef CAPOS_HW_I8254_H
#define CAPOS_HW_I8254_H

#define PIT_CH0	    0x40
#define PIT_CONTROL 0x43
#define PIT_HZ	    1193182u

#define PIT_SEL_CH0   (0u << 6)
#define PIT_RW_LATCH  (0u << 4)
#define PIT_RW_LOHI   (3u << 4)
#define PIT_MODE_RATE (2u << 1)
#define PIT_BINARY    0u

#endif
