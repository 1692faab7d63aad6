#!/bin/sh
# A pull killed with SIGKILL midway (slowed down by a rate-limited CONNECT
# proxy so it can be caught): no half image is visible, the blobs verified
# before the kill stay, the blob being fetched stays in partial/, and the
# next pull completes, resuming that blob with a Range request and fetching
# only what was missing.
SUITE=registry_kill
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/registry_lib.sh"
NAMES="killed_midway killed_pull_invisible verified_blobs_kept partial_kept next_pull_completes
next_pull_skips_verified next_pull_resumes_blob partial_cleared corrupt_partial_refetched
stale_partial_swept prune_sweeps_old_partial prune_all_sweeps_partial prune_skips_locked_partial"
require_root $NAMES
for t in docker-registry skopeo openssl; do
	command -v $t >/dev/null || { for n in $NAMES; do skip $n "$t missing"; done; exit 0; }
done
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy

reg_setup || { for n in $NAMES; do fail $n "setup"; done; exit 0; }
reg_start || { for n in $NAMES; do fail $n "registry did not start"; done; exit 0; }
reg_rootfs amd64 "$WORK/rootfs"
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" big "linux/amd64=$WORK/rootfs" \
	--random 3:1500000 >"$WORK/big.txt"
reg_skopeo_push "$WORK/oci" big big:1 ||
	{ for n in $NAMES; do fail $n "skopeo push: $(tail -2 "$WORK/skopeo.log")"; done; exit 0; }
want=$(awk '{ print $2 }' "$WORK/big.txt")
PPORT=$(free_port)
# No cuts; 1 MB/s per tunnel: the ~6 MB image takes several seconds.
$PY "$(dirname "$0")/registry_cutproxy.py" "$PPORT" 1000000000 0 "$WORK/proxy.log" 1000000 &
REG_PIDS="$REG_PIDS $!"
wait_port "$PPORT" || { for n in $NAMES; do fail $n "proxy did not start"; done; exit 0; }

blobs() { ls "$TUG_STATE_DIR/blobs/sha256" 2>/dev/null | wc -l; }
partial_size() {
	_p=$(ls "$TUG_STATE_DIR/partial" 2>/dev/null | head -1)
	[ -n "$_p" ] && stat -c %s "$TUG_STATE_DIR/partial/$_p" || echo 0
}

# One layer at a time, so the kill lands between verified blobs and a spooled one.
HTTPS_PROXY="http://127.0.0.1:$PPORT" TUG_PULL_PARALLEL=1 "$TUG" pull "$REG/big:1" \
	>"$WORK/killed.out" 2>&1 &
pid=$!
caught=0
for _ in $(seq 300); do
	# manifest, config, busybox layer and the first random layer verified; the next
	# one 100 kB in
	if [ "$(blobs)" -ge 4 ] && [ "$(partial_size)" -gt 100000 ]; then
		kill -9 "$pid"
		caught=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
wait "$pid" 2>/dev/null
rc=$?
kept=$(blobs)
if [ $caught = 1 ] && [ $rc = 137 ]; then
	pass killed_midway
else
	fail killed_midway "caught=$caught rc=$rc blobs=$kept: $(tail -1 "$WORK/killed.out")"
	for n in killed_pull_invisible verified_blobs_kept partial_kept next_pull_completes \
		next_pull_skips_verified next_pull_resumes_blob partial_cleared \
		corrupt_partial_refetched stale_partial_swept; do
		skip $n "the pull was not caught midway"
	done
	exit 0
fi

if [ -z "$(refs_tag "$REG/big:1")" ] && ! "$TUG" images 2>&1 | grep -q "big" &&
	! "$TUG" image inspect "$REG/big:1" >/dev/null 2>&1; then
	pass killed_pull_invisible
else
	fail killed_pull_invisible "tag $(refs_tag "$REG/big:1"); $("$TUG" images 2>&1 | tr '\n' ' ')"
fi

# Every blob left in blobs/ is whole: its name is its digest.
bad=0
for f in "$TUG_STATE_DIR"/blobs/sha256/*; do
	[ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || bad=$((bad + 1))
done
if [ "$kept" -ge 4 ] && [ $bad = 0 ]; then
	pass verified_blobs_kept
else
	fail verified_blobs_kept "$kept blobs, $bad not matching their digest"
fi

partial=$(ls "$TUG_STATE_DIR/partial" 2>/dev/null | head -1)
had=$(partial_size)
if [ -n "$partial" ] && [ "$had" -gt 100000 ]; then
	pass partial_kept
else
	fail partial_kept "partial/: $(ls -l "$TUG_STATE_DIR/partial" 2>&1 | tr '\n' ' ')"
fi

mark=$(wc -l <"$WORK/registry.log")
out=$("$TUG" pull "$REG/big:1" 2>&1)
if [ $? = 0 ] && [ "$(refs_tag "$REG/big:1")" = "$want" ]; then
	pass next_pull_completes
else
	fail next_pull_completes "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi
# The busybox layer and the first random one were verified before the kill.
exists=$(echo "$out" | grep -c ': Already exists$')
if [ "$exists" -ge 2 ]; then
	pass next_pull_skips_verified
else
	fail next_pull_skips_verified "$exists layers reused: $(echo "$out" | tr '\n' ' ')"
fi
# The registry's access log: the partly fetched blob asked for with Range (206).
if tail -n +$((mark + 1)) "$WORK/registry.log" | grep "GET /v2/big/blobs/sha256:$partial" |
	grep -q '" 206 '; then
	pass next_pull_resumes_blob
else
	fail next_pull_resumes_blob "no ranged GET of $partial ($had bytes kept)"
fi
if [ -z "$(ls -A "$TUG_STATE_DIR/tmp" "$TUG_STATE_DIR/partial" 2>/dev/null | grep -v ':$')" ]; then
	pass partial_cleared
else
	fail partial_cleared "left: $(ls "$TUG_STATE_DIR/tmp" "$TUG_STATE_DIR/partial" | tr '\n' ' ')"
fi

# Garbage in partial/ (a crash before the data reached the disk): the digest
# check refuses it and the blob is fetched again whole.
export TUG_STATE_DIR="$WORK/state2"
mkdir -p "$TUG_STATE_DIR/partial"
head -c 300000 /dev/urandom >"$TUG_STATE_DIR/partial/$partial"
out=$("$TUG" pull "$REG/big:1" 2>&1)
if [ $? = 0 ] && [ "$(refs_tag "$REG/big:1")" = "$want" ] &&
	[ "$(sha256sum "$TUG_STATE_DIR/blobs/sha256/$partial" | cut -d' ' -f1)" = "$partial" ]; then
	pass corrupt_partial_refetched
else
	fail corrupt_partial_refetched "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi

# partial/ files of pulls given up on go after a week; fresh ones stay.
old=0000000000000000000000000000000000000000000000000000000000000000
new=1111111111111111111111111111111111111111111111111111111111111111
echo x >"$TUG_STATE_DIR/partial/$old"
echo x >"$TUG_STATE_DIR/partial/$new"
touch -d '8 days ago' "$TUG_STATE_DIR/partial/$old"
"$TUG" pull "$REG/big:1" >/dev/null 2>&1
if [ ! -e "$TUG_STATE_DIR/partial/$old" ] && [ -e "$TUG_STATE_DIR/partial/$new" ]; then
	pass stale_partial_swept
else
	fail stale_partial_swept "$(ls "$TUG_STATE_DIR/partial" | tr '\n' ' ')"
fi

# tug system prune: partial downloads over a day old go (their bytes counted
# in the reclaimed space), younger ones only with -a, one a pull is writing
# (flock) never.
old=2222222222222222222222222222222222222222222222222222222222222222
head -c 3000000 /dev/zero >"$TUG_STATE_DIR/partial/$old"
touch -d '2 days ago' "$TUG_STATE_DIR/partial/$old"
out=$("$TUG" system prune -f 2>&1)
if [ ! -e "$TUG_STATE_DIR/partial/$old" ] && [ -e "$TUG_STATE_DIR/partial/$new" ] &&
	printf '%s\n' "$out" | grep -q '^Deleted partial downloads: 1$' &&
	printf '%s\n' "$out" | grep -q '^Total reclaimed space: 3MB$' &&
	[ "$(refs_tag "$REG/big:1")" = "$want" ]; then
	pass prune_sweeps_old_partial
else
	fail prune_sweeps_old_partial "$(echo "$out" | tr '\n' ' '); left: $(ls "$TUG_STATE_DIR/partial" | tr '\n' ' ')"
fi
locked=3333333333333333333333333333333333333333333333333333333333333333
echo x >"$TUG_STATE_DIR/partial/$locked"
touch -d '2 days ago' "$TUG_STATE_DIR/partial/$locked"
flock "$TUG_STATE_DIR/partial/$locked" sleep 30 &
holder=$!
for _ in $(seq 50); do
	flock -n "$TUG_STATE_DIR/partial/$locked" true 2>/dev/null || break
	sleep 0.1
done
out=$("$TUG" system prune -af 2>&1)
if [ ! -e "$TUG_STATE_DIR/partial/$new" ] &&
	printf '%s\n' "$out" | grep -q '^Deleted partial downloads: 1$'; then
	pass prune_all_sweeps_partial
else
	fail prune_all_sweeps_partial "$(echo "$out" | tr '\n' ' '); left: $(ls "$TUG_STATE_DIR/partial" | tr '\n' ' ')"
fi
if [ -e "$TUG_STATE_DIR/partial/$locked" ]; then
	pass prune_skips_locked_partial
else
	fail prune_skips_locked_partial "a partial download being written was removed"
fi
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
exit 0
