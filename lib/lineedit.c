/* lineedit: byte-at-a-time line assembly with terminal echo. */
#include "lib/lineedit.h"

#define CH_BS  0x08
#define CH_DEL 0x7f
#define CH_NAK 0x15 /* Ctrl-U */
#define CH_BEL 0x07

static void echo(struct lineedit *le, const char *s, size_t n)
{
	if (le->echo != NULL)
		le->echo(le->ctx, s, n);
}

void lineedit_init(struct lineedit *le, lineedit_echo_fn fn, void *ctx)
{
	le->len = 0;
	le->buf[0] = '\0';
	le->overflowed = false;
	le->last_cr = false;
	le->done = false;
	le->echo = fn;
	le->ctx = ctx;
}

bool lineedit_feed(struct lineedit *le, char c)
{
	bool was_cr = le->last_cr;
	le->last_cr = false;
	if (le->done) {
		le->done = false;
		le->len = 0;
		le->overflowed = false;
		le->buf[0] = '\0';
	}
	switch (c) {
	case '\r':
	case '\n':
		if (c == '\n' && was_cr)
			return false;
		le->last_cr = c == '\r';
		le->buf[le->len] = '\0';
		echo(le, "\r\n", 2);
		le->done = true;
		return true;
	case CH_BS:
	case CH_DEL:
		if (le->len > 0) {
			le->len--;
			echo(le, "\b \b", 3);
		}
		break;
	case CH_NAK:
		while (le->len > 0) {
			le->len--;
			echo(le, "\b \b", 3);
		}
		break;
	default:
		if (c < 0x20 || c > 0x7e)
			break; /* other control bytes and non-ASCII are ignored */
		if (le->len >= LINEEDIT_MAX) {
			le->overflowed = true;
			char bel = CH_BEL;
			echo(le, &bel, 1);
			break;
		}
		le->buf[le->len++] = c;
		echo(le, &c, 1);
		break;
	}
	le->buf[le->len] = '\0';
	return false;
}
