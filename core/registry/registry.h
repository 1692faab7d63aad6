/*
 * tug's registry client: pull and push over the OCI distribution API
 * (registry v2), login and logout. The CLI (tug pull/push/login/logout) and
 * the daemon (POST /images/create, /images/{name}/push) call these.
 *
 * A pull fetches the manifest (Docker v2 schema 2, OCI manifest, or a
 * manifest list / OCI index from which the platform is chosen), streams each
 * blob into the image store while hashing it, resumes a broken blob with a
 * Range request, installs the layers and only then records the image: a
 * failed pull never leaves a half image visible. Verified blobs stay in the
 * store, so running the pull again downloads only what is missing.
 * Up to opts->parallel layers (default 3, like dockerd's
 * max-concurrent-downloads) download at once, each in a child process.
 */
#ifndef TUG_REGISTRY_H
#define TUG_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "platform/err.h"
#include "platform/sha256.h"

/* Docker's status strings, so the daemon can pass them on unchanged. */
#define REG_ST_PULLING_LAYER "Pulling fs layer"
#define REG_ST_WAITING "Waiting"
#define REG_ST_DOWNLOADING "Downloading"
#define REG_ST_RETRYING "Retrying"
#define REG_ST_VERIFYING "Verifying Checksum"
#define REG_ST_DOWNLOADED "Download complete"
#define REG_ST_EXTRACTING "Extracting"
#define REG_ST_PULL_COMPLETE "Pull complete"
#define REG_ST_EXISTS "Already exists"
#define REG_ST_PREPARING "Preparing"
#define REG_ST_PUSHING "Pushing"
#define REG_ST_PUSHED "Pushed"
#define REG_ST_MOUNTED "Mounted from"
#define REG_ST_LAYER_EXISTS "Layer already exists"

struct registry_progress {
	const char *id;		/* 12-hex short digest of a layer; NULL for the image */
	const char *status;	/* one of REG_ST_* or a whole message line */
	uint64_t current;	/* bytes so far (Downloading/Pushing) */
	uint64_t total;		/* 0 when unknown */
};

/*
 * One line of Docker's pull/push JSON stream for p, newline included:
 * {"status":"Downloading","progressDetail":{"current":1,"total":2},"id":"abc"}
 * Returns the length (truncated to size - 1).
 */
size_t registry_progress_json(const struct registry_progress *p, char *out, size_t size);

typedef void (*registry_progress_fn)(void *ctx, const struct registry_progress *p);

/* Credentials given with the request (the docker CLI's X-Registry-Auth). */
struct registry_auth {
	const char *username;
	const char *password;
	const char *registry_token;	/* a ready bearer token */
};

/* X-Registry-Auth (base64url JSON from the docker CLI), decoded into owned strings. */
struct registry_auth_buf {
	char username[256];
	char password[1024];
	char token[4096];		/* "registrytoken" */
	char server[256];		/* "serveraddress" */
	struct registry_auth auth;	/* points into the fields above */
};
/* Empty or "{}" headers give an anonymous auth (all fields ""). */
int registry_auth_decode(const char *header, struct registry_auth_buf *out, struct tug_err *err);

struct registry_opts {
	const char *platform;	/* "linux/arm64/v8", "arm64", ...; NULL: this device */
	bool insecure;		/* plain HTTP to this registry even if not configured */
	const struct registry_auth *auth;	/* NULL: the credentials file */
	registry_progress_fn progress;
	void *progress_ctx;
	int max_retries;	/* per blob after a dropped connection; 0: 5 */
	int timeout_ms;		/* connect and idle read timeout; 0: 30 s */
	int parallel;		/* layers downloaded at once; 0: 3, 1: one by one */
};

struct registry_result {
	char name[400];				/* "name:tag" recorded in the store */
	char manifest_digest[SHA256_DIGEST_STR_LEN];	/* of the platform's manifest */
	char repo_digest[SHA256_DIGEST_STR_LEN];	/* what the tag points at (index or manifest) */
	char config_digest[SHA256_DIGEST_STR_LEN];	/* the image ID */
	bool fresh;				/* something new was downloaded */
};

/* Pull ref ("busybox", "reg:5000/a/b:1", "x@sha256:..") into the image store. */
int registry_pull(const char *ref, const struct registry_opts *opts, struct registry_result *res,
		  struct tug_err *err);
/* Push a stored image (by the name it has in the store) to its registry. */
int registry_push(const char *ref, const struct registry_opts *opts, struct registry_result *res,
		  struct tug_err *err);
/* Check credentials against server ("reg:5000", default docker.io) and store them. */
int registry_login(const char *server, const char *username, const char *password,
		   const struct registry_opts *opts, struct tug_err *err);
/* The same check, nothing stored (the daemon's POST /auth: the docker CLI keeps them). */
int registry_check_login(const char *server, const char *username, const char *password,
			 const struct registry_opts *opts, struct tug_err *err);
/* Forget the credentials of server; ENOENT when there were none. */
int registry_logout(const char *server, struct tug_err *err);

#endif
