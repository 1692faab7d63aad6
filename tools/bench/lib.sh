# Shared helpers for tools/bench.sh and its measures (sourced, bash).
#
# Every figure goes to $RESULTS (TSV, one line a figure):
#   measure  id  label  value  unit  spread  vs  note
# `vs` names the tug row a peer is compared with (ratio = peer / tug);
# a figure that could not be taken has value "-" and note "not run: why".

: "${BENCH_DIR:?}" "${RESULTS:?}"
BENCH_LOG=${BENCH_LOG:-$BENCH_DIR/bench.log}
PY=/usr/bin/python3

say() { echo "bench: $*" >&2; echo "bench: $*" >>"$BENCH_LOG"; }

# record MEASURE ID LABEL VALUE UNIT [SPREAD] [VS] [NOTE]
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" \
		"${6:-}" "${7:-}" "${8:-}" >>"$RESULTS"
	say "$1/$2: $4 $5${6:+ ± $6}${8:+ ($8)}"
}

# notrun MEASURE ID LABEL UNIT [VS] WHY
notrun() {
	record "$1" "$2" "$3" - "$4" "" "$5" "not run: $6"
}

# pin: the command prefix that keeps a benchmark on one core (BENCH_CPU,
# empty for none). Two cores here: the other one takes the noise.
pin() {
	if [ -n "${BENCH_CPU:-}" ]; then
		taskset -c "$BENCH_CPU" "$@"
	else
		"$@"
	fi
}

# pin_bg COMMAND...: pin and start COMMAND in the background; $! is then
# COMMAND itself (taskset execs it), not a subshell.
pin_bg() {
	if [ -n "${BENCH_CPU:-}" ]; then
		taskset -c "$BENCH_CPU" "$@" &
	else
		"$@" &
	fi
}

# rss_kb PID...: summed VmRSS of live processes (kB).
rss_kb() {
	_sum=0
	for _p in "$@"; do
		_r=$(awk '/^VmRSS:/ {print $2}' "/proc/$_p/status" 2>/dev/null)
		_sum=$((_sum + ${_r:-0}))
	done
	echo "$_sum"
}

# hwm_kb PID: the peak RSS (VmHWM) of a live process since it started (kB).
hwm_kb() {
	awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0
}

# file_bytes FILE...: summed on-disk size after following links.
file_bytes() {
	_sum=0
	for _f in "$@"; do
		_s=$(stat -L -c %s "$_f")
		_sum=$((_sum + _s))
	done
	echo "$_sum"
}

# with_shared_libs BIN: BIN and every shared library ldd lists for it.
with_shared_libs() {
	echo "$1"
	ldd "$1" 2>/dev/null | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | sort -u
}

# hyper MEASURE ID LABEL VS RUNS WARMUP COMMAND...: mean and stddev of
# COMMAND (no shell between hyperfine and it), in ms.
hyper() {
	_m=$1 _id=$2 _label=$3 _vs=$4 _runs=$5 _warm=$6
	shift 6
	_json=$BENCH_DIR/hf-$_m-$_id.json
	# The command's output would otherwise be timed through a pipe to us.
	# shellcheck disable=SC2086 # empty or one word
	if ! pin ${HYPER_WRAP:-} hyperfine -N --style none --output null --warmup "$_warm" --runs "$_runs" \
		--export-json "$_json" -- "$(quote_cmd "$@")" >>"$BENCH_LOG" 2>&1; then
		notrun "$_m" "$_id" "$_label" ms "$_vs" "hyperfine failed: $(tail -2 "$BENCH_LOG" | tr '\n' ' ' | cut -c1-160)"
		return 1
	fi
	read -r _mean _sd <<<"$($PY -c 'import json,sys
r=json.load(open(sys.argv[1]))["results"][0]
print("%.2f %.2f" % (r["mean"]*1e3, (r["stddev"] or 0)*1e3))' "$_json")"
	record "$_m" "$_id" "$_label" "$_mean" ms "$_sd" "$_vs" "${HYPER_NOTE:-}"
}

# quote_cmd ARGS...: one string hyperfine -N splits back into ARGS (no
# spaces inside arguments: keep paths simple).
quote_cmd() {
	local IFS=' '
	echo "$*"
}

# timed_rss OUTVAR COMMAND...: run COMMAND under /usr/bin/time -v; sets
# ${OUTVAR}_s (wall seconds) and ${OUTVAR}_kb (peak RSS of COMMAND).
timed_rss() {
	_var=$1
	shift
	_tf=$BENCH_DIR/time.out
	if ! pin /usr/bin/time -v -o "$_tf" "$@" >>"$BENCH_LOG" 2>&1; then
		return 1
	fi
	eval "${_var}_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$_tf")"
	eval "${_var}_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$_tf" |
		awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')"
}

# mean_sd V...: "mean sd" of the numbers given.
mean_sd() {
	$PY -c 'import statistics as s,sys
v=[float(x) for x in sys.argv[1:]]
print("%.3f %.3f" % (s.mean(v), s.stdev(v) if len(v) > 1 else 0.0))' "$@"
}
