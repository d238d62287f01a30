package transports

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Errors returned by ParseAddress, Listen, Dial and Transport for addresses
// they cannot use. The *AddressError that wraps them says what is wrong and
// what is accepted; test with errors.Is.
var (
	// ErrInvalidAddress reports an address with a known scheme that is
	// malformed: a missing port, a relative socket path, an unknown or
	// repeated query parameter, a bad parameter value.
	ErrInvalidAddress = errors.New("transports: invalid address")

	// ErrUnknownScheme reports an address without a scheme, with one no
	// package registered, or with one whose package the program does not
	// import (the error names it).
	ErrUnknownScheme = errors.New("transports: unknown scheme")
)

// tlsParams are the query parameters that tls+ adds to any scheme. Listen
// ignores the client-side ones and Dial the server-side ones, so that one
// address string can configure both ends.
var tlsParams = []string{"certfile", "keyfile", "cafile", "servername"}

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
	// Network is the scheme under any TLS: "tcp", "unix", "pipe", or one
	// that another package registered, such as "kcp".
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
// parameters sorted. It includes secrets such as a kcp key; see Redacted
// for logs.
func (a *Address) String() string { return a.format(false) }

// Redacted is String with the value of every secret parameter (a kcp
// "key") replaced by "xxxxx".
func (a *Address) Redacted() string { return a.format(true) }

func (a *Address) format(redact bool) string {
	var b strings.Builder
	b.WriteString(a.Scheme())
	b.WriteString("://")
	s := lookupScheme(a.Network)
	if s != nil && s.HostPort {
		b.WriteString(a.Location)
	} else {
		b.WriteString(locationEscaper.Replace(a.Location))
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
		if redact && (s == nil || slices.Contains(s.Secret, k)) {
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

// redactString hides the secrets in an address that may not parse: the
// values of its scheme's secret parameters, or of every parameter when the
// scheme is not registered and its secrets are unknown. An empty value is
// shown as empty, since hiding it would hide the mistake.
func redactString(s string) string {
	base, query, ok := strings.Cut(s, "?")
	if !ok {
		return s
	}
	scheme, _, _ := strings.Cut(base, "://")
	network := strings.TrimPrefix(strings.ToLower(scheme), "tls+")
	sc := lookupScheme(network)
	parts := strings.Split(query, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if v != "" && (sc == nil || slices.Contains(sc.Secret, k)) {
			parts[i] = k + "=xxxxx"
		}
	}
	return base + "?" + strings.Join(parts, "&")
}

// accepted lists the address forms of the registered schemes, for errors.
func accepted() string {
	var forms []string
	for _, name := range Schemes() {
		switch s := lookupScheme(name); {
		case s == nil:
		case s.Syntax != "":
			forms = append(forms, s.Syntax)
		default:
			forms = append(forms, name+"://...")
		}
	}
	return strings.Join(forms, ", ") + "; each also with tls+ in front (tls+tcp://HOST:PORT); options as ?key=value parameters"
}

// bareScheme splits "unix:/tmp/x.sock" or "tcp:127.0.0.1:80", a scheme
// and a colon without the slashes, into the scheme and the rest.
func bareScheme(address string) (scheme, rest string, ok bool) {
	scheme, rest, ok = strings.Cut(address, ":")
	if !ok || scheme == "" || !isLetter(scheme[0]) {
		return "", "", false
	}
	for i := range len(scheme) {
		if c := scheme[i]; !isLetter(c) && !(c >= '0' && c <= '9') && c != '+' && c != '.' && c != '-' {
			return "", "", false
		}
	}
	rest = strings.TrimLeft(rest, "/")
	return strings.ToLower(scheme), rest, rest != ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// noScheme explains an address without "://" and suggests the one the user
// most likely meant.
func noScheme(address string) string {
	if scheme, rest, ok := bareScheme(address); ok {
		network := strings.TrimPrefix(scheme, "tls+")
		if lookupScheme(network) != nil || packages[network] != "" {
			if network == "unix" && !strings.HasPrefix(rest, "@") {
				rest = "/" + rest
			}
			return fmt.Sprintf("a scheme needs :// after it; write %s://%s", scheme, rest)
		}
	}
	switch {
	case strings.HasPrefix(address, "/"):
		return fmt.Sprintf("no scheme; for a Unix socket write unix://%s", address)
	case strings.HasPrefix(address, "@"):
		return fmt.Sprintf("no scheme; for an abstract Unix socket write unix://%s", address)
	case strings.HasSuffix(address, ".sock"):
		return "no scheme; for a Unix socket write unix:///ABSOLUTE/PATH.sock"
	}
	if _, err := strconv.ParseUint(address, 10, 16); err == nil {
		return fmt.Sprintf("no scheme; for TCP on every interface write tcp://:%s, on loopback only tcp://127.0.0.1:%s", address, address)
	}
	if _, _, err := net.SplitHostPort(address); err == nil {
		return fmt.Sprintf("no scheme; for TCP write tcp://%s", address)
	}
	return "no scheme; accepted: " + accepted()
}

// ParseAddress parses and checks an address such as "tcp://127.0.0.1:8080"
// or "unix:///run/app.sock?mode=0660"; the package documentation gives the
// syntax. An address it rejects gets an *AddressError.
func ParseAddress(address string) (*Address, error) {
	fail := func(sentinel error, format string, args ...any) error {
		return &AddressError{Address: address, Err: sentinel, Reason: fmt.Sprintf(format, args...)}
	}
	if address == "" {
		return nil, fail(ErrInvalidAddress, "empty address; accepted: %s", accepted())
	}
	scheme, rest, ok := strings.Cut(address, "://")
	if !ok {
		return nil, fail(ErrUnknownScheme, "%s", noScheme(address))
	}
	a := &Address{Query: url.Values{}}
	scheme = strings.ToLower(scheme)
	a.Network, a.TLS = strings.CutPrefix(scheme, "tls+")
	s := lookupScheme(a.Network)
	if s == nil {
		if pkg := packages[a.Network]; pkg != "" {
			return nil, fail(ErrUnknownScheme, "the %s transport is not linked into this program; import _ %q to register it", a.Network, pkg)
		}
		return nil, fail(ErrUnknownScheme, "scheme %q is not registered (accepted: %s)", scheme, accepted())
	}
	if strings.Contains(rest, "#") {
		return nil, fail(ErrInvalidAddress, "a fragment (#) has no meaning in an address; write # in a path as %%23")
	}
	location, rawQuery, hasQuery := strings.Cut(rest, "?")

	allowed := s.Params
	if a.TLS {
		allowed = append(slices.Clone(allowed), tlsParams...)
	}
	if hasQuery {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, fail(ErrInvalidAddress, "query: %v", err)
		}
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the first error reported must not depend on map order
		for _, k := range keys {
			switch {
			case !slices.Contains(allowed, k):
				return nil, fail(ErrInvalidAddress, "unknown parameter %q; %s", k, acceptsParams(scheme, allowed))
			case len(q[k]) != 1:
				return nil, fail(ErrInvalidAddress, "parameter %q given %d times", k, len(q[k]))
			case q[k][0] == "":
				return nil, fail(ErrInvalidAddress, "parameter %q has no value; omit it for the default", k)
			}
		}
		a.Query = q
	}
	if a.TLS {
		if reason := checkTLSParams(a.Query); reason != "" {
			return nil, fail(ErrInvalidAddress, "%s", reason)
		}
	}

	own := url.Values{}
	for k, v := range a.Query {
		if slices.Contains(s.Params, k) {
			own[k] = v
		}
	}
	a.Location = location
	if s.HostPort {
		if reason := checkHostPort(location); reason != "" {
			return nil, fail(ErrInvalidAddress, "%s", reason)
		}
	}
	if s.Parse != nil {
		loc, err := s.Parse(location, own)
		if err != nil {
			return nil, &AddressError{Address: address, Err: ErrInvalidAddress, Reason: err.Error(), Cause: err}
		}
		a.Location = loc
	}
	return a, nil
}

func acceptsParams(scheme string, allowed []string) string {
	if len(allowed) == 0 {
		return scheme + ":// takes no parameters"
	}
	return scheme + ":// accepts " + strings.Join(allowed, ", ")
}

// checkTLSParams checks what can be checked of the tls+ parameters before
// any file is read: a certificate file needs its key file, and the reverse.
func checkTLSParams(q url.Values) string {
	cert, key := q.Get("certfile"), q.Get("keyfile")
	switch {
	case cert != "" && key == "":
		return "certfile= needs keyfile= with the PEM private key beside it"
	case key != "" && cert == "":
		return "keyfile= needs certfile= with the PEM certificate chain beside it"
	}
	return ""
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
