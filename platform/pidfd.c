/* The one decision whether this kernel has pidfds (platform/pidfd.h). */
#include "platform/pidfd.h"

bool pidfd_supported(void)
{
	static int known = -1;
	int fd;

	if (known >= 0)
		return known;
	fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (fd >= 0)
		close(fd);
	/* Any other failure (EMFILE) says nothing against the call itself. */
	known = fd >= 0 || (errno != ENOSYS && errno != EINVAL && errno != EPERM);
	return known;
}
