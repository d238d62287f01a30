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
# Each round runs every workload with every implementation in turn, the
# order reversed every other round (A B C D, D C B A, ...), so a noisy
# neighbour hits them alike and a slow stretch does not always fall on the
# same place; the server is pinned to SERVER_CPU and wrk to CLIENT_CPU. One
# row per run goes to wrk.tsv in the output directory; cmd/report turns the
# rows into medians and ratios.
#
# Besides wrk's figures a row holds the server's CPU time in the timed run
# (from /proc/PID/stat, read just before and after it): user and system
# microseconds per request, and utilisation, the server's CPU seconds over
# the run's seconds. Utilisation well below 1 means wrk, not the server,
# set the pace.
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
CLK_TCK=$(getconf CLK_TCK)
[[ $CLK_TCK =~ ^[1-9][0-9]*$ ]] || die "getconf CLK_TCK gave '$CLK_TCK'"
read -ra impls <<<"$IMPLS"

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

# read_server_cpu sets cpu_user and cpu_sys to the CPU time the server has
# used so far, in clock ticks: fields 14 and 15 of /proc/PID/stat, which
# count every thread of the process. server_pid is the server's own: the
# pinning command execs it.
read_server_cpu() {
	local stat comm fields
	read -r stat <"/proc/$server_pid/stat" || die "cannot read /proc/$server_pid/stat"
	# Field 2 is the command name in parentheses, which may hold spaces.
	comm=${stat#*(}
	comm=${comm%)*}
	[[ $comm == helloserver ]] || die "process $server_pid is $comm, not the server"
	read -ra fields <<<"${stat##*) }" # fields[0] is field 3
	cpu_user=${fields[11]} cpu_sys=${fields[12]}
}

# cpu_columns prints server_user_us, server_sys_us and server_util from the
# server's CPU ticks in a run and wrk's count of requests and duration: a
# run with no request has no CPU per request (nan).
cpu_columns() { # user_ticks sys_ticks requests run_us
	awk -v u="$1" -v s="$2" -v n="$3" -v t="$4" -v hz="$CLK_TCK" 'BEGIN {
		us_per_tick = 1000000 / hz
		if (n > 0) printf "%.3f\t%.3f\t", u * us_per_tick / n, s * us_per_tick / n
		else printf "nan\tnan\t"
		printf "%.3f", (u + s) * us_per_tick / t
	}'
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
printf 'round\tworkload\timpl\treq_per_s\tp50_us\tp99_us\terrors\tserver_user_us\tserver_sys_us\tserver_util\n' >"$results"
for ((round = 1; round <= ROUNDS; round++)); do
	order=("${impls[@]}")
	if ((round % 2 == 0)); then
		order=()
		for ((k = ${#impls[@]} - 1; k >= 0; k--)); do order+=("${impls[k]}"); done
	fi
	for workload in $WORKLOADS; do
		for impl in "${order[@]}"; do
			run="$raw/$workload-$impl-r$round"
			start_server "$impl" "$workload" "$run.server.log"
			[[ $WARMUP == 0 ]] || run_wrk "$workload" "$WARMUP" "$run.warmup.txt"
			read_server_cpu
			user0=$cpu_user sys0=$cpu_sys
			run_wrk "$workload" "$DURATION" "$run.txt"
			read_server_cpu
			stop_server
			rps=$(awk '/^Requests\/sec:/ { print $2 }' "$run.txt")
			p50=$(awk '$1 == "50%" { print $2 }' "$run.txt")
			p99=$(awk '$1 == "99%" { print $2 }' "$run.txt")
			# "  812345 requests in 5.00s, 98.76MB read"
			requests=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$run.txt")
			run_time=$(awk '$2 == "requests" && $3 == "in" { sub(/,$/, "", $4); print $4 }' "$run.txt")
			[[ -n $rps && -n $p50 && -n $p99 && -n $requests && -n $run_time ]] || die "cannot read wrk output $run.txt"
			cpu=$(cpu_columns $((cpu_user - user0)) $((cpu_sys - sys0)) "$requests" "$(to_us "$run_time")")
			# A server that answers wrongly or drops connections must not look fast.
			errors=$(awk '/^  Non-2xx or 3xx responses:/ { n += $NF }
				/^  Socket errors:/ { for (i = 4; i <= NF; i += 2) { v = $i; sub(/,$/, "", v); n += v } }
				END { print n + 0 }' "$run.txt")
			printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$workload" "$impl" "$rps" "$(to_us "$p50")" "$(to_us "$p99")" "$errors" "$cpu" >>"$results"
			IFS=$'\t' read -r user_us sys_us util <<<"$cpu"
			printf 'round %d/%d %-9s %-9s %12s req/s  p50 %9s  p99 %9s  errors %s  server cpu %s+%s us/req  util %s\n' \
				"$round" "$ROUNDS" "$workload" "$impl" "$rps" "$p50" "$p99" "$errors" "$user_us" "$sys_us" "$util" >&2
		done
	done
done
echo "wrk rows: $results" >&2
