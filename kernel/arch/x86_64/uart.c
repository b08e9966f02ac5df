/* uart: polled COM1 driver for the boot console. */
#include "uart.h"
#include "cpu.h"
#include "hw/uart16550.h"

#include <stdint.h>

/* At 115200 baud a byte takes ~87 us; this bound is far beyond that, so a wedged
 * or absent transmitter costs a bounded delay, never a hang. */
#define UART_TX_SPIN_LIMIT 100000

static bool uart_present;

static inline void reg_write(unsigned reg, uint8_t v)
{
	outb((uint16_t)(UART_COM1_BASE + reg), v);
}

static inline uint8_t reg_read(unsigned reg)
{
	return inb((uint16_t)(UART_COM1_BASE + reg));
}

bool uart_init(void)
{
	reg_write(UART_SCR, 0x5a);
	if (reg_read(UART_SCR) != 0x5a)
		return false;
	reg_write(UART_IER, 0);
	reg_write(UART_LCR, UART_LCR_DLAB);
	reg_write(UART_DLL, 1); /* 115200 / 1 */
	reg_write(UART_DLM, 0);
	reg_write(UART_LCR, UART_LCR_8N1);
	reg_write(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	reg_write(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	uart_present = true;
	return true;
}

void uart_putc(char c)
{
	if (!uart_present)
		return;
	for (int i = 0; i < UART_TX_SPIN_LIMIT; i++) {
		if (reg_read(UART_LSR) & UART_LSR_THRE)
			break;
		cpu_pause();
	}
	reg_write(UART_THR, (uint8_t)c);
}

int uart_getc(void)
{
	if (!uart_present || !(reg_read(UART_LSR) & UART_LSR_DR))
		return -1;
	return reg_read(UART_RBR);
}

void uart_rx_interrupts(bool on)
{
	if (uart_present)
		reg_write(UART_IER, on ? UART_IER_RDA : 0);
}
