/*
 * cp: files in and out of a container, as docker cp does it: the daemon
 * sends or takes a tar of one path (/containers/ID/archive); which directory
 * it goes to and under which name is decided here from both sides' stat.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/client/client.h"
#include "core/commands.h"
#include "platform/archive.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/unpack.h"

#define CP_USAGE                                                                               \
	"Usage: tug cp [-a] [-L] CONTAINER:SRC_PATH DEST_PATH|-\n"                             \
	"       tug cp [-a] [-L] SRC_PATH|- CONTAINER:DEST_PATH\n"

struct cp_args {
	bool follow, copy_uidgid;
	char ctr[260];		/* escaped container name */
	const char *ctr_name;
};

/* "web:/etc" -> container "web", path "/etc"; local paths start with / or . */
static const char *container_part(const char *arg, char *name, size_t size)
{
	const char *colon = strchr(arg, ':');

	if (arg[0] == '/' || arg[0] == '.' || !colon || colon == arg)
		return NULL;
	snprintf(name, size, "%.*s", (int)(colon - arg), arg);
	return colon + 1;
}

/* Split a path textually: "a/b/" -> parent "a", base "b"; "b" -> ".", "b". */
static void split_path(const char *path, char *parent, size_t psize, char *base, size_t bsize)
{
	char tmp[PATH_MAX];
	size_t n;
	char *s;

	snprintf(tmp, sizeof(tmp), "%s", path);
	n = strlen(tmp);
	while (n > 1 && tmp[n - 1] == '/')
		tmp[--n] = '\0';
	s = strrchr(tmp, '/');
	if (!s) {
		snprintf(parent, psize, ".");
		snprintf(base, bsize, "%s", tmp);
	} else if (s == tmp) {
		snprintf(parent, psize, "/");
		snprintf(base, bsize, "%s", s[1] ? s + 1 : ".");
	} else {
		*s = '\0';
		snprintf(parent, psize, "%s", tmp);
		snprintf(base, bsize, "%s", s + 1);
	}
}

/* A path ending in "/." names a directory's contents. */
static bool names_contents(const char *path)
{
	size_t n = strlen(path);

	return (n >= 2 && !strcmp(path + n - 2, "/.")) || !strcmp(path, ".");
}

static void to_buf(void *ctx, const char *d, size_t n)
{
	buf_add(ctx, d, n);
}

/* An error answer: its body's message, docker's way; returns 1. */
static int answer_error(struct http_client *c, struct http_response *r)
{
	struct buf out = { 0 };
	_cleanup_json_ cJSON *reply = NULL;
	struct tug_err err;

	if (!http_client_read_body(c, r, to_buf, &out, &err))
		reply = json_parse(buf_head(&out) ?: "", buf_size(&out), "reply", &err);
	cli_status_error(r->status, reply, EXIT_RUNTIME);
	buf_free(&out);
	return EXIT_RUNTIME;
}

/* HEAD: 1 when path exists (st filled), 0 when not, -1 when the daemon cannot be reached. */
static int stat_in_container(const struct cp_args *a, const char *path, struct cli_path_stat *st,
			     struct tug_err *err)
{
	struct http_client c;
	struct http_response r = { 0 };
	char esc[PATH_MAX * 3], target[sizeof(esc) + 300];
	int found = 0;

	cli_escape(path, esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/archive?path=%s", a->ctr, esc);
	if (cli_connect(&c, err))
		return -1;
	if (http_client_send(&c, "HEAD", target, NULL, NULL, 0, err) ||
	    http_client_read_head(&c, &r, err)) {
		http_client_close(&c);
		return -1;
	}
	if (r.status == 200 &&
	    !cli_parse_path_stat(http_response_header(&r, "X-Docker-Container-Path-Stat"), st, err))
		found = 1;
	http_response_free(&r);
	http_client_close(&c);
	return found;
}

static int temp_file(struct tug_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/tug-cp-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "temporary file in %s", dir && *dir ? dir : "/tmp");
	unlink(path);
	return fd;
}

static int copy_out(const struct cp_args *a, const char *src, const char *dst)
{
	char esc[PATH_MAX * 3], target[sizeof(esc) + 300], parent[PATH_MAX], base[NAME_MAX + 1];
	const char *destdir = dst;
	struct unpack_opts o = { .literal_whiteouts = true, .keep_dirs = true, .set_owner = true };
	struct unpack_stats us = { 0 };
	struct http_response r = { 0 };
	struct cli_path_stat st;
	_cleanup_close_ int tmp = -1, dirfd = -1;
	struct http_client c;
	struct cli_fd_sink sink;
	struct tug_err err;
	struct stat local;
	struct archive *ar;
	bool exists, contents = names_contents(src);
	int rc;

	cli_escape(src, esc, sizeof(esc));
	snprintf(target, sizeof(target), "/containers/%s/archive?path=%s", a->ctr, esc);
	if (cli_connect(&c, &err) || http_client_send(&c, "GET", target, NULL, NULL, 0, &err) ||
	    http_client_read_head(&c, &r, &err)) {
		http_client_close(&c);
		return cli_daemon_error(&err);
	}
	if (r.status != 200) {
		rc = answer_error(&c, &r);
		goto out;
	}
	if (cli_parse_path_stat(http_response_header(&r, "X-Docker-Container-Path-Stat"), &st,
				&err)) {
		rc = EXIT_RUNTIME;
		tug_err_print(&err);
		goto out;
	}
	if (!strcmp(dst, "-")) {
		sink = (struct cli_fd_sink){ .fd = 1 };
		rc = http_client_read_body(&c, &r, cli_to_fd, &sink, &err) || sink.failed;
		if (rc)
			tug_err_print(&err);
		goto out;
	}
	tmp = temp_file(&err);
	sink = (struct cli_fd_sink){ .fd = tmp };
	if (tmp < 0 || http_client_read_body(&c, &r, cli_to_fd, &sink, &err) || sink.failed) {
		if (sink.failed)
			tug_err_sys(&err, "write temporary file");
		tug_err_print(&err);
		rc = EXIT_RUNTIME;
		goto out;
	}
	/* Where it lands: into an existing directory, or as the destination's name. */
	exists = stat(dst, &local) == 0;
	if (exists && !S_ISDIR(local.st_mode) && (st.mode & CLI_MODE_DIR)) {
		fprintf(stderr, "tug: cannot copy a directory to a file: %s\n", dst);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!exists && contents && mkdir(dst, 0755) < 0) {
		tug_err_sys(&err, "mkdir %s", dst);
		tug_err_print(&err);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!(exists && S_ISDIR(local.st_mode)) && !contents) {
		split_path(dst, parent, sizeof(parent), base, sizeof(base));
		destdir = parent;
		o.rebase_from = st.name;
		o.rebase_to = base;
	}
	o.uid = getuid();
	o.gid = getgid();
	dirfd = open(destdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		tug_err_sys(&err, "%s", destdir);
		tug_err_print(&err);
		rc = EXIT_RUNTIME;
		goto out;
	}
	lseek(tmp, 0, SEEK_SET);
	ar = tar_reader_open_fd(tmp, &err);
	rc = ar ? unpack_tree(ar, dirfd, &o, &us, &err) : -1;
	tar_reader_free(ar);
	if (rc) {
		tug_err_print(&err);
		rc = EXIT_RUNTIME;
	}
out:
	http_response_free(&r);
	http_client_close(&c);
	return rc;
}

static int copy_in(const struct cp_args *a, const char *src, const char *dst_in)
{
	char dst[PATH_MAX], esc[PATH_MAX * 3], target[sizeof(esc) + 400], parent[PATH_MAX],
		base[NAME_MAX + 1], lparent[PATH_MAX], lbase[NAME_MAX + 1], real[PATH_MAX];
	const char *put_dir = dst, *arcname;
	struct http_response r = { 0 };
	struct cli_path_stat st = { 0 };
	_cleanup_close_ int tmp = -1, pfd = -1;
	struct http_client c;
	struct tug_err err;
	struct stat local;
	struct archive *ar;
	int found, rc = EXIT_OK, body;

	snprintf(dst, sizeof(dst), "%s%s", dst_in[0] == '/' ? "" : "/", dst_in);
	found = stat_in_container(a, dst, &st, &err);
	if (found < 0)
		return cli_daemon_error(&err);
	if (found && (st.mode & CLI_MODE_SYMLINK) && st.link_target[0]) {
		snprintf(dst, sizeof(dst), "%s", st.link_target);
		found = stat_in_container(a, dst, &st, &err);
		if (found < 0)
			return cli_daemon_error(&err);
	}
	if (!strcmp(src, "-")) {
		if (found && !(st.mode & CLI_MODE_DIR)) {
			fprintf(stderr, "tug: destination \"%s:%s\" must be a directory\n",
				a->ctr_name, dst_in);
			return EXIT_RUNTIME;
		}
		body = 0;
	} else {
		if (a->follow) {
			if (!realpath(src, real)) {
				tug_err_sys(&err, "%s", src);
				tug_err_print(&err);
				return EXIT_RUNTIME;
			}
			src = real;
		}
		if (lstat(src, &local) < 0) {
			tug_err_sys(&err, "%s", src);
			tug_err_print(&err);
			return EXIT_RUNTIME;
		}
		if (found && !(st.mode & CLI_MODE_DIR) && S_ISDIR(local.st_mode)) {
			fprintf(stderr, "tug: cannot copy a directory to a file: %s:%s\n",
				a->ctr_name, dst_in);
			return EXIT_RUNTIME;
		}
		split_path(src, lparent, sizeof(lparent), lbase, sizeof(lbase));
		split_path(dst, parent, sizeof(parent), base, sizeof(base));
		if (found && (st.mode & CLI_MODE_DIR)) {
			arcname = names_contents(src) ? "." : lbase;
		} else {
			put_dir = parent;
			arcname = base;
		}
		tmp = temp_file(&err);
		pfd = open(lparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (tmp < 0 || pfd < 0) {
			if (pfd < 0)
				tug_err_sys(&err, "%s", lparent);
			tug_err_print(&err);
			return EXIT_RUNTIME;
		}
		ar = tar_writer_open_fd(tmp, &err);
		rc = ar ? tar_writer_add_tree(ar, pfd, lbase, arcname, &err) : -1;
		if (ar && rc) {
			struct tug_err ignore;

			tar_writer_close(ar, &ignore);
		} else if (ar) {
			rc = tar_writer_close(ar, &err);
		}
		if (rc) {
			tug_err_print(&err);
			return EXIT_RUNTIME;
		}
		lseek(tmp, 0, SEEK_SET);
		body = tmp;
	}
	cli_escape(put_dir, esc, sizeof(esc));
	snprintf(target, sizeof(target),
		 "/containers/%s/archive?path=%s&noOverwriteDirNonDir=true%s", a->ctr, esc,
		 a->copy_uidgid ? "&copyUIDGID=true" : "");
	if (cli_connect(&c, &err) ||
	    http_client_send_fd(&c, "PUT", target, "Content-Type: application/x-tar\r\n", body,
				&err) ||
	    http_client_read_head(&c, &r, &err)) {
		http_client_close(&c);
		return cli_daemon_error(&err);
	}
	if (r.status >= 400)
		rc = answer_error(&c, &r);
	http_response_free(&r);
	http_client_close(&c);
	return rc;
}

int client_cmd_cp(int argc, char **argv)
{
	static const struct option opts[] = { { "archive", no_argument, NULL, 'a' },
					      { "follow-link", no_argument, NULL, 'L' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'H' },
					      { NULL, 0, NULL, 0 } };
	struct cp_args a = { 0 };
	char name_src[256], name_dst[256];
	const char *in_src, *in_dst;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+aLq", opts, NULL)) != -1) {
		if (c == 'a')
			a.copy_uidgid = true;
		else if (c == 'L')
			a.follow = true;
		else if (c != 'q') {
			fputs(CP_USAGE, c == 'H' ? stdout : stderr);
			return c == 'H' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "tug: \"cp\" requires exactly 2 arguments.\n" CP_USAGE);
		return EXIT_USAGE;
	}
	in_src = container_part(argv[optind], name_src, sizeof(name_src));
	in_dst = container_part(argv[optind + 1], name_dst, sizeof(name_dst));
	if ((in_src && in_dst) || (!in_src && !in_dst)) {
		fprintf(stderr, "tug: copying %s is not supported: one side must be "
				"CONTAINER:PATH, the other a local path\n",
			in_src ? "between containers" : "between local paths");
		return EXIT_USAGE;
	}
	if (!*(in_src ? in_src : in_dst)) {
		fprintf(stderr, "tug: the container path must not be empty\n");
		return EXIT_USAGE;
	}
	a.ctr_name = in_src ? name_src : name_dst;
	cli_escape(a.ctr_name, a.ctr, sizeof(a.ctr));
	if (in_src)
		return copy_out(&a, in_src, argv[optind + 1]);
	return copy_in(&a, argv[optind], in_dst);
}
