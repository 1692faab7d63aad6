#include <stdlib.h>
#include <sys/socket.h>

#include "test.h"

#include "core/http/buf.h"
#include "core/http/client.h"
#include "core/http/http.h"

static const struct http_limits lim = { .max_head = 1024, .max_body = 100 };

static long parse(const char *s, struct http_request *r, int *st)
{
	return http_parse_request(s, strlen(s), &lim, r, st);
}

TEST(parses_request_line_and_headers)
{
	struct http_request r;
	int st = 0;
	const char *s = "GET /v1.44/containers/json?all=1&filters=%7B%7D HTTP/1.1\r\n"
			"Host: docker\r\nUser-Agent:  Docker-Client/28  \r\n\r\n";

	CHECK(parse(s, &r, &st) == (long)strlen(s));
	CHECK_STR(r.method, "GET");
	CHECK_STR(r.path, "/v1.44/containers/json");
	CHECK_STR(r.query, "all=1&filters=%7B%7D");
	CHECK_STR(http_header_get(&r, "user-agent"), "Docker-Client/28");
	CHECK(r.keep_alive);
	CHECK(r.content_length == -1);
	char v[32];
	CHECK(http_query_get(r.query, "filters", v, sizeof(v)));
	CHECK_STR(v, "{}");
	CHECK(http_query_bool(r.query, "all"));
	CHECK(!http_query_bool(r.query, "size"));
	http_request_free(&r);
}

TEST(incomplete_head_needs_more)
{
	struct http_request r;
	int st = 0;

	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r, &st) == 0);
	CHECK(parse("", &r, &st) == 0);
}

TEST(oversized_head_is_431)
{
	struct http_request r;
	int st = 0;
	char big[2048];

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	big[sizeof(big) - 1] = '\0';
	CHECK(parse(big, &r, &st) == -1);
	CHECK(st == 431);
}

TEST(malformed_heads_are_400)
{
	static const char *bad[] = {
		"GET\r\n\r\n",
		"GET / HTTP/1.1 extra\r\n\r\n",
		"GET nopath HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET /a%00b HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http_request r;
		int st = 0;

		CHECK(parse(bad[i], &r, &st) == -1);
		CHECK(st == 400);
	}
}

TEST(unknown_version_and_coding)
{
	struct http_request r;
	int st = 0;

	CHECK(parse("GET / HTTP/2.0\r\n\r\n", &r, &st) == -1);
	CHECK(st == 505);
	CHECK(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", &r, &st) == -1);
	CHECK(st == 501);
}

TEST(http10_closes_by_default)
{
	struct http_request r;
	int st = 0;

	CHECK(parse("GET /_ping HTTP/1.0\r\n\r\n", &r, &st) > 0);
	CHECK(!r.keep_alive);
	http_request_free(&r);
	CHECK(parse("GET /_ping HTTP/1.1\r\nConnection: close\r\n\r\n", &r, &st) > 0);
	CHECK(!r.keep_alive);
	http_request_free(&r);
}

static void collect(void *ctx, const char *d, size_t n)
{
	buf_add(ctx, d, n);
}

TEST(content_length_body)
{
	struct http_body b;
	struct buf out = { 0 };
	size_t used;

	http_body_init(&b, false, 5, 100);
	CHECK(http_body_feed(&b, "hel", 3, &used, collect, &out) == 0);
	CHECK(used == 3);
	CHECK(http_body_feed(&b, "loGET /", 7, &used, collect, &out) == 1);
	CHECK(used == 2); /* the next pipelined request stays unread */
	CHECK_STR(buf_head(&out), "hello");
	buf_free(&out);
}

TEST(chunked_body_byte_by_byte)
{
	const char *s = "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nNEXT";
	struct http_body b;
	struct buf out = { 0 };
	size_t used, i;
	int rc = 0;

	http_body_init(&b, true, 0, 100);
	for (i = 0; i < strlen(s) && rc == 0; i++) {
		rc = http_body_feed(&b, s + i, 1, &used, collect, &out);
		CHECK(used == 1);
	}
	CHECK(rc == 1);
	CHECK_STR(s + i, "NEXT");
	CHECK_STR(buf_head(&out), "Wikipedia in\r\n\r\nchunks.");
	buf_free(&out);
}

TEST(chunked_malformed_and_over_limit)
{
	struct http_body b;
	size_t used;

	http_body_init(&b, true, 0, 100);
	CHECK(http_body_feed(&b, "zz\r\n", 4, &used, NULL, NULL) == -1);
	http_body_init(&b, true, 0, 100);
	CHECK(http_body_feed(&b, "3\r\nabcX", 7, &used, NULL, NULL) == -1);
	http_body_init(&b, true, 0, 100);
	CHECK(http_body_feed(&b, "65\r\n", 4, &used, NULL, NULL) == -2); /* 101 > 100 */
	http_body_init(&b, true, 0, 100);
	CHECK(http_body_feed(&b, "ffffffffffffffffff\r\n", 20, &used, NULL, NULL) == -1);
	http_body_init(&b, false, 200, 100);
	char big[200] = { 0 };
	CHECK(http_body_feed(&b, big, sizeof(big), &used, NULL, NULL) == -2);
}

TEST(body_limit_by_content_length)
{
	struct http_request r;
	struct http_body b;
	int st = 0;

	CHECK(parse("POST /x HTTP/1.1\r\nContent-Length: 1000\r\n\r\n", &r, &st) > 0);
	CHECK(http_body_init_request(&b, &r, &lim, &st) == -1);
	CHECK(st == 413);
	http_request_free(&r);
}

TEST(pipelined_requests)
{
	const char *s = "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\n\r\n";
	struct http_request r;
	struct http_body b;
	int st = 0;
	size_t used;
	long n = parse(s, &r, &st);

	CHECK(n > 0);
	CHECK_STR(r.path, "/a");
	CHECK(http_body_init_request(&b, &r, &lim, &st) == 0);
	CHECK(http_body_feed(&b, s + n, strlen(s + n), &used, NULL, NULL) == 1);
	http_request_free(&r);
	CHECK(parse(s + n + used, &r, &st) > 0);
	CHECK_STR(r.path, "/b");
	http_request_free(&r);
}

TEST(chunk_writer_round_trips)
{
	struct buf w = { 0 }, out = { 0 };
	struct http_body b;
	size_t used;

	buf_add_chunk(&w, "abc", 3);
	buf_add_chunk(&w, "defgh", 5);
	buf_add_chunk(&w, NULL, 0);
	http_body_init(&b, true, 0, 0);
	CHECK(http_body_feed(&b, buf_head(&w), buf_size(&w), &used, collect, &out) == 1);
	CHECK_STR(buf_head(&out), "abcdefgh");
	buf_free(&w);
	buf_free(&out);
}

TEST(stream_header_layout)
{
	uint8_t h[8];

	http_stream_header(h, 2, 0x01020304);
	CHECK(h[0] == 2 && h[1] == 0 && h[3] == 0);
	CHECK(h[4] == 1 && h[5] == 2 && h[6] == 3 && h[7] == 4);
}

TEST(parses_response_heads)
{
	struct http_response_head r;
	const char *s = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
			"Content-Length: 12\r\n\r\n{\"message\"}";

	CHECK(http_parse_response(s, strlen(s), 1024, &r) == (long)strlen(s) - 11);
	CHECK(r.status == 404);
	CHECK(r.content_length == 12);
	CHECK(!r.chunked);
	CHECK(r.nheaders == 2);
	CHECK_STR(r.headers[0].value, "application/json");
	http_response_head_free(&r);
	s = "HTTP/1.1 101 UPGRADED\r\nTransfer-Encoding: chunked\r\n\r\n";
	CHECK(http_parse_response(s, strlen(s), 1024, &r) == (long)strlen(s));
	CHECK(r.status == 101 && r.chunked && r.content_length == -1);
	http_response_head_free(&r);
	CHECK(http_parse_response("HTTP/1.1 200 OK\r\n", 17, 1024, &r) == 0);
	CHECK(http_parse_response(NULL, 0, 1024, &r) == 0);
}

TEST(malformed_response_heads)
{
	static const char *bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 099 OK\r\n\r\n",
	};
	struct http_response_head r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(http_parse_response(bad[i], strlen(bad[i]), 1024, &r) == -1);
	CHECK(http_parse_response("HTTP/1.1 200 OK\r\nX: aaaaaaaaaa", 30, 16, &r) == -1);
}

/* A fresh client (no input buffer yet) reads a head and a chunked body. */
TEST(client_reads_response_on_fresh_connection)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "3\r\nabc\r\n0\r\n\r\n";
	struct http_client c = { .fd = -1 };
	struct http_response r;
	struct buf out = { 0 };
	struct tug_err err;
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	c.fd = sv[0];
	CHECK(write(sv[1], resp, sizeof(resp) - 1) == (ssize_t)sizeof(resp) - 1);
	close(sv[1]);
	CHECK(http_client_read_head(&c, &r, &err) == 0);
	CHECK(r.status == 200);
	CHECK(http_client_read_body(&c, &r, collect, &out, &err) == 0);
	CHECK_STR(buf_head(&out), "abc");
	http_response_free(&r);
	http_client_close(&c);
	buf_free(&out);
}

int main(void)
{
	RUN(parses_request_line_and_headers);
	RUN(incomplete_head_needs_more);
	RUN(oversized_head_is_431);
	RUN(malformed_heads_are_400);
	RUN(unknown_version_and_coding);
	RUN(http10_closes_by_default);
	RUN(content_length_body);
	RUN(chunked_body_byte_by_byte);
	RUN(chunked_malformed_and_over_limit);
	RUN(body_limit_by_content_length);
	RUN(pipelined_requests);
	RUN(chunk_writer_round_trips);
	RUN(stream_header_layout);
	RUN(parses_response_heads);
	RUN(malformed_response_heads);
	RUN(client_reads_response_on_fresh_connection);
	return test_done();
}
