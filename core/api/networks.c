/* /networks: list, inspect, create, remove, connect, disconnect, prune. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/api/api.h"
#include "core/daemon/netvol.h"
#include "core/net/net.h"
#include "platform/cleanup.h"
#include "platform/json.h"

/* filters={"name":["x"]} or {"name":{"x":true}} (older clients). */
static bool filter_any(const cJSON *f, bool (*match)(const char *want, const struct network *n),
		       const struct network *n)
{
	const cJSON *v;

	if (!f)
		return true;
	cJSON_ArrayForEach (v, f) {
		const char *want = cJSON_IsString(v) ? v->valuestring : v->string;

		if (want && match(want, n))
			return true;
	}
	return false;
}

static bool m_name(const char *w, const struct network *n)
{
	return strstr(n->name, w) != NULL;
}

static bool m_id(const char *w, const struct network *n)
{
	return !strncmp(n->id, w, strlen(w));
}

static bool m_driver(const char *w, const struct network *n)
{
	return !strcmp(net_driver_name(n->driver), w);
}

static bool m_type(const char *w, const struct network *n)
{
	return !strcmp(w, n->builtin ? "builtin" : "custom");
}

static bool m_dangling(const char *w, const struct network *n)
{
	return !strcmp(w, "true") == (!n->builtin && !n->n_eps);
}

/*
 * Without CONFIG_NET_BRIDGE there is no network store: every handler
 * answers this first (and the compiler drops the rest).
 */
#define REQUIRE_BRIDGES(c)                                                                         \
	do {                                                                                       \
		if (!IS_ENABLED(CONFIG_NET_BRIDGE)) {                                              \
			api_error(c, 501,                                                          \
				  "networks are not supported by this build (CONFIG_NET_BRIDGE)"); \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static int store_or_500(struct conn *c, struct net_store *s)
{
	struct tug_err err;

	if (net_store_open(s, g_daemon->cfg.state_dir, &err) < 0) {
		api_error(c, 500, "%s", err.msg);
		return -1;
	}
	return 0;
}

void h_net_list(struct daemon *d, struct conn *c)
{
	_cleanup_json_ cJSON *filters = NULL;
	char fbuf[2048];
	struct net_store s;
	cJSON *arr;

	(void)d;
	if (http_query_get(c->req.query, "filters", fbuf, sizeof(fbuf)) && *fbuf) {
		filters = cJSON_Parse(fbuf);
		if (!filters || !cJSON_IsObject(filters)) {
			api_error(c, 400, "invalid filter '%s'", fbuf);
			return;
		}
	}
	REQUIRE_BRIDGES(c);
	if (store_or_500(c, &s) < 0)
		return;
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < s.n; i++) {
		const struct network *n = &s.nets[i];

		if (!filter_any(cJSON_GetObjectItem(filters, "name"), m_name, n) ||
		    !filter_any(cJSON_GetObjectItem(filters, "id"), m_id, n) ||
		    !filter_any(cJSON_GetObjectItem(filters, "driver"), m_driver, n) ||
		    !filter_any(cJSON_GetObjectItem(filters, "type"), m_type, n) ||
		    !filter_any(cJSON_GetObjectItem(filters, "dangling"), m_dangling, n))
			continue;
		cJSON_AddItemToArray(arr, net_inspect_json(n));
	}
	net_store_close(&s);
	api_reply_json(c, 200, arr);
}

void h_net_inspect(struct daemon *d, struct conn *c)
{
	struct net_store s;
	struct network *n;

	(void)d;
	REQUIRE_BRIDGES(c);
	if (store_or_500(c, &s) < 0)
		return;
	n = net_find(&s, c->params[0]);
	if (n)
		api_reply_json(c, 200, net_inspect_json(n));
	else
		api_error(c, 404, "network %s not found", c->params[0]);
	net_store_close(&s);
}

void h_net_create(struct daemon *d, struct conn *c)
{
	int bad = 0;
	_cleanup_json_ cJSON *body = api_body_json(c, &bad);
	const char *name, *driver, *subnet = NULL, *gw = NULL, *subnet6 = NULL;
	bool want6;
	const cJSON *cfg;
	struct network *n;
	struct net_store s;
	struct tug_err err;
	cJSON *rep;

	if (bad)
		return;
	name = cJSON_GetStringValue(cJSON_GetObjectItem(body, "Name"));
	driver = cJSON_GetStringValue(cJSON_GetObjectItem(body, "Driver"));
	if (!name || !*name) {
		api_error(c, 400, "network name must not be empty");
		return;
	}
	if (driver && *driver && strcmp(driver, "bridge")) {
		api_error(c, 400, "network driver %s is not supported by tug (bridge only)",
			  driver);
		return;
	}
	want6 = cJSON_IsTrue(cJSON_GetObjectItem(body, "EnableIPv6"));
	if (want6 && !IS_ENABLED(CONFIG_IPV6)) {
		api_error(c, 400, "IPv6 networks are not supported by this build (CONFIG_IPV6)");
		return;
	}
	/* IPAM.Config: one IPv4 entry, one IPv6 entry (a /64), either may be absent. */
	cJSON_ArrayForEach (cfg, cJSON_GetObjectItem(cJSON_GetObjectItem(body, "IPAM"), "Config")) {
		const char *sn = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "Subnet"));

		if (sn && strchr(sn, ':')) {
			subnet6 = sn;
		} else if (sn) {
			subnet = sn;
			gw = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "Gateway"));
		}
	}
	if (subnet6 && !want6) {
		api_error(c, 400, "IPv6 subnet %s given without EnableIPv6 (--ipv6)", subnet6);
		return;
	}
	REQUIRE_BRIDGES(c);
	if (store_or_500(c, &s) < 0)
		return;
	if (net_create_checked(&s, name, subnet && *subnet ? subnet : NULL, gw && *gw ? gw : NULL,
			       cJSON_IsTrue(cJSON_GetObjectItem(body, "Internal")), &n, &err) < 0) {
		net_store_close(&s);
		api_error(c,
			  !strncmp(err.msg, "network with name", 17) ? 409
			  : err.code == EEXIST || err.code == ENOSPC ? 403
								     : 400,
			  "%s", err.msg);
		return;
	}
	if (want6 && net_enable_ipv6(&s, n, subnet6, &err) < 0) {
		struct tug_err e2;

		net_remove(&s, n, &e2);
		net_store_close(&s);
		api_error(c, err.code == EEXIST ? 403 : 400, "%s", err.msg);
		return;
	}
	rep = cJSON_CreateObject();
	cJSON_AddStringToObject(rep, "Id", n->id);
	cJSON_AddStringToObject(rep, "Warning", "");
	event_emit(d, "network", "create", n->id, NULL);
	net_store_close(&s);
	api_reply_json(c, 201, rep);
}

void h_net_delete(struct daemon *d, struct conn *c)
{
	struct net_store s;
	struct network *n;
	struct tug_err err;
	char id[65];

	REQUIRE_BRIDGES(c);
	if (store_or_500(c, &s) < 0)
		return;
	n = net_find(&s, c->params[0]);
	if (!n) {
		net_store_close(&s);
		api_error(c, 404, "network %s not found", c->params[0]);
		return;
	}
	snprintf(id, sizeof(id), "%s", n->id);
	if (net_remove_with_bridge(&s, n, &err) < 0) {
		net_store_close(&s);
		api_error(c, err.code == EPERM || err.code == EBUSY ? 403 : 500,
			  "error while removing network: %s", err.msg);
		return;
	}
	net_store_close(&s);
	event_emit(d, "network", "destroy", id, NULL);
	api_reply(c, 204, NULL, NULL, 0);
}

static struct container *body_container(struct daemon *d, struct conn *c, cJSON **body)
{
	int bad = 0;
	const char *ref;
	struct container *ctr;

	*body = api_body_json(c, &bad);
	if (bad)
		return NULL;
	ref = cJSON_GetStringValue(cJSON_GetObjectItem(*body, "Container"));
	if (!ref || !*ref) {
		api_error(c, 400, "Container is required");
		return NULL;
	}
	ctr = ctr_find(d, ref);
	if (!ctr)
		api_no_such_container(c, ref);
	return ctr;
}

/* POST /networks/{id}/connect and /disconnect: {"Container": ref, ...}. */
static void net_connect_call(struct daemon *d, struct conn *c, bool connect)
{
	_cleanup_json_ cJSON *body = NULL;
	struct container *ctr;
	struct tug_err err;
	int status, rc;

	REQUIRE_BRIDGES(c);
	ctr = body_container(d, c, &body);
	if (!ctr)
		return;
	rc = connect ? ctr_net_connect(d, ctr, c->params[0],
				       cJSON_GetObjectItem(body, "EndpointConfig"), &status, &err) :
		       ctr_net_disconnect(d, ctr, c->params[0], &status, &err);
	if (rc < 0) {
		api_error(c, status, "%s", err.msg);
		return;
	}
	event_emit(d, "network", connect ? "connect" : "disconnect", c->params[0], NULL);
	api_reply(c, 200, NULL, NULL, 0);
}

void h_net_connect(struct daemon *d, struct conn *c)
{
	net_connect_call(d, c, true);
}

void h_net_disconnect(struct daemon *d, struct conn *c)
{
	net_connect_call(d, c, false);
}

/* Unused = a user-defined network nobody is connected to. */
void h_net_prune(struct daemon *d, struct conn *c)
{
	struct net_store s;
	struct tug_err err;
	cJSON *rep, *del;

	REQUIRE_BRIDGES(c);
	if (store_or_500(c, &s) < 0)
		return;
	rep = cJSON_CreateObject();
	del = cJSON_AddArrayToObject(rep, "NetworksDeleted");
	for (size_t i = 0; i < s.n;) {
		struct network *n = &s.nets[i];
		char name[128], id[65];
		bool used = n->n_eps > 0;

		for (struct container *x = d->containers; x && !used; x = x->next)
			used = !strcmp(ctr_net_mode(x), n->name) || !strcmp(ctr_net_mode(x), n->id);
		if (n->builtin || used) {
			i++;
			continue;
		}
		snprintf(name, sizeof(name), "%s", n->name);
		snprintf(id, sizeof(id), "%s", n->id);
		if (net_remove_with_bridge(&s, n, &err) < 0) {
			tug_err_print(&err);
			i++;
			continue;
		}
		cJSON_AddItemToArray(del, cJSON_CreateString(name));
		event_emit(d, "network", "destroy", id, NULL);
	}
	net_store_close(&s);
	api_reply_json(c, 200, rep);
}
