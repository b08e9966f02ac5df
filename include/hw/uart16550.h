/* 16550 UART registers (National Semiconductor PC16550D data sheet, table II).
 * Offsets from the port base; masks under their register. */
#ifndef CAPOS_HW_UART16550_H
#define CAPOS_HW_UART16550_H

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4

#define UART_RBR	  0 /* receive buffer (read, DLAB=0) */
#define UART_THR	  0 /* transmit holding (write, DLAB=0) */
#define UART_DLL	  0 /* divisor latch low (DLAB=1) */
#define UART_IER	  1 /* interrupt enable (DLAB=0) */
#define UART_IER_RDA	  0x01
#define UART_IER_THRE	  0x02
#define UART_DLM	  1 /* divisor latch high (DLAB=1) */
#define UART_IIR	  2 /* interrupt identification (read) */
#define UART_FCR	  2 /* FIFO control (write) */
#define UART_FCR_ENABLE	  0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_LCR	  3 /* line control */
#define UART_LCR_8N1	  0x03
#define UART_LCR_DLAB	  0x80
#define UART_MCR	  4 /* modem control */
#define UART_MCR_DTR	  0x01
#define UART_MCR_RTS	  0x02
#define UART_MCR_OUT2	  0x08
#define UART_MCR_LOOP	  0x10
#define UART_LSR	  5 /* line status */
#define UART_LSR_DR	  0x01
#define UART_LSR_THRE	  0x20
#define UART_SCR	  7 /* scratch */

#define UART_BASE_CLOCK 115200

#endif
