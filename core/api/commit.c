/*
 * docker commit: POST /commit?container=&repo=&tag=&comment=&author=
 * &pause=&changes= (changes repeated, one Dockerfile-like line each). The
 * container's upper dir becomes one more layer over its image's (overlay
 * whiteouts as ".wh." entries), its config (with the body's and the
 * changes over it) the new image's; core/image/commit.c stores both as
 * load does: blobs and the layer durable before refs.json names the image.
 * Written in the loop, like image save. A running container is frozen
 * meanwhile (pause, on by default as in dockerd) when its cgroup can be:
 * without a freezer (no cgroup v2 tree) what it writes meanwhile may or
 * may not be in the layer.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/api/api.h"
#include "core/image/commit.h"
#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/image/store.h"
#include "core/oci/state.h"
#include "platform/archive.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/json.h"
#include "platform/layer_tar.h"

/* Every "changes" value of the query, applied in order. */
static int apply_changes(const char *query, cJSON *cfg, struct tug_err *err)
{
	const char *p = query;

	while (p && *p) {
		size_t len = strcspn(p, "&");

		if (len > 8 && !strncmp(p, "changes=", 8)) {
			_cleanup_free_ char *v = malloc(len - 8 + 1);
			size_t n;
			char *line, *save = NULL;

			if (!v)
				return tug_err_set(err, ENOMEM, "changes");
			n = http_url_decode(p + 8, len - 8, v, true);
			v[n] = '\0';
			/* One value may hold several lines (older clients join them). */
			for (line = strtok_r(v, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				if (*line && image_commit_change(cfg, line, err) < 0)
					return -1;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

/* The container's upper dir as a layer tar in an unlinked file of the store's tmp/. */
static int layer_of(struct daemon *d, struct container *ctr, struct image_store *s,
		    struct tug_err *err)
{
	static const char *const skip[] = { "etc/hosts", "etc/hostname", "etc/resolv.conf", NULL };
	char tmpl[700], dir[600], upper[700];
	_cleanup_close_ int fd = -1, ufd = -1;
	struct archive *a;
	int rc = 0;

	snprintf(tmpl, sizeof(tmpl), "%s/tmp/commit-XXXXXX", s->root);
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		return tug_err_sys(err, "commit: temp file");
	unlink(tmpl);
	snprintf(upper, sizeof(upper), "%s/upper", ctr_dir(d, ctr, dir, sizeof(dir)));
	ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0 && errno != ENOENT)
		return tug_err_sys(err, "open %s", upper);
	a = tar_writer_open_fd(fd, err);
	if (!a)
		return -1;
	/* No upper (a read-only root): an empty layer, as dockerd makes. */
	if (ufd >= 0)
		rc = tar_writer_add_upper(a, ufd, skip, err);
	if (rc) {
		struct tug_err ignore;

		tar_writer_close(a, &ignore);
		return -1;
	}
	if (tar_writer_close(a, err) < 0)
		return -1;
	return take_fd(fd);
}

/* Freeze a running container's cgroup for the commit; its path in cg, or "" when not frozen. */
static void freeze(struct daemon *d, struct conn *c, struct container *ctr, char *cg, size_t size)
{
	char pause[16] = "true";
	struct oci_state st;
	struct tug_err err;

	*cg = '\0';
	http_query_get(c->req.query, "pause", pause, sizeof(pause));
	if (ctr->state != CS_RUNNING || !strcmp(pause, "0") || !strcasecmp(pause, "false"))
		return;
	if (oci_state_load(d->oci_root, ctr->id, &st, &err) < 0)
		return;
	if (st.cgroup[0] && cgroup_freeze(st.cgroup, true, &err) == 0)
		snprintf(cg, size, "%s", st.cgroup);
	oci_state_free(&st);
}

/* repo and tag -> the tag index's "name:tag" key; "" for no repo (an untagged image). */
static int tag_key_of(struct conn *c, char *key, size_t size, struct tug_err *err)
{
	char repo[256] = "", tag[130] = "", full[400];
	struct image_ref ref;

	*key = '\0';
	http_query_get(c->req.query, "repo", repo, sizeof(repo));
	http_query_get(c->req.query, "tag", tag, sizeof(tag));
	if (!*repo) {
		if (*tag)
			return tug_err_set(err, EINVAL, "tag without a repository name: %s", tag);
		return 0;
	}
	snprintf(full, sizeof(full), "%s%s%s", repo, *tag ? ":" : "", tag);
	if (image_ref_parse(full, &ref, err) < 0 || ref.digest[0])
		return tug_err_set(err, EINVAL, "invalid reference format: %s", full);
	image_ref_key(&ref, key, size);
	return 0;
}

void h_commit(struct daemon *d, struct conn *c)
{
	char ref[256] = "", key[400], comment[1024] = "", author[256] = "";
	char manifest[SHA256_DIGEST_STR_LEN], id[SHA256_DIGEST_STR_LEN], frozen[4096];
	_cleanup_json_ cJSON *body = NULL, *cfg = NULL, *refs = NULL;
	_cleanup_close_ int layer = -1;
	struct image_commit_opts o = { 0 };
	struct image_store st;
	struct image img = { 0 };
	struct container *ctr;
	struct tug_err err;
	cJSON *out;
	int rc;

	http_query_get(c->req.query, "container", ref, sizeof(ref));
	ctr = *ref ? ctr_find(d, ref) : NULL;
	if (!ctr) {
		api_no_such_container(c, ref);
		return;
	}
	if (!IS_ENABLED(CONFIG_IMAGE_ARCHIVE)) {
		api_error(c, 501, "commit: not supported by this build (CONFIG_IMAGE_ARCHIVE)");
		return;
	}
	/* The body is a config to lay over the container's; the docker CLI sends null. */
	if (buf_size(&c->body_buf)) {
		body = cJSON_ParseWithLength(buf_head(&c->body_buf), buf_size(&c->body_buf));
		if (!body || (!cJSON_IsObject(body) && !cJSON_IsNull(body))) {
			api_error(c, 400, "invalid JSON body: expected a container config or null");
			return;
		}
	}
	if (tag_key_of(c, key, sizeof(key), &err) < 0) {
		api_error(c, 400, "%s", err.msg);
		return;
	}
	http_query_get(c->req.query, "comment", comment, sizeof(comment));
	http_query_get(c->req.query, "author", author, sizeof(author));
	if (image_store_open(&st, &err) < 0) {
		api_error(c, 500, "%s", err.msg);
		return;
	}
	if (refs_read(&st, &refs, &err) < 0 ||
	    image_resolve(&st, refs, ctr->image_id, manifest, &err) < 0 ||
	    image_read(&st, manifest, &img, &err) < 0) {
		image_store_close(&st);
		api_error(c, err.code == ENOENT ? 404 : 500, "commit %s: image %s: %s", ctr->name + 1,
			  ctr->image, err.msg);
		return;
	}
	cfg = image_commit_config(cJSON_GetObjectItem(img.config, "config"), ctr->config);
	image_free(&img);
	if (cJSON_IsObject(body)) {
		cJSON *merged = image_commit_config(cfg, body);

		cJSON_Delete(cfg);
		cfg = merged;
	}
	if (apply_changes(c->req.query, cfg, &err) < 0) {
		image_store_close(&st);
		api_error(c, 400, "%s", err.msg);
		return;
	}
	freeze(d, c, ctr, frozen, sizeof(frozen));
	layer = layer_of(d, ctr, &st, &err);
	if (frozen[0]) {
		struct tug_err ignore;

		cgroup_freeze(frozen, false, &ignore);
	}
	if (layer < 0) {
		image_store_close(&st);
		api_error(c, 500, "commit %s: %s", ctr->name + 1, err.msg);
		return;
	}
	o.comment = comment;
	o.author = author;
	o.config = cfg;
	o.tag_key = *key ? key : NULL;
	rc = image_commit(&st, manifest, layer, &o, id, &err);
	image_store_close(&st);
	if (rc < 0) {
		api_error(c, 500, "commit %s: %s", ctr->name + 1, err.msg);
		return;
	}
	event_emit_ctr(d, ctr, "commit", NULL, NULL);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Id", id);
	api_reply_json(c, 201, out);
}
