/* A/B slots for tug's own binary: the boot decision and its record on disk. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/paths.h"
#include "core/update/slot.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

enum slot_action slot_boot_decide(struct slot_state *st, bool *failed)
{
	*failed = false;
	if (st->trial.slot) {
		if (st->trial.tries < st->trial.max_tries) {
			st->trial.tries++;
			return SLOT_RUN_TRIAL;
		}
		st->last_failed = st->trial;
		memset(&st->trial, 0, sizeof(st->trial));
		*failed = true;
	}
	return st->active ? SLOT_RUN_ACTIVE : SLOT_RUN_BUILTIN;
}

enum slot_health slot_health_judge(const struct slot_ctr_seen *c, size_t n, long long stable_ms,
				   char *why, size_t size)
{
	enum slot_health r = SLOT_HEALTH_OK;

	snprintf(why, size, "every container proved itself");
	for (size_t i = 0; i < n; i++, c++) {
		if (!c->found) {
			snprintf(why, size, "%s: no such container", c->name);
			return SLOT_HEALTH_FAIL;
		}
		if (c->restarted) {
			snprintf(why, size, "%s: restarted", c->name);
			return SLOT_HEALTH_FAIL;
		}
		if (!c->running) {
			if (c->exit_code) {
				snprintf(why, size, "%s: exited (code %d)", c->name, c->exit_code);
				return SLOT_HEALTH_FAIL;
			}
			continue;
		}
		if (c->health && !strcmp(c->health, "unhealthy")) {
			snprintf(why, size, "%s: unhealthy", c->name);
			return SLOT_HEALTH_FAIL;
		}
		if (c->health ? strcmp(c->health, "healthy") != 0 : c->up_ms < stable_ms) {
			if (r == SLOT_HEALTH_OK)
				snprintf(why, size, "%s: %s", c->name,
					 c->health ? "health check not passed yet" : "not running long enough");
			r = SLOT_HEALTH_WAIT;
		}
	}
	return r;
}

enum slot_verdict slot_trial_verdict(const struct slot_state *st, char s)
{
	if (st->trial.slot == s)
		return SLOT_TRIAL_PENDING;
	return st->active == s ? SLOT_TRIAL_COMMITTED : SLOT_TRIAL_FAILED;
}

char slot_inactive(const struct slot_state *st)
{
	return st->active == 'a' ? 'b' : 'a';
}

static char slot_of(const cJSON *v)
{
	const char *s = cJSON_GetStringValue(v);

	return s && (!strcmp(s, "a") || !strcmp(s, "b")) ? s[0] : 0;
}

static void trial_read(const cJSON *o, struct slot_trial *t)
{
	memset(t, 0, sizeof(*t));
	if (!cJSON_IsObject(o))
		return;
	t->slot = slot_of(cJSON_GetObjectItem(o, "Slot"));
	t->tries = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "Tries"));
	t->max_tries = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "MaxTries"));
	t->deadline_s = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "DeadlineS"));
	if (t->max_tries <= 0)
		t->max_tries = SLOT_DEFAULT_TRIES;
}

static void trial_write(cJSON *parent, const char *key, const struct slot_trial *t)
{
	cJSON *o;
	char s[2] = { t->slot, 0 };

	if (!t->slot)
		return;
	o = cJSON_AddObjectToObject(parent, key);
	cJSON_AddStringToObject(o, "Slot", s);
	cJSON_AddNumberToObject(o, "Tries", t->tries);
	cJSON_AddNumberToObject(o, "MaxTries", t->max_tries);
	cJSON_AddNumberToObject(o, "DeadlineS", t->deadline_s);
}

int slot_state_read(const char *dir, struct slot_state *st, struct tug_err *err)
{
	char path[600];
	_cleanup_json_ cJSON *j = NULL;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/slots.json", dir);
	if (access(path, F_OK))
		return 0;
	j = json_parse_file(path, 65536, err);
	if (!j)
		return -1;
	st->active = slot_of(cJSON_GetObjectItem(j, "Active"));
	trial_read(cJSON_GetObjectItem(j, "Trial"), &st->trial);
	trial_read(cJSON_GetObjectItem(j, "LastFailed"), &st->last_failed);
	return 0;
}

int slot_state_write(const char *dir, const struct slot_state *st, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = cJSON_CreateObject();
	char path[600], a[2] = { st->active, 0 };

	if (mkdir_p(dir, 0700, err))
		return -1;
	cJSON_AddStringToObject(j, "Active", a);
	trial_write(j, "Trial", &st->trial);
	trial_write(j, "LastFailed", &st->last_failed);
	snprintf(path, sizeof(path), "%s/slots.json", dir);
	return json_write_file(AT_FDCWD, path, j, err);
}

/*
 * The update revision marker (<state>/update/current.json) as it was when
 * the trial was installed: a trial that falls back brings it back with
 * the old binary.
 */
static void revision_paths(const char *dir, char *cur, size_t csize, char *saved, size_t ssize)
{
	snprintf(cur, csize, "%s/update/current.json", tug_state_dir());
	snprintf(saved, ssize, "%s/revision.json", dir);
}

int slot_save_revision(const char *dir, struct tug_err *err)
{
	char cur[600], saved[600];
	_cleanup_free_ char *data = NULL;
	size_t len;

	revision_paths(dir, cur, sizeof(cur), saved, sizeof(saved));
	if (access(cur, F_OK)) {
		if (unlink(saved) && errno != ENOENT)
			return tug_err_sys(err, "remove %s", saved);
		return 0;
	}
	if (read_file(AT_FDCWD, cur, 1 << 20, &data, &len, err))
		return -1;
	return atomic_write_file(AT_FDCWD, saved, data, len, 0600, err);
}

int slot_restore_revision(const char *dir, struct tug_err *err)
{
	char cur[600], saved[600];
	_cleanup_free_ char *data = NULL;
	size_t len;

	revision_paths(dir, cur, sizeof(cur), saved, sizeof(saved));
	if (access(saved, F_OK))
		return 0;
	if (read_file(AT_FDCWD, saved, 1 << 20, &data, &len, err))
		return -1;
	return atomic_write_file(AT_FDCWD, cur, data, len, 0600, err) ? -1 : 1;
}

/* ---- tug slot ------------------------------------------------------------- */

void slot_dir_at(const char *state_dir, char *out, size_t size)
{
	const char *d = getenv("TUG_SLOT_DIR");

	if (d && *d)
		snprintf(out, size, "%s", d);
	else
		snprintf(out, size, "%s/slots", state_dir);
}

void slot_dir(char *out, size_t size)
{
	slot_dir_at(tug_state_dir(), out, size);
}

char slot_running(const char *dir)
{
	const char *env = getenv("TUG_SLOT");
	char exe[PATH_MAX], path[600], real[PATH_MAX];
	ssize_t n;

	if (env && (!strcmp(env, "a") || !strcmp(env, "b")))
		return env[0];
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = 0;
	for (char s = 'a'; s <= 'b'; s++) {
		snprintf(path, sizeof(path), "%s/%c", dir, s);
		if (realpath(path, real) && !strcmp(real, exe))
			return s;
	}
	return 0;
}

static int fail(struct tug_err *err)
{
	tug_err_print(err);
	return EXIT_RUNTIME;
}

static int cmd_install(const char *dir, struct slot_state *st, int argc, char **argv)
{
	static const struct option opts[] = { { "tries", required_argument, NULL, 't' },
					      { "deadline", required_argument, NULL, 'd' },
					      { NULL, 0, NULL, 0 } };
	int tries = SLOT_DEFAULT_TRIES, deadline = SLOT_DEFAULT_DEADLINE_S, opt;
	_cleanup_free_ char *data = NULL;
	struct tug_err err;
	char path[600];
	size_t len;
	char slot;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:d:", opts, NULL)) != -1) {
		if (opt == 't')
			tries = atoi(optarg);
		else if (opt == 'd')
			deadline = atoi(optarg);
		else
			return EXIT_USAGE;
	}
	if (argc - optind != 1 || tries < 1) {
		fprintf(stderr, "Usage: tug slot install [--tries N] [--deadline S] BINARY\n");
		return EXIT_USAGE;
	}
	if (read_file(AT_FDCWD, argv[optind], 64 << 20, &data, &len, &err))
		return fail(&err);
	if (len < 4 || memcmp(data, "\177ELF", 4)) {
		fprintf(stderr, "tug: slot install: %s is not an ELF binary\n", argv[optind]);
		return EXIT_USAGE;
	}
	slot = slot_inactive(st);
	if (mkdir_p(dir, 0700, &err))
		return fail(&err);
	snprintf(path, sizeof(path), "%s/%c", dir, slot);
	/* The binary is whole on disk before the record names it. */
	if (atomic_write_file(AT_FDCWD, path, data, len, 0755, &err))
		return fail(&err);
	if (slot_save_revision(dir, &err))
		return fail(&err);
	st->trial = (struct slot_trial){ .slot = slot, .max_tries = tries, .deadline_s = deadline };
	if (slot_state_write(dir, st, &err))
		return fail(&err);
	printf("installed %s in slot %c: next %d boot%s are trial boots until `tug slot commit`\n",
	       argv[optind], slot, tries, tries == 1 ? "" : "s");
	return EXIT_OK;
}

/* What the boot path runs: decide, record, print (and with --exec, run) the binary. */
static int cmd_boot(const char *dir, struct slot_state *st, int argc, char **argv)
{
	struct tug_err err;
	bool failed;
	enum slot_action a = slot_boot_decide(st, &failed);
	char path[600] = "";
	char slot = a == SLOT_RUN_TRIAL ? st->trial.slot : a == SLOT_RUN_ACTIVE ? st->active : 0;

	if (slot_state_write(dir, st, &err))
		return fail(&err);
	if (failed && slot_restore_revision(dir, &err) < 0)
		tug_err_print(&err);
	if (failed)
		fprintf(stderr, "tug: slot %c was not committed after %d tries: back to %s%c\n",
			st->last_failed.slot, st->last_failed.tries,
			st->active ? "slot " : "the built-in binary", st->active ? st->active : ' ');
	if (slot)
		snprintf(path, sizeof(path), "%s/%c", dir, slot);
	printf("%s %s\n", a == SLOT_RUN_TRIAL ? "trial" : a == SLOT_RUN_ACTIVE ? "active" : "builtin",
	       slot ? path : "-");
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "--exec") && slot) {
		char s[2] = { slot, 0 };

		setenv("TUG_SLOT", s, 1);
		execv(path, argv + 1 + (argc > 2));
		tug_err_sys(&err, "exec %s", path);
		return fail(&err);
	}
	return EXIT_OK;
}

int update_cmd_slot(int argc, char **argv)
{
	char dir[512];
	struct slot_state st;
	struct tug_err err;
	const char *sub = argc > 1 ? argv[1] : "status";

	slot_dir(dir, sizeof(dir));
	if (slot_state_read(dir, &st, &err))
		return fail(&err);
	if (!strcmp(sub, "install"))
		return cmd_install(dir, &st, argc - 1, argv + 1);
	if (!strcmp(sub, "boot"))
		return cmd_boot(dir, &st, argc - 1, argv + 1);
	if (!strcmp(sub, "commit")) {
		const char *running = getenv("TUG_SLOT");

		if (!st.trial.slot) {
			fprintf(stderr, "tug: slot commit: no trial to commit\n");
			return EXIT_RUNTIME;
		}
		if (running && running[0] != st.trial.slot) {
			fprintf(stderr, "tug: slot commit: running slot %s, not the trial slot %c\n",
				running, st.trial.slot);
			return EXIT_RUNTIME;
		}
		st.active = st.trial.slot;
		memset(&st.trial, 0, sizeof(st.trial));
		if (slot_state_write(dir, &st, &err))
			return fail(&err);
		printf("slot %c committed\n", st.active);
		return EXIT_OK;
	}
	if (!strcmp(sub, "status")) {
		char a[2] = { st.active, 0 };

		printf("active: %s\n", st.active ? a : "built-in");
		if (st.trial.slot)
			printf("trial: slot %c, %d of %d tries used\n", st.trial.slot, st.trial.tries,
			       st.trial.max_tries);
		if (st.last_failed.slot)
			printf("last failed trial: slot %c after %d tries\n", st.last_failed.slot,
			       st.last_failed.tries);
		return EXIT_OK;
	}
	fprintf(stderr, "Usage: tug slot [status | install [--tries N] [--deadline S] BINARY | boot [--exec ARGV...] | commit]\n");
	return EXIT_USAGE;
}
