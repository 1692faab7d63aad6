# Measure 4: load a ~50 MB multi-layer docker-save archive (sourced by
# tools/bench.sh). Time is the client's wall time; peak RSS is the loading
# process for tug, and for Docker the client plus the engine's peak summed
# RSS (dockerd + containerd, sampled every 50 ms) during the load.

measure_load() {
	img=$1
	mb=$(( $(stat -c %s "$img") / 1048576 ))
	if "$TUG" load --help 2>&1 | grep -q 'Usage: tug load'; then
		times='' peak=0
		for r in $(seq "$LOAD_RUNS"); do
			rm -rf "$BENCH_DIR/tug-load"
			mkdir -p "$BENCH_DIR/tug-load"
			sync
			if ! TUG_STATE_DIR=$BENCH_DIR/tug-load TUG_RUN_DIR=$BENCH_DIR/tug-load/run \
				timed_rss t "$TUG" load -q -i "$img"; then
				times=FAIL
				break
			fi
			times="$times $t_s"
			[ "$t_kb" -gt "$peak" ] && peak=$t_kb
		done
		if [ "$times" = FAIL ]; then
			notrun load tug-time "tug load" s "" "failed: $(tail -1 "$BENCH_LOG" | cut -c1-120)"
			notrun load tug-rss "tug load, peak RSS" kB "" "load failed"
		else
			# shellcheck disable=SC2086
			read -r mean sd <<<"$(mean_sd $times)"
			record load tug-time "tug load" "$mean" s "$sd" "" "$mb MB, $LOAD_LAYERS layers, $LOAD_RUNS runs, fresh store each"
			record load tug-rss "tug load, peak RSS" "$peak" kB "" "" "max over runs; the largest single process (GNU time)"
		fi
		rm -rf "$BENCH_DIR/tug-load"
	else
		notrun load tug-time "tug load" s "" "tug load is not in this build"
		notrun load tug-rss "tug load, peak RSS" kB "" "tug load is not in this build"
	fi

	if [ -z "$DOCKERD_PID" ]; then
		notrun load docker-time "docker load" s tug-time "$DOCKER_WHY"
		notrun load docker-rss "docker load, peak RSS" kB tug-rss "$DOCKER_WHY"
		return
	fi
	times='' peak=0 dpeak=0
	for r in $(seq "$LOAD_RUNS"); do
		sync
		tools/bench/rss-peak.sh "$BENCH_DIR/rss.peak" "$DOCKERD_PID" "$CONTAINERD_PID" &
		sampler=$!
		ok=1
		timed_rss d /usr/bin/docker -H "unix://$DOCKER_SOCK" load -q -i "$img" || ok=
		kill -TERM "$sampler"
		wait "$sampler"
		docker_cli rmi -f "$LOAD_REF" >/dev/null 2>&1
		[ -n "$ok" ] || { times=FAIL; break; }
		times="$times $d_s"
		[ "$d_kb" -gt "$peak" ] && peak=$d_kb
		e=$(cat "$BENCH_DIR/rss.peak")
		[ "$e" -gt "$dpeak" ] && dpeak=$e
	done
	if [ "$times" = FAIL ]; then
		notrun load docker-time "docker load" s tug-time "failed: $(tail -1 "$BENCH_LOG" | cut -c1-120)"
		notrun load docker-rss "docker load, peak RSS" kB tug-rss "load failed"
		return
	fi
	# shellcheck disable=SC2086
	read -r mean sd <<<"$(mean_sd $times)"
	record load docker-time "docker load" "$mean" s "$sd" tug-time "$LOAD_RUNS runs, image removed between"
	record load docker-rss "docker load, peak RSS" "$((peak + dpeak))" kB "" tug-rss \
		"client $peak kB + engine $dpeak kB (whole engine, not only its growth)"
}
