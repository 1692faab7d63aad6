/*
 * Module loading without modprobe. modules.dep lists, per module, its
 * dependencies in the order modprobe would remove them: load them from the
 * end of the list backwards, then the module itself. The file is mapped, not
 * read into the heap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "init/early.h"
#include "init/modules.h"
#include "platform/cleanup.h"

void module_name_of(const char *path, size_t len, char *out, size_t size)
{
	const char *base = path;
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			base = path + i + 1;
	len -= (size_t)(base - path);
	for (size_t i = 0; i < len && n + 1 < size; i++) {
		if (!strncmp(base + i, ".ko", 3))
			break;
		out[n++] = base[i] == '-' ? '_' : base[i];
	}
	out[n] = '\0';
}

static size_t line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return (size_t)((nl ? nl : end) - p);
}

const char *modules_dep_find(const char *dep, size_t len, const char *name)
{
	const char *end = dep + len;
	char want[64], got[64];

	module_name_of(name, strlen(name), want, sizeof(want));
	for (const char *p = dep; p < end;) {
		size_t ll = line_len(p, end);
		const char *colon = memchr(p, ':', ll);

		if (colon) {
			module_name_of(p, (size_t)(colon - p), got, sizeof(got));
			if (!strcmp(got, want))
				return p;
		}
		p += ll + 1;
	}
	return NULL;
}

static int insert_one(const char *dir, const char *rel, size_t len)
{
	char path[512];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "%s/%.*s", dir, (int)len, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static bool builtin(const char *dir, const char *name)
{
	char path[512], want[64], line[256];
	_cleanup_fclose_ FILE *f = NULL;

	/* Only on a miss in modules.dep: stdio's buffer is fine after the console. */
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	module_name_of(name, strlen(name), want, sizeof(want));
	while (fgets(line, sizeof(line), f)) {
		char got[64];

		module_name_of(line, strcspn(line, "\n"), got, sizeof(got));
		if (!strcmp(got, want))
			return true;
	}
	return false;
}

static int load_with_deps(const char *dir, const char *dep, size_t len, const char *name)
{
	const char *line = modules_dep_find(dep, len, name);
	const char *end, *colon, *p;
	int r;

	if (!line) {
		if (builtin(dir, name))
			return 0;
		init_say("module %s: not in %s/modules.dep", name, dir);
		return -1;
	}
	end = line + line_len(line, dep + len);
	colon = memchr(line, ':', (size_t)(end - line));
	/* Dependencies from the last one back to the first. */
	for (p = end; p > colon + 1;) {
		const char *s = p;

		while (s > colon + 1 && s[-1] != ' ')
			s--;
		if (p > s && (r = insert_one(dir, s, (size_t)(p - s))) < 0) {
			init_say("module %s: dependency %.*s: %s", name, (int)(p - s), s,
				 strerror(-r));
			return -1;
		}
		p = s;
		while (p > colon + 1 && p[-1] == ' ')
			p--;
	}
	r = insert_one(dir, line, (size_t)(colon - line));
	if (r < 0) {
		init_say("module %s: %s", name, strerror(-r));
		return -1;
	}
	return 0;
}

void modules_dir(char *out, size_t size)
{
	struct utsname u;

	uname(&u);
	snprintf(out, size, "/lib/modules/%s", u.release);
}

int modules_load(const char *dir, const char *const *names, size_t n)
{
	char path[512];
	_cleanup_close_ int fd = -1;
	struct stat st;
	void *map = MAP_FAILED;
	int failed = 0;

	if (!n)
		return 0;
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	for (size_t i = 0; i < n; i++) {
		if (map == MAP_FAILED) {
			if (!builtin(dir, names[i])) {
				init_say("module %s: no %s", names[i], path);
				failed++;
			}
			continue;
		}
		if (load_with_deps(dir, map, (size_t)st.st_size, names[i]) < 0)
			failed++;
	}
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	return failed;
}

/*
 * An alias the kernel asks for ("fs-overlay") to a module name: through
 * modules.alias when the image has one (depmod's, exact names only), else
 * a filesystem's "fs-NAME" is NAME.
 */
void module_alias_resolve(const char *dir, const char *alias, char *out, size_t size)
{
	char path[512], line[512];
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/modules.alias", dir);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char a[256], m[128];

		if (sscanf(line, "alias %255s %127s", a, m) == 2 && !strcmp(a, alias)) {
			snprintf(out, size, "%s", m);
			return;
		}
	}
	snprintf(out, size, "%s", strncmp(alias, "fs-", 3) ? alias : alias + 3);
}

/*
 * The kernel's module helper (/proc/sys/kernel/modprobe), as the kernel
 * calls it: `modprobe -q -- NAME`. The boot runner points the kernel here
 * while the first container starts without the module loader (docs/init.md):
 * a mount of overlayfs then waits in the kernel until overlay is loaded
 * instead of failing. Exit 0 when every name is loaded.
 */
int modprobe_main(int argc, char **argv)
{
	char dir[300], name[128];
	const char *names[1] = { name };
	int failed = 0;
	bool opts = true;

	modules_dir(dir, sizeof(dir));
	for (int i = 1; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--")) {
			opts = false;
			continue;
		}
		if (opts && argv[i][0] == '-')
			continue;
		module_alias_resolve(dir, argv[i], name, sizeof(name));
		failed += modules_load(dir, names, 1);
	}
	return failed ? 1 : 0;
}
