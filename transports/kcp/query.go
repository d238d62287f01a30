package kcp

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParseQuery builds a Config from URL query values, for addresses such as
// "kcp://0.0.0.0:4000?preset=lossy&key=secret". The keys are:
//
//	preset=fast|normal|lossy  Config.Preset
//	fec=DATA,PARITY           Config.DataShards and ParityShards, e.g. fec=10,3
//	key=PASSPHRASE            Config.Key (must not be empty)
//	mtu=N                     Config.MTU
//	sndwnd=N, rcvwnd=N        Config.SendWindow and RecvWindow
//	interval=D                Config.Interval, a duration ("20ms") or milliseconds ("20")
//	nodelay=0|1               Config.NoDelay
//	resend=N                  Config.Resend; 0 disables fast resend, as in KCP
//	nc=0|1                    Config.NoCongestion
//	acknodelay=0|1            Config.AckNoDelay
//	idle=D                    Config.IdleTimeout, a duration ("30s")
//	linger=D                  Config.Linger, a duration; "0s" closes at once
//
// An unknown key, a repeated key or a bad value is an error wrapping
// ErrInvalidConfig. The result is also checked as Listen would check it.
func ParseQuery(q url.Values) (*Config, error) {
	cfg := new(Config)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys) // so the first error reported does not depend on map order

	for _, k := range keys {
		vs := q[k]
		if len(vs) != 1 {
			return nil, fmt.Errorf("%w: query key %q given %d times", ErrInvalidConfig, k, len(vs))
		}
		if err := cfg.setQuery(k, vs[0]); err != nil {
			return nil, err
		}
	}
	if _, err := cfg.resolve(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *Config) setQuery(key, v string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: query %s=%q: %s", ErrInvalidConfig, key, v, why)
	}
	var err error
	switch key {
	case "preset":
		switch strings.ToLower(v) {
		case "fast":
			c.Preset = Fast
		case "normal":
			c.Preset = Normal
		case "lossy":
			c.Preset = Lossy
		default:
			return bad("want fast, normal or lossy")
		}
	case "fec":
		data, parity, ok := strings.Cut(v, ",")
		if !ok {
			return bad("want DATA,PARITY")
		}
		if c.DataShards, err = positive(data); err != nil {
			return bad("data shards: " + err.Error())
		}
		if c.ParityShards, err = positive(parity); err != nil {
			return bad("parity shards: " + err.Error())
		}
	case "key":
		if v == "" {
			return bad("empty key; omit it for no encryption")
		}
		c.Key = v
	case "mtu":
		if c.MTU, err = positive(v); err != nil {
			return bad(err.Error())
		}
	case "sndwnd":
		if c.SendWindow, err = positive(v); err != nil {
			return bad(err.Error())
		}
	case "rcvwnd":
		if c.RecvWindow, err = positive(v); err != nil {
			return bad(err.Error())
		}
	case "interval":
		if n, convErr := strconv.Atoi(v); convErr == nil {
			c.Interval = time.Duration(n) * time.Millisecond
		} else if c.Interval, err = time.ParseDuration(v); err != nil {
			return bad("want a duration or milliseconds")
		}
		if c.Interval <= 0 {
			return bad("must be positive")
		}
	case "nodelay":
		if c.NoDelay, err = toggle(v); err != nil {
			return bad(err.Error())
		}
	case "nc":
		if c.NoCongestion, err = toggle(v); err != nil {
			return bad(err.Error())
		}
	case "acknodelay":
		if c.AckNoDelay, err = toggle(v); err != nil {
			return bad(err.Error())
		}
	case "resend":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return bad("want a count, 0 to disable")
		}
		c.Resend = n
		if n == 0 {
			c.Resend = ResendOff
		}
	case "idle":
		if c.IdleTimeout, err = time.ParseDuration(v); err != nil || c.IdleTimeout <= 0 {
			return bad("want a positive duration such as 30s")
		}
	case "linger":
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return bad("want a duration such as 5s, 0s to close at once")
		}
		c.Linger = d
		if d == 0 {
			c.Linger = -1
		}
	default:
		return fmt.Errorf("%w: unknown query key %q", ErrInvalidConfig, key)
	}
	return nil
}

func positive(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want a positive integer")
	}
	return n, nil
}

func toggle(s string) (Toggle, error) {
	switch s {
	case "1":
		return On, nil
	case "0":
		return Off, nil
	}
	return PresetDefault, fmt.Errorf("want 0 or 1")
}
