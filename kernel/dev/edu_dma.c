/* edu_dma: edu's DMA registers (QEMU docs/specs/edu.rst): 64-bit accesses. */
#include "edu_dma.h"
#include "arch/x86_64/clock.h"
#include "hw/edu.h"

#define EDU_DMA_WAIT_NS 3000000000ull /* edu runs a transfer 100 ms (virtual) later */

void edu_dma_start(volatile uint8_t *regs, uint64_t src, uint64_t dst, uint32_t len, bool to_ram)
{
	*(volatile uint64_t *)(regs + EDU_DMA_SRC) = src;
	*(volatile uint64_t *)(regs + EDU_DMA_DST) = dst;
	*(volatile uint64_t *)(regs + EDU_DMA_COUNT) = len;
	*(volatile uint64_t *)(regs + EDU_DMA_CMD) =
	    EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0);
}

bool edu_dma_wait(volatile uint8_t *regs)
{
	uint64_t end = clock_ns() + EDU_DMA_WAIT_NS;
	while (*(volatile uint64_t *)(regs + EDU_DMA_CMD) & EDU_DMA_CMD_START)
		if (clock_ns() > end)
			return false;
	return true;
}
