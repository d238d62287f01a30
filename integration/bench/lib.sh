# lib.sh holds what the suite scripts share; they source it. It defines
# die, apt_install, the pinning commands, new_out_dir,
# and machine_info, which records the machine a run was measured on.

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
