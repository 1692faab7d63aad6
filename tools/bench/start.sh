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

measure_start() {
	HYPER_NOTE=
	oci_cmd="$TUG oci run -b $BUNDLE bench-tug"
	# shellcheck disable=SC2086
	if ! runtime_ok $oci_cmd && grep -q ambient "$BENCH_DIR/probe.log"; then
		why=$(probe_why)
		BUNDLE=$(no_ambient_bundle)
		HYPER_NOTE="bundle without ambient caps, for all three"
		say "tug refused runc spec's ambient caps: $why"
		AMBIENT_WHY=$why
		oci_cmd="$TUG oci run -b $BUNDLE bench-tug"
	fi
	# shellcheck disable=SC2086
	if runtime_ok $oci_cmd; then
		HYPER_NOTE="$HYPER_NOTE${AMBIENT_WHY:+ (tug refused them: $AMBIENT_WHY)}" \
			hyper start tug-oci "tug oci run" "" "$RUNS" "$WARMUP" $oci_cmd
		hyper seq tug-oci "tug oci run ×$SEQ_N" "" "$SEQ_RUNS" 0 \
			tools/bench/repeat.sh "$SEQ_N" $oci_cmd
	else
		notrun start tug-oci "tug oci run" ms "" "$(probe_why)"
		notrun seq tug-oci "tug oci run ×$SEQ_N" ms "" "$(probe_why)"
	fi

	crun_cmd="tools/bench/cgroup2ns.sh crun --cgroup-manager=disabled run -b $BUNDLE bench-crun"
	# shellcheck disable=SC2086
	if runtime_ok $crun_cmd; then
		# The namespace is made once, outside the timing: hyperfine runs in it.
		HYPER_WRAP=tools/bench/cgroup2ns.sh hyper start crun "crun run" tug-oci "$RUNS" "$WARMUP" \
			crun --cgroup-manager=disabled run -b "$BUNDLE" bench-crun
		HYPER_WRAP=tools/bench/cgroup2ns.sh hyper seq crun "crun run ×$SEQ_N" tug-oci "$SEQ_RUNS" 0 \
			tools/bench/repeat.sh "$SEQ_N" crun --cgroup-manager=disabled run -b "$BUNDLE" bench-crun
	else
		notrun start crun "crun run" ms tug-oci "$(probe_why)"
		notrun seq crun "crun run ×$SEQ_N" ms tug-oci "$(probe_why)"
	fi

	runc_cmd="runc run -b $BUNDLE bench-runc"
	# shellcheck disable=SC2086
	if runtime_ok $runc_cmd; then
		hyper start runc "runc run" tug-oci "$RUNS" "$WARMUP" $runc_cmd
		hyper seq runc "runc run ×$SEQ_N" tug-oci "$SEQ_RUNS" 0 tools/bench/repeat.sh "$SEQ_N" $runc_cmd
	else
		notrun start runc "runc run" ms tug-oci "$(probe_why)"
		notrun seq runc "runc run ×$SEQ_N" ms tug-oci "$(probe_why)"
	fi

	HYPER_NOTE=
	# shellcheck disable=SC2086
	if [ -n "$TUGD_PID" ] && [ -z "$TUG_RUN_WHY" ] && runtime_ok $TUG_CLIENT run --rm "$TUG_IMAGE" /bin/true; then
		# shellcheck disable=SC2086
		hyper start tug-run "tug run --rm (daemon)" "" "$RUNS" "$WARMUP" \
			$TUG_CLIENT run --rm "$TUG_IMAGE" /bin/true
		# shellcheck disable=SC2086
		hyper seq tug-run "tug run --rm ×$SEQ_N" "" "$SEQ_RUNS" 0 tools/bench/repeat.sh "$SEQ_N" \
			$TUG_CLIENT run --rm "$TUG_IMAGE" /bin/true
	else
		why=${TUGD_WHY:-${TUG_RUN_WHY:-$(probe_why)}}
		notrun start tug-run "tug run --rm (daemon)" ms "" "$why"
		notrun seq tug-run "tug run --rm ×$SEQ_N" ms "" "$why"
	fi

	if [ -n "$DOCKERD_PID" ] && runtime_ok docker_cli run --rm --network none "$DOCKER_IMAGE" /bin/true; then
		hyper start docker "docker run --rm --network none" tug-run "$RUNS" "$WARMUP" \
			/usr/bin/docker -H "unix://$DOCKER_SOCK" run --rm --network none "$DOCKER_IMAGE" /bin/true
		hyper seq docker "docker run --rm ×$SEQ_N" tug-run "$SEQ_RUNS" 0 tools/bench/repeat.sh "$SEQ_N" \
			/usr/bin/docker -H "unix://$DOCKER_SOCK" run --rm --network none "$DOCKER_IMAGE" /bin/true
	else
		why=${DOCKER_WHY:-$(probe_why)}
		notrun start docker "docker run --rm --network none" ms tug-run "$why"
		notrun seq docker "docker run --rm ×$SEQ_N" ms tug-run "$why"
	fi
}
