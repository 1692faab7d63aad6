/*
 * Health checks with Docker's semantics. The pure part (config merge,
 * result bookkeeping) lives in health.c and is unit-tested; health_probe.c
 * runs the probes as exec processes from the daemon's tick.
 *
 * Config: the image's HEALTHCHECK, overridden field by field by the create
 * body's Config.Healthcheck (what `docker run --health-cmd ...` sends).
 * Test: [] inherit, ["NONE"] off, ["CMD", argv...], ["CMD-SHELL", "cmd"].
 * Durations are nanoseconds; 0 means Docker's default (30 s interval and
 * timeout, 0 start period, 3 retries).
 */
#ifndef TUG_DAEMON_HEALTH_H
#define TUG_DAEMON_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

#define HEALTH_LOG_MAX 5
#define HEALTH_OUTPUT_MAX 4096

enum health_status { HEALTH_NONE, HEALTH_STARTING, HEALTH_HEALTHY, HEALTH_UNHEALTHY };

struct health_config {
	cJSON *argv;		/* the probe's command, an array of strings */
	uint64_t interval_ms, timeout_ms, start_period_ms;
	int retries;
};

struct exec_inst;

struct health {
	struct health_config cfg;
	enum health_status status;
	int failing_streak;
	cJSON *log;		/* [{Start, End, ExitCode, Output}], the last 5 */
	uint64_t run_started_ms;/* the container start this state belongs to */
	uint64_t next_ms;	/* next probe */
	uint64_t probe_deadline_ms;
	uint64_t changed_ms;	/* when status last changed (update timing) */
	struct exec_inst *probe;
	bool probe_timed_out;
	char probe_start[40];
	char out[HEALTH_OUTPUT_MAX];
	size_t outlen;
};

/*
 * Merge image and container Healthcheck objects (either may be NULL).
 * Returns 1 with cfg filled when a check applies, 0 when none (absent or
 * NONE), -1 on a malformed one (the error names the field).
 */
int health_config_merge(const cJSON *image_hc, const cJSON *ctr_hc, struct health_config *cfg,
			struct tug_err *err);
void health_config_free(struct health_config *cfg);

/*
 * Account one probe result at now_ms; since_start_ms is how long the
 * container has been running. Returns true when the status changed.
 */
bool health_record(struct health *h, int exit_code, uint64_t since_start_ms, uint64_t now_ms);
void health_log_append(struct health *h, const char *start, const char *end, int exit_code,
		       const char *output);
const char *health_status_name(enum health_status s);
/* The "(healthy)" / "(health: starting)" suffix of ps's Status, or "". */
const char *health_ps_suffix(const struct health *h);
/* State.Health for inspect, or NULL when the container has no check. */
cJSON *health_inspect(const struct health *h);
void health_free(struct health *h);

struct daemon;
struct container;
/* health_probe.c: the daemon's side. */
void health_on_start(struct daemon *d, struct container *c);
/* After a tugd restart: the state saved at the last status change of this run. */
void health_on_adopt(struct daemon *d, struct container *c);
void health_tick(struct daemon *d);
void health_probe_output(struct exec_inst *e, const char *data, size_t len);
void health_probe_done(struct daemon *d, struct exec_inst *e);
void health_forget(struct daemon *d, struct container *c);

#endif
