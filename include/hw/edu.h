/* QEMU's educational PCI device "edu" (QEMU docs/specs/edu.rst): the kernel's
 * selftests and the interrupt benchmark drive it. Offsets into BAR0. */
#ifndef CAPOS_HW_EDU_H
#define CAPOS_HW_EDU_H

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

enum edu_reg {
	EDU_ID = 0x00,	       /* reads EDU_ID_VALUE */
	EDU_LIVENESS = 0x04,   /* reads back the bitwise inverse of what was written */
	EDU_IRQ_STATUS = 0x24, /* raised interrupt bits */
	EDU_IRQ_RAISE = 0x60,  /* write: sets bits and raises the interrupt (MSI when on) */
	EDU_IRQ_ACK = 0x64,    /* write: clears bits */
};

#define EDU_ID_VALUE 0x010000ed

#endif
