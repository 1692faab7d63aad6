/*
 * Named volumes: <state>/volumes/<name>/_data holds the data, meta.json
 * beside it the name, creation time, labels and the containers using it
 * (the in-use refcount that rm and prune respect). Volumes outlive their
 * containers and image updates; only rm/prune delete them.
 */
#ifndef TUG_VOLUME_H
#define TUG_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "platform/err.h"

/* Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (so no '/', no "..") */
int volume_name_validate(const char *name, struct tug_err *err);

struct volume_store {
	char dir[4096];		/* <state>/volumes */
	int lock_fd;
};

/* state_dir NULL = tug_state_dir(). Holds an flock until close. */
int volume_store_open(struct volume_store *vs, const char *state_dir, struct tug_err *err);
void volume_store_close(struct volume_store *vs);

/* Create (existing: fine, as Docker). name NULL = anonymous (random hex). */
int volume_create(struct volume_store *vs, const char *name, char out[65], struct tug_err *err);
bool volume_exists(struct volume_store *vs, const char *name);
/* Host path of the data directory. */
void volume_data_path(const struct volume_store *vs, const char *name, char *out, size_t size);
/* Docker's inspect shape plus "UsedBy". */
cJSON *volume_inspect(struct volume_store *vs, const char *name, struct tug_err *err);
/* NULL-terminated, malloc'd names (free each, then the vector). */
int volume_list(struct volume_store *vs, char ***names, struct tug_err *err);
/* In use: EBUSY unless force. */
int volume_remove(struct volume_store *vs, const char *name, bool force, struct tug_err *err);
/* Remove every unused volume; cb(name) for each removed. */
int volume_prune(struct volume_store *vs, void (*cb)(const char *name, void *ctx), void *ctx,
		 struct tug_err *err);
/* Refcount: a container starts / stops using a volume. */
int volume_use(struct volume_store *vs, const char *name, const char *container,
	       struct tug_err *err);
int volume_unuse(struct volume_store *vs, const char *name, const char *container,
		 struct tug_err *err);
/* Drop container from every volume's users (container removal). */
int volume_release_container(struct volume_store *vs, const char *container,
			     struct tug_err *err);

#endif
