#!/bin/sh
# testssl.sh scans the TLS transport's defaults with testssl.sh (the Debian
# package of that name, installed with apt-get if missing): it builds
# examples/hello, serves it on loopback over tls+tcp with nothing but the
# defaults (TLS 1.2 minimum, Go's cipher suites, a development
# certificate), runs the scan with no DNS lookups and no calls to the
# outside (no CRL or OCSP), stops the server and prints a summary: the
# protocols and ciphers offered, and every finding of severity LOW or
# above. It exits 1 if a finding is MEDIUM or above.
#
# The development certificate is self-signed, so findings about trust and
# the chain (untrusted issuer, no OCSP or CRL URI, no CAA record) concern
# it, not the transport, and are listed apart.
#
#	integration/testssl.sh
set -eu
cd "$(dirname "$0")/.."

if ! command -v testssl >/dev/null 2>&1; then
	echo "testssl.sh not found; installing the Debian package" >&2
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get install -y testssl.sh >/dev/null
fi

work=$(mktemp -d)
server=""
cleanup() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

go build -o "$work/hello" ./examples/hello
"$work/hello" -quiet -listen tls+tcp://127.0.0.1:0 -devcert "$work/cert.pem" >"$work/server.log" 2>&1 &
server=$!

# The server logs the address it got (addr=https://127.0.0.1:PORT/).
addr=""
for _ in $(seq 100); do
	addr=$(sed -n 's|.*listening addr=https://\([0-9.]*:[0-9]*\)/.*|\1|p' "$work/server.log")
	[ -n "$addr" ] && break
	sleep 0.1
done
if [ -z "$addr" ]; then
	echo "the server did not start:" >&2
	cat "$work/server.log" >&2
	exit 1
fi
echo "scanning tophat's TLS defaults at $addr (examples/hello, tls+tcp)"

# --nodns none and no --phone-out: nothing leaves the machine.
testssl --quiet --color 0 --warnings off --nodns none --sneaky \
	--openssl-timeout 10 --jsonfile "$work/scan.json" "$addr" >"$work/scan.txt" 2>&1 || true
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
server=""

if [ ! -s "$work/scan.json" ]; then
	echo "testssl produced no results:" >&2
	cat "$work/scan.txt" >&2
	exit 1
fi

echo
echo "== protocols offered"
jq -r '.[] | select(.id | test("^(SSLv2|SSLv3|TLS1|TLS1_1|TLS1_2|TLS1_3)$")) | "\(.id): \(.finding)"' "$work/scan.json"
echo
echo "== cipher categories"
jq -r '.[] | select(.id | test("^cipherlist_")) | "\(.id | sub("cipherlist_"; "")): \(.finding)"' "$work/scan.json"
echo
echo "== ciphers offered, in the server's order"
jq -r '.[] | select(.id | test("^(cipherorder_|cipher_order|TLS_session_ticket|FS_ECDHE_curves|FS_KEMs|FS$)")) | "\(.id): \(.finding)"' "$work/scan.json"
echo
echo "== vulnerabilities"
jq -r '.[] | select(.id | test("^(heartbleed|CCS|ticketbleed|ROBOT|secure_renego|secure_client_renego|CRIME_TLS|BREACH|POODLE_SSL|fallback_SCSV|SWEET32|FREAK|DROWN|LOGJAM|LOGJAM-common_primes|BEAST|LUCKY13|RC4)$")) | "\(.id): \(.severity) \(.finding)"' "$work/scan.json"

# Findings that are not the transport's: the self-signed development
# certificate and its chain, and the HTTP headers of the example's
# responses (HSTS and other security headers are the application's
# choice).
certre='^(cert_|intermediate_cert|chain_of_trust|OCSP|CRL|DNS_CAArecord|cert$|certificate)'
httpre='^(HSTS|HPKP|security_headers|banner_|cookie_|X-|Cache|app_banner)'
finding='"\(.severity) \(.id): \(.finding)"'
atleast='select(.severity | test("LOW|MEDIUM|HIGH|CRITICAL"))'
echo
echo "== findings of severity LOW or above: the TLS transport's defaults"
jq -r --arg c "$certre" --arg h "$httpre" ".[] | $atleast | select((.id | test(\$c)) or (.id | test(\$h)) | not) | $finding" "$work/scan.json"
echo
echo "== findings of severity LOW or above: the development certificate"
jq -r --arg c "$certre" ".[] | $atleast | select(.id | test(\$c)) | $finding" "$work/scan.json"
echo
echo "== findings of severity LOW or above: the example's HTTP headers"
jq -r --arg h "$httpre" ".[] | $atleast | select(.id | test(\$h)) | $finding" "$work/scan.json"

if [ -n "${TESTSSL_JSON:-}" ]; then
	cp "$work/scan.json" "$TESTSSL_JSON"
fi
bad=$(jq -r --arg c "$certre" --arg h "$httpre" '[.[] | select(.severity | test("MEDIUM|HIGH|CRITICAL")) | select((.id | test($c)) or (.id | test($h)) | not)] | length' "$work/scan.json")
echo
if [ "$bad" -gt 0 ]; then
	echo "RESULT: $bad findings of severity MEDIUM or above in the transport's defaults"
	exit 1
fi
echo "RESULT: no weak protocol, cipher or vulnerability of severity MEDIUM or above in the transport's defaults"
