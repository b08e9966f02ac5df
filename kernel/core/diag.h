/* diag: the COM1 diagnostics console. Commands describe the machine (memory,
 * ACPI, PCI, later interrupts, DMA and the IOMMU) in bounded, stable text. */
#ifndef CAPOS_CORE_DIAG_H
#define CAPOS_CORE_DIAG_H

#include <stdbool.h>
#include <stddef.h>

struct diag_cmd {
	const char *name;
	const char *help;
	void (*run)(void);
};

/* Commands of each subsystem, defined beside it. */
extern const struct diag_cmd diag_cmds_devices[];
extern const size_t diag_cmds_devices_count;
extern const struct diag_cmd diag_cmds_dma[];
extern const size_t diag_cmds_dma_count;
extern const struct diag_cmd diag_cmds_iommu[];
extern const size_t diag_cmds_iommu_count;
extern const struct diag_cmd diag_cmds_core[];
extern const size_t diag_cmds_core_count;
extern const struct diag_cmd diag_cmds_mm[];
extern const size_t diag_cmds_mm_count;
extern const struct diag_cmd diag_cmds_acpi[];
extern const size_t diag_cmds_acpi_count;
extern const struct diag_cmd diag_cmds_pci[];
extern const size_t diag_cmds_pci_count;
extern const struct diag_cmd diag_cmds_cpus[];
extern const size_t diag_cmds_cpus_count;
extern const struct diag_cmd diag_cmds_irq[];
extern const size_t diag_cmds_irq_count;

/* diag_validate: checks a `diag=` list names only known commands; prints what is
 * wrong and returns false otherwise. */
bool diag_validate(const char *list, size_t len);

/* diag_run_list: runs the commands of a `diag=` list in order. */
void diag_run_list(const char *list, size_t len);

/* diag_prompt: the interactive `capos> ` prompt on COM1; never returns. */
__attribute__((noreturn)) void diag_prompt(void);
/* diag_prompt_start / diag_prompt_poll: the same prompt while processes run
 * (the boot CPU's scheduler loop polls it): start prints the prompt once;
 * poll takes what COM1 has received, runs any complete command line, and
 * returns whether there was input. */
void diag_prompt_start(void);
bool diag_prompt_poll(void);

#endif
