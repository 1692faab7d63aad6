# A private Docker engine for the benchmarks (sourced, bash; needs lib.sh).
# Its own data-root, exec-root, pidfile, socket and config file; no bridge,
# no iptables rules. dockerd_stop leaves no process, mount or file behind.

DOCKER_DIR=$BENCH_DIR/docker
DOCKER_SOCK=$DOCKER_DIR/docker.sock
DOCKERD_PID=
CONTAINERD_PID=

# The client of the same release as the engine (another may be on PATH).
docker_cli() {
	/usr/bin/docker -H "unix://$DOCKER_SOCK" "$@"
}

dockerd_start() {
	dockerd_stop
	mkdir -p "$DOCKER_DIR/data" "$DOCKER_DIR/exec"
	# exec-root on a tmpfs (its default, /var/run/docker, is one), as tugd's and the runtimes' state.
	mount -t tmpfs -o mode=0711 bench-docker-exec "$DOCKER_DIR/exec"
	echo '{}' >"$DOCKER_DIR/daemon.json"
	# Daemons run on the benchmark core too: a client pinned alone would
	# be timed against a daemon spread over every core.
	pin_bg dockerd --data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/exec" \
		--pidfile "$DOCKER_DIR/dockerd.pid" --config-file "$DOCKER_DIR/daemon.json" \
		-H "unix://$DOCKER_SOCK" --bridge none --iptables=false --ip6tables=false \
		--storage-driver overlay2 --log-level warn \
		>"$DOCKER_DIR/dockerd.log" 2>&1
	DOCKERD_PID=$!
	for _i in $(seq 150); do
		docker_cli version >/dev/null 2>&1 && break
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.2
	done
	if ! docker_cli version >/dev/null 2>&1; then
		DOCKER_WHY="dockerd did not answer: $(tail -1 "$DOCKER_DIR/dockerd.log" | cut -c1-160)"
		dockerd_stop
		return 1
	fi
	CONTAINERD_PID=$(pgrep -P "$DOCKERD_PID" -x containerd | head -1)
	say "private dockerd $DOCKERD_PID (containerd ${CONTAINERD_PID:-?}) on $DOCKER_SOCK"
}

# shim_pids: containerd-shim-runc-v2 processes of our containerd (they
# carry its address on their command line).
shim_pids() {
	for _p in $(pgrep -x containerd-shim 2>/dev/null) $(pgrep -f '^/usr/bin/containerd-shim-runc-v2 ' 2>/dev/null); do
		tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null | grep -qF "$DOCKER_DIR/" && echo "$_p"
	done | sort -u
}

dockerd_stop() {
	# A run killed hard leaves its engine behind, on these very directories.
	if [ -z "$DOCKERD_PID" ] && [ -f "$DOCKER_DIR/dockerd.pid" ]; then
		DOCKERD_PID=$(cat "$DOCKER_DIR/dockerd.pid")
		grep -qs dockerd "/proc/$DOCKERD_PID/comm" || DOCKERD_PID=
	fi
	if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
		_ids=$(docker_cli ps -aq 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$_ids" ] && docker_cli rm -f $_ids >/dev/null 2>&1
		kill -TERM "$DOCKERD_PID"
		for _i in $(seq 100); do
			kill -0 "$DOCKERD_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -0 "$DOCKERD_PID" 2>/dev/null && kill -KILL "$DOCKERD_PID"
		wait "$DOCKERD_PID" 2>/dev/null
	fi
	for _p in $(shim_pids) $CONTAINERD_PID; do
		kill -KILL "$_p" 2>/dev/null
	done
	DOCKERD_PID='' CONTAINERD_PID=''
	unmount_under "$DOCKER_DIR"
}

# unmount_under DIR: every mount below DIR, deepest first.
unmount_under() {
	awk -v d="$1/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r |
		while read -r _m; do umount -l "$_m" 2>/dev/null; done
}

# docker_leftovers: what a stopped engine left on the host (empty: nothing).
docker_leftovers() {
	ip -o link show type bridge 2>/dev/null | grep -q 'docker' && echo "docker bridge"
	iptables -S 2>/dev/null | grep -qi docker && echo "iptables DOCKER rules"
	[ -n "$(shim_pids)" ] && echo "shim processes"
	pgrep -f "$DOCKER_DIR/" >/dev/null && echo "processes using $DOCKER_DIR"
	awk -v d="$DOCKER_DIR/" 'index($2, d) == 1' /proc/self/mounts | grep -q . && echo "mounts"
}
