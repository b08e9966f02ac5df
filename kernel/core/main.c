/* main: kmain, the order of boot. */
#include "boot.h"
#include "console.h"
#include "diag.h"
#include "selftest.h"
#include "stop.h"
#include "arch/x86_64/clock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeat.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/smp_call.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tlb.h"
#include "dev/acpi.h"
#include "dev/devmgr_k.h"
#include "dev/pci.h"
#include "obj/kobj.h"
#include "iommu/vtd.h"
#include "irq/irq.h"
#include "proc/boot_manifest.h"
#include "proc/proc.h"
#include "lib/bootinfo.h"
#include "lib/cmdline.h"
#include "lib/str.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "mm/layout.h"

#include <stdint.h>

static struct boot_info boot_info;

const struct boot_info *boot_info_get(void)
{
	return &boot_info;
}

/* Boot memory below 4 GiB is reachable through the boot tables' direct map. */
static const void *boot_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys >= BOOT_DIRECT_MAP_LIMIT || len > BOOT_DIRECT_MAP_LIMIT - phys)
		return NULL;
	return phys_to_virt(phys);
}

static const char *const known_keys[] = {"poweroff", "selftest", "diag", "manifest", "run"};

/* `run=a,b`: starts the bundled programs a and b (no capabilities yet) and runs
 * them to completion. */
static void run_programs(const char *list, size_t len, bool init)
{
	const char *cur = list, *item;
	size_t n;
	uint64_t f0, u0, r0, t0, f1, u1, r1, t1, hb0, hp0, hb1, hp1;
	frames_stats(&f0, &u0, &r0, &t0);
	heap_stats(&hb0, &hp0);
	if (init && !boot_manifest_start_init())
		kprintf("capos: init did not start\n");
	while (list != NULL && cmdline_list_next(&cur, list + len, &item, &n)) {
		char name[PROC_NAME_MAX];
		if (n == 0 || n >= sizeof(name)) {
			kprintf("run: bad program name\n");
			continue;
		}
		memcpy(name, item, n);
		name[n] = '\0';
		proc_spawn(name, name);
	}
	sched_run();
	devmgr_summary();
	kprintf("shm: %llu pages of shared memory in use\n",
		(unsigned long long)shm_pages_in_use());
	frames_stats(&f1, &u1, &r1, &t1);
	heap_stats(&hb1, &hp1);
	/* Heap pages stay with the heap once carved (kfree keeps them for reuse):
	 * count frames outside the heap, and heap bytes still handed out. */
	uint64_t own0 = u0 - hp0, own1 = u1 - hp1;
	kprintf("run: all processes ended; frames in use %llu (%llu before), heap bytes %llu "
		"(%llu before)%s\n",
		(unsigned long long)own1, (unsigned long long)own0, (unsigned long long)hb1,
		(unsigned long long)hb0, own1 == own0 && hb1 == hb0 ? ", back to baseline" : "");
}

static void prompt_hook(void)
{
	diag_prompt_poll();
}

/* Checks every word of the command line; returns false when a value is bad. */
static bool check_cmdline(const char *cmdline)
{
	const char *cur = cmdline, *w;
	size_t len;
	bool ok = true;

	while (cmdline_next(&cur, &w, &len)) {
		size_t klen = 0;
		while (klen < len && w[klen] != '=')
			klen++;
		bool known = false;
		for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
			known = known || cmdline_word_eq(w, klen, known_keys[i]);
		if (!known)
			kprintf("cmdline: unknown key '%.*s%s', ignored\n",
				(int)(klen > 40 ? 40 : klen), w, klen > 40 ? "..." : "");
	}
	const char *val;
	size_t vlen;
	if (cmdline_find(cmdline, "selftest", &val, &vlen))
		ok = selftest_validate(val ? val : "", vlen) && ok;
	if (cmdline_find(cmdline, "diag", &val, &vlen))
		ok = diag_validate(val ? val : "", vlen) && ok;
	return ok;
}

static void print_memmap(const struct boot_info *bi)
{
	for (size_t i = 0; i < bi->nmem; i++)
		kprintf("mem: 0x%016llx-0x%016llx %s\n", (unsigned long long)bi->mem[i].base,
			(unsigned long long)(bi->mem[i].base + bi->mem[i].len - 1),
			memmap_type_name(bi->mem[i].type));
}

__attribute__((noreturn)) void kmain(uint32_t magic, uint64_t info_phys);

void kmain(uint32_t magic, uint64_t info_phys)
{
	static char err[160];

	console_init();
	gdt_init_cpu(0);
	percpu_install(0);
	cpufeat_init_cpu();
	idt_init();
	kprintf("\ncapOS x86_64\n");

	enum boot_status st =
	    bootinfo_parse(magic, info_phys, boot_map, NULL, &boot_info, err, sizeof(err));
	/* Even a bad boot honours `poweroff` (from what could be read) so tests end. */
	stop_set_poweroff(cmdline_find(boot_info.cmdline, "poweroff", NULL, NULL));
	if (st != BOOT_OK) {
		kprintf("capos: bad boot input: %s\n", err);
		kernel_stop(STOP_BAD_BOOT);
	}
	kprintf("boot: protocol=%s memmap=%s cmdline=\"%s\"\n",
		boot_info.proto == BOOT_PROTO_PVH ? "pvh" : "multiboot2", boot_info.memmap_source,
		boot_info.cmdline);
	print_memmap(&boot_info);
	if (!check_cmdline(boot_info.cmdline)) {
		kprintf("capos: bad boot input: command line\n");
		kernel_stop(STOP_BAD_BOOT);
	}

	if (!frames_init(&boot_info) || !paging_init(&boot_info))
		kernel_stop(STOP_BAD_BOOT);
	uint64_t ffree, fused, fres, ftotal;
	frames_stats(&ffree, &fused, &fres, &ftotal);
	kprintf("mm: frames total=%llu free=%llu used=%llu reserved=%llu (%llu KiB free)\n",
		(unsigned long long)ftotal, (unsigned long long)ffree, (unsigned long long)fused,
		(unsigned long long)fres, (unsigned long long)(ffree * 4));

	acpi_init();
	clock_init(); /* the TSC is calibrated over the boot work that follows */
	pic_disable();
	if (lapic_init_bsp()) {
		smp_call_init();
		tlb_init();
		tlb_note_cr3(read_cr3());
		sched_init();
		kprintf("smp: %u cpus online\n", smp_start());
	}
	irq_init();
	pci_init();
	vtd_init();
	devmgr_init();
	proc_init();

	uint64_t us = clock_ns() / 1000;
	kprintf("capos: boot ok ms=%llu.%03llu\n", (unsigned long long)(us / 1000),
		(unsigned long long)(us % 1000));

	const char *val;
	size_t vlen;
	if (cmdline_find(boot_info.cmdline, "diag", &val, &vlen))
		diag_run_list(val, vlen);
	unsigned failed = 0;
	if (cmdline_find(boot_info.cmdline, "selftest", &val, &vlen))
		failed = selftest_run(val, vlen);
	/* The manifest is checked before any user code runs; a bad one stops the
	 * boot with nothing started. Without `manifest=` the system is the bundled
	 * manifest "default", unless `run=` asks for programs instead (a test path)
	 * or the boot ran selftests; `manifest=none` starts no user code at all. */
	const char *run = NULL;
	size_t runlen = 0;
	bool have_run = cmdline_find(boot_info.cmdline, "run", &run, &runlen);
	bool init = true;
	if (!cmdline_find(boot_info.cmdline, "manifest", &val, &vlen)) {
		val = "default", vlen = 7;
		init = !have_run && !cmdline_find(boot_info.cmdline, "selftest", NULL, NULL);
	} else if (val != NULL && vlen == 4 && memcmp(val, "none", 4) == 0) {
		init = false;
	}
	if (init && !boot_manifest_check(val ? val : "", val ? vlen : 0)) {
		kprintf("capos: bad boot input: manifest\n");
		kernel_stop(STOP_BAD_BOOT);
	}
	bool poweroff = cmdline_find(boot_info.cmdline, "poweroff", NULL, NULL);
	if (!poweroff) {
		/* Interactive: the prompt answers while the programs run. */
		diag_prompt_start();
		sched_set_boot_cpu_hook(prompt_hook);
	}
	if (init || have_run)
		run_programs(have_run ? run : NULL, runlen, init);
	if (poweroff)
		kernel_stop(failed ? STOP_SELFTEST_FAIL : STOP_OK);
	diag_prompt();
}
