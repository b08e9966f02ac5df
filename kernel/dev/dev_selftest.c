/* dev_selftest: proofs of discovery and BAR mapping on the running machine. */
#include "acpi.h"
#include "pci.h"
#include "core/selftest.h"
#include "hw/edu.h"
#include "mm/mmio.h"

static const char *test_pci_bar(void)
{
	const struct pci_fn *f = pci_find_id(EDU_VENDOR, EDU_DEVICE);
	void *va;

	if (f == NULL)
		return SELFTEST_SKIP "no edu device";
	const struct pci_bar *b = pci_fn_bar_by_index(f, 0);
	if (b == NULL || b->size < 0x100)
		return "edu BAR0 missing or too small";
	uint64_t before = pci_mapped_bytes(f), mmio_before = mmio_mapped_bytes();
	if (pci_bar_map(f, 0, 0, 0x1000, &va) != PCI_MAP_OK)
		return "mapping edu BAR0 failed";
	if (pci_mapped_bytes(f) != before + 0x1000 || mmio_mapped_bytes() != mmio_before + 0x1000)
		return "mapped bytes not charged";
	volatile uint32_t *regs = va;
	uint32_t id = regs[EDU_ID / 4];
	regs[EDU_LIVENESS / 4] = 0x12345678;
	uint32_t inv = regs[EDU_LIVENESS / 4];
	pci_bar_unmap(f, va, 0x1000);
	if (id != EDU_ID_VALUE)
		return "edu identification register reads wrong through the mapping";
	if (inv != ~0x12345678u)
		return "edu liveness register did not answer";
	if (pci_mapped_bytes(f) != before)
		return "mapped bytes not released";
	if (pci_bar_map(f, 0, b->size, 1, &va) != PCI_MAP_BOUNDS ||
	    pci_bar_map(f, 0, b->size - 0x1000, 0x2000, &va) != PCI_MAP_BOUNDS ||
	    pci_bar_map(f, 0, 0, 0, &va) != PCI_MAP_BOUNDS ||
	    pci_bar_map(f, 0, 0x1000, UINT64_MAX, &va) != PCI_MAP_BOUNDS)
		return "out-of-bounds window accepted";
	if (pci_bar_map(f, 5, 0, 0x1000, &va) != PCI_MAP_NO_BAR)
		return "absent BAR accepted";
	if (mmio_mapped_bytes() != mmio_before)
		return "a refused mapping changed the MMIO ledger";
	return NULL;
}

const struct selftest selftests_dev[] = {
    {"pci-bar", test_pci_bar},
};
const size_t selftests_dev_count = sizeof(selftests_dev) / sizeof(selftests_dev[0]);
