package kcp

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ParseQuery builds a Config from URL query values, for addresses such as
// "kcp://0.0.0.0:4000?preset=lossy&key=secret". The keys are:
//
//	preset=fast|normal|lossy|bulk  Config.Preset
//	dup=N                     Config.Duplicates; 0 sends every datagram once
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
	for k, vs := range q {
		if findParam(k) == nil {
			return nil, fmt.Errorf("%w: unknown query key %q; known: %s", ErrInvalidConfig, k, strings.Join(QueryParams(), ", "))
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("%w: query key %q given %d times", ErrInvalidConfig, k, len(vs))
		}
	}
	cfg := new(Config)
	if err := cfg.applyQuery(q); err != nil {
		return nil, err
	}
	return cfg, nil
}

// QueryParams returns the query keys ParseQuery reads.
func QueryParams() []string {
	names := make([]string, len(queryParams))
	for i, p := range queryParams {
		names[i] = p.name
	}
	return names
}

// applyQuery sets the fields that the keys of q it knows name, in the order
// of queryParams so that the first error reported does not depend on map
// order, and checks the result as Listen would. Keys it does not know (the
// tls+ parameters of a transports address) are left to others.
func (c *Config) applyQuery(q url.Values) error {
	for _, p := range queryParams {
		vs, ok := q[p.name]
		if !ok {
			continue
		}
		v := vs[0]
		if err := p.set(c, v); err != nil {
			return fmt.Errorf("%w: query %s=%q: %s", ErrInvalidConfig, p.name, v, err.Error())
		}
	}
	_, err := c.resolve()
	return err
}

type queryParam struct {
	name string
	set  func(c *Config, v string) error
}

func findParam(name string) *queryParam {
	for i := range queryParams {
		if queryParams[i].name == name {
			return &queryParams[i]
		}
	}
	return nil
}

// queryParams is the one list of query keys: ParseQuery, the package
// documentation and the kcp:// scheme of package transports all read it.
var queryParams = []queryParam{
	{"preset", func(c *Config, v string) error {
		for _, p := range presets {
			if strings.EqualFold(v, p.String()) {
				c.Preset = p
				return nil
			}
		}
		return fmt.Errorf("want %s", presetNames())
	}},
	{"dup", func(c *Config, v string) (err error) {
		c.Duplicates, err = countOrOff(v, DuplicatesOff, "want a count of extra copies, 0 for none")
		return err
	}},
	{"fec", func(c *Config, v string) (err error) {
		data, parity, ok := strings.Cut(v, ",")
		if !ok {
			return errors.New("want DATA,PARITY")
		}
		if c.DataShards, err = positive(data); err != nil {
			return errors.New("data shards: " + err.Error())
		}
		if c.ParityShards, err = positive(parity); err != nil {
			return errors.New("parity shards: " + err.Error())
		}
		return nil
	}},
	{"key", func(c *Config, v string) error {
		if v == "" {
			return errors.New("empty key; omit it for no encryption")
		}
		c.Key = v
		return nil
	}},
	{"mtu", func(c *Config, v string) (err error) { c.MTU, err = positive(v); return err }},
	{"sndwnd", func(c *Config, v string) (err error) { c.SendWindow, err = positive(v); return err }},
	{"rcvwnd", func(c *Config, v string) (err error) { c.RecvWindow, err = positive(v); return err }},
	{"interval", func(c *Config, v string) (err error) {
		if n, convErr := strconv.Atoi(v); convErr == nil {
			c.Interval = time.Duration(n) * time.Millisecond
		} else if c.Interval, err = time.ParseDuration(v); err != nil {
			return errors.New("want a duration or milliseconds")
		}
		if c.Interval <= 0 {
			return errors.New("must be positive")
		}
		return nil
	}},
	{"nodelay", func(c *Config, v string) (err error) { c.NoDelay, err = toggle(v); return err }},
	{"resend", func(c *Config, v string) (err error) {
		c.Resend, err = countOrOff(v, ResendOff, "want a count, 0 to disable")
		return err
	}},
	{"nc", func(c *Config, v string) (err error) { c.NoCongestion, err = toggle(v); return err }},
	{"acknodelay", func(c *Config, v string) (err error) { c.AckNoDelay, err = toggle(v); return err }},
	{"idle", func(c *Config, v string) (err error) {
		if c.IdleTimeout, err = time.ParseDuration(v); err != nil || c.IdleTimeout <= 0 {
			return errors.New("want a positive duration such as 30s")
		}
		return nil
	}},
	{"linger", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return errors.New("want a duration such as 5s, 0s to close at once")
		}
		c.Linger = d
		if d == 0 {
			c.Linger = -1
		}
		return nil
	}},
}

func positive(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want a positive integer")
	}
	return n, nil
}

// countOrOff parses a count for a Config field whose zero means the
// preset's default: a 0 in the address turns the feature off, which the
// field spells off.
func countOrOff(s string, off int, want string) (int, error) {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n < 0:
		return 0, errors.New(want)
	case n == 0:
		return off, nil
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
