#!/usr/bin/env bash
# gobench.sh runs the in-memory benchmarks of integration/bench (tophat,
# net/http and fasthttp over the same fake connection) and core's own,
# ROUNDS times, and prints benchstat tables plus median ratios.
#
# It runs each benchmark once per round rather than using -count, because
# go test -count repeats each sub-benchmark back to back: rounds make the
# implementations alternate, so a noisy neighbour hits them alike.
#
# Environment: ROUNDS (10), BENCHTIME (1s), BENCH (regexp, "."),
# OUT (output directory; default a new one under RESULTS_DIR,
# /tmp/bench-results). impl.txt and core.txt there are what cmd/report reads.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-10}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}
BENCHSTAT_MODULE=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
command -v go >/dev/null || die "go is not installed"

benchstat=$(command -v benchstat || true)
if [[ -z $benchstat ]]; then
	benchstat="$(go env GOPATH)/bin/benchstat"
	if [[ ! -x $benchstat ]]; then
		echo "installing benchstat" >&2
		go install "$BENCHSTAT_MODULE"
	fi
fi

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

out=$(new_out_dir gobench)
: >"$out/impl.txt"
: >"$out/core.txt"
[[ -s $out/machine.txt ]] || machine_info >"$out/machine.txt"
(cd integration/bench && go test -c -o "$build/bench.test" .)
go test -c -o "$build/core.test" ./core/

{
	echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) CPUs, $(go version)"
	echo "# rounds=$ROUNDS benchtime=$BENCHTIME bench=$BENCH load=$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/gobench-env.txt"

for ((round = 1; round <= ROUNDS; round++)); do
	echo "round $round/$ROUNDS" >&2
	# Test binaries run in their package directory, as go test runs them.
	(cd integration/bench && "$build/bench.test" -test.run '^$' -test.bench "$BENCH" \
		-test.benchmem -test.benchtime "$BENCHTIME" -test.count 1) >>"$out/impl.txt"
	(cd core && "$build/core.test" -test.run '^$' -test.bench "$BENCH" \
		-test.benchmem -test.benchtime "$BENCHTIME" -test.count 1) >>"$out/core.txt"
done

# benchstat keys columns on name=value parts of sub-benchmark names.
sed -E 's#^(Benchmark[^/ ]+)/(tophat|nethttp|fasthttp)#\1/impl=\2#' "$out/impl.txt" >"$out/impl-keyed.txt"

{
	echo
	echo "== benchstat, one column per implementation (tophat is the base)"
	(cd "$out" && "$benchstat" -col /impl impl-keyed.txt)
	echo
	echo "== benchstat, core"
	(cd "$out" && "$benchstat" core.txt)
	echo
	echo "== medians of $ROUNDS rounds; ratio = tophat / other, for ns/op below 1 means tophat is faster"
	cat "$out/impl.txt" "$out/core.txt" | awk '
	function median(key,   n, i, j, v, t) {
		n = count[key]
		for (i = 1; i <= n; i++) v[i] = vals[key, i]
		for (i = 2; i <= n; i++) {
			t = v[i]
			for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
			v[j + 1] = t
		}
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
	/^Benchmark/ {
		name = $1
		sub(/^Benchmark/, "", name)
		sub(/-[0-9]+$/, "", name)
		if (!(name in seen)) { seen[name] = 1; order[++names] = name }
		for (i = 3; i < NF; i += 2) {
			key = name SUBSEP $(i + 1)
			vals[key, ++count[key]] = $i
		}
	}
	END {
		printf "%-32s %12s %10s %10s %7s\n", "benchmark", "ns/op", "B/op", "allocs/op", "rounds"
		for (k = 1; k <= names; k++) {
			n = order[k]
			ns[n] = median(n SUBSEP "ns/op")
			printf "%-32s %12.1f %10.0f %10.0f %7d\n", n, ns[n], median(n SUBSEP "B/op"),
				median(n SUBSEP "allocs/op"), count[n SUBSEP "ns/op"]
		}
		print ""
		printf "%-20s %16s %17s\n", "benchmark", "tophat/nethttp", "tophat/fasthttp"
		for (k = 1; k <= names; k++) {
			n = order[k]
			if (n !~ /\/tophat$/) continue
			base = n
			sub(/\/tophat$/, "", base)
			printf "%-20s %16s %17s\n", base, ratio(ns[n], ns[base "/nethttp"]), ratio(ns[n], ns[base "/fasthttp"])
		}
	}'
} | tee "$out/gobench-summary.txt"
echo
echo "raw output: $out" >&2
