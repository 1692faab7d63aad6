/* config.json -> struct oci_spec, with every error naming its field. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/oci/spec.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

#define CONFIG_MAX (4 << 20)

static const struct {
	const char *type;
	const char *proc;
	int flag;
} ns_table[] = {
    {"pid", "pid", CLONE_NEWPID},	   {"network", "net", CLONE_NEWNET},
    {"mount", "mnt", CLONE_NEWNS},	   {"ipc", "ipc", CLONE_NEWIPC},
    {"uts", "uts", CLONE_NEWUTS},	   {"user", "user", CLONE_NEWUSER},
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

int oci_ns_flag(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_table); i++)
		if (!strcmp(ns_table[i].type, type))
			return ns_table[i].flag;
	return 0;
}

const char *oci_ns_proc_name(int flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_table); i++)
		if (ns_table[i].flag == flag)
			return ns_table[i].proc;
	return NULL;
}

int oci_id_validate(const char *id, struct tug_err *err)
{
	if (!id || !*id)
		return tug_err_set(err, EINVAL, "container id is empty");
	if (strlen(id) > 1024 || id[0] == '.')
		return tug_err_set(err, EINVAL, "invalid container id '%s'", id);
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.+-", *p)))
			return tug_err_set(err, EINVAL, "invalid container id '%s'", id);
	return 0;
}

static const struct {
	const char *name;
	int res;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

/* The typed JSON getters say "key: expected ..."; make it "at.key: ...". */
static int wrap_field(struct tug_err *err, const char *at)
{
	char old[sizeof(err->msg)];

	memcpy(old, err->msg, sizeof(old));
	if (snprintf(err->msg, sizeof(err->msg), "%s.%s", at, old) < 0)
		err->msg[0] = '\0';
	return -1;
}

/* Field getters that prefix the path of the field on error. */
static int get_str(const cJSON *o, const char *key, const char *at, const char **out,
		   struct tug_err *err)
{
	if (json_get_str(o, key, out, err) < 0)
		return wrap_field(err, at);
	return 0;
}

static int get_u32(const cJSON *o, const char *key, const char *at, uint32_t *out, bool required,
		   struct tug_err *err)
{
	int64_t v = -1;

	if (json_get_int(o, key, &v, err) < 0)
		return wrap_field(err, at);
	if (v == -1 && !cJSON_GetObjectItemCaseSensitive(o, key)) {
		if (required)
			return tug_err_set(err, EINVAL, "%s.%s: required", at, key);
		return 0;
	}
	if (v < 0 || v > UINT32_MAX)
		return tug_err_set(err, EINVAL, "%s.%s: out of range", at, key);
	*out = (uint32_t)v;
	return 0;
}

static int get_strv(const cJSON *o, const char *key, const char *at, const char ***out,
		    struct tug_err *err)
{
	if (json_get_strv(o, key, out, err) < 0)
		return wrap_field(err, at);
	return 0;
}

static int parse_rlimits(const cJSON *arr, const char *what, struct oci_process *p,
			 struct tug_err *err)
{
	const cJSON *it;
	size_t i = 0;

	p->rlimits = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*p->rlimits));
	if (!p->rlimits)
		return tug_err_set(err, ENOMEM, "%s.rlimits", what);
	cJSON_ArrayForEach(it, arr)
	{
		char at[64];
		const char *type = NULL;
		size_t k;

		snprintf(at, sizeof(at), "%s.rlimits[%zu]", what, i);
		if (!cJSON_IsObject(it))
			return tug_err_set(err, EINVAL, "%s: expected an object", at);
		if (get_str(it, "type", at, &type, err) < 0)
			return -1;
		if (!type)
			return tug_err_set(err, EINVAL, "%s.type: required", at);
		for (k = 0; k < ARRAY_SIZE(rlimit_table); k++)
			if (!strcmp(rlimit_table[k].name, type))
				break;
		if (k == ARRAY_SIZE(rlimit_table))
			return tug_err_set(err, EINVAL, "%s.type: unknown rlimit %s", at, type);
		/* Large values (RLIM_INFINITY as 2^64-1) lose precision in a double. */
		const cJSON *js = cJSON_GetObjectItemCaseSensitive(it, "soft");
		const cJSON *jh = cJSON_GetObjectItemCaseSensitive(it, "hard");

		if (!cJSON_IsNumber(js) || !cJSON_IsNumber(jh) || js->valuedouble < 0 ||
		    jh->valuedouble < 0)
			return tug_err_set(err, EINVAL, "%s: soft and hard must be numbers >= 0",
					   at);
		/* 2^64-1 (RLIM_INFINITY) arrives rounded up to 2^64: treat the top as infinity. */
		p->rlimits[i].resource = rlimit_table[k].res;
		p->rlimits[i].soft =
		    js->valuedouble >= 1.8e19 ? RLIM_INFINITY : (uint64_t)js->valuedouble;
		p->rlimits[i].hard =
		    jh->valuedouble >= 1.8e19 ? RLIM_INFINITY : (uint64_t)jh->valuedouble;
		i++;
	}
	p->n_rlimits = i;
	return 0;
}

void oci_process_free(struct oci_process *p)
{
	free(p->args);
	free(p->env);
	free(p->additional_gids);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

int oci_process_parse(const cJSON *j, const char *what, struct oci_process *p, struct tug_err *err)
{
	const cJSON *user = NULL, *arr = NULL, *cs = NULL, *caps = NULL;
	char at[64];
	int64_t v;

	memset(p, 0, sizeof(*p));
	p->umask = -1;
	if (!cJSON_IsObject(j))
		return tug_err_set(err, EINVAL, "%s: expected an object", what);
	if (json_get_bool(j, "terminal", &p->terminal, err) < 0)
		return wrap_field(err, what);
	if (json_get_obj(j, "consoleSize", &cs, err) < 0)
		return wrap_field(err, what);
	if (cs) {
		snprintf(at, sizeof(at), "%s.consoleSize", what);
		if (get_u32(cs, "height", at, &p->console_rows, false, err) < 0 ||
		    get_u32(cs, "width", at, &p->console_cols, false, err) < 0)
			return -1;
	}
	if (get_strv(j, "args", what, &p->args, err) < 0)
		goto fail;
	if (!p->args || !p->args[0]) {
		/* commandLine is the Windows field; an empty args cannot be executed. */
		tug_err_set(err, EINVAL, "%s.args: required, at least one element", what);
		goto fail;
	}
	if (get_strv(j, "env", what, &p->env, err) < 0)
		goto fail;
	if (!p->env && !(p->env = calloc(1, sizeof(*p->env)))) {
		tug_err_set(err, ENOMEM, "%s.env", what);
		goto fail;
	}
	if (get_str(j, "cwd", what, &p->cwd, err) < 0)
		goto fail;
	if (!p->cwd) {
		tug_err_set(err, EINVAL, "%s.cwd: required", what);
		goto fail;
	}
	if (p->cwd[0] != '/') {
		tug_err_set(err, EINVAL, "%s.cwd: must be an absolute path, not '%s'", what,
			    p->cwd);
		goto fail;
	}
	if (json_get_obj(j, "user", &user, err) < 0) {
		wrap_field(err, what);
		goto fail;
	}
	if (user) {
		uint32_t u = 0, g = 0, m = 0;

		snprintf(at, sizeof(at), "%s.user", what);
		if (get_u32(user, "uid", at, &u, false, err) < 0 ||
		    get_u32(user, "gid", at, &g, false, err) < 0)
			goto fail;
		p->uid = u;
		p->gid = g;
		if (cJSON_GetObjectItemCaseSensitive(user, "umask")) {
			if (get_u32(user, "umask", at, &m, false, err) < 0)
				goto fail;
			p->umask = (int)(m & 07777);
		}
		if (json_get_array(user, "additionalGids", &arr, err) < 0) {
			wrap_field(err, at);
			goto fail;
		}
		if (arr) {
			const cJSON *it;
			size_t i = 0;

			p->additional_gids =
			    calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(gid_t));
			if (!p->additional_gids) {
				tug_err_set(err, ENOMEM, "%s", at);
				goto fail;
			}
			cJSON_ArrayForEach(it, arr)
			{
				if (!cJSON_IsNumber(it) || it->valuedouble < 0 ||
				    it->valuedouble > UINT32_MAX) {
					tug_err_set(err, EINVAL,
						    "%s.additionalGids[%zu]: expected a gid", at,
						    i);
					goto fail;
				}
				p->additional_gids[i++] = (gid_t)it->valuedouble;
			}
			p->n_additional_gids = i;
		}
	}
	arr = NULL;
	if (json_get_array(j, "rlimits", &arr, err) < 0) {
		wrap_field(err, what);
		goto fail;
	}
	if (arr && parse_rlimits(arr, what, p, err) < 0)
		goto fail;
	if (json_get_bool(j, "noNewPrivileges", &p->no_new_privileges, err) < 0) {
		wrap_field(err, what);
		goto fail;
	}
	v = INT64_MIN;
	if (json_get_int(j, "oomScoreAdj", &v, err) < 0) {
		wrap_field(err, what);
		goto fail;
	}
	if (v != INT64_MIN) {
		if (v < -1000 || v > 1000) {
			tug_err_set(err, EINVAL, "%s.oomScoreAdj: must be in -1000..1000", what);
			goto fail;
		}
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)v;
	}
	if (json_get_obj(j, "capabilities", &caps, err) < 0) {
		wrap_field(err, what);
		goto fail;
	}
	p->capabilities = caps;
	return 0;
fail:
	oci_process_free(p);
	return -1;
}

static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"suid", 0, MS_NOSUID},
    {"nosuid", MS_NOSUID, 0},
    {"dev", 0, MS_NODEV},
    {"nodev", MS_NODEV, 0},
    {"exec", 0, MS_NOEXEC},
    {"noexec", MS_NOEXEC, 0},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"remount", MS_REMOUNT, 0},
    {"mand", MS_MANDLOCK, 0},
    {"nomand", 0, MS_MANDLOCK},
    {"atime", 0, MS_NOATIME},
    {"noatime", MS_NOATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"nostrictatime", 0, MS_STRICTATIME},
    {"lazytime", MS_LAZYTIME, 0},
    {"nolazytime", 0, MS_LAZYTIME},
    {"silent", MS_SILENT, 0},
    {"loud", 0, MS_SILENT},
    {"iversion", MS_I_VERSION, 0},
    {"noiversion", 0, MS_I_VERSION},
    {"nosymfollow", 256 /* MS_NOSYMFOLLOW */, 0},
    {"symfollow", 0, 256},
};

static const struct {
	const char *name;
	unsigned long flags;
} propagation_flags[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static unsigned long propagation_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(propagation_flags); i++)
		if (!strcmp(propagation_flags[i].name, name))
			return propagation_flags[i].flags;
	return 0;
}

static int data_append(char **data, const char *opt)
{
	size_t old = *data ? strlen(*data) : 0;
	char *n = realloc(*data, old + strlen(opt) + 2);

	if (!n)
		return -1;
	if (old)
		n[old++] = ',';
	strcpy(n + old, opt);
	*data = n;
	return 0;
}

int oci_mount_options(const cJSON *options, const char *field, struct mount_entry *m,
		      struct tug_err *err)
{
	const cJSON *it;
	size_t i = 0;

	if (options && !cJSON_IsArray(options))
		return tug_err_set(err, EINVAL, "%s.options: expected an array", field);
	cJSON_ArrayForEach(it, options)
	{
		const char *o;
		size_t k;

		if (!cJSON_IsString(it))
			return tug_err_set(err, EINVAL, "%s.options[%zu]: expected a string", field,
					   i);
		o = it->valuestring;
		i++;
		if (!strcmp(o, "bind")) {
			m->bind = true;
			continue;
		}
		if (!strcmp(o, "rbind")) {
			m->bind = true;
			m->flags |= MS_REC;
			continue;
		}
		if (!strcmp(o, "rro")) {
			m->flags |= MS_RDONLY;
			m->recursive_ro = true;
			continue;
		}
		if (!strcmp(o, "rrw") || !strcmp(o, "tmpcopyup") || !strcmp(o, "copy-symlink"))
			continue; /* rw is the default; the others are crun hints */
		if (!strcmp(o, "idmap") || !strcmp(o, "ridmap"))
			return tug_err_set(err, ENOTSUP,
					   "%s.options: idmapped mounts are not supported", field);
		if (propagation_of(o)) {
			m->propagation = propagation_of(o);
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(mount_flags); k++)
			if (!strcmp(mount_flags[k].name, o))
				break;
		if (k < ARRAY_SIZE(mount_flags)) {
			m->flags = (m->flags & ~mount_flags[k].clear) | mount_flags[k].set;
			m->clear = (m->clear & ~mount_flags[k].set) | mount_flags[k].clear;
			continue;
		}
		/* Like runc: anything else is filesystem data (size=64k, mode=755). */
		if (data_append(&m->data, o) < 0)
			return tug_err_set(err, ENOMEM, "%s.options", field);
	}
	return 0;
}

static int parse_mounts(const cJSON *arr, struct oci_spec *s, struct tug_err *err)
{
	const cJSON *it;
	size_t i = 0;

	s->mounts = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*s->mounts));
	if (!s->mounts)
		return tug_err_set(err, ENOMEM, "mounts");
	cJSON_ArrayForEach(it, arr)
	{
		struct mount_entry *m = &s->mounts[i];
		char at[32];

		snprintf(at, sizeof(at), "mounts[%zu]", i);
		s->n_mounts = ++i;
		if (!cJSON_IsObject(it))
			return tug_err_set(err, EINVAL, "%s: expected an object", at);
		if (get_str(it, "destination", at, &m->destination, err) < 0 ||
		    get_str(it, "type", at, &m->type, err) < 0 ||
		    get_str(it, "source", at, &m->source, err) < 0)
			return -1;
		if (!m->destination || !*m->destination)
			return tug_err_set(err, EINVAL, "%s.destination: required", at);
		if (oci_mount_options(cJSON_GetObjectItemCaseSensitive(it, "options"), at, m, err) <
		    0)
			return -1;
		if (m->type && !strcmp(m->type, "bind"))
			m->bind = true;
		if (!m->bind && !m->type)
			return tug_err_set(err, EINVAL, "%s.type: required unless bind", at);
		if (m->bind && !m->source)
			return tug_err_set(err, EINVAL, "%s.source: required for a bind mount", at);
	}
	return 0;
}

static int parse_idmaps(const cJSON *arr, const char *what, struct ns_idmap **out, size_t *n,
			struct tug_err *err)
{
	const cJSON *it;
	size_t i = 0;

	*out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**out));
	if (!*out)
		return tug_err_set(err, ENOMEM, "%s", what);
	cJSON_ArrayForEach(it, arr)
	{
		char at[48];

		snprintf(at, sizeof(at), "%s[%zu]", what, i);
		if (!cJSON_IsObject(it))
			return tug_err_set(err, EINVAL, "%s: expected an object", at);
		if (get_u32(it, "containerID", at, &(*out)[i].container_id, true, err) < 0 ||
		    get_u32(it, "hostID", at, &(*out)[i].host_id, true, err) < 0 ||
		    get_u32(it, "size", at, &(*out)[i].size, true, err) < 0)
			return -1;
		*n = ++i;
	}
	return 0;
}

static int parse_namespaces(const cJSON *arr, struct oci_spec *s, struct tug_err *err)
{
	const cJSON *it;
	size_t i = 0;

	cJSON_ArrayForEach(it, arr)
	{
		const char *type = NULL, *path = NULL;
		char at[32];
		int flag;

		snprintf(at, sizeof(at), "linux.namespaces[%zu]", i++);
		if (!cJSON_IsObject(it))
			return tug_err_set(err, EINVAL, "%s: expected an object", at);
		if (get_str(it, "type", at, &type, err) < 0 ||
		    get_str(it, "path", at, &path, err) < 0)
			return -1;
		if (!type)
			return tug_err_set(err, EINVAL, "%s.type: required", at);
		flag = oci_ns_flag(type);
		if (!flag)
			return tug_err_set(err, EINVAL, "%s.type: unknown namespace '%s'", at,
					   type);
		if (oci_spec_has_ns(s, flag, NULL))
			return tug_err_set(err, EINVAL, "%s.type: duplicate namespace '%s'", at,
					   type);
		if (path && path[0] != '/')
			return tug_err_set(err, EINVAL, "%s.path: must be absolute", at);
		if (path && !*path)
			path = NULL;
		s->ns[s->n_ns].flag = flag;
		s->ns[s->n_ns++].path = path;
	}
	return 0;
}

static int parse_devices(const cJSON *arr, struct oci_spec *s, struct tug_err *err)
{
	const cJSON *it;
	size_t i = 0;

	s->devices = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*s->devices));
	if (!s->devices)
		return tug_err_set(err, ENOMEM, "linux.devices");
	cJSON_ArrayForEach(it, arr)
	{
		struct mount_device *d = &s->devices[i];
		const char *type = NULL;
		uint32_t mode = 0666, uid = 0, gid = 0, maj = 0, min = 0;
		char at[32];

		snprintf(at, sizeof(at), "linux.devices[%zu]", i);
		if (!cJSON_IsObject(it))
			return tug_err_set(err, EINVAL, "%s: expected an object", at);
		if (get_str(it, "path", at, &d->path, err) < 0 ||
		    get_str(it, "type", at, &type, err) < 0)
			return -1;
		if (!d->path || d->path[0] != '/')
			return tug_err_set(err, EINVAL, "%s.path: required, absolute", at);
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
			return tug_err_set(err, EINVAL, "%s.type: must be c, b, u or p", at);
		d->type = type[0];
		if (get_u32(it, "major", at, &maj, d->type != 'p', err) < 0 ||
		    get_u32(it, "minor", at, &min, d->type != 'p', err) < 0 ||
		    get_u32(it, "fileMode", at, &mode, false, err) < 0 ||
		    get_u32(it, "uid", at, &uid, false, err) < 0 ||
		    get_u32(it, "gid", at, &gid, false, err) < 0)
			return -1;
		d->major = maj;
		d->minor = min;
		d->mode = mode & 07777;
		d->uid = uid;
		d->gid = gid;
		s->n_devices = ++i;
	}
	return 0;
}

static int parse_hooks(const cJSON *hooks, struct tug_err *err)
{
	static const char *const kinds[] = {"prestart",	      "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop"};
	const cJSON *kind;

	cJSON_ArrayForEach(kind, hooks)
	{
		const cJSON *h;
		size_t k, i = 0;

		for (k = 0; k < ARRAY_SIZE(kinds); k++)
			if (!strcmp(kinds[k], kind->string))
				break;
		if (k == ARRAY_SIZE(kinds))
			continue; /* unknown hook kinds are ignored, as runc does */
		if (!cJSON_IsArray(kind))
			return tug_err_set(err, EINVAL, "hooks.%s: expected an array",
					   kind->string);
		cJSON_ArrayForEach(h, kind)
		{
			const char *path = NULL, **v = NULL;
			int64_t timeout = 1;
			char at[64];

			snprintf(at, sizeof(at), "hooks.%s[%zu]", kind->string, i++);
			if (!cJSON_IsObject(h))
				return tug_err_set(err, EINVAL, "%s: expected an object", at);
			if (get_str(h, "path", at, &path, err) < 0)
				return -1;
			if (!path || path[0] != '/')
				return tug_err_set(err, EINVAL, "%s.path: required, absolute", at);
			if (get_strv(h, "args", at, &v, err) < 0)
				return -1;
			free(v);
			v = NULL;
			if (get_strv(h, "env", at, &v, err) < 0)
				return -1;
			free(v);
			if (json_get_int(h, "timeout", &timeout, err) < 0)
				return wrap_field(err, at);
			if (timeout <= 0)
				return tug_err_set(err, EINVAL, "%s.timeout: must be > 0", at);
		}
	}
	return 0;
}

/* root.path relative to the bundle must stay in it; absolute paths are the caller's choice. */
static int resolve_root(struct oci_spec *s, const char *path, struct tug_err *err)
{
	char joined[PATH_MAX], real[PATH_MAX];
	size_t bl = strlen(s->bundle);
	struct stat st;

	if (path[0] == '/')
		snprintf(joined, sizeof(joined), "%s", path);
	else if (snprintf(joined, sizeof(joined), "%s/%s", s->bundle, path) >= (int)sizeof(joined))
		return tug_err_set(err, ENAMETOOLONG, "root.path");
	if (!realpath(joined, real))
		return tug_err_sys(err, "root.path: %s", joined);
	if (path[0] != '/' && (strncmp(real, s->bundle, bl) ||
			       (real[bl] != '/' && real[bl] != '\0') || real[bl] == '\0'))
		return tug_err_set(err, EINVAL, "root.path: '%s' escapes the bundle %s", path,
				   s->bundle);
	if (stat(real, &st) < 0)
		return tug_err_sys(err, "root.path: %s", real);
	if (!S_ISDIR(st.st_mode))
		return tug_err_set(err, ENOTDIR, "root.path: %s is not a directory", real);
	s->root_path = strdup(real);
	return s->root_path ? 0 : tug_err_set(err, ENOMEM, "root.path");
}

static int check_version(const char *v, struct tug_err *err)
{
	char *end;
	long major;

	if (!v)
		return tug_err_set(err, EINVAL, "ociVersion: required");
	major = strtol(v, &end, 10);
	if (end == v || *end != '.')
		return tug_err_set(err, EINVAL, "ociVersion: '%s' is not a version", v);
	if (major != 1)
		return tug_err_set(
		    err, EINVAL,
		    "ociVersion: unsupported major version in '%s' (supported: 1.0 to 1.2)", v);
	return 0;
}

static int parse_linux(const cJSON *lx, struct oci_spec *s, struct tug_err *err)
{
	const cJSON *arr = NULL, *obj = NULL;
	const char *prop = NULL;

	if (json_get_array(lx, "namespaces", &arr, err) < 0)
		return tug_err_wrap(err, "linux");
	if (arr && parse_namespaces(arr, s, err) < 0)
		return -1;
	arr = NULL;
	if (json_get_array(lx, "uidMappings", &arr, err) < 0)
		return tug_err_wrap(err, "linux");
	if (arr && parse_idmaps(arr, "linux.uidMappings", &s->uid_maps, &s->n_uid_maps, err) < 0)
		return -1;
	arr = NULL;
	if (json_get_array(lx, "gidMappings", &arr, err) < 0)
		return tug_err_wrap(err, "linux");
	if (arr && parse_idmaps(arr, "linux.gidMappings", &s->gid_maps, &s->n_gid_maps, err) < 0)
		return -1;
	arr = NULL;
	if (json_get_array(lx, "devices", &arr, err) < 0)
		return tug_err_wrap(err, "linux");
	if (arr && parse_devices(arr, s, err) < 0)
		return -1;
	if (json_get_obj(lx, "sysctl", &s->sysctl, err) < 0)
		return tug_err_wrap(err, "linux");
	if (s->sysctl) {
		const cJSON *it;

		cJSON_ArrayForEach(it, s->sysctl)
		{
			if (!cJSON_IsString(it))
				return tug_err_set(
				    err, EINVAL, "linux.sysctl.%s: expected a string", it->string);
			if (strstr(it->string, ".."))
				return tug_err_set(err, EINVAL, "linux.sysctl.%s: invalid name",
						   it->string);
		}
	}
	if (get_strv(lx, "maskedPaths", "linux", &s->masked_paths, err) < 0 ||
	    get_strv(lx, "readonlyPaths", "linux", &s->readonly_paths, err) < 0)
		return -1;
	if (get_str(lx, "rootfsPropagation", "linux", &prop, err) < 0)
		return -1;
	if (prop && *prop) {
		s->rootfs_propagation = propagation_of(prop);
		if (!s->rootfs_propagation)
			return tug_err_set(err, EINVAL,
					   "linux.rootfsPropagation: unknown value '%s'", prop);
	}
	if (get_str(lx, "cgroupsPath", "linux", &s->cgroups_path, err) < 0)
		return -1;
	if (json_get_obj(lx, "resources", &s->resources, err) < 0 ||
	    json_get_obj(lx, "seccomp", &s->seccomp, err) < 0 ||
	    json_get_obj(lx, "timeOffsets", &obj, err) < 0)
		return tug_err_wrap(err, "linux");
	if (obj) {
		const cJSON *c;

		s->has_time_offsets = true;
		if ((c = cJSON_GetObjectItemCaseSensitive(obj, "monotonic"))) {
			if (json_get_int(c, "secs", &s->time_offset_mono_s, err) < 0 ||
			    json_get_int(c, "nanosecs", &s->time_offset_mono_ns, err) < 0)
				return tug_err_wrap(err, "linux.timeOffsets.monotonic");
		}
		if ((c = cJSON_GetObjectItemCaseSensitive(obj, "boottime"))) {
			if (json_get_int(c, "secs", &s->time_offset_boot_s, err) < 0 ||
			    json_get_int(c, "nanosecs", &s->time_offset_boot_ns, err) < 0)
				return tug_err_wrap(err, "linux.timeOffsets.boottime");
		}
	}
	return 0;
}

/* Rules that need several fields at once. */
static int check_consistency(struct oci_spec *s, struct tug_err *err)
{
	const char *userns_path = NULL;
	bool userns = oci_spec_has_ns(s, CLONE_NEWUSER, &userns_path);

	if ((s->n_uid_maps || s->n_gid_maps) && !userns)
		return tug_err_set(
		    err, EINVAL,
		    "linux.uidMappings: mappings need a user namespace in linux.namespaces");
	if (userns && !userns_path && (!s->n_uid_maps || !s->n_gid_maps))
		return tug_err_set(
		    err, EINVAL,
		    "linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
	if (s->hostname && *s->hostname && !oci_spec_has_ns(s, CLONE_NEWUTS, NULL))
		return tug_err_set(err, EINVAL, "hostname: needs a new uts namespace");
	if (s->domainname && *s->domainname && !oci_spec_has_ns(s, CLONE_NEWUTS, NULL))
		return tug_err_set(err, EINVAL, "domainname: needs a new uts namespace");
	if (s->has_time_offsets && !oci_spec_has_ns(s, CLONE_NEWTIME, NULL))
		return tug_err_set(err, EINVAL, "linux.timeOffsets: needs a time namespace");
	return 0;
}

int oci_spec_parse(const char *text, size_t len, const char *bundle, struct oci_spec *s,
		   struct tug_err *err)
{
	const cJSON *root = NULL, *proc = NULL, *arr = NULL, *lx = NULL;
	const char *path = NULL;
	char real[PATH_MAX];

	memset(s, 0, sizeof(*s));
	if (!realpath(bundle, real))
		return tug_err_sys(err, "bundle %s", bundle);
	if (!(s->bundle = strdup(real)))
		return tug_err_set(err, ENOMEM, "bundle");
	s->json = json_parse(text, len, "config.json", err);
	if (!s->json)
		goto fail;
	if (!cJSON_IsObject(s->json)) {
		tug_err_set(err, EINVAL, "config.json: expected an object");
		goto fail;
	}
	if (get_str(s->json, "ociVersion", "config", &s->version, err) < 0 ||
	    check_version(s->version, err) < 0)
		goto fail;
	if (json_get_obj(s->json, "root", &root, err) < 0) {
		tug_err_wrap(err, "config");
		goto fail;
	}
	if (!root) {
		tug_err_set(err, EINVAL, "root: required");
		goto fail;
	}
	if (get_str(root, "path", "root", &path, err) < 0 ||
	    json_get_bool(root, "readonly", &s->root_readonly, err) < 0)
		goto fail;
	if (!path || !*path) {
		tug_err_set(err, EINVAL, "root.path: required");
		goto fail;
	}
	if (get_str(s->json, "hostname", "config", &s->hostname, err) < 0 ||
	    get_str(s->json, "domainname", "config", &s->domainname, err) < 0)
		goto fail;
	if (json_get_obj(s->json, "process", &proc, err) < 0) {
		tug_err_wrap(err, "config");
		goto fail;
	}
	if (proc) {
		if (oci_process_parse(proc, "process", &s->process, err) < 0)
			goto fail;
		s->has_process = true;
	}
	if (json_get_array(s->json, "mounts", &arr, err) < 0) {
		tug_err_wrap(err, "config");
		goto fail;
	}
	if (arr && parse_mounts(arr, s, err) < 0)
		goto fail;
	if (json_get_obj(s->json, "linux", &lx, err) < 0) {
		tug_err_wrap(err, "config");
		goto fail;
	}
	if (lx && parse_linux(lx, s, err) < 0)
		goto fail;
	if (json_get_obj(s->json, "hooks", &s->hooks, err) < 0 ||
	    json_get_obj(s->json, "annotations", &s->annotations, err) < 0) {
		tug_err_wrap(err, "config");
		goto fail;
	}
	if (s->hooks && parse_hooks(s->hooks, err) < 0)
		goto fail;
	if (s->annotations) {
		const cJSON *it;

		cJSON_ArrayForEach(it, s->annotations) if (!cJSON_IsString(it))
		{
			tug_err_set(err, EINVAL, "annotations.%s: expected a string", it->string);
			goto fail;
		}
	}
	if (check_consistency(s, err) < 0)
		goto fail;
	if (resolve_root(s, path, err) < 0)
		goto fail;
	return 0;
fail:
	oci_spec_free(s);
	return -1;
}

int oci_spec_load(const char *bundle, struct oci_spec *spec, struct tug_err *err)
{
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	size_t len;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (read_file(AT_FDCWD, path, CONFIG_MAX, &text, &len, err) < 0)
		return tug_err_wrap(err, "load bundle");
	return oci_spec_parse(text, len, bundle, spec, err);
}

void oci_spec_free(struct oci_spec *s)
{
	oci_process_free(&s->process);
	for (size_t i = 0; i < s->n_mounts; i++)
		free(s->mounts[i].data);
	free(s->mounts);
	free(s->uid_maps);
	free(s->gid_maps);
	free(s->devices);
	free(s->masked_paths);
	free(s->readonly_paths);
	free(s->bundle);
	free(s->root_path);
	if (s->json)
		cJSON_Delete(s->json);
	memset(s, 0, sizeof(*s));
}
