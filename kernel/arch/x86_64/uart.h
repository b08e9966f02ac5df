/* uart: the COM1 16550 console device. */
#ifndef CAPOS_ARCH_UART_H
#define CAPOS_ARCH_UART_H

#include <stdbool.h>

/* uart_init: 115200 8N1, FIFOs on, interrupts off. Returns false when no UART
 * answers (scratch register does not hold a value); output is then dropped. */
bool uart_init(void);
/* uart_putc: writes one byte, waiting a bounded time for the transmitter. */
void uart_putc(char c);
/* uart_getc: a received byte, or -1 when none is waiting. */
int uart_getc(void);

/* uart_rx_interrupts: the "data ready" interrupt on or off (IER bit 0). */
void uart_rx_interrupts(bool on);

#endif
