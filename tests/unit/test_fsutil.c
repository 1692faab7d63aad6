#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "test.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"

static char dir[64];

static void fresh_dir(void)
{
	struct tug_err err;

	if (dir[0])
		remove_tree(AT_FDCWD, dir, &err);
	snprintf(dir, sizeof(dir), "/tmp/tug-test-fsutil-XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

TEST(atomic_write_replaces_whole_file)
{
	struct tug_err err;
	char path[128];
	_cleanup_free_ char *got = NULL;
	size_t len;

	fresh_dir();
	snprintf(path, sizeof(path), "%s/state.json", dir);
	CHECK(atomic_write_file(AT_FDCWD, path, "old", 3, 0644, &err) == 0);
	CHECK(atomic_write_file(AT_FDCWD, path, "newer", 5, 0644, &err) == 0);
	CHECK(read_file(AT_FDCWD, path, 100, &got, &len, &err) == 0);
	CHECK(len == 5);
	CHECK_STR(got, "newer");
}

TEST(read_file_refuses_oversize)
{
	struct tug_err err;
	char path[128];
	char *got = NULL;

	fresh_dir();
	snprintf(path, sizeof(path), "%s/big", dir);
	CHECK(atomic_write_file(AT_FDCWD, path, "0123456789", 10, 0644, &err) == 0);
	CHECK(read_file(AT_FDCWD, path, 4, &got, NULL, &err) == -1);
	CHECK(err.code == EFBIG);
}

TEST(sweep_removes_only_temp_files)
{
	struct tug_err err;
	char path[128];
	struct stat st;

	fresh_dir();
	snprintf(path, sizeof(path), "%s/.ref.tmp-123", dir);
	CHECK(atomic_write_file(AT_FDCWD, path, "x", 1, 0644, &err) == 0);
	snprintf(path, sizeof(path), "%s/ref", dir);
	CHECK(atomic_write_file(AT_FDCWD, path, "y", 1, 0644, &err) == 0);
	CHECK(sweep_temp_files(dir, &err) == 0);
	snprintf(path, sizeof(path), "%s/.ref.tmp-123", dir);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/ref", dir);
	CHECK(stat(path, &st) == 0);
}

TEST(mkdir_p_and_remove_tree)
{
	struct tug_err err;
	char path[128];
	struct stat st;

	fresh_dir();
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	CHECK(mkdir_p(path, 0755, &err) == 0);
	CHECK(mkdir_p(path, 0755, &err) == 0);
	snprintf(path, sizeof(path), "%s/a", dir);
	CHECK(remove_tree(AT_FDCWD, path, &err) == 0);
	CHECK(stat(path, &st) < 0);
}

TEST(volatile_scope_still_replaces_atomically)
{
	struct tug_err err;
	char path[128];
	_cleanup_free_ char *got = NULL;

	fresh_dir();
	snprintf(path, sizeof(path), "%s/rec", dir);
	CHECK(!fsutil_volatile());
	fsutil_volatile_begin();
	fsutil_volatile_begin();
	CHECK(fsutil_volatile());
	CHECK(atomic_write_file(AT_FDCWD, path, "old", 3, 0644, &err) == 0);
	CHECK(atomic_write_file(AT_FDCWD, path, "new", 3, 0644, &err) == 0);
	fsutil_volatile_end();
	CHECK(fsutil_volatile()); /* nested: still inside the outer scope */
	fsutil_volatile_end();
	CHECK(!fsutil_volatile());
	fsutil_volatile_end(); /* one too many is harmless */
	CHECK(!fsutil_volatile());
	CHECK(read_file(AT_FDCWD, path, 64, &got, NULL, &err) == 0);
	CHECK_STR(got, "new");
	CHECK(sweep_temp_files(dir, &err) == 0);
}

TEST(remove_tree_detached_and_sweep_gone)
{
	struct tug_err err;
	char path[160], gone[160];
	struct stat st;
	int i;

	fresh_dir();
	snprintf(path, sizeof(path), "%s/ctr/upper/etc", dir);
	CHECK(mkdir_p(path, 0755, &err) == 0);
	snprintf(path, sizeof(path), "%s/ctr/upper/etc/hosts", dir);
	CHECK(atomic_write_file(AT_FDCWD, path, "x", 1, 0644, &err) == 0);
	snprintf(path, sizeof(path), "%s/ctr", dir);
	snprintf(gone, sizeof(gone), "%s/.ctr" TUG_GONE_SUFFIX, dir);
	CHECK(remove_tree_detached(path, &err) == 0);
	CHECK(stat(path, &st) < 0 && errno == ENOENT); /* gone from its place at once */
	for (i = 0; i < 200 && stat(gone, &st) == 0; i++)
		poll(NULL, 0, 10);
	CHECK(stat(gone, &st) < 0 && errno == ENOENT); /* and then from the disk */
	CHECK(remove_tree_detached(path, &err) == 0);	/* nothing there: fine */

	/* What a crash leaves: swept, and nothing else is. */
	snprintf(path, sizeof(path), "%s/.old" TUG_GONE_SUFFIX "/a", dir);
	CHECK(mkdir_p(path, 0755, &err) == 0);
	snprintf(path, sizeof(path), "%s/keep", dir);
	CHECK(mkdir_p(path, 0755, &err) == 0);
	CHECK(sweep_gone(dir, &err) == 0);
	snprintf(path, sizeof(path), "%s/.old" TUG_GONE_SUFFIX, dir);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/keep", dir);
	CHECK(stat(path, &st) == 0);
}

int main(void)
{
	struct tug_err err;

	RUN(atomic_write_replaces_whole_file);
	RUN(read_file_refuses_oversize);
	RUN(sweep_removes_only_temp_files);
	RUN(mkdir_p_and_remove_tree);
	RUN(volatile_scope_still_replaces_atomically);
	RUN(remove_tree_detached_and_sweep_gone);
	if (dir[0])
		remove_tree(AT_FDCWD, dir, &err);
	return test_done();
}
