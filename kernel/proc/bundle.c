/* bundle: lookup in the table the build generates. */
#include "bundle.h"
#include "lib/str.h"

extern const struct bundle_entry bundle_table[]; /* each ends with a NULL name */
extern const struct bundle_entry manifest_table[];

const struct bundle_entry *bundle_find(const char *name)
{
	for (const struct bundle_entry *e = bundle_table; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

const struct bundle_entry *bundle_manifest(const char *name, size_t len)
{
	for (const struct bundle_entry *e = manifest_table; e->name != NULL; e++)
		if (strlen(e->name) == len && memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}
