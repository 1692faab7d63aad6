/*
 * nothp COMMAND [ARG...]: run COMMAND with transparent huge pages off for it
 * (prctl PR_SET_THP_DISABLE, inherited across exec). tools/qemu-run.sh starts
 * QEMU through it: on a host whose THP setting is "madvise", QEMU asks for
 * huge pages for its translated-code buffer, and every new 2 MB of it is
 * zeroed by the host at first touch while the guest runs code for the first
 * time (perf: 9-16% of QEMU's CPU time during a board's boot path, docs/init.md).
 * That is host work no board has, and it moved the boot times it measures.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nothp COMMAND [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) < 0)
		fprintf(stderr, "nothp: PR_SET_THP_DISABLE: %s (running with huge pages)\n",
			strerror(errno));
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nothp: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
