#!/usr/bin/env bash
# download.sh measures a large file download over loopback TCP from tophat,
# net/http and fasthttp, each sending the file its own way (tophat's
# SendReader with the *os.File, net/http's ServeContent, fasthttp's
# SendFile: all three reach sendfile(2); see cmd/helloserver/file.go).
#
# It writes SIZE bytes from /dev/urandom into a file in a temporary
# directory (written, not sparse, so the kernel really sends bytes; after
# writing they sit in the page cache, so this measures the send path, not
# the disk), then in each round starts cmd/helloserver -file on SERVER_CPU
# for each implementation in turn and has cmd/download on CLIENT_CPU fetch
# the file WARMUP + N times over one kept-alive connection. Every timed
# download is one row of download.tsv in the output directory: round,
# impl, bytes, seconds, MiB/s. cmd/report turns the rows into medians and
# ratios.
#
# It only ever connects to 127.0.0.1, and removes the file, its server and
# its client however it exits.
#
# Environment: ROUNDS (3), SIZE (1073741824, 1 GiB), N (3 timed downloads
# per run), WARMUP (1), PORT (18082), SERVER_CPU (0), CLIENT_CPU (1),
# IMPLS ("tophat nethttp fasthttp"), OUT (output directory; default a new
# one under RESULTS_DIR, /tmp/bench-results), TMPDIR (where the file goes).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
SIZE=${SIZE:-1073741824}
N=${N:-3}
WARMUP=${WARMUP:-1}
PORT=${PORT:-18082}
IMPLS=${IMPLS:-tophat nethttp fasthttp}
readonly HOST=127.0.0.1 # deliberately not configurable
# How long the server may take to start listening or to let go of the port.
readonly WAIT_TENTHS=100

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $SIZE =~ ^[1-9][0-9]*$ ]] || die "SIZE must be a positive number of bytes"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer"
if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1024 || PORT > 65535)); then
	die "PORT must be in 1024-65535"
fi
for impl in $IMPLS; do
	case $impl in tophat | nethttp | fasthttp) ;; *) die "unknown implementation $impl" ;; esac
done
command -v go >/dev/null || die "go is not installed"

build=$(mktemp -d)
files=$(mktemp -d)
server_pid="" client_pid=""
cleanup() {
	if [[ -n $client_pid ]]; then
		kill "$client_pid" 2>/dev/null || true
		wait "$client_pid" 2>/dev/null || true
	fi
	stop_server
	rm -rf "$build" "$files"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


out=$(new_out_dir download)
raw="$out/download-raw"
mkdir -p "$raw"
(cd "$bench_dir" && go build -o "$build/helloserver" ./cmd/helloserver && go build -o "$build/download" ./cmd/download)
[[ -s $out/machine.txt ]] || machine_info >"$out/machine.txt"
echo "rounds=$ROUNDS size=$SIZE n=$N warmup=$WARMUP connections=1" >"$out/download-settings.txt"

avail=$(($(df --output=avail -k "$files" | tail -1) * 1024))
((avail > SIZE + (64 << 20))) || die "$files has $avail bytes free, too few for a $SIZE-byte file"
file="$files/download.bin"
echo "writing $SIZE random bytes to $file" >&2
head -c "$SIZE" /dev/urandom >"$file"
[[ $(stat -c %s "$file") == "$SIZE" ]] || die "could not write $SIZE bytes to $file"

results="$out/download.tsv"
printf 'round\timpl\tbytes\tseconds\tmib_per_s\n' >"$results"
for ((round = 1; round <= ROUNDS; round++)); do
	for impl in $IMPLS; do
		run="$raw/$impl-r$round"
		start_helloserver "$run.server.log" "$impl" -file "$file"
		"${pin_client[@]}" "$build/download" -url "http://$HOST:$PORT/file" -size "$SIZE" -n "$N" -warmup "$WARMUP" >"$run.txt" 2>"$run.err" &
		client_pid=$!
		wait "$client_pid" || die "download from $impl failed: $(cat "$run.err")"
		client_pid=""
		stop_server
		[[ $(wc -l <"$run.txt") -eq $N ]] || die "download printed $(wc -l <"$run.txt") lines, want $N: $run.txt"
		while IFS=$'\t' read -r bytes seconds; do
			mibs=$(awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.1f", b / 1048576 / s }')
			printf '%d\t%s\t%s\t%s\t%s\n' "$round" "$impl" "$bytes" "$seconds" "$mibs" >>"$results"
			printf 'round %d/%d %-9s %12s bytes in %9s s: %9s MiB/s\n' "$round" "$ROUNDS" "$impl" "$bytes" "$seconds" "$mibs" >&2
		done <"$run.txt"
	done
done
echo "download rows: $results" >&2
