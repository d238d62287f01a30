#!/usr/bin/env bash
# wrk.sh compares tophat, net/http, fasthttp and the canned-bytes limit
# server over loopback TCP with wrk, on six workloads:
#
#   plaintext   GET /plaintext, keep-alive, one request per round trip
#   pipelined   GET /plaintext, 16 requests per write (wrk/pipeline.lua)
#   json        GET /json, a 4 KiB response
#   upload      POST /upload with a 64 KiB body (wrk/upload.lua)
#   close       GET /plaintext with "Connection: close": one request per connection
#   tls         GET /plaintext over TLS, keep-alive
#
# Each round runs every workload with every implementation in turn (A B C D,
# A B C D, ...), so a noisy neighbour hits them alike; the server is pinned
# to SERVER_CPU and wrk to CLIENT_CPU. One row per run goes to wrk.tsv in
# the output directory; cmd/report turns the rows into medians and ratios.
#
# Run it as root on Debian to have wrk installed when missing. It only ever
# connects to 127.0.0.1.
#
# Environment: ROUNDS (5), DURATION (5s), WARMUP (1s; 0 skips it),
# CONNECTIONS (64), PORT (18080), SERVER_CPU (0), CLIENT_CPU (1),
# WORKLOADS and IMPLS (all, space-separated), OUT (output directory;
# default a new one under RESULTS_DIR, /tmp/bench-results).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18080}
WORKLOADS=${WORKLOADS:-plaintext pipelined json upload close tls}
IMPLS=${IMPLS:-tophat nethttp fasthttp canned}
readonly HOST=127.0.0.1 # deliberately not configurable
readonly PIPELINE_DEPTH=16
# How long the server may take to start listening or to let go of the port.
readonly WAIT_TENTHS=100

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer"
if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1024 || PORT > 65535)); then
	die "PORT must be in 1024-65535"
fi
for w in $WORKLOADS; do
	case $w in plaintext | pipelined | json | upload | close | tls) ;; *) die "unknown workload $w" ;; esac
done
command -v wrk >/dev/null || apt_install wrk
command -v go >/dev/null || die "go is not installed"

build=$(mktemp -d)
server_pid="" wrk_pid=""
cleanup() {
	if [[ -n $wrk_pid ]]; then
		kill "$wrk_pid" 2>/dev/null || true
		wait "$wrk_pid" 2>/dev/null || true
	fi
	stop_server
	rm -rf "$build"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() { # impl workload log
	local args=()
	case $2 in
	tls) args+=(-tls) ;;
	json | upload | close) args+=(-canned "$2") ;;
	esac
	start_helloserver "$3" "$1" "${args[@]}"
}

run_wrk() { # workload duration output
	local url="http://$HOST:$PORT/plaintext" args=() script_args=()
	case $1 in
	pipelined) args=(-s "$bench_dir/wrk/pipeline.lua") script_args=(-- "$PIPELINE_DEPTH") ;;
	json) url="http://$HOST:$PORT/json" ;;
	upload) args=(-s "$bench_dir/wrk/upload.lua") url="http://$HOST:$PORT/upload" ;;
	close) args=(-H "Connection: close") ;;
	tls) url="https://$HOST:$PORT/plaintext" ;;
	esac
	"${pin_client[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2" --latency "${args[@]}" "$url" "${script_args[@]}" >"$3" 2>&1 &
	wrk_pid=$!
	wait "$wrk_pid" || die "wrk failed: $(cat "$3")"
	wrk_pid=""
}

# to_us turns wrk's "812.00us", "1.20ms" or "2.00s" into microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); f = 1 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); f = 1000 }
		else if (v ~ /m$/) { sub(/m$/, "", v); f = 60000000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); f = 1000000 }
		else { exit 1 }
		printf "%.1f", v * f
	}'
}

out=$(new_out_dir wrk)
raw="$out/wrk-raw"
mkdir -p "$raw"
(cd "$bench_dir" && go build -o "$build/helloserver" ./cmd/helloserver)
[[ -s $out/machine.txt ]] || machine_info >"$out/machine.txt"
echo "rounds=$ROUNDS duration=$DURATION warmup=$WARMUP connections=$CONNECTIONS pipeline=$PIPELINE_DEPTH" >"$out/wrk-settings.txt"

results="$out/wrk.tsv"
printf 'round\tworkload\timpl\treq_per_s\tp50_us\tp99_us\terrors\n' >"$results"
for ((round = 1; round <= ROUNDS; round++)); do
	for workload in $WORKLOADS; do
		for impl in $IMPLS; do
			run="$raw/$workload-$impl-r$round"
			start_server "$impl" "$workload" "$run.server.log"
			[[ $WARMUP == 0 ]] || run_wrk "$workload" "$WARMUP" "$run.warmup.txt"
			run_wrk "$workload" "$DURATION" "$run.txt"
			stop_server
			rps=$(awk '/^Requests\/sec:/ { print $2 }' "$run.txt")
			p50=$(awk '$1 == "50%" { print $2 }' "$run.txt")
			p99=$(awk '$1 == "99%" { print $2 }' "$run.txt")
			[[ -n $rps && -n $p50 && -n $p99 ]] || die "cannot read wrk output $run.txt"
			# A server that answers wrongly or drops connections must not look fast.
			errors=$(awk '/^  Non-2xx or 3xx responses:/ { n += $NF }
				/^  Socket errors:/ { for (i = 4; i <= NF; i += 2) { v = $i; sub(/,$/, "", v); n += v } }
				END { print n + 0 }' "$run.txt")
			printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$workload" "$impl" "$rps" "$(to_us "$p50")" "$(to_us "$p99")" "$errors" >>"$results"
			printf 'round %d/%d %-9s %-9s %12s req/s  p50 %9s  p99 %9s  errors %s\n' \
				"$round" "$ROUNDS" "$workload" "$impl" "$rps" "$p50" "$p99" "$errors" >&2
		done
	done
done
echo "wrk rows: $results" >&2
