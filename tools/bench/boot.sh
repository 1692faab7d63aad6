# Measure 6: QEMU boot (sourced by tools/bench.sh): /init to the first
# container of a boot manifest, as PID 1 times it on the console
# (tools/bench/boot-manifest.sh): the engine's API up, the engine's start
# call returned (after the exec), and the exec by the container's own clock
# (/bin/stamp against /init's start, tools/boot-times.sh); and per board the
# boot test's QEMU start to power-off with tug as /init running its
# tug.test payload.

measure_boot() {
	label="qemu-x86_64: /init to first container started (boot manifest)"
	if ! grep -q '^CONFIG_INIT=y' build/qemu-x86_64/.config 2>/dev/null; then
		notrun boot first "$label" ms "" "CONFIG_INIT is off"
	else
		mkdir -p "$BENCH_DIR/boot"
		out=$(tools/bench/boot-manifest.sh "$BENCH_DIR/boot" 2>&1)
		api=$(echo "$out" | sed -n 's/.*engine API up at \([0-9.]*\) ms after .init.*/\1/p' | head -1)
		first=$(echo "$out" | sed -n 's/.*first container .* started \([0-9.]*\) ms after .init.*/\1/p' | head -1)
		exec_ms=$(echo "$out" | sed -n 's/.*init to first container exec \([0-9.]*\) ms (the container.s clock).*/\1/p' | head -1)
		if [ -n "$api" ]; then
			record boot api "qemu-x86_64: /init to engine API up" "$api" ms "" "" "PID 1's own clock (console)"
		fi
		if [ -n "$exec_ms" ]; then
			record boot exec "qemu-x86_64: /init to first container exec (boot manifest)" "$exec_ms" ms "" "" \
				"the container's own CLOCK_MONOTONIC (/bin/stamp) minus /init's; TCG, no KVM"
		fi
		if [ -n "$first" ]; then
			record boot first "$label" "$first" ms "" "" "PID 1's own clock (the engine's start returned, after the exec); TCG, no KVM"
		else
			notrun boot first "$label" ms "" "the manifest's container did not start in QEMU: $(echo "$out" |
				grep -E 'manifest failed|error|qemu-run' | head -2 | tr '\n' ' ' | cut -c1-160) (console: $BENCH_DIR/boot/boot.log)"
		fi
	fi
	for b in $BOOT_BOARDS; do
		out=$(tests/qemu/boot.sh "$b" 2>&1)
		secs=$(echo "$out" | sed -n 's/.*power off after \([0-9.]*\) s.*/\1/p' | tail -1)
		if echo "$out" | grep -q "^PASS qemu-boot/$b\$" && [ -n "$secs" ]; then
			record boot "power-$b" "$b: QEMU start to power-off, tug as /init" "$secs" s "" "" \
				"TCG, no KVM; PID 1 mounts cgroup2, runs tug.test, powers off (tests/qemu/boot.sh)"
		else
			notrun boot "power-$b" "$b: QEMU start to power-off, tug as /init" s "" \
				"$(echo "$out" | grep -E '^(FAIL|SKIP)' | head -1 | cut -c1-140)"
		fi
	done
}
