/* Registry client logic: references, challenges, manifests, ranges, bodies. */
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "core/registry/internal.h"
#include "platform/tcp.h"
#include "test.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define D4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"

TEST(ref_docker_hub_official)
{
	struct reg_ref r;
	struct tug_err err;

	CHECK(reg_ref_parse("busybox", &r, &err) == 0);
	CHECK_STR(r.domain, "docker.io");
	CHECK_STR(r.repo, "library/busybox");
	CHECK_STR(r.tag, "latest");
	CHECK_STR(r.familiar, "busybox:latest");
	CHECK(reg_ref_parse("docker.io/library/alpine:3.19", &r, &err) == 0);
	CHECK_STR(r.repo, "library/alpine");
	CHECK_STR(r.familiar, "alpine:3.19");
	CHECK(reg_ref_parse("grafana/agent:v1", &r, &err) == 0);
	CHECK_STR(r.domain, "docker.io");
	CHECK_STR(r.repo, "grafana/agent");
}

TEST(ref_private_registry)
{
	struct reg_ref r;
	struct tug_err err;

	CHECK(reg_ref_parse("127.0.0.1:5000/busybox:1", &r, &err) == 0);
	CHECK_STR(r.domain, "127.0.0.1:5000");
	CHECK_STR(r.repo, "busybox");
	CHECK_STR(r.tag, "1");
	CHECK_STR(r.familiar, "127.0.0.1:5000/busybox:1");
	CHECK(reg_ref_parse("localhost/a/b/c", &r, &err) == 0);
	CHECK_STR(r.domain, "localhost");
	CHECK_STR(r.repo, "a/b/c");
	CHECK(reg_ref_parse("reg.lan/x@" D1, &r, &err) == 0);
	CHECK_STR(r.tag, "");
	CHECK_STR(r.digest, D1);
	CHECK_STR(r.familiar, "reg.lan/x@" D1);
	CHECK(reg_ref_parse("Busybox", &r, &err) < 0);
	CHECK(reg_ref_parse("a:b:c", &r, &err) < 0);
}

TEST(server_names_normalised)
{
	char s[64];

	reg_normalize_server("https://index.docker.io/v1/", s, sizeof(s));
	CHECK_STR(s, "docker.io");
	reg_normalize_server("", s, sizeof(s));
	CHECK_STR(s, "docker.io");
	reg_normalize_server("reg:5000", s, sizeof(s));
	CHECK_STR(s, "reg:5000");
}

TEST(challenge_bearer)
{
	struct reg_challenge c;

	CHECK(reg_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service="
				  "\"registry.docker.io\",scope=\"repository:library/busybox:pull\"",
				  &c) == 0);
	CHECK_STR(c.scheme, "Bearer");
	CHECK_STR(c.realm, "https://auth.docker.io/token");
	CHECK_STR(c.service, "registry.docker.io");
	CHECK_STR(c.scope, "repository:library/busybox:pull");
	/* Spaces, unquoted tokens, escapes and unknown keys. */
	CHECK(reg_challenge_parse("bearer  realm=http://h/t , service=reg ,x=\"a\\\"b\","
				  "error=\"invalid_token\"",
				  &c) == 0);
	CHECK_STR(c.realm, "http://h/t");
	CHECK_STR(c.service, "reg");
	CHECK_STR(c.error, "invalid_token");
	CHECK_STR(c.scope, "");
}

TEST(challenge_basic_and_garbage)
{
	struct reg_challenge c;

	CHECK(reg_challenge_parse("Basic realm=\"Registry Realm\"", &c) == 0);
	CHECK_STR(c.scheme, "Basic");
	CHECK_STR(c.realm, "Registry Realm");
	CHECK(reg_challenge_parse("", &c) < 0);
	CHECK(reg_challenge_parse("Bearer realm=\"unterminated", &c) == 0);
	CHECK_STR(c.realm, "unterminated");
}

TEST(base64_round_trip)
{
	char enc[64], dec[64];

	reg_base64("user:pass", 9, enc, sizeof(enc));
	CHECK_STR(enc, "dXNlcjpwYXNz");
	reg_base64("ab", 2, enc, sizeof(enc));
	CHECK_STR(enc, "YWI=");
	CHECK(reg_base64_decode("dXNlcjpwYXNz", dec, sizeof(dec)) == 9);
	CHECK_STR(dec, "user:pass");
	CHECK(reg_base64_decode("YWI=", dec, sizeof(dec)) == 2);
	CHECK_STR(dec, "ab");
	CHECK(reg_base64_decode("a*b", dec, sizeof(dec)) < 0);
}

TEST(content_range)
{
	uint64_t a, b;
	int64_t t;

	CHECK(reg_content_range_parse("bytes 100-199/200", &a, &b, &t) == 0);
	CHECK(a == 100 && b == 199 && t == 200);
	CHECK(reg_content_range_parse("bytes 0-0/*", &a, &b, &t) == 0);
	CHECK(a == 0 && b == 0 && t == -1);
	CHECK(reg_content_range_parse("0-99", &a, &b, &t) < 0);
	CHECK(reg_content_range_parse("bytes 5-4/10", &a, &b, &t) < 0);
	CHECK(reg_content_range_parse("bytes 0-9/9", &a, &b, &t) < 0);
	CHECK(reg_content_range_parse("bytes -5/10", &a, &b, &t) < 0);
	CHECK(reg_content_range_parse(NULL, &a, &b, &t) < 0);
}

TEST(urls)
{
	struct reg_url u, v;
	struct tug_err err;
	char s[300];

	CHECK(reg_url_parse("https://reg:5000/v2/a/blobs/x?y=1", &u, &err) == 0);
	CHECK(u.https);
	CHECK_STR(u.host, "reg");
	CHECK_STR(u.port, "5000");
	CHECK_STR(u.target, "/v2/a/blobs/x?y=1");
	CHECK(reg_url_parse("http://[::1]:8080", &u, &err) == 0);
	CHECK_STR(u.host, "[::1]");
	CHECK_STR(u.target, "/");
	CHECK(reg_url_parse("https://user:pw@s3.example/b?sig=1", &u, &err) == 0);
	CHECK_STR(u.host, "s3.example");
	CHECK_STR(u.port, "443");
	reg_url_hostport(&u, s, sizeof(s));
	CHECK_STR(s, "s3.example");
	CHECK(reg_url_resolve(&u, "/other?x", &v, &err) == 0);
	CHECK_STR(v.host, "s3.example");
	CHECK_STR(v.target, "/other?x");
	CHECK(reg_url_resolve(&u, "http://cdn:81/p", &v, &err) == 0);
	CHECK(!v.https);
	reg_url_str(&v, s, sizeof(s));
	CHECK_STR(s, "http://cdn:81/p");
	CHECK(reg_url_parse("ftp://x", &u, &err) < 0);
	CHECK(reg_url_parse("http://h:port/", &u, &err) < 0);
}

TEST(no_proxy_matching)
{
	CHECK(tcp_no_proxy_match("*", "anything"));
	CHECK(tcp_no_proxy_match("localhost,127.0.0.1", "127.0.0.1:5000"));
	CHECK(tcp_no_proxy_match(".example.com", "reg.example.com"));
	CHECK(tcp_no_proxy_match("example.com", "reg.example.com"));
	CHECK(tcp_no_proxy_match("example.com", "example.com"));
	CHECK(!tcp_no_proxy_match("example.com", "badexample.com"));
	CHECK(!tcp_no_proxy_match("", "x"));
	CHECK(!tcp_no_proxy_match("reg:5000", "other"));
}

TEST(response_head)
{
	struct reg_resp r;
	const char *h = "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://b/x\r\n"
			"Content-Length: 12\r\nconnection: close\r\n\r\nbody";

	CHECK(reg_resp_parse(h, 20, &r) == 0);
	CHECK(reg_resp_parse(h, strlen(h), &r) == (long)(strlen(h) - 4));
	CHECK(r.status == 307);
	CHECK_STR(reg_resp_header(&r, "location"), "http://b/x");
	CHECK(r.length == 12);
	CHECK(r.close);
	reg_resp_free(&r);
	h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
	CHECK(reg_resp_parse(h, strlen(h), &r) > 0);
	CHECK(r.chunked && r.length == -1 && !r.close);
	reg_resp_free(&r);
	h = "HTTP/1.1 2x0 OK\r\n\r\n";
	CHECK(reg_resp_parse(h, strlen(h), &r) < 0);
	h = "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n";
	CHECK(reg_resp_parse(h, strlen(h), &r) < 0);
	h = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n";
	CHECK(reg_resp_parse(h, strlen(h), &r) < 0);
}

static int collect(void *ctx, const char *d, size_t n, struct tug_err *err)
{
	return buf_add(ctx, d, n) ? -1 : 0;
}

/* A canned answer on a socketpair stands in for the registry. */
static int serve(struct reg_client *c, int sv[2], const char *answer)
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	reg_client_init(c, 2000);
	c->conn.fd = sv[0];
	snprintf(c->conn.key, sizeof(c->conn.key), "http://reg:80");
	if (write(sv[1], answer, strlen(answer)) != (ssize_t)strlen(answer))
		return -1;
	shutdown(sv[1], SHUT_WR);
	return 0;
}

TEST(chunked_body_decoded)
{
	struct reg_client c;
	struct reg_req rq = { .method = "GET", .url = "http://reg/v2/", .body_fd = -1 };
	struct reg_resp rs;
	struct buf out = { 0 };
	struct tug_err err;
	int sv[2];

	CHECK(serve(&c, sv,
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5;ext=1\r\nhello\r\nb\r\n, registry!\r\n0\r\nX-Trailer: y\r\n\r\n") == 0);
	CHECK(reg_do(&c, &rq, &rs, &err) == 0);
	CHECK(rs.status == 200 && rs.chunked);
	CHECK(reg_read_body(&c, &rs, collect, &out, &err) == 0);
	CHECK(buf_size(&out) == 16);
	CHECK(!memcmp(buf_head(&out), "hello, registry!", 16));
	reg_resp_free(&rs);
	buf_free(&out);
	reg_client_close(&c);
	close(sv[1]);
}

TEST(truncated_body_is_a_network_error)
{
	struct reg_client c;
	struct reg_req rq = { .method = "GET", .url = "http://reg/v2/", .body_fd = -1 };
	struct reg_resp rs;
	struct buf out = { 0 };
	struct tug_err err;
	int sv[2];

	CHECK(serve(&c, sv, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345") == 0);
	CHECK(reg_do(&c, &rq, &rs, &err) == 0);
	CHECK(reg_read_body(&c, &rs, collect, &out, &err) < 0);
	CHECK(err.code == ECONNRESET);
	CHECK(buf_size(&out) == 5);
	reg_resp_free(&rs);
	buf_free(&out);
	reg_client_close(&c);
	close(sv[1]);
}

static const char index_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	"\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\","
	"\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\","
	"\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\","
	"\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D4 "\","
	"\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}"
	"]}";

static int pick(const char *plat)
{
	struct reg_manifest m;
	struct reg_platform p;
	struct tug_err err;
	int i;

	if (reg_manifest_parse(index_json, strlen(index_json), NULL, &m, &err) < 0)
		return -2;
	if (reg_platform_parse(plat, &p, &err) < 0)
		return -3;
	i = reg_index_select(&m, &p, &err);
	reg_manifest_free(&m);
	return i;
}

TEST(index_platform_selection)
{
	CHECK(pick("linux/amd64") == 0);
	CHECK(pick("x86_64") == 0);
	CHECK(pick("linux/arm/v7") == 2);
	CHECK(pick("armv7") == 2);
	CHECK(pick("linux/arm/v6") == 1);
	CHECK(pick("linux/arm64") == 3);
	CHECK(pick("aarch64") == 3);
	CHECK(pick("linux/arm64/v8") == 3);
	CHECK(pick("linux/mipsle") == -1);
	CHECK(pick("linux/arm/v8") == 2); /* v7 runs on v8, v6 too: best is v7 */
}

TEST(no_match_lists_platforms)
{
	struct reg_manifest m;
	struct reg_platform p;
	struct tug_err err;

	CHECK(reg_manifest_parse(index_json, strlen(index_json), NULL, &m, &err) == 0);
	CHECK(reg_platform_parse("mipsel", &p, &err) == 0);
	CHECK_STR(p.arch, "mipsle");
	CHECK(reg_index_select(&m, &p, &err) < 0);
	CHECK(strstr(err.msg, "linux/mipsle"));
	CHECK(strstr(err.msg, "linux/arm64/v8"));
	reg_manifest_free(&m);
}

TEST(device_platform)
{
	struct reg_platform p;
	char s[64];

	reg_platform_of_device(&p);
	reg_platform_str(&p, s, sizeof(s));
	if (!strcmp(TUG_ARCH, "x86_64"))
		CHECK_STR(s, "linux/amd64");
	else if (!strcmp(TUG_ARCH, "aarch64"))
		CHECK_STR(s, "linux/arm64/v8");
	else if (!strcmp(TUG_ARCH, "armv7"))
		CHECK_STR(s, "linux/arm/v7");
	else if (!strcmp(TUG_ARCH, "mipsel"))
		CHECK_STR(s, "linux/mipsle");
}

TEST(docker_manifest_parsed)
{
	const char *j =
		"{\"schemaVersion\":2,\"mediaType\":"
		"\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"mediaType\":"
		"\"application/vnd.docker.container.image.v1+json\",\"size\":7023,\"digest\":\"" D1
		"\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
		"\"size\":32654,\"digest\":\"" D2 "\"},{\"mediaType\":"
		"\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":16724,\"digest\":\"" D3
		"\",\"urls\":[\"https://x\"]}]}";
	struct reg_manifest m;
	struct tug_err err;

	CHECK(reg_manifest_parse(j, strlen(j), "application/json", &m, &err) == 0);
	CHECK(m.kind == REG_MANIFEST_IMAGE);
	CHECK_STR(m.config.digest, D1);
	CHECK(m.config.size == 7023);
	CHECK(m.nitems == 2);
	CHECK_STR(m.items[1].digest, D3);
	CHECK(m.items[1].has_urls && !m.items[0].has_urls);
	reg_manifest_free(&m);
}

TEST(manifest_errors_name_the_field)
{
	struct reg_manifest m;
	struct tug_err err;
	const char *nodigest = "{\"schemaVersion\":2,\"mediaType\":"
			       "\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"size\":1,"
			       "\"digest\":\"sha256:xyz\"},\"layers\":[]}";
	const char *v1 = "{\"schemaVersion\":1,\"fsLayers\":[]}";
	const char *ctype = "{\"schemaVersion\":2,\"manifests\":[]}";

	CHECK(reg_manifest_parse(nodigest, strlen(nodigest), NULL, &m, &err) < 0);
	CHECK(strstr(err.msg, "manifest.config.digest"));
	CHECK(reg_manifest_parse(v1, strlen(v1), NULL, &m, &err) < 0);
	CHECK(strstr(err.msg, "schema 1"));
	/* No mediaType: the Content-Type header decides, else the fields. */
	CHECK(reg_manifest_parse(ctype, strlen(ctype),
				 "application/vnd.docker.distribution.manifest.list.v2+json; x=1",
				 &m, &err) == 0);
	CHECK(m.kind == REG_MANIFEST_INDEX && m.nitems == 0);
	CHECK_STR(m.media_type, "application/vnd.docker.distribution.manifest.list.v2+json");
	reg_manifest_free(&m);
	CHECK(reg_manifest_parse("[1]", 3, NULL, &m, &err) < 0);
	CHECK(reg_manifest_parse("{", 1, NULL, &m, &err) < 0);
}

TEST(credentials_file)
{
	char dir[] = "/tmp/tug-creds.XXXXXX", path[128], u[64], p[64];
	struct tug_err err;
	struct stat st;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/auths.json", dir);
	setenv("TUG_AUTH_FILE", path, 1);
	CHECK(reg_creds_get("reg:5000", u, sizeof(u), p, sizeof(p)) < 0);
	CHECK(reg_creds_put("reg:5000", "alice", "s3cr:et", &err) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(reg_creds_get("reg:5000", u, sizeof(u), p, sizeof(p)) == 0);
	CHECK_STR(u, "alice");
	CHECK_STR(p, "s3cr:et");
	CHECK(reg_creds_remove("reg:5000", &err) == 0);
	CHECK(reg_creds_remove("reg:5000", &err) < 0 && err.code == ENOENT);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("TUG_AUTH_FILE");
}

TEST(x_registry_auth_decoded)
{
	struct registry_auth_buf a;
	struct tug_err err;

	/* base64url of {"username":"alice","password":"p>>?~~","serveraddress":"reg:5000"} */
	CHECK(registry_auth_decode("eyJ1c2VybmFtZSI6ImFsaWNlIiwicGFzc3dvcmQiOiJwPj4_fn4iLCJzZXJ2ZXJhZGRyZXNzIjoicmVnOjUwMDAifQ", &a, &err) == 0);
	CHECK_STR(a.auth.username, "alice");
	CHECK_STR(a.auth.password, "p>>?~~");
	CHECK_STR(a.server, "reg:5000");
	CHECK_STR(a.auth.registry_token, "");
	CHECK(registry_auth_decode("", &a, &err) == 0);
	CHECK_STR(a.auth.username, "");
	CHECK(registry_auth_decode("e30=", &a, &err) == 0); /* {} */
	CHECK(registry_auth_decode("!!", &a, &err) < 0);
	CHECK(registry_auth_decode("WzFd", &a, &err) < 0); /* [1] */
}

TEST(progress_as_docker_json)
{
	struct registry_progress p = { "92d9b0ae59f4", "Downloading", 512, 2048 };
	char line[256];

	registry_progress_json(&p, line, sizeof(line));
	CHECK_STR(line, "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512,"
			"\"total\":2048},\"id\":\"92d9b0ae59f4\"}\n");
	p = (struct registry_progress){ "92d9b0ae59f4", "Pull complete", 0, 0 };
	registry_progress_json(&p, line, sizeof(line));
	CHECK_STR(line, "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":"
			"\"92d9b0ae59f4\"}\n");
	p = (struct registry_progress){ NULL, "Digest: sha256:ab", 0, 0 };
	registry_progress_json(&p, line, sizeof(line));
	CHECK_STR(line, "{\"status\":\"Digest: sha256:ab\"}\n");
}

int main(void)
{
	RUN(ref_docker_hub_official);
	RUN(ref_private_registry);
	RUN(server_names_normalised);
	RUN(challenge_bearer);
	RUN(challenge_basic_and_garbage);
	RUN(base64_round_trip);
	RUN(content_range);
	RUN(urls);
	RUN(no_proxy_matching);
	RUN(response_head);
	RUN(chunked_body_decoded);
	RUN(truncated_body_is_a_network_error);
	RUN(index_platform_selection);
	RUN(no_match_lists_platforms);
	RUN(device_platform);
	RUN(docker_manifest_parsed);
	RUN(manifest_errors_name_the_field);
	RUN(credentials_file);
	RUN(x_registry_auth_decoded);
	RUN(progress_as_docker_json);
	return test_done();
}
