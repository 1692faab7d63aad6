/*
 * docker update: POST /containers/{id}/update. The new limits and restart
 * policy go into the container's HostConfig (config.v2.json, written
 * atomically by ctr_save), then into the running container's cgroup v2
 * files at once. As dockerd: a field left 0 (or out) keeps its value, a
 * restart policy without a name keeps the policy, and the new policy
 * counts from the next exit. The transaction lock (core/update) answers
 * 409 before this runs.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/api/api.h"
#include "core/daemon/resources.h"
#include "core/oci/state.h"
#include "platform/cgroup.h"
#include "platform/cleanup.h"
#include "platform/json.h"

/* The integer fields docker update sends, and their smallest valid value. */
static const struct {
	const char *key;
	int64_t min;
} int_fields[] = {
	{ "Memory", 0 },     { "MemorySwap", -1 }, { "MemoryReservation", 0 },
	{ "NanoCpus", 0 },   { "CpuQuota", -1 },   { "CpuPeriod", 0 },
	{ "CpuShares", 0 },  { "PidsLimit", -1 },  { "BlkioWeight", 0 },
};

#define MIN_MEMORY (6 << 20)

static int check_body(const cJSON *body, const cJSON *hc, struct tug_err *err)
{
	int64_t v, mem = 0, swap = 0, res = 0, nano = 0, quota = 0, period = 0, blkio = 0;
	const char *s;

	for (size_t i = 0; i < ARRAY_SIZE(int_fields); i++) {
		v = 0;
		if (json_get_int(body, int_fields[i].key, &v, err) < 0)
			return -1;
		if (v < int_fields[i].min)
			return tug_err_set(err, EINVAL, "%s: %lld is out of range", int_fields[i].key,
					   (long long)v);
	}
	if (json_get_str(body, "CpusetCpus", &s, err) < 0 ||
	    json_get_str(body, "CpusetMems", &s, err) < 0)
		return -1;
	json_get_int(body, "Memory", &mem, err);
	json_get_int(body, "MemorySwap", &swap, err);
	json_get_int(body, "MemoryReservation", &res, err);
	json_get_int(body, "NanoCpus", &nano, err);
	json_get_int(body, "CpuQuota", &quota, err);
	json_get_int(body, "CpuPeriod", &period, err);
	json_get_int(body, "BlkioWeight", &blkio, err);
	if (mem && mem < MIN_MEMORY)
		return tug_err_set(err, EINVAL, "Minimum memory limit allowed is 6MB");
	/* What the limits will be once merged with the container's. */
	if (!mem)
		mem = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(hc, "Memory"));
	if (mem < 0)
		mem = 0;
	if (swap > 0 && (!mem || swap < mem))
		return tug_err_set(err, EINVAL,
				   "Minimum memoryswap limit should be larger than memory limit, see usage");
	if (res && mem && res > mem)
		return tug_err_set(err, EINVAL,
				   "Minimum memory limit can not be less than memory reservation limit, see usage");
	if (nano && (quota || period))
		return tug_err_set(err, EINVAL,
				   "Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set");
	if (period && (period < 1000 || period > 1000000))
		return tug_err_set(err, EINVAL,
				   "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
	if (quota > 0 && quota < 1000)
		return tug_err_set(err, EINVAL,
				   "CPU cfs quota can not be less than 1ms (i.e. 1000)");
	if (blkio && (blkio < 10 || blkio > 1000))
		return tug_err_set(err, EINVAL,
				   "Range of blkio weight is from 10 to 1000");
	return 0;
}

/* The restart policy of the body, if it names one; 1 when it does. */
static int body_policy(const cJSON *body, struct restart_policy *p, const char **name,
		       int64_t *max, struct tug_err *err)
{
	const cJSON *rp = NULL;

	*name = NULL;
	*max = 0;
	if (json_get_obj(body, "RestartPolicy", &rp, err) < 0)
		return -1;
	if (!rp)
		return 0;
	if (json_get_str(rp, "Name", name, err) < 0 ||
	    json_get_int(rp, "MaximumRetryCount", max, err) < 0)
		return tug_err_wrap(err, "RestartPolicy");
	if (!*name || !**name)
		return 0;
	if (*max < 0)
		return tug_err_set(err, EINVAL, "invalid restart policy: maximum retry count can't be negative");
	if (restart_policy_parse(*name, (int)*max, p, err) < 0)
		return -1;
	return 1;
}

static void set_number(cJSON *hc, const char *key, double v)
{
	cJSON *old = cJSON_GetObjectItem(hc, key);

	if (old)
		cJSON_ReplaceItemInObject(hc, key, cJSON_CreateNumber(v));
	else
		cJSON_AddNumberToObject(hc, key, v);
}

static void set_string(cJSON *hc, const char *key, const char *v)
{
	if (cJSON_GetObjectItem(hc, key))
		cJSON_ReplaceItemInObject(hc, key, cJSON_CreateString(v));
	else
		cJSON_AddStringToObject(hc, key, v);
}

/* Body fields into a copy of the HostConfig: 0 and absent keep the old value. */
static void merge(cJSON *hc, const cJSON *body)
{
	const char *s;
	struct tug_err ignore;

	for (size_t i = 0; i < ARRAY_SIZE(int_fields); i++) {
		int64_t v = 0;
		const cJSON *m = cJSON_GetObjectItem(body, int_fields[i].key);

		json_get_int(body, int_fields[i].key, &v, &ignore);
		/* PidsLimit 0 in a body that names it means "no limit", as dockerd. */
		if (!strcmp(int_fields[i].key, "PidsLimit") && m && cJSON_IsNumber(m) && v <= 0) {
			set_number(hc, "PidsLimit", 0);
			continue;
		}
		if (v)
			set_number(hc, int_fields[i].key, (double)v);
	}
	/* Nano CPUs and a CFS quota exclude each other: the new one wins. */
	if (cJSON_GetNumberValue(cJSON_GetObjectItem(body, "NanoCpus")) > 0) {
		set_number(hc, "CpuQuota", 0);
		set_number(hc, "CpuPeriod", 0);
	} else if (cJSON_GetNumberValue(cJSON_GetObjectItem(body, "CpuQuota")) > 0 ||
		   cJSON_GetNumberValue(cJSON_GetObjectItem(body, "CpuPeriod")) > 0) {
		set_number(hc, "NanoCpus", 0);
	}
	s = NULL;
	if (!json_get_str(body, "CpusetCpus", &s, &ignore) && s && *s)
		set_string(hc, "CpusetCpus", s);
	s = NULL;
	if (!json_get_str(body, "CpusetMems", &s, &ignore) && s && *s)
		set_string(hc, "CpusetMems", s);
}

static double num(const cJSON *hc, const char *key)
{
	double v = cJSON_GetNumberValue(cJSON_GetObjectItem(hc, key));

	return isnan(v) ? 0 : v;
}

/* The running container's cgroup gets the merged limits; none there: nothing to do. */
static int apply_running(struct daemon *d, struct container *ctr, const cJSON *hc,
			 const cJSON *old, cJSON *warnings, struct tug_err *err)
{
	_cleanup_json_ cJSON *res = hostconfig_resources(hc);
	struct oci_state st;
	int rc;

	if (!ctr_is_running(ctr) && ctr->state != CS_PAUSED)
		return 0;
	if (oci_state_load(d->oci_root, ctr->id, &st, err) < 0)
		return 0; /* not started by the runtime (yet): the next start applies it */
	rc = 0;
	if (st.cgroup[0]) {
		/* A limit lifted (pids): the runtime writes "max" for -1. */
		if (num(old, "PidsLimit") > 0 && num(hc, "PidsLimit") <= 0)
			cJSON_AddNumberToObject(cJSON_AddObjectToObject(res, "pids"), "limit", -1);
		rc = cgroup_update_oci(st.cgroup, res, err);
		/*
		 * A controller the kernel does not give this cgroup: saved, not
		 * applied, said in Warnings (dockerd drops such limits with a
		 * warning too).
		 */
		if (rc < 0 && err->code == ENOTSUP) {
			char msg[600];

			snprintf(msg, sizeof(msg), "%s: saved, not applied to the running container",
				 err->msg);
			cJSON_AddItemToArray(warnings, cJSON_CreateString(msg));
			rc = 0;
		}
	}
	oci_state_free(&st);
	return rc;
}

void h_ctr_update(struct daemon *d, struct conn *c)
{
	struct container *ctr = ctr_find(d, c->params[0]);
	_cleanup_json_ cJSON *body = NULL, *hc = NULL;
	struct restart_policy pol;
	const char *pname;
	int64_t pmax;
	struct tug_err err;
	cJSON *out, *warn;
	int bad, has_policy;

	if (!ctr) {
		api_no_such_container(c, c->params[0]);
		return;
	}
	body = api_body_json(c, &bad);
	if (bad)
		return;
	if (!body)
		body = cJSON_CreateObject();
	if (check_body(body, ctr->host_config, &err) < 0 ||
	    (has_policy = body_policy(body, &pol, &pname, &pmax, &err)) < 0) {
		api_error(c, 400, "%s", err.msg);
		return;
	}
	if (has_policy && ctr->auto_remove && pol.kind != RP_NO) {
		api_error(c, 400,
			  "Restart policy cannot be updated because AutoRemove is enabled for the container");
		return;
	}
	hc = cJSON_Duplicate(ctr->host_config, true);
	if (!hc) {
		api_error(c, 500, "out of memory");
		return;
	}
	merge(hc, body);
	if (has_policy) {
		cJSON *rp = cJSON_CreateObject();

		cJSON_AddStringToObject(rp, "Name", pname);
		cJSON_AddNumberToObject(rp, "MaximumRetryCount", pol.kind == RP_ON_FAILURE ? (double)pmax : 0);
		if (cJSON_GetObjectItem(hc, "RestartPolicy"))
			cJSON_ReplaceItemInObject(hc, "RestartPolicy", rp);
		else
			cJSON_AddItemToObject(hc, "RestartPolicy", rp);
	}
	out = cJSON_CreateObject();
	warn = cJSON_AddArrayToObject(out, "Warnings");
	if (apply_running(d, ctr, hc, ctr->host_config, warn, &err) < 0) {
		cJSON_Delete(out);
		api_error(c, 500, "Cannot update container %s: %s", ctr->id, err.msg);
		return;
	}
	{
		/* Saved first: on failure the container keeps its old record. */
		cJSON *old = ctr->host_config;
		struct restart_policy old_pol = ctr->policy;

		ctr->host_config = hc;
		if (has_policy)
			ctr->policy = pol;
		if (ctr_save(d, ctr) < 0) {
			cJSON_Delete(out);
			ctr->host_config = old;
			ctr->policy = old_pol;
			api_error(c, 500, "Cannot update container %s: saving its configuration failed",
				  ctr->id);
			return;
		}
		hc = old;	/* freed on return */
	}
	event_emit_ctr(d, ctr, "update", NULL, NULL);
	api_reply_json(c, 200, out);
}
