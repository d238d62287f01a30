#!/usr/bin/env bash
# fuzz.sh runs the project's fuzz targets, each for FUZZTIME (default 10m),
# JOBS at a time (default 1), and prints one line per target: executions,
# executions per second, new corpus entries, and PASS or FAIL. A crasher is
# left where go test writes it (the package's testdata/fuzz/FuzzX/), ready
# to become a regression seed.
#
#   integration/fuzz.sh                         # every target, 10 minutes each
#   FUZZTIME=30s integration/fuzz.sh FuzzRouter # one target
#
# Logs go to a fresh directory under LOGDIR (default /tmp/tophat-fuzz).
set -euo pipefail

FUZZTIME=${FUZZTIME:-10m}
JOBS=${JOBS:-1}
LOGDIR=${LOGDIR:-/tmp/tophat-fuzz}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: JOBS must be a positive integer" >&2; exit 2; }

# Every "func FuzzX(" in a _test.go file, as "package-dir FuzzX".
mapfile -t targets < <(git grep -n '^func Fuzz' -- '*_test.go' |
	sed -E 's#^(.*)/[^/]+_test\.go:[0-9]+:func (Fuzz[A-Za-z0-9_]+).*#./\1 \2#' | sort -u)
if [ $# -gt 0 ]; then
	want=" $* "
	filtered=()
	for t in "${targets[@]}"; do
		[[ $want == *" ${t#* } "* ]] && filtered+=("$t")
	done
	targets=("${filtered[@]}")
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz.sh: no fuzz target matches $*" >&2; exit 2; }

out=$(mktemp -d "${LOGDIR%/}.XXXXXX")
echo "fuzz.sh: ${#targets[@]} targets, $FUZZTIME each, $JOBS at a time; logs in $out"

run() {
	local pkg=$1 name=$2 log="$out/$2.log"
	if go test "$pkg" -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -parallel 1 >"$log" 2>&1; then
		result=PASS
	else
		result=FAIL
	fi
	# The last progress line carries the totals.
	local last execs secs
	last=$(grep -E '^fuzz: elapsed' "$log" | tail -1 || true)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	secs=$(sed -nE 's/.*elapsed: ([0-9hms.]+),.*/\1/p' <<<"$last")
	printf '%-22s %-28s %s execs in %s (%s), %s\n' "$name" "$pkg" "${execs:-?}" "${secs:-?}" \
		"$(sed -nE 's/.*(new interesting: [0-9]+).*/\1/p' <<<"$last")" "$result"
}

pids=()
for t in "${targets[@]}"; do
	run ${t% *} ${t#* } &
	pids+=($!)
	if [ ${#pids[@]} -ge "$JOBS" ]; then
		wait "${pids[0]}" || true
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p" || true; done
if grep -l '^--- FAIL' "$out"/*.log >/dev/null 2>&1; then
	echo "fuzz.sh: failures in: $(grep -l '^--- FAIL' "$out"/*.log | xargs -n1 basename | tr '\n' ' ')"
	exit 1
fi
