/* core/volume: names, -v/--tmpfs specs, OCI entries, create/use/rm/prune. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/volume/mounts.h"
#include "core/volume/volume.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "test.h"

TEST(volume_names)
{
	struct tug_err err;

	CHECK(volume_name_validate("data", &err) == 0);
	CHECK(volume_name_validate("my_vol.1-x", &err) == 0);
	CHECK(volume_name_validate("a/b", &err) < 0 && strstr(err.msg, "'/'"));
	CHECK(volume_name_validate("..", &err) < 0);
	CHECK(volume_name_validate("a..b", &err) < 0 && strstr(err.msg, ".."));
	CHECK(volume_name_validate(".hidden", &err) < 0);
	CHECK(volume_name_validate("x", &err) < 0);
}

TEST(volume_specs)
{
	struct vol_mount m;
	struct tug_err err;

	CHECK(vol_parse_volume_spec("data:/var/lib/db", &m, &err) == 0);
	CHECK(m.type == VOL_MOUNT_VOLUME && !strcmp(m.source, "data") && !m.readonly);
	CHECK(vol_parse_volume_spec("/etc/ssl:/etc/ssl:ro,rslave", &m, &err) == 0);
	CHECK(m.type == VOL_MOUNT_BIND && m.readonly && !strcmp(m.propagation, "rslave"));
	CHECK(vol_parse_volume_spec("/scratch", &m, &err) == 0);
	CHECK(m.type == VOL_MOUNT_VOLUME && !m.source[0]);
	CHECK(vol_parse_volume_spec("../x:/y", &m, &err) < 0);
	CHECK(vol_parse_volume_spec("data:relative", &m, &err) < 0);
	CHECK(vol_parse_volume_spec("data:/", &m, &err) < 0);
	CHECK(vol_parse_volume_spec("data:/x:rshared", &m, &err) < 0);	/* volume, not bind */
	CHECK(vol_parse_volume_spec("/a:/b:bogus", &m, &err) < 0);
}

TEST(tmpfs_specs_and_sizes)
{
	struct vol_mount m;
	struct tug_err err;
	uint64_t v;

	CHECK(vol_parse_size("64m", &v, &err) == 0 && v == 64ull << 20);
	CHECK(vol_parse_size("1G", &v, &err) == 0 && v == 1ull << 30);
	CHECK(vol_parse_size("4096", &v, &err) == 0 && v == 4096);
	CHECK(vol_parse_size("12q", &v, &err) < 0);
	CHECK(vol_parse_tmpfs_spec("/run:size=1m,mode=700", &m, &err) == 0);
	CHECK(m.type == VOL_MOUNT_TMPFS && m.tmpfs_size == 1 << 20 && m.tmpfs_mode == 0700);
	CHECK(vol_parse_tmpfs_spec("/run:mode=99", &m, &err) < 0);
	CHECK(vol_parse_tmpfs_spec("run", &m, &err) < 0);
}

static bool has_opt(const cJSON *j, const char *o)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "options"))
		if (!strcmp(it->valuestring, o))
			return true;
	return false;
}

TEST(oci_entries)
{
	struct vol_mount m;
	struct tug_err err;
	cJSON *j;

	CHECK(vol_parse_tmpfs_spec("/tmp:size=1m", &m, &err) == 0);
	j = vol_mount_to_oci(&m, NULL);
	CHECK_STR(cJSON_GetObjectItem(j, "type")->valuestring, "tmpfs");
	CHECK(has_opt(j, "size=1048576") && has_opt(j, "mode=1777") && has_opt(j, "nosuid"));
	cJSON_Delete(j);
	CHECK(vol_parse_volume_spec("/srv:/srv:ro,rshared", &m, &err) == 0);
	j = vol_mount_to_oci(&m, "/srv");
	CHECK_STR(cJSON_GetObjectItem(j, "type")->valuestring, "bind");
	CHECK_STR(cJSON_GetObjectItem(j, "destination")->valuestring, "/srv");
	CHECK(has_opt(j, "rbind") && has_opt(j, "ro") && has_opt(j, "rshared"));
	cJSON_Delete(j);
}

TEST(create_use_remove_prune)
{
	char dir[] = "/tmp/tug-test-volume-XXXXXX", name[65], path[4400], **names;
	struct volume_store vs;
	struct tug_err err;
	struct stat st;
	cJSON *out = cJSON_CreateArray();
	const char *specs[] = { "keep:/data", "/scratch" };
	size_t n = 0;

	CHECK(mkdtemp(dir));
	CHECK(volume_store_open(&vs, dir, &err) == 0);
	CHECK(volume_create(&vs, "a/b", name, &err) < 0);
	CHECK(volume_create(&vs, "..", name, &err) < 0);
	CHECK(volume_list(&vs, &names, &err) == 0 && !names[0]);	/* nothing half-made */
	free(names);
	CHECK(vol_resolve_mounts(&vs, "ctr1", specs, 2, NULL, 0, out, &err) == 0);
	CHECK(cJSON_GetArraySize(out) == 2);
	volume_data_path(&vs, "keep", path, sizeof(path));
	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(out, 0), "source")->valuestring, path);
	cJSON_Delete(out);
	CHECK(volume_remove(&vs, "keep", false, &err) < 0 && err.code == EBUSY);
	CHECK(strstr(err.msg, "ctr1"));
	CHECK(volume_create(&vs, "loose", name, &err) == 0);
	CHECK(volume_prune(&vs, NULL, NULL, &err) == 0);	/* only "loose" goes */
	CHECK(volume_exists(&vs, "keep") && !volume_exists(&vs, "loose"));
	CHECK(volume_release_container(&vs, "ctr1", &err) == 0);
	CHECK(volume_remove(&vs, "keep", false, &err) == 0 && !volume_exists(&vs, "keep"));
	CHECK(volume_list(&vs, &names, &err) == 0);
	for (char **p = names; *p; p++, n++)
		free(*p);
	free(names);
	CHECK(n == 1);	/* the anonymous one, released but not pruned yet */
	volume_store_close(&vs);
	remove_tree(AT_FDCWD, dir, &err);
}

int main(void)
{
	RUN(volume_names);
	RUN(volume_specs);
	RUN(tmpfs_specs_and_sizes);
	RUN(oci_entries);
	RUN(create_use_remove_prune);
	return test_done();
}
