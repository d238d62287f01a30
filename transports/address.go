package transports

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tophat-go/tophat/transports/kcp"
)

// Errors returned by ParseAddress, Listen, Dial and Transport for addresses
// they cannot use. The *AddressError that wraps them says what is wrong and
// what is accepted; test with errors.Is.
var (
	// ErrInvalidAddress reports an address with a known scheme that is
	// malformed: a missing port, a relative socket path, an unknown or
	// repeated query parameter, a bad parameter value.
	ErrInvalidAddress = errors.New("transports: invalid address")

	// ErrUnknownScheme reports an address without a scheme or with one this
	// package does not know.
	ErrUnknownScheme = errors.New("transports: unknown scheme")
)

// Accepted is the address syntax, as the error messages quote it.
const Accepted = "tcp://HOST:PORT, unix:///PATH, unix://@NAME, kcp://HOST:PORT, pipe://NAME, " +
	"each also with tls+ in front (tls+tcp://HOST:PORT), options as ?key=value parameters"

// maxUnixPath is the longest socket path or abstract name: sun_path is
// 108 bytes on Linux and a path needs its terminating NUL.
const maxUnixPath = 107

// The networks under an address, the part of the scheme after any "tls+".
const (
	networkTCP  = "tcp"
	networkUnix = "unix"
	networkKCP  = "kcp"
	networkPipe = "pipe"
)

var networks = []string{networkTCP, networkUnix, networkKCP, networkPipe}

// Query parameters by network, and those that tls+ adds. Listen ignores the
// client-side ones and Dial the server-side ones, so that one address string
// can configure both ends.
var (
	paramsTCP  = []string{"keepalive", "reuseport"}
	paramsUnix = []string{"mode"}
	// paramsKCP are kcp.ParseQuery's keys.
	paramsKCP = []string{"preset", "fec", "key", "mtu", "sndwnd", "rcvwnd", "interval",
		"nodelay", "resend", "nc", "acknodelay", "idle", "linger"}
	paramsTLS = []string{"certfile", "keyfile", "cafile", "servername"}
)

// An AddressError describes an address that cannot be used. It matches
// ErrInvalidAddress or ErrUnknownScheme with errors.Is, and also the error
// of the transport package that rejected a value, such as
// kcp.ErrInvalidConfig.
type AddressError struct {
	// Address is the address as given.
	Address string
	// Reason says what is wrong and what would be accepted instead.
	Reason string
	// Err is ErrInvalidAddress or ErrUnknownScheme.
	Err error
	// Cause is the error of the transport package, if one rejected a value.
	Cause error
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("%v %q: %s", e.Err, redactString(e.Address), e.Reason)
}

// Unwrap returns Err and Cause, so errors.Is matches either.
func (e *AddressError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// An Address is a parsed transport address. Its query parameters have been
// checked: the keys are those the scheme accepts, each given once, and the
// values are well formed.
type Address struct {
	// Network is the transport under any TLS: "tcp", "unix", "kcp" or
	// "pipe".
	Network string
	// TLS reports a "tls+" scheme.
	TLS bool
	// Location is what the transport package takes: "host:port" for tcp and
	// kcp, the socket path or "@name" for unix, the name for pipe.
	Location string
	// Query holds the options, one value per key.
	Query url.Values
}

// Scheme returns the scheme: Network, with "tls+" in front for TLS.
func (a *Address) Scheme() string {
	if a.TLS {
		return "tls+" + a.Network
	}
	return a.Network
}

// String returns the address in the syntax ParseAddress reads, query
// parameters sorted. It includes a kcp key; see Redacted for logs.
func (a *Address) String() string { return a.format(false) }

// Redacted is String with the value of a kcp "key" parameter, a secret,
// replaced by "xxxxx".
func (a *Address) Redacted() string { return a.format(true) }

func (a *Address) format(redact bool) string {
	var b strings.Builder
	b.WriteString(a.Scheme())
	b.WriteString("://")
	switch a.Network {
	case networkUnix, networkPipe:
		b.WriteString(locationEscaper.Replace(a.Location))
	default:
		b.WriteString(a.Location)
	}
	keys := make([]string, 0, len(a.Query))
	for k := range a.Query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		v := a.Query.Get(k)
		if redact && k == "key" {
			v = "xxxxx"
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(queryUnescaper.Replace(url.QueryEscape(v)))
	}
	return b.String()
}

var (
	// locationEscaper escapes what would end or corrupt a path in the
	// address syntax; everything else is written as it is, so paths stay
	// readable in logs.
	locationEscaper = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23", " ", "%20")
	// queryUnescaper undoes url.QueryEscape for characters that are safe in
	// a query value, so fec=10,3 reads as written.
	queryUnescaper = strings.NewReplacer("%2C", ",", "%2F", "/", "%3A", ":", "%40", "@")
)

// redactString hides a kcp key in an address that may not parse.
func redactString(s string) string {
	base, query, ok := strings.Cut(s, "?")
	if !ok {
		return s
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if k, _, _ := strings.Cut(p, "="); k == "key" {
			parts[i] = "key=xxxxx"
		}
	}
	return base + "?" + strings.Join(parts, "&")
}

// ParseAddress parses and checks an address such as "tcp://127.0.0.1:8080"
// or "kcp://0.0.0.0:9000?preset=lossy"; the package documentation gives the
// syntax. An address it rejects gets an *AddressError.
func ParseAddress(address string) (*Address, error) {
	fail := func(sentinel error, format string, args ...any) error {
		return &AddressError{Address: address, Err: sentinel, Reason: fmt.Sprintf(format, args...)}
	}
	if address == "" {
		return nil, fail(ErrInvalidAddress, "empty address; accepted: %s", Accepted)
	}
	scheme, rest, ok := strings.Cut(address, "://")
	if !ok {
		if _, _, err := net.SplitHostPort(address); err == nil {
			return nil, fail(ErrUnknownScheme, "no scheme; for TCP write tcp://%s (accepted: %s)", address, Accepted)
		}
		return nil, fail(ErrUnknownScheme, "no scheme; accepted: %s", Accepted)
	}
	a := &Address{Query: url.Values{}}
	scheme = strings.ToLower(scheme)
	a.Network, a.TLS = strings.CutPrefix(scheme, "tls+")
	if !slices.Contains(networks, a.Network) {
		return nil, fail(ErrUnknownScheme, "scheme %q is not one of tcp, unix, kcp, pipe or tls+ before one of them (accepted: %s)", scheme, Accepted)
	}
	if strings.Contains(rest, "#") {
		return nil, fail(ErrInvalidAddress, "a fragment (#) has no meaning in an address; write # in a path as %%23")
	}
	location, rawQuery, hasQuery := strings.Cut(rest, "?")

	if hasQuery {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, fail(ErrInvalidAddress, "query: %v", err)
		}
		allowed := a.params()
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the first error reported must not depend on map order
		for _, k := range keys {
			switch {
			case !slices.Contains(allowed, k):
				return nil, fail(ErrInvalidAddress, "unknown parameter %q; %s:// accepts %s", k, scheme, strings.Join(allowed, ", "))
			case len(q[k]) != 1:
				return nil, fail(ErrInvalidAddress, "parameter %q given %d times", k, len(q[k]))
			case q[k][0] == "":
				return nil, fail(ErrInvalidAddress, "parameter %q has no value; omit it for the default", k)
			}
		}
		a.Query = q
	}

	var reason string
	var cause error
	switch a.Network {
	case networkTCP, networkKCP:
		reason = checkHostPort(location)
	case networkUnix:
		a.Location, reason = unixLocation(location)
	case networkPipe:
		if a.Location, cause = url.PathUnescape(location); cause != nil {
			reason = cause.Error()
		} else if strings.ContainsRune(a.Location, '/') {
			reason = "a pipe name cannot contain /; write pipe://NAME"
		}
	}
	if a.Network == networkTCP || a.Network == networkKCP {
		a.Location = location
	}
	if reason == "" {
		reason, cause = a.checkValues()
	}
	if reason != "" {
		return nil, &AddressError{Address: address, Err: ErrInvalidAddress, Reason: reason, Cause: cause}
	}
	return a, nil
}

// params returns the query keys the address's scheme accepts.
func (a *Address) params() []string {
	var p []string
	switch a.Network {
	case networkTCP:
		p = paramsTCP
	case networkUnix:
		p = paramsUnix
	case networkKCP:
		p = paramsKCP
	}
	if a.TLS {
		p = append(slices.Clone(p), paramsTLS...)
	}
	return p
}

// checkHostPort checks "host:port" with a numeric port; an empty host means
// every interface to Listen and the local system to Dial, as in package net.
func checkHostPort(location string) string {
	const want = "want HOST:PORT, such as 127.0.0.1:8080, [::1]:8080 or :8080"
	if strings.Contains(location, "/") {
		return "a path is not allowed after HOST:PORT; " + want
	}
	host, port, err := net.SplitHostPort(location)
	if err != nil {
		if strings.HasSuffix(err.Error(), "missing port in address") {
			return "missing port; " + want
		}
		return err.Error() + "; " + want
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Sprintf("port %q is not a number from 0 to 65535; %s", port, want)
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:%", r)) {
			return fmt.Sprintf("host %q holds %q, which no host name or IP address does; %s", host, r, want)
		}
	}
	if strings.Contains(host, ":") && net.ParseIP(strings.SplitN(host, "%", 2)[0]) == nil {
		return fmt.Sprintf("host %q is not an IPv6 address; %s", host, want)
	}
	return ""
}

// unixLocation decodes the path or abstract name of a unix address.
func unixLocation(location string) (string, string) {
	const want = "want unix:///absolute/path.sock or unix://@abstract-name"
	p, err := url.PathUnescape(location)
	if err != nil {
		return "", err.Error() + "; " + want
	}
	switch {
	case p == "" || p == "@":
		return "", "no socket path or name; " + want
	case p[0] != '/' && p[0] != '@':
		return "", fmt.Sprintf("socket path %q is not absolute (note the third slash); %s", p, want)
	case len(p) > maxUnixPath:
		return "", fmt.Sprintf("socket path is %d bytes, more than the %d a Unix socket allows", len(p), maxUnixPath)
	case strings.IndexByte(p, 0) >= 0:
		return "", "socket path holds a NUL byte"
	}
	return p, ""
}

// checkValues checks the query values, so that every use of the address
// reports them the same way, before anything is opened.
func (a *Address) checkValues() (string, error) {
	q := a.Query
	if v := q.Get("keepalive"); v != "" {
		if _, err := parseKeepAlive(v); err != nil {
			return err.Error(), nil
		}
	}
	if v := q.Get("reuseport"); v != "" {
		if _, err := parseBool("reuseport", v); err != nil {
			return err.Error(), nil
		}
	}
	if v := q.Get("mode"); v != "" {
		if _, err := parseMode(v); err != nil {
			return err.Error(), nil
		}
	}
	if a.Network == networkKCP {
		if _, err := kcp.ParseQuery(kcpQuery(q)); err != nil {
			return err.Error(), err
		}
	}
	return "", nil
}

// kcpQuery returns the kcp parameters of q.
func kcpQuery(q url.Values) url.Values {
	kq := url.Values{}
	for _, k := range paramsKCP {
		if v, ok := q[k]; ok {
			kq[k] = v
		}
	}
	return kq
}

// parseKeepAlive reads tcp's keepalive: a positive duration, or "off".
func parseKeepAlive(v string) (time.Duration, error) {
	if v == "off" {
		return -1, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("keepalive=%q: want a positive duration such as 15s, or off", v)
	}
	return d, nil
}

func parseBool(key, v string) (bool, error) {
	switch v {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, fmt.Errorf("%s=%q: want 0 or 1", key, v)
}

// parseMode reads unix's mode: octal permission bits, such as 0660.
func parseMode(v string) (uint32, error) {
	m, err := strconv.ParseUint(v, 8, 32)
	if err != nil || m > 0o777 || m == 0 {
		return 0, fmt.Errorf("mode=%q: want octal permission bits from 0001 to 0777, such as 0660", v)
	}
	return uint32(m), nil
}
