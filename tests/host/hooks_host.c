/* hooks_host: records hook_log lines for assertions (and echoes them when
 * CAPOS_TEST_VERBOSE is set). */
#include "hooks_host.h"
#include "lib/hooks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOOKS_MAX_LINES 256
#define HOOKS_LINE_LEN	256

static char log_lines[HOOKS_MAX_LINES][HOOKS_LINE_LEN];
static size_t log_count;

void hook_log(const char *fmt, ...)
{
	va_list ap;
	char line[HOOKS_LINE_LEN];
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (getenv("CAPOS_TEST_VERBOSE") != NULL)
		fprintf(stderr, "hook_log: %s\n", line);
	if (log_count < HOOKS_MAX_LINES)
		memcpy(log_lines[log_count], line, sizeof(line));
	log_count++;
}

void hooks_log_reset(void)
{
	log_count = 0;
}

size_t hooks_log_count(void)
{
	return log_count;
}

const char *hooks_log_line(size_t i)
{
	if (i >= log_count || i >= HOOKS_MAX_LINES)
		return "";
	return log_lines[i];
}

int hooks_log_contains(const char *needle)
{
	for (size_t i = 0; i < log_count && i < HOOKS_MAX_LINES; i++)
		if (strstr(log_lines[i], needle) != NULL)
			return 1;
	return 0;
}
