# Measure 2: idle RSS of the engine and RSS added per running container
# (sourced by tools/bench.sh). Containers run `sleep`, whose own RSS is the
# same under any engine and is not counted.

measure_memory_docker_idle() {
	if [ -z "$DOCKERD_PID" ]; then
		notrun memory docker-idle "dockerd + containerd, idle" kB tugd-idle "$DOCKER_WHY"
		return
	fi
	sleep 3
	record memory docker-idle "dockerd + containerd, idle" "$(rss_kb "$DOCKERD_PID" "$CONTAINERD_PID")" kB \
		"" tugd-idle "fresh engine, no container"
}

measure_memory_tugd_idle() {
	if [ -z "$TUGD_PID" ]; then
		notrun memory tugd-idle "tugd, idle" kB "" "$TUGD_WHY"
		return
	fi
	sleep 1
	# shellcheck disable=SC2046
	record memory tugd-idle "tugd, idle" "$(rss_kb $(tug_engine_pids))" kB "" "" \
		"fresh engine, no container; $(tug_engine_pids | wc -l) engine processes"
	# Each process alone too: most of each RSS is the binary's text, the
	# same page-cache pages in both (private: the anonymous memory only).
	for _p in $(tug_engine_pids); do
		if [ "$_p" = "$TUGD_PID" ]; then _id=tugd-alone _what="tugd alone, idle"
		else _id=keeper-alone _what="keeper alone, idle"; fi
		record memory "$_id" "$_what" "$(rss_kb "$_p")" kB "" "" \
			"private (anonymous) $(awk '/^RssAnon:/ {print $2}' "/proc/$_p/status") kB"
	done
}

measure_memory_docker_per() {
	label="docker: added per running container"
	if [ -z "$DOCKERD_PID" ]; then
		notrun memory docker-per "$label" kB tugd-per "$DOCKER_WHY"
		return
	fi
	# shellcheck disable=SC2046
	before=$(rss_kb "$DOCKERD_PID" "$CONTAINERD_PID" $(shim_pids))
	for i in $(seq "$MEM_N"); do
		if ! docker_cli run -d --network none --name "bench-mem-$i" "$DOCKER_IMAGE" sleep 100000 \
			>>"$BENCH_LOG" 2>&1; then
			notrun memory docker-per "$label" kB tugd-per "docker run -d failed at container $i"
			docker_rm_all
			return
		fi
	done
	sleep 3
	shims=$(shim_pids)
	# shellcheck disable=SC2086
	after=$(rss_kb "$DOCKERD_PID" "$CONTAINERD_PID" $shims)
	# shellcheck disable=SC2086
	shim_kb=$(rss_kb $shims)
	nshims=$(echo "$shims" | grep -c .)
	record memory docker-per "$label" "$(((after - before) / MEM_N))" kB "" tugd-per \
		"$MEM_N containers: engine+shims $before -> $after kB; $nshims shims, $((shim_kb / (nshims > 0 ? nshims : 1))) kB each"
	docker_rm_all
}

docker_rm_all() {
	_ids=$(docker_cli ps -aq)
	# shellcheck disable=SC2086
	[ -n "$_ids" ] && docker_cli rm -f $_ids >/dev/null 2>&1
}

measure_memory_tugd_per() {
	label="tugd: added per running container"
	if [ -z "$TUGD_PID" ]; then
		notrun memory tugd-per "$label" kB "" "$TUGD_WHY"
		return
	fi
	# tug's own CLI when it has `run`, else the docker CLI on tugd's socket.
	if [ -z "$TUG_RUN_WHY" ]; then
		TUG_CLIENT=$TUG
		client="tug CLI"
	else
		TUG_CLIENT="/usr/bin/docker -H unix://$TUGD_SOCK"
		client="docker CLI"
	fi
	# shellcheck disable=SC2046
	before=$(rss_kb $(tug_engine_pids))
	for i in $(seq "$MEM_N"); do
		# shellcheck disable=SC2086
		if ! $TUG_CLIENT run -d --network none --name "bench-mem-$i" "$TUG_IMAGE" sleep 100000 >>"$BENCH_LOG" 2>&1; then
			notrun memory tugd-per "$label" kB "" "tug run -d failed at container $i: $(tail -1 "$BENCH_LOG" | cut -c1-120)"
			tug_rm_all
			return
		fi
	done
	sleep 3
	engine=$(tug_engine_pids)
	# shellcheck disable=SC2086
	after=$(rss_kb $engine)
	record memory tugd-per "$label" "$(((after - before) / MEM_N))" kB "" "" \
		"$MEM_N containers ($client): engine $before -> $after kB; $(echo "$engine" | grep -c .) engine processes"
	tug_rm_all
}

tug_rm_all() {
	[ -n "$TUGD_PID" ] && [ -n "$TUG_CLIENT" ] || return 0
	# shellcheck disable=SC2086
	_ids=$($TUG_CLIENT ps -aq 2>/dev/null)
	# shellcheck disable=SC2086
	[ -n "$_ids" ] && $TUG_CLIENT rm -f $_ids >/dev/null 2>&1
}
