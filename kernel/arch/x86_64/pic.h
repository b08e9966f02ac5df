/* pic: the legacy 8259 pair: remapped away from the exception vectors and fully
 * masked; capOS routes everything through the I/O APICs. */
#ifndef CAPOS_ARCH_PIC_H
#define CAPOS_ARCH_PIC_H

#define PIC_VECTOR_BASE 0x20 /* IRQ 0-15 -> 0x20-0x2f, should a spurious one come */

/* pic_disable: remaps (ICW1-ICW4) and masks every line (OCW1). */
void pic_disable(void);

#endif
