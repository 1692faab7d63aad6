/*
 * -v / --tmpfs specs -> OCI mount entries for the runtime.
 *
 *   NAME:/dst[:opts]      named volume (created if missing)
 *   /host:/dst[:opts]     bind mount; opts ro|rw, propagation
 *                         private|rprivate|shared|rshared|slave|rslave
 *   /dst                  anonymous volume
 *   --tmpfs /dst[:size=64m,mode=1777,...]
 *
 * The entries are runtime-spec "mounts" objects (destination, type, source,
 * options) that the daemon appends to config.json.
 */
#ifndef TUG_VOLUME_MOUNTS_H
#define TUG_VOLUME_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/volume/volume.h"
#include "platform/err.h"

enum vol_mount_type { VOL_MOUNT_VOLUME, VOL_MOUNT_BIND, VOL_MOUNT_TMPFS };

struct vol_mount {
	enum vol_mount_type type;
	char source[4096];	/* volume name (empty: anonymous) or host path */
	char destination[4096];
	bool readonly;
	char propagation[16];	/* "" = rprivate */
	uint64_t tmpfs_size;	/* bytes, 0 = kernel default */
	unsigned tmpfs_mode;	/* 0 = 1777 */
	bool has_mode;
};

int vol_parse_volume_spec(const char *spec, struct vol_mount *m, struct tug_err *err);
int vol_parse_tmpfs_spec(const char *spec, struct vol_mount *m, struct tug_err *err);
/* "64m", "1g", "4096" -> bytes. */
int vol_parse_size(const char *s, uint64_t *out, struct tug_err *err);
/* The OCI entry; source_path is the host path for volume and bind types. */
cJSON *vol_mount_to_oci(const struct vol_mount *m, const char *source_path);
/*
 * What the daemon calls when it builds a container's config.json: parse
 * -v and --tmpfs specs, create named (and anonymous) volumes, check bind
 * sources, mark the volumes used by container (NULL: don't), and append
 * the OCI entries to out (a cJSON array). On error the marks are undone.
 */
int vol_resolve_mounts(struct volume_store *vs, const char *container,
		       const char *const *vspecs, size_t n_v, const char *const *tmpfs,
		       size_t n_t, cJSON *out, struct tug_err *err);

#endif
