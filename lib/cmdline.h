/* cmdline: the kernel command line, space-separated `key` and `key=value` words. */
#ifndef CAPOS_LIB_CMDLINE_H
#define CAPOS_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest command line the kernel accepts, in bytes without the terminator. */
#define CMDLINE_MAX 1023

/* cmdline_next: from *cursor, finds the next word; returns false at the end.
 * On true, *word and *len name it and *cursor moves past it. */
bool cmdline_next(const char **cursor, const char **word, size_t *len);

/* cmdline_find: looks for key (the whole word, or the part before '='). Returns
 * true when present; *val and *vlen get what follows '=' (NULL/0 for a bare word).
 * The last occurrence wins, as on Linux. val and vlen may be NULL. */
bool cmdline_find(const char *cmdline, const char *key, const char **val, size_t *vlen);

/* cmdline_list_next: iterates a comma-separated value [*cursor, end); returns false
 * when done. Empty items are returned as zero-length items. */
bool cmdline_list_next(const char **cursor, const char *end, const char **item, size_t *len);

/* cmdline_word_eq: true when the counted word [w, w+len) equals s. */
bool cmdline_word_eq(const char *w, size_t len, const char *s);

#endif
