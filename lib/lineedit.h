/* lineedit: a bounded line editor for the COM1 prompt (echo, backspace). */
#ifndef CAPOS_LIB_LINEEDIT_H
#define CAPOS_LIB_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINEEDIT_MAX 128 /* characters in a line, without the terminator */

/* Echo sink: receives the bytes to send back to the terminal. */
typedef void (*lineedit_echo_fn)(void *ctx, const char *s, size_t n);

struct lineedit {
	char buf[LINEEDIT_MAX + 1];
	size_t len;
	bool overflowed; /* a character was dropped because the line was full */
	bool last_cr;	 /* swallow the LF of a CR LF pair */
	bool done;	 /* buf holds a finished line; the next byte starts anew */
	lineedit_echo_fn echo;
	void *ctx;
};

/* lineedit_init: an empty line; echo may be NULL. */
void lineedit_init(struct lineedit *le, lineedit_echo_fn echo, void *ctx);

/* lineedit_feed: takes one received byte. Printable ASCII is appended (and
 * echoed) while there is room, otherwise dropped and rung (BEL); backspace and
 * DEL erase one character; Ctrl-U erases the line; CR or LF ends it. Returns
 * true when a line is complete: buf then holds it, terminated, and overflowed
 * says whether characters were dropped, until the next feed starts a new line. */
bool lineedit_feed(struct lineedit *le, char c);

#endif
