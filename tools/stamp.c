/*
 * stamp [COMMAND [ARG...]]: print this process's CLOCK_MONOTONIC, then exec
 * COMMAND. Put first in a container's command (the demo image has it as
 * /bin/stamp, see tools/mkimage.sh), it tells when the container's process
 * started, as the container itself sees it: the kernel's monotonic clock is
 * shared with PID 1 (no time namespace), which prints its own start on the
 * same clock ("/init started N ms after the kernel"). tools/boot-times.sh
 * subtracts the two. Static, no stdio: a few syscalls before the exec.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

static char *put_num(char *p, unsigned long long v, int min_digits)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || n < min_digits);
	while (n)
		*p++ = tmp[--n];
	return p;
}

int main(int argc, char **argv)
{
	static const char head[] = "stamp: started ", tail[] = " ms after the kernel (CLOCK_MONOTONIC)\n";
	struct timespec t;
	char line[128], *p = line;

	clock_gettime(CLOCK_MONOTONIC, &t);
	memcpy(p, head, sizeof(head) - 1);
	p = put_num(p + sizeof(head) - 1,
		    (unsigned long long)t.tv_sec * 1000 + (unsigned long long)t.tv_nsec / 1000000, 1);
	*p++ = '.';
	p = put_num(p, (unsigned long long)(t.tv_nsec / 1000 % 1000), 3);
	memcpy(p, tail, sizeof(tail) - 1);
	p += sizeof(tail) - 1;
	if (write(STDOUT_FILENO, line, (size_t)(p - line)) < 0)
		return 125;
	if (argc < 2)
		return 0;
	execvp(argv[1], argv + 1);
	return 127;
}
