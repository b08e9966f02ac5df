/* aml_pci: finds the PCI host bridges an AML namespace declares (devices whose _HID or
 * _CID is PNP0A08, PCI Express, or PNP0A03, PCI) and what can be read about each without
 * running AML: _SEG, _BBN, the bus number range of _CRS, and the ECAM base of _CBA (PCI
 * Firmware 3.2 §4.1.5). It serves machines whose only description of the ECAM window is
 * the DSDT (QEMU microvm,pcie=on has no MCFG).
 *
 * This is a bounded structural walk, not an interpreter: it descends into Scope and
 * Device, reads Name objects and Methods whose whole body is Return (constant), skips the
 * other objects it knows by their length, and gives up on the rest of a scope at anything
 * else (reported; docs/acpi.md lists what is understood). Facts met in a later Scope
 * (\_SB.PCI0) { ... }, in the same table or a later one, are added to the host at that
 * path. The bytes are untrusted: nothing is read outside aml->body[0..len), nesting and
 * object counts are capped, and results never exceed the caller's array.
 */
#ifndef CAPOS_LIB_ACPI_AML_PCI_H
#define CAPOS_LIB_ACPI_AML_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/acpi/acpi.h"
#include "lib/acpi/aml.h"
#include "lib/acpi/status.h"

/* Hosts deeper than AML_PATH_SEGS (8) NameSegs are kept with an empty path. */
#define ACPI_PCI_HOST_PATH_LEN AML_PATH_STR_LEN

/* One host bridge. Each has_* says whether that object was found with a usable value. */
#define ACPI_PCI_HOST_MEM_MAX 4

struct acpi_pci_host {
	char path[ACPI_PCI_HOST_PATH_LEN]; /* "\_SB_.PCI0"; "" when too deep to name */
	bool pcie;			   /* PNP0A08 in _HID or _CID (else PNP0A03 only) */
	bool has_seg;
	bool has_bbn;
	bool has_bus_range; /* from a _CRS bus number descriptor */
	bool has_ecam;	    /* _CBA read */
	uint16_t segment;   /* _SEG's low 16 bits (the rest are reserved), else 0 */
	uint8_t base_bus;   /* _BBN, else 0 */
	uint8_t bus_start;  /* the _CRS range, else [base_bus, 0xff] */
	uint8_t bus_end;
	uint64_t ecam_base; /* _CBA: as an MCFG base, bus b at ecam_base + (b << 20) */
	struct aml_mem_window mem[ACPI_PCI_HOST_MEM_MAX]; /* _CRS memory windows */
	uint8_t nmem;
};

/* Results of one or more walks, in the caller's array. */
struct acpi_pci_host_list {
	struct acpi_pci_host *host;
	size_t max;
	size_t count;	 /* host[0..count) are filled */
	size_t overflow; /* further hosts found that did not fit */
	size_t cut;	 /* term lists given up early (opcode not understood, malformed, caps) */
};

/* acpi_pci_host_list_init: an empty list over buf[0..max). */
void acpi_pci_host_list_init(struct acpi_pci_host_list *list, struct acpi_pci_host *buf,
			     size_t max);

/* acpi_aml_find_pci_hosts: walks one definition block body and adds the host bridges it
 * declares to *list (merging into hosts already there with the same path). sig ("DSDT",
 * "SSDT": 4 characters, or NULL) names the table in reports, which go through hook_log, at most 4
 * per call. Returns ACPI_OK when every term list walked was understood to its end,
 * ACPI_ERR_CORRUPT when some was cut short (what was found is still in *list), and
 * ACPI_ERR_NOT_FOUND when aml is NULL. */
enum acpi_status acpi_aml_find_pci_hosts(const struct acpi_aml *aml, const char *sig,
					 struct acpi_pci_host_list *list);

/* acpi_find_pci_hosts: empties nothing; walks the DSDT and then every SSDT of t, in table
 * order, into *list (start from acpi_pci_host_list_init). Returns ACPI_OK, or the first
 * problem met: ACPI_ERR_NOT_FOUND (no DSDT; the SSDTs are still walked),
 * ACPI_ERR_UNMAPPED (a table was skipped, reported), or ACPI_ERR_CORRUPT. */
enum acpi_status acpi_find_pci_hosts(const struct acpi_tables *t, struct acpi_pci_host_list *list);

/* acpi_aml_mentions: whether the DSDT or any SSDT of t holds the 4 bytes of seg ("_CBA")
 * anywhere. AML spells every NameSeg out literally, so false means no object of that name
 * exists and a walk cannot find one. A table that cannot be mapped counts as mentioning it
 * (the walk then reports it). */
bool acpi_aml_mentions(const struct acpi_tables *t, const char *seg);

#endif
