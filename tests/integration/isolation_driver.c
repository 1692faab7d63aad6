/*
 * Test driver for the isolation primitives, used by the root integration
 * tests and the QEMU cgroup tests while `tug oci run` is being built: it
 * runs one command under the same calls the OCI runtime makes.
 *
 *   isolation_driver [--resources FILE] [--cgroup PATH] [--caps FILE]
 *                    [--seccomp FILE] [--user UID] [--freeze-check]
 *                    [--kill-after MS] -- CMD [ARGS...]
 *
 * Prints "key=value" lines: created=<cgroup path>, exit=<status> or
 * signal=<n>, the cgroup's counters (memory.events oom_kill, cpu.stat
 * throttled_usec, pids.events max, ...) before it is removed, and
 * "error=<message>" (exit 1) when a call fails.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/caps.h"
#include "platform/cgroup.h"
#include "platform/json.h"
#include "platform/seccomp.h"

static struct tug_err err;

static cJSON *load(const char *path)
{
	cJSON *j;

	if (!path)
		return NULL;
	j = json_parse_file(path, 1 << 20, &err);
	if (!j) {
		printf("error=%s\n", err.msg);
		exit(1);
	}
	return j;
}

static int fail(const char *what)
{
	printf("error=%s: %s\n", what, err.msg);
	return 1;
}

static void dump(const char *dir, const char *file, const char *key)
{
	char path[4096], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t k = strlen(key);

		if (!key[0] || (!strncmp(line, key, k) && line[k] == ' ')) {
			line[strcspn(line, "\n")] = '\0';
			printf("%s:%s\n", file, line);
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *res_path = NULL, *cg = NULL, *caps_path = NULL, *sc_path = NULL;
	cJSON *res, *caps, *sc;
	char path[4096], id[32];
	int i, sync[2], st, uid = -1, freeze = 0, kill_after = 0;
	struct cgroup_stats stats;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--resources") && i + 1 < argc)
			res_path = argv[++i];
		else if (!strcmp(argv[i], "--cgroup") && i + 1 < argc)
			cg = argv[++i];
		else if (!strcmp(argv[i], "--caps") && i + 1 < argc)
			caps_path = argv[++i];
		else if (!strcmp(argv[i], "--seccomp") && i + 1 < argc)
			sc_path = argv[++i];
		else if (!strcmp(argv[i], "--user") && i + 1 < argc)
			uid = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--kill-after") && i + 1 < argc)
			kill_after = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--freeze-check"))
			freeze = 1;
		else
			return fprintf(stderr, "usage: see the comment in %s\n", __FILE__), 2;
	}
	if (i + 1 >= argc)
		return fprintf(stderr, "no command\n"), 2;
	res = load(res_path);
	caps = load(caps_path);
	sc = load(sc_path);
	if (cgroup_validate_oci(res, &err) < 0)
		return fail("validate resources");
	if (caps && caps_validate_oci(caps, &err) < 0)
		return fail("validate capabilities");
	if (seccomp_validate_oci(sc, &err) < 0)
		return fail("validate seccomp");
	snprintf(id, sizeof(id), "isolation-%d", (int)getpid());
	if (cgroup_create_oci(cg, id, res, path, sizeof(path), &err) < 0)
		return fail("create cgroup");
	printf("created=%s\n", path);
	fflush(stdout);
	if (pipe2(sync, O_CLOEXEC) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		char c;

		close(sync[1]);
		/* Wait until the parent has put us in the cgroup. */
		if (read(sync[0], &c, 1) != 1)
			_exit(120);
		if (caps) {
			if (caps_drop_bounding_oci(caps, &err) < 0 ||
			    caps_prepare_uid_change(&err) < 0)
				_exit(fail("caps before uid") + 120);
		}
		if (uid >= 0 && (setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) < 0 ||
				 setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0))
			_exit(121);
		if (caps && caps_apply_oci(caps, &err) < 0)
			_exit(fail("apply caps") + 121);
		if (seccomp_apply_oci(sc, &err) < 0)
			_exit(fail("apply seccomp") + 122);
		fflush(stdout);
		execvp(argv[i + 1], argv + i + 1);
		_exit(127);
	}
	close(sync[0]);
	if (cgroup_enter(path, pid, &err) < 0) {
		kill(pid, SIGKILL);
		return fail("enter cgroup");
	}
	if (write(sync[1], "x", 1) != 1)
		return 1;
	close(sync[1]);
	if (freeze) {
		pid_t *pids;
		size_t n;

		poll(NULL, 0, 300);
		if (cgroup_pids(path, &pids, &n, &err) < 0)
			return fail("pids");
		printf("pids=%zu\n", n);
		free(pids);
		if (cgroup_freeze(path, true, &err) < 0)
			return fail("freeze");
		dump(path, "cgroup.events", "frozen");
		if (cgroup_freeze(path, false, &err) < 0)
			return fail("thaw");
		dump(path, "cgroup.events", "frozen");
		if (cgroup_kill_all(path, SIGKILL, &err) < 0)
			return fail("kill all");
	} else if (kill_after > 0) {
		poll(NULL, 0, kill_after);
		if (cgroup_kill_all(path, SIGKILL, &err) < 0)
			return fail("kill all");
	}
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	if (WIFEXITED(st))
		printf("exit=%d\n", WEXITSTATUS(st));
	else
		printf("signal=%d\n", WTERMSIG(st));
	if (path[0]) {
		if (cgroup_stats(path, &stats, &err) < 0)
			return fail("stats");
		printf("mem_max=%llu\nmem_peak=%llu\ncpu_usage_usec=%llu\noom_killed=%d\n",
		       (unsigned long long)stats.mem_max, (unsigned long long)stats.mem_peak,
		       (unsigned long long)stats.cpu_usage_usec, stats.oom_killed);
		dump(path, "memory.events", "oom_kill");
		dump(path, "cpu.stat", "nr_throttled");
		dump(path, "cpu.stat", "throttled_usec");
		dump(path, "pids.events", "max");
		dump(path, "pids.max", "");
		dump(path, "memory.max", "");
		dump(path, "cpu.max", "");
		if (cgroup_destroy(path, &err) < 0)
			return fail("destroy");
		printf("destroyed=%d\n", access(path, F_OK) < 0);
	}
	return 0;
}
