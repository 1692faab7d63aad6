/*
 * HTTP/1.1 request head parser. Strict where laxness lets a request be read
 * two ways (request smuggling): one Content-Length, no Content-Length next
 * to chunked, no obsolete line folding, no spaces before the colon.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http/http.h"

static const char *find_head_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return buf + i + 1;
	return NULL;
}

static bool is_token_char(unsigned char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

static int parse_content_length(const char *v, int64_t *out)
{
	int64_t n = 0;

	if (!*v)
		return -1;
	for (; *v; v++) {
		if (!isdigit((unsigned char)*v) || n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 0;
}

/*
 * Header lines from line to end (the head's private copy, ending in the
 * empty line): NUL-terminated name and trimmed value pointers into it.
 */
static int parse_header_lines(char *line, char *end, struct http_header *headers,
			      size_t *nheaders)
{
	char *p;

	while (line < end) {
		char *colon, *v, *ve;

		p = memchr(line, '\r', (size_t)(end - line));
		if (!p || p + 1 >= end || p[1] != '\n')
			return 400;
		*p = '\0';
		if (p == line)
			break; /* the empty line */
		if ((size_t)(p - line) != strlen(line))
			return 400;
		if (*line == ' ' || *line == '\t')
			return 400; /* obsolete folding */
		colon = strchr(line, ':');
		if (!colon || colon == line)
			return 400;
		for (char *n = line; n < colon; n++)
			if (!is_token_char((unsigned char)*n))
				return 400;
		*colon = '\0';
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		ve = v + strlen(v);
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			*--ve = '\0';
		for (char *c = v; *c; c++)
			if ((unsigned char)*c < 32 && *c != '\t')
				return 400;
		if (*nheaders == HTTP_MAX_HEADERS)
			return 431;
		headers[*nheaders].name = line;
		headers[*nheaders].value = v;
		(*nheaders)++;
		line = p + 2;
	}
	return 0;
}

/* Split the head (a private copy) into request line and headers. */
static int parse_head(char *head, size_t len, struct http_request *req)
{
	char *line = head, *end = head + len, *p, *sp1, *sp2;

	p = memchr(line, '\r', (size_t)(end - line));
	if (!p || p + 1 >= end || p[1] != '\n')
		return 400;
	*p = '\0';
	if (strlen(line) != (size_t)(p - line))
		return 400; /* NUL inside the line */
	sp1 = strchr(line, ' ');
	if (!sp1)
		return 400;
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || strchr(sp2 + 1, ' '))
		return 400;
	*sp1 = *sp2 = '\0';
	req->method = line;
	req->target = sp1 + 1;
	if (!*req->method || !*req->target || req->target[0] != '/')
		return 400;
	for (const char *m = req->method; *m; m++)
		if (!is_token_char((unsigned char)*m))
			return 400;
	for (const char *t = req->target; *t; t++)
		if ((unsigned char)*t <= 32 || (unsigned char)*t >= 127)
			return 400;
	if (strncmp(sp2 + 1, "HTTP/1.", 7) || !isdigit((unsigned char)sp2[8]) || sp2[9])
		return strncmp(sp2 + 1, "HTTP/", 5) ? 400 : 505;
	req->minor = sp2[8] - '0';
	req->keep_alive = req->minor >= 1;
	return parse_header_lines(p + 2, end, req->headers, &req->nheaders);
}

static int interpret_headers(struct http_request *req)
{
	req->content_length = -1;
	for (size_t i = 0; i < req->nheaders; i++) {
		const char *n = req->headers[i].name, *v = req->headers[i].value;

		if (!strcasecmp(n, "Content-Length")) {
			int64_t cl;

			if (parse_content_length(v, &cl))
				return 400;
			if (req->content_length >= 0 && req->content_length != cl)
				return 400;
			req->content_length = cl;
		} else if (!strcasecmp(n, "Transfer-Encoding")) {
			if (strcasecmp(v, "chunked"))
				return 501;
			if (req->chunked)
				return 400;
			req->chunked = true;
		} else if (!strcasecmp(n, "Connection")) {
			if (strcasestr(v, "close"))
				req->keep_alive = false;
			else if (strcasestr(v, "keep-alive"))
				req->keep_alive = true;
		}
	}
	if (req->chunked && req->content_length >= 0)
		return 400;
	if (req->minor == 1 && !http_header_get(req, "Host"))
		return 0; /* Docker's clients send Host; curl over a socket may not. Be lenient. */
	return 0;
}

long http_parse_request(const char *buf, size_t len, const struct http_limits *lim,
			struct http_request *req, int *status)
{
	const char *end;
	size_t head_len, plen;
	const char *q;
	int st;

	memset(req, 0, sizeof(*req));
	/* Tolerate the blank lines RFC 9112 allows before a request. */
	end = find_head_end(buf, len);
	if (!end) {
		if (len > lim->max_head) {
			*status = 431;
			return -1;
		}
		return 0;
	}
	head_len = (size_t)(end - buf);
	if (head_len > lim->max_head) {
		*status = 431;
		return -1;
	}
	req->head = malloc(head_len + 1);
	if (!req->head) {
		*status = 500;
		return -1;
	}
	memcpy(req->head, buf, head_len);
	req->head[head_len] = '\0';
	st = parse_head(req->head, head_len, req);
	if (!st)
		st = interpret_headers(req);
	if (st) {
		http_request_free(req);
		*status = st;
		return -1;
	}
	q = strchr(req->target, '?');
	plen = q ? (size_t)(q - req->target) : strlen(req->target);
	req->query = q ? q + 1 : "";
	req->path = malloc(plen + 1);
	if (!req->path) {
		http_request_free(req);
		*status = 500;
		return -1;
	}
	plen = http_url_decode(req->target, plen, req->path, false);
	if (strlen(req->path) != plen) {
		http_request_free(req); /* %00 in the path */
		*status = 400;
		return -1;
	}
	return (long)head_len;
}

void http_request_free(struct http_request *req)
{
	free(req->head);
	free(req->path);
	req->head = NULL;
	req->path = NULL;
}

const char *http_header_get(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

int http_body_init_request(struct http_body *b, const struct http_request *req,
			   const struct http_limits *lim, int *status)
{
	if (req->content_length > 0 && (uint64_t)req->content_length > lim->max_body) {
		*status = 413;
		return -1;
	}
	http_body_init(b, req->chunked, req->chunked ? 0 : (req->content_length < 0 ? 0 : req->content_length),
		       lim->max_body);
	return 0;
}

long http_parse_response(const char *buf, size_t len, size_t max_head,
			 struct http_response_head *r)
{
	const char *end = find_head_end(buf, len);
	size_t head_len;
	char *p;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	if (!end)
		return len > max_head ? -1 : 0;
	head_len = (size_t)(end - buf);
	if (head_len > max_head)
		return -1;
	r->head = malloc(head_len + 1);
	if (!r->head)
		return -1;
	memcpy(r->head, buf, head_len);
	r->head[head_len] = '\0';
	/* "HTTP/1.1 200 OK": three digits, then a space or the line's end. */
	p = memchr(r->head, '\r', head_len);
	if (!p || strncmp(r->head, "HTTP/1.", 7) || !isdigit((unsigned char)r->head[7]) ||
	    r->head[8] != ' ' || !isdigit((unsigned char)r->head[9]) ||
	    !isdigit((unsigned char)r->head[10]) || !isdigit((unsigned char)r->head[11]) ||
	    (r->head + 12 != p && r->head[12] != ' '))
		goto bad;
	r->status = atoi(r->head + 9);
	if (r->status < 100)
		goto bad;
	*p = '\0';
	if (parse_header_lines(p + 2, r->head + head_len, r->headers, &r->nheaders))
		goto bad;
	for (size_t i = 0; i < r->nheaders; i++) {
		const char *n = r->headers[i].name, *v = r->headers[i].value;
		int64_t cl;

		if (!strcasecmp(n, "Content-Length")) {
			if (parse_content_length(v, &cl) ||
			    (r->content_length >= 0 && r->content_length != cl))
				goto bad;
			r->content_length = cl;
		} else if (!strcasecmp(n, "Transfer-Encoding")) {
			r->chunked = !strcasecmp(v, "chunked");
		}
	}
	return (long)head_len;
bad:
	http_response_head_free(r);
	return -1;
}

void http_response_head_free(struct http_response_head *r)
{
	free(r->head);
	r->head = NULL;
	r->nheaders = 0;
}
