package transports

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tophat-go/tophat/core"
)

// A Scheme is a transport's entry in the table that ParseAddress, Listen,
// Dial and Transport consult: what its addresses look like, the query
// parameters it owns and how it listens and dials. This package registers
// tcp, unix and pipe; a transport with heavy dependencies registers itself
// when a program imports it, as database/sql drivers do, so that programs
// that never use it never link it:
//
//	import _ "github.com/tophat-go/tophat/transports/kcp" // kcp://
//
// "tls+" in front of any registered scheme is handled here, over the
// scheme's streams, which must therefore be net.Conn values.
type Scheme struct {
	// Name is the scheme, lower case, as addresses write it before "://".
	Name string

	// Syntax shows how its addresses are written, for error messages:
	// "unix:///PATH or unix://@NAME".
	Syntax string

	// HostPort reports a location of the form HOST:PORT, as for TCP. Such
	// a location is checked here; the host names the development
	// certificate and the TLS server name a client expects.
	HostPort bool

	// ListenAddr reports that a listener's Addr().String() is a location
	// of this scheme, which replaces the one given (the real port when
	// port 0 was asked, the chosen name for "pipe://").
	ListenAddr bool

	// Params are the query parameters the scheme accepts, and Secret those
	// of them whose values must never be printed (a passphrase). An
	// address with any other parameter, a repeated one or an empty value is
	// refused before Parse is called.
	Params, Secret []string

	// Parse checks an address of the scheme: it returns the location in
	// the form Listen and Dial take (decoded, for example), or an error
	// that says what is wrong and what would be accepted. The query holds
	// only keys from Params. Nil accepts any HostPort location, and for
	// other schemes the location as written.
	Parse func(location string, query url.Values) (string, error)

	// Listen listens on a parsed address.
	Listen func(a *Address, o *Options) (core.Listener, error)

	// Dialer returns what Dial and Transport use to reach a parsed address.
	Dialer func(a *Address, o *Options) (*Dialer, error)
}

// A Dialer opens streams to one address; Dial and Transport use it.
type Dialer struct {
	// Dial opens a stream.
	Dial func(ctx context.Context) (net.Conn, error)
	// IdleConnTimeout, if positive, is how long Transport keeps an idle
	// connection pooled, for a transport whose server drops idle streams
	// without telling the client (KCP). Zero keeps the usual 90 s.
	IdleConnTimeout time.Duration
	// Silence, if set, is added to the error of a TLS handshake that got no
	// answer in time: the reasons a live server of this transport may stay
	// silent, such as a KCP key that differs.
	Silence string
}

var (
	schemesMu sync.RWMutex
	schemes   = map[string]*Scheme{}
	// schemeOrder is the order of registration, which puts this package's
	// own schemes first in messages.
	schemeOrder []string
)

// packages names the package that registers each scheme not registered by
// this one, for the error that says what to import.
var packages = map[string]string{
	"kcp": "github.com/tophat-go/tophat/transports/kcp",
}

// Register adds s to the table of schemes. It panics, as sql.Register does,
// if s.Name is empty, not lower case, already registered or starts with
// "tls+", or if Listen or Dialer is nil: those are mistakes in a program's
// wiring, found when it starts.
func Register(s Scheme) {
	switch {
	case s.Name == "" || s.Name != strings.ToLower(s.Name) || strings.Contains(s.Name, "://"):
		panic(fmt.Sprintf("transports: Register: scheme name %q is not a lower-case scheme", s.Name))
	case strings.HasPrefix(s.Name, "tls+"):
		panic(fmt.Sprintf("transports: Register: %q: tls+ is added to every scheme by this package", s.Name))
	case s.Listen == nil || s.Dialer == nil:
		panic(fmt.Sprintf("transports: Register: scheme %q needs Listen and Dialer", s.Name))
	}
	s.Params = slices.Clone(s.Params)
	s.Secret = slices.Clone(s.Secret)
	schemesMu.Lock()
	defer schemesMu.Unlock()
	if _, dup := schemes[s.Name]; dup {
		panic(fmt.Sprintf("transports: Register called twice for scheme %q", s.Name))
	}
	schemes[s.Name] = &s
	schemeOrder = append(schemeOrder, s.Name)
}

// Schemes returns the names of the registered schemes: tcp, unix and pipe,
// then the others in the order they registered.
func Schemes() []string {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	return slices.Clone(schemeOrder)
}

func lookupScheme(name string) *Scheme {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	return schemes[name]
}

// FindConfig returns the first value of type T in o.Configs, and the zero
// T if there is none. A registered transport uses it to find its own
// configuration, such as a *kcp.Config.
func FindConfig[T any](o *Options) T {
	if o != nil {
		for _, c := range o.Configs {
			if t, ok := c.(T); ok {
				return t
			}
		}
	}
	var zero T
	return zero
}
