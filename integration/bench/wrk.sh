#!/usr/bin/env bash
# wrk.sh compares tophat, net/http and fasthttp over loopback TCP with wrk.
# It builds cmd/helloserver and, for each of ROUNDS rounds, serves with each
# implementation in turn (so a noisy neighbour hits them alike): the server
# pinned to SERVER_CPU, wrk to CLIENT_CPU. It prints the median requests/s
# and latency p50/p99 per implementation, and tophat's ratios to the others.
#
# Run it as root on Debian to have wrk installed when missing; elsewhere
# install wrk first. It only ever connects to 127.0.0.1.
#
# Environment: ROUNDS (5), DURATION (5s), WARMUP (1s; 0 skips it),
# CONNECTIONS (50), THREADS (1), PORT (18080), SERVER_CPU (0), CLIENT_CPU (1),
# RESULTS_DIR (/tmp/bench-results): raw output goes to a new directory in it.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-1}
PORT=${PORT:-18080}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
RESULTS_DIR=${RESULTS_DIR:-/tmp/bench-results}
readonly HOST=127.0.0.1 # deliberately not configurable
readonly IMPLS=(tophat nethttp fasthttp)
# How long the server may take to start listening or to let go of the port.
readonly WAIT_TENTHS=100

die() { echo "wrk.sh: $*" >&2; exit 1; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1024 || PORT > 65535)); then
	die "PORT must be in 1024-65535"
fi
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ && $THREADS =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS and THREADS must be positive integers"
((CONNECTIONS >= THREADS)) || die "CONNECTIONS must be at least THREADS"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if ! command -v wrk >/dev/null; then
	[[ $EUID -eq 0 ]] || die "wrk is not installed; install it, or run as root to have apt-get install it"
	command -v apt-get >/dev/null || die "wrk is not installed and there is no apt-get"
	echo "installing wrk" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends wrk
fi
command -v go >/dev/null || die "go is not installed"

# Pinning needs two CPUs; on one, both share it and the ratios still hold.
pin_server=() pin_client=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
	pin_server=(taskset -c "$SERVER_CPU")
	pin_client=(taskset -c "$CLIENT_CPU")
else
	echo "wrk.sh: not pinning (needs taskset and 2 CPUs)" >&2
fi

build=$(mktemp -d)
server_pid="" wrk_pid=""
cleanup() {
	if [[ -n $wrk_pid ]] && kill -0 "$wrk_pid" 2>/dev/null; then
		kill "$wrk_pid" 2>/dev/null || true
		wait "$wrk_pid" 2>/dev/null || true
	fi
	stop_server
	rm -rf "$build"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# listening reports whether something accepts connections on the port.
listening() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

stop_server() {
	[[ -n $server_pid ]] || return 0
	kill -TERM "$server_pid" 2>/dev/null || true
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}

wait_port_free() {
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		listening || return 0
		sleep 0.1
	done
	die "port $PORT on $HOST is still in use"
}

start_server() { # impl log
	wait_port_free
	"${pin_server[@]}" "$build/helloserver" -impl "$1" -addr "$HOST:$PORT" >"$2" 2>&1 &
	server_pid=$!
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		kill -0 "$server_pid" 2>/dev/null || die "$1 server exited: $(cat "$2")"
		listening && return 0
		sleep 0.1
	done
	die "$1 server did not listen on $HOST:$PORT"
}

run_wrk() { # duration output
	"${pin_client[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" --latency "http://$HOST:$PORT/" >"$2" 2>&1 &
	wrk_pid=$!
	wait "$wrk_pid" || die "wrk failed: $(cat "$2")"
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

out="$RESULTS_DIR/wrk-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
(cd "$repo/integration/bench" && go build -o "$build/helloserver" ./cmd/helloserver)

{
	echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) CPUs, $(go version), $(wrk -v 2>&1 | head -1)"
	echo "# rounds=$ROUNDS duration=$DURATION warmup=$WARMUP connections=$CONNECTIONS threads=$THREADS" \
		"server_cpu=${pin_server[*]:-unpinned} client_cpu=${pin_client[*]:-unpinned} load=$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/env.txt"

results="$out/rounds.tsv"
printf 'round\timpl\treq_per_s\tp50_us\tp99_us\terrors\n' >"$results"
for ((round = 1; round <= ROUNDS; round++)); do
	for impl in "${IMPLS[@]}"; do
		raw="$out/$impl-r$round.txt"
		start_server "$impl" "$out/$impl-r$round.server.log"
		[[ $WARMUP == 0 ]] || run_wrk "$WARMUP" "$out/$impl-r$round.warmup.txt"
		run_wrk "$DURATION" "$raw"
		stop_server
		wait_port_free
		rps=$(awk '/^Requests\/sec:/ { print $2 }' "$raw")
		p50=$(awk '$1 == "50%" { print $2 }' "$raw")
		p99=$(awk '$1 == "99%" { print $2 }' "$raw")
		[[ -n $rps && -n $p50 && -n $p99 ]] || die "cannot read wrk output $raw"
		# A server that answers wrongly or drops connections must not look fast.
		errors=$(awk '/^  Non-2xx or 3xx responses:/ { n += $NF }
			/^  Socket errors:/ { for (i = 4; i <= NF; i += 2) n += $i }
			END { print n + 0 }' "$raw")
		printf '%d\t%s\t%s\t%s\t%s\t%s\n' "$round" "$impl" "$rps" "$(to_us "$p50")" "$(to_us "$p99")" "$errors" >>"$results"
		printf 'round %d/%d %-9s %12s req/s  p50 %9s  p99 %9s  errors %s\n' \
			"$round" "$ROUNDS" "$impl" "$rps" "$p50" "$p99" "$errors" >&2
	done
done

awk -F'\t' '
function median(impl, col,   n, i, j, v, t) {
	n = count[impl]
	for (i = 1; i <= n; i++) v[i] = vals[impl, col, i]
	for (i = 2; i <= n; i++) {
		t = v[i]
		for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
		v[j + 1] = t
	}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
NR > 1 {
	c = ++count[$2]
	for (col = 3; col <= 5; col++) vals[$2, col, c] = $col
	errors[$2] += $6
}
END {
	printf "\n%-9s %12s %10s %10s %7s %7s\n", "impl", "req/s", "p50 (us)", "p99 (us)", "errors", "rounds"
	split("tophat nethttp fasthttp", impls, " ")
	for (k = 1; k <= 3; k++) {
		i = impls[k]
		rps[i] = median(i, 3); p50[i] = median(i, 4); p99[i] = median(i, 5)
		printf "%-9s %12.0f %10.1f %10.1f %7d %7d\n", i, rps[i], p50[i], p99[i], errors[i], count[i]
	}
	printf "\nmedians; req/s ratio above 1 and latency ratio below 1 favour tophat\n"
	printf "%-16s %8s %8s %8s\n", "ratio", "req/s", "p50", "p99"
	for (k = 2; k <= 3; k++) {
		i = impls[k]
		printf "%-16s %8s %8s %8s\n", "tophat/" i, ratio(rps["tophat"], rps[i]), ratio(p50["tophat"], p50[i]), ratio(p99["tophat"], p99[i])
	}
	for (k = 1; k <= 3; k++) if (errors[impls[k]] > 0) printf "WARNING: %s had errors; see the raw output\n", impls[k]
}' "$results" | tee "$out/summary.txt"
echo "raw output: $out" >&2
