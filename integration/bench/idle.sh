#!/usr/bin/env bash
# idle.sh measures what an idle keep-alive connection costs a server in
# resident memory, for tophat, net/http and fasthttp: it starts the server
# (cmd/helloserver), reads its VmRSS, has cmd/idleconns (another process)
# open CONNS connections and send one request on each, lets them sit idle
# for IDLE, reads VmRSS again and divides the growth by CONNS. Then it asks
# the server (SIGUSR1) to collect garbage and return free memory to the
# system, as every Go runtime does on its own within minutes (a forced
# collection every two minutes, then the scavenger), and reads VmRSS a
# third time: the settled cost, without the buffers freed by idle streams
# that the runtime has not yet given back (two collections: a sync.Pool's
# contents survive one). Every implementation gets the
# same treatment. Rounds alternate the implementations. One row per run
# goes to idle.tsv.
#
# Kernel socket buffers are not in VmRSS: this is the server process's own
# cost (goroutine stacks, buffers, per-connection state).
#
# Environment: ROUNDS (3), CONNS (10000), IDLE (2s: a tophat stream gives
# its buffers back at once after one request, a busy one after 200 ms),
# PORT (18081), IMPLS, OUT.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-10000}
IDLE=${IDLE:-2s}
PORT=${PORT:-18081}
IMPLS=${IMPLS:-tophat nethttp fasthttp}
readonly HOST=127.0.0.1
readonly WAIT_TENTHS=100

[[ $ROUNDS =~ ^[1-9][0-9]*$ && $CONNS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS and CONNS must be positive integers"
command -v go >/dev/null || die "go is not installed"

# Each process needs a descriptor per connection and some to spare.
need=$((CONNS + 1024))
if (($(ulimit -Hn) < need)); then ulimit -Hn "$need" 2>/dev/null || die "cannot raise the open-file limit to $need (run as root)"; fi
ulimit -n "$(ulimit -Hn)"

build=$(mktemp -d)
server_pid="" client_pid="" client_in=""
cleanup() {
	stop_client
	stop_server
	rm -rf "$build"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_client() {
	[[ -n $client_pid ]] || return 0
	[[ -z $client_in ]] || exec {client_in}>&-
	client_in=""
	kill -TERM "$client_pid" 2>/dev/null || true
	wait "$client_pid" 2>/dev/null || true
	client_pid=""
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

out=$(new_out_dir idle)
raw="$out/idle-raw"
mkdir -p "$raw"
(cd "$bench_dir" && go build -o "$build/helloserver" ./cmd/helloserver && go build -o "$build/idleconns" ./cmd/idleconns)
[[ -s $out/machine.txt ]] || machine_info >"$out/machine.txt"

results="$out/idle.tsv"
printf 'round\timpl\tconns\trss_before_kib\trss_after_kib\tbytes_per_conn\trss_settled_kib\tsettled_bytes_per_conn\n' >"$results"
for ((round = 1; round <= ROUNDS; round++)); do
	for impl in $IMPLS; do
		wait_port_free
		"$build/helloserver" -impl "$impl" -addr "$HOST:$PORT" >"$raw/$impl-r$round.server.log" 2>&1 &
		server_pid=$!
		for ((i = 0; i < WAIT_TENTHS; i++)); do listening && break; sleep 0.1; done
		listening || die "$impl did not listen"
		sleep 0.5
		before=$(rss_kib "$server_pid")

		fifo="$build/client-in"
		rm -f "$fifo"
		mkfifo "$fifo"
		"$build/idleconns" -addr "$HOST:$PORT" -n "$CONNS" <"$fifo" >"$raw/$impl-r$round.client.out" 2>&1 &
		client_pid=$!
		exec {client_in}>"$fifo"
		for ((i = 0; i < 10 * WAIT_TENTHS; i++)); do
			grep -q '^ready' "$raw/$impl-r$round.client.out" && break
			kill -0 "$client_pid" 2>/dev/null || die "idleconns failed: $(cat "$raw/$impl-r$round.client.out")"
			sleep 0.1
		done
		grep -q "^ready $CONNS\$" "$raw/$impl-r$round.client.out" || die "idleconns not ready: $(cat "$raw/$impl-r$round.client.out")"
		sleep "${IDLE%s}"
		after=$(rss_kib "$server_pid")
		kill -USR1 "$server_pid"
		sleep 1
		settled=$(rss_kib "$server_pid")
		stop_client
		stop_server
		per=$(((after - before) * 1024 / CONNS))
		settled_per=$(((settled - before) * 1024 / CONNS))
		printf '%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n' "$round" "$impl" "$CONNS" "$before" "$after" "$per" "$settled" "$settled_per" >>"$results"
		printf 'round %d/%d %-9s %6d KiB -> %6d KiB: %6d bytes per idle connection, %6d settled\n' \
			"$round" "$ROUNDS" "$impl" "$before" "$after" "$per" "$settled_per" >&2
	done
done
echo "idle rows: $results" >&2
