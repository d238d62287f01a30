package proxyproto

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// A Header is what a proxy reported about one client connection.
//
// Source is the client's address and Destination the address the client
// connected to, at the proxy: *net.TCPAddr values, or *net.UnixAddr for a
// version 2 header of the Unix family. Both are nil when the header carries
// no addresses (a version 1 UNKNOWN line, a version 2 LOCAL command or the
// UNSPEC family); the stream then reports the socket's own addresses.
type Header struct {
	// Version is the protocol version the proxy spoke: 1 (text) or 2
	// (binary).
	Version int

	// Local is true for a version 2 LOCAL command: a connection the proxy
	// opened for itself, such as a health check, with no client behind it.
	Local bool

	Source, Destination net.Addr
}

// Sizes fixed by the protocol (haproxy's doc/proxy-protocol.txt).
const (
	// v1MaxLen is the longest version 1 line, CRLF included: "PROXY TCP6"
	// with two full IPv6 addresses and two 5-digit ports.
	v1MaxLen = 107
	// v2FixedLen is the signature, version/command, family/protocol and
	// length fields that start every version 2 header.
	v2FixedLen = 16
	// The address blocks of version 2, by family.
	v2InetLen  = 4 + 4 + 2 + 2
	v2Inet6Len = 16 + 16 + 2 + 2
	v2UnixLen  = 108 + 108
	v2UnixPath = 108
)

// v2Signature starts every version 2 header. It cannot begin an HTTP
// request, nor a TLS record, nor a version 1 line.
const v2Signature = "\r\n\r\n\x00\r\nQUIT\n"

// Version 2 command, family and transport codes.
const (
	v2Version     = 0x20
	v2CmdLocal    = 0x0
	v2CmdProxy    = 0x1
	v2FamUnspec   = 0x00
	v2FamTCP4     = 0x11
	v2FamTCP6     = 0x21
	v2FamUnix     = 0x31
	v2ProtoStream = 0x1
	v2ProtoDgram  = 0x2
)

// AppendText appends the header in the version 1 (text) format, whatever
// its Version, for a proxy or a test client to send. The version 1 format
// carries TCP addresses only: a Unix address or a LOCAL command is an
// error; nil addresses give "PROXY UNKNOWN".
func (h *Header) AppendText(b []byte) ([]byte, error) {
	if h.Local {
		return b, fmt.Errorf("%w: version 1 has no LOCAL command", ErrUnsupported)
	}
	if h.Source == nil && h.Destination == nil {
		return append(b, "PROXY UNKNOWN\r\n"...), nil
	}
	src, dst, err := tcpPair(h)
	if err != nil {
		return b, err
	}
	b = append(b, "PROXY TCP4 "...)
	if !src.Addr().Is4() {
		b[len(b)-2] = '6'
	}
	b = src.Addr().AppendTo(b)
	b = append(b, ' ')
	b = dst.Addr().AppendTo(b)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(src.Port()), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(dst.Port()), 10)
	return append(b, "\r\n"...), nil
}

// AppendBinary appends the header in the version 2 (binary) format,
// whatever its Version, with no TLVs.
func (h *Header) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, v2Signature...)
	if h.Local {
		return append(b, v2Version|v2CmdLocal, v2FamUnspec, 0, 0), nil
	}
	b = append(b, v2Version|v2CmdProxy)
	if h.Source == nil && h.Destination == nil {
		return append(b, v2FamUnspec, 0, 0), nil
	}
	if su, ok := h.Source.(*net.UnixAddr); ok {
		du, ok := h.Destination.(*net.UnixAddr)
		if !ok {
			return b, fmt.Errorf("%w: source %v and destination %v are of different kinds", ErrUnsupported, h.Source, h.Destination)
		}
		b = append(b, v2FamUnix)
		b = binary.BigEndian.AppendUint16(b, v2UnixLen)
		for _, name := range []string{su.Name, du.Name} {
			if len(name) > v2UnixPath {
				return b, fmt.Errorf("%w: Unix address %q is longer than %d bytes", ErrUnsupported, name, v2UnixPath)
			}
			path := make([]byte, v2UnixPath)
			copy(path, name)
			if len(name) > 0 && name[0] == '@' {
				path[0] = 0 // Linux abstract name
			}
			b = append(b, path...)
		}
		return b, nil
	}
	src, dst, err := tcpPair(h)
	if err != nil {
		return b, err
	}
	if src.Addr().Is4() {
		b = append(b, v2FamTCP4)
		b = binary.BigEndian.AppendUint16(b, v2InetLen)
	} else {
		b = append(b, v2FamTCP6)
		b = binary.BigEndian.AppendUint16(b, v2Inet6Len)
	}
	b = append(b, src.Addr().AsSlice()...)
	b = append(b, dst.Addr().AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	return binary.BigEndian.AppendUint16(b, dst.Port()), nil
}

// tcpPair returns the header's addresses as TCP addresses of one family:
// IPv4 when both are IPv4 (or IPv4-mapped, as Go reports IPv4 peers of a
// dual-stack socket), else IPv6 with any IPv4 address mapped. Zones have no
// place on the wire and are dropped.
func tcpPair(h *Header) (src, dst netip.AddrPort, err error) {
	s, ok1 := h.Source.(*net.TCPAddr)
	d, ok2 := h.Destination.(*net.TCPAddr)
	if !ok1 || !ok2 {
		return src, dst, fmt.Errorf("%w: addresses %v and %v are not both TCP", ErrUnsupported, h.Source, h.Destination)
	}
	src, dst = s.AddrPort(), d.AddrPort()
	if !src.IsValid() || !dst.IsValid() {
		return src, dst, fmt.Errorf("%w: addresses %v and %v are not both IP addresses", ErrUnsupported, h.Source, h.Destination)
	}
	sa, da := src.Addr().WithZone("").Unmap(), dst.Addr().WithZone("").Unmap()
	if !sa.Is4() || !da.Is4() {
		sa, da = netip.AddrFrom16(sa.As16()), netip.AddrFrom16(da.As16())
	}
	return netip.AddrPortFrom(sa, src.Port()), netip.AddrPortFrom(da, dst.Port()), nil
}
