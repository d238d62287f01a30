package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// v2 builds a version 2 header from its parts, with a length field that
// fits the block unless length is non-negative.
func v2(verCmd, fam byte, block []byte, length int) []byte {
	b := append([]byte(v2Signature), verCmd, fam)
	if length < 0 {
		length = len(block)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(length))
	return append(b, block...)
}

func tcp4Block() []byte {
	return []byte{192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x01, 0xbb} // ports 56324, 443
}

func unixBlock(src, dst string) []byte {
	b := make([]byte, v2UnixLen)
	copy(b, src)
	copy(b[v2UnixPath:], dst)
	return b
}

func tcp(s string) *net.TCPAddr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }

func TestParseValid(t *testing.T) {
	tcp6Block := append(netip.MustParseAddr("2001:db8::1").AsSlice(), netip.MustParseAddr("2001:db8::2").AsSlice()...)
	tcp6Block = append(tcp6Block, 0, 80, 0x1f, 0x90)
	tlvs := []byte{0x01, 0, 8, 'h', 't', 't', 'p', '/', '1', '.', '1', 0x04, 0, 0} // ALPN, then an empty NOOP
	tests := []struct {
		name     string
		in       []byte
		want     Header
		consumed int
	}{
		{"v1 tcp4", []byte("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET /"),
			Header{Version: 1, Source: tcp("192.0.2.1:56324"), Destination: tcp("198.51.100.2:443")}, 45},
		{"v1 tcp6", []byte("PROXY TCP6 2001:db8::1 ::ffff:198.51.100.2 0 65535\r\n"),
			Header{Version: 1, Source: tcp("[2001:db8::1]:0"), Destination: tcp("[::ffff:198.51.100.2]:65535")}, 52},
		{"v1 unknown", []byte("PROXY UNKNOWN\r\nGET"), Header{Version: 1}, 15},
		{"v1 unknown with junk", []byte("PROXY UNKNOWN whatever the proxy wrote\r\n"), Header{Version: 1}, 40},
		{"v2 tcp4", append(v2(0x21, 0x11, tcp4Block(), -1), "GET"...),
			Header{Version: 2, Source: tcp("192.0.2.1:56324"), Destination: tcp("198.51.100.2:443")}, 28},
		{"v2 tcp4 with TLVs", v2(0x21, 0x11, append(tcp4Block(), tlvs...), -1),
			Header{Version: 2, Source: tcp("192.0.2.1:56324"), Destination: tcp("198.51.100.2:443")}, 28 + len(tlvs)},
		{"v2 tcp6", v2(0x21, 0x21, tcp6Block, -1),
			Header{Version: 2, Source: tcp("[2001:db8::1]:80"), Destination: tcp("[2001:db8::2]:8080")}, 52},
		{"v2 unix", v2(0x21, 0x31, unixBlock("/run/client.sock", "/run/haproxy.sock"), -1),
			Header{Version: 2, Source: &net.UnixAddr{Name: "/run/client.sock", Net: "unix"}, Destination: &net.UnixAddr{Name: "/run/haproxy.sock", Net: "unix"}}, 232},
		{"v2 unix abstract", v2(0x21, 0x31, unixBlock("\x00abstract", ""), -1),
			Header{Version: 2, Source: &net.UnixAddr{Name: "@abstract", Net: "unix"}, Destination: &net.UnixAddr{Name: "", Net: "unix"}}, 232},
		{"v2 local ignores its block", v2(0x20, 0x11, []byte{1, 2, 3}, -1), Header{Version: 2, Local: true}, 19},
		{"v2 local with any family", v2(0x20, 0xff, nil, -1), Header{Version: 2, Local: true}, 16},
		{"v2 unspec", v2(0x21, 0x00, []byte{9, 9}, -1), Header{Version: 2}, 18},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := parse(tt.in, DefaultMaxHeaderBytes)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if n != tt.consumed || !sameHeader(got, tt.want) {
				t.Fatalf("got %+v after %d bytes, want %+v after %d", got, n, tt.want, tt.consumed)
			}
			// Every proper prefix is incomplete, never an error: a header
			// may arrive a byte at a time.
			for i := range n {
				if _, _, err := parse(tt.in[:i], DefaultMaxHeaderBytes); err != errIncomplete {
					t.Fatalf("prefix of %d bytes: %v, want errIncomplete", i, err)
				}
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
		says string
	}{
		{"http", []byte("GET / HTTP/1.1\r\n"), ErrNoHeader, "no PROXY"},
		{"tls", []byte{0x16, 0x03, 0x01}, ErrNoHeader, "no PROXY"},
		{"lowercase", []byte("proxy TCP4"), ErrNoHeader, ""},
		{"v1 bare LF", []byte("PROXY UNKNOWN\n"), ErrMalformed, "LF without CR"},
		{"v1 CR inside", []byte("PROXY TCP4 1.2.3.4\r 5.6.7.8 1 2\r\n"), ErrMalformed, "CR inside"},
		{"v1 family", []byte("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), ErrMalformed, `family "UDP4"`},
		{"v1 fields", []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), ErrMalformed, "4 fields"},
		{"v1 double space", []byte("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n"), ErrMalformed, "6 fields"},
		{"v1 v6 in tcp4", []byte("PROXY TCP4 ::1 5.6.7.8 1 2\r\n"), ErrMalformed, `"::1" is not an TCP4`},
		{"v1 v4 in tcp6", []byte("PROXY TCP6 ::1 5.6.7.8 1 2\r\n"), ErrMalformed, "not an TCP6"},
		{"v1 octal-looking", []byte("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n"), ErrMalformed, "not an TCP4"},
		{"v1 zone", []byte("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), ErrMalformed, "not an TCP6"},
		{"v1 port range", []byte("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), ErrMalformed, "not a port"},
		{"v1 port sign", []byte("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n"), ErrMalformed, "not a port"},
		{"v1 too long", []byte("PROXY UNKNOWN " + strings.Repeat("x", 120)), ErrTooLong, "107"},
		{"v2 version", v2(0x11, 0x11, tcp4Block(), -1), ErrMalformed, "version nibble"},
		{"v2 command", v2(0x22, 0x11, tcp4Block(), -1), ErrMalformed, "command 0x2"},
		{"v2 family", v2(0x21, 0x41, tcp4Block(), -1), ErrMalformed, "family and protocol 0x41"},
		{"v2 udp", v2(0x21, 0x12, tcp4Block(), -1), ErrUnsupported, "datagram"},
		{"v2 short block", v2(0x21, 0x21, tcp4Block(), -1), ErrMalformed, "needs 36"},
		{"v2 too long", v2(0x21, 0x11, nil, DefaultMaxHeaderBytes), ErrTooLong, "limit 4096"},
		{"v2 TLV overrun", v2(0x21, 0x11, append(tcp4Block(), 0x01, 0, 9, 'x'), -1), ErrMalformed, "runs past"},
		{"v2 stray byte", v2(0x21, 0x11, append(tcp4Block(), 0x04), -1), ErrMalformed, "stray"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parse(tt.in, DefaultMaxHeaderBytes)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) || !strings.HasPrefix(err.Error(), "proxyproto: ") {
				t.Fatalf("got %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

func TestAppendRoundTrip(t *testing.T) {
	headers := []Header{
		{Source: tcp("192.0.2.1:1"), Destination: tcp("192.0.2.2:2")},
		{Source: tcp("[2001:db8::1]:1"), Destination: tcp("[2001:db8::2]:2")},
		// An IPv4 client as Go reports it on a dual-stack socket.
		{Source: &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 3}, Destination: tcp("192.0.2.2:4")},
		{Source: tcp("192.0.2.1:5"), Destination: tcp("[2001:db8::2]:6")},
		{},
	}
	for _, h := range headers {
		for version, appendFn := range map[int]func([]byte) ([]byte, error){1: h.AppendText, 2: h.AppendBinary} {
			b, err := appendFn(nil)
			if err != nil {
				t.Fatalf("%+v v%d: %v", h, version, err)
			}
			got, n, err := parse(b, DefaultMaxHeaderBytes)
			h.Version = version
			if err != nil || n != len(b) || !sameHeader(got, h) {
				t.Fatalf("v%d %q: got %+v, %d, %v; want %+v", version, b, got, n, err, h)
			}
		}
	}
	unix := Header{Source: &net.UnixAddr{Name: "@a", Net: "unix"}, Destination: &net.UnixAddr{Name: "/b", Net: "unix"}}
	if _, err := unix.AppendText(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("v1 with Unix addresses: %v, want ErrUnsupported", err)
	}
	if _, err := (&Header{Local: true}).AppendText(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("v1 LOCAL: %v, want ErrUnsupported", err)
	}
	long := Header{Source: &net.UnixAddr{Name: strings.Repeat("x", 109)}, Destination: &net.UnixAddr{}}
	if _, err := long.AppendBinary(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("v2 with a 109-byte path: %v, want ErrUnsupported", err)
	}
}

// sameHeader compares headers by value; addresses are compared in their
// unmapped form, since the text and binary forms may map IPv4 into IPv6.
func sameHeader(a, b Header) bool {
	return a.Version == b.Version && a.Local == b.Local &&
		sameAddr(a.Source, b.Source) && sameAddr(a.Destination, b.Destination)
}

func sameAddr(a, b net.Addr) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case *net.TCPAddr:
		b, ok := b.(*net.TCPAddr)
		if !ok {
			return false
		}
		pa, pb := a.AddrPort(), b.AddrPort()
		return pa.Addr().Unmap() == pb.Addr().Unmap() && pa.Port() == pb.Port()
	case *net.UnixAddr:
		b, ok := b.(*net.UnixAddr)
		return ok && a.Name == b.Name
	}
	return false
}

// FuzzParse feeds arbitrary bytes to the parser: it must never panic nor
// claim bytes it was not given, must say the same of every split of its
// input, and a header it accepts must survive encoding and parsing again.
func FuzzParse(f *testing.F) {
	f.Add([]byte("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET / HTTP/1.1\r\n"))
	f.Add([]byte("PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add(v2(0x21, 0x11, tcp4Block(), -1))
	f.Add(v2(0x21, 0x11, append(tcp4Block(), 0x01, 0, 2, 'h', '2', 0x04, 0, 0), -1))
	f.Add(v2(0x21, 0x31, unixBlock("/a", "\x00b"), -1))
	f.Add(v2(0x20, 0x00, nil, -1))
	f.Add(v2(0x21, 0x12, tcp4Block(), -1))
	f.Add(v2(0x21, 0x11, tcp4Block(), 0xffff))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, n, err := parse(in, MinMaxHeaderBytes)
		if err != nil {
			if h != (Header{}) || n != 0 {
				t.Fatalf("error %v with header %+v and length %d", err, h, n)
			}
			if err != errIncomplete && !errors.Is(err, ErrNoHeader) && !errors.Is(err, ErrMalformed) &&
				!errors.Is(err, ErrTooLong) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error outside the documented set: %v", err)
			}
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("consumed %d of %d bytes", n, len(in))
		}
		// More bytes after a complete header change nothing.
		h2, n2, err := parse(append(bytes.Clone(in[:n]), "trailing"...), MinMaxHeaderBytes)
		if err != nil || n2 != n || !sameHeader(h, h2) {
			t.Fatalf("with trailing bytes: %+v, %d, %v", h2, n2, err)
		}
		var enc []byte
		if h.Version == 1 {
			enc, err = h.AppendText(nil)
		} else {
			enc, err = h.AppendBinary(nil)
		}
		if err != nil {
			t.Fatalf("encoding %+v: %v", h, err)
		}
		h3, n3, err := parse(enc, MinMaxHeaderBytes)
		if err != nil || n3 != len(enc) || !sameHeader(h, h3) {
			t.Fatalf("round trip of %+v through %q: %+v, %d, %v", h, enc, h3, n3, err)
		}
	})
}
