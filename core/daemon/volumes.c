/*
 * A container's mounts from HostConfig.Binds (-v), HostConfig.Mounts
 * (--mount) and HostConfig.Tmpfs (--tmpfs), resolved once at create:
 * named volumes are created (anonymous ones get a random name) and marked
 * used by the container, bind sources checked. The result is kept in
 * <ctr dir>/mounts.json (OCI entries for every start, Docker's "Mounts"
 * for inspect), so restarts reuse the same anonymous volumes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/daemon/netvol.h"
#include "core/volume/mounts.h"
#include "core/volume/volume.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

#define MOUNTS_FILE "mounts.json"

static void mounts_path(struct daemon *d, struct container *c, char *out, size_t size)
{
	char dir[600];

	snprintf(out, size, "%s/" MOUNTS_FILE, ctr_dir(d, c, dir, sizeof(dir)));
}

static int dest_ok(const char *dst, struct tug_err *err)
{
	if (!dst || dst[0] != '/' || !strcmp(dst, "/"))
		return tug_err_set(
		    err, EINVAL,
		    "invalid mount config: destination '%s' must be absolute and not '/'",
		    dst ? dst : "");
	return 0;
}

/* One HostConfig.Mounts object -> vol_mount. */
static int mount_from_api(const cJSON *o, struct vol_mount *m, struct tug_err *err)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(o, "Type"));
	const char *src = cJSON_GetStringValue(cJSON_GetObjectItem(o, "Source"));
	const char *dst = cJSON_GetStringValue(cJSON_GetObjectItem(o, "Target"));
	const cJSON *bo = cJSON_GetObjectItem(o, "BindOptions");
	const cJSON *to = cJSON_GetObjectItem(o, "TmpfsOptions");
	const char *prop = cJSON_GetStringValue(cJSON_GetObjectItem(bo, "Propagation"));

	memset(m, 0, sizeof(*m));
	if (dest_ok(dst, err) < 0)
		return -1;
	snprintf(m->destination, sizeof(m->destination), "%s", dst);
	m->readonly = cJSON_IsTrue(cJSON_GetObjectItem(o, "ReadOnly"));
	if (!type || !strcmp(type, "volume")) {
		m->type = VOL_MOUNT_VOLUME;
		if (src && *src && volume_name_validate(src, err) < 0)
			return tug_err_wrap(err, "invalid mount config for type \"volume\"");
	} else if (!strcmp(type, "bind")) {
		struct stat st;

		m->type = VOL_MOUNT_BIND;
		if (!src || src[0] != '/')
			return tug_err_set(err, EINVAL,
					   "invalid mount config for type \"bind\": invalid mount "
					   "path: '%s' mount path must be absolute",
					   src ? src : "");
		if (stat(src, &st) < 0)
			return tug_err_set(err, ENOENT,
					   "invalid mount config for type \"bind\": bind source "
					   "path does not exist: %s",
					   src);
		if (prop && *prop)
			snprintf(m->propagation, sizeof(m->propagation), "%s", prop);
	} else if (!strcmp(type, "tmpfs")) {
		double size = cJSON_GetNumberValue(cJSON_GetObjectItem(to, "SizeBytes"));
		double mode = cJSON_GetNumberValue(cJSON_GetObjectItem(to, "Mode"));

		m->type = VOL_MOUNT_TMPFS;
		if (size > 0)
			m->tmpfs_size = (uint64_t)size;
		if (mode > 0) {
			m->tmpfs_mode = (unsigned)mode & 07777;
			m->has_mode = true;
		}
	} else {
		return tug_err_set(err, EINVAL, "mount type unknown: %s", type);
	}
	snprintf(m->source, sizeof(m->source), "%s", src ? src : "");
	return 0;
}

static cJSON *inspect_entry(const struct vol_mount *m, const char *name, const char *path)
{
	cJSON *o = cJSON_CreateObject();
	static const char *const types[] = {"volume", "bind", "tmpfs"};

	cJSON_AddStringToObject(o, "Type", types[m->type]);
	if (m->type == VOL_MOUNT_VOLUME)
		cJSON_AddStringToObject(o, "Name", name);
	cJSON_AddStringToObject(o, "Source", path);
	cJSON_AddStringToObject(o, "Destination", m->destination);
	if (m->type == VOL_MOUNT_VOLUME)
		cJSON_AddStringToObject(o, "Driver", "local");
	cJSON_AddStringToObject(o, "Mode", m->readonly ? "ro" : "");
	cJSON_AddBoolToObject(o, "RW", !m->readonly);
	cJSON_AddStringToObject(
	    o, "Propagation",
	    m->type == VOL_MOUNT_BIND ? (m->propagation[0] ? m->propagation : "rprivate") : "");
	return o;
}

static bool mounted_at(const cJSON *oci, const char *dst)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, oci)
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "destination")) ?: "",
			    dst))
			return true;
	return false;
}

struct resolved {
	cJSON *oci, *mounts, *anonymous, *used;
};

static int resolve_one(struct volume_store *vs, struct container *c, struct vol_mount *m,
		       bool from_binds, struct resolved *r, struct tug_err *err)
{
	char name[65] = "", path[4400] = "";

	if (m->type == VOL_MOUNT_BIND) {
		snprintf(path, sizeof(path), "%s", m->source);
		/* -v creates a missing host directory, as Docker's -v does (--mount refuses). */
		if (from_binds && access(path, F_OK) < 0 && mkdir_p(path, 0755, err) < 0)
			return tug_err_wrap(err, "bind source %s", path);
	} else if (m->type == VOL_MOUNT_VOLUME) {
		if (volume_create(vs, m->source[0] ? m->source : NULL, name, err) < 0 ||
		    volume_use(vs, name, c->id, err) < 0)
			return -1;
		cJSON_AddItemToArray(r->used, cJSON_CreateString(name));
		if (!m->source[0])
			cJSON_AddItemToArray(r->anonymous, cJSON_CreateString(name));
		volume_data_path(vs, name, path, sizeof(path));
	}
	cJSON_AddItemToArray(r->oci, vol_mount_to_oci(m, path));
	if (m->type != VOL_MOUNT_TMPFS || !from_binds)
		cJSON_AddItemToArray(r->mounts, inspect_entry(m, name, path));
	return 0;
}

int ctr_volumes_create(struct daemon *d, struct container *c, struct tug_err *err)
{
	const cJSON *binds = cJSON_GetObjectItem(c->host_config, "Binds");
	const cJSON *mounts = cJSON_GetObjectItem(c->host_config, "Mounts");
	const cJSON *tmpfs = cJSON_GetObjectItem(c->host_config, "Tmpfs");
	_cleanup_json_ cJSON *j = cJSON_CreateObject();
	struct resolved r = {
	    .oci = cJSON_AddArrayToObject(j, "Oci"),
	    .mounts = cJSON_AddArrayToObject(j, "Mounts"),
	    .anonymous = cJSON_AddArrayToObject(j, "Anonymous"),
	    .used = cJSON_AddArrayToObject(j, "Volumes"),
	};
	_cleanup_free_ struct vol_mount *m = malloc(sizeof(*m));
	struct volume_store vs;
	const cJSON *it;
	char dir[700];
	int ret = -1;

	if (!m)
		return tug_err_set(err, ENOMEM, "mounts");
	if (!cJSON_GetArraySize(binds) && !cJSON_GetArraySize(mounts) &&
	    !cJSON_GetArraySize(tmpfs) &&
	    !cJSON_GetArraySize(cJSON_GetObjectItem(c->config, "Volumes")) &&
	    !cJSON_GetArraySize(
		cJSON_GetObjectItem(cJSON_GetObjectItem(c->config, "__ImageConfig"), "Volumes")))
		return 0;
	if (volume_store_open(&vs, d->cfg.state_dir, err) < 0)
		return -1;
	cJSON_ArrayForEach (it, binds) {
		if (!cJSON_IsString(it)) {
			tug_err_set(err, EINVAL, "HostConfig.Binds: strings expected");
			goto out;
		}
		if (vol_parse_volume_spec(it->valuestring, m, err) < 0 ||
		    resolve_one(&vs, c, m, true, &r, err) < 0)
			goto out;
	}
	cJSON_ArrayForEach (it, mounts)
		if (mount_from_api(it, m, err) < 0 || resolve_one(&vs, c, m, false, &r, err) < 0)
			goto out;
	cJSON_ArrayForEach (it, tmpfs) {
		char spec[4400];

		snprintf(spec, sizeof(spec), "%s%s%s", it->string,
			 cJSON_GetStringValue(it) && *it->valuestring ? ":" : "",
			 cJSON_GetStringValue(it) ? it->valuestring : "");
		if (vol_parse_tmpfs_spec(spec, m, err) < 0 ||
		    resolve_one(&vs, c, m, true, &r, err) < 0)
			goto out;
	}
	/* -v /dst and the image's VOLUMEs: anonymous volumes, unless mounted over already. */
	for (int pass = 0; pass < 2; pass++) {
		const cJSON *cfg =
		    pass ? cJSON_GetObjectItem(c->config, "__ImageConfig") : c->config;

		cJSON_ArrayForEach (it, cJSON_GetObjectItem(cfg, "Volumes")) {
			if (mounted_at(r.oci, it->string))
				continue;
			if (vol_parse_volume_spec(it->string, m, err) < 0 ||
			    resolve_one(&vs, c, m, true, &r, err) < 0)
				goto out;
		}
	}
	mounts_path(d, c, dir, sizeof(dir));
	ret = json_write_file(AT_FDCWD, dir, j, err);
out:
	if (ret < 0) {
		struct tug_err e2;

		cJSON_ArrayForEach (it, r.used)
			volume_unuse(&vs, it->valuestring, c->id, &e2);
		cJSON_ArrayForEach (it, r.anonymous)
			volume_remove(&vs, it->valuestring, false, &e2);
	}
	volume_store_close(&vs);
	return ret;
}

static cJSON *load_mounts(struct daemon *d, struct container *c)
{
	char path[700];
	struct tug_err err;

	mounts_path(d, c, path, sizeof(path));
	if (access(path, F_OK) < 0)
		return NULL;
	return json_parse_file(path, 1 << 20, &err);
}

int ctr_volumes_spec(struct daemon *d, struct container *c, cJSON *spec, struct tug_err *err)
{
	_cleanup_json_ cJSON *j = load_mounts(d, c);
	cJSON *mounts = cJSON_GetObjectItem(spec, "mounts"), *it;

	(void)err;
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(j, "Oci"))
		cJSON_AddItemToArray(mounts, cJSON_Duplicate(it, true));
	return 0;
}

cJSON *ctr_volumes_inspect(struct daemon *d, struct container *c)
{
	_cleanup_json_ cJSON *j = load_mounts(d, c);
	cJSON *m = cJSON_GetObjectItem(j, "Mounts");

	return m ? cJSON_Duplicate(m, true) : cJSON_CreateArray();
}

void ctr_volumes_remove(struct daemon *d, struct container *c, bool remove_anonymous)
{
	_cleanup_json_ cJSON *j = load_mounts(d, c);
	struct volume_store vs;
	struct tug_err err;
	const cJSON *it;

	if (!j || volume_store_open(&vs, d->cfg.state_dir, &err) < 0)
		return;
	if (volume_release_container(&vs, c->id, &err) < 0)
		tug_err_print(&err);
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(j, remove_anonymous ? "Anonymous" : ""))
		if (cJSON_IsString(it) && volume_remove(&vs, it->valuestring, false, &err) < 0)
			tug_err_print(&err);
	volume_store_close(&vs);
}

cJSON *ctr_volumes_anonymous(struct daemon *d, struct container *c)
{
	_cleanup_json_ cJSON *j = load_mounts(d, c);
	cJSON *a = cJSON_GetObjectItem(j, "Anonymous");

	return a ? cJSON_Duplicate(a, true) : NULL;
}

void volumes_remove_names(struct daemon *d, const cJSON *names)
{
	struct volume_store vs;
	struct tug_err err;
	const cJSON *it;

	if (!cJSON_GetArraySize(names) || volume_store_open(&vs, d->cfg.state_dir, &err) < 0)
		return;
	cJSON_ArrayForEach (it, names)
		if (cJSON_IsString(it) && volume_remove(&vs, it->valuestring, false, &err) < 0)
			tug_err_print(&err);
	volume_store_close(&vs);
}
