package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// errIncomplete says that the bytes so far are the start of a header that
// may yet turn out valid: read more.
var errIncomplete = errors.New("proxyproto: incomplete header")

const v1Prefix = "PROXY "

// parse reads the header at the start of b, which is at most maxLen bytes
// long (maxLen is at least v2FixedLen+v2UnixLen). It returns the header and
// its length in b, or errIncomplete, or an error wrapping ErrNoHeader,
// ErrMalformed, ErrTooLong or ErrUnsupported. It never looks past the
// header, so the bytes after it belong to the application.
func parse(b []byte, maxLen int) (Header, int, error) {
	switch {
	case hasPrefix(b, v2Signature):
		if len(b) < len(v2Signature) {
			return Header{}, 0, errIncomplete
		}
		return parseV2(b, maxLen)
	case hasPrefix(b, v1Prefix):
		if len(b) < len(v1Prefix) {
			return Header{}, 0, errIncomplete
		}
		return parseV1(b)
	}
	return Header{}, 0, ErrNoHeader
}

// hasPrefix reports whether b and prefix agree on their common length, so
// that a stream is rejected at its first byte that cannot start a header.
func hasPrefix(b []byte, prefix string) bool {
	n := min(len(b), len(prefix))
	return string(b[:n]) == prefix[:n]
}

// parseV1 parses a text header: "PROXY TCP4 192.0.2.1 198.51.100.2 56324
// 443\r\n", "PROXY TCP6 …" or "PROXY UNKNOWN…\r\n".
func parseV1(b []byte) (Header, int, error) {
	end := bytes.IndexByte(b[:min(len(b), v1MaxLen)], '\n')
	if end < 0 {
		if len(b) >= v1MaxLen {
			return Header{}, 0, fmt.Errorf("%w: no line end in the first %d bytes of a version 1 header", ErrTooLong, v1MaxLen)
		}
		return Header{}, 0, errIncomplete
	}
	if end == 0 || b[end-1] != '\r' {
		return Header{}, 0, fmt.Errorf("%w: version 1 line ends in LF without CR", ErrMalformed)
	}
	line := b[len(v1Prefix) : end-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return Header{}, 0, fmt.Errorf("%w: CR inside a version 1 line", ErrMalformed)
	}
	h := Header{Version: 1}
	// The protocol says to ignore whatever follows UNKNOWN: the proxy could
	// not tell where the connection came from, and the socket's own
	// addresses stand.
	if string(line) == "UNKNOWN" || bytes.HasPrefix(line, []byte("UNKNOWN ")) {
		return h, end + 1, nil
	}
	fields := bytes.Split(line, []byte(" "))
	if len(fields) != 5 {
		return Header{}, 0, fmt.Errorf("%w: version 1 line has %d fields after PROXY, want 5 (family, two addresses, two ports) separated by single spaces", ErrMalformed, len(fields))
	}
	var want4 bool
	switch string(fields[0]) {
	case "TCP4":
		want4 = true
	case "TCP6":
	default:
		return Header{}, 0, fmt.Errorf("%w: version 1 family %q, want TCP4, TCP6 or UNKNOWN", ErrMalformed, fields[0])
	}
	var addrs [2]netip.Addr
	for i, f := range fields[1:3] {
		a, err := netip.ParseAddr(string(f))
		if err != nil || a.Zone() != "" || a.Is4() != want4 {
			return Header{}, 0, fmt.Errorf("%w: %q is not an %s address", ErrMalformed, f, fields[0])
		}
		addrs[i] = a
	}
	var ports [2]uint16
	for i, f := range fields[3:5] {
		p, ok := parsePort(f)
		if !ok {
			return Header{}, 0, fmt.Errorf("%w: %q is not a port (0 to 65535)", ErrMalformed, f)
		}
		ports[i] = p
	}
	h.Source = net.TCPAddrFromAddrPort(netip.AddrPortFrom(addrs[0], ports[0]))
	h.Destination = net.TCPAddrFromAddrPort(netip.AddrPortFrom(addrs[1], ports[1]))
	return h, end + 1, nil
}

// parsePort accepts 1 to 5 decimal digits up to 65535, nothing else (no
// sign, no space).
func parsePort(f []byte) (uint16, bool) {
	if len(f) == 0 || len(f) > 5 {
		return 0, false
	}
	for _, c := range f {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	p, err := strconv.ParseUint(string(f), 10, 16)
	return uint16(p), err == nil
}

// parseV2 parses a binary header; b starts with the whole signature.
func parseV2(b []byte, maxLen int) (Header, int, error) {
	if len(b) < v2FixedLen {
		return Header{}, 0, errIncomplete
	}
	verCmd, fam := b[12], b[13]
	if verCmd&0xf0 != v2Version {
		return Header{}, 0, fmt.Errorf("%w: version nibble %#x, want 0x2", ErrMalformed, verCmd>>4)
	}
	total := v2FixedLen + int(binary.BigEndian.Uint16(b[14:16]))
	if total > maxLen {
		return Header{}, 0, fmt.Errorf("%w: version 2 header of %d bytes, limit %d", ErrTooLong, total, maxLen)
	}
	switch verCmd & 0x0f {
	case v2CmdLocal:
		if len(b) < total {
			return Header{}, 0, errIncomplete
		}
		// The protocol says to ignore the address block of a LOCAL
		// command, whatever its family.
		return Header{Version: 2, Local: true}, total, nil
	case v2CmdProxy:
	default:
		return Header{}, 0, fmt.Errorf("%w: version 2 command %#x, want LOCAL (0x0) or PROXY (0x1)", ErrMalformed, verCmd&0x0f)
	}
	var need int
	switch fam {
	case v2FamUnspec:
	case v2FamTCP4:
		need = v2InetLen
	case v2FamTCP6:
		need = v2Inet6Len
	case v2FamUnix:
		need = v2UnixLen
	default:
		if fam&0x0f == v2ProtoDgram && fam>>4 <= 3 {
			return Header{}, 0, fmt.Errorf("%w: version 2 family %#02x is a datagram protocol", ErrUnsupported, fam)
		}
		return Header{}, 0, fmt.Errorf("%w: version 2 family and protocol %#02x, want one of 0x00, 0x11, 0x21, 0x31", ErrMalformed, fam)
	}
	if total-v2FixedLen < need {
		return Header{}, 0, fmt.Errorf("%w: version 2 address block of %d bytes, family %#02x needs %d", ErrMalformed, total-v2FixedLen, fam, need)
	}
	if len(b) < total {
		return Header{}, 0, errIncomplete
	}
	h := Header{Version: 2}
	block := b[v2FixedLen:total]
	switch fam {
	case v2FamUnspec:
		// No addresses; the block, if any, is ignored as for LOCAL.
		return h, total, nil
	case v2FamTCP4, v2FamTCP6:
		n := (need - 4) / 2
		src, _ := netip.AddrFromSlice(block[:n])
		dst, _ := netip.AddrFromSlice(block[n : 2*n])
		h.Source = net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, binary.BigEndian.Uint16(block[2*n:])))
		h.Destination = net.TCPAddrFromAddrPort(netip.AddrPortFrom(dst, binary.BigEndian.Uint16(block[2*n+2:])))
	case v2FamUnix:
		h.Source = &net.UnixAddr{Name: unixName(block[:v2UnixPath]), Net: "unix"}
		h.Destination = &net.UnixAddr{Name: unixName(block[v2UnixPath:v2UnixLen]), Net: "unix"}
	}
	if err := checkTLVs(block[need:]); err != nil {
		return Header{}, 0, err
	}
	return h, total, nil
}

// unixName decodes a NUL-padded sun_path; a leading NUL marks a Linux
// abstract name, which Go spells with a leading "@".
func unixName(p []byte) string {
	if len(p) > 0 && p[0] == 0 {
		rest := bytes.TrimRight(p[1:], "\x00")
		if len(rest) == 0 {
			return ""
		}
		return "@" + string(rest)
	}
	if i := bytes.IndexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	return string(p)
}

// checkTLVs walks the type-length-value records after the addresses
// without interpreting them (ALPN, authority, CRC32C, TLS details, no-ops),
// so that a record whose length runs past the header is caught rather than
// trusted.
func checkTLVs(b []byte) error {
	for len(b) > 0 {
		if len(b) < 3 {
			return fmt.Errorf("%w: %d stray bytes after the last TLV", ErrMalformed, len(b))
		}
		n := 3 + int(binary.BigEndian.Uint16(b[1:3]))
		if n > len(b) {
			return fmt.Errorf("%w: TLV type %#02x of %d bytes runs past the header's end", ErrMalformed, b[0], n-3)
		}
		b = b[n:]
	}
	return nil
}
