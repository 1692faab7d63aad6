/* Named volumes on disk, their metadata and in-use refcount. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/names.h"
#include "core/paths.h"
#include "core/volume/volume.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/random.h"

int volume_name_validate(const char *name, struct tug_err *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len < 2 || len > 255)
		return tug_err_set(err, EINVAL, "invalid volume name '%s': 2 to 255 characters",
				   name ? name : "");
	if (!name_ok(name, len))
		return tug_err_set(err, EINVAL,
				   "invalid volume name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				   "are allowed (no '/')",
				   name);
	/* The rule already keeps '.' and '..' out (first character); say it anyway. */
	if (strstr(name, ".."))
		return tug_err_set(err, EINVAL, "invalid volume name '%s': '..' is not allowed",
				   name);
	return 0;
}

int volume_store_open(struct volume_store *vs, const char *state_dir, struct tug_err *err)
{
	char lockp[4200];

	vs->lock_fd = -1;
	snprintf(vs->dir, sizeof(vs->dir), "%s/volumes", state_dir ? state_dir : tug_state_dir());
	if (mkdir_p(vs->dir, 0700, err) < 0)
		return tug_err_wrap(err, "volume store");
	snprintf(lockp, sizeof(lockp), "%s/.lock", vs->dir);
	vs->lock_fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (vs->lock_fd < 0 || flock(vs->lock_fd, LOCK_EX) < 0)
		return tug_err_sys(err, "lock %s", lockp);
	/* A create interrupted by a crash left ".<name>.tmp-<pid>": drop it. */
	sweep_temp_files(vs->dir, err);
	return 0;
}

void volume_store_close(struct volume_store *vs)
{
	if (vs->lock_fd >= 0)
		close(vs->lock_fd);
	vs->lock_fd = -1;
}

void volume_data_path(const struct volume_store *vs, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s/_data", vs->dir, name);
}

bool volume_exists(struct volume_store *vs, const char *name)
{
	char p[4400];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s/meta.json", vs->dir, name);
	return stat(p, &st) == 0;
}

static cJSON *meta_load(struct volume_store *vs, const char *name, struct tug_err *err)
{
	char p[4400];

	if (volume_name_validate(name, err) < 0)
		return NULL;
	if (!volume_exists(vs, name)) {
		tug_err_set(err, ENOENT, "no such volume: %s", name);
		return NULL;
	}
	snprintf(p, sizeof(p), "%s/%s/meta.json", vs->dir, name);
	return json_parse_file(p, 1 << 20, err);
}

static int meta_save(struct volume_store *vs, const char *name, const cJSON *j,
		     struct tug_err *err)
{
	char d[4400];
	_cleanup_close_ int dfd = -1;

	snprintf(d, sizeof(d), "%s/%s", vs->dir, name);
	dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return tug_err_sys(err, "open %s", d);
	return json_write_file(dfd, "meta.json", j, err);
}

int volume_create(struct volume_store *vs, const char *name, char out[65], struct tug_err *err)
{
	char tmp[4400], final[4400], data[4500], anon[65], created[40];
	_cleanup_json_ cJSON *j = NULL;
	_cleanup_close_ int dfd = -1;
	time_t t = time(NULL);
	struct tm tm;

	if (!name) {
		random_hex_id(anon);
		name = anon;
	}
	if (volume_name_validate(name, err) < 0)
		return tug_err_wrap(err, "volume create");
	snprintf(out, 65, "%.64s", name);
	if (volume_exists(vs, name))
		return 0;
	/* Build it under a temp name, rename into place: all or nothing. */
	snprintf(tmp, sizeof(tmp), "%s/" TUG_TMP_PREFIX "%s" TUG_TMP_INFIX "%d", vs->dir, name,
		 (int)getpid());
	snprintf(final, sizeof(final), "%s/%s", vs->dir, name);
	snprintf(data, sizeof(data), "%s/_data", tmp);
	remove_tree(AT_FDCWD, tmp, err);
	if (mkdir(tmp, 0700) < 0 || mkdir(data, 0755) < 0)
		return tug_err_sys(err, "volume create %s", name);
	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "Name", name);
	cJSON_AddStringToObject(j, "CreatedAt", created);
	cJSON_AddObjectToObject(j, "Labels");
	cJSON_AddArrayToObject(j, "UsedBy");
	dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || json_write_file(dfd, "meta.json", j, err) < 0 ||
	    atomic_rename(AT_FDCWD, tmp, final, err) < 0) {
		struct tug_err e2;

		remove_tree(AT_FDCWD, tmp, &e2);
		return tug_err_wrap(err, "volume create %s", name);
	}
	return 0;
}

cJSON *volume_inspect(struct volume_store *vs, const char *name, struct tug_err *err)
{
	_cleanup_json_ cJSON *meta = meta_load(vs, name, err);
	const cJSON *users = NULL;
	const char *created = "";
	char data[4400];
	cJSON *j;

	if (!meta)
		return NULL;
	json_get_str(meta, "CreatedAt", &created, err);
	json_get_array(meta, "UsedBy", &users, err);
	volume_data_path(vs, name, data, sizeof(data));
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "CreatedAt", created ? created : "");
	cJSON_AddStringToObject(j, "Driver", "local");
	cJSON_AddObjectToObject(j, "Labels");
	cJSON_AddStringToObject(j, "Mountpoint", data);
	cJSON_AddStringToObject(j, "Name", name);
	cJSON_AddObjectToObject(j, "Options");
	cJSON_AddStringToObject(j, "Scope", "local");
	cJSON_AddItemToObject(j, "UsedBy",
			      users ? cJSON_Duplicate(users, 1) : cJSON_CreateArray());
	return j;
}

int volume_list(struct volume_store *vs, char ***names, struct tug_err *err)
{
	DIR *d = opendir(vs->dir);
	struct dirent *de;
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;

	if (!d || !v) {
		if (d)
			closedir(d);
		free(v);
		return tug_err_sys(err, "list %s", vs->dir);
	}
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_name[0] == '.' || !volume_exists(vs, de->d_name))
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n++] = strdup(de->d_name);
		v[n] = NULL;
	}
	closedir(d);
	*names = v;
	return 0;
}

static size_t users_count(const cJSON *meta)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(meta, "UsedBy");

	return cJSON_IsArray(u) ? (size_t)cJSON_GetArraySize(u) : 0;
}

int volume_remove(struct volume_store *vs, const char *name, bool force, struct tug_err *err)
{
	_cleanup_json_ cJSON *meta = meta_load(vs, name, err);
	char dir[4400], tmp[4400];

	if (!meta)
		return tug_err_wrap(err, "volume rm");
	if (users_count(meta) && !force) {
		const cJSON *u = cJSON_GetArrayItem(cJSON_GetObjectItem(meta, "UsedBy"), 0);

		return tug_err_set(err, EBUSY, "volume rm %s: volume is in use by container %s",
				   name, cJSON_IsString(u) ? u->valuestring : "?");
	}
	/* Rename away first: a crash mid-delete leaves a temp the next open sweeps. */
	snprintf(dir, sizeof(dir), "%s/%s", vs->dir, name);
	snprintf(tmp, sizeof(tmp), "%s/" TUG_TMP_PREFIX "%s" TUG_TMP_INFIX "%d", vs->dir, name,
		 (int)getpid());
	if (rename(dir, tmp) < 0)
		return tug_err_sys(err, "volume rm %s", name);
	fsync_dir_of(AT_FDCWD, dir, err);
	return remove_tree(AT_FDCWD, tmp, err) < 0 ? tug_err_wrap(err, "volume rm %s", name) : 0;
}

int volume_prune(struct volume_store *vs, void (*cb)(const char *name, void *ctx), void *ctx,
		 struct tug_err *err)
{
	char **names;
	int ret = 0;

	if (volume_list(vs, &names, err) < 0)
		return -1;
	for (char **p = names; *p; p++) {
		_cleanup_json_ cJSON *meta = meta_load(vs, *p, err);

		if (ret == 0 && meta && !users_count(meta)) {
			if (volume_remove(vs, *p, false, err) < 0)
				ret = -1;
			else if (cb)
				cb(*p, ctx);
		}
		free(*p);
	}
	free(names);
	return ret;
}

static int users_edit(struct volume_store *vs, const char *name, const char *container, bool add,
		      struct tug_err *err)
{
	_cleanup_json_ cJSON *meta = meta_load(vs, name, err);
	cJSON *u, *it;
	int i = 0;

	if (!meta)
		return -1;
	u = cJSON_GetObjectItemCaseSensitive(meta, "UsedBy");
	if (!cJSON_IsArray(u)) {
		cJSON_DeleteItemFromObject(meta, "UsedBy");
		u = cJSON_AddArrayToObject(meta, "UsedBy");
	}
	cJSON_ArrayForEach(it, u) {
		if (cJSON_IsString(it) && !strcmp(it->valuestring, container)) {
			if (add)
				return 0;
			cJSON_DeleteItemFromArray(u, i);
			return meta_save(vs, name, meta, err);
		}
		i++;
	}
	if (!add)
		return 0;
	cJSON_AddItemToArray(u, cJSON_CreateString(container));
	return meta_save(vs, name, meta, err);
}

int volume_use(struct volume_store *vs, const char *name, const char *container,
	       struct tug_err *err)
{
	return users_edit(vs, name, container, true, err);
}

int volume_unuse(struct volume_store *vs, const char *name, const char *container,
		 struct tug_err *err)
{
	return users_edit(vs, name, container, false, err);
}

int volume_release_container(struct volume_store *vs, const char *container,
			     struct tug_err *err)
{
	char **names;
	int ret = 0;

	if (volume_list(vs, &names, err) < 0)
		return -1;
	for (char **p = names; *p; p++) {
		if (ret == 0 && volume_unuse(vs, *p, container, err) < 0)
			ret = -1;
		free(*p);
	}
	free(names);
	return ret;
}
