/* Console line input. The kernel console does not echo, so this does. */
#include "libc.h"
#include "sys.h"

static void echo(const char *s, size_t n)
{
	sys_write(1, (long)s, (long)n);
}

/*
 * Reads a line from fd 0 into buf (max >= 1 bytes, NUL included), echoing it.
 * Backspace or DEL erases a byte, ^U the line; escape sequences (arrow keys)
 * are dropped. CR, LF or CR LF ends the line and is not stored. Returns the
 * length, or -1 at end of input or ^D on an empty line.
 */
int readline(char *buf, int max)
{
	static bool after_cr; /* the LF of a CR LF pair ends no second line */
	enum { TEXT, ESC, SEQ } state = TEXT;
	int len = 0;
	char c;

	printf_flush(); /* the prompt */
	for (;;) {
		if (sys_read(0, (long)&c, 1) != 1) {
			if (len == 0)
				return -1;
			break;
		}
		if (after_cr && c == '\n') {
			after_cr = false;
			continue;
		}
		after_cr = c == '\r';
		if (state == ESC) {
			/* ESC [ params final, or ESC O final. */
			state = c == '[' || c == 'O' ? SEQ : TEXT;
			continue;
		}
		if (state == SEQ) {
			if (c >= 0x40 && c <= 0x7e)
				state = TEXT;
			continue;
		}
		if (c == '\r' || c == '\n') {
			echo("\n", 1);
			break;
		}
		if (c == '\t')
			c = ' ';
		if (c == 0x1b) {
			state = ESC;
		} else if (c == 0x7f || c == '\b') {
			if (len > 0) {
				len--;
				echo("\b \b", 3);
			}
		} else if (c == 0x15) { /* ^U */
			for (; len > 0; len--)
				echo("\b \b", 3);
		} else if (c == 0x04) { /* ^D */
			if (len == 0)
				return -1;
		} else if (c >= ' ' && c < 0x7f && len < max - 1) {
			buf[len++] = c;
			echo(&c, 1);
		}
	}
	buf[len] = '\0';
	return len;
}
