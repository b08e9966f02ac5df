/* mkmanifest_run: compiles a boot manifest source with tools/mkmanifest.py for host
 * tests, so the tool's output is checked by the validator it must satisfy. */
#ifndef CAPOS_TEST_MKMANIFEST_RUN_H
#define CAPOS_TEST_MKMANIFEST_RUN_H

#include <stddef.h>
#include <stdint.h>

/* mkmanifest_compile: runs the tool (from CAPOS_SRCDIR, else the current directory) on
 * src. Returns the blob in an exact-size heap block (length in *len), or NULL when the
 * tool refused it, with its message, "SOURCE:LINE: " stripped down to "LINE: reason",
 * in err (errlen bytes). */
uint8_t *mkmanifest_compile(const char *src, size_t *len, char *err, size_t errlen);

#endif
