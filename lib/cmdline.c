/* cmdline: word and list iteration over the kernel command line. */
#include "lib/cmdline.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_next(const char **cursor, const char **word, size_t *len)
{
	const char *p = *cursor;
	while (*p != '\0' && is_space(*p))
		p++;
	if (*p == '\0') {
		*cursor = p;
		return false;
	}
	const char *start = p;
	while (*p != '\0' && !is_space(*p))
		p++;
	*word = start;
	*len = (size_t)(p - start);
	*cursor = p;
	return true;
}

bool cmdline_word_eq(const char *w, size_t len, const char *s)
{
	size_t i = 0;
	for (; i < len; i++)
		if (s[i] == '\0' || s[i] != w[i])
			return false;
	return s[i] == '\0';
}

bool cmdline_find(const char *cmdline, const char *key, const char **val, size_t *vlen)
{
	const char *cur = cmdline, *w;
	size_t len;
	bool found = false;

	while (cmdline_next(&cur, &w, &len)) {
		size_t klen = 0;
		while (klen < len && w[klen] != '=')
			klen++;
		if (!cmdline_word_eq(w, klen, key))
			continue;
		found = true;
		if (val != NULL)
			*val = klen < len ? w + klen + 1 : NULL;
		if (vlen != NULL)
			*vlen = klen < len ? len - klen - 1 : 0;
	}
	return found;
}

bool cmdline_list_next(const char **cursor, const char *end, const char **item, size_t *len)
{
	const char *p = *cursor;
	if (p == NULL || p > end)
		return false;
	const char *start = p;
	while (p < end && *p != ',')
		p++;
	*item = start;
	*len = (size_t)(p - start);
	/* Past the last item, park the cursor beyond end so the next call ends. */
	*cursor = p < end ? p + 1 : end + 1;
	return true;
}
