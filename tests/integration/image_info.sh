#!/bin/sh
# docker history and docker info's image count against tugd: the history
# of an image two commits made (newest first, the newest row the image ID
# and its tags, older rows "<missing>", each row the size of the layer it
# made), a missing image, and "Images" counting distinct images (a second
# tag is not a second image).
SUITE=image_info
. "$(dirname "$0")/../lib.sh"
NAMES="history_newest_first history_ids history_sizes history_cli history_missing_404 info_images_count info_limits_honest"
require_root $NAMES
T=$(tmpdir)
tugd_dir "$T"
export TUG_HOST=unix://$T/run/tug.sock
tugd_start "$T" || { for n in $NAMES; do fail "$n" "tugd did not start"; done; exit 0; }
trap 'tugd_stop $T/run; tug_cleanup_tmp' EXIT
api() { curl -s --unix-socket "$T/run/tug.sock" "http://localhost/v1.43$1"; }
PY=/usr/bin/python3
"$TUG" load -q -i "$T/busybox.tar" >/dev/null
"$TUG" run --name c1 busybox sh -c 'printf 1234567 > /one' >/dev/null
"$TUG" commit -m first c1 step:1 >/dev/null
"$TUG" run --name c2 step:1 sh -c 'printf 12345678901 > /two' >/dev/null
"$TUG" commit -m second c2 step:2 >/dev/null
api /images/step:2/history >"$T/h.json"
id=$(api /images/step:2/json | $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])')

got=$($PY -c 'import json,sys; print(" ".join(h["Comment"] for h in json.load(open(sys.argv[1]))))' "$T/h.json" 2>&1)
[ "$got" = "second first" ] && pass history_newest_first || fail history_newest_first "comments: $got ($(head -c 300 "$T/h.json"))"

got=$($PY -c 'import json,sys; h=json.load(open(sys.argv[1])); print(h[0]["Id"], h[0]["Tags"], h[1]["Id"], h[1]["Tags"])' "$T/h.json" 2>&1)
[ "$got" = "$id ['step:2'] <missing> None" ] && pass history_ids || fail history_ids "got: $got (want $id first)"

# /two (11 bytes) is the top layer's only file, /one (7) the one below.
got=$($PY -c 'import json,sys; print(" ".join(str(h["Size"]) for h in json.load(open(sys.argv[1]))))' "$T/h.json" 2>&1)
case "$got" in
"11 7") pass history_sizes ;;
*) fail history_sizes "sizes: $got (want the layers' 11 and 7 bytes)" ;;
esac

if command -v docker >/dev/null; then
	out=$(DOCKER_HOST=$TUG_HOST timeout 20 docker history --format '{{.Comment}}|{{.CreatedBy}}' step:2 2>&1)
	[ "$(echo "$out" | head -1)" = "second|tug commit" ] && pass history_cli || fail history_cli "docker history: $out"
else
	skip history_cli "docker CLI not installed"
fi

code=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$T/run/tug.sock" http://localhost/v1.43/images/nosuch/history)
[ "$code" = 404 ] && grep -q 'No such image: nosuch' "$T/body" && pass history_missing_404 ||
	fail history_missing_404 "HTTP $code: $(cat "$T/body")"

# busybox, step:1, step:2; another tag of busybox is not another image.
"$TUG" tag busybox again:1 >/dev/null 2>&1
got=$(api /info | $PY -c 'import json,sys; print(json.load(sys.stdin)["Images"])' 2>&1)
[ "$got" = 3 ] && pass info_images_count || fail info_images_count "Images: $got (want 3)"

# MemoryLimit says whether a memory limit can be enforced here.
v2=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
want=False
[ -n "$v2" ] && grep -qw memory "$v2/cgroup.controllers" 2>/dev/null && want=True
got=$(api /info | $PY -c 'import json,sys; print(json.load(sys.stdin)["MemoryLimit"])' 2>&1)
[ "$got" = "$want" ] && pass info_limits_honest || fail info_limits_honest "MemoryLimit $got, want $want"
exit 0
