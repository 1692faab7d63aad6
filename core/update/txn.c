/*
 * Transactions inside tugd: one at a time, driven by the loop's tick.
 *
 *   verify images -> journal "switch" -> stop the old containers (reverse
 *   start order, gracefully) -> rename each old one to NAME.tug-old ->
 *   create and start the new ones (start order) -> journal "verify" ->
 *   all healthy (or running for `stable` s without a check) before the
 *   deadline? -> journal "commit" (the commit point) -> remove the old
 *   ones, record history/revision -> journal removed.
 *   Otherwise -> journal "rollback" -> remove the new ones (found by their
 *   tug.txn label, so even one created just before a crash), give the old
 *   ones their names back and start those that were running.
 *
 * Both ends are idempotent and read only the journal and what is on disk,
 * so tugd replays them at start after a crash at any instant: a journal
 * in "commit" is finished, any other is undone.
 *
 * A/B slots: when the tug binary running the transaction is itself an
 * uncommitted trial, the commit is held (journal "held"): the old
 * containers stay, stopped, until the trial commits (then the commit is
 * finished) or fails (then the same undo runs, on the next boot with the
 * previous binary), so a failed trial leaves the previous revision whole.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/daemon/daemon.h"
#include "core/daemon/health.h"
#include "core/daemon/netvol.h"
#include "core/image/image.h"
#include "core/image/store.h"
#include "core/oci/runtime.h"
#include "core/update/slot.h"
#include "core/update/txn.h"
#include "platform/sha256.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/random.h"
#include "platform/pidfd.h"

static struct txn *cur;		/* the running transaction, or the last one */

/* TUG_FAULT=<step>: die right there, as a power cut would (tests only). */
static void fault_point(const char *step)
{
	const char *f = getenv("TUG_FAULT");

	if (f && !strcmp(f, step)) {
		fprintf(stderr, "tugd: TUG_FAULT=%s: exiting now\n", step);
		_exit(99);
	}
}

static void update_path(struct daemon *d, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/update%s%s", d->cfg.state_dir, *name ? "/" : "", name);
}

static const char *kind_name(enum txn_kind k)
{
	return k == TK_APPLY ? "apply" : k == TK_ROLLBACK ? "rollback" : "update";
}

static enum txn_kind kind_parse(const char *s)
{
	return s && !strcmp(s, "apply") ? TK_APPLY : s && !strcmp(s, "rollback") ? TK_ROLLBACK
										: TK_UPDATE;
}

/* A step: kept for progress, sent as an event, written to tugd's log. */
static void step(struct daemon *d, struct txn *t, const char *what, const char *name,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void step(struct daemon *d, struct txn *t, const char *what, const char *name,
		 const char *fmt, ...)
{
	char msg[512], action[64], now[40];
	cJSON *s = cJSON_CreateObject(), *a = cJSON_CreateObject();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rfc3339_now(now);
	cJSON_AddStringToObject(s, "Time", now);
	cJSON_AddStringToObject(s, "Step", what);
	if (name)
		cJSON_AddStringToObject(s, "Container", name);
	cJSON_AddStringToObject(s, "Message", msg);
	cJSON_AddItemToArray(t->steps, s);
	snprintf(action, sizeof(action), "%s: %s", kind_name(t->kind), what);
	if (name)
		cJSON_AddStringToObject(a, "name", name);
	cJSON_AddStringToObject(a, "message", msg);
	if (t->revision) {
		char r[16];

		snprintf(r, sizeof(r), "%d", t->revision);
		cJSON_AddStringToObject(a, "revision", r);
	}
	event_emit(d, "tug", action, t->id, a);
	cJSON_Delete(a);
	fprintf(stderr, "tugd: %s %s: %s%s%s\n", kind_name(t->kind), t->id, what,
		*msg ? ": " : "", msg);
}

static int journal_write(struct daemon *d, struct txn *t, const char *phase, struct tug_err *err)
{
	char path[700];

	update_path(d, "", path, sizeof(path));
	if (mkdir_p(path, 0700, err))
		return -1;
	cJSON_ReplaceItemInObject(t->journal, "Phase", cJSON_CreateString(phase));
	update_path(d, "journal.json", path, sizeof(path));
	return json_write_file(AT_FDCWD, path, t->journal, err);
}

static void set_str(cJSON *o, const char *key, const char *val)
{
	cJSON_DeleteItemFromObject(o, key);
	cJSON_AddStringToObject(o, key, val);
}

static void journal_remove(struct daemon *d)
{
	char path[700], dir[700];
	int fd;

	update_path(d, "journal.json", path, sizeof(path));
	unlink(path);
	update_path(d, "", dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The image is in the store with every layer (unpacked or as a verified blob). */
static int image_verify(const char *ref, char *id, size_t idsize, struct tug_err *err)
{
	struct image_store st;
	struct image img = { 0 };
	_cleanup_json_ cJSON *refs = NULL;
	char digest[SHA256_DIGEST_STR_LEN];
	int rc = -1;

	if (image_store_open(&st, err))
		return -1;
	if (refs_read(&st, &refs, err) || image_resolve(&st, refs, ref, digest, err) ||
	    image_read(&st, digest, &img, err))
		goto out;
	for (size_t i = 0; i < img.nlayers; i++)
		if (!layer_complete(&st, img.chain_ids[i]) && !blob_exists(&st, img.layer_blobs[i])) {
			tug_err_set(err, ENOENT, "image %s: layer %s is missing", ref,
				    img.layer_blobs[i]);
			goto out;
		}
	if (id)
		snprintf(id, idsize, "%s", img.config_digest);
	rc = 0;
out:
	image_free(&img);
	image_store_close(&st);
	return rc;
}

/* The create body that would make this container again (with another image). */
static cJSON *body_of(struct container *c)
{
	cJSON *b = cJSON_Duplicate(c->config, true);
	cJSON *labels;

	cJSON_DeleteItemFromObject(b, "__ImageConfig");
	labels = cJSON_GetObjectItem(b, "Labels");
	if (labels) {
		cJSON_DeleteItemFromObject(labels, UPDATE_LABEL_TXN);
		/* Not what the state said any more once updated by hand. */
		cJSON_DeleteItemFromObject(labels, UPDATE_LABEL_SPEC);
	}
	cJSON_AddItemToObject(b, "HostConfig", cJSON_Duplicate(c->host_config, true));
	if (!cJSON_GetObjectItem(b, "Image"))
		cJSON_AddStringToObject(b, "Image", c->image);
	return b;
}

static void set_label(cJSON *body, const char *key, const char *val)
{
	cJSON *labels = cJSON_GetObjectItem(body, "Labels");

	if (!cJSON_IsObject(labels)) {
		cJSON_DeleteItemFromObject(body, "Labels");
		labels = cJSON_AddObjectToObject(body, "Labels");
	}
	cJSON_DeleteItemFromObject(labels, key);
	cJSON_AddStringToObject(labels, key, val);
}

static const char *label_of(struct container *c, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(c->config, "Labels"), key));
}

static struct txn *txn_new(enum txn_kind kind)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->kind = kind;
	random_hex_id(t->full_id);
	snprintf(t->id, sizeof(t->id), "%.12s", t->full_id);
	t->steps = cJSON_CreateArray();
	t->journal = cJSON_CreateObject();
	cJSON_AddStringToObject(t->journal, "Id", t->id);
	cJSON_AddStringToObject(t->journal, "Kind", kind_name(kind));
	cJSON_AddStringToObject(t->journal, "Phase", "prepare");
	cJSON_AddArrayToObject(t->journal, "Slots");
	snprintf(t->result, sizeof(t->result), "in progress");
	return t;
}

static void txn_free(struct txn *t)
{
	if (!t)
		return;
	cJSON_Delete(t->journal);
	cJSON_Delete(t->steps);
	free(t->slots);
	free(t);
}

/* Add a slot: the container now called name (may be NULL) and what replaces it (may be NULL). */
static void add_slot(struct txn *t, const char *name, struct container *old, cJSON *body)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "Name", name);
	cJSON_AddStringToObject(s, "OldId", old ? old->id : "");
	cJSON_AddBoolToObject(s, "OldRunning", old && (ctr_is_running(old) || old->state == CS_RESTARTING));
	if (old) {
		cJSON_AddStringToObject(s, "OldImage", old->image);
		cJSON_AddItemToObject(s, "OldBody", body_of(old));
	}
	if (body)
		cJSON_AddItemToObject(s, "Body", body);
	cJSON_AddItemToArray(cJSON_GetObjectItem(t->journal, "Slots"), s);
}

static int slot_count(const cJSON *j)
{
	return cJSON_GetArraySize(cJSON_GetObjectItem(j, "Slots"));
}

static const char *sget(const cJSON *s, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(s, key));

	return v ? v : "";
}

/* ---- revisions and history ---------------------------------------------- */

static int revision_next(struct daemon *d)
{
	char dir[700];
	DIR *dp;
	struct dirent *de;
	int max = 0;

	update_path(d, "revisions", dir, sizeof(dir));
	dp = opendir(dir);
	while (dp && (de = readdir(dp)))
		if (atoi(de->d_name) > max)
			max = atoi(de->d_name);
	if (dp)
		closedir(dp);
	return max + 1;
}

static void revisions_prune(struct daemon *d, int newest)
{
	char dir[700], path[800];
	DIR *dp;
	struct dirent *de;
	const char *keep_s = getenv("TUG_REVISIONS_KEEP");
	int keep = keep_s && atoi(keep_s) > 0 ? atoi(keep_s) : UPDATE_REVISIONS_KEPT;

	update_path(d, "revisions", dir, sizeof(dir));
	dp = opendir(dir);
	while (dp && (de = readdir(dp))) {
		int n = atoi(de->d_name);

		if (n > 0 && n <= newest - keep) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	}
	if (dp)
		closedir(dp);
}

/* update/current.json names rev, or is removed when rev is 0. */
static void current_write(struct daemon *d, int rev)
{
	_cleanup_json_ cJSON *c = cJSON_CreateObject();
	char path[700], dir[700];
	struct tug_err err;
	int fd;

	update_path(d, "current.json", path, sizeof(path));
	if (rev > 0) {
		cJSON_AddNumberToObject(c, "Revision", rev);
		if (json_write_file(AT_FDCWD, path, c, &err))
			tug_err_print(&err);
		return;
	}
	if (unlink(path))
		return;
	update_path(d, "", dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static void revision_record(struct daemon *d, const cJSON *j, const char *status)
{
	int rev = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "Revision"));
	_cleanup_json_ cJSON *r = cJSON_CreateObject();
	cJSON *ctrs;
	const cJSON *k;
	char path[800], now[40];
	struct tug_err err;
	const char *id = sget(j, "Id");

	if (rev <= 0)
		return;
	rfc3339_now(now);
	cJSON_AddNumberToObject(r, "Revision", rev);
	cJSON_AddStringToObject(r, "Transaction", id);
	cJSON_AddStringToObject(r, "Status", status);
	cJSON_AddStringToObject(r, "Finished", now);
	ctrs = cJSON_AddObjectToObject(r, "Containers");
	for (struct container *c = d->containers; c; c = c->next)
		if (!strcmp(label_of(c, UPDATE_LABEL_TXN) ?: "", id))
			cJSON_AddStringToObject(ctrs, c->name + 1, c->id);
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(j, "Kept"))
		if (!cJSON_GetObjectItem(ctrs, sget(k, "Name")))
			cJSON_AddStringToObject(ctrs, sget(k, "Name"), sget(k, "Id"));
	if (cJSON_GetObjectItem(j, "State"))
		cJSON_AddItemToObject(r, "State", cJSON_Duplicate(cJSON_GetObjectItem(j, "State"), true));
	update_path(d, "revisions", path, sizeof(path));
	if (mkdir_p(path, 0700, &err))
		return;
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%d.json", rev);
	if (json_write_file(AT_FDCWD, path, r, &err))
		tug_err_print(&err);
	if (!strcmp(status, "committed")) {
		current_write(d, rev);
		revisions_prune(d, rev);
	}
}

int update_current_revision(struct daemon *d)
{
	char path[700];
	struct tug_err err;
	_cleanup_json_ cJSON *c = NULL;

	update_path(d, "current.json", path, sizeof(path));
	c = json_parse_file(path, 4096, &err);
	return c ? (int)cJSON_GetNumberValue(cJSON_GetObjectItem(c, "Revision")) : 0;
}

/* What `tug rollback NAME` goes back to: the body the last update replaced. */
static void history_record(struct daemon *d, const cJSON *slot)
{
	_cleanup_json_ cJSON *h = cJSON_CreateObject();
	const cJSON *old = cJSON_GetObjectItem(slot, "OldBody");
	char path[800];
	struct tug_err err;

	if (!old)
		return;
	cJSON_AddItemToObject(h, "Previous", cJSON_Duplicate(old, true));
	cJSON_AddStringToObject(h, "PreviousImage", sget(slot, "OldImage"));
	update_path(d, "history", path, sizeof(path));
	if (mkdir_p(path, 0700, &err))
		return;
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s.json", sget(slot, "Name"));
	if (json_write_file(AT_FDCWD, path, h, &err))
		tug_err_print(&err);
	/* The rollback point keeps its image: gc and rmi leave it alone. */
	{
		struct image_store st;
		_cleanup_json_ cJSON *refs = NULL;
		char digest[SHA256_DIGEST_STR_LEN], holder[200];

		if (image_store_open(&st, &err))
			return;
		snprintf(holder, sizeof(holder), "rollback-%s", sget(slot, "Name"));
		if (!refs_read(&st, &refs, &err) &&
		    !image_resolve(&st, refs, sget(slot, "OldImage"), digest, &err))
			image_lease_add(&st, holder, digest, &err);
		image_store_close(&st);
	}
}

cJSON *update_history_read(struct daemon *d, const char *name)
{
	char path[800];
	struct tug_err err;

	update_path(d, "history", path, sizeof(path));
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s.json", name);
	return json_parse_file(path, 1 << 20, &err);
}

/* ---- the two ends ---------------------------------------------------------- */

static void commit_finish(struct daemon *d, const cJSON *j, struct txn *t)
{
	const cJSON *s;
	bool first = true;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "Slots")) {
		struct container *old = *sget(s, "OldId") ? ctr_find(d, sget(s, "OldId")) : NULL;
		struct tug_err err;

		if (old && strcmp(old->id, sget(s, "OldId")))
			old = NULL; /* a prefix match on something else */
		if (old && ctr_remove(d, old, true, &err))
			tug_err_print(&err);
		if (first)
			fault_point("commit-cleanup");
		first = false;
		if (kind_parse(sget(j, "Kind")) != TK_APPLY)
			history_record(d, s);
	}
	revision_record(d, j, "committed");
	fault_point("commit-done");
	journal_remove(d);
	if (t)
		step(d, t, "committed", NULL, "old containers removed");
}

/* SIGKILL and wait for the keeper's record of the exit, as a forced remove does. */
static void kill_and_reap(struct daemon *d, struct container *c)
{
	struct tug_err err;

	/* It may be gone already (it had its stop signal): then only reap. */
	ctr_kill(d, c, SIGKILL, &err);
	exec_wait_ctr_exit(d, c, 5000);
	for (int i = 0; i < 250 && ctr_is_running(c); i++) {
		char fin[40];
		int code;
		pid_t pid;

		if (!keeper_query(d, c->id, &pid, &code, fin, &err)) {
			ctr_exited(d, c, code, fin);
			break;
		}
		poll(NULL, 0, 20);
	}
	if (ctr_is_running(c))
		ctr_exited(d, c, 137, NULL);
}

/*
 * A start the crash cut off after the keeper spawned the process but before
 * its state was saved: the keeper runs it, tugd thinks it stopped. Kill it
 * and wait for the keeper's record, so the start that follows is clean.
 */
static void kill_unrecorded(struct daemon *d, struct container *c)
{
	pid_t pid = keeper_pid(d, c->id);
	int fd;

	if (pid <= 0)
		return;
	fprintf(stderr, "tugd: container %.12s: pid %d runs without a record; killing it\n", c->id,
		(int)pid);
	fd = pidfd_open_pid(pid);
	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		pidfd_signal(fd, SIGKILL);
		poll(&p, 1, 5000);
		close(fd);
	} else {
		/* No pidfds (Linux < 5.3): the keeper signals it, if not reaped yet. */
		keeper_kill(d, c->id, pid, SIGKILL);
	}
	for (int i = 0; i < 250; i++) {
		char fin[40];
		int code;
		struct tug_err err;

		if (!keeper_query(d, c->id, &pid, &code, fin, &err))
			break;
		poll(NULL, 0, 20);
	}
}

/* Undo: the new containers go, the old ones come back as they were. */
static void rollback_finish(struct daemon *d, const cJSON *j, struct txn *t)
{
	const char *id = sget(j, "Id");
	struct container *c, *next;
	const cJSON *s;
	bool first = true;

	for (c = d->containers; c; c = next) {
		struct tug_err err;

		next = c->next;
		if (strcmp(label_of(c, UPDATE_LABEL_TXN) ?: "", id))
			continue;
		if (ctr_remove(d, c, true, &err))
			tug_err_print(&err);
		if (first)
			fault_point("rollback-restore");
		first = false;
	}
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "Slots")) {
		struct container *old = NULL;
		struct tug_err err;

		for (c = d->containers; c; c = c->next)
			if (!strcmp(c->id, sget(s, "OldId")))
				old = c;
		if (!old)
			continue;
		if (strcmp(old->name + 1, sget(s, "Name"))) {
			snprintf(old->name, sizeof(old->name), "/%s", sget(s, "Name"));
			ctr_save(d, old);
		}
		if (!cJSON_IsTrue(cJSON_GetObjectItem(s, "OldRunning")))
			continue;
		/*
		 * Still running after a crash: it may have been sent its stop
		 * signal just before, and would then exit for good. Start it
		 * afresh instead.
		 */
		if (ctr_is_running(old))
			kill_and_reap(d, old);
		else
			kill_unrecorded(d, old);
		if (ctr_is_running(old) || old->state == CS_RESTARTING)
			continue;
		old->stopped_by_user = false;
		old->restart_count = 0;
		old->backoff_ms = 0;
		/*
		 * The keeper may still be draining the last run's output (up to
		 * 2 s, EBUSY), or the runtime state of the run the crash cut off
		 * may still be there (EEXIST): clear it and try again.
		 */
		for (int i = 0; ctr_start(d, old, &err); i++) {
			if ((err.code != EBUSY && err.code != EEXIST) || i == 80) {
				tug_err_print(&err);
				break;
			}
			poll(NULL, 0, 50);
			oci_runtime_delete(d->oci_root, old->id, true, NULL);
		}
		if (t && ctr_is_running(old))
			step(d, t, "restored", sget(s, "Name"), "old container %.12s running again",
			     old->id);
	}
	revision_record(d, j, "rolled back");
	/* A held apply had made its revision current: the previous one is again. */
	if (cJSON_GetObjectItem(j, "HeldFor") &&
	    cJSON_GetNumberValue(cJSON_GetObjectItem(j, "Revision")) > 0)
		current_write(d, (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "PreviousRevision")));
	journal_remove(d);
}

/* The slot of this tug binary when it runs an uncommitted trial, else 0. */
static char trial_slot(struct daemon *d)
{
	char dir[600], s;
	struct slot_state st;
	struct tug_err err;

	slot_dir_at(d->cfg.state_dir, dir, sizeof(dir));
	s = slot_running(dir);
	if (!s || slot_state_read(dir, &st, &err) < 0)
		return 0;
	return slot_trial_verdict(&st, s) == SLOT_TRIAL_PENDING ? s : 0;
}

/* Did the trial of slot s (a, b; else false) fail since? */
static bool trial_failed(struct daemon *d, const char *s)
{
	char dir[600];
	struct slot_state st;
	struct tug_err err;

	if (strcmp(s, "a") && strcmp(s, "b"))
		return false;
	slot_dir_at(d->cfg.state_dir, dir, sizeof(dir));
	return slot_state_read(dir, &st, &err) == 0 &&
	       slot_trial_verdict(&st, s[0]) == SLOT_TRIAL_FAILED;
}

/*
 * Proved healthy, but this binary is an uncommitted trial: if the trial
 * fails, the next boot runs the previous binary, which must find the
 * previous containers. Record the revision as committed, keep the old
 * containers (stopped, NAME.tug-old) until the trial is decided
 * (held_tick, update_replay).
 */
static int hold(struct daemon *d, struct txn *t, char slot, struct tug_err *err)
{
	char s[2] = { slot, 0 };

	set_str(t->journal, "HeldFor", s);
	if (journal_write(d, t, "held", err))
		return -1;
	fault_point("held");
	revision_record(d, t->journal, "committed");
	t->phase = TP_HELD;
	t->held_for = slot;
	t->held_check_ms = mono_ms() + 500;
	snprintf(t->result, sizeof(t->result), "committed");
	step(d, t, "held", NULL, "old containers kept until slot %c (this tug binary's trial) is committed",
	     slot);
	return 0;
}

/*
 * A held transaction whose trial is decided: finish the commit, or undo it
 * as any failed transaction is undone. The phase is written first, so the
 * end does not depend on the slot record any more.
 */
static void held_tick(struct daemon *d, struct txn *t)
{
	char dir[600];
	struct slot_state st;
	struct tug_err err;
	enum slot_verdict v;
	uint64_t now = mono_ms();

	if (now < t->held_check_ms)
		return;
	t->held_check_ms = now + 500;
	slot_dir_at(d->cfg.state_dir, dir, sizeof(dir));
	/* Unreadable: keep the way back and ask again. */
	if (slot_state_read(dir, &st, &err) < 0)
		return;
	v = slot_trial_verdict(&st, t->held_for);
	if (v == SLOT_TRIAL_PENDING)
		return;
	if (v == SLOT_TRIAL_COMMITTED) {
		if (journal_write(d, t, "commit", &err)) {
			tug_err_print(&err);
			return;
		}
		t->phase = TP_DONE;
		step(d, t, "slot committed", NULL, "slot %c committed: removing the old containers",
		     t->held_for);
		commit_finish(d, t->journal, t);
		return;
	}
	if (journal_write(d, t, "rollback", &err)) {
		tug_err_print(&err);
		return;
	}
	t->phase = TP_DONE;
	snprintf(t->error, sizeof(t->error), "slot %c (the tug binary that made it) was not committed",
		 t->held_for);
	step(d, t, "rollback", NULL, "%s", t->error);
	fault_point("rollback");
	rollback_finish(d, t->journal, t);
	snprintf(t->result, sizeof(t->result), "rolled back");
	step(d, t, "rolled back", NULL, "previous containers restored");
}

static void finish(struct daemon *d, struct txn *t, bool ok, const char *why)
{
	struct tug_err err;
	char slot;

	t->phase = TP_DONE;
	if (ok && (slot = trial_slot(d))) {
		if (!hold(d, t, slot, &err))
			return;
		tug_err_print(&err);
		ok = false;
		why = "cannot write the commit record";
	}
	if (ok) {
		if (journal_write(d, t, "commit", &err)) {
			/* Not committed: the journal still says "verify", so undo. */
			tug_err_print(&err);
			ok = false;
			why = "cannot write the commit record";
		} else {
			fault_point("commit");
			commit_finish(d, t->journal, t);
			snprintf(t->result, sizeof(t->result), "committed");
			return;
		}
	}
	snprintf(t->error, sizeof(t->error), "%s", why);
	step(d, t, "rollback", NULL, "%s", why);
	if (journal_write(d, t, "rollback", &err))
		tug_err_print(&err);
	fault_point("rollback");
	rollback_finish(d, t->journal, t);
	if (t->failed_ms)
		t->rollback_ms = mono_ms() - t->failed_ms;
	snprintf(t->result, sizeof(t->result), "rolled back");
	step(d, t, "rolled back", NULL, "previous containers restored");
}

/* ---- the switch ------------------------------------------------------------ */

static int start_new(struct daemon *d, struct txn *t, struct tug_err *err)
{
	cJSON *s;
	int i = 0;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(t->journal, "Slots")) {
		const char *name = sget(s, "Name");
		struct container *old = *sget(s, "OldId") ? ctr_find(d, sget(s, "OldId")) : NULL;
		const cJSON *body = cJSON_GetObjectItem(s, "Body");
		struct container *c;
		int status;

		if (old) {
			snprintf(old->name, sizeof(old->name), "/%s.tug-old", name);
			ctr_save(d, old);
			fault_point("rename-old");
		}
		i++;
		if (!body)
			continue;
		if (ctr_create(d, name, body, &c, &status, err))
			return tug_err_wrap(err, "create %s", name);
		snprintf(t->slots[i - 1].new_id, sizeof(t->slots[i - 1].new_id), "%s", c->id);
		if (api_ctr_attach_image(c, err)) {
			tug_err_wrap(err, "create %s", name);
			return -1; /* rollback removes it by its label */
		}
		if (ctr_net_check(d, c, err) || ctr_volumes_create(d, c, err))
			return tug_err_wrap(err, "create %s", name);
		ctr_save(d, c);
		event_emit_ctr(d, c, "create", NULL, NULL);
		fault_point("create-new");
		if (ctr_start(d, c, err))
			return tug_err_wrap(err, "start %s", name);
		t->slots[i - 1].started_ms = mono_ms();
		step(d, t, "started", name, "new container %.12s (%s)", c->id, c->image);
		fault_point("start-new");
	}
	return 0;
}

static void stop_old(struct daemon *d, struct txn *t)
{
	int n = slot_count(t->journal);

	for (int i = n - 1; i >= 0; i--) {
		cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(t->journal, "Slots"), i);
		struct container *old = *sget(s, "OldId") ? ctr_find(d, sget(s, "OldId")) : NULL;
		const cJSON *st = old ? cJSON_GetObjectItem(old->config, "StopTimeout") : NULL;
		struct tug_err err;

		if (!old || !(ctr_is_running(old) || old->state == CS_RESTARTING))
			continue;
		if (ctr_stop(d, old, cJSON_IsNumber(st) ? st->valueint : 10, 0, &err) < 0)
			tug_err_print(&err);
		step(d, t, "stopping", sget(s, "Name"), "old container %.12s", old->id);
	}
	fault_point("stop-old");
}

static bool olds_down(struct daemon *d, struct txn *t)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(t->journal, "Slots")) {
		struct container *old = *sget(s, "OldId") ? ctr_find(d, sget(s, "OldId")) : NULL;

		if (old && (ctr_is_running(old) || old->state == CS_RESTARTING))
			return false;
	}
	return true;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_num(cJSON *o, const char *key, double v)
{
	cJSON_DeleteItemFromObject(o, key);
	cJSON_AddNumberToObject(o, key, v);
}

/*
 * What a restarted tugd needs to go on waiting for health (resume_verify):
 * the new containers' ids, when each started and when the deadline ends,
 * in wall-clock time (the monotonic clock starts again with a reboot).
 */
static void verify_record(struct txn *t)
{
	uint64_t now = mono_ms(), wall = wall_ms();
	cJSON *s;
	size_t i = 0;

	set_num(t->journal, "DeadlineS", (double)t->deadline_s);
	set_num(t->journal, "StableMs", (double)t->stable_ms);
	set_num(t->journal, "DeadlineWallMs", (double)(wall + (t->deadline_ms - now)));
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(t->journal, "Slots")) {
		struct txn_slot *ts = &t->slots[i++];

		if (!ts->new_id[0])
			continue;
		cJSON_DeleteItemFromObject(s, "NewId");
		cJSON_AddStringToObject(s, "NewId", ts->new_id);
		set_num(s, "StartedWallMs", (double)(wall - (now - ts->started_ms)));
	}
}

/*
 * A container without a health check counts as stable from the later of
 * its start and its adoption by a restarted tugd (or its start at daemon
 * start after a reboot): running through the restart is not seen.
 */
static uint64_t stable_since(const struct container *c, const struct txn_slot *ts)
{
	return c->started_ms > ts->started_ms ? c->started_ms : ts->started_ms;
}

/* 1: all proved themselves, 0: not yet, -1: one failed (why says which). */
static int verify(struct daemon *d, struct txn *t, char *why, size_t size)
{
	uint64_t now = mono_ms();
	int n = slot_count(t->journal), pending = 0;

	for (int i = 0; i < n; i++) {
		cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(t->journal, "Slots"), i);
		struct txn_slot *ts = &t->slots[i];
		struct container *c = ts->new_id[0] ? ctr_find(d, ts->new_id) : NULL;

		if (!cJSON_GetObjectItem(s, "Body") || ts->ok)
			continue;
		if (!c || c->state != CS_RUNNING || c->restart_count) {
			snprintf(why, size, "%s: the new container stopped (exit code %d)",
				 sget(s, "Name"), c ? c->exit_code : -1);
			t->failed_ms = now;
			return -1;
		}
		if (c->health) {
			if (c->health->status == HEALTH_UNHEALTHY) {
				const cJSON *last = cJSON_GetArrayItem(c->health->log,
								      cJSON_GetArraySize(c->health->log) - 1);

				snprintf(why, size, "%s: health check failed (exit code %d)%s%.200s",
					 sget(s, "Name"),
					 (int)cJSON_GetNumberValue(cJSON_GetObjectItem(last, "ExitCode")),
					 *sget(last, "Output") ? ": " : "", sget(last, "Output"));
				t->failed_ms = c->health->changed_ms;
				return -1;
			}
			if (c->health->status == HEALTH_HEALTHY) {
				ts->ok = true;
				step(d, t, "healthy", sget(s, "Name"), "health check passed");
				continue;
			}
		} else if (now - stable_since(c, ts) >= t->stable_ms) {
			ts->ok = true;
			step(d, t, "stable", sget(s, "Name"), "running for %llums without a health check",
			     (unsigned long long)t->stable_ms);
			continue;
		}
		pending++;
	}
	if (!pending)
		return 1;
	if (now >= t->deadline_ms) {
		snprintf(why, size, "not healthy within the deadline (%llus)",
			 (unsigned long long)(t->deadline_s));
		t->failed_ms = now;
		return -1;
	}
	return 0;
}

void update_tick(struct daemon *d)
{
	struct txn *t = cur;
	struct tug_err err;
	char why[400];
	int rc;

	if (!t || t->phase == TP_DONE)
		return;
	switch (t->phase) {
	case TP_STOPPING:
		if (!olds_down(d, t))
			return;
		step(d, t, "switch", NULL, "old containers stopped; starting the new ones");
		if (start_new(d, t, &err)) {
			t->failed_ms = mono_ms();
			finish(d, t, false, err.msg);
			return;
		}
		t->deadline_ms = mono_ms() + t->deadline_s * 1000;
		verify_record(t);
		if (journal_write(d, t, "verify", &err)) {
			finish(d, t, false, err.msg);
			return;
		}
		fault_point("verify");
		t->phase = TP_VERIFYING;
		step(d, t, "verify", NULL, "waiting up to %llus for health", (unsigned long long)t->deadline_s);
		/* fall through */
	case TP_VERIFYING:
		rc = verify(d, t, why, sizeof(why));
		if (rc)
			finish(d, t, rc > 0, why);
		return;
	case TP_HELD:
		held_tick(d, t);
		return;
	default:
		return;
	}
}

/* Journal written, nothing changed yet: begin stopping. */
static int txn_begin(struct daemon *d, struct txn *t, struct tug_err *err)
{
	const cJSON *k;
	char slot;

	t->nslots = (size_t)slot_count(t->journal);
	t->slots = calloc(t->nslots ? t->nslots : 1, sizeof(*t->slots));
	if (!t->slots)
		return tug_err_set(err, ENOMEM, "transaction");
	cJSON_AddNumberToObject(t->journal, "Revision", t->revision);
	/* What current.json goes back to if a held commit is undone. */
	cJSON_AddNumberToObject(t->journal, "PreviousRevision", update_current_revision(d));
	/* Begun by a trial binary: undone, not resumed, once that trial failed. */
	if ((slot = trial_slot(d)))
		set_str(t->journal, "TrialSlot", (char[]){ slot, 0 });
	if (journal_write(d, t, "switch", err))
		return tug_err_wrap(err, "write the journal");
	txn_free(cur);
	cur = t;
	step(d, t, "begin", NULL, "%zu container%s", t->nslots, t->nslots == 1 ? "" : "s");
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(t->journal, "Kept"))
		step(d, t, "unchanged", sget(k, "Name"), "container %.12s left running", sget(k, "Id"));
	fault_point("begin");
	t->phase = TP_STOPPING;
	stop_old(d, t);
	update_tick(d);
	return 0;
}

bool update_busy(void)
{
	return cur && cur->phase != TP_DONE;
}

struct container;

/*
 * The transaction lock: a container the running transaction replaces, puts
 * aside (NAME.tug-old) or created is its own until it ends. The lock is
 * only this memory: a killed tugd loses it, and the replay at start
 * resolves (or resumes, and so locks again) the transaction first.
 */
bool update_involves(const struct container *c)
{
	const cJSON *s;
	size_t i = 0;

	if (!update_busy())
		return false;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(cur->journal, "Slots")) {
		const char *name = sget(s, "Name");
		size_t n = strlen(name);

		/* Held: only the way back is locked; the new ones are the device's. */
		if (cur->phase == TP_HELD) {
			if (!strcmp(c->id, sget(s, "OldId")))
				return true;
			continue;
		}
		if (!strcmp(c->id, sget(s, "OldId")) ||
		    (i < cur->nslots && !strcmp(c->id, cur->slots[i].new_id)) ||
		    (!strncmp(c->name + 1, name, n) &&
		     (!c->name[n + 1] || !strcmp(c->name + 1 + n, ".tug-old"))))
			return true;
		i++;
	}
	return false;
}

static int busy_error(struct tug_err *err)
{
	if (cur->phase == TP_HELD)
		return tug_err_set(err, EBUSY,
				   "%s %s keeps its old containers until slot %c (this tug binary's "
				   "trial) is committed; commit the slot first",
				   kind_name(cur->kind), cur->id, cur->held_for);
	return tug_err_set(err, EBUSY, "another transaction (%s) is in progress", cur->id);
}

static void set_timing(struct txn *t, double deadline_s, double stable_s)
{
	t->deadline_s = deadline_s > 0 ? (uint64_t)deadline_s : UPDATE_DEFAULT_DEADLINE_S;
	t->stable_ms = stable_s >= 0 ? (uint64_t)(stable_s * 1000) : UPDATE_DEFAULT_STABLE_S * 1000;
}

int update_start_one(struct daemon *d, const char *ref, const char *image, bool rollback,
		     double deadline_s, double stable_s, struct txn **out, int *status,
		     struct tug_err *err)
{
	struct container *old = ctr_find(d, ref);
	struct txn *t;
	_cleanup_json_ cJSON *hist = NULL;
	cJSON *body;
	char name[128];

	*status = 400;
	if (update_busy()) {
		*status = 409;
		return busy_error(err);
	}
	if (!old) {
		*status = 404;
		return tug_err_set(err, ENOENT, "No such container: %s", ref);
	}
	snprintf(name, sizeof(name), "%s", old->name + 1);
	if (rollback) {
		hist = update_history_read(d, name);
		if (!hist || !cJSON_GetObjectItem(hist, "Previous")) {
			*status = 409;
			return tug_err_set(err, ENOENT, "%s: nothing to roll back to (no committed update)",
					   name);
		}
		image = sget(hist, "PreviousImage");
	}
	if (image_verify(image, NULL, 0, err)) {
		*status = err->code == ENOENT ? 404 : 500;
		return tug_err_wrap(err, "verify %s", image);
	}
	t = txn_new(rollback ? TK_ROLLBACK : TK_UPDATE);
	if (!t)
		return tug_err_set(err, ENOMEM, "transaction");
	set_timing(t, deadline_s, stable_s);
	if (rollback) {
		body = cJSON_Duplicate(cJSON_GetObjectItem(hist, "Previous"), true);
	} else {
		body = body_of(old);
		cJSON_ReplaceItemInObject(body, "Image", cJSON_CreateString(image));
	}
	set_label(body, UPDATE_LABEL_TXN, t->id);
	add_slot(t, name, old, body);
	if (txn_begin(d, t, err)) {
		txn_free(t);
		*status = 500;
		return -1;
	}
	*out = t;
	return 0;
}

/* Members of every object in key order, so that key order does not count. */
static void sort_keys(cJSON *j)
{
	cJSON *sorted = NULL, *it, *next;

	for (it = j ? j->child : NULL; it; it = it->next)
		sort_keys(it);
	if (!cJSON_IsObject(j))
		return;
	for (it = j->child; it; it = next) {
		cJSON **pp = &sorted;

		next = it->next;
		while (*pp && strcmp((*pp)->string, it->string) <= 0)
			pp = &(*pp)->next;
		it->next = *pp;
		*pp = it;
	}
	/* cJSON's lists are doubly linked: prev of the head is the tail. */
	for (it = sorted; it; it = it->next) {
		it->prev = it == sorted ? NULL : it->prev;
		if (it->next)
			it->next->prev = it;
		if (!it->next)
			sorted->prev = it;
	}
	j->child = sorted;
}

/* sha256 of the entry's create body (keys sorted) and the image's config digest. */
static void spec_digest(const cJSON *body, const char *image_id, char out[SHA256_DIGEST_STR_LEN])
{
	_cleanup_json_ cJSON *b = cJSON_Duplicate(body, true);
	_cleanup_free_ char *txt = NULL;
	struct sha256_ctx ctx;

	sort_keys(b);
	txt = cJSON_PrintUnformatted(b);
	sha256_init(&ctx);
	sha256_update(&ctx, txt ? txt : "", txt ? strlen(txt) : 0);
	sha256_update(&ctx, "\n", 1);
	sha256_update(&ctx, image_id, strlen(image_id));
	sha256_final_str(&ctx, out);
}

/*
 * A container the state lists as it runs: created by an apply from the
 * same entry (same body, same image digest) and running. It is left alone.
 */
static bool unchanged(struct container *c, const char *spec, const char *image_id)
{
	return c && !strcmp(label_of(c, UPDATE_LABEL_SPEC) ?: "", spec) &&
	       !strcmp(c->image_id, image_id) && c->state == CS_RUNNING && !c->restart_count &&
	       !strstr(c->name, ".tug-old");
}

/* The networks a state names exist: checked before anything stops. */
static int check_network(struct daemon *d, const struct target_ctr *t, struct tug_err *err)
{
	struct container probe = { 0 };
	_cleanup_json_ cJSON *cfg = cJSON_CreateObject();
	const cJSON *nc = cJSON_GetObjectItem(t->body, "NetworkingConfig");

	/* As ctr_create keeps it: the extra networks under __NetworkingConfig. */
	if (nc)
		cJSON_AddItemToObject(cfg, "__NetworkingConfig", cJSON_Duplicate(nc, true));
	probe.config = cfg;
	probe.host_config = cJSON_GetObjectItem(t->body, "HostConfig");
	if (ctr_net_check(d, &probe, err))
		return tug_err_wrap(err, "%s", t->name);
	return 0;
}

int update_start_apply(struct daemon *d, const cJSON *doc, struct txn **out, int *status,
		       struct tug_err *err)
{
	struct target_state ts;
	struct txn *t;
	char rev[16];

	*status = 400;
	if (update_busy()) {
		*status = 409;
		return busy_error(err);
	}
	if (target_state_parse(doc, &ts, err))
		return -1;
	for (size_t i = 0; i < ts.n; i++) {
		struct container *c = ctr_find_name(d, ts.ctrs[i].name);
		char image_id[80], spec[SHA256_DIGEST_STR_LEN];

		if (image_verify(ts.ctrs[i].image, image_id, sizeof(image_id), err)) {
			target_state_free(&ts);
			return tug_err_wrap(err, "%s", ts.ctrs[i].name);
		}
		if (check_network(d, &ts.ctrs[i], err)) {
			target_state_free(&ts);
			return -1;
		}
		if (c && strstr(c->name, ".tug-old")) {
			target_state_free(&ts);
			return tug_err_set(err, EINVAL, "%s: name in use by a transaction", c->name + 1);
		}
		spec_digest(ts.ctrs[i].body, image_id, spec);
		set_label(ts.ctrs[i].body, UPDATE_LABEL_SPEC, spec);
		ts.ctrs[i].keep = unchanged(c, spec, image_id);
	}
	t = txn_new(TK_APPLY);
	if (!t) {
		target_state_free(&ts);
		return tug_err_set(err, ENOMEM, "transaction");
	}
	set_timing(t, ts.deadline_s, ts.stable_s);
	t->revision = revision_next(d);
	snprintf(rev, sizeof(rev), "%d", t->revision);
	cJSON_AddItemToObject(t->journal, "State", cJSON_Duplicate(doc, true));
	cJSON_AddArrayToObject(t->journal, "Kept");
	for (size_t i = 0; i < ts.n; i++) {
		cJSON *body = ts.ctrs[i].body;

		if (ts.ctrs[i].keep) {
			struct container *c = ctr_find_name(d, ts.ctrs[i].name);
			cJSON *k = cJSON_CreateObject();

			cJSON_AddStringToObject(k, "Name", ts.ctrs[i].name);
			cJSON_AddStringToObject(k, "Id", c->id);
			cJSON_AddItemToArray(cJSON_GetObjectItem(t->journal, "Kept"), k);
			continue;
		}
		ts.ctrs[i].body = NULL;
		set_label(body, UPDATE_LABEL_TXN, t->id);
		set_label(body, UPDATE_LABEL_REVISION, rev);
		add_slot(t, ts.ctrs[i].name, ctr_find_name(d, ts.ctrs[i].name), body);
	}
	/* Containers of the running revision that the new state drops. */
	for (struct container *c = d->containers; c; c = c->next) {
		bool listed = false;

		if (!label_of(c, UPDATE_LABEL_REVISION))
			continue;
		for (size_t i = 0; i < ts.n; i++)
			listed |= !strcmp(c->name + 1, ts.ctrs[i].name);
		if (!listed)
			add_slot(t, c->name + 1, c, NULL);
	}
	target_state_free(&ts);
	if (txn_begin(d, t, err)) {
		txn_free(t);
		*status = 500;
		return -1;
	}
	*out = t;
	return 0;
}

cJSON *update_progress(const struct txn *t)
{
	cJSON *o;

	if (!t)
		t = cur;
	if (!t)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", t->id);
	cJSON_AddStringToObject(o, "Kind", kind_name(t->kind));
	cJSON_AddNumberToObject(o, "Revision", t->revision);
	cJSON_AddStringToObject(o, "Phase", sget(t->journal, "Phase"));
	cJSON_AddStringToObject(o, "Result", t->result);
	cJSON_AddStringToObject(o, "Error", t->error);
	/* Held: committed as far as the caller goes; the slot decides the rest. */
	cJSON_AddBoolToObject(o, "Done", t->phase == TP_DONE || t->phase == TP_HELD);
	if (t->rollback_ms)
		cJSON_AddNumberToObject(o, "RollbackMs", (double)t->rollback_ms);
	cJSON_AddItemToObject(o, "Steps", cJSON_Duplicate(t->steps, true));
	return o;
}

const struct txn *update_current(void)
{
	return cur;
}

/*
 * A crash while the new containers proved their health: the switch is
 * done, so wait on (their health state came back with them, see
 * health_on_adopt) until the deadline the journal holds, then commit or
 * roll back as if nothing had happened. Returns -1 when the journal lacks
 * what that needs, and the transaction is undone instead.
 */
/* The running transaction again, from its journal (the same id). */
static struct txn *txn_from_journal(const cJSON *j)
{
	struct txn *t = txn_new(kind_parse(sget(j, "Kind")));

	if (!t)
		return NULL;
	cJSON_Delete(t->journal);
	t->journal = cJSON_Duplicate(j, true);
	snprintf(t->id, sizeof(t->id), "%s", sget(j, "Id"));
	snprintf(t->full_id, sizeof(t->full_id), "%s", t->id);
	t->revision = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "Revision"));
	t->nslots = (size_t)slot_count(j);
	t->slots = calloc(t->nslots ? t->nslots : 1, sizeof(*t->slots));
	if (!t->slots) {
		txn_free(t);
		return NULL;
	}
	return t;
}

static int resume_verify(struct daemon *d, const cJSON *j)
{
	uint64_t now = mono_ms(), wall = wall_ms();
	double dl = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "DeadlineWallMs"));
	struct txn *t;
	const cJSON *s;
	size_t i = 0;

	if (!(dl > 0) || strlen(sget(j, "Id")) != 12)
		return -1;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "Slots"))
		if (cJSON_GetObjectItem(s, "Body") && !*sget(s, "NewId"))
			return -1;
	t = txn_from_journal(j);
	if (!t)
		return -1;
	t->deadline_s = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "DeadlineS"));
	t->stable_ms = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "StableMs"));
	t->deadline_ms = dl > (double)wall ? now + (uint64_t)(dl - (double)wall) : now;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "Slots")) {
		struct txn_slot *ts = &t->slots[i++];
		double st = cJSON_GetNumberValue(cJSON_GetObjectItem(s, "StartedWallMs"));
		uint64_t age = st > 0 && st < (double)wall ? (uint64_t)((double)wall - st) : 0;

		snprintf(ts->new_id, sizeof(ts->new_id), "%s", sget(s, "NewId"));
		ts->started_ms = age < now ? now - age : 0;
	}
	t->phase = TP_VERIFYING;
	txn_free(cur);
	cur = t;
	fprintf(stderr, "tugd: %s %s was cut off while waiting for health: waiting on\n",
		kind_name(t->kind), t->id);
	step(d, t, "resumed", NULL, "tugd restarted; waiting up to %llums more for health",
	     (unsigned long long)(t->deadline_ms - now));
	return 0;
}

/*
 * A held commit (the trial binary that made it was not decided yet): hold
 * on while the trial is pending, else end it now, before the API serves
 * and before containers are started at daemon start: the previous
 * binary's first boot after a failed trial runs the previous revision.
 */
static int resume_held(struct daemon *d, const cJSON *j)
{
	const char *slot = sget(j, "HeldFor");
	struct txn *t;

	if ((strcmp(slot, "a") && strcmp(slot, "b")) || strlen(sget(j, "Id")) != 12)
		return -1;
	t = txn_from_journal(j);
	if (!t)
		return -1;
	t->phase = TP_HELD;
	t->held_for = slot[0];
	snprintf(t->result, sizeof(t->result), "committed");
	txn_free(cur);
	cur = t;
	step(d, t, "resumed", NULL, "tugd restarted; the commit waits for slot %c", t->held_for);
	held_tick(d, t);
	if (t->phase != TP_HELD)
		return 0;
	fprintf(stderr, "tugd: %s %s is held until slot %c is committed\n", kind_name(t->kind), t->id,
		t->held_for);
	/* Cut off between the journal and the revision record. */
	if (t->revision > 0 && update_current_revision(d) != t->revision)
		revision_record(d, t->journal, "committed");
	return 0;
}

void update_replay(struct daemon *d)
{
	char path[700];
	struct tug_err err;
	_cleanup_json_ cJSON *j = NULL;
	const char *phase;

	update_path(d, "journal.json", path, sizeof(path));
	if (access(path, F_OK))
		return;
	j = json_parse_file(path, 16 << 20, &err);
	if (!j) {
		/* Written atomically, so a bad one is not ours to guess at. */
		tug_err_print(&err);
		return;
	}
	phase = sget(j, "Phase");
	/* The trial binary that began it failed: the previous binary runs now. */
	if (!strcmp(phase, "verify") && trial_failed(d, sget(j, "TrialSlot")))
		fprintf(stderr, "tugd: %s %s was begun by slot %s, whose trial failed\n", sget(j, "Kind"),
			sget(j, "Id"), sget(j, "TrialSlot"));
	else if (!strcmp(phase, "verify") && !resume_verify(d, j))
		return;
	if (!strcmp(phase, "held") && !resume_held(d, j))
		return;
	fprintf(stderr, "tugd: %s %s was cut off in phase '%s': %s\n", sget(j, "Kind"), sget(j, "Id"),
		phase, strcmp(phase, "commit") ? "rolling back" : "finishing the commit");
	if (!strcmp(phase, "commit"))
		commit_finish(d, j, NULL);
	else
		rollback_finish(d, j, NULL);
	event_emit(d, "tug", strcmp(phase, "commit") ? "replay: rolled back" : "replay: committed",
		   sget(j, "Id"), NULL);
}
