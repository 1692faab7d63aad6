/* `run` and `create` options into the Docker create body. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/fsutil.h"

enum {
	O_RM = 256, O_NAME, O_NETWORK, O_RESTART, O_HEALTH_CMD, O_HEALTH_INTERVAL,
	O_HEALTH_TIMEOUT, O_HEALTH_RETRIES, O_HEALTH_START, O_NO_HEALTH, O_PIDS, O_CPUS,
	O_ENTRYPOINT, O_READ_ONLY, O_TMPFS, O_STOP_SIGNAL, O_STOP_TIMEOUT, O_PRIVILEGED,
	O_CAP_ADD, O_CAP_DROP, O_PLATFORM, O_MEMORY_SWAP, O_HELP, O_INIT, O_SIG_PROXY,
	O_PULL, O_ENV_FILE, O_SECURITY_OPT, O_DEVICE, O_DEVICE_RULE, O_ULIMIT, O_SHM_SIZE, O_SYSCTL,
	O_OOM_SCORE_ADJ, O_GROUP_ADD, O_PID, O_IPC, O_UTS,
};

static const struct option run_options[] = {
	{ "detach", no_argument, NULL, 'd' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "tty", no_argument, NULL, 't' },
	{ "env", required_argument, NULL, 'e' },
	{ "env-file", required_argument, NULL, O_ENV_FILE },
	{ "volume", required_argument, NULL, 'v' },
	{ "publish", required_argument, NULL, 'p' },
	{ "memory", required_argument, NULL, 'm' },
	{ "user", required_argument, NULL, 'u' },
	{ "workdir", required_argument, NULL, 'w' },
	{ "hostname", required_argument, NULL, 'h' },
	{ "label", required_argument, NULL, 'l' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "attach", required_argument, NULL, 'a' },
	{ "rm", no_argument, NULL, O_RM },
	{ "name", required_argument, NULL, O_NAME },
	{ "network", required_argument, NULL, O_NETWORK },
	{ "net", required_argument, NULL, O_NETWORK },
	{ "restart", required_argument, NULL, O_RESTART },
	{ "health-cmd", required_argument, NULL, O_HEALTH_CMD },
	{ "health-interval", required_argument, NULL, O_HEALTH_INTERVAL },
	{ "health-timeout", required_argument, NULL, O_HEALTH_TIMEOUT },
	{ "health-retries", required_argument, NULL, O_HEALTH_RETRIES },
	{ "health-start-period", required_argument, NULL, O_HEALTH_START },
	{ "no-healthcheck", no_argument, NULL, O_NO_HEALTH },
	{ "pids-limit", required_argument, NULL, O_PIDS },
	{ "cpus", required_argument, NULL, O_CPUS },
	{ "memory-swap", required_argument, NULL, O_MEMORY_SWAP },
	{ "entrypoint", required_argument, NULL, O_ENTRYPOINT },
	{ "read-only", no_argument, NULL, O_READ_ONLY },
	{ "tmpfs", required_argument, NULL, O_TMPFS },
	{ "stop-signal", required_argument, NULL, O_STOP_SIGNAL },
	{ "stop-timeout", required_argument, NULL, O_STOP_TIMEOUT },
	{ "privileged", no_argument, NULL, O_PRIVILEGED },
	{ "cap-add", required_argument, NULL, O_CAP_ADD },
	{ "cap-drop", required_argument, NULL, O_CAP_DROP },
	{ "security-opt", required_argument, NULL, O_SECURITY_OPT },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "device-cgroup-rule", required_argument, NULL, O_DEVICE_RULE },
	{ "ulimit", required_argument, NULL, O_ULIMIT },
	{ "shm-size", required_argument, NULL, O_SHM_SIZE },
	{ "sysctl", required_argument, NULL, O_SYSCTL },
	{ "oom-score-adj", required_argument, NULL, O_OOM_SCORE_ADJ },
	{ "group-add", required_argument, NULL, O_GROUP_ADD },
	{ "pid", required_argument, NULL, O_PID },
	{ "ipc", required_argument, NULL, O_IPC },
	{ "uts", required_argument, NULL, O_UTS },
	{ "platform", required_argument, NULL, O_PLATFORM },
	{ "init", no_argument, NULL, O_INIT },
	{ "sig-proxy", optional_argument, NULL, O_SIG_PROXY },
	{ "pull", required_argument, NULL, O_PULL },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *out, bool is_run)
{
	fprintf(out,
		"Usage: tug %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
		"%s a container through tugd.\n\n"
		"Options:\n"
		"%s"
		"      --rm                 Remove the container when it exits\n"
		"  -i, --interactive        Keep stdin open\n"
		"  -t, --tty                Allocate a pseudo-TTY\n"
		"      --name NAME          Container name\n"
		"  -e, --env K=V            Environment variable\n"
		"      --env-file FILE      Environment variables from a file (K=V lines)\n"
		"  -v, --volume SRC:DST[:ro] Bind mount or named volume\n"
		"  -p, --publish [IP:]HOST:CTR[/PROTO]  Publish a port\n"
		"      --network NAME       Network (bridge, host, none, ...)\n"
		"      --restart POLICY     no, always, unless-stopped, on-failure[:N]\n"
		"      --health-cmd CMD     Health check (and --health-interval, -timeout,\n"
		"                           -retries, -start-period, --no-healthcheck)\n"
		"  -m, --memory BYTES       Memory limit (512m, 1g)\n"
		"      --pids-limit N       Process limit\n"
		"      --cpus N             CPUs (1.5)\n"
		"      --entrypoint CMD     Override the image's entrypoint\n"
		"  -w, --workdir DIR        Working directory\n"
		"  -u, --user USER[:GROUP]  User\n"
		"      --read-only          Read-only root filesystem\n"
		"      --init               Run an init (docker-init) as PID 1: signals, reaping\n"
		"      --tmpfs DIR[:OPTS]   tmpfs mount\n"
		"      --privileged         Every capability and host device, no seccomp\n"
		"      --cap-add CAP, --cap-drop CAP   Capabilities (ALL too)\n"
		"      --security-opt OPT   no-new-privileges, seccomp=FILE|unconfined\n"
		"      --device HOST[:CTR[:rwm]]  Host device (--device-cgroup-rule 'c 1:3 rwm')\n"
		"      --ulimit NAME=SOFT[:HARD]  Resource limit (nofile=1024:2048)\n"
		"      --shm-size BYTES     Size of /dev/shm (64m)\n"
		"      --sysctl K=V         Namespaced sysctl\n"
		"      --oom-score-adj N    OOM score adjustment (-1000..1000)\n"
		"      --group-add GROUP    Supplementary group\n"
		"      --pid MODE, --ipc MODE, --uts MODE   host or container:NAME\n"
		"  -l, --label K=V          Label\n"
		"  -h, --hostname NAME      Hostname\n"
		"      --pull POLICY        missing (default), always, never\n",
		is_run ? "run" : "create", is_run ? "Create and run" : "Create",
		is_run ? "  -d, --detach             Run in the background, print the ID\n" : "");
}

static void add_str(cJSON *a, const char *s)
{
	cJSON_AddItemToArray(a, cJSON_CreateString(s));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int cli_parse_env_file(const char *text, size_t len, const char *name, cJSON *out,
		       struct tug_err *err)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3; /* a UTF-8 byte order mark */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *eq, *k;
		_cleanup_free_ char *line = NULL, *kv = NULL;
		size_t n;

		lineno++;
		while (p < le && is_space(*p))
			p++;
		n = (size_t)(le - p);
		if (n && p[n - 1] == '\r')
			n--;
		line = strndup(p, n);
		p = nl ? nl + 1 : end;
		if (!line)
			return tug_err_set(err, ENOMEM, "%s", name);
		if (!*line || line[0] == '#')
			continue;
		if (strlen(line) != n)
			return tug_err_set(err, EINVAL, "env file %s: NUL byte at line %d", name, lineno);
		eq = strchr(line, '=');
		k = line;
		if (eq == line || !*k)
			return tug_err_set(err, EINVAL, "no variable name on line '%s'", line);
		for (const char *q = k; q < (eq ? eq : k + n); q++)
			if (is_space(*q)) {
				return tug_err_set(err, EINVAL, "variable '%.*s' contains whitespaces",
						   (int)((eq ? eq : k + n) - k), k);
			}
		if (!eq) {
			/* KEY alone: its value from our environment, or nothing when unset. */
			const char *v = getenv(line);

			if (!v)
				continue;
			if (asprintf(&kv, "%s=%s", line, v) < 0) {
				kv = NULL;
				return tug_err_set(err, ENOMEM, "%s", name);
			}
		}
		cJSON_AddItemToArray(out, cJSON_CreateString(kv ? kv : line));
	}
	return 0;
}

static int bad(const char *what, const char *val)
{
	fprintf(stderr, "tug: invalid %s: %s\nSee 'tug run --help'.\n", what, val);
	return -1;
}

/* --security-opt: as the docker CLI, seccomp=FILE is sent as the file's text. */
static int add_security_opt(cJSON *hc, const char *v)
{
	_cleanup_free_ char *text = NULL, *opt = NULL;
	struct tug_err err;
	size_t len;

	if (strncmp(v, "seccomp=", 8) && strncmp(v, "seccomp:", 8)) {
		add_str(json_array_at(hc, "SecurityOpt"), v);
		return 0;
	}
	if (!strcmp(v + 8, "unconfined")) {
		add_str(json_array_at(hc, "SecurityOpt"), "seccomp=unconfined");
		return 0;
	}
	if (read_file(AT_FDCWD, v + 8, 1 << 20, &text, &len, &err) < 0) {
		fprintf(stderr, "tug: opening seccomp profile (%s) failed: %s\n", v + 8, err.msg);
		return -1;
	}
	if (asprintf(&opt, "seccomp=%s", text) < 0) {
		opt = NULL;
		return bad("security-opt", v);
	}
	add_str(json_array_at(hc, "SecurityOpt"), opt);
	return 0;
}

/* --device HOST[:CONTAINER[:PERMISSIONS]] */
static int add_device(cJSON *hc, const char *v)
{
	char buf[1024], *host = buf, *ctr, *perm = NULL;
	cJSON *d;

	if (!*v || strlen(v) >= sizeof(buf))
		return bad("device", v);
	snprintf(buf, sizeof(buf), "%s", v);
	ctr = strchr(buf, ':');
	if (ctr) {
		*ctr++ = '\0';
		perm = strchr(ctr, ':');
		if (perm)
			*perm++ = '\0';
		/* HOST:rwm */
		if (!perm && *ctr && ctr[0] != '/' && strspn(ctr, "rwm") == strlen(ctr)) {
			perm = ctr;
			ctr = NULL;
		}
	}
	if (perm && (!*perm || strspn(perm, "rwm") != strlen(perm)))
		return bad("device permissions", v);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "PathOnHost", host);
	cJSON_AddStringToObject(d, "PathInContainer", ctr && *ctr ? ctr : host);
	cJSON_AddStringToObject(d, "CgroupPermissions", perm ? perm : "rwm");
	cJSON_AddItemToArray(json_array_at(hc, "Devices"), d);
	return 0;
}

/* --ulimit NAME=SOFT[:HARD] */
static int add_ulimit(cJSON *hc, const char *v)
{
	const char *eq = strchr(v, '=');
	char name[32], *end;
	long long soft, hard;
	cJSON *u;

	if (!eq || eq == v || (size_t)(eq - v) >= sizeof(name))
		return bad("ulimit (NAME=SOFT[:HARD])", v);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - v), v);
	soft = strtoll(eq + 1, &end, 10);
	if (end == eq + 1 || (*end && *end != ':'))
		return bad("ulimit", v);
	hard = soft;
	if (*end == ':') {
		const char *h = end + 1;

		hard = strtoll(h, &end, 10);
		if (end == h || *end)
			return bad("ulimit", v);
	}
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "Name", name);
	cJSON_AddNumberToObject(u, "Soft", (double)soft);
	cJSON_AddNumberToObject(u, "Hard", (double)hard);
	cJSON_AddItemToArray(json_array_at(hc, "Ulimits"), u);
	return 0;
}

static int set_duration(cJSON *hc, const char *key, const char *val)
{
	int64_t ns;

	if (cli_parse_duration_ns(val, &ns))
		return bad(key, val);
	cJSON_AddNumberToObject(hc, key, (double)ns);
	return 0;
}

static int add_restart(cJSON *hostcfg, const char *v)
{
	cJSON *rp = cJSON_AddObjectToObject(hostcfg, "RestartPolicy");
	const char *colon = strchr(v, ':');
	char name[32];
	long n = 0;

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - v) : (int)strlen(v), v);
	if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "unless-stopped") &&
	    strcmp(name, "on-failure"))
		return bad("restart policy", v);
	if (colon) {
		char *e;

		n = strtol(colon + 1, &e, 10);
		if (strcmp(name, "on-failure") || *e || n < 0)
			return bad("restart policy", v);
	}
	cJSON_AddStringToObject(rp, "Name", name);
	cJSON_AddNumberToObject(rp, "MaximumRetryCount", (double)n);
	return 0;
}

static int add_port(cJSON *body, cJSON *hostcfg, const char *v)
{
	char key[32], ip[64], host[16];
	cJSON *binds, *b;

	if (cli_parse_port(v, key, sizeof(key), ip, sizeof(ip), host, sizeof(host)))
		return bad("publish", v);
	if (!cJSON_GetObjectItem(json_object_at(body, "ExposedPorts"), key))
		cJSON_AddObjectToObject(json_object_at(body, "ExposedPorts"), key);
	binds = json_array_at(json_object_at(hostcfg, "PortBindings"), key);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "HostIp", ip);
	cJSON_AddStringToObject(b, "HostPort", host);
	cJSON_AddItemToArray(binds, b);
	return 0;
}

int cli_parse_run(int argc, char **argv, bool is_run, struct cli_run_opts *o)
{
	cJSON *body = cJSON_CreateObject(), *hc = cJSON_AddObjectToObject(body, "HostConfig");
	cJSON *health = NULL;
	cJSON *file_env = NULL;	/* parked in body until the options end */
	int c;

	memset(o, 0, sizeof(*o));
	o->body = body;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "+dite:v:p:m:u:w:h:l:qa:", run_options, NULL)) != -1) {
		int64_t n;
		char *e;

		switch (c) {
		case 'd':
			if (!is_run)
				goto usage;
			o->detach = true;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 't':
			o->tty = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'a':
		case O_PLATFORM:
			break; /* accepted for compatibility */
		case O_INIT:
			cJSON_AddBoolToObject(hc, "Init", true);
			break;
		case O_PULL:
			if (!strcmp(optarg, "missing"))
				o->pull = PULL_MISSING;
			else if (!strcmp(optarg, "always"))
				o->pull = PULL_ALWAYS;
			else if (!strcmp(optarg, "never"))
				o->pull = PULL_NEVER;
			else
				return bad("pull policy (missing, always, never)", optarg);
			break;
		case O_SIG_PROXY:
			o->no_sig_proxy = optarg && !strcmp(optarg, "false");
			break;
		case O_ENV_FILE: {
			_cleanup_free_ char *text = NULL;
			size_t len = 0;
			struct tug_err err;

			/* Docker puts every file's variables before the -e ones. */
			if (!file_env)
				file_env = cJSON_AddArrayToObject(body, " env-file");
			if (read_file(AT_FDCWD, optarg, 1 << 20, &text, &len, &err) ||
			    cli_parse_env_file(text, len, optarg, file_env, &err)) {
				tug_err_print(&err);
				return -1;
			}
			break;
		}
		case 'e':
			if (!strchr(optarg, '=')) {
				const char *v = getenv(optarg);
				char *kv;

				if (!v)
					break;
				if (asprintf(&kv, "%s=%s", optarg, v) < 0)
					return -1;
				add_str(json_array_at(body, "Env"), kv);
				free(kv);
				break;
			}
			add_str(json_array_at(body, "Env"), optarg);
			break;
		case 'v':
			if (!strchr(optarg, ':')) {
				/* An anonymous volume: a mount point only. */
				cJSON_AddObjectToObject(json_object_at(body, "Volumes"), optarg);
				break;
			}
			add_str(json_array_at(hc, "Binds"), optarg);
			break;
		case 'p':
			if (add_port(body, hc, optarg))
				return -1;
			break;
		case 'm':
			if (cli_parse_bytes(optarg, &n))
				return bad("memory", optarg);
			cJSON_AddNumberToObject(hc, "Memory", (double)n);
			break;
		case O_MEMORY_SWAP:
			if (!strcmp(optarg, "-1"))
				n = -1;
			else if (cli_parse_bytes(optarg, &n))
				return bad("memory-swap", optarg);
			cJSON_AddNumberToObject(hc, "MemorySwap", (double)n);
			break;
		case 'u':
			cJSON_AddStringToObject(body, "User", optarg);
			break;
		case 'w':
			cJSON_AddStringToObject(body, "WorkingDir", optarg);
			break;
		case 'h':
			cJSON_AddStringToObject(body, "Hostname", optarg);
			break;
		case 'l': {
			const char *eq = strchr(optarg, '=');
			char key[256];

			snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - optarg) : (int)strlen(optarg),
				 optarg);
			cJSON_AddStringToObject(json_object_at(body, "Labels"), key, eq ? eq + 1 : "");
			break;
		}
		case O_RM:
			o->rm = true;
			break;
		case O_NAME:
			o->name = optarg;
			break;
		case O_NETWORK:
			cJSON_AddStringToObject(hc, "NetworkMode", optarg);
			break;
		case O_RESTART:
			if (add_restart(hc, optarg))
				return -1;
			break;
		case O_HEALTH_CMD:
			if (!health)
				health = cJSON_AddObjectToObject(body, "Healthcheck");
			cJSON_DeleteItemFromObject(health, "Test");
			{
				cJSON *t = cJSON_AddArrayToObject(health, "Test");

				add_str(t, "CMD-SHELL");
				add_str(t, optarg);
			}
			break;
		case O_HEALTH_INTERVAL:
		case O_HEALTH_TIMEOUT:
		case O_HEALTH_START:
			if (!health)
				health = cJSON_AddObjectToObject(body, "Healthcheck");
			if (set_duration(health,
					 c == O_HEALTH_INTERVAL ? "Interval"
					 : c == O_HEALTH_TIMEOUT ? "Timeout" : "StartPeriod",
					 optarg))
				return -1;
			break;
		case O_HEALTH_RETRIES:
			if (!health)
				health = cJSON_AddObjectToObject(body, "Healthcheck");
			n = strtol(optarg, &e, 10);
			if (*e || n < 0)
				return bad("health-retries", optarg);
			cJSON_AddNumberToObject(health, "Retries", (double)n);
			break;
		case O_NO_HEALTH:
			if (!health)
				health = cJSON_AddObjectToObject(body, "Healthcheck");
			cJSON_DeleteItemFromObject(health, "Test");
			add_str(cJSON_AddArrayToObject(health, "Test"), "NONE");
			break;
		case O_PIDS:
			n = strtoll(optarg, &e, 10);
			if (*e || !*optarg)
				return bad("pids-limit", optarg);
			cJSON_AddNumberToObject(hc, "PidsLimit", (double)n);
			break;
		case O_CPUS:
			if (cli_parse_nanocpus(optarg, &n))
				return bad("cpus", optarg);
			cJSON_AddNumberToObject(hc, "NanoCpus", (double)n);
			break;
		case O_ENTRYPOINT:
			add_str(cJSON_AddArrayToObject(body, "Entrypoint"), optarg);
			break;
		case O_READ_ONLY:
			cJSON_AddBoolToObject(hc, "ReadonlyRootfs", true);
			break;
		case O_TMPFS: {
			const char *colon = strchr(optarg, ':');
			char dir[512];

			snprintf(dir, sizeof(dir), "%.*s",
				 colon ? (int)(colon - optarg) : (int)strlen(optarg), optarg);
			cJSON_AddStringToObject(json_object_at(hc, "Tmpfs"), dir, colon ? colon + 1 : "");
			break;
		}
		case O_STOP_SIGNAL:
			cJSON_AddStringToObject(body, "StopSignal", optarg);
			break;
		case O_STOP_TIMEOUT:
			n = strtol(optarg, &e, 10);
			if (*e || !*optarg)
				return bad("stop-timeout", optarg);
			cJSON_AddNumberToObject(body, "StopTimeout", (double)n);
			break;
		case O_PRIVILEGED:
			cJSON_AddBoolToObject(hc, "Privileged", true);
			break;
		case O_CAP_ADD:
		case O_CAP_DROP:
			add_str(json_array_at(hc, c == O_CAP_ADD ? "CapAdd" : "CapDrop"), optarg);
			break;
		case O_SECURITY_OPT:
			if (add_security_opt(hc, optarg))
				return -1;
			break;
		case O_DEVICE:
			if (add_device(hc, optarg))
				return -1;
			break;
		case O_DEVICE_RULE:
			add_str(json_array_at(hc, "DeviceCgroupRules"), optarg);
			break;
		case O_ULIMIT:
			if (add_ulimit(hc, optarg))
				return -1;
			break;
		case O_SHM_SIZE:
			if (cli_parse_bytes(optarg, &n) || n <= 0)
				return bad("shm-size", optarg);
			cJSON_AddNumberToObject(hc, "ShmSize", (double)n);
			break;
		case O_SYSCTL: {
			const char *eq = strchr(optarg, '=');
			char key[256];

			if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof(key))
				return bad("sysctl (K=V)", optarg);
			snprintf(key, sizeof(key), "%.*s", (int)(eq - optarg), optarg);
			cJSON_DeleteItemFromObject(json_object_at(hc, "Sysctls"), key);
			cJSON_AddStringToObject(json_object_at(hc, "Sysctls"), key, eq + 1);
			break;
		}
		case O_OOM_SCORE_ADJ: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end)
				return bad("oom-score-adj", optarg);
			cJSON_AddNumberToObject(hc, "OomScoreAdj", (double)v);
			break;
		}
		case O_GROUP_ADD:
			add_str(json_array_at(hc, "GroupAdd"), optarg);
			break;
		case O_PID:
		case O_IPC:
		case O_UTS:
			cJSON_AddStringToObject(hc, c == O_PID ? "PidMode" : c == O_IPC ? "IpcMode" : "UTSMode",
						optarg);
			break;
		case O_HELP:
			usage(stdout, is_run);
			cJSON_Delete(body);
			o->body = NULL;
			return 1;
		default:
			goto usage;
		}
	}
	if (file_env) {
		/* Docker's order: every --env-file's variables, then the -e ones. */
		cJSON *e = cJSON_DetachItemFromObject(body, "Env");

		cJSON_DetachItemViaPointer(body, file_env);
		while (e && e->child)
			cJSON_AddItemToArray(file_env, cJSON_DetachItemViaPointer(e, e->child));
		cJSON_Delete(e);
		cJSON_AddItemToObject(body, "Env", file_env);
	}
	if (optind >= argc) {
		fprintf(stderr, "tug: \"%s\" requires at least 1 argument.\n"
				"Usage: tug %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n",
			is_run ? "run" : "create", is_run ? "run" : "create");
		return -1;
	}
	if (o->rm && cJSON_GetObjectItem(hc, "RestartPolicy") &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(hc, "RestartPolicy"),
							    "Name")), "no")) {
		fprintf(stderr, "tug: conflicting options: cannot specify both --restart and --rm\n");
		return -1;
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	cJSON_AddStringToObject(body, "Image", o->args[0]);
	if (o->nargs > 1) {
		cJSON *cmd = cJSON_AddArrayToObject(body, "Cmd");

		for (int i = 1; i < o->nargs; i++)
			add_str(cmd, o->args[i]);
	}
	cJSON_AddBoolToObject(body, "Tty", o->tty);
	cJSON_AddBoolToObject(body, "OpenStdin", o->interactive);
	cJSON_AddBoolToObject(body, "StdinOnce", o->interactive && !o->detach);
	cJSON_AddBoolToObject(body, "AttachStdin", o->interactive && !o->detach);
	cJSON_AddBoolToObject(body, "AttachStdout", !o->detach);
	cJSON_AddBoolToObject(body, "AttachStderr", !o->detach);
	cJSON_AddBoolToObject(hc, "AutoRemove", o->rm);
	return 0;
usage:
	usage(stderr, is_run);
	return -1;
}
