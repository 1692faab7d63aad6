# Measure 6: QEMU boot, /init to the first container's exec (sourced by
# tools/bench.sh). Needs PID 1 to start a container from a boot manifest.

measure_boot() {
	if ! grep -q '^CONFIG_INIT=y' build/qemu-x86_64/.config 2>/dev/null; then
		notrun boot tug "tug as /init: /init to first container exec" s "" "CONFIG_INIT is off"
		return
	fi
	if ! grep -rqs 'manifest' init/*.c; then
		notrun boot tug "tug as /init: /init to first container exec" s "" \
			"PID 1 does not start containers from a boot manifest yet (init/)"
		return
	fi
	notrun boot tug "tug as /init: /init to first container exec" s "" \
		"boot manifest support found but not wired into the benchmark yet"
}
