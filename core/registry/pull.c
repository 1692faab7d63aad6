/*
 * tug pull: manifest (and index) first, then config and layers into the
 * store, then the layers installed, and only then the image recorded under
 * its name: until that last atomic write nothing of the pull is visible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/image/image.h"
#include "core/image/layers.h"
#include "core/image/ref.h"
#include "core/image/store.h"
#include "core/registry/blob.h"
#include "core/registry/internal.h"
#include "platform/json.h"

struct pull {
	const struct registry_opts *o;
	struct reg_ref ref;
	struct reg_platform plat;
	struct reg_session s;
	struct image_store store;
};

static void digest_of(const void *p, size_t n, char out[SHA256_DIGEST_STR_LEN])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final_str(&c, out);
}

/* GET a manifest by tag or digest; the bytes must hash to want when given. */
static int fetch_manifest(struct pull *p, const char *reference, const char *want,
			  struct buf *body, struct reg_manifest *m,
			  char digest[SHA256_DIGEST_STR_LEN], struct tug_err *err)
{
	struct reg_resp rs;
	char path[600], ct[128];
	const char *h;

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", p->ref.repo, reference);
	if (reg_session_do(&p->s, "GET", path, reg_manifest_accept, NULL, 0, -1, &rs, err) < 0)
		return tug_err_wrap(err, "manifest %s", reference);
	if (rs.status != 200) {
		char what[700];

		snprintf(what, sizeof(what), "manifest for %s/%s:%s", p->ref.domain, p->ref.repo,
			 reference);
		reg_fail_status(&p->s, &rs, what, err);
		if (rs.status >= 500 || rs.status == 429)
			err->code = EAGAIN;
		if (rs.status == 404)
			tug_err_set(err, ENOENT, "manifest for %s not found: manifest unknown",
				    p->ref.familiar);
		reg_resp_free(&rs);
		return -1;
	}
	h = reg_resp_header(&rs, "Content-Type");
	snprintf(ct, sizeof(ct), "%s", h ? h : "");
	body->len = body->off = 0;
	if (reg_read_all(&p->s.http, &rs, REG_MANIFEST_MAX, body, err) < 0) {
		reg_resp_free(&rs);
		return tug_err_wrap(err, "manifest %s", reference);
	}
	digest_of(buf_head(body), buf_size(body), digest);
	h = reg_resp_header(&rs, "Docker-Content-Digest");
	if (want && strcmp(want, digest)) {
		reg_resp_free(&rs);
		return tug_err_set(err, EBADMSG, "manifest %s: digest mismatch: content is %s",
				   want, digest);
	}
	if (h && !strncmp(h, "sha256:", 7) && strcmp(h, digest)) {
		tug_err_set(err, EBADMSG,
			    "manifest %s: digest mismatch: content is %s, registry says %s",
			    reference, digest, h);
		reg_resp_free(&rs);
		return -1;
	}
	reg_resp_free(&rs);
	if (reg_manifest_parse(buf_head(body), buf_size(body), ct, m, err) < 0)
		return tug_err_wrap(err, "%s", p->ref.familiar);
	return 0;
}

/* Dropped connections and busy registries are worth another try. */
static bool transient(int code)
{
	return code == ECONNRESET || code == ETIMEDOUT || code == ECONNREFUSED || code == EPIPE ||
	       code == EAGAIN || code == ECONNABORTED || code == EHOSTUNREACH;
}

static int fetch_manifest_retry(struct pull *p, const char *reference, const char *want,
				struct buf *body, struct reg_manifest *m,
				char digest[SHA256_DIGEST_STR_LEN], struct tug_err *err)
{
	int max = p->o->max_retries > 0 ? p->o->max_retries : 5;

	for (int attempt = 0;; attempt++) {
		struct timespec ts = { 0, (200L << (attempt < 4 ? attempt : 4)) * 1000000L };

		if (fetch_manifest(p, reference, want, body, m, digest, err) == 0)
			return 0;
		if (!transient(err->code) || attempt >= max)
			return -1;
		reg_client_drop(&p->s.http);
		nanosleep(&ts, NULL);
	}
}

static bool layer_type_ok(const struct reg_descriptor *d, struct tug_err *err)
{
	static const char *const ok[] = { MEDIA_DOCKER_LAYER_GZIP, MEDIA_OCI_LAYER,
					  MEDIA_OCI_LAYER_GZIP, MEDIA_TUG_SQUASHFS, "" };

	if (d->has_urls) {
		tug_err_set(err, ENOTSUP, "layer %.19s: foreign layers (urls) are not supported",
			    d->digest);
		return false;
	}
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(d->media_type, ok[i]))
			return true;
	tug_err_set(err, ENOTSUP, "layer %.19s: media type '%s' is not supported", d->digest,
		    d->media_type);
	return false;
}

static bool already_tagged(struct image_store *st, const char *name, const char *digest)
{
	cJSON *refs = NULL;
	struct tug_err ignore;
	bool same;

	if (refs_read(st, &refs, &ignore) < 0)
		return false;
	same = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(
			       cJSON_GetObjectItem(refs, "tags"), name)) ?: "",
		       digest);
	cJSON_Delete(refs);
	return same;
}

/*
 * The layers the download children did not unpack (one layer, -j 1) are
 * unpacked here, then one syncfs makes all of them durable and only then
 * is each marked complete and renamed into layers/, and after that the
 * image is recorded. So the order a crash can see is the one a syncfs per
 * layer gave: no layer marked complete before its files are on disk, no
 * image ref before its layers are complete (and blobs are fsynced before
 * their rename, see blob_writer_commit). One sync instead of one per
 * layer: syncfs writes back everything dirty on the filesystem, other
 * programs' data too, and each call in a download child held that child's
 * slot while it waited.
 */
static int install_layers(struct pull *p, const struct image *img, char (*tmps)[LAYER_TMP_MAX],
			  struct tug_err *err)
{
	bool any = false;

	for (size_t i = 0; i < img->nlayers; i++) {
		if (tmps[i][0]) {
			any = true;
			continue;
		}
		if (layer_complete(&p->store, img->chain_ids[i]))
			continue;
		reg_progress(p->o, img->layer_blobs[i], REG_ST_EXTRACTING, 0, 0);
		if (layer_unpack(&p->store, img->layer_blobs[i], img->diff_ids[i], getpid(),
				 tmps[i], err) < 0)
			return tug_err_wrap(err, "layer %.19s", img->layer_blobs[i]);
		reg_progress(p->o, img->layer_blobs[i], REG_ST_PULL_COMPLETE, 0, 0);
		any = true;
	}
	if (!any)
		return 0;
	if (syncfs(p->store.dirfd) < 0)
		return tug_err_sys(err, "sync layers");
	for (size_t i = 0; i < img->nlayers; i++)
		if (tmps[i][0] && layer_commit(&p->store, tmps[i], img->chain_ids[i], err) < 0)
			return -1;
	return 0;
}

static int pull_image(struct pull *p, const struct reg_manifest *m, const char *manifest_digest,
		      struct buf *manifest_body, struct registry_result *res,
		      struct tug_err *err)
{
	struct image img;
	bool fresh = false, dl;
	char stored[SHA256_DIGEST_STR_LEN];
	char (*tmps)[LAYER_TMP_MAX];

	for (size_t i = 0; i < m->nitems; i++) {
		if (!layer_type_ok(&m->items[i], err))
			return -1;
		if (!blob_exists(&p->store, m->items[i].digest))
			reg_progress(p->o, m->items[i].digest, REG_ST_PULLING_LAYER, 0, 0);
	}
	/* The config first (small; Docker shows no progress for it). */
	{
		struct registry_opts quiet = *p->o;
		int rc;

		quiet.progress = NULL;
		p->s.opts = &quiet;
		rc = reg_blob_fetch(&p->s, &p->store, &m->config, &dl, err);
		p->s.opts = p->o;
		if (rc < 0)
			return tug_err_wrap(err, "config");
	}
	fresh |= dl;
	/*
	 * The manifest blob goes in first (unreferenced until the image is
	 * recorded) so the layers' diff IDs are known and each download
	 * child can unpack its layer as soon as it is verified.
	 */
	if (blob_put(&p->store, buf_head(manifest_body), buf_size(manifest_body), stored, err) < 0)
		return tug_err_wrap(err, "store manifest");
	if (strcmp(stored, manifest_digest))
		return tug_err_set(err, EBADMSG, "manifest changed while stored");
	if (image_read(&p->store, manifest_digest, &img, err) < 0)
		return -1;
	if (img.nlayers != m->nitems) {
		image_free(&img);
		return tug_err_set(err, EBADMSG, "manifest: %zu layers, image has %zu", m->nitems,
				   img.nlayers);
	}
	for (size_t i = 0; i < m->nitems; i++)
		if (strcmp(img.layer_blobs[i], m->items[i].digest)) {
			image_free(&img);
			return tug_err_set(err, EBADMSG, "manifest: layer %zu differs", i);
		}
	tmps = calloc(img.nlayers ? img.nlayers : 1, sizeof(*tmps));
	if (!tmps) {
		image_free(&img);
		return tug_err_set(err, ENOMEM, "pull");
	}
	if (reg_blobs_fetch(&p->s, &p->store, m->items, m->nitems,
			    p->o->parallel > 0 ? p->o->parallel : REG_DEFAULT_PARALLEL, &img, tmps,
			    &fresh, err) < 0 ||
	    install_layers(p, &img, tmps, err) < 0) {
		for (size_t i = 0; i < img.nlayers; i++)
			layer_unpack_abort(&p->store, tmps[i]);
		free(tmps);
		image_free(&img);
		return -1;
	}
	free(tmps);
	snprintf(res->config_digest, sizeof(res->config_digest), "%s", img.config_digest);
	image_free(&img);
	snprintf(res->manifest_digest, sizeof(res->manifest_digest), "%s", manifest_digest);
	snprintf(res->name, sizeof(res->name), "%s", p->ref.familiar);
	if (p->ref.tag[0] && !already_tagged(&p->store, p->ref.familiar, manifest_digest))
		fresh = true;
	res->fresh = fresh;
	{
		const char *tags[1] = { p->ref.familiar };

		if (image_register(&p->store, manifest_digest, res->config_digest, tags,
				   p->ref.tag[0] ? 1 : 0, err) < 0)
			return tug_err_wrap(err, "record %s", p->ref.familiar);
	}
	return 0;
}

static int pull_from(struct pull *p, const char *base, struct registry_result *res,
		     struct tug_err *err)
{
	struct buf body = { 0 };
	struct reg_manifest m = { 0 };
	char digest[SHA256_DIGEST_STR_LEN];
	const char *reference = p->ref.digest[0] ? p->ref.digest : p->ref.tag;
	int rc = -1;

	if (reg_session_open(&p->s, base, p->ref.domain, p->ref.repo, "pull", p->o, err) < 0)
		return -1;
	if (fetch_manifest_retry(p, reference, p->ref.digest[0] ? p->ref.digest : NULL, &body, &m,
				 digest, err) < 0)
		goto out;
	snprintf(res->repo_digest, sizeof(res->repo_digest), "%s", digest);
	if (m.kind == REG_MANIFEST_INDEX) {
		int i = reg_index_select(&m, &p->plat, err);
		char want[SHA256_DIGEST_STR_LEN];

		if (i < 0) {
			tug_err_wrap(err, "%s", p->ref.familiar);
			goto out;
		}
		snprintf(want, sizeof(want), "%s", m.items[i].digest);
		reg_manifest_free(&m);
		if (fetch_manifest_retry(p, want, want, &body, &m, digest, err) < 0)
			goto out;
		if (m.kind != REG_MANIFEST_IMAGE) {
			tug_err_set(err, EINVAL, "%s: an index inside an index", p->ref.familiar);
			goto out;
		}
	}
	rc = pull_image(p, &m, digest, &body, res, err);
out:
	reg_manifest_free(&m);
	buf_free(&body);
	reg_session_close(&p->s);
	return rc;
}

int registry_pull(const char *ref, const struct registry_opts *opts, struct registry_result *res,
		  struct tug_err *err)
{
	static const struct registry_opts defaults;
	struct pull p = { .o = opts ? opts : &defaults };
	char endpoints[8][300];
	int n, rc = -1;

	memset(res, 0, sizeof(*res));
	opts = p.o;
	if (reg_ref_parse(ref, &p.ref, err) < 0)
		return -1;
	if (opts && opts->platform && *opts->platform) {
		if (reg_platform_parse(opts->platform, &p.plat, err) < 0)
			return -1;
	} else {
		reg_platform_of_device(&p.plat);
	}
	n = reg_endpoints(p.ref.domain, opts && opts->insecure, endpoints, 8, err);
	if (n < 0)
		return -1;
	if (image_store_open(&p.store, err) < 0)
		return -1;
	reg_partial_sweep(&p.store);
	for (int i = 0; i < n; i++) {
		rc = pull_from(&p, endpoints[i], res, err);
		/* A mirror that fails hands over to the next, the origin last. */
		if (rc == 0 || i == n - 1)
			break;
		{
			char msg[1200];

			snprintf(msg, sizeof(msg), "mirror %s failed (%s), trying the next",
				 endpoints[i], err->msg);
			reg_progress(opts, NULL, msg, 0, 0);
		}
	}
	image_store_close(&p.store);
	if (rc < 0)
		return tug_err_wrap(err, "pull %s", ref);
	return 0;
}
