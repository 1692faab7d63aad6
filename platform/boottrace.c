/* Boot trace: marks in a page shared by PID 1 and its forks (boottrace.h). */
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "platform/boottrace.h"

struct mark {
	long long us;
	const char *what;
	int pid;
	int done;	/* set last: a 32-bit store, which every board has atomically */
};

#define MAX_MARKS ((8192 - 64) / sizeof(struct mark))

struct trace {
	unsigned n;
	struct mark m[MAX_MARKS];
};

static struct trace *trace;

int boot_trace_init(void)
{
	void *p = mmap(NULL, sizeof(struct trace), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	trace = p;
	return 0;
}

void boot_trace(const char *what)
{
	struct timespec ts;
	unsigned i;

	if (!trace)
		return;
	i = __atomic_fetch_add(&trace->n, 1, __ATOMIC_RELAXED);
	if (i >= MAX_MARKS)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	trace->m[i].pid = getpid();
	trace->m[i].what = what;
	trace->m[i].us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	__atomic_store_n(&trace->m[i].done, 1, __ATOMIC_RELEASE);
}

void boot_trace_dump(int fd, long long t0_us)
{
	unsigned n;
	bool done[MAX_MARKS] = { false };

	if (!trace)
		return;
	n = __atomic_load_n(&trace->n, __ATOMIC_ACQUIRE);
	if (n > MAX_MARKS)
		n = MAX_MARKS;
	/* A few hundred marks at most: pick the earliest left each time. */
	for (unsigned k = 0; k < n; k++) {
		unsigned best = n;

		for (unsigned i = 0; i < n; i++)
			if (!done[i] && __atomic_load_n(&trace->m[i].done, __ATOMIC_ACQUIRE) &&
			    (best == n || trace->m[i].us < trace->m[best].us))
				best = i;
		if (best == n)
			break;
		done[best] = true;
		dprintf(fd, "trace: %8.3f ms  pid %-4d %s\n",
			(double)(trace->m[best].us - t0_us) / 1000.0, trace->m[best].pid,
			trace->m[best].what);
	}
}
