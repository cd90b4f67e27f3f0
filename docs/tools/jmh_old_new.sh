#!/usr/bin/env bash
# JMH ExploreBench of an old build and of this tree, alternately, in one run (docs/PERFORMANCE.md).
#   docs/tools/jmh_old_new.sh OLD_TREE [ROUNDS] [VARIANTS]
# OLD_TREE: a worktree of the old commit with stress/target/mmrace.jar built (mvn -o -q -DskipTests package).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
old=$(cd "$1" && pwd); rounds=${2:-3}; variants=${3:-fast-v1,slow}
"$here/mmrace" build >/dev/null
out=$(mktemp -d)
for r in $(seq 1 "$rounds"); do
  for which in old new; do
    tree=$here; [ "$which" = old ] && tree=$old
    echo "round $r: $which ($tree)" >&2
    (cd "$tree" && ./mmrace bench ExploreBench -p variant="$variants" -f 1 -rf json -rff "$out/$which-$r.json" >&2)
  done
done
python3 - "$out" "$rounds" <<'PY'
import json, sys, statistics
d, rounds = sys.argv[1], int(sys.argv[2])
res = {}
for r in range(1, rounds + 1):
    for w in ("old", "new"):
        for b in json.load(open(f"{d}/{w}-{r}.json")):
            res.setdefault((b["params"]["variant"], w), []).append(b["primaryMetric"]["score"])
print(f"{'variant':<10} {'old exec/s (rounds)':<36} {'new exec/s (rounds)':<36} ratio of means")
for v in sorted({k[0] for k in res}):
    o, n = res[(v, "old")], res[(v, "new")]
    f = lambda xs: ", ".join(f"{x:,.0f}" for x in xs)
    print(f"{v:<10} {f(o):<36} {f(n):<36} {statistics.mean(n) / statistics.mean(o):.2f}")
PY
