/*
 * Network namespaces that outlive their processes: a fresh netns bound on
 * a file (as `ip netns add` does), so the daemon can wire its veth,
 * address and routes before the container's process exists, and the
 * runtime joins it by path.
 */
#ifndef TUG_NETNS_H
#define TUG_NETNS_H

#include "platform/err.h"

/*
 * Make dir (created if missing) a shared mount point, as `ip netns` does
 * with /run/netns: a mount namespace copied from ours while a netns is
 * bound here (a service started with a private /tmp, say) then gets the
 * unbind too, instead of keeping the namespace and its veth alive.
 */
int netns_dir_prepare(const char *dir, struct tug_err *err);
/* A new, empty network namespace bound on path (created as a file). */
int netns_create_at(const char *path, struct tug_err *err);
/* Unbind and unlink; a missing file is fine. */
int netns_remove_at(const char *path, struct tug_err *err);

#endif
