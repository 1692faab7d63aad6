/*
 * docker commit: a new image made of a stored image, one more layer (the
 * container's changes, an uncompressed layer tar) and a config taken from
 * the container's and changed by Dockerfile-like lines (--change).
 */
#ifndef TUG_IMAGE_COMMIT_H
#define TUG_IMAGE_COMMIT_H

#include <cjson/cJSON.h>

#include "core/image/store.h"

/*
 * One --change line ("CMD [\"x\"]", "ENV A=1 B=2", "LABEL k=v", "WORKDIR
 * /d", "EXPOSE 80/udp", "ENTRYPOINT x", "USER u", "VOLUME /v",
 * "STOPSIGNAL SIGINT") applied to an image config's "config" object. Pure.
 */
int image_commit_change(cJSON *cfg, const char *line, struct tug_err *err);

/*
 * The image's run config (Cmd, Env, ...) with the container's over it:
 * a container's Cmd, Entrypoint, WorkingDir, User, StopSignal replace the
 * image's when set; Env (by name), Labels, ExposedPorts and Volumes are
 * merged. Pure; a new object.
 */
cJSON *image_commit_config(const cJSON *image_cfg, const cJSON *ctr_cfg);

struct image_commit_opts {
	const char *comment, *author;
	const cJSON *config;	/* the new image's "config" (image_commit_config) */
};

/*
 * Store the image's parts: layer_fd (an uncompressed tar, read from its
 * start) as a blob and an unpacked layer, the config and an OCI manifest as
 * blobs, each durable. Nothing names them yet: the caller registers
 * manifest and id (the config digest) with image_register(), so a commit cut
 * short leaves unnamed blobs for gc, never half an image. Slow (a whole
 * layer hashed, written and unpacked): tugd runs it in a child.
 */
int image_commit(struct image_store *s, const char *base_manifest, int layer_fd,
		 const struct image_commit_opts *o, char manifest[SHA256_DIGEST_STR_LEN],
		 char id[SHA256_DIGEST_STR_LEN], struct tug_err *err);

#endif
