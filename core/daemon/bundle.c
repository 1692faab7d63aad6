/*
 * From an image and the create options to an OCI bundle: the image's
 * unpacked layers under an overlay with a per-container upper and work
 * directory, and a config.json like Docker's defaults.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/daemon/daemon.h"
#include "core/daemon/netvol.h"
#include "core/image/image.h"
#include "core/image/rootfs.h"
#include "core/image/store.h"
#include "core/daemon/resources.h"
#include "core/daemon/hostspec.h"
#include "core/daemon/security.h"
#include "platform/cleanup.h"
#include "platform/cgroup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
};

static cJSON *strv(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* Docker accepts Cmd/Entrypoint as a string too. */
static void append_args(cJSON *args, const cJSON *v)
{
	const cJSON *it;

	if (cJSON_IsString(v)) {
		cJSON_AddItemToArray(args, cJSON_CreateString(v->valuestring));
		return;
	}
	cJSON_ArrayForEach(it, v)
		if (cJSON_IsString(it))
			cJSON_AddItemToArray(args, cJSON_CreateString(it->valuestring));
}

static void env_set(cJSON *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, env) {
		if (!strncmp(it->valuestring, kv, klen) && it->valuestring[klen] == '=') {
			cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

/* "uid[:gid]" or a name from the rootfs's /etc/passwd. */
static int resolve_user(const char *rootfs, const char *user, long *uid, long *gid,
			struct tug_err *err)
{
	char name[128], grp[128] = "", path[700], line[512];
	char *end;
	FILE *f;

	*uid = *gid = 0;
	if (!user || !*user)
		return 0;
	snprintf(name, sizeof(name), "%s", user);
	if (strchr(name, ':')) {
		snprintf(grp, sizeof(grp), "%s", strchr(name, ':') + 1);
		*strchr(name, ':') = '\0';
	}
	*uid = strtol(name, &end, 10);
	if (*end || end == name) {
		bool found = false;

		snprintf(path, sizeof(path), "%s/etc/passwd", rootfs);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			char *f1 = strtok(line, ":"), *f2, *f3, *f4;

			strtok(NULL, ":");
			f3 = strtok(NULL, ":");
			f4 = strtok(NULL, ":");
			(void)f2;
			if (f1 && f3 && f4 && !strcmp(f1, name)) {
				*uid = atol(f3);
				*gid = atol(f4);
				found = true;
				break;
			}
		}
		if (f)
			fclose(f);
		if (!found)
			return tug_err_set(err, ENOENT,
					   "unable to find user %s: no matching entries in passwd file",
					   name);
	}
	if (*grp)
		*gid = strtol(grp, &end, 10);
	return 0;
}

cJSON *bundle_process(struct container *c, const cJSON *exec_cfg, struct tug_err *err)
{
	const cJSON *icfg = cJSON_GetObjectItem(c->config, "__ImageConfig");
	const cJSON *src = exec_cfg ? exec_cfg : c->config;
	cJSON *p = cJSON_CreateObject(), *args, *env, *user;
	const cJSON *ep, *cmd, *it;
	const char *cwd = NULL, *u;
	char rootfs[700];
	long uid, gid;

	args = cJSON_AddArrayToObject(p, "args");
	if (exec_cfg) {
		append_args(args, cJSON_GetObjectItem(exec_cfg, "Cmd"));
	} else {
		ep = cJSON_GetObjectItem(c->config, "Entrypoint");
		cmd = cJSON_GetObjectItem(c->config, "Cmd");
		if (!ep || cJSON_IsNull(ep)) {
			ep = cJSON_GetObjectItem(icfg, "Entrypoint");
			if (!cmd || cJSON_IsNull(cmd) || !cJSON_GetArraySize(cmd))
				cmd = cJSON_GetObjectItem(icfg, "Cmd");
		} else if (cJSON_IsArray(ep) && cJSON_GetArraySize(ep) == 1 &&
			   !*cJSON_GetArrayItem(ep, 0)->valuestring) {
			ep = NULL; /* --entrypoint "" resets it */
		}
		append_args(args, ep);
		append_args(args, cmd);
	}
	if (!cJSON_GetArraySize(args)) {
		cJSON_Delete(p);
		tug_err_set(err, EINVAL, "no command specified");
		return NULL;
	}
	env = cJSON_AddArrayToObject(p, "env");
	for (size_t i = 0; i < ARRAY_SIZE(default_env); i++)
		env_set(env, default_env[i]);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(icfg, "Env"))
		if (cJSON_IsString(it))
			env_set(env, it->valuestring);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(c->config, "Env"))
		if (cJSON_IsString(it))
			env_set(env, it->valuestring);
	if (exec_cfg)
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(exec_cfg, "Env"))
			if (cJSON_IsString(it))
				env_set(env, it->valuestring);
	if (cJSON_IsTrue(cJSON_GetObjectItem(src, "Tty")))
		env_set(env, "TERM=xterm");
	{
		char h[80];

		snprintf(h, sizeof(h), "HOSTNAME=%.12s", c->id);
		env_set(env, h);
	}
	cwd = cJSON_GetStringValue(cJSON_GetObjectItem(src, "WorkingDir"));
	if (!cwd || !*cwd)
		cwd = cJSON_GetStringValue(cJSON_GetObjectItem(c->config, "WorkingDir"));
	if (!cwd || !*cwd)
		cwd = cJSON_GetStringValue(cJSON_GetObjectItem(icfg, "WorkingDir"));
	cJSON_AddStringToObject(p, "cwd", cwd && *cwd ? cwd : "/");
	cJSON_AddBoolToObject(p, "terminal", cJSON_IsTrue(cJSON_GetObjectItem(src, "Tty")));
	u = cJSON_GetStringValue(cJSON_GetObjectItem(src, "User"));
	if (!u || !*u)
		u = cJSON_GetStringValue(cJSON_GetObjectItem(c->config, "User"));
	if (!u || !*u)
		u = cJSON_GetStringValue(cJSON_GetObjectItem(icfg, "User"));
	snprintf(rootfs, sizeof(rootfs), "%s/containers/%s/rootfs", g_daemon->cfg.state_dir, c->id);
	if (resolve_user(rootfs, u, &uid, &gid, err)) {
		cJSON_Delete(p);
		return NULL;
	}
	user = cJSON_AddObjectToObject(p, "user");
	cJSON_AddNumberToObject(user, "uid", (double)uid);
	cJSON_AddNumberToObject(user, "gid", (double)gid);
	/* Capabilities and noNewPrivileges (core/daemon/security.c); an exec's own Privileged. */
	if (security_process(c->host_config,
			     exec_cfg && cJSON_IsTrue(cJSON_GetObjectItem(exec_cfg, "Privileged")), p,
			     err) < 0) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

/* A bind mount for a spec's mounts: rbind, rprivate, ro or rw. */
cJSON *bundle_bind_entry(const char *src, const char *dst, bool ro)
{
	cJSON *m = cJSON_CreateObject(), *o = cJSON_AddArrayToObject(m, "options");

	cJSON_AddStringToObject(m, "destination", dst);
	cJSON_AddStringToObject(m, "type", "bind");
	cJSON_AddStringToObject(m, "source", src);
	cJSON_AddItemToArray(o, cJSON_CreateString("rbind"));
	cJSON_AddItemToArray(o, cJSON_CreateString("rprivate"));
	cJSON_AddItemToArray(o, cJSON_CreateString(ro ? "ro" : "rw"));
	return m;
}

static cJSON *mount_entry(const char *dst, const char *type, const char *src, const char *opts)
{
	cJSON *m = cJSON_CreateObject(), *o = cJSON_AddArrayToObject(m, "options");
	char buf[256], *save = NULL;

	cJSON_AddStringToObject(m, "destination", dst);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	snprintf(buf, sizeof(buf), "%s", opts);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(o, cJSON_CreateString(t));
	return m;
}

/*
 * --init (HostConfig.Init): this binary, read-only at /sbin/docker-init as
 * dockerd mounts tini there, runs first: docker-init -- ARGS
 * (init/docker_init.c). Exec processes are not under it.
 */
#define DOCKER_INIT_PATH "/sbin/docker-init" /* init/main.c dispatches on the name */

static void add_docker_init(cJSON *proc, cJSON *mounts)
{
	cJSON *args = cJSON_GetObjectItem(proc, "args");

	cJSON_AddItemToArray(mounts, mount_entry(DOCKER_INIT_PATH, "bind", g_daemon->self_exe,
						 "bind,ro,nosuid,nodev"));
	cJSON_InsertItemInArray(args, 0, cJSON_CreateString("--"));
	cJSON_InsertItemInArray(args, 0, cJSON_CreateString(DOCKER_INIT_PATH));
}

static cJSON *make_spec(struct container *c, struct tug_err *err)
{
	cJSON *s = cJSON_CreateObject(), *root, *mounts, *linux_, *ns, *proc;
	static const char *const nss[] = { "pid", "ipc", "uts", "mount", "network" };
	char host[16];

	proc = bundle_process(c, NULL, err);
	if (!proc) {
		cJSON_Delete(s);
		return NULL;
	}
	cJSON_AddStringToObject(s, "ociVersion", "1.0.2");
	cJSON_AddItemToObject(s, "process", proc);
	root = cJSON_AddObjectToObject(s, "root");
	{
		char path[700];

		/* The bundle (config.json) is in the run dir; the rootfs stays in the state dir. */
		snprintf(path, sizeof(path), "%s/containers/%s/rootfs", g_daemon->cfg.state_dir, c->id);
		cJSON_AddStringToObject(root, "path", path);
	}
	cJSON_AddBoolToObject(root, "readonly", false);
	snprintf(host, sizeof(host), "%.12s", c->id);
	cJSON_AddStringToObject(s, "hostname", host);
	mounts = cJSON_AddArrayToObject(s, "mounts");
	cJSON_AddItemToArray(mounts, mount_entry("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	cJSON_AddItemToArray(mounts, mount_entry("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
	cJSON_AddItemToArray(mounts, mount_entry("/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"));
	cJSON_AddItemToArray(mounts, mount_entry("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"));
	cJSON_AddItemToArray(mounts, mount_entry("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
	cJSON_AddItemToArray(mounts, mount_entry("/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"));
	if (cJSON_IsTrue(cJSON_GetObjectItem(c->host_config, "Init")))
		add_docker_init(proc, mounts);
	linux_ = cJSON_AddObjectToObject(s, "linux");
	ns = cJSON_AddArrayToObject(linux_, "namespaces");
	for (size_t i = 0; i < ARRAY_SIZE(nss); i++) {
		cJSON *n = cJSON_CreateObject();

		cJSON_AddStringToObject(n, "type", nss[i]);
		cJSON_AddItemToArray(ns, n);
	}
	{
		char cg[100];

		snprintf(cg, sizeof(cg), "/tug/%s", c->id);
		cJSON_AddStringToObject(linux_, "cgroupsPath", cg);
	}
	/*
	 * HostConfig limits, docker update's included (core/daemon/resources.c),
	 * but for those no controller here would enforce (saved by an update):
	 * the container starts without them, as dockerd's does.
	 */
	{
		_cleanup_json_ cJSON *hc = cJSON_Duplicate(c->host_config, true);
		_cleanup_json_ cJSON *warn = cJSON_CreateArray();
		const cJSON *w;

		hostconfig_discard_unusable(hc, warn, cgroup_controller_usable);
		cJSON_ArrayForEach (w, warn)
			fprintf(stderr, "tugd: %s: %s\n", c->name + 1, w->valuestring);
		cJSON_AddItemToObject(linux_, "resources", hostconfig_resources(hc));
	}
	cJSON_AddItemToObject(linux_, "maskedPaths",
			      strv((const char *const[]){ "/proc/kcore", "/proc/keys", "/proc/timer_list",
							  "/sys/firmware" }, 4));
	cJSON_AddItemToObject(linux_, "readonlyPaths",
			      strv((const char *const[]){ "/proc/bus", "/proc/fs", "/proc/irq",
							  "/proc/sys", "/proc/sysrq-trigger" }, 5));
	if (hostconfig_spec(c, s, err) < 0) /* core/daemon/hostspec.c */
		return cJSON_Delete(s), NULL;
	/* Privileged's devices and paths, a seccomp profile (core/daemon/security.c). */
	if (security_spec(c->host_config, s, err) < 0) {
		cJSON_Delete(s);
		return NULL;
	}
	return s;
}

/*
 * Mount the overlay unless it is still mounted from the last run; the image
 * store assembles it (tar layer dirs, squashfs layers through loop devices).
 * readonly: no upper; an image of one layer is then a read-only bind mount
 * of that layer (platform/overlay.c), no overlayfs at all.
 */
static int mount_rootfs_as(struct daemon *d, struct container *c, const char *dir, bool readonly,
			   struct tug_err *err)
{
	struct image_store st;
	char path[700], upper[700], work[700];
	/* An AutoRemove container's upper never outlives a crash: no syncs of it. */
	struct rootfs_opts o = { .upper = upper,
				 .work = work,
				 .readonly = readonly,
				 .volatile_upper = c->auto_remove,
				 .init_layer = true };
	struct stat a, b;
	int rc;

	snprintf(path, sizeof(path), "%s/rootfs", dir);
	if (stat(path, &a) == 0 && stat(dir, &b) == 0 && a.st_dev != b.st_dev)
		return 0; /* still mounted */
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	if (mkdir_p(path, 0755, err) || image_store_open(&st, err))
		return -1;
	rc = image_rootfs_mount(&st, c->image_id[0] ? c->image_id : c->image, &o, path, err);
	image_store_close(&st);
	return rc;
}

static int mount_rootfs(struct daemon *d, struct container *c, const char *dir,
			struct tug_err *err)
{
	return mount_rootfs_as(d, c, dir, false, err);
}

/*
 * A rootfs without an upper can take no new mount point: every mount's
 * destination must be in the image already (those under another mount,
 * /dev/pts under /dev's tmpfs, are made there). Symlinks count as missing.
 */
static bool mountpoints_present(const char *rootfs, const cJSON *spec)
{
	const cJSON *mounts = cJSON_GetObjectItem(spec, "mounts"), *m, *o;
	char path[PATH_MAX];
	struct stat st;

	cJSON_ArrayForEach(m, mounts) {
		const char *dst = cJSON_GetStringValue(cJSON_GetObjectItem(m, "destination"));
		bool under = false;

		if (!dst || dst[0] != '/')
			return false;
		cJSON_ArrayForEach(o, mounts) {
			const char *od = cJSON_GetStringValue(cJSON_GetObjectItem(o, "destination"));
			size_t n = od ? strlen(od) : 0;

			if (o != m && n > 1 && !strncmp(dst, od, n) && dst[n] == '/')
				under = true;
		}
		snprintf(path, sizeof(path), "%s%s", rootfs, dst);
		if (!under && (lstat(path, &st) < 0 || S_ISLNK(st.st_mode)))
			return false;
	}
	return true;
}

/*
 * A read-only container first gets a rootfs without an upper: for an image
 * of one layer, a read-only bind mount of it, which needs no overlay module
 * (a board's first container can start before that module is loaded,
 * docs/init.md). If a mount point is missing there, it gets an overlay with
 * an upper like any other container (the runtime then mounts it read-only).
 */
static int mount_rootfs_ro(struct daemon *d, struct container *c, const char *dir,
			   const cJSON *spec, struct tug_err *err)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/rootfs", dir);
	if (mountpoints_present(path, spec))
		return 0;
	umount2(path, MNT_DETACH);
	return mount_rootfs(d, c, dir, err);
}

int bundle_mount_rootfs(struct daemon *d, struct container *c, struct tug_err *err)
{
	char dir[700];

	ctr_dir(d, c, dir, sizeof(dir));
	return mount_rootfs(d, c, dir, err);
}

int bundle_prepare(struct daemon *d, struct container *c, char *bundle, size_t size,
		   struct tug_err *err)
{
	_cleanup_json_ cJSON *spec = NULL;
	char path[700], dir[600];
	bool ro = cJSON_IsTrue(cJSON_GetObjectItem(c->host_config, "ReadonlyRootfs"));
	int rc;

	ctr_dir(d, c, dir, sizeof(dir));
	if (mount_rootfs_as(d, c, dir, ro, err))
		return tug_err_wrap(err, "prepare rootfs of %s", c->name + 1);
	spec = make_spec(c, err);
	if (!spec)
		return -1;
	if (ctr_netvol_spec(d, c, spec, err) < 0)
		return tug_err_wrap(err, "prepare %s", c->name + 1);
	if (ro && mount_rootfs_ro(d, c, dir, spec, err) < 0)
		return tug_err_wrap(err, "prepare rootfs of %s", c->name + 1);
	/* Made again on every start, in the run dir (tmpfs): no fsync. */
	ctr_run_dir(d, c, bundle, size);
	if (mkdir_p(bundle, 0700, err) < 0)
		return tug_err_wrap(err, "prepare %s", c->name + 1);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	fsutil_volatile_begin();
	rc = json_write_file(AT_FDCWD, path, spec, err);
	fsutil_volatile_end();
	return rc;
}

void bundle_release(struct daemon *d, struct container *c)
{
	char path[700];
	struct tug_err err;

	ctr_run_dir(d, c, path, sizeof(path));
	if (remove_tree(AT_FDCWD, path, &err) < 0)
		tug_err_print(&err);
}

void bundle_cleanup(struct daemon *d, struct container *c)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/containers/%s/rootfs", d->cfg.state_dir, c->id);
	umount2(path, MNT_DETACH);
	bundle_release(d, c);
}
