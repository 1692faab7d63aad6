#!/bin/sh
# compare.sh A.tsv B.tsv [TOLERANCE]: do two runs of `make bench` agree?
# Each peer/tug ratio of run A is set against run B's; a ratio that moved by
# more than TOLERANCE (default 0.25 = 25%) fails. Raw figures are shown too,
# so a noisy measure can be told apart from a ratio that is only n/a.
# Exit 0 when every ratio present in both runs agrees, 1 otherwise.
# The runs' files: build/bench/results-*.tsv (one per run of tools/bench.sh).
set -eu
[ $# -ge 2 ] || { sed -n '2,8s/^# \{0,1\}//p' "$0" >&2; exit 2; }
exec /usr/bin/python3 - "$@" <<'EOF_PY'
import sys

def load(path):
    rows = {}
    for line in open(path):
        p = (line.rstrip("\n").split("\t") + [""] * 8)[:8]
        rows[(p[0], p[1])] = {"label": p[2], "value": p[3], "vs": p[6]}
    return rows

def num(v):
    try:
        return float(v)
    except ValueError:
        return None

def ratio(rows, key):
    r = rows.get(key)
    if not r or not r["vs"]:
        return None
    base = rows.get((key[0], r["vs"]))
    a, b = num(r["value"]), num(base["value"]) if base else None
    return a / b if a is not None and b else None

a, b = load(sys.argv[1]), load(sys.argv[2])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
bad = checked = 0
print("%-34s %12s %12s %8s  %s" % ("measure/id", "A", "B", "change", "verdict"))
for key in a:
    if key not in b:
        continue
    name = "%s/%s" % key
    ra, rb = ratio(a, key), ratio(b, key)
    if ra is not None and rb is not None:
        change = rb / ra - 1
        checked += 1
        ok = abs(change) <= tol
        bad += not ok
        print("%-34s %11.2fx %11.2fx %+7.0f%%  %s" % (name, ra, rb, change * 100,
              "ok" if ok else "NOISY ratio"))
        continue
    va, vb = num(a[key]["value"]), num(b[key]["value"])
    if va is not None and vb is not None and va:
        change = vb / va - 1
        print("%-34s %12g %12g %+7.0f%%  %s" % (name, va, vb, change * 100,
              "figure" if abs(change) <= tol else "figure, noisy"))
    else:
        print("%-34s %12s %12s %8s  %s" % (name, a[key]["value"], b[key]["value"], "", "not run"))
print("%d ratios compared, %d moved more than %d%%" % (checked, bad, tol * 100))
sys.exit(1 if bad else 0)
EOF_PY
