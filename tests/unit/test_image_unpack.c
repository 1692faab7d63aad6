/* Entry-name checks and whiteout mapping of the layer unpacker; the tar writer's hard links. */
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/archive.h"
#include "platform/fsutil.h"
#include "platform/unpack.h"
#include "test.h"

static char out[4096], target[4096];
static struct tug_err err;

TEST(names_are_normalised)
{
	CHECK(unpack_clean_path("./a//b/", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "a/b");
	CHECK(unpack_clean_path(".", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "");
	CHECK(unpack_clean_path("a/./b", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "a/b");
	CHECK(unpack_clean_path("a/..b/c..", out, sizeof(out), &err) == 0);
	CHECK_STR(out, "a/..b/c..");
}

TEST(dotdot_is_refused)
{
	CHECK(unpack_clean_path("../etc/passwd", out, sizeof(out), &err) < 0);
	CHECK(strstr(err.msg, "leaves the layer root"));
	CHECK(unpack_clean_path("a/../../b", out, sizeof(out), &err) < 0);
	CHECK(unpack_clean_path("a/..", out, sizeof(out), &err) < 0);
}

TEST(absolute_is_refused)
{
	CHECK(unpack_clean_path("/etc/passwd", out, sizeof(out), &err) < 0);
	CHECK(strstr(err.msg, "absolute path"));
}

TEST(whiteout_file)
{
	CHECK(unpack_whiteout_kind("etc/.wh.passwd", target, sizeof(target)) == WHITEOUT_FILE);
	CHECK_STR(target, "etc/passwd");
	CHECK(unpack_whiteout_kind(".wh.top", target, sizeof(target)) == WHITEOUT_FILE);
	CHECK_STR(target, "top");
}

TEST(whiteout_opaque)
{
	CHECK(unpack_whiteout_kind("var/cache/.wh..wh..opq", target, sizeof(target)) ==
	      WHITEOUT_OPAQUE);
	CHECK_STR(target, "var/cache");
	CHECK(unpack_whiteout_kind(".wh..wh..opq", target, sizeof(target)) == WHITEOUT_OPAQUE);
	CHECK_STR(target, "");
}

TEST(aufs_metadata_and_plain_names)
{
	CHECK(unpack_whiteout_kind(".wh..wh.plnk/x", target, sizeof(target)) == WHITEOUT_NONE);
	CHECK(unpack_whiteout_kind("a/.wh..wh.plnk", target, sizeof(target)) == WHITEOUT_META);
	CHECK(unpack_whiteout_kind("a/b.wh.c", target, sizeof(target)) == WHITEOUT_NONE);
	CHECK(unpack_whiteout_kind("a/wh.c", target, sizeof(target)) == WHITEOUT_NONE);
}

/* Two names of one file: the first with the data, the second a hardlink entry to it. */
TEST(writer_keeps_hard_links)
{
	char dir[] = "/tmp/test-tar-links-XXXXXX", path[600], name[2][64];
	struct archive_entry *e;
	struct archive *a;
	int fd, dfd, n = 0, nfiles = 0;
	int64_t size[2] = { -1, -1 };
	const char *linked[2] = { NULL, NULL };
	char linkbuf[64] = "";

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/d", dir);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/d/a", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "hello\n", 6) == 6);
	close(fd);
	{
		char b[600];

		snprintf(b, sizeof(b), "%s/d/b", dir);
		CHECK(link(path, b) == 0);
	}
	snprintf(path, sizeof(path), "%s/out.tar", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && dfd >= 0);
	a = tar_writer_open_fd(fd, &err);
	CHECK(a != NULL);
	CHECK(tar_writer_add_tree(a, dfd, "d", "d", &err) == 0);
	CHECK(tar_writer_close(a, &err) == 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	a = tar_reader_open_fd(fd, &err);
	CHECK(a != NULL);
	while (tar_reader_next(a, &e, &err) == 1 && n++ < 8) {
		if (archive_entry_filetype(e) == AE_IFDIR || nfiles >= 2)
			continue;
		snprintf(name[nfiles], sizeof(name[0]), "%s", archive_entry_pathname(e));
		size[nfiles] = archive_entry_size(e);
		if (archive_entry_hardlink(e)) {
			snprintf(linkbuf, sizeof(linkbuf), "%s", archive_entry_hardlink(e));
			linked[nfiles] = linkbuf;
		}
		nfiles++;
	}
	tar_reader_free(a);
	close(fd);
	CHECK(nfiles == 2);
	CHECK(linked[0] == NULL && size[0] == 6);
	CHECK(linked[1] != NULL && size[1] == 0);
	CHECK_STR(linkbuf, name[0]);
	remove_tree(AT_FDCWD, dir, &err);
	close(dfd);
}

int main(void)
{
	RUN(names_are_normalised);
	RUN(dotdot_is_refused);
	RUN(absolute_is_refused);
	RUN(whiteout_file);
	RUN(whiteout_opaque);
	RUN(aufs_metadata_and_plain_names);
	RUN(writer_keeps_hard_links);
	return test_done();
}
