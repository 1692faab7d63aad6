/*
 * The boot manifest: what a board runs. A JSON file, first found of
 * $TUG_STATE_DIR/manifest.json (persistent, updatable) and
 * /etc/tug/manifest.json (shipped in the initramfs):
 *
 *   { "hostname": "board",
 *     "modules": ["overlay", "squashfs", "loop", "veth", "bridge"],
 *       (when a container needs a network, the bridge and nf_tables
 *        modules the engine uses are added: manifest_parse)
 *     "watchdog": { "device": "/dev/watchdog", "timeout": 10 },
 *     "stop_timeout": 5,
 *     "images": [ { "archive": "/usr/share/tug/busybox.tar", "ref": "busybox:latest" } ],
 *     "containers": [
 *       { "name": "web", "image": "busybox:latest", "cmd": ["httpd", "-f"],
 *         "env": ["A=b"], "restart": "always", "memory": "16m", "pids": 64,
 *         "depends_on": ["db"], "console": true, "read_only": false,
 *         "init": true } ] }
 *
 * Parsing and ordering are pure logic; init/boot.c acts on the result.
 */
#ifndef TUG_INIT_MANIFEST_H
#define TUG_INIT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

#define MANIFEST_MAX_MODULES 32
#define MANIFEST_MAX_IMAGES 16
#define MANIFEST_MAX_CONTAINERS 32

struct manifest_image {
	const char *archive;	/* docker-save or OCI archive; squashfs layers allowed */
	const char *ref;	/* skip the load when this ref is already in the store */
};

struct manifest_container {
	const char *name;
	const cJSON *json;	/* the entry itself */
	bool console;		/* copy its output to the console */
	bool read_only;		/* read-only rootfs: may need no overlay (docs/init.md) */
	const char *depends_on[MANIFEST_MAX_CONTAINERS];
	size_t ndeps;
};

struct manifest {
	cJSON *root;		/* owns every string above */
	const char *hostname;
	const char *modules[MANIFEST_MAX_MODULES];
	size_t nmodules;
	const char *watchdog_device;
	int watchdog_timeout;	/* seconds; 0: no watchdog */
	int stop_timeout;	/* seconds from SIGTERM to SIGKILL at shutdown */
	struct manifest_image images[MANIFEST_MAX_IMAGES];
	size_t nimages;
	struct manifest_container containers[MANIFEST_MAX_CONTAINERS];
	size_t ncontainers;
	size_t order[MANIFEST_MAX_CONTAINERS];	/* start order: dependencies first */
};

/* Takes root (freed by manifest_free, also on error). */
int manifest_parse(cJSON *root, struct manifest *m, struct tug_err *err);
int manifest_load(const char *path, struct manifest *m, struct tug_err *err);
void manifest_free(struct manifest *m);
/* The Docker create body (Image, Cmd, Env, HostConfig) for one container. */
cJSON *manifest_create_body(const struct manifest_container *c, struct tug_err *err);
/* Not on "none", "host" or "container:X": on a bridge (the default without "network"). */
bool manifest_container_needs_network(const struct manifest_container *c);
/* "16m", "1g", "4096": bytes, or -1. */
int64_t manifest_parse_size(const char *s);

#endif
