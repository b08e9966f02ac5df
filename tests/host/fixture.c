/* fixture: parser for the linux-ground capture format. */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fixture_path(const char *name)
{
	static char path[1024];
	const char *src = getenv("CAPOS_SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/fixtures/linux-ground/%s", src ? src : ".", name);
	return path;
}

/* Parses whitespace-separated hex bytes from s into out (max cap); returns count. */
static size_t parse_hex_bytes(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s != '\0') {
		char *end;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '\n')
			break;
		unsigned long v = strtoul(s, &end, 16);
		if (end == s || v > 0xff)
			break;
		if (n < cap)
			out[n] = (uint8_t)v;
		n++;
		s = end;
	}
	return n;
}

static char *read_line(FILE *fp)
{
	size_t cap = 256, len = 0;
	char *buf = malloc(cap);
	int c;
	if (buf == NULL)
		return NULL;
	while ((c = fgetc(fp)) != EOF && c != '\n') {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		buf[len++] = (char)c;
	}
	if (c == EOF && len == 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

struct fixture *fixture_load(const char *name)
{
	FILE *fp = fopen(fixture_path(name), "r");
	if (fp == NULL) {
		fprintf(stderr, "fixture: cannot open %s\n", fixture_path(name));
		return NULL;
	}
	struct fixture *f = calloc(1, sizeof(*f));
	struct fixture_pci *cur = NULL;
	char *line;
	while (f != NULL && (line = read_line(fp)) != NULL) {
		unsigned seg, bus, dev, fn;
		if (sscanf(line, "@PCI %x:%x:%x.%x", &seg, &bus, &dev, &fn) == 4 &&
		    f->npci < FIXTURE_MAX_PCI) {
			cur = &f->pci[f->npci++];
			cur->seg = (uint16_t)seg;
			cur->bus = (uint8_t)bus;
			cur->dev = (uint8_t)dev;
			cur->fn = (uint8_t)fn;
		} else if (strncmp(line, "@CFG", 4) == 0 && cur != NULL) {
			cur->cfg_len = parse_hex_bytes(line + 4, cur->cfg, sizeof(cur->cfg));
		} else if (strncmp(line, "@ACPI ", 6) == 0 && f->nacpi < FIXTURE_MAX_ACPI) {
			struct fixture_acpi *t = &f->acpi[f->nacpi];
			size_t len = strlen(line);
			memcpy(t->sig, line + 6, 4);
			t->sig[4] = '\0';
			t->bytes = malloc(len / 3 + 1);
			if (t->bytes != NULL) {
				t->len = parse_hex_bytes(line + 10, t->bytes, len / 3 + 1);
				f->nacpi++;
			}
		} else if (strncmp(line, "@CPUS ", 6) == 0) {
			f->cpus = atoi(line + 6);
		}
		free(line);
	}
	fclose(fp);
	return f;
}

void fixture_free(struct fixture *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nacpi; i++)
		free(f->acpi[i].bytes);
	free(f);
}

const struct fixture_acpi *fixture_acpi_find(const struct fixture *f, const char *sig)
{
	for (size_t i = 0; i < f->nacpi; i++)
		if (memcmp(f->acpi[i].sig, sig, 4) == 0)
			return &f->acpi[i];
	return NULL;
}

char **fixture_read_lines(const char *name, size_t *n)
{
	FILE *fp = fopen(fixture_path(name), "r");
	if (fp == NULL)
		return NULL;
	size_t cap = 16;
	char **lines = malloc(cap * sizeof(*lines));
	char *line;
	*n = 0;
	while (lines != NULL && (line = read_line(fp)) != NULL) {
		if (*n == cap) {
			char **nl = realloc(lines, cap * 2 * sizeof(*lines));
			if (nl == NULL)
				break;
			lines = nl;
			cap *= 2;
		}
		lines[(*n)++] = line;
	}
	fclose(fp);
	return lines;
}

void fixture_free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
