/*
 * tug push: every blob the registry lacks (checked with HEAD, mounted from
 * another repository of the same registry when the image has a name there,
 * else uploaded monolithically, or in PATCH chunks when TUG_PUSH_CHUNK_SIZE
 * is set), then the manifest, byte for byte as stored so its digest holds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/image/image.h"
#include "core/image/ref.h"
#include "core/image/store.h"
#include "core/registry/blob.h"
#include "core/registry/internal.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"

static int location_of(struct reg_session *s, struct reg_resp *rs, char *out, size_t size,
		       struct tug_err *err)
{
	const char *loc = reg_resp_header(rs, "Location");
	struct reg_url u;

	if (!loc)
		return tug_err_set(err, EPROTO, "upload: no Location in the answer");
	if (reg_url_resolve(&rs->url, loc, &u, err) < 0)
		return -1;
	reg_url_str(&u, out, size);
	return 0;
}

static int upload_chunks(struct reg_session *s, int fd, uint64_t size, size_t chunk,
			 char *loc, size_t locsize, const char *digest, struct tug_err *err)
{
	_cleanup_free_ char *data = malloc(chunk);
	uint64_t off = 0;

	if (!data)
		return tug_err_set(err, ENOMEM, "upload");
	while (off < size) {
		size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
		char hdr[200];
		struct reg_resp rs;

		if (pread(fd, data, n, (off_t)off) != (ssize_t)n)
			return tug_err_sys(err, "read blob %.19s", digest);
		snprintf(hdr, sizeof(hdr),
			 "Content-Type: application/octet-stream\r\nContent-Range: %llu-%llu\r\n",
			 (unsigned long long)off, (unsigned long long)(off + n - 1));
		if (reg_session_do(s, "PATCH", loc, hdr, data, n, -1, &rs, err) < 0)
			return -1;
		if (rs.status != 202) {
			reg_fail_status(s, &rs, "upload chunk", err);
			reg_resp_free(&rs);
			return -1;
		}
		if (location_of(s, &rs, loc, locsize, err) < 0) {
			reg_resp_free(&rs);
			return -1;
		}
		reg_discard(&s->http, &rs, err);
		reg_resp_free(&rs);
		off += n;
		reg_progress(s->opts, digest, REG_ST_PUSHING, off, size);
	}
	return 0;
}

int reg_blob_push(struct reg_session *s, struct image_store *st, const char *digest,
		  const char *mount_from, struct tug_err *err)
{
	char path[700], loc[2400], enc[100];
	struct reg_resp rs;
	_cleanup_close_ int fd = -1;
	uint64_t size;
	const char *chunk_env = getenv("TUG_PUSH_CHUNK_SIZE");
	size_t chunk = chunk_env ? (size_t)strtoull(chunk_env, NULL, 10) : 0;

	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", s->repo, digest);
	if (reg_session_do(s, "HEAD", path, NULL, NULL, 0, -1, &rs, err) < 0)
		return -1;
	reg_resp_free(&rs);
	if (rs.status == 200) {
		reg_progress(s->opts, digest, REG_ST_LAYER_EXISTS, 0, 0);
		return 0;
	}
	http_url_encode(digest, enc, sizeof(enc));
	if (mount_from)
		snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/?mount=%s&from=%s", s->repo, enc,
			 mount_from);
	else
		snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", s->repo);
	if (reg_session_do(s, "POST", path, NULL, NULL, 0, -1, &rs, err) < 0)
		return -1;
	if (rs.status == 201) {
		char msg[300];

		reg_discard(&s->http, &rs, err);
		reg_resp_free(&rs);
		snprintf(msg, sizeof(msg), REG_ST_MOUNTED " %s", mount_from);
		reg_progress(s->opts, digest, msg, 0, 0);
		return 0;
	}
	if (rs.status != 202) {
		reg_fail_status(s, &rs, "start upload", err);
		reg_resp_free(&rs);
		return -1;
	}
	if (location_of(s, &rs, loc, sizeof(loc), err) < 0) {
		reg_resp_free(&rs);
		return -1;
	}
	reg_discard(&s->http, &rs, err);
	reg_resp_free(&rs);
	fd = blob_open(st, digest, err);
	if (fd < 0 || blob_size(st, digest, &size, err) < 0)
		return -1;
	reg_progress(s->opts, digest, REG_ST_PUSHING, 0, size);
	if (chunk && size > chunk) {
		if (upload_chunks(s, fd, size, chunk, loc, sizeof(loc), digest, err) < 0)
			return -1;
		snprintf(loc + strlen(loc), sizeof(loc) - strlen(loc), "%sdigest=%s",
			 strchr(loc, '?') ? "&" : "?", enc);
		if (reg_session_do(s, "PUT", loc, NULL, NULL, 0, -1, &rs, err) < 0)
			return -1;
	} else {
		snprintf(loc + strlen(loc), sizeof(loc) - strlen(loc), "%sdigest=%s",
			 strchr(loc, '?') ? "&" : "?", enc);
		if (reg_session_do(s, "PUT", loc, "Content-Type: application/octet-stream\r\n",
				   NULL, (size_t)size, fd, &rs, err) < 0)
			return -1;
	}
	if (rs.status != 201) {
		reg_fail_status(s, &rs, "finish upload", err);
		reg_resp_free(&rs);
		return -1;
	}
	reg_discard(&s->http, &rs, err);
	reg_resp_free(&rs);
	reg_progress(s->opts, digest, REG_ST_PUSHED, size, size);
	return 0;
}

/* Another repository of the same registry holding this image, to mount from. */
static void find_mount_source(const cJSON *refs, const char *manifest, const struct reg_ref *r,
			      char *out, size_t size)
{
	const cJSON *it;

	out[0] = '\0';
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(refs, "tags")) {
		struct reg_ref o;
		struct tug_err ignore;

		if (strcmp(cJSON_GetStringValue(it) ?: "", manifest) ||
		    reg_ref_parse(it->string, &o, &ignore) < 0)
			continue;
		if (!strcmp(o.domain, r->domain) && strcmp(o.repo, r->repo)) {
			snprintf(out, size, "%s", o.repo);
			return;
		}
	}
}

int registry_push(const char *ref, const struct registry_opts *opts, struct registry_result *res,
		  struct tug_err *err)
{
	struct reg_ref r;
	struct image_store st;
	struct reg_session s;
	struct image img = { 0 };
	cJSON *refs = NULL;
	char manifest[SHA256_DIGEST_STR_LEN], mount[256], endpoint[1][300], path[700], bp[128];
	char hdr[300];
	_cleanup_free_ char *body = NULL;
	const char *mt = NULL;
	size_t len;
	struct reg_resp rs;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (reg_ref_parse(ref, &r, err) < 0)
		return -1;
	if (!r.tag[0])
		return tug_err_set(err, EINVAL, "push %s: a tag is needed", ref);
	if (image_store_open(&st, err) < 0)
		return -1;
	if (refs_read(&st, &refs, err) < 0 || image_resolve(&st, refs, ref, manifest, err) < 0 ||
	    image_read(&st, manifest, &img, err) < 0) {
		cJSON_Delete(refs);
		image_store_close(&st);
		return tug_err_wrap(err, "push %s", ref);
	}
	find_mount_source(refs, manifest, &r, mount, sizeof(mount));
	cJSON_Delete(refs);
	/* Mirrors are for pulls: push goes to the registry itself. */
	if (reg_insecure(r.domain) || (opts && opts->insecure))
		snprintf(endpoint[0], sizeof(endpoint[0]), "http://%s", r.domain);
	else if (!strcmp(r.domain, REG_DOCKER_HUB))
		snprintf(endpoint[0], sizeof(endpoint[0]), REG_DOCKER_HUB_ENDPOINT);
	else
		snprintf(endpoint[0], sizeof(endpoint[0]), "https://%s", r.domain);
	reg_session_open(&s, endpoint[0], r.domain, r.repo, "pull,push", opts, err);
	for (size_t i = 0; i <= img.nlayers; i++) {
		const char *d = i < img.nlayers ? img.layer_blobs[i] : img.config_digest;

		reg_progress(opts, d, REG_ST_PREPARING, 0, 0);
		if (reg_blob_push(&s, &st, d, mount[0] ? mount : NULL, err) < 0) {
			tug_err_wrap(err, "blob %.19s", d);
			goto out;
		}
	}
	blob_path(manifest, bp, sizeof(bp));
	if (read_file(st.dirfd, bp, REG_MANIFEST_MAX, &body, &len, err) < 0)
		goto out;
	json_get_str(img.manifest, "mediaType", &mt, err);
	snprintf(hdr, sizeof(hdr), "Content-Type: %s\r\n", mt ? mt : MEDIA_OCI_MANIFEST);
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", r.repo, r.tag);
	if (reg_session_do(&s, "PUT", path, hdr, body, len, -1, &rs, err) < 0)
		goto out;
	if (rs.status != 201) {
		reg_fail_status(&s, &rs, "put manifest", err);
		reg_resp_free(&rs);
		goto out;
	}
	reg_discard(&s.http, &rs, err);
	reg_resp_free(&rs);
	snprintf(res->name, sizeof(res->name), "%s", r.familiar);
	snprintf(res->manifest_digest, sizeof(res->manifest_digest), "%s", manifest);
	snprintf(res->repo_digest, sizeof(res->repo_digest), "%s", manifest);
	snprintf(res->config_digest, sizeof(res->config_digest), "%s", img.config_digest);
	res->fresh = true;
	rc = 0;
out:
	reg_session_close(&s);
	image_free(&img);
	image_store_close(&st);
	if (rc < 0)
		tug_err_wrap(err, "push %s", ref);
	return rc;
}

static int check_login(const char *server, const char *username, const char *password,
		       const struct registry_opts *opts, bool store, struct tug_err *err)
{
	struct registry_auth auth = { .username = username, .password = password };
	struct registry_opts o = { 0 };
	struct reg_session s;
	struct reg_resp rs;
	char name[256], base[300];
	int rc = -1;

	if (opts)
		o = *opts;
	o.auth = &auth;
	reg_normalize_server(server, name, sizeof(name));
	if (!strcmp(name, REG_DOCKER_HUB))
		snprintf(base, sizeof(base), REG_DOCKER_HUB_ENDPOINT);
	else
		snprintf(base, sizeof(base), "%s://%s",
			 o.insecure || reg_insecure(name) ? "http" : "https", name);
	reg_session_open(&s, base, name, NULL, "", &o, err);
	if (reg_session_do(&s, "GET", "/v2/", NULL, NULL, 0, -1, &rs, err) < 0)
		goto out;
	if (rs.status != 200) {
		reg_fail_status(&s, &rs, "login", err);
		reg_resp_free(&rs);
		goto out;
	}
	reg_discard(&s.http, &rs, err);
	reg_resp_free(&rs);
	rc = store ? reg_creds_put(name, username, password, err) : 0;
out:
	reg_session_close(&s);
	if (rc < 0)
		tug_err_wrap(err, "login %s", name);
	return rc;
}

int registry_login(const char *server, const char *username, const char *password,
		   const struct registry_opts *opts, struct tug_err *err)
{
	return check_login(server, username, password, opts, true, err);
}

int registry_check_login(const char *server, const char *username, const char *password,
			 const struct registry_opts *opts, struct tug_err *err)
{
	return check_login(server, username, password, opts, false, err);
}

int registry_logout(const char *server, struct tug_err *err)
{
	char name[256];

	reg_normalize_server(server, name, sizeof(name));
	return reg_creds_remove(name, err);
}
