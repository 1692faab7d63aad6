/* Locals that own memory or fds release them when they go out of scope. */
#ifndef TUG_CLEANUP_H
#define TUG_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))

/* Hand ownership out of a cleanup variable. */
#define take_ptr(p) ({ __typeof__(p) p_ = (p); (p) = NULL; p_; })
#define take_fd(fd) ({ int fd_ = (fd); (fd) = -1; fd_; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
