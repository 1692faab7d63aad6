/* CPU time from /proc. See platform/procstat.h. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/procstat.h"

int procstat_task_ticks(const char *text, uint64_t *ticks)
{
	/* "pid (comm) state ppid ...": comm may hold spaces and ')', so from the last ')'. */
	const char *p = text ? strrchr(text, ')') : NULL;
	uint64_t sum = 0;
	int field = 2;

	if (!p)
		return -1;
	p++;
	while (*p && field < 17) {
		char *end;
		unsigned long long v;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		field++;
		if (field >= 14 && field <= 17) {
			v = strtoull(p, &end, 10);
			if (end == p)
				return -1;
			sum += v;
			p = end;
		} else {
			p += strcspn(p, " ");
		}
	}
	if (field < 17)
		return -1;
	*ticks = sum;
	return 0;
}

int procstat_system_ticks(const char *text, uint64_t *ticks, unsigned *ncpu)
{
	const char *line = text;
	bool found = false;

	*ticks = 0;
	*ncpu = 0;
	while (line && *line) {
		if (!strncmp(line, "cpu ", 4)) {
			const char *p = line + 4;

			/* user nice system idle iowait irq softirq steal (guest is in user). */
			for (int i = 0; i < 8; i++) {
				char *end;
				unsigned long long v = strtoull(p, &end, 10);

				if (end == p)
					break;
				*ticks += v;
				p = end;
			}
			found = true;
		} else if (!strncmp(line, "cpu", 3) && line[3] >= '0' && line[3] <= '9') {
			(*ncpu)++;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return found ? 0 : -1;
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return ticks * (1000000000ULL / (uint64_t)(hz > 0 ? hz : 100));
}

uint64_t procstat_pids_ns(const pid_t *pids, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		char path[64], buf[1024];
		uint64_t t;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		if (read_kernel_file(AT_FDCWD, path, buf, sizeof(buf)) > 0 && !procstat_task_ticks(buf, &t))
			sum += t;
	}
	return ticks_to_ns(sum);
}

int procstat_system_ns(uint64_t *ns, unsigned *ncpu)
{
	_cleanup_free_ char *buf = malloc(64 * 1024);
	uint64_t t;

	if (!buf || read_kernel_file(AT_FDCWD, "/proc/stat", buf, 64 * 1024) < 0 ||
	    procstat_system_ticks(buf, &t, ncpu))
		return -1;
	if (!*ncpu)
		*ncpu = 1;
	*ns = ticks_to_ns(t);
	return 0;
}
