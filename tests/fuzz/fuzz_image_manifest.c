/*
 * libFuzzer: docker-save manifest.json, OCI index.json (nested indexes,
 * platform choice) and the image manifests and configs they point at, as
 * core/image/load.c and image.c read them. Each input becomes a real archive
 * loaded into a scratch store on tmpfs; whatever the input, the load must
 * not crash, `system check` must find the store consistent afterwards, and a
 * load that registered nothing must leave no blob or layer behind.
 *
 * Input: first byte picks the kind ('D' or anything even: manifest.json,
 * otherwise index.json); the rest is split at "\n--\n" into part 0 (that
 * file) and parts 1..3 (blobs stored under blobs/sha256/<digest>). Before
 * hashing, "@N" in a part becomes "sha256:<hex>" of part N and "#N" the bare
 * hex (N > the part's own number, so parts refer downwards), "@L"/"#L" the
 * fixed test layer's digest and "@D" its diff ID. The archive also holds the
 * layer as "l/layer.tar" and a symlink "s/layer.tar -> ../l/layer.tar".
 * First byte 'R': part 0 is written as the store's refs.json instead (see
 * damaged_refs()).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/image/gc.h"
#include "core/image/image.h"
#include "core/image/load.h"
#include "core/image/store.h"
#include "platform/archive.h"
#include "platform/fsutil.h"
#include "platform/json.h"

#define NPARTS 4

static char base[128];
static FILE *devnull;
static char *layer;
static size_t layer_len;
static char layer_hex[65];

static void hex_of(const void *buf, size_t len, char out[65])
{
	struct sha256_ctx c;
	char d[SHA256_DIGEST_STR_LEN];

	sha256_init(&c);
	sha256_update(&c, buf, len);
	sha256_final_str(&c, d);
	memcpy(out, d + 7, 65);
}

/* A small plain tar layer: etc/ and etc/hello. */
static void make_layer(void)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	struct archive *a;
	struct archive_entry *e;
	struct stat st;

	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (fd < 0 || archive_write_open_fd(a, fd) != ARCHIVE_OK)
		abort();
	e = archive_entry_new();
	archive_entry_set_pathname(e, "etc/");
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_write_header(a, e);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "etc/hello");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 6);
	archive_write_header(a, e);
	archive_write_data(a, "hello\n", 6);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	if (fstat(fd, &st) < 0)
		abort();
	layer_len = (size_t)st.st_size;
	layer = malloc(layer_len);
	if (!layer || pread(fd, layer, layer_len, 0) != (ssize_t)layer_len)
		abort();
	close(fd);
	hex_of(layer, layer_len, layer_hex);
}

static void remove_scratch(void)
{
	struct tug_err err;

	remove_tree(AT_FDCWD, base, &err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(base, sizeof(base), "%s/tug-fuzz-image.%d", shm, (int)getpid());
	setenv("TUG_STATE_DIR", base, 1);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	make_layer();
	atexit(remove_scratch);
	return 0;
}

struct part {
	char *text;
	size_t len;
	char hex[65];
};

/* Replace @N/#N (N in 1..3, N > self), @L/#L, @D in p. */
static void substitute(struct part *parts, int self)
{
	const char *in = parts[self].text;
	size_t n = parts[self].len, cap = n * 72 / 2 + 16, o = 0;
	char *out = malloc(cap);

	if (!out)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *hex = NULL;
		bool full = false;

		if ((in[i] == '@' || in[i] == '#') && i + 1 < n) {
			char c = in[i + 1];

			full = in[i] == '@';
			if (c >= '1' && c <= '3' && c - '0' > self)
				hex = parts[c - '0'].hex;
			else if (c == 'L' || c == 'D')
				hex = layer_hex; /* plain tar: digest == diff ID */
		}
		if (hex) {
			if (o + 72 > cap)
				abort();
			o += (size_t)sprintf(out + o, "%s%s", full ? "sha256:" : "", hex);
			i++;
			continue;
		}
		if (o + 1 > cap)
			abort();
		out[o++] = in[i];
	}
	parts[self].text = out;
	parts[self].len = o;
}

static void add_entry(struct archive *a, const char *name, const void *buf, size_t len)
{
	struct tug_err err;

	if (tar_writer_add_buf(a, name, buf, len, &err) < 0)
		abort();
}

/* Split at "\n--\n" into parts, then resolve references bottom up. */
static int split_parts(const uint8_t *data, size_t size, struct part parts[NPARTS])
{
	const char *p = (const char *)data, *end = p + size;
	int np = 0;

	while (np < NPARTS) {
		const char *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);

		parts[np].text = (char *)p;
		parts[np].len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		np++;
		if (!sep)
			break;
		p = sep + 4;
	}
	for (int i = np - 1; i >= 0; i--) {
		substitute(parts, i);
		hex_of(parts[i].text, parts[i].len, parts[i].hex);
	}
	return np;
}

static int make_archive(const uint8_t *data, size_t size, bool docker)
{
	struct part parts[NPARTS] = { 0 };
	int fd = memfd_create("archive", MFD_CLOEXEC), np;
	struct archive *a;
	struct archive_entry *e;
	struct tug_err err;
	char name[128];

	if (fd < 0)
		abort();
	np = split_parts(data, size, parts);
	a = tar_writer_open_fd(fd, &err);
	if (!a)
		abort();
	snprintf(name, sizeof(name), "blobs/sha256/%s", layer_hex);
	add_entry(a, name, layer, layer_len);
	add_entry(a, "l/layer.tar", layer, layer_len);
	e = archive_entry_new();
	archive_entry_set_pathname(e, "s/layer.tar");
	archive_entry_set_filetype(e, AE_IFLNK);
	archive_entry_set_perm(e, 0777);
	archive_entry_set_symlink(e, "../l/layer.tar");
	if (archive_write_header(a, e) != ARCHIVE_OK)
		abort();
	archive_entry_free(e);
	for (int i = 1; i < np; i++) {
		snprintf(name, sizeof(name), "blobs/sha256/%s", parts[i].hex);
		add_entry(a, name, parts[i].text, parts[i].len);
	}
	add_entry(a, docker ? "manifest.json" : "index.json", parts[0].text, parts[0].len);
	if (tar_writer_close(a, &err) < 0)
		abort();
	for (int i = 0; i < np; i++)
		free(parts[i].text);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static bool dir_empty(struct image_store *s, const char *dir)
{
	char path[700];
	int n = 0;
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/%s", s->root, dir);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n == 0;
}

/*
 * 'R': part 0 is the store's own refs.json (flash can rot), parts 1..3 are
 * blobs. Every reader copes; after `prune -a` the store checks clean.
 */
static void damaged_refs(struct image_store *s, const uint8_t *data, size_t size)
{
	static const char *const names[] = { "a:1", "x/y:z", "sha256:", "0", "latest" };
	struct part parts[NPARTS] = { 0 };
	char digest[SHA256_DIGEST_STR_LEN], md[SHA256_DIGEST_STR_LEN];
	cJSON *refs = NULL, *report = cJSON_CreateArray();
	const cJSON *it;
	struct gc_stats st;
	struct tug_err err;
	int np = split_parts(data, size, parts);

	if (blob_put(s, layer, layer_len, digest, &err) < 0)
		abort();
	for (int i = 1; i < np; i++)
		if (blob_put(s, parts[i].text, parts[i].len, digest, &err) < 0)
			abort();
	if (atomic_write_file(s->dirfd, "refs.json", parts[0].text, parts[0].len, 0600, &err) < 0)
		abort();
	for (int i = 0; i < np; i++)
		free(parts[i].text);
	image_check(s, devnull, &err);
	if (refs_read(s, &refs, &err) == 0) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			image_resolve(s, refs, names[i], md, &err);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "tags"))
			image_resolve(s, refs, it->string, md, &err);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "images")) {
			struct image img;

			if (image_read(s, it->string, &img, &err) == 0)
				image_free(&img);
		}
		cJSON_Delete(refs);
	}
	if (image_prune(s, false, report, &st, &err) == 0 &&
	    image_prune(s, true, report, &st, &err) == 0 && image_check(s, devnull, &err)) {
		image_check(s, stderr, &err);
		fprintf(stderr, "fuzz_image_manifest: store not clean after prune -a\n");
		abort();
	}
	cJSON_Delete(report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_store s;
	struct tug_err err;
	cJSON *refs = NULL;
	int fd, bad;

	if (!size)
		return 0;
	if (data[0] == 'R') {
		if (image_store_open(&s, &err) < 0)
			abort();
		damaged_refs(&s, data + 1, size - 1);
		image_store_close(&s);
		if (remove_tree(AT_FDCWD, base, &err) < 0)
			abort();
		return 0;
	}
	fd = make_archive(data + 1, size - 1, data[0] == 'D' || !(data[0] & 1));
	if (image_store_open(&s, &err) < 0)
		abort();
	if (image_load(&s, fd, devnull, &err) < 0 && getenv("TUG_FUZZ_VERBOSE"))
		fprintf(stderr, "load: %s\n", err.msg);
	else if (getenv("TUG_FUZZ_VERBOSE"))
		fprintf(stderr, "load: ok\n");
	close(fd);
	bad = image_check(&s, devnull, &err);
	if (bad) {
		image_check(&s, stderr, &err);
		fprintf(stderr, "fuzz_image_manifest: store inconsistent after load: %s\n",
			err.msg);
		abort();
	}
	if (refs_read(&s, &refs, &err) < 0)
		abort();
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(refs, "images")) &&
	    (!dir_empty(&s, "blobs/sha256") || !dir_empty(&s, "layers"))) {
		fprintf(stderr,
			"fuzz_image_manifest: nothing loaded, but blobs or layers remain\n");
		abort();
	}
	cJSON_Delete(refs);
	image_store_close(&s);
	if (remove_tree(AT_FDCWD, base, &err) < 0)
		abort();
	return 0;
}
