/* Pieces of the registry client shared between its files. */
#ifndef TUG_REGISTRY_INTERNAL_H
#define TUG_REGISTRY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http/buf.h"
#include "core/http/http.h"
#include "core/registry/registry.h"
#include "platform/err.h"

#define REG_DOCKER_HUB "docker.io"
#define REG_DOCKER_HUB_ENDPOINT "https://registry-1.docker.io"
#define REG_MANIFEST_MAX (4 << 20)
#define REG_MAX_LAYERS 128
#define REG_DEFAULT_PARALLEL 3

/* ---- reference.c: registry references ---- */
struct reg_ref {
	char domain[256];	/* "docker.io", "127.0.0.1:5000" */
	char repo[256];		/* "library/busybox" */
	char tag[129];		/* "" when pulled by digest only */
	char digest[72];
	char familiar[400];	/* "busybox:1" as the store names it */
};
int reg_ref_parse(const char *s, struct reg_ref *r, struct tug_err *err);
/* "docker.io" for "", "index.docker.io", "registry-1.docker.io" and URLs of those. */
void reg_normalize_server(const char *in, char *out, size_t size);

/* ---- platform.c ---- */
struct reg_platform {
	char os[32];
	char arch[32];
	char variant[16];
};
int reg_platform_parse(const char *s, struct reg_platform *p, struct tug_err *err);
void reg_platform_of_device(struct reg_platform *p);
void reg_platform_str(const struct reg_platform *p, char *out, size_t size);

/* ---- manifest.c: manifests and indexes ---- */
struct reg_descriptor {
	char media_type[128];
	char digest[72];
	int64_t size;
	struct reg_platform platform;	/* index entries */
	bool has_urls;			/* foreign layer */
};
enum reg_manifest_kind { REG_MANIFEST_IMAGE, REG_MANIFEST_INDEX };
struct reg_manifest {
	enum reg_manifest_kind kind;
	char media_type[128];
	struct reg_descriptor config;
	struct reg_descriptor *items;	/* layers or index entries */
	size_t nitems;
};
/* content_type from the response, may be NULL: the body's mediaType decides then. */
int reg_manifest_parse(const char *body, size_t len, const char *content_type,
		       struct reg_manifest *m, struct tug_err *err);
void reg_manifest_free(struct reg_manifest *m);
/* Index entry that fits want best, or -1 with the list of what there is. */
int reg_index_select(const struct reg_manifest *idx, const struct reg_platform *want,
		     struct tug_err *err);
extern const char reg_manifest_accept[];

/* ---- auth.c ---- */
struct reg_challenge {
	char scheme[16];	/* "Bearer" or "Basic" */
	char realm[512];
	char service[256];
	char scope[512];
	char error[64];
};
int reg_challenge_parse(const char *header, struct reg_challenge *c);
void reg_base64(const char *in, size_t len, char *out, size_t size);
int reg_base64_decode(const char *in, char *out, size_t size);

/* ---- httpmsg.c: URLs and response heads ---- */
struct reg_url {
	bool https;
	char host[256];		/* as written, "[::1]" kept */
	char port[8];
	char target[2048];	/* path?query */
};
int reg_url_parse(const char *s, struct reg_url *u, struct tug_err *err);
/* Resolve a Location against base (absolute, or "/path"). */
int reg_url_resolve(const struct reg_url *base, const char *loc, struct reg_url *out,
		    struct tug_err *err);
void reg_url_str(const struct reg_url *u, char *out, size_t size);
/* host or host:port as certs.d and credentials name it. */
void reg_url_hostport(const struct reg_url *u, char *out, size_t size);

struct reg_resp {
	int status;
	char *head;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	int64_t length;		/* -1 when absent */
	bool chunked;
	bool close;		/* Connection: close or HTTP/1.0 */
	struct http_body body;
	bool body_done;
	struct reg_url url;	/* where the answer came from (after redirects) */
};
/* Head at buf[0..len): bytes of the head, 0 when incomplete, -1 when malformed. */
long reg_resp_parse(const char *buf, size_t len, struct reg_resp *r);
const char *reg_resp_header(const struct reg_resp *r, const char *name);
void reg_resp_free(struct reg_resp *r);
/* "bytes a-b/total" (total may be "*": -1). */
int reg_content_range_parse(const char *v, uint64_t *start, uint64_t *end, int64_t *total);

/* ---- client.c: connections and requests ---- */
struct reg_conn {
	int fd;
	struct tls_conn *tls;
	char key[300];		/* "https://host:port" it is connected to */
	struct buf in;
};
struct reg_client {
	struct reg_conn conn;	/* one kept-alive connection */
	int timeout_ms;
};
struct reg_req {
	const char *method;
	const char *url;
	const char *headers;	/* extra "Name: value\r\n" lines */
	const char *authorization;	/* dropped on a redirect to another host */
	const void *body;
	size_t body_len;
	int body_fd;		/* >= 0: stream body_len bytes from it instead */
	bool no_redirect;
};
void reg_client_init(struct reg_client *c, int timeout_ms);
void reg_client_close(struct reg_client *c);
void reg_client_drop(struct reg_client *c);
int reg_do(struct reg_client *c, const struct reg_req *rq, struct reg_resp *rs,
	   struct tug_err *err);
typedef int (*reg_sink_fn)(void *ctx, const char *data, size_t len, struct tug_err *err);
/* Stream the body to sink; 0 at its end, -1 on error (network: err->code). */
int reg_read_body(struct reg_client *c, struct reg_resp *rs, reg_sink_fn sink, void *ctx,
		  struct tug_err *err);
/* Whole body into out (NUL-terminated), at most max bytes. */
int reg_read_all(struct reg_client *c, struct reg_resp *rs, size_t max, struct buf *out,
		 struct tug_err *err);
int reg_discard(struct reg_client *c, struct reg_resp *rs, struct tug_err *err);

/* ---- config.c: registries.json and credentials ---- */
/* Endpoints for a domain, mirrors first: "https://host:port" each. */
int reg_endpoints(const char *domain, bool insecure, char (*out)[300], size_t max,
		  struct tug_err *err);
bool reg_insecure(const char *domain);
int reg_creds_get(const char *server, char *user, size_t usize, char *pass, size_t psize);
int reg_creds_put(const char *server, const char *user, const char *pass, struct tug_err *err);
int reg_creds_remove(const char *server, struct tug_err *err);
const char *reg_creds_path(char *out, size_t size);

/* ---- session.c: one repository on one endpoint, with auth ---- */
struct reg_session {
	struct reg_client http;
	char base[300];		/* "https://host:port" */
	char domain[256];
	char repo[256];
	const char *actions;	/* "pull" or "pull,push" */
	char authz[4096];	/* Authorization value, "" when none */
	char user[256];
	char pass[1024];
	const char *token;	/* a ready bearer token given by the caller */
	bool have_creds;
	bool tried_auth;
	const struct registry_opts *opts;
};
int reg_session_open(struct reg_session *s, const char *base, const char *domain,
		     const char *repo, const char *actions, const struct registry_opts *opts,
		     struct tug_err *err);
void reg_session_close(struct reg_session *s);
/* path is "/v2/..." or an absolute URL (upload locations). */
int reg_session_do(struct reg_session *s, const char *method, const char *path,
		   const char *headers, const void *body, size_t len, int body_fd,
		   struct reg_resp *rs, struct tug_err *err);
/* Registry error body ({"errors":[{"code","message"}]}) into err with context. */
int reg_fail_status(struct reg_session *s, struct reg_resp *rs, const char *what,
		    struct tug_err *err);

/* ---- progress.c ---- */
void reg_progress(const struct registry_opts *o, const char *digest, const char *status,
		  uint64_t cur, uint64_t total);

#endif
