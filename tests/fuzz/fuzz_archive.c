/*
 * libFuzzer: a layer blob (tar, or gzip'd tar) unpacked by platform/unpack.c
 * never crashes and never writes outside its layer root, through openat2
 * RESOLVE_IN_ROOT and through the component walk used on kernels without it.
 * Plain tar inputs get their header checksums fixed first, so mutations
 * reach the unpacker instead of libarchive's checksum test.
 *
 * The containment check is strict: as root, the fuzzer moves into a private
 * mount namespace and chroots into a fresh tmpfs (nodev) that holds the
 * layer root and nothing else, so "/", "..", absolute symlinks and hardlink
 * targets all resolve inside that tmpfs; after each input, anything there
 * besides the layer root is an escape and aborts. libFuzzer's corpus and
 * artifact directories are bind-mounted at their own paths so reproducers
 * are still saved. TUG_FUZZ_NO_CHROOT=1 skips the jail (symbolized reports;
 * the check then covers the layer root's parent only). Each input is also
 * extracted as docker cp does it (unpack_tree() with cp's options).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/archive.h"
#include "platform/fsutil.h"
#include "platform/sha256.h"
#include "platform/unpack.h"

/* The layer root's parent, as this process sees it. */
static char jail[PATH_MAX];
/* Paths inside the jail that may exist: bind points, and the cwd's empty skeleton. */
static char allowed[16][PATH_MAX];
static size_t nallowed;
static char skel[PATH_MAX];
static int memfd = -1;

static void allow(const char *p)
{
	if (nallowed < sizeof(allowed) / sizeof(allowed[0]))
		snprintf(allowed[nallowed++], PATH_MAX, "%s", p);
}

/* Is rel (inside the jail) the layer root, a bind point, or a parent of one? */
static int expected(const char *rel)
{
	size_t n = strlen(rel);

	if (!strcmp(rel, "root"))
		return 1;
	if (*skel && !strncmp(skel, rel, n) && (skel[n] == '/' || !skel[n]))
		return 2;
	for (size_t i = 0; i < nallowed; i++)
		if (!strncmp(allowed[i], rel, n) && (allowed[i][n] == '/' || !allowed[i][n]))
			return allowed[i][n] ? 2 : 1; /* 2: a parent, look inside */
	return 0;
}

static void check_jail(const char *rel)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/%s", jail, rel);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "fuzz_archive: cannot open %s\n", path);
		abort();
	}
	while ((de = readdir(d))) {
		char sub[PATH_MAX];
		int e;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		e = expected(sub);
		if (!e) {
			fprintf(stderr,
				"fuzz_archive: ESCAPE: %s/%s written outside the layer root\n",
				jail, sub);
			abort();
		}
		if (e == 2)
			check_jail(sub);
	}
	closedir(d);
}

/* A corpus dir or input file, at its own path inside the jail. */
static void bind_into_jail(const char *tmp, const char *path)
{
	char real[PATH_MAX], inside[PATH_MAX * 2], *slash;
	struct tug_err err;
	struct stat st;

	if (!realpath(path, real) || stat(real, &st) < 0)
		return;
	snprintf(inside, sizeof(inside), "%s%s", tmp, real);
	if (S_ISDIR(st.st_mode)) {
		if (mkdir_p(inside, 0755, &err) < 0)
			return;
	} else {
		slash = strrchr(inside, '/');
		*slash = '\0';
		if (mkdir_p(inside, 0755, &err) < 0)
			return;
		*slash = '/';
		close(open(inside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	}
	if (mount(real, inside, NULL, MS_BIND, NULL) == 0)
		allow(real + 1);
}

/* As root: a private mount namespace, chroot into a small nodev tmpfs. */
static int enter_jail(int argc, char **argv)
{
	char tmp[64], cwd[PATH_MAX], p[PATH_MAX + 64];
	struct tug_err err;

	if (!getcwd(cwd, sizeof(cwd)) || getenv("TUG_FUZZ_NO_CHROOT") || geteuid() != 0)
		return -1;
	/* One fixed mount point: each fuzzer mounts its own tmpfs there, in its own namespace. */
	snprintf(tmp, sizeof(tmp), "/tmp/tug-fuzz-jail");
	if ((mkdir(tmp, 0700) < 0 && errno != EEXIST) || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", tmp, "tmpfs", MS_NODEV | MS_NOSUID, "size=64m") < 0)
		return -1;
	/* libFuzzer writes new inputs and crash reproducers here. */
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "-artifact_prefix=", 17)) {
			char d[PATH_MAX], *slash;

			snprintf(d, sizeof(d), "%s", argv[i] + 17);
			slash = strrchr(d, '/');
			if (slash && slash != d) {
				*slash = '\0';
				bind_into_jail(tmp, d);
			}
		} else if (argv[i][0] != '-') {
			bind_into_jail(tmp, argv[i]);
		}
	}
	snprintf(p, sizeof(p), "%s/proc", tmp); /* sanitizer reports read /proc/self/maps */
	if (mkdir(p, 0555) == 0 && mount("/proc", p, NULL, MS_BIND | MS_REC, NULL) == 0)
		allow("proc");
	/* Relative corpus paths keep working: the same cwd, empty, inside the jail. */
	snprintf(p, sizeof(p), "%s%s", tmp, cwd);
	if (mkdir_p(p, 0755, &err) < 0)
		return -1;
	snprintf(skel, sizeof(skel), "%s", cwd + 1);
	if (chroot(tmp) < 0 || chdir(cwd) < 0)
		return -1;
	snprintf(jail, sizeof(jail), "/");
	return 0;
}

static void remove_scratch(void)
{
	struct tug_err err;

	remove_tree(AT_FDCWD, jail, &err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (enter_jail(*argc, *argv) < 0) {
		struct tug_err err;

		nallowed = 0;
		snprintf(jail, sizeof(jail), "/tmp/tug-fuzz-archive.%d", (int)getpid());
		if (mkdir_p(jail, 0700, &err) < 0)
			abort();
		fprintf(stderr, "fuzz_archive: no chroot jail; checking %s only\n", jail);
		atexit(remove_scratch);
	}
	memfd = memfd_create("layer", MFD_CLOEXEC);
	if (memfd < 0)
		abort();
	return 0;
}

/* docker cp's extraction (PUT /containers/ID/archive): the same unpacker, other options. */
static const struct unpack_opts cp_opts = {
	.literal_whiteouts = true, .keep_dirs = true, .set_owner = true,
	.rebase_from = "a", .rebase_to = "b",
};

static int unpack_once(const uint8_t *data, size_t size, bool walk, bool cp)
{
	struct layer_reader *lr = NULL;
	struct archive *a = NULL;
	struct unpack_stats st = { 0 };
	struct tug_err err;
	char diff_id[72];
	int jailfd, rootfd, ret;

	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size ||
	    lseek(memfd, 0, SEEK_SET) < 0)
		abort();
	jailfd = open(jail, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (jailfd < 0 || mkdirat(jailfd, "root", 0755) < 0)
		abort();
	rootfd = openat(jailfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		abort();
	unpack_force_walk(walk);
	if (cp) {
		a = tar_reader_open_fd(memfd, &err);
		ret = a ? unpack_tree(a, rootfd, &cp_opts, &st, &err) : -1;
		tar_reader_free(a);
		(void)lr;
		(void)diff_id;
	} else {
		struct sha256_ctx blob, want;
		char got_hex[SHA256_DIGEST_STR_LEN], want_hex[SHA256_DIGEST_STR_LEN];

		/* The blob's hash taken in the same pass must be that of every input byte. */
		sha256_init(&blob);
		ret = layer_reader_open(memfd, &blob, &lr, &a, &err);
		if (!ret) {
			ret = unpack_layer(a, rootfd, &st, &err);
			if (!ret)
				ret = layer_reader_finish(lr, diff_id, &err);
			if (ret && layer_reader_hash_rest(lr, &err) < 0)
				abort();
			sha256_init(&want);
			sha256_update(&want, data, size);
			sha256_final_str(&want, want_hex);
			sha256_final_str(&blob, got_hex);
			if (strcmp(got_hex, want_hex)) {
				fprintf(stderr, "fuzz_archive: blob hash %s, input is %s\n", got_hex,
					want_hex);
				abort();
			}
		}
		layer_reader_free(lr, a);
	}
	close(rootfd);
	check_jail("");
	if (remove_tree(jailfd, "root", &err) < 0) {
		fprintf(stderr, "fuzz_archive: cleanup: %s\n", err.msg);
		abort();
	}
	close(jailfd);
	return ret;
}

/* An octal or base-256 tar number field. */
static uint64_t tar_number(const uint8_t *f, size_t n)
{
	uint64_t v = 0;

	if (f[0] & 0x80) {
		for (size_t i = 1; i < n; i++)
			v = v << 8 | f[i];
		return v;
	}
	for (size_t i = 0; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = v << 3 | (uint64_t)(f[i] - '0');
	return v;
}

/*
 * Mutations would nearly always break a header's checksum and stop
 * libarchive before unpack.c sees the entry: recompute every header's
 * checksum in a plain tar, walking entry sizes as the reader does.
 */
static void fix_tar_checksums(uint8_t *buf, size_t size)
{
	size_t off = 0;

	while (off + 512 <= size) {
		uint8_t *h = buf + off;
		unsigned sum = 0;
		uint64_t len;
		bool zero = true;

		for (size_t i = 0; i < 512 && zero; i++)
			zero = !h[i];
		if (zero)
			break;
		memset(h + 148, ' ', 8);
		for (size_t i = 0; i < 512; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum & 0777777);
		h[155] = ' ';
		len = tar_number(h + 124, 12);
		if (len > size)
			break;
		off += 512 + (size_t)((len + 511) & ~(uint64_t)511);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	uint8_t *data = malloc(size ? size : 1);
	int via_openat2, via_walk;

	if (!data)
		return 0;
	memcpy(data, in, size);
	if (!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b))
		fix_tar_checksums(data, size);
	via_openat2 = unpack_once(data, size, false, false);
	via_walk = unpack_once(data, size, true, false);
	unpack_once(data, size, false, true);
	free(data);

	/* Both resolvers confine the same way: one must not accept what the other refuses. */
	if ((via_openat2 < 0) != (via_walk < 0)) {
		fprintf(stderr, "fuzz_archive: openat2 %s, walk %s\n",
			via_openat2 < 0 ? "refused" : "accepted", via_walk < 0 ? "refused" : "accepted");
		abort();
	}
	return 0;
}
