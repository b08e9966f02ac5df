/* devctl: what the teardown does to a PCI function's hardware: bus mastering,
 * its interrupt messages, and its reset (FLR, or the PM D3hot->D0 cycle), each
 * bounded and reporting what it did. */
#ifndef CAPOS_DEV_DEVCTL_H
#define CAPOS_DEV_DEVCTL_H

#include <stdbool.h>

#include "lib/pci/pci_fn.h"

enum devctl_reset { DEVCTL_RESET_NONE, DEVCTL_RESET_FLR, DEVCTL_RESET_PM };

/* devctl_busmaster_off: clears Bus Master Enable and reads it back (the read's
 * completion follows the function's earlier posted writes): false when it
 * still reads set or the function does not answer. */
bool devctl_busmaster_off(const struct pci_fn *f);
/* devctl_busmaster_on: sets Bus Master Enable and memory decoding. */
void devctl_busmaster_on(const struct pci_fn *f);
/* devctl_irq_mask: MSI disabled, masked and its message zeroed; MSI-X function
 * masked, every table entry masked with address and data zeroed; INTx disabled.
 * false when a read back disagrees or the MSI-X table cannot be reached. */
bool devctl_irq_mask(const struct pci_fn *f);
/* devctl_reset_method: how f can be reset. */
enum devctl_reset devctl_reset_method(const struct pci_fn *f);
const char *devctl_reset_name(enum devctl_reset r);
/* devctl_reset: resets f by its method, with the specification's waits, and
 * restores the BARs and interrupt line (bus mastering stays off); false when
 * it does not come back. */
bool devctl_reset(const struct pci_fn *f);

#endif
