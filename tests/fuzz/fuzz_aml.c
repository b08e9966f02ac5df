/* fuzz_aml: libFuzzer target for the AML namespace reader (lib/acpi/aml.c, aml_pci.c).
 * The input is an AML body, walked as a revision 1 (32-bit integers) and a revision 2
 * table from an exact-size heap copy, and also read as a resource template.
 *
 * Build: clang -std=gnu11 -DCAPOS_HOST -I. -Iinclude -g -O1
 *   -fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_aml.c lib/acpi/[*].c lib/fmt.c
 *   tests/host/hooks_host.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/acpi/aml.h"
#include "lib/acpi/aml_pci.h"

#define HOSTS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_pci_host hosts[HOSTS];
	struct acpi_pci_host_list list;
	uint8_t *copy = malloc(size == 0 ? 1 : size);
	uint8_t start, end;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	for (uint8_t rev = 1; rev <= 2; rev++) {
		struct acpi_aml aml = {.body = copy, .len = size, .revision = rev};
		acpi_pci_host_list_init(&list, hosts, 1 + size % HOSTS);
		acpi_aml_find_pci_hosts(&aml, "DSDT", &list);
		if (list.count > list.max)
			abort();
		for (size_t i = 0; i < list.count; i++)
			if (memchr(hosts[i].path, '\0', sizeof(hosts[i].path)) == NULL ||
			    hosts[i].bus_start > hosts[i].bus_end)
				abort();
	}
	aml_res_bus_range(copy, size, &start, &end);
	free(copy);
	return 0;
}
