#!/bin/sh
# Volumes as a container meets them: `tug volume mounts` turns -v/--tmpfs
# specs into OCI mount entries, `tug oci run` mounts them in a real
# container (busybox rootfs). Data in a named volume outlives its
# container; a ro bind refuses writes; a tmpfs size is enforced; bad names
# are refused with nothing created.
set -u
SUITE=volume
. "$(dirname "$0")/../lib.sh"
names="survives_container_removal in_use_refuses_rm ro_bind_refuses_writes tmpfs_size_enforced \
 bad_names_refused prune_keeps_used"
require_root $names
py=/usr/bin/python3

t=$(mktemp -d /tmp/tug-vol.XXXXXX)
trap 'for c in v1 v2 v3 v4; do "$TUG" oci delete -f "$c" >/dev/null 2>&1; done; rm -rf "$t"' EXIT
export TUG_STATE_DIR=$t/state TUG_RUN_DIR=$t/run
mkdir -p "$t/b" "$t/src"
busybox_rootfs "$t/b/rootfs"
(cd "$t/b" && "$TUG" oci spec) || { for n in $names; do skip "$n" "tug oci spec failed"; done; exit 0; }
cp "$t/b/config.json" "$t/base.json"

# run ID MOUNTS_JSON SCRIPT: run busybox sh -c SCRIPT with those mounts.
run() {
	$py - "$t/base.json" "$2" "$3" >"$t/b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", sys.argv[3]]
c["mounts"] += json.loads(sys.argv[2])
print(json.dumps(c))
PY
	(cd "$t/b" && timeout 30 "$TUG" oci run "$1" 2>&1)
	"$TUG" oci delete -f "$1" >/dev/null 2>&1
}

m=$("$TUG" volume mounts --container c1 -v data:/data) || fail survives_container_removal "mounts: $m"
out=$(run v1 "$m" 'echo kept >/data/f && cat /data/f')
# the "container" is gone: re-create its user and read the data back
m2=$("$TUG" volume mounts --container c2 -v data:/data)
out2=$(run v2 "$m2" 'cat /data/f')
if [ "$out" = kept ] && [ "$out2" = kept ]; then pass survives_container_removal
else fail survives_container_removal "first: $out / second: $out2"; fi

if out=$("$TUG" volume rm data 2>&1); then fail in_use_refuses_rm "removed while in use"
else case "$out" in *"in use by container c1"*) pass in_use_refuses_rm ;;
	*) fail in_use_refuses_rm "$out" ;; esac; fi

echo orig >"$t/src/f"
m=$("$TUG" volume mounts -v "$t/src:/ro:ro")
out=$(run v3 "$m" 'echo x >/ro/f && echo wrote; cat /ro/f')
case "$out" in *"Read-only file system"*orig) [ "$(cat "$t/src/f")" = orig ] && pass ro_bind_refuses_writes ||
	fail ro_bind_refuses_writes "host file changed" ;;
*) fail ro_bind_refuses_writes "$out" ;; esac

m=$("$TUG" volume mounts --tmpfs /t:size=1m,mode=1777)
out=$(run v4 "$m" 'dd if=/dev/zero of=/t/big bs=1k count=2048 2>&1 | grep "records out"; stat -c %a /t')
case "$out" in *"1024+0 records out"*1777*) pass tmpfs_size_enforced ;;
*) fail tmpfs_size_enforced "$out" ;; esac

before=$(ls "$t/state/volumes")
ok=1
for bad in a/b .. ../x "x/../y"; do
	if out=$("$TUG" volume create "$bad" 2>&1); then ok=0; echo "created $bad" >&2; fi
	case "$out" in *"invalid volume name"*) ;; *) ok=0 ;; esac
done
"$TUG" volume mounts -v "../x:/y" >/dev/null 2>&1 && ok=0
[ "$ok" = 1 ] && [ "$before" = "$(ls "$t/state/volumes")" ] && pass bad_names_refused ||
	fail bad_names_refused "a bad name was accepted or left something: $(ls "$t/state/volumes" | tr '\n' ' ')"

"$TUG" volume create loose >/dev/null
out=$("$TUG" volume prune)
left=$("$TUG" volume ls -q | tr '\n' ' ')
case "$out:$left" in *loose*:*data*) case "$left" in *loose*) fail prune_keeps_used "loose left: $left" ;;
	*) pass prune_keeps_used ;; esac ;;
*) fail prune_keeps_used "$out / $left" ;; esac
