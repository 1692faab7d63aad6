#!/bin/sh
# The official docker CLI pointed at tugd, against Debian's docker-registry
# on loopback (TLS from a test CA): a registry behind a Bearer token server
# (anonymous pulls, push after `docker login`) and one with htpasswd Basic
# auth. docker pull / images / run / push / login, a missing tag, and the
# API answering while a pull waits on a stalled registry.
SUITE=registry_docker_cli
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/registry_lib.sh"
NAMES="pull pull_progress images_lists run_pulled pull_missing_tag api_during_pull
pull_cancelled_with_client run_pulls_missing concurrent_pulls
push_denied_anonymous push_error_line login_token login_wrong_password push skopeo_sees_push
login_basic pull_basic pull_basic_needs_login pull_platform"
require_root $NAMES
for t in docker docker-registry skopeo openssl htpasswd; do
	command -v $t >/dev/null || { for n in $NAMES; do skip $n "$t missing"; done; exit 0; }
done
$PY -c 'import jwt, cryptography' 2>/dev/null ||
	{ for n in $NAMES; do skip $n "python3-jwt/python3-cryptography missing"; done; exit 0; }
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy

reg_setup || { for n in $NAMES; do fail $n "setup"; done; exit 0; }
# reg_setup's trap replaces lib.sh's: stop tugd and clean both kinds of temp dirs.
trap 'tugd_stop $WORK/run
for p in $REG_PIDS; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
tug_cleanup_tmp' EXIT

# Token registry on $REG.
reg_start_token || { for n in $NAMES; do fail $n "$REG_WHY"; done; exit 0; }
REG_PID=${REG_PIDS##* }

# Basic-auth registry on $BREG (same server certificate, its own storage).
BPORT=$(free_port)
BREG="127.0.0.1:$BPORT"
mkdir -p "$WORK/bstorage" "$WORK/certs.d/$BREG"
cp "$WORK/test-ca.crt" "$WORK/certs.d/$BREG/ca.crt"
htpasswd -Bbc "$WORK/htpasswd" bob 'b0b pass' 2>/dev/null
cat >"$WORK/bconfig.yml" <<EOC
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/bstorage
http:
  addr: $BREG
  tls:
    certificate: $WORK/test-server.crt
    key: $WORK/test-server.key
auth:
  htpasswd:
    realm: tug-test
    path: $WORK/htpasswd
EOC
/usr/bin/docker-registry serve "$WORK/bconfig.yml" >"$WORK/bregistry.log" 2>&1 &
REG_PIDS="$REG_PIDS $!"
wait_port "$BPORT" || { for n in $NAMES; do fail $n "basic registry did not start"; done; exit 0; }

reg_rootfs amd64 "$WORK/rootfs"
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" bb "linux/amd64=$WORK/rootfs" >"$WORK/bb.txt"
want=$(awk '{ print $2 }' "$WORK/bb.txt")
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" other "linux/amd64=$WORK/rootfs" \
	--random 1:1500000 >/dev/null
reg_skopeo_push "$WORK/oci" bb busybox:1 --dest-creds alice:s3cret &&
	reg_skopeo_push "$WORK/oci" other other:1 --dest-creds alice:s3cret &&
	reg_skopeo_push "$WORK/oci" other gone:1 --dest-creds alice:s3cret &&
	skopeo copy --all --dest-cert-dir "$WORK/certs.d/$BREG" --dest-creds 'bob:b0b pass' \
		"oci:$WORK/oci:bb" "docker://$BREG/busybox:1" >>"$WORK/skopeo.log" 2>&1 ||
	{ for n in $NAMES; do fail $n "skopeo push: $(tail -2 "$WORK/skopeo.log")"; done; exit 0; }
# A multi-arch index (amd64 + arm64) for --platform.
if reg_rootfs arm64 "$WORK/rootfs-arm64" 2>/dev/null; then
	$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci-multi" multi \
		"linux/amd64=$WORK/rootfs" "linux/arm64/v8=$WORK/rootfs-arm64" >"$WORK/multi.txt"
	reg_skopeo_push "$WORK/oci-multi" multi multi:1 --dest-creds alice:s3cret || rm -f "$WORK/multi.txt"
fi

# tugd, private state and socket; the docker CLI with its own config dir.
mkdir -p "$WORK/run" "$WORK/dockercfg"
ln -s "$TUG" "$WORK/tugd"
export TUG_RUN_DIR="$WORK/run" DOCKER_HOST="unix://$WORK/run/tug.sock" DOCKER_CONFIG="$WORK/dockercfg"
"$WORK/tugd" >"$WORK/tugd.log" 2>&1 &
for _ in $(seq 50); do [ -S "$WORK/run/tug.sock" ] && break; sleep 0.1; done
D="timeout 60 docker"

out=$($D pull "$REG/busybox:1" 2>&1)
if [ $? = 0 ] && echo "$out" | grep -q "Status: Downloaded newer image for $REG/busybox:1" &&
	echo "$out" | grep -q "Digest: $want"; then
	pass pull
else
	fail pull "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi
# The JSON stream itself: Docker's progress lines, in order.
curl -s -N --unix-socket "$WORK/run/tug.sock" -X POST \
	"http://x/v1.44/images/create?fromImage=$REG/other&tag=1" >"$WORK/progress.json" 2>&1
if grep -q '"status":"Pulling from other","id":"1"' "$WORK/progress.json" &&
	grep -q '"status":"Downloading","progressDetail":{"current":' "$WORK/progress.json" &&
	grep -q '"status":"Pull complete"' "$WORK/progress.json" &&
	tail -1 "$WORK/progress.json" | grep -q "Status: Downloaded newer image for $REG/other:1"; then
	pass pull_progress
else
	fail pull_progress "$(head -c 300 "$WORK/progress.json")"
fi
check images_lists sh -c "$D images --format '{{.Repository}}:{{.Tag}}' | grep -qx '$REG/busybox:1'"
check run_pulled sh -c "[ \"\$($D run --rm $REG/busybox:1 echo pulled-ok)\" = pulled-ok ]"
# docker run of an image tugd lacks: create 404, the CLI pulls, creates again.
out=$($D run --rm "$REG/gone:1" echo auto-pulled 2>&1)
if echo "$out" | grep -qx auto-pulled && echo "$out" | grep -q "Unable to find image"; then
	pass run_pulls_missing
else
	fail run_pulls_missing "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi
$D rmi "$REG/gone:1" "$REG/other:1" >/dev/null 2>&1
# Three pulls at once (two of the same image): all complete, one image each.
$D pull "$REG/gone:1" >"$WORK/c1.out" 2>&1 &
p1=$!
$D pull "$REG/gone:1" >"$WORK/c2.out" 2>&1 &
p2=$!
$D pull "$REG/other:1" >"$WORK/c3.out" 2>&1 &
p3=$!
ok=0
wait $p1 && wait $p2 && wait $p3 && ok=1
if [ $ok = 1 ] && [ "$($D images --format '{{.Repository}}' | grep -c '/gone$\|/other$')" = 2 ] &&
	[ "$($D run --rm "$REG/gone:1" echo ok 2>&1)" = ok ]; then
	pass concurrent_pulls
else
	fail concurrent_pulls "$(tail -1 "$WORK/c1.out") / $(tail -1 "$WORK/c2.out") / $(tail -1 "$WORK/c3.out")"
fi

out=$($D pull "$REG/busybox:nope" 2>&1) && fail pull_missing_tag "pull succeeded" ||
	case "$out" in
	*"Error response from daemon: manifest for $REG/busybox:nope not found"*) pass pull_missing_tag ;;
	*) fail pull_missing_tag "$out" ;;
	esac

# A stalled registry holds the pull, not the daemon.
$D rmi "$REG/other:1" >/dev/null 2>&1
kill -STOP "$REG_PID"
$D pull "$REG/other:1" >"$WORK/stalled.out" 2>&1 &
bg=$!
sleep 0.5
if timeout 5 docker version >/dev/null 2>&1 && timeout 5 docker images >/dev/null 2>&1 &&
	kill -0 "$bg" 2>/dev/null; then
	kill -CONT "$REG_PID"
	if wait "$bg" && grep -q "Downloaded newer image" "$WORK/stalled.out"; then
		pass api_during_pull
	else
		fail api_during_pull "pull after the stall: $(tail -1 "$WORK/stalled.out")"
	fi
else
	kill -CONT "$REG_PID"
	wait "$bg"
	fail api_during_pull "daemon did not answer while the pull waited"
fi

# The client goes away mid-pull: the pull stops and records nothing.
$D rmi "$REG/gone:1" >/dev/null 2>&1
kill -STOP "$REG_PID"
curl -s -N --unix-socket "$WORK/run/tug.sock" -X POST \
	"http://x/v1.44/images/create?fromImage=$REG/gone&tag=1" >/dev/null 2>&1 &
bg=$!
sleep 0.5
kill "$bg"
wait "$bg" 2>/dev/null
sleep 0.3
kill -CONT "$REG_PID"
sleep 1.5
if $D images --format '{{.Repository}}' | grep -q "/gone$"; then
	fail pull_cancelled_with_client "the image was recorded after the client left"
elif ! $D version >/dev/null 2>&1; then
	fail pull_cancelled_with_client "daemon gone"
else
	pass pull_cancelled_with_client
fi

$D tag "$REG/busybox:1" "$REG/pushed:1" >/dev/null 2>&1
out=$($D push "$REG/pushed:1" 2>&1) && fail push_denied_anonymous "push succeeded" ||
	case "$out" in
	*denied* | *DENIED* | *unauthorized* | *UNAUTHORIZED*) pass push_denied_anonymous ;;
	*) fail push_denied_anonymous "$out" ;;
	esac

# The same through the API: the stream started, so one errorDetail line ends it.
curl -s -N --unix-socket "$WORK/run/tug.sock" -X POST -H 'X-Registry-Auth: e30=' \
	"http://x/v1.44/images/$REG/pushed/push?tag=1" >"$WORK/push.json" 2>&1
if head -1 "$WORK/push.json" | grep -q "The push refers to repository \[$REG/pushed\]" &&
	[ "$(grep -c errorDetail "$WORK/push.json")" = 1 ] &&
	tail -1 "$WORK/push.json" | grep -q '"errorDetail":{"message":'; then
	pass push_error_line
else
	fail push_error_line "$(tail -c 300 "$WORK/push.json")"
fi

out=$($D login -u alice -p wrong "$REG" 2>&1) && fail login_wrong_password "login succeeded" ||
	case "$out" in
	*"incorrect username or password"*) pass login_wrong_password ;;
	*) fail login_wrong_password "$out" ;;
	esac
out=$(echo s3cret | $D login -u alice --password-stdin "$REG" 2>&1)
if echo "$out" | grep -q "Login Succeeded" && grep -q "$REG" "$WORK/dockercfg/config.json" &&
	[ ! -e "$TUG_AUTH_FILE" ]; then
	pass login_token
else
	fail login_token "$out"
fi

out=$($D push "$REG/pushed:1" 2>&1)
if [ $? = 0 ] && echo "$out" | grep -q "1: digest: $want size: [1-9]"; then
	pass push
else
	fail push "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi
seen=$(skopeo inspect --cert-dir "$WORK/certs.d/$REG" --creds alice:s3cret "docker://$REG/pushed:1" 2>&1)
if echo "$seen" | grep -q "$want"; then
	pass skopeo_sees_push
else
	fail skopeo_sees_push "$(echo "$seen" | tail -1)"
fi

out=$($D pull "$BREG/busybox:1" 2>&1) && fail pull_basic_needs_login "pull succeeded" ||
	case "$out" in
	*unauthorized* | *UNAUTHORIZED* | *"authentication required"*) pass pull_basic_needs_login ;;
	*) fail pull_basic_needs_login "$out" ;;
	esac
out=$($D login -u bob -p 'b0b pass' "$BREG" 2>&1)
if echo "$out" | grep -q "Login Succeeded"; then pass login_basic; else fail login_basic "$out"; fi
out=$($D pull "$BREG/busybox:1" 2>&1)
if [ $? = 0 ] && echo "$out" | grep -q "Digest: $want"; then
	pass pull_basic
else
	fail pull_basic "$(echo "$out" | tail -2 | tr '\n' ' ')"
fi

if [ -f "$WORK/multi.txt" ]; then
	arm=$(awk '$1 == "linux/arm64/v8" { print $2 }' "$WORK/multi.txt")
	$D pull --platform linux/arm64 "$REG/multi:1" >"$WORK/multi.out" 2>&1
	got=$($D image inspect -f '{{.Architecture}}' "$REG/multi:1" 2>&1)
	if [ "$got" = arm64 ]; then
		pass pull_platform
	else
		fail pull_platform "arch '$got' ($arm): $(tail -1 "$WORK/multi.out")"
	fi
else
	skip pull_platform "no arm64 busybox-static package"
fi
exit 0
