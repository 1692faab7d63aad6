/* -v and --tmpfs specs parsed into OCI mount entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/volume/mounts.h"
#include "core/volume/volume.h"

static const char *const propagations[] = { "private", "rprivate", "shared", "rshared",
					    "slave",   "rslave",   NULL };

static int dest_check(const char *spec, const char *dst, struct tug_err *err)
{
	if (dst[0] != '/')
		return tug_err_set(err, EINVAL, "invalid mount '%s': destination must be absolute",
				   spec);
	if (!strcmp(dst, "/"))
		return tug_err_set(err, EINVAL, "invalid mount '%s': destination can't be '/'",
				   spec);
	return 0;
}

static int bind_opts(const char *spec, char *opts, struct vol_mount *m, struct tug_err *err)
{
	char *save = NULL;

	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		bool known = false;

		if (!strcmp(o, "ro") || !strcmp(o, "rw")) {
			m->readonly = o[1] == 'o';
			continue;
		}
		if (!strcmp(o, "z") || !strcmp(o, "Z") || !strcmp(o, "nocopy"))
			continue;	/* SELinux labels, copy-up: nothing to do here */
		for (size_t i = 0; propagations[i]; i++)
			if (!strcmp(o, propagations[i])) {
				if (m->type != VOL_MOUNT_BIND)
					return tug_err_set(err, EINVAL,
							   "invalid mount '%s': propagation applies to bind mounts only",
							   spec);
				snprintf(m->propagation, sizeof(m->propagation), "%s", o);
				known = true;
			}
		if (!known)
			return tug_err_set(err, EINVAL, "invalid mount '%s': unknown option '%s'",
					   spec, o);
	}
	return 0;
}

int vol_parse_volume_spec(const char *spec, struct vol_mount *m, struct tug_err *err)
{
	char buf[8300], *parts[3];
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	if (strlen(spec) >= sizeof(buf) || !*spec)
		return tug_err_set(err, EINVAL, "invalid mount '%s'", spec);
	strcpy(buf, spec);
	parts[n++] = buf;
	for (char *p = buf; (p = strchr(p, ':'));) {
		if (n == 3)
			return tug_err_set(err, EINVAL, "invalid mount '%s': too many colons", spec);
		*p++ = '\0';
		parts[n++] = p;
	}
	if (n == 1) {
		m->type = VOL_MOUNT_VOLUME;	/* anonymous */
		if (dest_check(spec, parts[0], err) < 0)
			return -1;
		snprintf(m->destination, sizeof(m->destination), "%s", parts[0]);
		return 0;
	}
	if (dest_check(spec, parts[1], err) < 0)
		return -1;
	snprintf(m->destination, sizeof(m->destination), "%s", parts[1]);
	if (parts[0][0] == '/') {
		m->type = VOL_MOUNT_BIND;
	} else {
		m->type = VOL_MOUNT_VOLUME;
		if (volume_name_validate(parts[0], err) < 0)
			return tug_err_wrap(err, "invalid mount '%s'", spec);
	}
	snprintf(m->source, sizeof(m->source), "%s", parts[0]);
	return n == 3 ? bind_opts(spec, parts[2], m, err) : 0;
}

int vol_parse_size(const char *s, uint64_t *out, struct tug_err *err)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno)
		return tug_err_set(err, EINVAL, "invalid size '%s'", s);
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	case '\0': break;
	default: return tug_err_set(err, EINVAL, "invalid size '%s': use k, m or g", s);
	}
	if ((*end | 0x20) == 'b')
		end++;
	if (*end || (v && mul > UINT64_MAX / v))
		return tug_err_set(err, EINVAL, "invalid size '%s'", s);
	*out = v * mul;
	return 0;
}

int vol_parse_tmpfs_spec(const char *spec, struct vol_mount *m, struct tug_err *err)
{
	char buf[8300], *opts, *save = NULL;

	memset(m, 0, sizeof(*m));
	m->type = VOL_MOUNT_TMPFS;
	if (strlen(spec) >= sizeof(buf))
		return tug_err_set(err, EINVAL, "invalid tmpfs '%s'", spec);
	strcpy(buf, spec);
	opts = strchr(buf, ':');
	if (opts)
		*opts++ = '\0';
	if (dest_check(spec, buf, err) < 0)
		return -1;
	snprintf(m->destination, sizeof(m->destination), "%s", buf);
	for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
		if (!strncmp(o, "size=", 5)) {
			if (vol_parse_size(o + 5, &m->tmpfs_size, err) < 0)
				return tug_err_wrap(err, "tmpfs %s", m->destination);
		} else if (!strncmp(o, "mode=", 5)) {
			char *end;
			unsigned long mode = strtoul(o + 5, &end, 8);

			if (!o[5] || *end || mode > 07777)
				return tug_err_set(err, EINVAL, "tmpfs %s: invalid mode '%s'",
						   m->destination, o + 5);
			m->tmpfs_mode = mode;
			m->has_mode = true;
		} else if (!strcmp(o, "ro") || !strcmp(o, "rw")) {
			m->readonly = o[1] == 'o';
		} else if (strcmp(o, "exec") && strcmp(o, "noexec") && strcmp(o, "suid") &&
			   strcmp(o, "nosuid") && strcmp(o, "dev") && strcmp(o, "nodev")) {
			return tug_err_set(err, EINVAL, "tmpfs %s: unknown option '%s'",
					   m->destination, o);
		}
	}
	return 0;
}

cJSON *vol_mount_to_oci(const struct vol_mount *m, const char *source_path)
{
	cJSON *j = cJSON_CreateObject(), *opts;
	char buf[64];

	cJSON_AddStringToObject(j, "destination", m->destination);
	opts = cJSON_CreateArray();
	if (m->type == VOL_MOUNT_TMPFS) {
		cJSON_AddStringToObject(j, "type", "tmpfs");
		cJSON_AddStringToObject(j, "source", "tmpfs");
		cJSON_AddItemToArray(opts, cJSON_CreateString("nosuid"));
		cJSON_AddItemToArray(opts, cJSON_CreateString("nodev"));
		cJSON_AddItemToArray(opts, cJSON_CreateString("noexec"));
		if (m->tmpfs_size) {
			snprintf(buf, sizeof(buf), "size=%llu", (unsigned long long)m->tmpfs_size);
			cJSON_AddItemToArray(opts, cJSON_CreateString(buf));
		}
		snprintf(buf, sizeof(buf), "mode=%o", m->has_mode ? m->tmpfs_mode : 01777);
		cJSON_AddItemToArray(opts, cJSON_CreateString(buf));
	} else {
		cJSON_AddStringToObject(j, "type", "bind");
		cJSON_AddStringToObject(j, "source", source_path);
		cJSON_AddItemToArray(opts, cJSON_CreateString("rbind"));
		cJSON_AddItemToArray(opts,
				     cJSON_CreateString(m->propagation[0] ? m->propagation : "rprivate"));
	}
	cJSON_AddItemToArray(opts, cJSON_CreateString(m->readonly ? "ro" : "rw"));
	cJSON_AddItemToObject(j, "options", opts);
	return j;
}

int vol_resolve_mounts(struct volume_store *vs, const char *container,
		       const char *const *vspecs, size_t n_v, const char *const *tmpfs,
		       size_t n_t, cJSON *out, struct tug_err *err)
{
	char used[64][65], path[4400];
	size_t n_used = 0;

	for (size_t i = 0; i < n_v + n_t; i++) {
		struct vol_mount *m = malloc(sizeof(*m));
		struct stat st;
		int r;

		if (!m) {
			tug_err_set(err, ENOMEM, "mounts");
			goto undo;
		}
		r = i < n_v ? vol_parse_volume_spec(vspecs[i], m, err) :
			      vol_parse_tmpfs_spec(tmpfs[i - n_v], m, err);
		if (r < 0)
			goto undo_m;
		path[0] = '\0';
		if (m->type == VOL_MOUNT_BIND) {
			snprintf(path, sizeof(path), "%s", m->source);
			if (stat(path, &st) < 0) {
				tug_err_sys(err, "bind source %s", path);
				goto undo_m;
			}
		} else if (m->type == VOL_MOUNT_VOLUME) {
			if (n_used == 64) {
				tug_err_set(err, E2BIG, "more than 64 volumes");
				goto undo_m;
			}
			if (volume_create(vs, m->source[0] ? m->source : NULL, used[n_used], err) < 0)
				goto undo_m;
			if (container && volume_use(vs, used[n_used], container, err) < 0)
				goto undo_m;
			volume_data_path(vs, used[n_used++], path, sizeof(path));
		}
		cJSON_AddItemToArray(out, vol_mount_to_oci(m, path));
		free(m);
		continue;
undo_m:
		free(m);
		goto undo;
	}
	return 0;
undo:
	for (size_t i = 0; container && i < n_used; i++) {
		struct tug_err e2;

		volume_unuse(vs, used[i], container, &e2);
	}
	return -1;
}
