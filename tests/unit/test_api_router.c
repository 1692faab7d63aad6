#include "test.h"
#include "core/api/api.h"

TEST(version_prefixes)
{
	const char *rest;
	char msg[256];

	CHECK(api_strip_version("/v1.44/containers/json", &rest, msg, sizeof(msg)) == 0);
	CHECK_STR(rest, "/containers/json");
	CHECK(api_strip_version("/v1.24/_ping", &rest, msg, sizeof(msg)) == 0);
	CHECK_STR(rest, "/_ping");
	CHECK(api_strip_version("/containers/json", &rest, msg, sizeof(msg)) == 0);
	CHECK_STR(rest, "/containers/json");
	CHECK(api_strip_version("/v1.50/version", &rest, msg, sizeof(msg)) == -1);
	CHECK(strstr(msg, "too new") != NULL);
	CHECK(api_strip_version("/v1.12/version", &rest, msg, sizeof(msg)) == -1);
	CHECK(api_strip_version("/v2.0/version", &rest, msg, sizeof(msg)) == -1);
	CHECK(api_strip_version("/volumes", &rest, msg, sizeof(msg)) == 0);
}

TEST(routes_capture_ids_and_image_names)
{
	char p[2][256];
	bool known;
	const struct route *r;

	r = api_route_find("POST", "/containers/abc123/start", p, &known);
	CHECK(r && r->fn == h_ctr_start);
	CHECK_STR(p[0], "abc123");
	r = api_route_find("DELETE", "/containers/web", p, &known);
	CHECK(r && r->fn == h_ctr_delete);
	r = api_route_find("GET", "/images/library/busybox:1.36/json", p, &known);
	CHECK(r && r->fn == h_img_inspect);
	CHECK_STR(p[0], "library/busybox:1.36");
	r = api_route_find("GET", "/images/json", p, &known);
	CHECK(r && r->fn == h_img_list);
	r = api_route_find("GET", "/containers/x/start", p, &known);
	CHECK(!r && known);
	r = api_route_find("GET", "/nothing", p, &known);
	CHECK(!r && !known);
	r = api_route_find("GET", "/containers//json", p, &known);
	CHECK(!r);
}

int main(void)
{
	RUN(version_prefixes);
	RUN(routes_capture_ids_and_image_names);
	return test_done();
}
