#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/image/image.h"
#include "core/image/rootfs.h"
#include "core/paths.h"
#include "platform/cleanup.h"
#include "platform/fsutil.h"
#include "platform/json.h"
#include "platform/loop.h"
#include "platform/overlay.h"

/*
 * A squashfs layer is mounted once per boot and shared by every container;
 * a lock keeps two containers starting together from mounting it twice.
 */
static int squashfs_layer_path(struct image_store *s, const char *chain, const char *blob,
			       char *out, size_t size, struct tug_err *err)
{
	char file[PATH_MAX], parent[PATH_MAX];
	_cleanup_close_ int lock = -1;
	struct stat st, pst;

	snprintf(parent, sizeof(parent), "%s/layers", tug_run_dir());
	snprintf(out, size, "%s/%s", parent, chain + 7);
	if (mkdir_p(out, 0700, err) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s/.lock", parent);
	lock = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return tug_err_sys(err, "lock %s", file);
	if (stat(out, &st) == 0 && stat(parent, &pst) == 0 && st.st_dev != pst.st_dev)
		return 0; /* already mounted */
	snprintf(file, sizeof(file), "%s/blobs/sha256/%s", s->root, blob + 7);
	return squashfs_mount(file, out, err);
}

/* overlayfs needs at least one lower layer: an image without layers gets an empty one. */
static int empty_layer_path(char *out, size_t size, struct tug_err *err)
{
	snprintf(out, size, "%s/layers/empty", tug_run_dir());
	return mkdir_p(out, 0755, err);
}

int image_rootfs_mount(struct image_store *s, const char *image, const struct rootfs_opts *o,
		       const char *target, struct tug_err *err)
{
	_cleanup_json_ cJSON *refs = NULL;
	char md[SHA256_DIGEST_STR_LEN];
	struct image img;
	char (*paths)[PATH_MAX] = NULL;
	const char **lowers = NULL;
	struct overlay_opts ov;
	size_t img_lowers = 0;
	int ret = -1;

	if (refs_read(s, &refs, err) < 0 || image_resolve(s, refs, image, md, err) < 0 ||
	    image_read(s, md, &img, err) < 0)
		return tug_err_wrap(err, "rootfs");
	paths = calloc(img.nlayers + 1, sizeof(*paths));
	lowers = calloc(img.nlayers + 1, sizeof(*lowers));
	img_lowers = img.nlayers;
	if (!paths || !lowers) {
		tug_err_set(err, ENOMEM, "rootfs");
		goto out;
	}
	for (size_t i = 0; i < img.nlayers; i++) {
		char marker[PATH_MAX];
		size_t top = img.nlayers - 1 - i; /* overlay lists the top layer first */

		if (!layer_complete(s, img.chain_ids[i])) {
			tug_err_set(err, ENOENT, "layer %s is not unpacked", img.chain_ids[i]);
			goto out;
		}
		snprintf(marker, sizeof(marker), "%s/layers/%s/squashfs", s->root,
			 img.chain_ids[i] + 7);
		if (access(marker, F_OK) == 0) {
			if (squashfs_layer_path(s, img.chain_ids[i], img.layer_blobs[i], paths[top],
						PATH_MAX, err) < 0)
				goto out;
		} else {
			snprintf(paths[top], PATH_MAX, "%s/layers/%s/root", s->root,
				 img.chain_ids[i] + 7);
		}
		lowers[top] = paths[top];
	}
	if (!img.nlayers) {
		if (empty_layer_path(paths[0], PATH_MAX, err) < 0)
			goto out;
		lowers[0] = paths[0];
	}
	if (img.nlayers && !o->readonly && o->init_layer) {
		char init[PATH_MAX];
		int rc;

		/* The runtime's mount points, once per image (tmpfs), not in every upper. */
		snprintf(init, sizeof(init), "%s/layers/init-%s", tug_run_dir(),
			 img.chain_ids[img.nlayers - 1] + 7);
		rc = overlay_init_layer(lowers, img.nlayers, init, err);
		if (rc < 0)
			goto out;
		if (rc) {
			memmove(lowers + 1, lowers, img.nlayers * sizeof(*lowers));
			snprintf(paths[img.nlayers], PATH_MAX, "%s", init);
			lowers[0] = paths[img.nlayers];
			img_lowers++;
		}
	}
	ov = (struct overlay_opts){
		.lowers = lowers,
		.nlowers = img.nlayers ? img_lowers : 1,
		.upper = o->upper,
		.work = o->work,
		.readonly = o->readonly,
		.tmpfs_upper = o->tmpfs_upper,
		.tmpfs_size = o->tmpfs_size,
		.volatile_upper = o->volatile_upper,
	};
	if (!o->readonly && !o->tmpfs_upper &&
	    (mkdir_p(o->upper, 0755, err) < 0 || mkdir_p(o->work, 0700, err) < 0))
		goto out;
	ret = overlay_mount(&ov, target, err);
out:
	free(paths);
	free(lowers);
	image_free(&img);
	return ret < 0 ? tug_err_wrap(err, "rootfs %s", image) : 0;
}
