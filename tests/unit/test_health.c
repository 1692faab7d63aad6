/* Health checks: Docker's config merge and status bookkeeping. */
#include <stdlib.h>

#include "test.h"
#include "core/daemon/health.h"

static cJSON *js(const char *text)
{
	return cJSON_Parse(text);
}

TEST(no_check_anywhere)
{
	struct health_config cfg;
	struct tug_err err;

	CHECK(health_config_merge(NULL, NULL, &cfg, &err) == 0);
	CHECK(cfg.argv == NULL);
}

TEST(image_check_with_docker_defaults)
{
	cJSON *img = js("{\"Test\":[\"CMD-SHELL\",\"test -f /ok\"]}");
	struct health_config cfg;
	struct tug_err err;

	CHECK(health_config_merge(img, NULL, &cfg, &err) == 1);
	CHECK(cfg.interval_ms == 30000 && cfg.timeout_ms == 30000);
	CHECK(cfg.start_period_ms == 0 && cfg.retries == 3);
	CHECK(cJSON_GetArraySize(cfg.argv) == 3);
	CHECK_STR(cJSON_GetArrayItem(cfg.argv, 0)->valuestring, "/bin/sh");
	CHECK_STR(cJSON_GetArrayItem(cfg.argv, 2)->valuestring, "test -f /ok");
	health_config_free(&cfg);
	cJSON_Delete(img);
}

TEST(container_overrides_field_by_field)
{
	cJSON *img = js("{\"Test\":[\"CMD\",\"/bin/true\"],\"Interval\":5000000000,\"Retries\":7}");
	cJSON *ctr = js("{\"Interval\":2000000000,\"Timeout\":1000000000}");
	struct health_config cfg;
	struct tug_err err;

	CHECK(health_config_merge(img, ctr, &cfg, &err) == 1);
	CHECK_STR(cJSON_GetArrayItem(cfg.argv, 0)->valuestring, "/bin/true");
	CHECK(cfg.interval_ms == 2000 && cfg.timeout_ms == 1000 && cfg.retries == 7);
	health_config_free(&cfg);
	cJSON_Delete(ctr);
	ctr = js("{\"Test\":[\"CMD\",\"probe\",\"-v\"]}");
	CHECK(health_config_merge(img, ctr, &cfg, &err) == 1);
	CHECK(cJSON_GetArraySize(cfg.argv) == 2);
	CHECK_STR(cJSON_GetArrayItem(cfg.argv, 0)->valuestring, "probe");
	CHECK(cfg.interval_ms == 5000);
	health_config_free(&cfg);
	cJSON_Delete(ctr);
	cJSON_Delete(img);
}

TEST(none_disables_the_image_check)
{
	cJSON *img = js("{\"Test\":[\"CMD\",\"/bin/true\"]}");
	cJSON *ctr = js("{\"Test\":[\"NONE\"]}");
	struct health_config cfg;
	struct tug_err err;

	CHECK(health_config_merge(img, ctr, &cfg, &err) == 0);
	CHECK(cfg.argv == NULL);
	cJSON_Delete(ctr);
	cJSON_Delete(img);
	img = js("{\"Test\":[\"NONE\"]}");
	CHECK(health_config_merge(img, NULL, &cfg, &err) == 0);
	cJSON_Delete(img);
}

TEST(malformed_checks_name_the_field)
{
	static const char *const bad[] = {
		"{\"Test\":\"CMD true\"}",
		"{\"Test\":[\"CMD\"]}",
		"{\"Test\":[\"CMD-SHELL\",\"a\",\"b\"]}",
		"{\"Test\":[\"RUN\",\"x\"]}",
		"{\"Test\":[\"CMD\",1]}",
		"{\"Test\":[\"CMD\",\"x\"],\"Interval\":-1}",
		"{\"Test\":[\"CMD\",\"x\"],\"Interval\":500}",
		"{\"Test\":[\"CMD\",\"x\"],\"Timeout\":\"5s\"}",
		"{\"Test\":[\"CMD\",\"x\"],\"Retries\":\"3\"}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *ctr = js(bad[i]);
		struct health_config cfg;
		struct tug_err err = { 0 };

		CHECK(ctr);
		CHECK(health_config_merge(NULL, ctr, &cfg, &err) == -1);
		CHECK(strstr(err.msg, "Healthcheck."));
		cJSON_Delete(ctr);
	}
}

static struct health *mk(int retries, uint64_t start_period_ms)
{
	struct health *h = calloc(1, sizeof(*h));

	h->cfg.retries = retries;
	h->cfg.start_period_ms = start_period_ms;
	h->status = HEALTH_STARTING;
	return h;
}

TEST(retries_consecutive_failures_make_unhealthy)
{
	struct health *h = mk(3, 0);

	CHECK(!health_record(h, 1, 100, 100));
	CHECK(!health_record(h, 1, 200, 200));
	CHECK(h->status == HEALTH_STARTING && h->failing_streak == 2);
	CHECK(health_record(h, 1, 300, 300));
	CHECK(h->status == HEALTH_UNHEALTHY && h->failing_streak == 3);
	CHECK(h->changed_ms == 300);
	CHECK(health_record(h, 0, 400, 400));
	CHECK(h->status == HEALTH_HEALTHY && h->failing_streak == 0);
	CHECK(!health_record(h, 0, 500, 500));
	health_free(h);
}

TEST(start_period_failures_do_not_count_until_healthy)
{
	struct health *h = mk(1, 1000);

	CHECK(!health_record(h, 1, 100, 100));
	CHECK(h->failing_streak == 0 && h->status == HEALTH_STARTING);
	CHECK(health_record(h, 0, 200, 200));
	/* Once healthy, a failure inside the start period counts. */
	CHECK(health_record(h, 1, 300, 300));
	CHECK(h->status == HEALTH_UNHEALTHY);
	health_free(h);
	h = mk(1, 1000);
	CHECK(health_record(h, 1, 1500, 1500));
	CHECK(h->status == HEALTH_UNHEALTHY);
	health_free(h);
}

TEST(log_keeps_last_five_and_inspect_shape)
{
	struct health *h = mk(3, 0);
	char out[8];
	cJSON *j;

	for (int i = 0; i < 7; i++) {
		snprintf(out, sizeof(out), "run%d", i);
		health_log_append(h, "s", "e", i, out);
	}
	CHECK(cJSON_GetArraySize(h->log) == HEALTH_LOG_MAX);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(h->log, 0), "Output")->valuestring, "run2");
	h->status = HEALTH_HEALTHY;
	j = health_inspect(h);
	CHECK_STR(cJSON_GetObjectItem(j, "Status")->valuestring, "healthy");
	CHECK(cJSON_GetObjectItem(j, "FailingStreak")->valueint == 0);
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "Log")) == 5);
	cJSON_Delete(j);
	CHECK_STR(health_ps_suffix(h), " (healthy)");
	h->status = HEALTH_STARTING;
	CHECK_STR(health_ps_suffix(h), " (health: starting)");
	h->status = HEALTH_UNHEALTHY;
	CHECK_STR(health_ps_suffix(h), " (unhealthy)");
	CHECK_STR(health_ps_suffix(NULL), "");
	CHECK(health_inspect(NULL) == NULL);
	health_free(h);
}

int main(void)
{
	RUN(no_check_anywhere);
	RUN(image_check_with_docker_defaults);
	RUN(container_overrides_field_by_field);
	RUN(none_disables_the_image_check);
	RUN(malformed_checks_name_the_field);
	RUN(retries_consecutive_failures_make_unhealthy);
	RUN(start_period_failures_do_not_count_until_healthy);
	RUN(log_keeps_last_five_and_inspect_shape);
	return test_done();
}
