/* bundle: lookup in the table the build generates. */
#include "bundle.h"
#include "lib/str.h"

extern const struct bundle_entry bundle_table[]; /* ends with a NULL name */

const struct bundle_entry *bundle_find(const char *name)
{
	for (const struct bundle_entry *e = bundle_table; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}
