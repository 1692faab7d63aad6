#!/bin/sh
# Basic auth: docker-registry (TLS) with an htpasswd file (bcrypt, apache2-utils).
# Pulls fail until `tug login`; login checks the password; logout forgets it.
SUITE=registry_basic
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/registry_lib.sh"
NAMES="pull_needs_login login_wrong_password login_ok pull_after_login push_after_login logout_forgets"
require_root $NAMES
for t in docker-registry skopeo openssl htpasswd; do
	command -v $t >/dev/null || { for n in $NAMES; do skip $n "$t missing"; done; exit 0; }
done
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy

reg_setup || { for n in $NAMES; do fail $n "setup"; done; exit 0; }
htpasswd -Bbc "$WORK/htpasswd" alice 's3cret pass' 2>/dev/null
reg_start "auth:
  htpasswd:
    realm: tug-test
    path: $WORK/htpasswd" || { for n in $NAMES; do fail $n "registry did not start"; done; exit 0; }
reg_rootfs amd64 "$WORK/rootfs"
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" bb "linux/amd64=$WORK/rootfs" >"$WORK/bb.txt"
reg_skopeo_push "$WORK/oci" bb busybox:1 --dest-creds 'alice:s3cret pass' ||
	{ for n in $NAMES; do fail $n "skopeo push: $(tail -2 "$WORK/skopeo.log")"; done; exit 0; }
want=$(awk '{ print $2 }' "$WORK/bb.txt")

out=$("$TUG" pull "$REG/busybox:1" 2>&1) && fail pull_needs_login "pull succeeded" ||
	case "$out" in
	*"tug login"*) pass pull_needs_login ;;
	*) fail pull_needs_login "$out" ;;
	esac

out=$("$TUG" login -u alice -p wrong "$REG" 2>&1) && fail login_wrong_password "login succeeded" ||
	case "$out" in
	*UNAUTHORIZED* | *unauthorized*)
		if [ -e "$TUG_AUTH_FILE" ]; then
			fail login_wrong_password "credentials stored after a failed login"
		else
			pass login_wrong_password
		fi
		;;
	*) fail login_wrong_password "$out" ;;
	esac

out=$("$TUG" login -u alice -p 's3cret pass' "$REG" 2>&1)
if [ "$out" = "Login Succeeded" ] && [ "$(stat -c %a "$TUG_AUTH_FILE")" = 600 ] &&
	! grep -q 's3cret' "$TUG_AUTH_FILE"; then
	pass login_ok
else
	fail login_ok "$out / mode $(stat -c %a "$TUG_AUTH_FILE" 2>&1)"
fi

out=$("$TUG" pull "$REG/busybox:1" 2>&1)
if [ "$(refs_tag "$REG/busybox:1")" = "$want" ]; then
	pass pull_after_login
else
	fail pull_after_login "$(echo "$out" | tail -1)"
fi

"$TUG" tag "$REG/busybox:1" "$REG/mine:2" >/dev/null 2>&1
out=$("$TUG" push "$REG/mine:2" 2>&1)
seen=$(skopeo inspect --cert-dir "$WORK/certs.d/$REG" --creds 'alice:s3cret pass' "docker://$REG/mine:2" 2>&1)
if echo "$seen" | grep -q "$want"; then
	pass push_after_login
else
	fail push_after_login "$(echo "$out" | tail -1) / $(echo "$seen" | tail -1)"
fi

out=$("$TUG" logout "$REG" 2>&1)
if out2=$(TUG_STATE_DIR="$WORK/state2" "$TUG" pull "$REG/busybox:1" 2>&1); then
	fail logout_forgets "pull still works after logout"
elif grep -q "$REG" "$TUG_AUTH_FILE"; then
	fail logout_forgets "$REG still in $TUG_AUTH_FILE"
else
	pass logout_forgets
fi
