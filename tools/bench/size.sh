# Measure 1: size on disk (sourced by tools/bench.sh).

BOARDS="qemu-x86_64 qemu-aarch64 qemu-armv7 qemu-mipsel tiny"

measure_size() {
	for b in $BOARDS; do
		arch=$(sed -n 's/^BOARD_ARCH := //p' "board/$b/board.mk")
		label="tug $b ($arch, stripped)"
		if ! make --no-print-directory BOARD="$b" >"$BENCH_DIR/build-$b.log" 2>&1; then
			notrun size "tug-$b" "$label" bytes "" "build failed: $(tail -1 "$BENCH_DIR/build-$b.log" | cut -c1-120)"
			continue
		fi
		feats=$(grep -c '^CONFIG_[A-Z_0-9]*=y' "build/$b/.config")
		record size "tug-$b" "$label" "$(stat -c %s "build/$b/tug")" bytes "" "" \
			"static musl, $feats Kconfig symbols on"
	done

	# Peers are the host's (x86_64) binaries: compare with tug for x86_64.
	crun_files=$(with_shared_libs "$(command -v crun)")
	# shellcheck disable=SC2086
	record size crun "crun $(crun_version) + shared libs" "$(file_bytes $crun_files)" bytes "" \
		tug-qemu-x86_64 "$(echo "$crun_files" | wc -l) files: $(echo "$crun_files" | xargs -n1 basename | tr '\n' ' ')"
	runc_files=$(with_shared_libs "$(command -v runc)")
	# shellcheck disable=SC2086
	record size runc "runc $(runc_version) + shared libs" "$(file_bytes $runc_files)" bytes "" \
		tug-qemu-x86_64 "$(echo "$runc_files" | wc -l) files: $(echo "$runc_files" | xargs -n1 basename | tr '\n' ' ')"
	docker_files="$(command -v dockerd) $(command -v containerd) $(command -v containerd-shim-runc-v2) $(command -v runc)"
	# shellcheck disable=SC2086
	record size docker "dockerd + containerd + shim + runc" "$(file_bytes $docker_files)" bytes "" \
		tug-qemu-x86_64 "binaries only (their shared libraries add more); CLI not counted"
	record size docker-cli "docker CLI (not counted above)" "$(file_bytes /usr/bin/docker)" bytes
}
