#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/loop.h"

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
#endif

static int bind_legacy(int loopfd, int filefd, struct tug_err *err)
{
	struct loop_info64 info;

	if (ioctl(loopfd, LOOP_SET_FD, filefd) < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
	if (ioctl(loopfd, LOOP_SET_STATUS64, &info) < 0) {
		int e = errno;

		ioctl(loopfd, LOOP_CLR_FD, 0);
		errno = e;
		return -1;
	}
	return 0;
}

int loop_attach_ro(const char *file, char *dev, size_t size, struct tug_err *err)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	_cleanup_close_ int filefd = open(file, O_RDONLY | O_CLOEXEC);

	if (ctl < 0)
		return tug_err_sys(err, "open /dev/loop-control");
	if (filefd < 0)
		return tug_err_sys(err, "open %s", file);
	/* Another process may take the free device first: retry a few times. */
	for (int attempt = 0; attempt < 16; attempt++) {
		struct loop_config cfg;
		int n = ioctl(ctl, LOOP_CTL_GET_FREE), loopfd;

		if (n < 0)
			return tug_err_sys(err, "loop device: get free");
		snprintf(dev, size, "/dev/loop%d", n);
		loopfd = open(dev, O_RDONLY | O_CLOEXEC);
		if (loopfd < 0)
			return tug_err_sys(err, "open %s", dev);
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (unsigned)filefd;
		cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
		if (ioctl(loopfd, LOOP_CONFIGURE, &cfg) == 0)
			return loopfd;
		if (errno == EINVAL || errno == ENOTTY) { /* kernels before 5.8 */
			if (bind_legacy(loopfd, filefd, err) == 0)
				return loopfd;
		}
		close(loopfd);
		if (errno != EBUSY)
			return tug_err_sys(err, "loop device %s", dev);
	}
	return tug_err_set(err, EBUSY, "loop device: every free device was taken");
}

int squashfs_mount(const char *file, const char *target, struct tug_err *err)
{
	char dev[64];
	int loopfd = loop_attach_ro(file, dev, sizeof(dev), err);

	if (loopfd < 0)
		return tug_err_wrap(err, "squashfs %s", file);
	if (mount(dev, target, "squashfs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0) {
		tug_err_sys(err, "mount squashfs %s on %s", dev, target);
		close(loopfd);
		return -1;
	}
	/* The mount holds the device now; autoclear frees it at umount. */
	close(loopfd);
	return 0;
}
