# Measure 5: pull a ~100 MB image from Debian's docker-registry on loopback
# (sourced by tools/bench.sh). Plain HTTP on 127.0.0.1, which Docker treats
# as an insecure registry by default.

REGISTRY_PID=
REGISTRY_ADDR=

registry_start() {
	_dir=$BENCH_DIR/registry
	rm -rf "$_dir"
	mkdir -p "$_dir/data"
	for _p in $(seq 5060 5099); do
		ss -Hltn "sport = :$_p" | grep -q . || { REGISTRY_ADDR=127.0.0.1:$_p; break; }
	done
	cat >"$_dir/config.yml" <<EOC
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $_dir/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOC
	docker-registry serve "$_dir/config.yml" >"$_dir/registry.log" 2>&1 &
	REGISTRY_PID=$!
	for _i in $(seq 50); do
		$PY -c 'import urllib.request,sys; urllib.request.urlopen("http://%s/v2/" % sys.argv[1], timeout=1)' \
			"$REGISTRY_ADDR" 2>/dev/null && return 0
		sleep 0.2
	done
	REGISTRY_WHY="docker-registry did not answer: $(tail -1 "$_dir/registry.log" | cut -c1-120)"
	registry_stop
	return 1
}

registry_stop() {
	[ -n "$REGISTRY_PID" ] && kill -TERM "$REGISTRY_PID" 2>/dev/null && wait "$REGISTRY_PID" 2>/dev/null
	REGISTRY_PID=
}

measure_pull() {
	img=$1
	mb=$(( $(stat -c %s "$img") / 1048576 ))
	REGISTRY_WHY=
	if ! registry_start; then
		notrun pull tug "tug pull" s "" "$REGISTRY_WHY"
		notrun pull skopeo "skopeo copy" s tug "$REGISTRY_WHY"
		notrun pull docker "docker pull" s tug "$REGISTRY_WHY"
		return
	fi
	ref=$REGISTRY_ADDR/bench/pull:1
	if ! skopeo copy -q --dest-tls-verify=false "docker-archive:$img" "docker://$ref" >>"$BENCH_LOG" 2>&1; then
		why="skopeo could not push the image: $(tail -1 "$BENCH_LOG" | cut -c1-120)"
		notrun pull tug "tug pull" s "" "$why"
		notrun pull skopeo "skopeo copy" s tug "$why"
		notrun pull docker "docker pull" s tug "$why"
		registry_stop
		return
	fi
	note="$mb MB, $PULL_LAYERS layers (gzip in the registry), $LOAD_RUNS runs"

	if "$TUG" pull --help 2>&1 | grep -q 'Usage: tug pull'; then
		times=
		for r in $(seq "$LOAD_RUNS"); do
			rm -rf "$BENCH_DIR/tug-pull"
			mkdir -p "$BENCH_DIR/tug-pull"
			TUG_STATE_DIR=$BENCH_DIR/tug-pull TUG_RUN_DIR=$BENCH_DIR/tug-pull/run \
				timed_rss t "$TUG" pull -q --insecure "$ref" || { times=FAIL; break; }
			times="$times $t_s"
		done
		if [ "$times" = FAIL ]; then
			notrun pull tug "tug pull" s "" "failed: $(tail -1 "$BENCH_LOG" | cut -c1-120)"
		else
			# shellcheck disable=SC2086
			read -r mean sd <<<"$(mean_sd $times)"
			record pull tug "tug pull" "$mean" s "$sd" "" "$note; peak RSS $t_kb kB"
		fi
		rm -rf "$BENCH_DIR/tug-pull"
	else
		notrun pull tug "tug pull" s "" "tug pull is not in this build yet ($("$TUG" pull --help 2>&1 | head -1 | cut -c1-80))"
	fi

	times=
	for r in $(seq "$LOAD_RUNS"); do
		rm -rf "$BENCH_DIR/skopeo-out"
		timed_rss s skopeo copy -q --src-tls-verify=false "docker://$ref" "dir:$BENCH_DIR/skopeo-out" ||
			{ times=FAIL; break; }
		times="$times $s_s"
	done
	rm -rf "$BENCH_DIR/skopeo-out"
	if [ "$times" = FAIL ]; then
		notrun pull skopeo "skopeo copy" s tug "failed: $(tail -1 "$BENCH_LOG" | cut -c1-120)"
	else
		# shellcheck disable=SC2086
		read -r mean sd <<<"$(mean_sd $times)"
		record pull skopeo "skopeo copy (to dir:, blobs only)" "$mean" s "$sd" tug "$note; peak RSS $s_kb kB"
	fi

	if [ -z "$DOCKERD_PID" ]; then
		notrun pull docker "docker pull" s tug "$DOCKER_WHY"
	else
		times=
		for r in $(seq "$LOAD_RUNS"); do
			timed_rss d /usr/bin/docker -H "unix://$DOCKER_SOCK" pull -q "$ref" || { times=FAIL; break; }
			docker_cli rmi -f "$ref" >/dev/null 2>&1
			times="$times $d_s"
		done
		if [ "$times" = FAIL ]; then
			notrun pull docker "docker pull" s tug "failed: $(tail -1 "$BENCH_LOG" | cut -c1-120)"
		else
			# shellcheck disable=SC2086
			read -r mean sd <<<"$(mean_sd $times)"
			record pull docker "docker pull (download + unpack)" "$mean" s "$sd" tug "$note"
		fi
	fi
	registry_stop
}
