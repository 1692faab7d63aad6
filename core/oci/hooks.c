#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/oci/hooks.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

int oci_hooks_has(const cJSON *hooks, const char *kind)
{
	const cJSON *arr = hooks ? cJSON_GetObjectItemCaseSensitive(hooks, kind) : NULL;

	return cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0;
}

static int wait_timeout(pid_t pid, int64_t timeout_s, int *status)
{
	int64_t waited_ms = 0;

	for (;;) {
		struct timespec ts = {0, 2 * 1000 * 1000};
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (timeout_s > 0 && waited_ms >= timeout_s * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&ts, NULL);
		waited_ms += 2;
	}
}

static int run_one(const cJSON *h, const char *at, const char *state, struct tug_err *err)
{
	const char *path = NULL, **args = NULL, **env = NULL;
	int64_t timeout = 0;
	int pipefd[2], status = 0;
	pid_t pid;

	json_get_str(h, "path", &path, err);
	json_get_strv(h, "args", &args, err);
	json_get_strv(h, "env", &env, err);
	json_get_int(h, "timeout", &timeout, err);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		free(args);
		free(env);
		return tug_err_sys(err, "%s: pipe", at);
	}
	pid = fork();
	if (pid == 0) {
		static const char *const no_env[] = {NULL};
		const char *argv0[] = {path, NULL};

		dup2(pipefd[0], 0);
		execve(path, (char *const *)(args && args[0] ? args : argv0),
		       (char *const *)(env ? env : no_env));
		_exit(127);
	}
	free(args);
	free(env);
	close(pipefd[0]);
	if (pid < 0) {
		close(pipefd[1]);
		return tug_err_sys(err, "%s: fork", at);
	}
	/* A hook that does not read its stdin must not block us: ignore EPIPE. */
	{
		struct sigaction ign = {.sa_handler = SIG_IGN}, old;

		sigaction(SIGPIPE, &ign, &old);
		write_all(pipefd[1], state, strlen(state));
		sigaction(SIGPIPE, &old, NULL);
	}
	close(pipefd[1]);
	if (wait_timeout(pid, timeout, &status) < 0) {
		if (errno == ETIMEDOUT)
			return tug_err_set(err, ETIMEDOUT, "%s: %s timed out after %llds", at, path,
					   (long long)timeout);
		return tug_err_sys(err, "%s: wait %s", at, path);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return tug_err_set(err, 0, "%s: %s exited with status %d", at, path,
				   WEXITSTATUS(status));
	return tug_err_set(err, 0, "%s: %s killed by signal %d", at, path, WTERMSIG(status));
}

int oci_hooks_run(const cJSON *hooks, const char *kind, const char *state, struct tug_err *err)
{
	const cJSON *arr = hooks ? cJSON_GetObjectItemCaseSensitive(hooks, kind) : NULL, *h;
	size_t i = 0;

	cJSON_ArrayForEach(h, arr)
	{
		char at[64];

		snprintf(at, sizeof(at), "hooks.%s[%zu]", kind, i++);
		if (run_one(h, at, state, err) < 0)
			return -1;
	}
	return 0;
}
