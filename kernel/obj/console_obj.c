/* console_obj: the Console interface (schema/capos.capnp): text to COM1. */
#include "kobj.h"
#include "capos/capnp_msg.h"
#include "capos/gen/capos_schema.h"
#include "core/console.h"

/* Text from a process is printed as it is, but control characters other than
 * newline and tab become '?', so no process can drive the terminal. The line
 * end of writeLine goes out in the same kprintf as the text's last chunk, so a
 * short line is never split by other CPUs' output. */
static void print_text(const char *s, size_t n, bool line)
{
	char buf[128];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		buf[k++] = (ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f)) ? ch : '?';
		if (k == sizeof(buf)) {
			kprintf("%.*s", (int)k, buf);
			k = 0;
		}
	}
	kprintf("%.*s%s", (int)k, buf, line ? "\n" : "");
}

static bool get_text(const struct kcall *c, const char **text, size_t *n)
{
	struct capnp_struct root;
	return capnp_get_root(c->params, c->params_len, &root) == CAPNP_OK &&
	       capnp_get_text(c->params, c->params_len, &root, CAPOS_CONSOLE_WRITE_PARAMS_TEXT_PTR,
			      text, n) == CAPNP_OK;
}

static enum capos_status console_decode(struct kobj *o, const struct kcall *c)
{
	const char *text;
	size_t n;
	(void)o;
	if (c->iface != CAPOS_IFACE_CONSOLE ||
	    (c->method != CAPOS_CONSOLE_WRITE && c->method != CAPOS_CONSOLE_WRITE_LINE))
		return CAPOS_E_INVOKE;
	return get_text(c, &text, &n) ? CAPOS_OK : CAPOS_E_BAD_PARAMS;
}

static enum capos_status console_invoke(struct kobj *o, struct kcall *c)
{
	const char *text;
	size_t n;
	(void)o;
	get_text(c, &text, &n); /* decoded already: cannot fail */
	print_text(text, n, c->method == CAPOS_CONSOLE_WRITE_LINE);
	c->result_len = 0;
	return CAPOS_OK;
}

static const struct kobj_ops console_ops = {
    .name = "Console", .decode = console_decode, .invoke = console_invoke};
struct kobj kobj_console = {.ops = &console_ops, .refs = 1};
