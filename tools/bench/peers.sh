# The area engineers' own benchmark scripts (tools/bench-<area>.sh), run
# after the main measures as a cross-check; their output goes verbatim to
# an appendix of the report (sourced by tools/bench.sh).

# peer_scripts OUT.md: run each script found, with a time limit.
peer_scripts() {
	_out=$1
	{
		echo "## Appendix: the areas' own benchmark scripts"
		echo
		echo "Each area keeps a small script of its own (not edited here); they ran after"
		echo "the measures above, on the same machine, as a cross-check of method."
		echo
	} >"$_out"
	for _area in oci load run pull net; do
		_s=tools/bench-$_area.sh
		echo "### $_s" >>"$_out"
		echo >>"$_out"
		if [ ! -x "$_s" ] && [ ! -f "$_s" ]; then
			echo "not run: $_s does not exist yet" >>"$_out"
			echo >>"$_out"
			continue
		fi
		say "appendix: $_s"
		_rc=0
		timeout 600 sh "$_s" "$TUG" >"$BENCH_DIR/peer-$_area.out" 2>&1 || _rc=$?
		{
			[ "$_rc" = 0 ] || echo "exit status $_rc (124: time limit); last lines:"
			echo '```'
			grep -v '^\s*$' "$BENCH_DIR/peer-$_area.out" | tail -25
			echo '```'
			echo
		} >>"$_out"
	done
}
