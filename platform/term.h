/*
 * The local terminal of the CLI: raw mode for `run -it` / `exec -it` (the
 * container's pty does the line discipline) and its window size.
 */
#ifndef TUG_TERM_H
#define TUG_TERM_H

#include <stdbool.h>
#include <termios.h>

#include "platform/err.h"

struct term_state {
	int fd;
	bool saved;
	struct termios orig;
};

/* Put fd in raw mode, remembering the old settings; no-op when not a tty. */
int term_raw(int fd, struct term_state *st, struct tug_err *err);
void term_restore(struct term_state *st);
/* Rows and columns of fd; -1 when not a terminal or it reports no width. */
int term_size(int fd, unsigned *rows, unsigned *cols);

#endif
