/*
 * A container's networks and volumes, as the daemon sees them.
 *
 *   create:  ctr_volumes_create()  named/anonymous volumes made and marked
 *                                  used, bind sources checked, the mount
 *                                  list kept in <ctr dir>/mounts.json
 *            ctr_net_check()       the network mode names a network
 *   start:   ctr_netvol_spec()     config.json: netns path (or none for
 *                                  host), /etc files, volumes, read-only root
 *            ctr_net_up()          netns bound on <run>/netns/<id>, veth,
 *                                  address, ports, /etc files; before the
 *                                  runtime's create, so the process starts
 *                                  with its network ready
 *   exit:    ctr_net_down()        veth, lease, port rules and netns gone
 *   remove:  ctr_netvol_remove()   the same plus the volume marks
 *   daemon start: netvol_daemon_start() sweeps a crash's leftovers; on a
 *                 board's boot netvol_daemon_start_later() (network.c).
 *
 * Networks live in core/daemon/network.c (CONFIG_NET_BRIDGE; without it
 * only none and host exist, see the stubs below), volumes in volumes.c.
 */
#ifndef TUG_DAEMON_NETVOL_H
#define TUG_DAEMON_NETVOL_H

#include <stdbool.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "core/daemon/daemon.h"
#include "platform/err.h"

/* volumes.c */
int ctr_volumes_create(struct daemon *d, struct container *c, struct tug_err *err);
int ctr_volumes_spec(struct daemon *d, struct container *c, cJSON *spec, struct tug_err *err);
void ctr_volumes_remove(struct daemon *d, struct container *c, bool remove_anonymous);
cJSON *ctr_volumes_inspect(struct daemon *d, struct container *c);
/* Names of its anonymous volumes (docker rm -v), then remove those unused. */
cJSON *ctr_volumes_anonymous(struct daemon *d, struct container *c);
void volumes_remove_names(struct daemon *d, const cJSON *names);

/* "bridge", "none", "host", "container:<id>" or a network name/id. */
const char *ctr_net_mode(const struct container *c);
/*
 * docker network connect/disconnect (network.c, CONFIG_NET_BRIDGE; the API
 * only calls them in builds with bridges); *status is the HTTP status on error.
 */
int ctr_net_connect(struct daemon *d, struct container *c, const char *ref, const cJSON *epc,
		    int *status, struct tug_err *err);
int ctr_net_disconnect(struct daemon *d, struct container *c, const char *ref, int *status,
		       struct tug_err *err);

#if IS_ENABLED(CONFIG_NET_BRIDGE)
int ctr_net_check(struct daemon *d, struct container *c, struct tug_err *err);
int ctr_net_spec(struct daemon *d, struct container *c, cJSON *spec, struct tug_err *err);
int ctr_net_up(struct daemon *d, struct container *c, struct tug_err *err);
void ctr_net_down(struct daemon *d, struct container *c);
/*
 * ctr_net_down() leaving the netns to the caller: the file it is bound on
 * goes to netns ("" when none), for remove_tree_detached_mounts().
 */
void ctr_net_down_defer(struct daemon *d, struct container *c, char *netns, size_t size);
void netvol_daemon_start(struct daemon *d);
/* The same, deferred (a board's boot): done by netvol_sweep_due(now) or at a tick after 1 s. */
void netvol_daemon_start_later(struct daemon *d);
void netvol_sweep_due(struct daemon *d, bool now);
/* NetworkSettings of docker inspect; Ports of docker ps. */
cJSON *ctr_net_inspect(struct daemon *d, struct container *c);
cJSON *ctr_net_ports_list(struct daemon *d, struct container *c);
/* docker stats' "networks": per interface, from the host side of its veth. */
cJSON *ctr_net_stats(struct daemon *d, struct container *c);
#else
int ctr_net_spec_nobridge(struct container *c, cJSON *spec, struct tug_err *err);
static inline int ctr_net_check(struct daemon *d, struct container *c, struct tug_err *err)
{
	const char *m = ctr_net_mode(c);

	(void)d;
	if (strcmp(m, "none") && strcmp(m, "host"))
		return tug_err_unsupported(err, CONFIG_NET_BRIDGE);
	return 0;
}
static inline int ctr_net_spec(struct daemon *d, struct container *c, cJSON *spec,
			       struct tug_err *err)
{
	(void)d;
	return ctr_net_spec_nobridge(c, spec, err);
}
static inline int ctr_net_up(struct daemon *d, struct container *c, struct tug_err *err)
{
	(void)d;
	(void)c;
	(void)err;
	return 0;
}
static inline void ctr_net_down(struct daemon *d, struct container *c)
{
	(void)d;
	(void)c;
}
static inline void ctr_net_down_defer(struct daemon *d, struct container *c, char *netns,
				      size_t size)
{
	(void)d;
	(void)c;
	if (size)
		netns[0] = '\0';
}
static inline void netvol_daemon_start(struct daemon *d)
{
	(void)d;
}
static inline void netvol_daemon_start_later(struct daemon *d)
{
	(void)d;
}
static inline void netvol_sweep_due(struct daemon *d, bool now)
{
	(void)d;
	(void)now;
}
static inline cJSON *ctr_net_inspect(struct daemon *d, struct container *c)
{
	cJSON *ns = cJSON_CreateObject();

	(void)d;
	(void)c;
	cJSON_AddObjectToObject(ns, "Networks");
	cJSON_AddObjectToObject(ns, "Ports");
	cJSON_AddStringToObject(ns, "IPAddress", "");
	return ns;
}
static inline cJSON *ctr_net_ports_list(struct daemon *d, struct container *c)
{
	(void)d;
	(void)c;
	return cJSON_CreateArray();
}
static inline cJSON *ctr_net_stats(struct daemon *d, struct container *c)
{
	(void)d;
	(void)c;
	return cJSON_CreateObject();
}
#endif

/* Both, in the order bundle.c needs them. */
static inline int ctr_netvol_spec(struct daemon *d, struct container *c, cJSON *spec,
				  struct tug_err *err)
{
	if (ctr_net_spec(d, c, spec, err) < 0 || ctr_volumes_spec(d, c, spec, err) < 0)
		return -1;
	if (cJSON_IsTrue(cJSON_GetObjectItem(c->host_config, "ReadonlyRootfs")))
		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(spec, "root"), "readonly",
					  cJSON_CreateBool(true));
	return 0;
}

#endif
