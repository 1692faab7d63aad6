/*
 * Download one blob into the store: hashed as it streams in, resumed with a
 * Range request after a dropped connection (bounded retries, exponential
 * backoff), committed only when size and digest match the descriptor.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/image/store.h"
#include "core/registry/blob.h"

#define PROGRESS_STEP (512 * 1024)

struct blob_dl {
	struct blob_writer w;
	const struct reg_descriptor *d;
	const struct registry_opts *o;
	uint64_t got;
	uint64_t reported;
	bool sink_failed;
};

static int blob_sink(void *ctx, const char *data, size_t len, struct tug_err *err)
{
	struct blob_dl *b = ctx;

	if (b->got + len > (uint64_t)b->d->size) {
		b->sink_failed = true;
		return tug_err_set(err, EBADMSG,
				   "blob %s: registry sent more than the %lld bytes the manifest "
				   "gives", b->d->digest, (long long)b->d->size);
	}
	if (blob_writer_write(&b->w, data, len, err) < 0) {
		b->sink_failed = true;
		return -1;
	}
	b->got += len;
	if (b->got - b->reported >= PROGRESS_STEP || b->got == (uint64_t)b->d->size) {
		b->reported = b->got;
		reg_progress(b->o, b->d->digest, REG_ST_DOWNLOADING, b->got, (uint64_t)b->d->size);
	}
	return 0;
}

static void backoff(int attempt)
{
	long ms = 200L << (attempt < 5 ? attempt : 5);
	struct timespec ts;

	if (ms > 5000)
		ms = 5000;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static int restart(struct image_store *st, struct blob_dl *b, struct tug_err *err)
{
	blob_writer_abort(st, &b->w);
	b->got = b->reported = 0;
	return blob_writer_open(st, &b->w, err);
}

int reg_blob_fetch(struct reg_session *s, struct image_store *st, const struct reg_descriptor *d,
		   bool *downloaded, struct tug_err *err)
{
	struct blob_dl b = { .d = d, .o = s->opts };
	int max = s->opts && s->opts->max_retries > 0 ? s->opts->max_retries : 5;
	char path[600], hdr[128], digest[SHA256_DIGEST_STR_LEN];
	int attempt = 0;

	*downloaded = false;
	if (blob_exists(st, d->digest)) {
		uint64_t size = 0;

		if (blob_size(st, d->digest, &size, err) == 0 && size == (uint64_t)d->size) {
			reg_progress(s->opts, d->digest, REG_ST_EXISTS, 0, 0);
			return 0;
		}
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", s->repo, d->digest);
	if (blob_writer_open(st, &b.w, err) < 0)
		return -1;
	for (;;) {
		struct reg_resp rs;
		bool net_err = false;

		if (b.got)
			snprintf(hdr, sizeof(hdr), "Range: bytes=%llu-\r\n",
				 (unsigned long long)b.got);
		else
			hdr[0] = '\0';
		if (b.got == (uint64_t)d->size && d->size > 0)
			break;
		if (reg_session_do(s, "GET", path, hdr, NULL, 0, -1, &rs, err) < 0) {
			net_err = err->code != EACCES && err->code != ENOTSUP;
			if (!net_err)
				goto fail;
		} else if (rs.status == 200 || rs.status == 206) {
			uint64_t start = 0, end = 0;
			int64_t total = 0;

			if (rs.status == 206 &&
			    (reg_content_range_parse(reg_resp_header(&rs, "Content-Range"), &start,
						     &end, &total) < 0 ||
			     start != b.got)) {
				/* Not the part we asked for: start over. */
				reg_resp_free(&rs);
				reg_client_drop(&s->http);
				if (restart(st, &b, err) < 0)
					return -1;
				continue;
			}
			if (rs.status == 200 && b.got) {
				/* The server ignored Range: take the whole blob again. */
				if (restart(st, &b, err) < 0) {
					reg_resp_free(&rs);
					return -1;
				}
			}
			if (reg_read_body(&s->http, &rs, blob_sink, &b, err) == 0) {
				reg_resp_free(&rs);
				break;
			}
			reg_resp_free(&rs);
			if (b.sink_failed)
				goto fail;
			net_err = true;
		} else if (rs.status >= 500 || rs.status == 429) {
			tug_err_set(err, EAGAIN, "HTTP %d", rs.status);
			reg_discard(&s->http, &rs, err);
			reg_resp_free(&rs);
			net_err = true;
		} else {
			reg_fail_status(s, &rs, "fetch blob", err);
			reg_resp_free(&rs);
			goto fail;
		}
		if (net_err) {
			if (++attempt > max) {
				tug_err_wrap(err, "gave up after %d retries", max);
				goto fail;
			}
			reg_progress(s->opts, d->digest, REG_ST_RETRYING, b.got, (uint64_t)d->size);
			reg_client_drop(&s->http);
			backoff(attempt - 1);
		}
	}
	if (b.got != (uint64_t)d->size) {
		tug_err_set(err, EBADMSG, "size mismatch: got %llu bytes, manifest gives %lld",
			    (unsigned long long)b.got, (long long)d->size);
		goto fail;
	}
	reg_progress(s->opts, d->digest, REG_ST_VERIFYING, 0, 0);
	if (blob_writer_commit(st, &b.w, d->digest, digest, NULL, err) < 0) {
		if (err->code == EBADMSG)
			tug_err_set(err, EBADMSG, "digest mismatch: content is %s, expected %s",
				    digest, d->digest);
		return tug_err_wrap(err, "blob %.19s", d->digest);
	}
	*downloaded = true;
	reg_progress(s->opts, d->digest, REG_ST_DOWNLOADED, 0, 0);
	return 0;
fail:
	blob_writer_abort(st, &b.w);
	return tug_err_wrap(err, "blob %.19s", d->digest);
}
