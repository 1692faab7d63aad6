/*
 * The image commands on the local store: load, save, images, tag, rmi,
 * image (ls, inspect, rm, tag, prune, load, save), system (check, prune, df).
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/image/gc.h"
#include "core/image/image.h"
#include "core/image/load.h"
#include "core/image/ref.h"
#include "core/image/rootfs.h"
#include "core/image/save.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

static int fail(struct tug_err *err)
{
	tug_err_print(err);
	return EXIT_RUNTIME;
}

static int open_store(struct image_store *s, struct tug_err *err)
{
	return image_store_open(s, err);
}

int image_cmd_load(int argc, char **argv)
{
	const char *input = NULL;
	struct image_store s;
	struct tug_err err;
	_cleanup_close_ int fd = -1;
	bool quiet = false;
	int c, ret;

	optind = 1;
	while ((c = getopt(argc, argv, "i:qh")) != -1) {
		if (c == 'i')
			input = optarg;
		else if (c == 'q')
			quiet = true;
		else {
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: tug load [-i FILE] [-q]\n"
				"Load images from a docker-save or OCI archive (gzip or not), "
				"stdin by default.\n");
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (input && strcmp(input, "-")) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tug_err_sys(&err, "load: open %s", input);
			return fail(&err);
		}
	} else if (isatty(0)) {
		fprintf(stderr, "tug: load: requested load from stdin, but stdin is empty\n");
		return EXIT_USAGE;
	}
	if (open_store(&s, &err) < 0)
		return fail(&err);
	ret = image_load(&s, fd >= 0 ? fd : 0, quiet ? fopen("/dev/null", "w") : stdout, &err);
	image_store_close(&s);
	return ret < 0 ? fail(&err) : EXIT_OK;
}

int image_cmd_save(int argc, char **argv)
{
	const char *output = NULL;
	char tmp[4200];
	struct image_store s;
	struct tug_err err;
	_cleanup_close_ int fd = -1;
	int c, ret;

	optind = 1;
	while ((c = getopt(argc, argv, "o:h")) != -1) {
		if (c == 'o')
			output = optarg;
		else {
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: tug save [-o FILE] IMAGE...\n"
				"Write images to a docker-save (and OCI layout) archive.\n");
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tug: save: requires at least 1 image\n");
		return EXIT_USAGE;
	}
	if (!output && isatty(1)) {
		fprintf(stderr, "tug: save: refusing to write an archive to a terminal (use -o)\n");
		return EXIT_USAGE;
	}
	if (open_store(&s, &err) < 0)
		return fail(&err);
	if (output) {
		/* Written beside the target, renamed when complete. */
		snprintf(tmp, sizeof(tmp), "%s.tmp-%d", output, (int)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			image_store_close(&s);
			tug_err_sys(&err, "save: create %s", output);
			return fail(&err);
		}
	}
	ret = image_save(&s, (const char *const *)argv + optind, (size_t)(argc - optind),
			 output ? fd : 1, &err);
	image_store_close(&s);
	if (output) {
		if (!ret && (fsync(fd) < 0 || rename(tmp, output) < 0))
			ret = tug_err_sys(&err, "save: %s", output);
		if (ret)
			unlink(tmp);
	}
	return ret < 0 ? fail(&err) : EXIT_OK;
}

static void human_size(uint64_t b, char *out, size_t n)
{
	if (b >= 1000ull * 1000 * 1000)
		snprintf(out, n, "%.3gGB", (double)b / 1e9);
	else if (b >= 1000ull * 1000)
		snprintf(out, n, "%.3gMB", (double)b / 1e6);
	else if (b >= 1000)
		snprintf(out, n, "%.3gkB", (double)b / 1e3);
	else
		snprintf(out, n, "%" PRIu64 "B", b);
}

static time_t parse_created(const char *s)
{
	struct tm tm = { 0 };

	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

static void human_ago(time_t t, char *out, size_t n)
{
	long d = (long)(time(NULL) - t);

	if (!t)
		snprintf(out, n, "N/A");
	else if (d < 60)
		snprintf(out, n, "Seconds ago");
	else if (d < 3600)
		snprintf(out, n, "%ld minutes ago", d / 60);
	else if (d < 2 * 86400)
		snprintf(out, n, "%ld hours ago", d / 3600);
	else if (d < 14 * 86400)
		snprintf(out, n, "%ld days ago", d / 86400);
	else if (d < 60 * 86400)
		snprintf(out, n, "%ld weeks ago", d / (7 * 86400));
	else if (d < 730 * 86400)
		snprintf(out, n, "%ld months ago", d / (30 * 86400));
	else
		snprintf(out, n, "%ld years ago", d / (365 * 86400));
}

/* One row per tag, and one "<none>" row per untagged image. */
static void list_row(struct image_store *s, const char *manifest, const char *tag, bool json,
		     bool *first)
{
	struct image img;
	struct tug_err err;
	char repo[300] = "<none>", t[140] = "<none>", size[32], ago[40];
	const char *created;
	uint64_t bytes;

	if (image_read(s, manifest, &img, &err) < 0) {
		tug_err_print(&err);
		return;
	}
	if (tag) {
		const char *colon = strrchr(tag, ':');

		snprintf(repo, sizeof(repo), "%.*s", (int)(colon - tag), tag);
		snprintf(t, sizeof(t), "%s", colon + 1);
	}
	created = cJSON_GetStringValue(cJSON_GetObjectItem(img.config, "created"));
	bytes = image_size(s, &img);
	human_size(bytes, size, sizeof(size));
	human_ago(parse_created(created), ago, sizeof(ago));
	if (json) {
		printf("%s{\"Repository\":\"%s\",\"Tag\":\"%s\",\"ID\":\"%s\",\"Digest\":\"%s\","
		       "\"CreatedAt\":\"%s\",\"Size\":%" PRIu64 "}",
		       *first ? "" : ",\n", repo, t, img.config_digest, manifest,
		       created ? created : "", bytes);
	} else {
		/* 80 columns: long names are cut, IDs are 12 hex as Docker shows them. */
		printf("%-26.26s %-10.10s %-12.12s %-19.19s %8s\n", repo, t, img.config_digest + 7,
		       ago, size);
	}
	*first = false;
	image_free(&img);
}

static int cmd_images(int argc, char **argv)
{
	struct image_store s;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	const cJSON *it, *tags;
	bool json = false, first = true, quiet = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc && !strcmp(argv[i + 1], "json"))
			json = true, i++;
		else if (!strcmp(argv[i], "--format=json"))
			json = true;
		else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else {
			fprintf(stderr, "Usage: tug images [--format json] [-q]\n");
			return EXIT_USAGE;
		}
	}
	if (open_store(&s, &err) < 0 || refs_read(&s, &refs, &err) < 0)
		return fail(&err);
	tags = cJSON_GetObjectItem(refs, "tags");
	if (quiet) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "images"))
			printf("%.12s\n", cJSON_GetStringValue(cJSON_GetObjectItem(it, "config")) + 7);
		image_store_close(&s);
		return EXIT_OK;
	}
	if (json)
		printf("[");
	else
		printf("%-26s %-10s %-12s %-19s %8s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED",
		       "SIZE");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "images")) {
		const cJSON *t;
		bool tagged = false;

		cJSON_ArrayForEach(t, tags)
			if (!strcmp(cJSON_GetStringValue(t) ?: "", it->string)) {
				list_row(&s, it->string, t->string, json, &first);
				tagged = true;
			}
		if (!tagged)
			list_row(&s, it->string, NULL, json, &first);
	}
	if (json)
		printf("]\n");
	image_store_close(&s);
	return EXIT_OK;
}

int image_cmd_images(int argc, char **argv)
{
	return cmd_images(argc, argv);
}

struct tag_args {
	const char *key, *manifest;
};

static int tag_change(cJSON *refs, void *arg, struct tug_err *err)
{
	struct tag_args *a = arg;
	cJSON *tags = cJSON_GetObjectItem(refs, "tags");

	if (!cJSON_GetObjectItem(cJSON_GetObjectItem(refs, "images"), a->manifest))
		return tug_err_set(err, ENOENT, "No such image: %s", a->manifest);
	cJSON_DeleteItemFromObject(tags, a->key);
	cJSON_AddStringToObject(tags, a->key, a->manifest);
	return 0;
}

int image_cmd_tag(int argc, char **argv)
{
	struct image_store s;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	struct image_ref ref;
	char md[SHA256_DIGEST_STR_LEN], key[400];
	struct tag_args a = { key, md };

	if (argc != 3) {
		fprintf(stderr, "Usage: tug tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n");
		return EXIT_USAGE;
	}
	if (image_ref_parse(argv[2], &ref, &err) < 0 || !ref.tag[0]) {
		if (!ref.tag[0] && !err.msg[0])
			tug_err_set(&err, EINVAL, "tag: %s: a tag target needs a tag, not a digest",
				    argv[2]);
		return fail(&err);
	}
	image_ref_key(&ref, key, sizeof(key));
	if (open_store(&s, &err) < 0 || refs_read(&s, &refs, &err) < 0 ||
	    image_resolve(&s, refs, argv[1], md, &err) < 0 || refs_change(&s, tag_change, &a, &err) < 0)
		return fail(&err);
	image_store_close(&s);
	return EXIT_OK;
}

struct rmi_args {
	struct image_store *s;
	const char *what;
	bool force;
	char removed_image[SHA256_DIGEST_STR_LEN];
	char untagged[400];
};

static int count_tags(const cJSON *tags, const char *manifest)
{
	const cJSON *t;
	int n = 0;

	cJSON_ArrayForEach(t, tags)
		n += !strcmp(cJSON_GetStringValue(t) ?: "", manifest);
	return n;
}

static int rmi_change(cJSON *refs, void *arg, struct tug_err *err)
{
	struct rmi_args *a = arg;
	cJSON *tags = cJSON_GetObjectItem(refs, "tags");
	cJSON *images = cJSON_GetObjectItem(refs, "images");
	char md[SHA256_DIGEST_STR_LEN], key[400] = "";
	struct image_ref ref;
	struct tug_err ignore;
	_cleanup_free_ char *holder = NULL;

	if (image_resolve(a->s, refs, a->what, md, err) < 0)
		return -1;
	/* By name: drop that tag; the image goes with its last tag. */
	if (image_ref_parse(a->what, &ref, &ignore) == 0 && !ref.digest[0]) {
		image_ref_key(&ref, key, sizeof(key));
		if (!cJSON_GetObjectItem(tags, key))
			key[0] = '\0';
	}
	if (key[0] && count_tags(tags, md) > 1) {
		cJSON_DeleteItemFromObject(tags, key);
		snprintf(a->untagged, sizeof(a->untagged), "%s", key);
		return 0;
	}
	holder = image_lease_holder(a->s, md);
	if (holder && !a->force)
		return tug_err_set(err, EBUSY,
				   "conflict: unable to remove %s: image is being used by container "
				   "%s",
				   a->what, holder);
	if (!key[0] && count_tags(tags, md) > 1 && !a->force)
		return tug_err_set(err, EBUSY,
				   "conflict: unable to delete %s (must be forced) - image is "
				   "referenced in multiple repositories",
				   a->what);
	for (cJSON *t = tags ? tags->child : NULL, *next; t; t = next) {
		next = t->next;
		if (!strcmp(cJSON_GetStringValue(t) ?: "", md)) {
			snprintf(a->untagged, sizeof(a->untagged), "%s", t->string);
			cJSON_Delete(cJSON_DetachItemViaPointer(tags, t));
		}
	}
	if (!holder) {
		cJSON_DeleteItemFromObject(images, md);
		snprintf(a->removed_image, sizeof(a->removed_image), "%s", md);
	}
	return 0;
}

static int cmd_rmi(int argc, char **argv)
{
	struct image_store s;
	struct tug_err err;
	struct gc_stats st;
	bool force = false;
	int i, rc = EXIT_OK;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = true;
		else {
			fprintf(stderr, "Usage: tug rmi [-f] IMAGE...\n");
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "Usage: tug rmi [-f] IMAGE...\n");
		return EXIT_USAGE;
	}
	if (open_store(&s, &err) < 0)
		return fail(&err);
	for (; i < argc; i++) {
		struct rmi_args a = { .s = &s, .what = argv[i], .force = force };

		if (refs_change(&s, rmi_change, &a, &err) < 0) {
			tug_err_print(&err);
			rc = EXIT_RUNTIME;
			continue;
		}
		if (a.untagged[0])
			printf("Untagged: %s\n", a.untagged);
		if (a.removed_image[0])
			printf("Deleted: %s\n", a.removed_image);
	}
	if (image_gc(&s, &st, &err) < 0) {
		tug_err_print(&err);
		rc = EXIT_RUNTIME;
	}
	image_store_close(&s);
	return rc;
}

int image_cmd_rmi(int argc, char **argv)
{
	return cmd_rmi(argc, argv);
}

static cJSON *inspect_one(struct image_store *s, const cJSON *refs, const char *what,
			  struct tug_err *err)
{
	char md[SHA256_DIGEST_STR_LEN];
	struct image img;
	cJSON *o, *tags, *digests, *rootfs, *layers;
	const cJSON *t, *cfg;

	if (image_resolve(s, refs, what, md, err) < 0 || image_read(s, md, &img, err) < 0)
		return NULL;
	cfg = img.config;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", img.config_digest);
	tags = cJSON_AddArrayToObject(o, "RepoTags");
	digests = cJSON_AddArrayToObject(o, "RepoDigests");
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(refs, "tags"))
		if (!strcmp(cJSON_GetStringValue(t) ?: "", md)) {
			char rd[500];
			const char *colon = strrchr(t->string, ':');

			cJSON_AddItemToArray(tags, cJSON_CreateString(t->string));
			snprintf(rd, sizeof(rd), "%.*s@%s", (int)(colon - t->string), t->string, md);
			cJSON_AddItemToArray(digests, cJSON_CreateString(rd));
		}
	cJSON_AddStringToObject(o, "Created",
				cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "created")) ?: "");
	cJSON_AddStringToObject(o, "Architecture",
				cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "architecture")) ?: "");
	if (cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "variant")))
		cJSON_AddStringToObject(o, "Variant",
					cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "variant")));
	cJSON_AddStringToObject(o, "Os", cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "os")) ?: "");
	cJSON_AddItemToObject(o, "Config",
			      cJSON_GetObjectItem(cfg, "config")
				      ? cJSON_Duplicate(cJSON_GetObjectItem(cfg, "config"), 1)
				      : cJSON_CreateObject());
	rootfs = cJSON_AddObjectToObject(o, "RootFS");
	cJSON_AddStringToObject(rootfs, "Type", "layers");
	layers = cJSON_AddArrayToObject(rootfs, "Layers");
	for (size_t i = 0; i < img.nlayers; i++)
		cJSON_AddItemToArray(layers, cJSON_CreateString(img.diff_ids[i]));
	cJSON_AddNumberToObject(o, "Size", (double)image_size(s, &img));
	cJSON_AddStringToObject(o, "ManifestDigest", md);
	image_free(&img);
	return o;
}

static int cmd_inspect(int argc, char **argv)
{
	struct image_store s;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	_cleanup_json_ cJSON *out = cJSON_CreateArray();
	_cleanup_free_ char *text = NULL;
	int rc = EXIT_OK;

	if (argc < 2) {
		fprintf(stderr, "Usage: tug image inspect IMAGE...\n");
		return EXIT_USAGE;
	}
	if (open_store(&s, &err) < 0 || refs_read(&s, &refs, &err) < 0)
		return fail(&err);
	for (int i = 1; i < argc; i++) {
		cJSON *o = inspect_one(&s, refs, argv[i], &err);

		if (!o) {
			tug_err_print(&err);
			rc = EXIT_RUNTIME;
			continue;
		}
		cJSON_AddItemToArray(out, o);
	}
	text = cJSON_Print(out);
	printf("%s\n", text ? text : "[]");
	image_store_close(&s);
	return rc;
}

/* Docker asks before pruning; here only on a terminal, so scripts never hang. */
static bool confirm(const char *warning)
{
	char answer[16] = "";

	if (!isatty(0))
		return true;
	printf("WARNING! %s\nAre you sure you want to continue? [y/N] ", warning);
	fflush(stdout);
	if (!fgets(answer, sizeof(answer), stdin))
		return false;
	return answer[0] == 'y' || answer[0] == 'Y';
}

/* tug image prune [-a] [-f]; tug system prune [-a] [-f] */
static int cmd_prune(const char *parent, int argc, char **argv)
{
	_cleanup_json_ cJSON *report = cJSON_CreateArray();
	struct image_store s;
	struct tug_err err;
	struct gc_stats st;
	const cJSON *line;
	bool force = false, all = false;
	char size[32];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))
			all = true;
		else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "-af") || !strcmp(argv[i], "-fa"))
			all = force = true;
		else {
			fprintf(!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ? stdout : stderr,
				"Usage: tug %s prune [-a] [-f]\n"
				"Remove unused images: untagged ones, or with -a every image no "
				"container uses, and the partial downloads of pulls broken off "
				"over a day ago (-a: all).\n  -a, --all    all unused images "
				"and partial downloads, not only dangling ones\n  -f, --force  "
				"do not prompt for confirmation\n",
				parent);
			return !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ? EXIT_OK
										      : EXIT_USAGE;
		}
	}
	if (!report)
		return EXIT_RUNTIME;
	if (!force && !confirm(all ? "This will remove all images without at least one "
				       "container associated to them."
				     : "This will remove all dangling images."))
		return EXIT_OK;
	if (open_store(&s, &err) < 0 || image_prune(&s, all, report, &st, &err) < 0)
		return fail(&err);
	if (cJSON_GetArraySize(report)) {
		printf("Deleted Images:\n");
		cJSON_ArrayForEach(line, report) {
			const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(line, "Untagged"));

			if (u)
				printf("untagged: %s\n", u);
			else
				printf("deleted: %s\n",
				       cJSON_GetStringValue(cJSON_GetObjectItem(line, "Deleted")) ?: "");
		}
		printf("\n");
	}
	if (st.partials)
		printf("Deleted partial downloads: %u\n\n", st.partials);
	human_size(st.bytes, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
	image_store_close(&s);
	return EXIT_OK;
}

static int cmd_check(void)
{
	struct image_store s;
	struct tug_err err;
	int bad;

	if (open_store(&s, &err) < 0)
		return fail(&err);
	bad = image_check(&s, stdout, &err);
	image_store_close(&s);
	if (bad) {
		fprintf(stderr, "tug: system check: %d problem%s found\n", bad, bad == 1 ? "" : "s");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int cmd_df(void)
{
	struct image_store s;
	struct tug_err err;
	_cleanup_json_ cJSON *refs = NULL;
	const cJSON *it;
	uint64_t total = 0;
	unsigned n = 0;
	char size[32];

	if (open_store(&s, &err) < 0 || refs_read(&s, &refs, &err) < 0)
		return fail(&err);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "images")) {
		struct image img;

		if (image_read(&s, it->string, &img, &err) < 0)
			continue;
		total += image_size(&s, &img);
		n++;
		image_free(&img);
	}
	human_size(total, size, sizeof(size));
	printf("%-15s %-7s %s\n%-15s %-7u %s\n", "TYPE", "TOTAL", "SIZE", "Images", n, size);
	image_store_close(&s);
	return EXIT_OK;
}

/* tug image mount [--readonly] [--tmpfs] [--upper D --work W] IMAGE TARGET */
static int cmd_mount(int argc, char **argv)
{
	struct rootfs_opts o = { 0 };
	struct image_store s;
	struct tug_err err;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--readonly"))
			o.readonly = true;
		else if (!strcmp(argv[i], "--tmpfs") && i + 1 < argc)
			o.tmpfs_upper = true, o.upper = argv[++i];
		else if (!strcmp(argv[i], "--upper") && i + 1 < argc)
			o.upper = argv[++i];
		else if (!strcmp(argv[i], "--work") && i + 1 < argc)
			o.work = argv[++i];
		else
			break;
	}
	if (argc - i != 2 || (!o.readonly && !o.tmpfs_upper && (!o.upper || !o.work))) {
		fprintf(stderr, "Usage: tug image mount (--readonly | --tmpfs DIR | --upper DIR "
				"--work DIR) IMAGE TARGET\n");
		return EXIT_USAGE;
	}
	if (open_store(&s, &err) < 0 || image_rootfs_mount(&s, argv[i], &o, argv[i + 1], &err) < 0)
		return fail(&err);
	image_store_close(&s);
	return EXIT_OK;
}

int image_cmd_image(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
		return cmd_images(argc - 1, argv + 1);
	if (!strcmp(sub, "inspect"))
		return cmd_inspect(argc - 1, argv + 1);
	if (!strcmp(sub, "rm"))
		return cmd_rmi(argc - 1, argv + 1);
	if (!strcmp(sub, "tag"))
		return image_cmd_tag(argc - 1, argv + 1);
	if (!strcmp(sub, "prune"))
		return cmd_prune("image", argc - 1, argv + 1);
	if (!strcmp(sub, "mount"))
		return cmd_mount(argc - 1, argv + 1);
	if (!strcmp(sub, "load") || !strcmp(sub, "save")) {
		if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
			fprintf(stderr, "tug: image %s: not supported by this build "
					"(CONFIG_IMAGE_ARCHIVE)\n", sub);
			return EXIT_RUNTIME;
		}
		return !strcmp(sub, "load") ? image_cmd_load(argc - 1, argv + 1)
					    : image_cmd_save(argc - 1, argv + 1);
	}
	fprintf(stderr, "Usage: tug image COMMAND\n\nCommands:\n"
			"  ls       List images\n  inspect  Show image details (JSON)\n"
			"  rm       Remove images\n  tag      Give an image another name\n"
			"  prune    Remove untagged (-a: all unused) images and unused data\n"
			"  mount    Assemble an image's rootfs (overlayfs) at a directory\n"
			"  load     Load images from an archive\n  save     Save images to an archive\n");
	return sub[0] && strcmp(sub, "--help") ? EXIT_USAGE : EXIT_OK;
}

int image_cmd_system(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "check"))
		return cmd_check();
	if (!strcmp(sub, "prune"))
		return cmd_prune("system", argc - 1, argv + 1);
	if (!strcmp(sub, "df")) {
		/* The daemon's view (containers, volumes too); without one, the store's. */
		int rc = IS_ENABLED(CONFIG_CLI) ? client_cmd_system_df(argc - 1, argv + 1) : -1;

		return rc >= 0 ? rc : cmd_df();
	}
	fprintf(stderr, "Usage: tug system COMMAND\n\nCommands:\n"
			"  check    Verify every blob, image and layer in the store\n"
			"  prune    Remove unused data (-a: all unused images)\n  df       Show disk usage\n");
	return sub[0] && strcmp(sub, "--help") ? EXIT_USAGE : EXIT_OK;
}
