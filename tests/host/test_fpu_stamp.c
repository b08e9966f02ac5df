/* test_fpu_stamp: a CPU skips reloading a process's FPU registers only when
 * they still hold its latest state (lib/sched/fpu_stamp), whatever the
 * schedule: random switches over CPUs and processes, with processes ending
 * and new ones taking their place. The registers and saved states are
 * modelled as numbers: each run changes a process's registers to a new one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/sched/fpu_stamp.h"

#define CPUS  4
#define PROCS 6
#define STEPS 200000

struct cpu {
	uint64_t saves, stamp;
	uint64_t regs; /* what the registers hold */
	int running;   /* process index, or -1 */
	int last;      /* the last process saved here, or -1 (the naive rule) */
};

struct proc {
	uint64_t stamp;
	uint64_t saved; /* its state in memory */
	int on;		/* the CPU it runs on, or -1 */
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* Runs the schedule; with naive, a CPU skips the reload when the process was
 * the last one saved there (what a test that cannot see migrations would
 * accept). Returns how many switch-ins found a state other than the latest. */
static unsigned simulate(int naive, unsigned *skipped)
{
	struct cpu cpus[CPUS];
	struct proc procs[PROCS];
	uint64_t value = 1;
	unsigned wrong = 0;
	*skipped = 0;
	for (int c = 0; c < CPUS; c++)
		cpus[c] = (struct cpu){0, 0, 0, -1, -1};
	for (int p = 0; p < PROCS; p++)
		procs[p] = (struct proc){0, value++, -1};
	for (int step = 0; step < STEPS; step++) {
		int c = (int)(next_rand() % CPUS);
		struct cpu *cpu = &cpus[c];
		if (cpu->running >= 0) {
			/* It ran (new register contents), then is switched away
			 * from: saved, stamped. Sometimes it ends, and a new
			 * process (stamp 0, a clean state) takes its place. */
			struct proc *p = &procs[cpu->running];
			cpu->regs = value++;
			p->saved = cpu->regs;
			p->stamp = cpu->stamp = fpu_stamp_take(&cpu->saves, (unsigned)c);
			cpu->last = cpu->running;
			p->on = -1;
			cpu->running = -1;
			if (next_rand() % 16 == 0)
				*p = (struct proc){0, value++, -1};
			continue;
		}
		int i = (int)(next_rand() % PROCS);
		struct proc *p = &procs[i];
		if (p->on >= 0)
			continue;
		int skip = naive ? cpu->last == i : fpu_regs_hold(cpu->stamp, p->stamp);
		if (skip)
			(*skipped)++;
		else
			cpu->regs = p->saved;
		if (cpu->regs != p->saved)
			wrong++;
		p->on = c;
		cpu->running = i;
	}
	return wrong;
}

static void test_stamps_never_give_an_old_state(void **state)
{
	(void)state;
	unsigned skipped;
	assert_int_equal(simulate(0, &skipped), 0);
	assert_true(skipped > STEPS / 100); /* and the reload is skipped often */
}

/* The schedule does move processes between CPUs and reuse their places: the
 * naive rule (skip when the process was the last saved on this CPU) fails on
 * it, so the test above is not passing for want of such cases. */
static void test_the_schedule_catches_the_naive_rule(void **state)
{
	(void)state;
	unsigned skipped;
	assert_true(simulate(1, &skipped) > 0);
}

static void test_stamps_name_cpu_and_count(void **state)
{
	(void)state;
	uint64_t saves0 = 0, saves1 = 0;
	uint64_t a = fpu_stamp_take(&saves0, 0), b = fpu_stamp_take(&saves1, 1);
	assert_int_not_equal(a, b); /* the same count on two CPUs */
	assert_int_not_equal(a, 0);
	assert_int_not_equal(fpu_stamp_take(&saves0, 0), a);
	assert_false(fpu_regs_hold(0, 0)); /* a new process is always loaded */
	assert_true(fpu_regs_hold(a, a));
	assert_false(fpu_regs_hold(a, b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stamps_never_give_an_old_state),
	    cmocka_unit_test(test_the_schedule_catches_the_naive_rule),
	    cmocka_unit_test(test_stamps_name_cpu_and_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
