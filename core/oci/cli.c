/*
 * `tug oci`: runc's command line over the runtime library, so dockerd,
 * containerd and podman can use tug as they use runc or crun.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/oci/defaults.h"
#include "core/oci/runtime.h"
#include "core/oci/state.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/pty.h"

/* runc's exit code when `exec` itself fails (not the process). */
#define EXIT_EXEC_FAILED 255

struct oci_cli {
	const char *root;
	const char *log;
	bool log_json;
	bool debug;
	/* command flags */
	const char *bundle, *pid_file, *console_socket, *process, *format, *cwd, *user;
	const char *resources;
	bool detach, no_pivot, force, all, quiet, rootless, tty, no_new_privs;
	int preserve_fds;
	const char *env[64];
	int n_env;
	/* positional */
	char **args;
	int n_args;
};

static void log_error(const struct oci_cli *c, const struct tug_err *err)
{
	char text[1400];

	tug_err_str(err, text, sizeof(text));
	fprintf(stderr, "tug: %s\n", text);
	if (c->log) {
		_cleanup_fclose_ FILE *f = fopen(c->log, "ae");
		char ts[64];

		if (!f)
			return;
		oci_state_timestamp(ts, sizeof(ts));
		if (c->log_json) {
			_cleanup_json_ cJSON *j = cJSON_CreateObject();
			_cleanup_free_ char *line = NULL;

			cJSON_AddStringToObject(j, "level", "error");
			cJSON_AddStringToObject(j, "msg", text);
			cJSON_AddStringToObject(j, "time", ts);
			line = cJSON_PrintUnformatted(j);
			fprintf(f, "%s\n", line ? line : "");
		} else {
			fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", ts, text);
		}
	}
}

static int fail(const struct oci_cli *c, struct tug_err *err)
{
	log_error(c, err);
	return EXIT_RUNTIME;
}

static int usage_error(const char *cmd, const char *why)
{
	fprintf(stderr, "tug oci %s: %s\n", cmd, why);
	return EXIT_USAGE;
}

static void print_json(const cJSON *j)
{
	_cleanup_free_ char *s = cJSON_Print(j);

	if (s)
		printf("%s\n", s);
}

/* Flags may come before or after the positional arguments, as with runc. */
static int parse_flags(struct oci_cli *c, const char *cmd, int argc, char **argv)
{
	static char *pos[256];
	bool rest = false;

	c->args = pos;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i], *val = NULL, *eq;
		const char *name;

		/* exec: everything after the container id and first word is the command. */
		if (rest || a[0] != '-' || !a[1]) {
			if (c->n_args < 255)
				pos[c->n_args++] = a;
			if (!strcmp(cmd, "exec") && c->n_args >= 1)
				rest = true;
			if (!strcmp(cmd, "ps") && c->n_args >= 1)
				rest = true;
			continue;
		}
		if (!strcmp(a, "--")) {
			rest = true;
			continue;
		}
		name = a + (a[1] == '-' ? 2 : 1);
		eq = strchr(a, '=');
		if (eq) {
			*eq = '\0';
			val = eq + 1;
		}
#define NEXT()                                                                                     \
	({                                                                                         \
		if (!val && i + 1 >= argc)                                                         \
			return usage_error(cmd, "flag needs a value");                             \
		val ? val : argv[++i];                                                             \
	})
		if (!strcmp(name, "bundle") || !strcmp(name, "b"))
			c->bundle = NEXT();
		else if (!strcmp(name, "pid-file"))
			c->pid_file = NEXT();
		else if (!strcmp(name, "console-socket"))
			c->console_socket = NEXT();
		else if (!strcmp(name, "preserve-fds"))
			c->preserve_fds = atoi(NEXT());
		else if (!strcmp(name, "process") || !strcmp(name, "p"))
			c->process = NEXT();
		else if (!strcmp(name, "format") ||
			 (!strcmp(name, "f") && (!strcmp(cmd, "ps") || !strcmp(cmd, "list"))))
			c->format = NEXT();
		else if (!strcmp(name, "cwd"))
			c->cwd = NEXT();
		else if (!strcmp(name, "user") || !strcmp(name, "u"))
			c->user = NEXT();
		else if (!strcmp(name, "resources") || !strcmp(name, "r"))
			c->resources = NEXT();
		else if (!strcmp(name, "env") || !strcmp(name, "e")) {
			const char *e = NEXT();

			if (c->n_env < 63)
				c->env[c->n_env++] = e;
		} else if (!strcmp(name, "detach") || !strcmp(name, "d"))
			c->detach = true;
		else if (!strcmp(name, "tty") || !strcmp(name, "t"))
			c->tty = true;
		else if (!strcmp(name, "no-pivot"))
			c->no_pivot = true;
		else if (!strcmp(name, "force") || !strcmp(name, "f"))
			c->force = true;
		else if (!strcmp(name, "all") || !strcmp(name, "a"))
			c->all = true;
		else if (!strcmp(name, "quiet") || !strcmp(name, "q"))
			c->quiet = true;
		else if (!strcmp(name, "rootless"))
			c->rootless = !val || strcmp(val, "false");
		else if (!strcmp(name, "no-new-privs"))
			c->no_new_privs = true;
		else if (!strcmp(name, "no-new-keyring") || !strcmp(name, "no-subreaper") ||
			 !strcmp(name, "keep"))
			; /* accepted for compatibility; tug has no keyring or subreaper of its own
			   */
		else if (!strcmp(name, "cap") || !strcmp(name, "apparmor") ||
			 !strcmp(name, "process-label") || !strcmp(name, "cgroup"))
			(void)NEXT();
		else {
			fprintf(stderr, "tug oci %s: unknown flag %s\n", cmd, a);
			return EXIT_USAGE;
		}
#undef NEXT
	}
	return 0;
}

static int need_id(const struct oci_cli *c, const char *cmd)
{
	if (c->n_args < 1)
		return usage_error(cmd, "needs a container id");
	return 0;
}

static void create_opts(const struct oci_cli *c, struct oci_create_opts *o)
{
	oci_create_opts_init(o);
	o->console_socket = c->console_socket;
	o->pid_file = c->pid_file;
	o->preserve_fds = c->preserve_fds;
	o->no_pivot = c->no_pivot;
}

static int cmd_create(struct oci_cli *c)
{
	struct oci_create_opts o;
	struct tug_err err;
	pid_t pid;

	if (need_id(c, "create"))
		return EXIT_USAGE;
	create_opts(c, &o);
	if (oci_runtime_create(c->root, c->args[0], c->bundle ? c->bundle : ".", &o, &pid, &err) <
	    0)
		return fail(c, &err);
	return EXIT_OK;
}

static int cmd_start(struct oci_cli *c)
{
	struct tug_err err;

	if (need_id(c, "start"))
		return EXIT_USAGE;
	if (oci_runtime_start(c->root, c->args[0], &err) < 0)
		return fail(c, &err);
	return EXIT_OK;
}

static volatile pid_t forward_pid;

static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill(forward_pid, sig);
}

/* Foreground: forward signals, proxy the terminal, return the exit status. */
static int wait_foreground(pid_t pid, int master)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
	struct tug_err err;
	int status = 0;

	forward_pid = pid;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	if (master >= 0) {
		pty_proxy(master, &err);
		close(master);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_RUNTIME;
	forward_pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static int cmd_run(struct oci_cli *c)
{
	struct oci_create_opts o;
	struct tug_err err, ignored;
	int master = -1, rc;
	pid_t pid;

	if (need_id(c, "run"))
		return EXIT_USAGE;
	create_opts(c, &o);
	if (!c->detach)
		o.console_master = &master;
	if (oci_runtime_create(c->root, c->args[0], c->bundle ? c->bundle : ".", &o, &pid, &err) <
	    0)
		return fail(c, &err);
	if (oci_runtime_start(c->root, c->args[0], &err) < 0) {
		oci_runtime_delete(c->root, c->args[0], true, &ignored);
		return fail(c, &err);
	}
	if (c->detach)
		return EXIT_OK;
	rc = wait_foreground(pid, master);
	if (oci_runtime_delete(c->root, c->args[0], true, &err) < 0)
		log_error(c, &err);
	return rc;
}

static int cmd_state(struct oci_cli *c)
{
	_cleanup_json_ cJSON *st = NULL;
	struct tug_err err;

	if (need_id(c, "state"))
		return EXIT_USAGE;
	if (oci_runtime_state(c->root, c->args[0], &st, &err) < 0)
		return fail(c, &err);
	print_json(st);
	return EXIT_OK;
}

static int cmd_kill(struct oci_cli *c)
{
	struct tug_err err;
	int sig = SIGTERM;

	if (need_id(c, "kill"))
		return EXIT_USAGE;
	/* runc: an unknown signal is a runtime error (1), not a usage one. */
	if (c->n_args > 1 && (sig = oci_signal_parse(c->args[1])) < 0) {
		tug_err_set(&err, EINVAL, "unknown signal \"%s\"", c->args[1]);
		return fail(c, &err);
	}
	if (oci_runtime_kill(c->root, c->args[0], sig, c->all, &err) < 0)
		return fail(c, &err);
	return EXIT_OK;
}

static int cmd_delete(struct oci_cli *c)
{
	struct tug_err err;

	if (need_id(c, "delete"))
		return EXIT_USAGE;
	for (int i = 0; i < c->n_args; i++)
		if (oci_runtime_delete(c->root, c->args[i], c->force, &err) < 0) {
			/* runc: --force on a missing container is not an error. */
			if (c->force && err.code == ENOENT)
				continue;
			return fail(c, &err);
		}
	return EXIT_OK;
}

static int cmd_pause(struct oci_cli *c, bool pause)
{
	struct tug_err err;

	if (need_id(c, pause ? "pause" : "resume"))
		return EXIT_USAGE;
	if ((pause ? oci_runtime_pause : oci_runtime_resume)(c->root, c->args[0], &err) < 0)
		return fail(c, &err);
	return EXIT_OK;
}

static int cmd_list(struct oci_cli *c)
{
	_cleanup_json_ cJSON *list = NULL;
	struct tug_err err;
	const cJSON *it;

	if (oci_runtime_list(c->root, &list, &err) < 0)
		return fail(c, &err);
	if (c->format && !strcmp(c->format, "json")) {
		_cleanup_free_ char *s = cJSON_PrintUnformatted(list);

		printf("%s\n", s ? s : "[]");
		return EXIT_OK;
	}
	if (!c->quiet)
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	cJSON_ArrayForEach(it, list)
	{
		const char *id = cJSON_GetObjectItem(it, "id")->valuestring;

		if (c->quiet) {
			printf("%s\n", id);
			continue;
		}
		printf("%-12s %-8d %-10s %-40s %-30s %s\n", id,
		       cJSON_GetObjectItem(it, "pid")->valueint,
		       cJSON_GetObjectItem(it, "status")->valuestring,
		       cJSON_GetObjectItem(it, "bundle")->valuestring,
		       cJSON_GetObjectItem(it, "created")->valuestring,
		       cJSON_GetObjectItem(it, "owner")->valuestring);
	}
	return EXIT_OK;
}

static int cmd_ps(struct oci_cli *c)
{
	_cleanup_free_ pid_t *pids = NULL;
	struct tug_err err;
	size_t n = 0;

	if (need_id(c, "ps"))
		return EXIT_USAGE;
	if (oci_runtime_pids(c->root, c->args[0], &pids, &n, &err) < 0)
		return fail(c, &err);
	if (c->format && !strcmp(c->format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		return EXIT_OK;
	}
	/* Table: the host's ps output, only the lines of our pids (as runc). */
	{
		char cmd[512] = "ps -ef";
		_cleanup_free_ char *line = NULL;
		size_t cap = 0;
		FILE *p;
		int pidcol = -1;

		if (c->n_args > 1) {
			size_t len = snprintf(cmd, sizeof(cmd), "ps");

			for (int i = 1; i < c->n_args && len < sizeof(cmd); i++)
				len += snprintf(cmd + len, sizeof(cmd) - len, " '%s'", c->args[i]);
		}
		p = popen(cmd, "r");
		if (!p) {
			tug_err_sys(&err, "run ps");
			return fail(c, &err);
		}
		while (getline(&line, &cap, p) > 0) {
			char copy[1024], *tok, *save;
			int col = 0;

			snprintf(copy, sizeof(copy), "%s", line);
			if (pidcol < 0) {
				for (tok = strtok_r(copy, " \t\n", &save); tok;
				     tok = strtok_r(NULL, " \t\n", &save), col++)
					if (!strcmp(tok, "PID"))
						pidcol = col;
				fputs(line, stdout);
				continue;
			}
			for (tok = strtok_r(copy, " \t\n", &save); tok && col < pidcol;
			     tok = strtok_r(NULL, " \t\n", &save))
				col++;
			for (size_t i = 0; tok && i < n; i++)
				if (atoi(tok) == pids[i])
					fputs(line, stdout);
		}
		pclose(p);
	}
	return EXIT_OK;
}

/* exec without --process: a process object from the flags, as runc builds it. */
static cJSON *process_from_flags(struct oci_cli *c, struct tug_err *err)
{
	cJSON *p = cJSON_CreateObject(), *args = cJSON_AddArrayToObject(p, "args");
	cJSON *env = cJSON_AddArrayToObject(p, "env"), *user;
	unsigned uid = 0, gid = 0;

	cJSON_AddBoolToObject(p, "terminal", c->tty);
	for (int i = 1; i < c->n_args; i++)
		cJSON_AddItemToArray(args, cJSON_CreateString(c->args[i]));
	cJSON_AddItemToArray(
	    env, cJSON_CreateString(
		     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	for (int i = 0; i < c->n_env; i++)
		cJSON_AddItemToArray(env, cJSON_CreateString(c->env[i]));
	cJSON_AddStringToObject(p, "cwd", c->cwd ? c->cwd : "/");
	if (c->user && sscanf(c->user, "%u:%u", &uid, &gid) < 1) {
		cJSON_Delete(p);
		tug_err_set(err, EINVAL, "--user: expected uid[:gid]");
		return NULL;
	}
	user = cJSON_AddObjectToObject(p, "user");
	cJSON_AddNumberToObject(user, "uid", uid);
	cJSON_AddNumberToObject(user, "gid", gid);
	cJSON_AddBoolToObject(p, "noNewPrivileges", c->no_new_privs);
	return p;
}

static int cmd_exec(struct oci_cli *c)
{
	_cleanup_json_ cJSON *proc = NULL;
	struct oci_create_opts o;
	struct tug_err err;
	int master = -1;
	pid_t pid;

	if (need_id(c, "exec"))
		return EXIT_USAGE;
	if (c->process) {
		proc = json_parse_file(c->process, 1 << 20, &err);
		if (!proc)
			return fail(c, &err);
	} else {
		if (c->n_args < 2)
			return usage_error("exec", "needs a command or --process");
		proc = process_from_flags(c, &err);
		if (!proc)
			return fail(c, &err);
	}
	create_opts(c, &o);
	if (!c->detach)
		o.console_master = &master;
	/* runc exits 255 when exec itself fails, so callers can tell it from
	 * the process's own exit status. */
	if (oci_runtime_exec(c->root, c->args[0], proc, &o, &pid, &err) < 0) {
		fail(c, &err);
		return EXIT_EXEC_FAILED;
	}
	if (c->detach)
		return EXIT_OK;
	return wait_foreground(pid, master);
}

static int cmd_update(struct oci_cli *c)
{
	_cleanup_json_ cJSON *res = NULL;
	struct oci_state st;
	struct tug_err err;
	int rc;

	if (need_id(c, "update"))
		return EXIT_USAGE;
	if (!c->resources)
		return usage_error("update", "needs --resources FILE (or - for stdin)");
	res =
	    json_parse_file(strcmp(c->resources, "-") ? c->resources : "/dev/stdin", 1 << 20, &err);
	if (!res)
		return fail(c, &err);
	if (oci_state_load(c->root, c->args[0], &st, &err) < 0)
		return fail(c, &err);
	rc = cgroup_update_oci(st.cgroup, res, &err);
	oci_state_free(&st);
	return rc < 0 ? fail(c, &err) : EXIT_OK;
}

static int cmd_spec(struct oci_cli *c)
{
	_cleanup_json_ cJSON *j = oci_default_spec(c->rootless, getuid(), getgid());
	_cleanup_free_ char *text = NULL;
	char path[4096];
	struct tug_err err;

	if (!j || !(text = cJSON_Print(j))) {
		tug_err_set(&err, ENOMEM, "spec");
		return fail(c, &err);
	}
	snprintf(path, sizeof(path), "%s/config.json", c->bundle ? c->bundle : ".");
	if (access(path, F_OK) == 0) {
		tug_err_set(&err, EEXIST, "File %s exists. Remove it first", path);
		return fail(c, &err);
	}
	if (atomic_write_file(AT_FDCWD, path, text, strlen(text), 0644, &err) < 0)
		return fail(c, &err);
	return EXIT_OK;
}

static int cmd_features(struct oci_cli *c)
{
	_cleanup_json_ cJSON *j = oci_features();

	print_json(j);
	return EXIT_OK;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: tug oci [--root DIR] [--log FILE] [--log-format text|json] COMMAND [ARGS]\n\n"
	    "An OCI runtime with runc's command line.\n\nCommands:\n"
	    "  create    create a container (its init waits for start)\n"
	    "  start     run the user process of a created container\n"
	    "  run       create and start; wait unless --detach\n"
	    "  state     print the state of a container as JSON\n"
	    "  kill      send a signal (default TERM) to the init, or --all\n"
	    "  delete    remove a stopped container (--force: kill it first)\n"
	    "  exec      run a process in a running container\n"
	    "  ps        processes of a container\n"
	    "  list      containers under --root\n"
	    "  pause     freeze a container (cgroup v2)\n"
	    "  resume    thaw a paused container\n"
	    "  update    change resources (--resources FILE)\n"
	    "  spec      write a default config.json\n"
	    "  features  print what this runtime supports as JSON\n");
}

int oci_main(int argc, char **argv)
{
	struct oci_cli c = {.root = OCI_DEFAULT_ROOT};
	const char *cmd;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		char *a = argv[i], *val = strchr(a, '=');
		const char *name = a + (a[1] == '-' ? 2 : 1);

		if (val)
			*val++ = '\0';
#define GVAL() (val ? val : (i + 1 < argc ? argv[++i] : ""))
		if (!strcmp(name, "root"))
			c.root = GVAL();
		else if (!strcmp(name, "log"))
			c.log = GVAL();
		else if (!strcmp(name, "log-format"))
			c.log_json = !strcmp(GVAL(), "json");
		else if (!strcmp(name, "debug"))
			c.debug = true;
		else if (!strcmp(name, "systemd-cgroup")) {
			if (!val || strcmp(val, "false")) {
				fprintf(stderr,
					"tug oci: --systemd-cgroup is not supported: tug manages "
					"cgroup v2 itself (cgroupfs); drop the flag\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(name, "rootless") || !strcmp(name, "criu"))
			(void)GVAL();
		else if (!strcmp(name, "help") || !strcmp(name, "h")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(name, "version") || !strcmp(name, "v")) {
			printf("tug oci (runc-compatible)\nspec: 1.2.0\n");
			return EXIT_OK;
		} else {
			fprintf(stderr, "tug oci: unknown flag %s\n", a);
			return EXIT_USAGE;
		}
#undef GVAL
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[i];
	if ((rc = parse_flags(&c, cmd, argc - i - 1, argv + i + 1)) != 0)
		return rc;
	if (!strcmp(cmd, "create"))
		return cmd_create(&c);
	if (!strcmp(cmd, "start"))
		return cmd_start(&c);
	if (!strcmp(cmd, "run"))
		return cmd_run(&c);
	if (!strcmp(cmd, "state"))
		return cmd_state(&c);
	if (!strcmp(cmd, "kill"))
		return cmd_kill(&c);
	if (!strcmp(cmd, "delete"))
		return cmd_delete(&c);
	if (!strcmp(cmd, "exec"))
		return cmd_exec(&c);
	if (!strcmp(cmd, "ps"))
		return cmd_ps(&c);
	if (!strcmp(cmd, "list"))
		return cmd_list(&c);
	if (!strcmp(cmd, "pause"))
		return cmd_pause(&c, true);
	if (!strcmp(cmd, "resume"))
		return cmd_pause(&c, false);
	if (!strcmp(cmd, "update"))
		return cmd_update(&c);
	if (!strcmp(cmd, "spec"))
		return cmd_spec(&c);
	if (!strcmp(cmd, "features"))
		return cmd_features(&c);
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "tug oci: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
