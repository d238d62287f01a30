#!/bin/sh
# soak.sh runs the long soak: 1,000,000 requests over 256 kept-alive
# streams, over TCP and over the in-memory pipe, pipelined in batches of 1
# to 16 with uploads (some chunked) and downloads (some streamed) of up to
# 64 KiB, every body checked; then prints the figures. It fails if any
# request fails or goroutines or the live heap grow between the first and
# the last tenth.
#
#	integration/soak.sh            # from anywhere in the repository
#	SOAK_RACE=1 integration/soak.sh  # under the race detector (much slower)
set -eu
cd "$(dirname "$0")/.."
race=""
if [ "${SOAK_RACE:-0}" = 1 ]; then
	race="-race"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
go test $race -count=1 -timeout 60m -run '^TestSoak$' -v ./integration/ -args -long >"$log" 2>&1 || status=$?
grep -E 'FIGURE|^(---|ok|FAIL|PASS)|soak_test.go' "$log" | sed 's/^ *//'
if [ "$status" -ne 0 ]; then
	echo "soak failed (exit $status); full log:" >&2
	tail -n 50 "$log" >&2
fi
exit "$status"
