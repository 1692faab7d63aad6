#!/bin/sh
# cgroup2ns.sh COMMAND...: run COMMAND in a private mount namespace where the
# host's cgroup v2 mount is bound over /sys/fs/cgroup. crun refuses the
# hybrid tree of these hosts; inside, it sees a pure (empty) v2 tree.
set -eu
if [ "${CGROUP2NS_INSIDE:-}" != 1 ]; then
	CGROUP2NS_INSIDE=1 exec unshare -m "$0" "$@"
fi
v2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
[ -n "$v2" ] || { echo "cgroup2ns: no cgroup2 mount on this host" >&2; exit 1; }
mount --make-rprivate /
[ "$v2" = /sys/fs/cgroup ] || mount --bind "$v2" /sys/fs/cgroup
exec "$@"
