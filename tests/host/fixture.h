/* fixture: loads the linux-ground capture format (tests/fixtures/linux-ground/README.md)
 * into memory for host tests: PCI config spaces and raw ACPI tables. */
#ifndef CAPOS_TEST_FIXTURE_H
#define CAPOS_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#define FIXTURE_MAX_PCI	 64
#define FIXTURE_MAX_ACPI 32

struct fixture_pci {
	uint16_t seg;
	uint8_t bus, dev, fn;
	uint8_t cfg[4096];
	size_t cfg_len; /* 256 or 4096 */
};

struct fixture_acpi {
	char sig[5];
	uint8_t *bytes; /* malloc'd */
	size_t len;
};

struct fixture {
	struct fixture_pci pci[FIXTURE_MAX_PCI];
	size_t npci;
	struct fixture_acpi acpi[FIXTURE_MAX_ACPI];
	size_t nacpi;
	int cpus;
};

/* fixture_path: "tests/fixtures/linux-ground/<name>", resolved from the source tree
 * (CAPOS_SRCDIR if set, else the current directory). Returns a static buffer. */
const char *fixture_path(const char *name);

/* fixture_load: parses a .txt capture; returns a heap object or NULL (and prints why). */
struct fixture *fixture_load(const char *name);
void fixture_free(struct fixture *f);

/* fixture_acpi_find: the first table with signature sig, or NULL. */
const struct fixture_acpi *fixture_acpi_find(const struct fixture *f, const char *sig);

/* fixture_read_lines: reads a text file (e.g. a .canon) into a malloc'd array of
 * malloc'd lines without newlines; *n receives the count. NULL on error. */
char **fixture_read_lines(const char *name, size_t *n);
void fixture_free_lines(char **lines, size_t n);

#endif
