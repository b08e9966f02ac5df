/* edu_dma: driving the DMA engine of QEMU's edu device (hw/edu.h), for the
 * kernel's selftests. */
#ifndef CAPOS_DEV_EDU_DMA_H
#define CAPOS_DEV_EDU_DMA_H

#include <stdbool.h>
#include <stdint.h>

/* edu_dma_start: one transfer of len bytes from src to dst (one of them edu's
 * own buffer, EDU_DMA_BUF), towards RAM when to_ram; regs is edu's BAR0. */
void edu_dma_start(volatile uint8_t *regs, uint64_t src, uint64_t dst, uint32_t len, bool to_ram);
/* edu_dma_wait: waits (at most 3 s) until the transfer is over, faulted or not;
 * false on the timeout. */
bool edu_dma_wait(volatile uint8_t *regs);

#endif
