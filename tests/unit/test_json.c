#include <stdlib.h>

#include "test.h"
#include "platform/json.h"

TEST(malformed_reports_offset)
{
	struct tug_err err;
	cJSON *j = json_parse("{\"a\": [1, }", 11, "config.json", &err);

	CHECK(j == NULL);
	CHECK(strstr(err.msg, "config.json: malformed JSON near byte") != NULL);
}

TEST(wrong_type_names_field)
{
	struct tug_err err;
	_cleanup_json_ cJSON *j = json_parse("{\"args\": \"sh\"}", 14, "x", &err);
	const cJSON *arr = NULL;

	CHECK(j != NULL);
	CHECK(json_get_array(j, "args", &arr, &err) == -1);
	CHECK_STR(err.msg, "args: expected an array");
}

TEST(absent_optional_is_not_error)
{
	struct tug_err err;
	_cleanup_json_ cJSON *j = json_parse("{}", 2, "x", &err);
	const char *s = "keep";
	int64_t n = 7;

	CHECK(json_get_str(j, "cwd", &s, &err) == 0);
	CHECK(json_get_int(j, "uid", &n, &err) == 0);
	CHECK_STR(s, "keep");
	CHECK(n == 7);
}

TEST(strv_rejects_non_strings)
{
	struct tug_err err;
	_cleanup_json_ cJSON *j = json_parse("{\"a\":[\"x\",2]}", 13, "x", &err);
	const char **v = NULL;

	CHECK(json_get_strv(j, "a", &v, &err) == -1);
	CHECK_STR(err.msg, "a[1]: expected a string");
}

TEST(int_rejects_fraction)
{
	struct tug_err err;
	_cleanup_json_ cJSON *j = json_parse("{\"n\":1.5}", 9, "x", &err);
	int64_t n;

	CHECK(json_get_int(j, "n", &n, &err) == -1);
}

TEST(int_rejects_out_of_range)
{
	struct tug_err err;
	_cleanup_json_ cJSON *j = json_parse("{\"n\":1e300}", 11, "x", &err);
	int64_t n = 0;

	CHECK(j != NULL);
	CHECK(json_get_int(j, "n", &n, &err) == -1);
	CHECK(n == 0);
}

int main(void)
{
	RUN(malformed_reports_offset);
	RUN(wrong_type_names_field);
	RUN(absent_optional_is_not_error);
	RUN(strv_rejects_non_strings);
	RUN(int_rejects_fraction);
	RUN(int_rejects_out_of_range);
	return test_done();
}
