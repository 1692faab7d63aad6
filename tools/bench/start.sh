# Measure 3: start latency of one /bin/true container, and N in sequence
# (sourced by tools/bench.sh). Needs $BUNDLE, $TUG, docker, tugd helpers.

runtime_ok() {
	"$@" >"$BENCH_DIR/probe.log" 2>&1
}

probe_why() {
	tail -1 "$BENCH_DIR/probe.log" | cut -c1-160
}

# no_ambient_bundle: the bundle without ambient capabilities, for all three
# runtimes alike. `runc spec` asks for ambient caps it leaves out of the
# inheritable set: runc and crun skip what the kernel refuses; if tug
# refuses the whole spec, the latency is still compared on equal terms.
no_ambient_bundle() {
	_b=$BENCH_DIR/bundle-noambient
	rm -rf "$_b"
	mkdir -p "$_b"
	$PY - "$BUNDLE/config.json" "$_b/config.json" "$BUNDLE/rootfs" <<'EOP'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["capabilities"].pop("ambient", None)
c["root"]["path"] = sys.argv[3]
json.dump(c, open(sys.argv[2], "w"), indent=1)
EOP
	echo "$_b"
}

# start_pair MEASURE-SUFFIX ID LABEL VS COMMAND...: one start figure and
# the same command $SEQ_N times in sequence, or "not run" with the probe's
# last line. HYPER_WRAP (a namespace maker) applies to both.
start_pair() {
	_id=$1 _label=$2 _vs=$3
	shift 3
	# shellcheck disable=SC2086 # empty or one word
	if runtime_ok ${HYPER_WRAP:-} "$@"; then
		hyper start "$_id" "$_label" "$_vs" "$RUNS" "$WARMUP" "$@"
		hyper seq "$_id" "$_label ×$SEQ_N" "$_vs" "$SEQ_RUNS" 0 tools/bench/repeat.sh "$SEQ_N" "$@"
	else
		_why=$(probe_why)
		notrun start "$_id" "$_label" ms "$_vs" "$_why"
		notrun seq "$_id" "$_label ×$SEQ_N" ms "$_vs" "$_why"
	fi
}

measure_start() {
	HYPER_NOTE=
	roots=$BENCH_DIR/state
	mkdir -p "$roots"
	# The runtimes' --root on a tmpfs, as their defaults (/run/crun, /run/runc) and tugd's exec-root.
	mountpoint -q "$roots" || mount -t tmpfs -o mode=0711 bench-roots "$roots"
	if ! runtime_ok "$TUG" oci --root "$roots/tug" run -b "$BUNDLE" bench-tug &&
		grep -q ambient "$BENCH_DIR/probe.log"; then
		AMBIENT_WHY=$(probe_why)
		BUNDLE=$(no_ambient_bundle)
		say "tug refused runc spec's ambient caps: $AMBIENT_WHY"
		HYPER_NOTE="bundle without ambient caps, for all three"
	fi
	HYPER_NOTE="$HYPER_NOTE${AMBIENT_WHY:+ (tug refused them: $AMBIENT_WHY)}" \
		start_pair tug-oci "tug oci run" "" "$TUG" oci --root "$roots/tug" run -b "$BUNDLE" bench-tug
	HYPER_NOTE=${HYPER_NOTE:+same bundle as tug oci run}
	# The namespace is made once, outside the timing: hyperfine runs in it.
	HYPER_WRAP=tools/bench/cgroup2ns.sh start_pair crun "crun run" tug-oci \
		crun --root "$roots/crun" --cgroup-manager=disabled run -b "$BUNDLE" bench-crun
	start_pair runc "runc run" tug-oci runc --root "$roots/runc" run -b "$BUNDLE" bench-runc
	HYPER_NOTE=

	# Through the daemons. The official docker CLI speaks to both engines,
	# so docker-CLI-to-tugd against docker-CLI-to-dockerd differ only in
	# the engine; tug's own CLI is timed as well when it has `run`.
	docker_vs=tugd-docker
	if [ -z "$TUGD_PID" ]; then
		notrun start tug-run "tug run --rm (tug CLI → tugd)" ms "" "$TUGD_WHY"
		notrun seq tug-run "tug run --rm (tug CLI → tugd) ×$SEQ_N" ms "" "$TUGD_WHY"
		notrun start tugd-docker "docker run --rm → tugd" ms "" "$TUGD_WHY"
		notrun seq tugd-docker "docker run --rm → tugd ×$SEQ_N" ms "" "$TUGD_WHY"
	else
		if [ -n "$TUG_RUN_WHY" ]; then
			notrun start tug-run "tug run --rm (tug CLI → tugd)" ms "" "$TUG_RUN_WHY"
			notrun seq tug-run "tug run --rm (tug CLI → tugd) ×$SEQ_N" ms "" "$TUG_RUN_WHY"
		else
			start_pair tug-run "tug run --rm (tug CLI → tugd)" "" \
				"$TUG" run --rm --network none "$TUG_IMAGE" /bin/true
			awk -F'\t' '$1 == "start" && $2 == "tug-run" && $4 != "-"' "$RESULTS" | grep -q . &&
				docker_vs=tug-run
		fi
		start_pair tugd-docker "docker run --rm → tugd" "" \
			/usr/bin/docker -H "unix://$TUGD_SOCK" run --rm --network none "$TUG_IMAGE" /bin/true
	fi
	if [ -z "$DOCKERD_PID" ]; then
		notrun start docker "docker run --rm → dockerd" ms "$docker_vs" "$DOCKER_WHY"
		notrun seq docker "docker run --rm → dockerd ×$SEQ_N" ms "$docker_vs" "$DOCKER_WHY"
	else
		start_pair docker "docker run --rm → dockerd" "$docker_vs" \
			/usr/bin/docker -H "unix://$DOCKER_SOCK" run --rm --network none "$DOCKER_IMAGE" /bin/true
	fi
}
