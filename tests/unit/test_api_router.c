#include <sys/stat.h>

#include "test.h"
#include "core/api/api.h"
#include "platform/ctrfs.h"

TEST(version_prefixes)
{
	const char *rest;
	char msg[256];

	CHECK(api_strip_version("/v1.44/containers/json", &rest, msg, sizeof(msg)) == 0);
	CHECK_STR(rest, "/containers/json");
	CHECK(api_strip_version("/v1.24/_ping", &rest, msg, sizeof(msg)) == 0);
	CHECK_STR(rest, "/_ping");
	CHECK(api_strip_version("/containers/json", &rest, msg, sizeof(msg)) == 0);
	CHECK_STR(rest, "/containers/json");
	CHECK(api_strip_version("/v1.50/version", &rest, msg, sizeof(msg)) == -1);
	CHECK(strstr(msg, "too new") != NULL);
	CHECK(api_strip_version("/v1.12/version", &rest, msg, sizeof(msg)) == -1);
	CHECK(api_strip_version("/v2.0/version", &rest, msg, sizeof(msg)) == -1);
	CHECK(api_strip_version("/volumes", &rest, msg, sizeof(msg)) == 0);
}

TEST(routes_capture_ids_and_image_names)
{
	char p[2][256];
	bool known;
	const struct route *r;

	r = api_route_find("POST", "/containers/abc123/start", p, &known);
	CHECK(r && r->fn == h_ctr_start);
	CHECK_STR(p[0], "abc123");
	r = api_route_find("DELETE", "/containers/web", p, &known);
	CHECK(r && r->fn == h_ctr_delete);
	r = api_route_find("GET", "/images/library/busybox:1.36/json", p, &known);
	CHECK(r && r->fn == h_img_inspect);
	CHECK_STR(p[0], "library/busybox:1.36");
	r = api_route_find("GET", "/images/json", p, &known);
	CHECK(r && r->fn == h_img_list);
	r = api_route_find("GET", "/containers/x/start", p, &known);
	CHECK(!r && known);
	r = api_route_find("GET", "/nothing", p, &known);
	CHECK(!r && !known);
	r = api_route_find("GET", "/containers//json", p, &known);
	CHECK(!r);
}

TEST(archive_routes_and_go_file_modes)
{
	char p[2][256];
	bool known;
	const struct route *r = api_route_find("HEAD", "/containers/web/archive", p, &known);

	CHECK(r && r->fn == h_ctr_archive_get);
	r = api_route_find("PUT", "/containers/web/archive", p, &known);
	CHECK(r && r->fn == h_ctr_archive_put && r->big_body);
	CHECK_STR(p[0], "web");
	/* Go's os.FileMode: ModeDir 1<<31, ModeSymlink 1<<27, ModeCharDevice|ModeDevice. */
	CHECK(api_go_file_mode(S_IFDIR | 0755) == 2147484141u);
	CHECK(api_go_file_mode(S_IFREG | 0644) == 0644);
	CHECK(api_go_file_mode(S_IFLNK | 0777) == (1u << 27 | 0777));
	CHECK(api_go_file_mode(S_IFCHR | 0666) == (1u << 26 | 1u << 21 | 0666));
	CHECK(api_go_file_mode(S_IFREG | S_ISUID | 0755) == (1u << 23 | 0755));
}

TEST(container_paths_are_cleaned_and_split)
{
	char dir[256], base[256];
	struct tug_err err;

	CHECK(ctrfs_split("/etc/passwd", dir, sizeof(dir), base, sizeof(base), &err) == 0);
	CHECK_STR(dir, "/etc");
	CHECK_STR(base, "passwd");
	CHECK(ctrfs_split("/etc", dir, sizeof(dir), base, sizeof(base), &err) == 0);
	CHECK_STR(dir, "/");
	CHECK_STR(base, "etc");
	CHECK(ctrfs_split("/a//b/../c/", dir, sizeof(dir), base, sizeof(base), &err) == 0);
	CHECK_STR(dir, "/a");
	CHECK_STR(base, "c");
	/* ".." never climbs above the root. */
	CHECK(ctrfs_split("/../../../etc/shadow", dir, sizeof(dir), base, sizeof(base), &err) == 0);
	CHECK_STR(dir, "/etc");
	CHECK_STR(base, "shadow");
	CHECK(ctrfs_split("/", dir, sizeof(dir), base, sizeof(base), &err) == 0);
	CHECK_STR(dir, "/");
	CHECK_STR(base, ".");
	CHECK(ctrfs_split("tmp/x/.", dir, sizeof(dir), base, sizeof(base), &err) == 0);
	CHECK_STR(dir, "/tmp");
	CHECK_STR(base, "x");
	CHECK(ctrfs_split("", dir, sizeof(dir), base, sizeof(base), &err) < 0);
}

TEST(overlay_dirs_from_mountinfo)
{
	static const char info[] =
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		"44 27 0:39 / /s/containers/a/rootfs rw,relatime - overlay overlay "
		"rw,lowerdir=/s/layers/2/root:/s/layers/1/root,upperdir=/s/containers/a/upper,"
		"workdir=/s/containers/a/work,uuid=on\n"
		"45 27 0:40 / /s/containers/b/rootfs ro,relatime - overlay overlay "
		"ro,lowerdir=/s/layers/1/root\n"
		"46 27 0:41 / /s/containers/a/rootfs/dev rw - tmpfs tmpfs rw\n";
	char lower[256], upper[256];

	CHECK(ctrfs_overlay_dirs(info, "/s/containers/a/rootfs", lower, sizeof(lower), upper,
				 sizeof(upper)) == 0);
	CHECK_STR(lower, "/s/layers/2/root:/s/layers/1/root");
	CHECK_STR(upper, "/s/containers/a/upper");
	CHECK(ctrfs_overlay_dirs(info, "/s/containers/b/rootfs", lower, sizeof(lower), upper,
				 sizeof(upper)) == 0);
	CHECK_STR(lower, "/s/layers/1/root");
	CHECK_STR(upper, "");
	/* A prefix of a mount point is not that mount point; a tmpfs is no overlay. */
	CHECK(ctrfs_overlay_dirs(info, "/s/containers/a", lower, sizeof(lower), upper,
				 sizeof(upper)) < 0);
	CHECK(ctrfs_overlay_dirs(info, "/s/containers/a/rootfs/dev", lower, sizeof(lower), upper,
				 sizeof(upper)) < 0);
	CHECK(ctrfs_overlay_dirs("", "/x", lower, sizeof(lower), upper, sizeof(upper)) < 0);
}

int main(void)
{
	RUN(version_prefixes);
	RUN(archive_routes_and_go_file_modes);
	RUN(container_paths_are_cleaned_and_split);
	RUN(overlay_dirs_from_mountinfo);
	RUN(routes_capture_ids_and_image_names);
	return test_done();
}
