#!/usr/bin/env bash
# kcploss.sh compares KCP with TCP on a link that loses packets at random:
# two network namespaces joined by a veth pair, and nftables rules in the
# namespaces that drop LOSSES percent of the packets in each
# direction ("numgen random mod 100 < N drop" on each end's input; this
# kernel has no netem).
# For every loss rate and round it runs, in turn, TCP, KCP with the fast
# preset, KCP with the lossy preset (four copies of every datagram), and
# the lossy preset with one copy fewer (kcp-dup2: three copies, where a
# request whose copies are all lost, about one in 4,000 at 5 % loss, waits
# for kcp-go's 30 ms minimum retransmission timeout, which is why the preset
# sends four):
# cmd/transportbench serves in one namespace and sends N sequential small
# requests from the other, and one row per run goes to kcploss.tsv (p50,
# p99 and maximum latency, failed requests, requests per second).
#
# It needs root. It creates its own namespaces and veth pair and removes
# them on exit; all traffic stays between 10.77.0.1 and 10.77.0.2 inside
# them.
#
# Environment: ROUNDS (3), N (1000), LOSSES ("0 1 5"), OUT.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
N=${N:-1000}
LOSSES=${LOSSES:-0 1 5}
readonly SERVER_IP=10.77.0.1 CLIENT_IP=10.77.0.2
readonly NS_SERVER="tophat-bench-srv-$$" NS_CLIENT="tophat-bench-cli-$$"
readonly VETH_SERVER="tbsrv$$" VETH_CLIENT="tbcli$$"
# label, address: ports are fixed, inside a namespace no one else uses.
readonly CASES=(
	"tcp tcp://$SERVER_IP:9001"
	"kcp-fast kcp://$SERVER_IP:9002?preset=fast"
	"kcp-lossy kcp://$SERVER_IP:9003?preset=lossy"
	"kcp-dup2 kcp://$SERVER_IP:9004?preset=lossy&dup=2"
)

[[ $EUID -eq 0 ]] || die "needs root: it creates network namespaces"
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $N =~ ^[1-9][0-9]*$ ]] || die "ROUNDS and N must be positive integers"
for loss in $LOSSES; do
	[[ $loss =~ ^[0-9]+$ ]] && ((loss < 100)) || die "LOSSES are percentages, 0-99"
done
command -v go >/dev/null || die "go is not installed"
command -v ip >/dev/null || apt_install iproute2
command -v nft >/dev/null || apt_install nftables

build=$(mktemp -d)
server_pids=()
cleanup() {
	local pid
	for pid in "${server_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# Deleting a namespace deletes the veth end in it, and so the pair.
	ip netns del "$NS_SERVER" 2>/dev/null || true
	ip netns del "$NS_CLIENT" 2>/dev/null || true
	rm -rf "$build"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

out=$(new_out_dir kcploss)
raw="$out/kcploss-raw"
mkdir -p "$raw"
(cd "$bench_dir" && go build -o "$build/transportbench" ./cmd/transportbench)
[[ -s $out/machine.txt ]] || machine_info >"$out/machine.txt"

ip netns add "$NS_SERVER"
ip netns add "$NS_CLIENT"
ip link add "$VETH_SERVER" type veth peer name "$VETH_CLIENT"
ip link set "$VETH_SERVER" netns "$NS_SERVER"
ip link set "$VETH_CLIENT" netns "$NS_CLIENT"
ip -n "$NS_SERVER" addr add "$SERVER_IP/24" dev "$VETH_SERVER"
ip -n "$NS_CLIENT" addr add "$CLIENT_IP/24" dev "$VETH_CLIENT"
for ns in "$NS_SERVER" "$NS_CLIENT"; do ip -n "$ns" link set lo up; done
ip -n "$NS_SERVER" link set "$VETH_SERVER" up
ip -n "$NS_CLIENT" link set "$VETH_CLIENT" up

# set_loss drops pct percent of the packets arriving at each namespace's
# veth end, so each direction loses pct percent. Drops happen on input:
# a drop in an output chain is reported to the sending socket (sendmsg
# fails with EPERM), which is a local firewall, not a lossy link.
set_loss() { # pct
	local ns dev
	for ns in "$NS_SERVER" "$NS_CLIENT"; do
		ip netns exec "$ns" nft flush ruleset
	done
	(($1 > 0)) || return 0
	for ns in "$NS_SERVER" "$NS_CLIENT"; do
		dev=$VETH_SERVER
		[[ $ns == "$NS_SERVER" ]] || dev=$VETH_CLIENT
		ip netns exec "$ns" nft -f - <<NFT
table inet lossy {
	chain in {
		type filter hook input priority 0; policy accept;
		iifname "$dev" numgen random mod 100 < $1 drop
	}
}
NFT
	done
}

set_loss 0
for c in "${CASES[@]}"; do
	label=${c%% *} address=${c#* }
	ip netns exec "$NS_SERVER" "$build/transportbench" -serve "$address" >"$raw/server-$label.log" 2>&1 &
	server_pids+=($!)
done
# The TCP server answering from the client's namespace proves the link.
for ((i = 0; i < 100; i++)); do
	ip netns exec "$NS_CLIENT" bash -c "exec 3<>/dev/tcp/$SERVER_IP/9001" 2>/dev/null && break
	sleep 0.1
done
((i < 100)) || die "the client namespace cannot reach the server: $(cat "$raw"/server-*.log)"
for pid in "${server_pids[@]}"; do kill -0 "$pid" 2>/dev/null || die "a server failed: $(cat "$raw"/server-*.log)"; done

results="$out/kcploss.tsv"
printf 'round\tloss_pct\tcase\tanswered\terrors\tp50_us\tp99_us\tmax_us\treq_per_s\n' >"$results"
for ((round = 1; round <= ROUNDS; round++)); do
	for loss in $LOSSES; do
		set_loss "$loss"
		for c in "${CASES[@]}"; do
			label=${c%% *} address=${c#* }
			row=$(ip netns exec "$NS_CLIENT" timeout 600 "$build/transportbench" -client "$address" -label "$label" -n "$N" \
				2>>"$raw/client.log") || die "client $label at $loss% failed: $(tail -3 "$raw/client.log")"
			printf '%d\t%d\t%s\n' "$round" "$loss" "$row" >>"$results"
			echo "round $round/$ROUNDS loss $loss% $row" >&2
		done
	done
done
set_loss 0
echo "kcploss rows: $results" >&2
