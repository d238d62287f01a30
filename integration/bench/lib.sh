# lib.sh holds what the suite scripts share; they source it. It defines
# die, apt_install, the pinning commands, new_out_dir, machine_info, which
# records the machine a run was measured on, and the helpers of scripts
# that run one server at a time (listening, wait_port_free,
# start_helloserver, stop_server).

die() { echo "${0##*/}: $*" >&2; exit 1; }

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# apt_install PACKAGE... installs Debian packages when running as root.
apt_install() {
	[[ $EUID -eq 0 ]] || die "missing $*; install it, or run as root to have apt-get install it"
	command -v apt-get >/dev/null || die "missing $* and there is no apt-get"
	echo "installing $*" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

# pin_server and pin_client put the server and the load generator on
# separate CPUs (SERVER_CPU, CLIENT_CPU); on one CPU both share it.
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
pin_server=() pin_client=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
	pin_server=(taskset -c "$SERVER_CPU")
	pin_client=(taskset -c "$CLIENT_CPU")
fi

# machine_info prints key=value lines about this machine and this moment.
machine_info() {
	echo "date=$(date -u +%FT%TZ)"
	echo "nproc=$(nproc)"
	echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "kernel=$(uname -sr)"
	echo "go=$(go env GOVERSION)"
	# BENCH_COMMIT names the commit when measuring an exported tree.
	echo "commit=${BENCH_COMMIT:-$(git -C "$bench_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
	echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
	if command -v wrk >/dev/null; then echo "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"; fi
	echo "pinning=${pin_server[*]:-none} / ${pin_client[*]:-none}"
}

# new_out_dir prints OUT if set (creating it), or a new timestamped
# directory under RESULTS_DIR (default /tmp/bench-results).
new_out_dir() { # suite
	local dir=${OUT:-${RESULTS_DIR:-/tmp/bench-results}/$1-$(date +%Y%m%d-%H%M%S)}
	mkdir -p "$dir"
	echo "$dir"
}

# The one-server-at-a-time helpers use the caller's HOST, PORT, server_pid
# and WAIT_TENTHS (how many tenths of a second to wait for a port or a
# process).

# listening reports whether something accepts connections on the port.
listening() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

# wait_port_free waits until nothing listens on the port any more.
wait_port_free() {
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		listening || return 0
		sleep 0.1
	done
	die "port $PORT on $HOST is still in use"
}

# start_helloserver LOG IMPL [ARG...] starts $build/helloserver for IMPL
# on HOST:PORT, pinned to the server CPU, with its output in LOG, and waits
# until it listens.
start_helloserver() {
	local log=$1 impl=$2
	shift 2
	wait_port_free
	"${pin_server[@]}" "$build/helloserver" -impl "$impl" -addr "$HOST:$PORT" "$@" >"$log" 2>&1 &
	server_pid=$!
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		kill -0 "$server_pid" 2>/dev/null || die "$impl server exited: $(cat "$log")"
		listening && return 0
		sleep 0.1
	done
	die "$impl server did not listen on $HOST:$PORT"
}

# stop_server stops the server server_pid names, if any: TERM, then KILL.
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
