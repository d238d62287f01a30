package transports

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"github.com/tophat-go/tophat/transports/tcp"
	"github.com/tophat-go/tophat/transports/unix"
)

// The schemes of the transports light enough that every program may link
// them: they use the standard library and golang.org/x/sys alone.
func init() {
	Register(Scheme{
		Name:       "tcp",
		Syntax:     "tcp://HOST:PORT",
		HostPort:   true,
		ListenAddr: true,
		Params:     []string{"keepalive", "reuseport"},
		Parse: func(location string, q url.Values) (string, error) {
			_, err := tcpConfig(q, nil)
			return location, err
		},
		Listen: func(a *Address, o *Options) (core.Listener, error) {
			cfg, _ := tcpConfig(a.Query, o) // checked by ParseAddress
			return tcp.Listen(a.Location, cfg)
		},
		Dialer: func(a *Address, o *Options) (*Dialer, error) {
			cfg, _ := tcpConfig(a.Query, o)
			return &Dialer{Dial: func(ctx context.Context) (net.Conn, error) { return tcp.Dial(ctx, a.Location, cfg) }}, nil
		},
	})
	Register(Scheme{
		Name:   "unix",
		Syntax: "unix:///PATH, unix://@NAME",
		Params: []string{"mode"},
		Parse:  parseUnix,
		Listen: func(a *Address, o *Options) (core.Listener, error) {
			cfg, _ := unixConfig(a.Query, o)
			return unix.Listen(a.Location, cfg)
		},
		Dialer: func(a *Address, o *Options) (*Dialer, error) {
			cfg, _ := unixConfig(a.Query, o)
			return &Dialer{Dial: func(ctx context.Context) (net.Conn, error) { return unix.Dial(ctx, a.Location, cfg) }}, nil
		},
	})
	Register(Scheme{
		Name:       "pipe",
		Syntax:     "pipe://NAME",
		ListenAddr: true,
		Parse:      parsePipe,
		Listen: func(a *Address, o *Options) (core.Listener, error) {
			l, err := pipe.Listen(a.Location, pipeConfig(o))
			if err == nil {
				// A pipe named on a command line is a common slip: nothing
				// outside this process can reach it.
				o.logger().Warn("transports: a pipe listener is reachable only from inside this process "+
					"(pipe.Dial, pipe.Transport); for other programs listen on tcp:// or unix://",
					"addr", "pipe://"+l.Addr().String())
			}
			return l, err
		},
		Dialer: func(a *Address, o *Options) (*Dialer, error) {
			if a.Location == "" {
				return nil, &AddressError{Address: a.String(), Err: ErrInvalidAddress,
					Reason: "a pipe without a name can be listened on (a fresh name is chosen) but not dialed; want pipe://NAME"}
			}
			cfg := pipeConfig(o)
			return &Dialer{Dial: func(ctx context.Context) (net.Conn, error) { return pipe.Dial(ctx, a.Location, cfg) }}, nil
		},
	})
}

// tcpConfig returns Options.TCP with the address's parameters applied.
func tcpConfig(q url.Values, o *Options) (*tcp.Config, error) {
	var c tcp.Config
	if o != nil && o.TCP != nil {
		c = *o.TCP
	}
	if v := q.Get("keepalive"); v != "" {
		if v == "off" {
			c.KeepAlive = -1
		} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
			c.KeepAlive = d
		} else {
			return nil, fmt.Errorf("keepalive=%q: want a positive duration such as 15s, or off", v)
		}
	}
	if v := q.Get("reuseport"); v != "" {
		switch v {
		case "1", "true":
			c.ReusePort = true
		case "0", "false":
			c.ReusePort = false
		default:
			return nil, fmt.Errorf("reuseport=%q: want 0 or 1", v)
		}
	}
	return &c, nil
}

// parseUnix decodes the path or abstract name and checks it as package unix
// will, so that the two never disagree.
func parseUnix(location string, q url.Values) (string, error) {
	const want = "want unix:///absolute/path.sock or unix://@abstract-name"
	p, err := url.PathUnescape(location)
	if err != nil {
		return "", fmt.Errorf("%v; %s", err, want)
	}
	if runtime.GOOS == "windows" && len(p) > 2 && p[0] == '/' && p[2] == ':' {
		p = p[1:] // unix:///C:/run/app.sock, as file URLs write drive letters
	}
	switch {
	case p == "" || p == "@":
		return "", fmt.Errorf("no socket path or name; %s", want)
	case p[0] != '/' && p[0] != '@' && !(runtime.GOOS == "windows" && len(p) > 1 && p[1] == ':'):
		return "", fmt.Errorf("socket path %q is not absolute (note the third slash: unix:///%s); %s", p, p, want)
	}
	if err := unix.CheckAddress(p); err != nil {
		return "", err
	}
	_, err = unixConfig(q, nil)
	return p, err
}

func unixConfig(q url.Values, o *Options) (*unix.Config, error) {
	var c unix.Config
	if o != nil && o.Unix != nil {
		c = *o.Unix
	}
	if v := q.Get("mode"); v != "" {
		m, err := parseMode(v)
		if err != nil {
			return nil, err
		}
		c.Mode = m
	}
	return &c, nil
}

// parseMode reads unix's mode: octal permission bits, as chmod writes them
// (0660) or as Go does (0o660).
func parseMode(v string) (os.FileMode, error) {
	digits := strings.TrimPrefix(strings.TrimPrefix(v, "0o"), "0O")
	m, err := strconv.ParseUint(digits, 8, 32)
	if err != nil || m > 0o777 || m == 0 {
		return 0, fmt.Errorf("mode=%q: want octal permission bits from 0001 to 0777, such as 0660 or 0o660", v)
	}
	return os.FileMode(m), nil
}

func parsePipe(location string, _ url.Values) (string, error) {
	name, err := url.PathUnescape(location)
	if err != nil {
		return "", err
	}
	if strings.ContainsRune(name, '/') {
		return "", fmt.Errorf("a pipe name cannot contain /; write pipe://NAME")
	}
	return name, nil
}

func pipeConfig(o *Options) *pipe.Config {
	var c pipe.Config
	if o != nil && o.Pipe != nil {
		c = *o.Pipe
	}
	return &c
}
