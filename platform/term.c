#include <sys/ioctl.h>
#include <unistd.h>

#include "platform/term.h"

int term_raw(int fd, struct term_state *st, struct tug_err *err)
{
	struct termios raw;

	st->fd = fd;
	st->saved = false;
	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &st->orig))
		return tug_err_sys(err, "terminal settings");
	raw = st->orig;
	cfmakeraw(&raw);
	/* Keep output post-processing off too: the container's pty adds the CRs. */
	if (tcsetattr(fd, TCSADRAIN, &raw))
		return tug_err_sys(err, "terminal raw mode");
	st->saved = true;
	return 0;
}

void term_restore(struct term_state *st)
{
	if (st->saved)
		tcsetattr(st->fd, TCSADRAIN, &st->orig);
	st->saved = false;
}

int term_size(int fd, unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) || !ws.ws_col)
		return -1;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}
