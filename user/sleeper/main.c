/* sleeper: Timer.now, Timer.sleep(30 ms), Timer.now: the sleep lasted at least
 * 30 ms (other processes ran meanwhile), reported through the Console. Then
 * cap_enter's own wait: with nothing submitted, cap_enter(1, 0) returns at once
 * and cap_enter(1, 15 ms) returns with no completion after at least 15 ms. */
#include "lib/capos.h"

int main(struct capos_ring *ring);

static void cat(char *dst, const char *src)
{
	while (*dst)
		dst++;
	while ((*dst++ = *src++) != '\0')
		;
}

int main(struct capos_ring *ring)
{
	struct capos_handle console = {0, 1}, timer = {1, 1};
	uint64_t t0, t1;
	char line[80] = "sleeper: slept ", num[21];
	if (timer_now(ring, timer, &t0) != CAPOS_OK)
		return 1;
	if (timer_sleep(ring, timer, 30000000ull) != CAPOS_OK)
		return 2;
	if (timer_now(ring, timer, &t1) != CAPOS_OK)
		return 3;
	cat(line, fmt_u64(num, (t1 - t0) / 1000000));
	cat(line, " ms, asked for 30");
	console_write_line(ring, console, line);
	if (t1 - t0 < 30000000ull)
		return 4;
	uint64_t t2;
	if (timer_now(ring, timer, &t0) != CAPOS_OK || cap_enter(1, 0) != 0 ||
	    timer_now(ring, timer, &t1) != CAPOS_OK || cap_enter(1, 15000000ull) != 0 ||
	    timer_now(ring, timer, &t2) != CAPOS_OK)
		return 5;
	console_printf(
	    ring, console, "sleeper: cap_enter waited %llu ms with timeout 0, %llu ms with 15 ms\n",
	    (unsigned long long)((t1 - t0) / 1000000), (unsigned long long)((t2 - t1) / 1000000));
	return t2 - t1 >= 15000000ull ? 0 : 6;
}
