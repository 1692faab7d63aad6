/*
 * One repository on one registry endpoint: requests that authenticate when
 * the registry answers 401. Bearer: a token from the realm named in
 * WWW-Authenticate (anonymous, or with Basic credentials), scoped to
 * repository:<repo>:<actions>. Basic: the stored credentials on each request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/registry/internal.h"
#include "platform/json.h"

int reg_session_open(struct reg_session *s, const char *base, const char *domain,
		     const char *repo, const char *actions, const struct registry_opts *opts,
		     struct tug_err *err)
{
	char server[256];

	memset(s, 0, sizeof(*s));
	reg_client_init(&s->http, opts ? opts->timeout_ms : 0);
	snprintf(s->base, sizeof(s->base), "%s", base);
	snprintf(s->domain, sizeof(s->domain), "%s", domain);
	snprintf(s->repo, sizeof(s->repo), "%s", repo ? repo : "");
	s->actions = actions;
	s->opts = opts;
	if (opts && opts->auth && opts->auth->registry_token && *opts->auth->registry_token)
		s->token = opts->auth->registry_token;
	if (opts && opts->auth && opts->auth->username && *opts->auth->username) {
		snprintf(s->user, sizeof(s->user), "%s", opts->auth->username);
		snprintf(s->pass, sizeof(s->pass), "%s",
			 opts->auth->password ? opts->auth->password : "");
		s->have_creds = true;
	} else {
		reg_normalize_server(domain, server, sizeof(server));
		s->have_creds = reg_creds_get(server, s->user, sizeof(s->user), s->pass,
					      sizeof(s->pass)) == 0;
	}
	(void)err;
	return 0;
}

void reg_session_close(struct reg_session *s)
{
	reg_client_close(&s->http);
	memset(s->pass, 0, sizeof(s->pass));
	memset(s->authz, 0, sizeof(s->authz));
}

static void basic_value(struct reg_session *s, char *out, size_t size)
{
	char plain[1400], enc[2000];

	snprintf(plain, sizeof(plain), "%s:%s", s->user, s->pass);
	reg_base64(plain, strlen(plain), enc, sizeof(enc));
	snprintf(out, size, "Basic %s", enc);
	memset(plain, 0, sizeof(plain));
}

static int fetch_token(struct reg_session *s, const struct reg_challenge *ch, struct tug_err *err)
{
	struct reg_client tc;
	struct reg_req rq = { .method = "GET", .body_fd = -1 };
	struct reg_resp rs;
	struct buf body = { 0 };
	char url[2048], scope[600], enc_svc[600], enc_scope[1800], basic[2100] = "";
	const char *tok = NULL;
	cJSON *j = NULL;
	int rc = -1;

	if (!ch->realm[0])
		return tug_err_set(err, EPROTO, "registry %s: Bearer challenge without realm",
				   s->domain);
	if (s->repo[0])
		snprintf(scope, sizeof(scope), "repository:%s:%s", s->repo, s->actions);
	else
		scope[0] = '\0';
	http_url_encode(ch->service, enc_svc, sizeof(enc_svc));
	http_url_encode(scope, enc_scope, sizeof(enc_scope));
	snprintf(url, sizeof(url), "%s%sservice=%s%s%s", ch->realm,
		 strchr(ch->realm, '?') ? "&" : "?", enc_svc, scope[0] ? "&scope=" : "", enc_scope);
	/* The challenge may ask for more (a mount needs pull on the source repo). */
	for (const char *p = ch->scope; *p;) {
		size_t n = strcspn(p, " ");
		char one[512], enc[1600];

		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (n && strcmp(one, scope) && strlen(url) + 3 * n + 8 < sizeof(url)) {
			http_url_encode(one, enc, sizeof(enc));
			snprintf(url + strlen(url), sizeof(url) - strlen(url), "&scope=%s", enc);
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	if (s->have_creds) {
		basic_value(s, basic, sizeof(basic));
		rq.authorization = basic;
	}
	rq.url = url;
	reg_client_init(&tc, s->http.timeout_ms);
	if (reg_do(&tc, &rq, &rs, err) < 0) {
		tug_err_wrap(err, "token from %s", ch->realm);
		goto out;
	}
	if (reg_read_all(&tc, &rs, 1 << 20, &body, err) < 0) {
		tug_err_wrap(err, "token from %s", ch->realm);
		goto out_resp;
	}
	if (rs.status == 401 || rs.status == 403) {
		tug_err_set(err, EACCES, "%s: unauthorized: %s", s->domain,
			    s->have_creds ? "incorrect username or password"
					  : "authentication required (tug login)");
		goto out_resp;
	}
	if (rs.status != 200) {
		tug_err_set(err, EPROTO, "token from %s: HTTP %d", ch->realm, rs.status);
		goto out_resp;
	}
	j = json_parse(buf_head(&body), buf_size(&body), "token response", err);
	if (!j)
		goto out_resp;
	tok = cJSON_GetStringValue(cJSON_GetObjectItem(j, "token"));
	if (!tok || !*tok)
		tok = cJSON_GetStringValue(cJSON_GetObjectItem(j, "access_token"));
	if (!tok || !*tok || strlen(tok) > sizeof(s->authz) - 8) {
		tug_err_set(err, EPROTO, "token from %s: no usable token in the answer",
			    ch->realm);
		goto out_resp;
	}
	snprintf(s->authz, sizeof(s->authz), "Bearer %s", tok);
	rc = 0;
out_resp:
	reg_resp_free(&rs);
out:
	cJSON_Delete(j);
	buf_free(&body);
	reg_client_close(&tc);
	return rc;
}

static int authenticate(struct reg_session *s, const char *www, struct tug_err *err)
{
	struct reg_challenge ch;

	if (!www || reg_challenge_parse(www, &ch) < 0)
		return tug_err_set(err, EACCES, "%s: unauthorized (no WWW-Authenticate challenge)",
				   s->domain);
	if (!strcasecmp(ch.scheme, "Bearer")) {
		if (s->token) {
			snprintf(s->authz, sizeof(s->authz), "Bearer %s", s->token);
			return 0;
		}
		return fetch_token(s, &ch, err);
	}
	if (!strcasecmp(ch.scheme, "Basic")) {
		if (!s->have_creds)
			return tug_err_set(err, EACCES,
					   "%s: unauthorized: authentication required "
					   "(tug login %s)", s->domain, s->domain);
		basic_value(s, s->authz, sizeof(s->authz));
		return 0;
	}
	return tug_err_set(err, ENOTSUP, "%s: unsupported auth scheme '%s'", s->domain,
			   ch.scheme);
}

int reg_session_do(struct reg_session *s, const char *method, const char *path,
		   const char *headers, const void *body, size_t len, int body_fd,
		   struct reg_resp *rs, struct tug_err *err)
{
	char url[2400];

	if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8))
		snprintf(url, sizeof(url), "%s", path);
	else
		snprintf(url, sizeof(url), "%s%s", s->base, path);
	for (int attempt = 0;; attempt++) {
		struct reg_req rq = { .method = method, .url = url, .headers = headers,
				      .authorization = s->authz, .body = body, .body_len = len,
				      .body_fd = body_fd };
		char www[1200];
		const char *w;

		if (reg_do(&s->http, &rq, rs, err) < 0)
			return -1;
		/* A second 401 may name a wider scope than the first token had. */
		if (rs->status != 401 || attempt == 2)
			return 0;
		w = reg_resp_header(rs, "WWW-Authenticate");
		snprintf(www, sizeof(www), "%s", w ? w : "");
		reg_discard(&s->http, rs, err);
		reg_resp_free(rs);
		if (authenticate(s, w ? www : NULL, err) < 0)
			return -1;
	}
}

int reg_fail_status(struct reg_session *s, struct reg_resp *rs, const char *what,
		    struct tug_err *err)
{
	struct buf body = { 0 };
	struct tug_err ignore;
	cJSON *j = NULL, *e;
	const char *code = NULL, *msg = NULL;
	int errnum = rs->status == 404 ? ENOENT
		   : rs->status == 401 || rs->status == 403 ? EACCES
		   : EPROTO;

	if (!rs->body_done && reg_read_all(&s->http, rs, 64 * 1024, &body, &ignore) == 0)
		j = cJSON_Parse(buf_head(&body));
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
	code = cJSON_GetStringValue(cJSON_GetObjectItem(e, "code"));
	msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	if (rs->status == 401 && !msg)
		msg = "authentication required";
	tug_err_set(err, errnum, "%s: %s%s%s (HTTP %d)", what, code ? code : "",
		    code && msg ? ": " : "", msg ? msg : http_reason(rs->status), rs->status);
	cJSON_Delete(j);
	buf_free(&body);
	return -1;
}
