/* mkmanifest_run: tools/mkmanifest.py from host tests. */
#include "mkmanifest_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint8_t *mkmanifest_compile(const char *src, size_t *len, char *err, size_t errlen)
{
	char dir[] = "/tmp/capos-mkmanifest-XXXXXX", in[64], out[64], cmd[1024];
	const char *root = getenv("CAPOS_SRCDIR");
	uint8_t *blob = NULL;
	if (root == NULL)
		root = ".";
	err[0] = '\0';
	if (mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "mkdtemp failed");
		return NULL;
	}
	snprintf(in, sizeof(in), "%s/m.manifest", dir);
	snprintf(out, sizeof(out), "%s/m.bin", dir);
	FILE *fp = fopen(in, "w");
	if (fp == NULL || fputs(src, fp) < 0 || fclose(fp) != 0) {
		snprintf(err, errlen, "cannot write %s", in);
		goto out_rmdir;
	}
	snprintf(
	    cmd, sizeof(cmd),
	    "python3 %s/tools/mkmanifest.py --schema-header %s/include/capos/gen/capos_schema.h "
	    "-o %s %s 2>&1",
	    root, root, out, in);
	FILE *p = popen(cmd, "r");
	char msg[512] = "";
	size_t n = p ? fread(msg, 1, sizeof(msg) - 1, p) : 0;
	msg[n] = '\0';
	int st = p ? pclose(p) : -1;
	if (st != 0) {
		/* "mkmanifest: /tmp/.../m.manifest:LINE: reason\n" -> "LINE: reason" */
		char *at = strstr(msg, "m.manifest:");
		at = at ? at + strlen("m.manifest:") : msg;
		at[strcspn(at, "\n")] = '\0';
		snprintf(err, errlen, "%s", at);
		goto out_rm;
	}
	fp = fopen(out, "rb");
	uint8_t tmp[32768];
	*len = fp ? fread(tmp, 1, sizeof(tmp), fp) : 0;
	if (fp)
		fclose(fp);
	blob = malloc(*len ? *len : 1);
	if (blob != NULL)
		memcpy(blob, tmp, *len);
out_rm:
	unlink(out);
	unlink(in);
out_rmdir:
	rmdir(dir);
	return blob;
}
