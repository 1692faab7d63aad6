/*
 * Download one blob into the store: hashed as it streams in, resumed with a
 * Range request after a dropped connection (bounded retries, exponential
 * backoff), committed only when size and digest match the descriptor.
 * A layer blob is hashed instead in the pass that unpacks it from the spool
 * (reg_blob_fetch_check): its digest and its diff ID in one read, the two
 * SHA-256 streams interleaved (sha256_update2).
 *
 * The bytes spool into partial/<hex> (held with flock while written), which
 * an interrupted pull leaves behind: a pull killed or rebooted midway
 * resumes there with a Range request instead of starting the blob again.
 * partial/ is no part of the store's state (nothing refers to it); its
 * bytes are trusted only once the whole blob hashes to its digest, and a
 * resumed blob that does not is fetched again from its first byte.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/image/gc.h"
#include "core/image/ref.h"
#include "core/image/store.h"
#include "core/registry/blob.h"

#define PROGRESS_STEP (512 * 1024)
#define PARTIAL_MAX_AGE (7 * 24 * 3600)	/* a pull nobody retried for a week */

struct blob_dl {
	struct blob_writer w;
	const struct reg_descriptor *d;
	const struct registry_opts *o;
	uint64_t got;
	uint64_t reported;
	bool sink_failed;
	bool partial;		/* w spools into partial/<hex> */
	bool defer;		/* hashed after the download, by the check (w.no_hash) */
	uint64_t resumed;	/* bytes found there when the pull started */
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

/* A spool in tmp/ (no resume). */
static int spool_private(struct image_store *st, struct blob_dl *b, struct tug_err *err)
{
	int rc = blob_writer_open(st, &b->w, err);

	b->w.no_hash = b->defer;
	return rc;
}

/*
 * partial/<hex> of an earlier, interrupted pull: hash what it holds (or
 * leave that to the check, b->defer) and go on from there. Another pull
 * writing the same blob holds the lock: then this one spools privately in
 * tmp/ (no resume), as does a store without room.
 */
static int spool_open(struct image_store *st, struct blob_dl *b, struct tug_err *err)
{
	const char *digest = b->d->digest;
	char data[65536];
	struct stat sb;
	ssize_t n;
	int fd;

	memset(&b->w, 0, sizeof(b->w));
	b->partial = false;
	b->resumed = 0;
	if (!digest_valid(digest) || strncmp(digest, "sha256:", 7) ||
	    (mkdirat(st->dirfd, "partial", 0700) < 0 && errno != EEXIST))
		return spool_private(st, b, err);
	snprintf(b->w.tmp, sizeof(b->w.tmp), "partial/%s", digest + 7);
	for (int tries = 0;; tries++) {
		fd = openat(st->dirfd, b->w.tmp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &sb) < 0) {
			if (fd >= 0)
				close(fd);
			return spool_private(st, b, err);
		}
		/* A sweep (prune) unlinked it before letting go of the lock: a new one. */
		if (sb.st_nlink > 0)
			break;
		close(fd);
		if (tries == 2)
			return spool_private(st, b, err);
	}
	b->w.fd = fd;
	b->w.no_hash = b->defer;
	b->partial = true;
	sha256_init(&b->w.hash);
	if ((uint64_t)sb.st_size > (uint64_t)b->d->size) {
		if (ftruncate(fd, 0) < 0)
			return tug_err_sys(err, "spool blob");
		sb.st_size = 0;
	}
	if (b->defer) {
		/* The check reads the whole spool anyway: hashed there. */
		b->w.size = (uint64_t)sb.st_size;
	} else {
		while ((n = read(fd, data, sizeof(data))) > 0) {
			sha256_update(&b->w.hash, data, (size_t)n);
			b->w.size += (uint64_t)n;
		}
		if (n < 0)
			return tug_err_sys(err, "spool blob");
	}
	if (lseek(fd, (off_t)b->w.size, SEEK_SET) < 0)
		return tug_err_sys(err, "spool blob");
	b->got = b->reported = b->resumed = b->w.size;
	return 0;
}

void reg_partial_sweep(struct image_store *st)
{
	struct tug_err ignore;

	image_partial_sweep(st, PARTIAL_MAX_AGE, NULL, &ignore);
}

/* Keep partial/<hex> for the next pull (network trouble), or drop the spool. */
static void spool_close(struct image_store *st, struct blob_dl *b, bool keep)
{
	if (keep && b->partial && b->w.fd >= 0) {
		close(b->w.fd);
		b->w.fd = -1;
		return;
	}
	blob_writer_abort(st, &b->w);
}

static int restart(struct image_store *st, struct blob_dl *b, struct tug_err *err)
{
	blob_writer_abort(st, &b->w);
	b->got = b->reported = 0;
	return spool_open(st, b, err);
}

static int fetch(struct reg_session *s, struct image_store *st, const struct reg_descriptor *d,
		 reg_blob_check_fn check, void *ctx, bool *downloaded, struct tug_err *err)
{
	struct blob_dl b = { .d = d, .o = s->opts, .defer = check != NULL };
	struct tug_err cerr = { 0 };
	int crc = 0;
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
again:
	if (spool_open(st, &b, err) < 0) {
		spool_close(st, &b, false);
		return tug_err_wrap(err, "blob %.19s", d->digest);
	}
	if (b.resumed)
		reg_progress(s->opts, d->digest, REG_ST_DOWNLOADING, b.got, (uint64_t)d->size);
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
					goto fail_spool;
				continue;
			}
			if (rs.status == 200 && b.got) {
				/* The server ignored Range: take the whole blob again. */
				if (restart(st, &b, err) < 0) {
					reg_resp_free(&rs);
					goto fail_spool;
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
	if (check) {
		int fd = openat(st->dirfd, b.w.tmp, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			tug_err_sys(err, "spool blob");
			goto fail;
		}
		reg_progress(s->opts, d->digest, REG_ST_DOWNLOADED, 0, 0);
		/* Hashes every byte of the spool into b.w.hash, also when it fails. */
		crc = check(ctx, fd, &b.w.hash, &cerr);
		close(fd);
	}
	if (blob_writer_commit(st, &b.w, d->digest, digest, NULL, err) < 0) {
		if (err->code == EBADMSG && b.resumed) {
			/* The kept bytes were bad (a crash mid-write?): once more, whole. */
			b.got = b.reported = 0;
			attempt = 0;
			goto again;
		}
		if (err->code == EBADMSG)
			tug_err_set(err, EBADMSG, "digest mismatch: content is %s, expected %s",
				    digest, d->digest);
		return tug_err_wrap(err, "blob %.19s", d->digest);
	}
	*downloaded = true;
	if (check) {
		/* The blob is good: now the check's own failure is the error. */
		if (crc < 0) {
			*err = cerr;
			return -1;
		}
		return 0;
	}
	reg_progress(s->opts, d->digest, REG_ST_DOWNLOADED, 0, 0);
	return 0;
fail:
	spool_close(st, &b, !b.sink_failed);
	return tug_err_wrap(err, "blob %.19s", d->digest);
fail_spool:
	spool_close(st, &b, false);
	return tug_err_wrap(err, "blob %.19s", d->digest);
}

int reg_blob_fetch(struct reg_session *s, struct image_store *st, const struct reg_descriptor *d,
		   bool *downloaded, struct tug_err *err)
{
	return fetch(s, st, d, NULL, NULL, downloaded, err);
}

int reg_blob_fetch_check(struct reg_session *s, struct image_store *st,
			 const struct reg_descriptor *d, reg_blob_check_fn check, void *ctx,
			 bool *downloaded, struct tug_err *err)
{
	return fetch(s, st, d, check, ctx, downloaded, err);
}
