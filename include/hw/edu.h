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
	EDU_DMA_SRC = 0x80,    /* 64-bit: DMA source address */
	EDU_DMA_DST = 0x88,    /* 64-bit: DMA destination address */
	EDU_DMA_COUNT = 0x90,  /* 64-bit: bytes */
	EDU_DMA_CMD = 0x98,    /* EDU_DMA_CMD_* */
};

#define EDU_DMA_CMD_START  0x1u	    /* set to start; reads 1 until the transfer is done */
#define EDU_DMA_CMD_TO_RAM 0x2u	    /* direction: edu's buffer to RAM (clear: RAM to edu) */
#define EDU_DMA_CMD_IRQ	   0x4u	    /* raise interrupt 0x100 when done */
#define EDU_DMA_BUF	   0x40000u /* edu's own 4 KiB buffer, as a DMA address */
#define EDU_DMA_BUF_SIZE   0x1000u
#define EDU_DMA_MASK_BITS  28 /* edu drops address bits above these unless dma_mask says */

#define EDU_ID_VALUE 0x010000ed

#endif
