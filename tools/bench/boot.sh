# Measure 6: QEMU boot (sourced by tools/bench.sh). The figure wanted is
# /init to the first container's exec, which needs PID 1 to start containers
# from a boot manifest; until then the boot test's own figure is kept: QEMU
# start to power-off with tug as /init running its tug.test payload.

measure_boot() {
	label="tug as /init: /init to first container exec"
	if ! grep -q '^CONFIG_INIT=y' build/qemu-x86_64/.config 2>/dev/null; then
		notrun boot tug "$label" s "" "CONFIG_INIT is off"
	elif ! grep -rqs 'manifest' init/*.c; then
		notrun boot tug "$label" s "" "PID 1 does not start containers from a boot manifest yet (init/)"
	else
		notrun boot tug "$label" s "" "boot manifest support found, not wired into the benchmark yet"
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
