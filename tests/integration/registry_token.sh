#!/bin/sh
# Bearer token flow: docker-registry (TLS) behind a token server the test runs.
# Anonymous pulls get pull-only tokens; push needs `tug login` (credentials go
# to the token server as Basic); wrong passwords are refused.
SUITE=registry_token
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/registry_lib.sh"
NAMES="anonymous_pull anonymous_push_denied login_wrong_password login_ok push_with_token
pull_after_push"
require_root $NAMES
for t in docker-registry skopeo openssl; do
	command -v $t >/dev/null || { for n in $NAMES; do skip $n "$t missing"; done; exit 0; }
done
$PY -c 'import jwt, cryptography' 2>/dev/null ||
	{ for n in $NAMES; do skip $n "python3-jwt/python3-cryptography missing"; done; exit 0; }
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy

reg_setup || { for n in $NAMES; do fail $n "setup"; done; exit 0; }
reg_start_token || { for n in $NAMES; do fail $n "$REG_WHY"; done; exit 0; }
reg_rootfs amd64 "$WORK/rootfs"
$PY "$(dirname "$0")/registry_mkoci.py" "$WORK/oci" bb "linux/amd64=$WORK/rootfs" >"$WORK/bb.txt"
reg_skopeo_push "$WORK/oci" bb busybox:1 --dest-creds alice:s3cret ||
	{ for n in $NAMES; do fail $n "skopeo push: $(tail -2 "$WORK/skopeo.log")"; done; exit 0; }
want=$(awk '{ print $2 }' "$WORK/bb.txt")

out=$("$TUG" pull "$REG/busybox:1" 2>&1)
if [ "$(refs_tag "$REG/busybox:1")" = "$want" ] && grep -q '^anon repository:busybox:pull$' "$WORK/token.log"; then
	pass anonymous_pull
else
	fail anonymous_pull "$(echo "$out" | tail -1) / $(tail -1 "$WORK/token.log")"
fi

"$TUG" tag "$REG/busybox:1" "$REG/copy:1" >/dev/null 2>&1
out=$("$TUG" push "$REG/copy:1" 2>&1) && fail anonymous_push_denied "push succeeded" ||
	case "$out" in
	*DENIED* | *denied* | *unauthorized* | *UNAUTHORIZED*) pass anonymous_push_denied ;;
	*) fail anonymous_push_denied "$out" ;;
	esac

out=$("$TUG" login -u alice -p wrong "$REG" 2>&1) && fail login_wrong_password "login succeeded" ||
	case "$out" in
	*"incorrect username or password"*) pass login_wrong_password ;;
	*) fail login_wrong_password "$out" ;;
	esac
[ -e "$TUG_AUTH_FILE" ] && fail login_wrong_password_no_file "credentials stored after a failed login"

out=$(echo s3cret | "$TUG" login -u alice --password-stdin "$REG" 2>&1)
if [ "$out" = "Login Succeeded" ] && [ "$(stat -c %a "$TUG_AUTH_FILE")" = 600 ] &&
	grep -q '^user $' "$WORK/token.log"; then
	pass login_ok
else
	fail login_ok "$out / mode $(stat -c %a "$TUG_AUTH_FILE" 2>&1)"
fi

out=$("$TUG" push "$REG/copy:1" 2>&1)
seen=$(skopeo inspect --cert-dir "$WORK/certs.d/$REG" --creds alice:s3cret "docker://$REG/copy:1" 2>&1)
if echo "$seen" | grep -q "$want" && grep -q '^user repository:copy:pull,push' "$WORK/token.log"; then
	pass push_with_token
else
	fail push_with_token "$(echo "$out" | tail -1) / $(echo "$seen" | tail -1)"
fi

out=$(TUG_STATE_DIR="$WORK/state2" "$TUG" pull "$REG/copy:1" 2>&1)
if [ "$(TUG_STATE_DIR="$WORK/state2" refs_tag "$REG/copy:1")" = "$want" ]; then
	pass pull_after_push
else
	fail pull_after_push "$(echo "$out" | tail -1)"
fi
