#!/usr/bin/env bash
# run.sh runs every benchmark suite of integration/bench and writes the
# results (results.md, results.json, the raw rows) and the SVG charts to
# RESULTS (default integration/bench/results):
#
#   wrk.sh        wrk over loopback: six workloads, four servers
#   gobench.sh    in-process ns/op and allocs/op, and request parsing
#   idle.sh       resident bytes per idle keep-alive connection
#   transportbench  small requests over tcp, unix, tls, kcp and pipe
#   kcploss.sh    KCP against TCP under random loss (root only)
#   download.sh   a 1 GiB file download (sendfile) from each server
#
# Run it as root on a quiet Debian machine: it installs wrk and nftables
# when missing, raises the open-file limit and creates network namespaces.
# As another user the loss suite is skipped and said to be.
#
# Environment: ROUNDS (5: wrk, idle, transports and download rounds;
# gobench runs 2×ROUNDS), WRK_ROUNDS (ROUNDS: wrk alone, whose figures
# scatter most on a noisy machine), DURATION (5s per wrk run), CONNS (10000),
# LOSS_N (1000), SUITES ("wrk gobench idle transports kcploss download"),
# RESULTS; each suite script also reads its own variables (download.sh:
# SIZE, N).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-5}
SUITES=${SUITES:-wrk gobench idle transports kcploss download}
RESULTS=${RESULTS:-$bench_dir/results}
WRK_ROUNDS=${WRK_ROUNDS:-$ROUNDS}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $WRK_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "WRK_ROUNDS must be a positive integer"

work=$(mktemp -d)
build=$(mktemp -d)
trap 'rm -rf "$work" "$build"' EXIT
export OUT=$work
machine_info >"$work/machine.txt"

for suite in $SUITES; do
	echo "== $suite" >&2
	case $suite in
	wrk) ROUNDS=$WRK_ROUNDS bash "$bench_dir/wrk.sh" ;;
	gobench)
		ROUNDS=$((2 * ROUNDS)) bash "$bench_dir/gobench.sh" >"$work/gobench-summary.log"
		echo "rounds=$((2 * ROUNDS)) benchtime=${BENCHTIME:-1s}" >"$work/gobench-settings.txt"
		;;
	idle)
		ROUNDS=$ROUNDS bash "$bench_dir/idle.sh"
		echo "rounds=$ROUNDS conns=${CONNS:-10000} idle=${IDLE:-2s}" >"$work/idle-settings.txt"
		;;
	transports)
		(cd "$bench_dir" && go build -o "$build/transportbench" ./cmd/transportbench)
		"$build/transportbench" -rounds "$ROUNDS" -n 2000 >"$work/transports.tsv"
		echo "rounds=$ROUNDS n=2000 concurrency=16 duration=2s" >"$work/transports-settings.txt"
		;;
	kcploss)
		if [[ $EUID -ne 0 ]]; then
			echo "run.sh: skipping kcploss: it needs root for network namespaces" >&2
			continue
		fi
		ROUNDS=$(((ROUNDS + 1) / 2)) N=${LOSS_N:-1000} bash "$bench_dir/kcploss.sh"
		echo "rounds=$(((ROUNDS + 1) / 2)) n=${LOSS_N:-1000} losses=${LOSSES:-0 1 5}" >"$work/kcploss-settings.txt"
		;;
	download) ROUNDS=$ROUNDS bash "$bench_dir/download.sh" ;;
	*) die "unknown suite $suite" ;;
	esac
done

mkdir -p "$RESULTS"
(cd "$bench_dir" && go run ./cmd/report -in "$work" -out "$RESULTS")
# The rows behind the medians, so anyone can recompute them
# (go run ./cmd/report -in results -out results).
for f in machine.txt wrk.tsv impl.txt core.txt idle.tsv transports.tsv kcploss.tsv download.tsv \
	wrk-settings.txt gobench-settings.txt idle-settings.txt transports-settings.txt kcploss-settings.txt \
	download-settings.txt; do
	[[ ! -f $work/$f ]] || cp "$work/$f" "$RESULTS/$f"
done
echo "results: $RESULTS" >&2
