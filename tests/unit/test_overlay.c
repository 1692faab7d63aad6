/* platform/overlay.c: the shared layer of the runtime's mount points. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "platform/fsutil.h"
#include "platform/overlay.h"

static char dir[64];

static void fresh_dir(void)
{
	struct tug_err err;

	if (dir[0])
		remove_tree(AT_FDCWD, dir, &err);
	snprintf(dir, sizeof(dir), "/tmp/tug-test-overlay-XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

static void make(const char *rel, bool is_dir, mode_t mode)
{
	char p[256];
	struct tug_err err;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (is_dir) {
		mkdir_p(p, mode, &err);
		chmod(p, mode);
	} else {
		int fd = open(p, O_WRONLY | O_CREAT, mode);

		if (fd >= 0)
			close(fd);
	}
}

static bool exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

static mode_t mode_of(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0 ? st.st_mode & 07777 : 0;
}

TEST(init_layer_holds_what_the_layers_lack)
{
	char top[128], low[128], init[128];
	const char *lowers[] = { top, low };
	struct tug_err err;

	fresh_dir();
	snprintf(top, sizeof(top), "%s/top", dir);
	snprintf(low, sizeof(low), "%s/low", dir);
	snprintf(init, sizeof(init), "%s/init", dir);
	make("top/etc", true, 0750);
	make("low/etc", true, 0755);
	make("low/etc/hosts", false, 0600);	/* below the top: still the image's */
	make("low/dev", true, 0755);
	make("top", true, 0755);
	CHECK(overlay_init_layer(lowers, 2, init, &err) == 1);
	CHECK(!exists("init/etc/hosts"));
	CHECK(exists("init/etc/resolv.conf") && exists("init/etc/hostname"));
	CHECK(!exists("init/dev") && exists("init/proc") && exists("init/sys"));
	CHECK(mode_of("init/etc") == 0750);	/* the top layer's /etc shows through */
	{
		char tmp[64];

		snprintf(tmp, sizeof(tmp), "init.tmp-%d", (int)getpid());
		CHECK(!exists(tmp)); /* built aside, then renamed */
	}
	/* Made once: a second container finds it. */
	CHECK(overlay_init_layer(lowers, 2, init, &err) == 1);
}

TEST(init_layer_not_needed)
{
	char top[128], init[128];
	const char *lowers[] = { top };
	struct tug_err err;

	fresh_dir();
	snprintf(top, sizeof(top), "%s/top", dir);
	snprintf(init, sizeof(init), "%s/init", dir);
	make("top/etc", true, 0755);
	make("top/dev", true, 0755);
	make("top/proc", true, 0755);
	make("top/sys", true, 0755);
	make("top/etc/hosts", false, 0644);
	make("top/etc/resolv.conf", false, 0644);
	make("top/etc/hostname", false, 0644);
	CHECK(overlay_init_layer(lowers, 1, init, &err) == 0);
	CHECK(!exists("init"));
}

TEST(init_layer_none_without_a_plain_etc)
{
	char top[128], init[128], p[160];
	const char *lowers[] = { top };
	struct tug_err err;

	fresh_dir();
	snprintf(top, sizeof(top), "%s/top", dir);
	snprintf(init, sizeof(init), "%s/init", dir);
	make("top", true, 0755);
	CHECK(overlay_init_layer(lowers, 1, init, &err) == 0); /* no /etc at all */
	snprintf(p, sizeof(p), "%s/etc", top);
	CHECK(symlink("/elsewhere", p) == 0);
	CHECK(overlay_init_layer(lowers, 1, init, &err) == 0);
	CHECK(!exists("init"));
}

int main(void)
{
	struct tug_err err;

	RUN(init_layer_holds_what_the_layers_lack);
	RUN(init_layer_not_needed);
	RUN(init_layer_none_without_a_plain_etc);
	if (dir[0])
		remove_tree(AT_FDCWD, dir, &err);
	return test_done();
}
