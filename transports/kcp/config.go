package kcp

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// Errors returned by this package. Errors from the network are wrapped in a
// *net.OpError whose Err is one of these where one applies.
var (
	// ErrInvalidConfig reports a Config or query value out of range; the
	// wrapping error names the field.
	ErrInvalidConfig = errors.New("kcp: invalid config")

	// ErrIdleTimeout is the cause of Read and Write errors on a session that
	// was closed because nothing arrived from the peer for IdleTimeout. It
	// is a net.Error whose Timeout reports true, but it does not match
	// os.ErrDeadlineExceeded: that one means a deadline set by the caller
	// passed and the session is still usable, while after ErrIdleTimeout the
	// session is gone.
	ErrIdleTimeout error = idleTimeoutError{}
)

// errNoAnswer is a read deadline that passed on a dialed session before
// anything arrived. It matches os.ErrDeadlineExceeded and says why a live
// server may stay silent.
var errNoAnswer error = noAnswerError{}

type noAnswerError struct{}

func (noAnswerError) Error() string {
	return "i/o timeout: nothing has arrived from the server; is it running, with the same key as this client? " +
		"A server drops packets it cannot decrypt without a word"
}
func (noAnswerError) Timeout() bool        { return true }
func (noAnswerError) Temporary() bool      { return true }
func (noAnswerError) Is(target error) bool { return target == os.ErrDeadlineExceeded }

type idleTimeoutError struct{}

func (idleTimeoutError) Error() string   { return "kcp: idle timeout: nothing received from the peer" }
func (idleTimeoutError) Timeout() bool   { return true }
func (idleTimeoutError) Temporary() bool { return false }

// A Preset is a named set of KCP tuning values. Explicit fields of Config
// override the preset's values one by one.
type Preset uint8

const (
	// Fast favours latency: no-delay mode, a 10 ms update interval, fast
	// resend after 2 duplicate ACKs, no congestion window, ACKs sent at
	// once. It is the zero value.
	Fast Preset = iota
	// Normal favours bandwidth: KCP's standard RTO, a 40 ms interval that
	// batches packets, no fast resend, congestion control, delayed ACKs.
	Normal
	// Lossy is Fast with every datagram sent LossyDuplicates extra times,
	// so that a request or response is late only if all its copies are
	// lost, ACKs batched into the next flush instead of sent per copy
	// received, and windows of LossyWindow packets. It takes random loss
	// off the latency tail (see the package documentation) at four times
	// Fast's bandwidth. Unlike forward error correction, the copies need
	// nothing from the peer: any peer reads them, and each end protects
	// only what it sends.
	Lossy
	// Bulk favours throughput for large bodies: Fast's no-delay timers and
	// no congestion window, windows of BulkWindow packets, no fast resend
	// (with thousands of packets in flight, reordering would trigger
	// spurious ones) and ACKs batched into each flush instead of one
	// datagram per packet received.
	Bulk
)

// presets lists every Preset, for ParseQuery and its messages.
var presets = []Preset{Fast, Normal, Lossy, Bulk}

func presetNames() string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.String()
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// String returns the name ParseQuery accepts for p.
func (p Preset) String() string {
	switch p {
	case Fast:
		return "fast"
	case Normal:
		return "normal"
	case Lossy:
		return "lossy"
	case Bulk:
		return "bulk"
	}
	return fmt.Sprintf("Preset(%d)", uint8(p))
}

// A Toggle overrides a preset's on/off setting. The zero value keeps the
// preset's choice.
type Toggle int8

const (
	// PresetDefault keeps the value the Preset chooses.
	PresetDefault Toggle = iota
	// On forces the setting on.
	On
	// Off forces the setting off.
	Off
)

// ResendOff in Config.Resend disables fast resend, and DuplicatesOff in
// Config.Duplicates sends every datagram once, which a zero value cannot say
// because zero keeps the preset's value.
const (
	ResendOff     = -1
	DuplicatesOff = -1
)

// Defaults and limits. Both ends of a session must agree on Key; the other
// values may differ per end.
const (
	// DefaultIdleTimeout closes sessions whose peer went silent. KCP has no
	// FIN or RST, so without it a vanished client would hold a goroutine
	// and a 10 ms timer on the server forever.
	DefaultIdleTimeout = 2 * time.Minute

	// DefaultLinger bounds how long Close waits for written data to be
	// acknowledged: KCP stops retransmitting the moment a session closes,
	// so closing right after a Write could lose the tail of a response.
	// A peer that is gone costs only Close's quiet period (see Conn.Close),
	// so the bound matters only for a live peer that is slow to read, and
	// is generous.
	DefaultLinger = 5 * time.Second

	// DefaultMTU is kcp-go's own default. Its 28 bytes of FEC and crypto
	// headers plus IPv6 and UDP headers still fit a 1500-byte Ethernet frame.
	DefaultMTU = 1400

	// DefaultWindow (packets, both directions) allows about 180 KB in
	// flight, enough for tens of MB/s at LAN round trips, while bounding
	// the memory a session may hold.
	DefaultWindow = 128

	// LossyDuplicates is how many extra copies of every datagram the Lossy
	// preset sends. A request or response then waits for a retransmission
	// (at least 30 ms) only if all four copies are lost: at 5 % random loss
	// each way, one request in 80,000; with three copies, one in 4,000,
	// which is measurable in a benchmark's tail.
	LossyDuplicates = 3

	// LossyWindow is the Lossy preset's window. Its ACKs wait for the next
	// flush, up to the 10 ms interval, so a window bounds a download at
	// about a window per interval: 256 packets keep Lossy's downloads as
	// fast as with immediate ACKs and 128 (about 30 MiB/s on loopback).
	LossyWindow = 256

	// BulkWindow is the Bulk preset's window: about 2.8 MB in flight, which
	// fills 100 MB/s at a 25 ms round trip, at the cost of that much memory
	// per session when the peer reads slowly.
	BulkWindow = 2048

	// minMTU is the smallest MTU kcp-go accepts.
	minMTU = 50
	// maxMTU keeps a packet plus kcp-go's FEC and crypto headers (28 bytes)
	// inside the 1500-byte buffers kcp-go allocates for every packet.
	maxMTU = 1500 - 28
	// maxWindow is the largest window the 16-bit wire field can advertise.
	maxWindow = 65535
	// minInterval and maxInterval are the bounds kcp-go would silently
	// clamp to; out-of-range values are reported instead.
	minInterval = 10 * time.Millisecond
	maxInterval = 5 * time.Second
	// maxShards is the Reed-Solomon limit on data plus parity shards.
	maxShards = 256
	// maxDuplicates bounds Config.Duplicates: each copy adds the whole
	// traffic again, and with 8 extra copies even 30 % random loss loses
	// all nine of a packet's copies only once in 50,000.
	maxDuplicates = 8
)

// Config tunes a Listener or a dialled session. A nil *Config and the zero
// Config both mean the Fast preset with the defaults above and no
// encryption.
type Config struct {
	// Preset supplies the tuning values that are not set explicitly.
	Preset Preset

	// NoDelay toggles KCP's no-delay mode (30 ms minimum RTO instead of
	// 100 ms, gentler RTO backoff).
	NoDelay Toggle
	// Interval is the period of KCP's internal flush timer, 10 ms to 5 s;
	// zero keeps the preset's.
	Interval time.Duration
	// Resend is the number of duplicate ACKs that trigger a fast
	// retransmission; zero keeps the preset's, ResendOff disables it.
	Resend int
	// NoCongestion toggles turning KCP's congestion window off.
	NoCongestion Toggle
	// AckNoDelay toggles sending each ACK at once instead of with the next
	// flush.
	AckNoDelay Toggle
	// SendWindow and RecvWindow are window sizes in packets; zero means
	// the preset's: BulkWindow for Bulk, LossyWindow for Lossy,
	// DefaultWindow for the others.
	SendWindow, RecvWindow int
	// MTU is the largest KCP packet in bytes, FEC and crypto headers not
	// included; zero means DefaultMTU.
	MTU int

	// Duplicates is how many extra copies of every datagram are sent, up
	// to 8; zero keeps the preset's (LossyDuplicates for Lossy, none
	// otherwise), DuplicatesOff sends one. The peer needs no setting to
	// read them; it discards all but the first copy that arrives.
	Duplicates int

	// DataShards and ParityShards enable Reed-Solomon forward error
	// correction; both zero means none, whatever the preset. The peer
	// reads parity whatever its own values (kcp-go recognises parity
	// packets and learns their grouping). With one data shard, each
	// parity shard is a copy of its packet, like Duplicates, except that
	// kcp-go sends no parity for a packet that follows the previous one by
	// more than 500 ms: the first request after a pause goes unprotected.
	DataShards, ParityShards int

	// Key, if not empty, encrypts every packet with AES-256 under a key
	// derived from it (see DeriveKey). Both ends must use the same Key.
	// Packets that do not decrypt are dropped silently, so a wrong key
	// looks like a peer that never answers.
	Key string

	// IdleTimeout closes a session when no datagram has arrived from the
	// peer for this long; zero means DefaultIdleTimeout. It cannot be
	// disabled. KCP sends no keep-alives, so it must exceed the longest
	// silence of a live peer, such as a client waiting for a slow handler.
	IdleTimeout time.Duration

	// Linger bounds how long Close waits for written data to be
	// acknowledged; zero means DefaultLinger, a negative value closes at
	// once. Close stops waiting earlier if the peer stays silent for a
	// quiet period of max(4 RTOs, 200 ms) while being sent datagrams (see
	// Conn.Close), so a larger Linger only helps slow but live peers.
	Linger time.Duration
}

// settings is a Config with the preset applied and every value checked.
type settings struct {
	noDelay, interval, resend, noCongestion int // as kcp-go's SetNoDelay takes them
	ackNoDelay                              bool
	sendWindow, recvWindow, mtu             int
	duplicates                              int
	dataShards, parityShards                int
	key                                     string
	idleTimeout, linger                     time.Duration
}

func (c *Config) resolve() (settings, error) {
	var cfg Config
	if c != nil {
		cfg = *c
	}
	var s settings
	window := DefaultWindow
	switch cfg.Preset {
	case Fast:
		s.noDelay, s.interval, s.resend, s.noCongestion, s.ackNoDelay = 1, 10, 2, 1, true
	case Lossy:
		// Immediate ACKs would be sent for every copy received, each ACK
		// itself in four copies: 16 datagrams per packet instead of 4.
		s.noDelay, s.interval, s.resend, s.noCongestion, s.ackNoDelay = 1, 10, 2, 1, false
		s.duplicates = LossyDuplicates
		window = LossyWindow
	case Normal:
		s.noDelay, s.interval, s.resend, s.noCongestion, s.ackNoDelay = 0, 40, 0, 0, false
	case Bulk:
		s.noDelay, s.interval, s.resend, s.noCongestion, s.ackNoDelay = 1, 10, 0, 1, false
		window = BulkWindow
	default:
		return s, fmt.Errorf("%w: unknown Preset %d", ErrInvalidConfig, cfg.Preset)
	}

	var err error
	if s.noDelay, err = applyToggle("NoDelay", cfg.NoDelay, s.noDelay); err != nil {
		return s, err
	}
	if s.noCongestion, err = applyToggle("NoCongestion", cfg.NoCongestion, s.noCongestion); err != nil {
		return s, err
	}
	ack := 0
	if s.ackNoDelay {
		ack = 1
	}
	if ack, err = applyToggle("AckNoDelay", cfg.AckNoDelay, ack); err != nil {
		return s, err
	}
	s.ackNoDelay = ack == 1

	switch {
	case cfg.Interval == 0:
	case cfg.Interval < minInterval || cfg.Interval > maxInterval:
		return s, fmt.Errorf("%w: Interval %v outside [%v, %v]", ErrInvalidConfig, cfg.Interval, minInterval, maxInterval)
	default:
		s.interval = int(cfg.Interval / time.Millisecond)
	}

	switch {
	case cfg.Resend == 0:
	case cfg.Resend == ResendOff:
		s.resend = 0
	case cfg.Resend < 0:
		return s, fmt.Errorf("%w: Resend %d is negative and not ResendOff", ErrInvalidConfig, cfg.Resend)
	default:
		s.resend = cfg.Resend
	}

	if s.sendWindow, err = orDefault("SendWindow", cfg.SendWindow, window, 1, maxWindow); err != nil {
		return s, err
	}
	if s.recvWindow, err = orDefault("RecvWindow", cfg.RecvWindow, window, 1, maxWindow); err != nil {
		return s, err
	}
	if s.mtu, err = orDefault("MTU", cfg.MTU, DefaultMTU, minMTU, maxMTU); err != nil {
		return s, err
	}

	switch {
	case cfg.Duplicates == 0:
	case cfg.Duplicates == DuplicatesOff:
		s.duplicates = 0
	case cfg.Duplicates < 0 || cfg.Duplicates > maxDuplicates:
		return s, fmt.Errorf("%w: Duplicates %d outside [0, %d] and not DuplicatesOff", ErrInvalidConfig, cfg.Duplicates, maxDuplicates)
	default:
		s.duplicates = cfg.Duplicates
	}

	switch {
	case cfg.DataShards == 0 && cfg.ParityShards == 0:
	case cfg.DataShards < 1 || cfg.ParityShards < 1:
		return s, fmt.Errorf("%w: DataShards %d and ParityShards %d must both be positive or both zero",
			ErrInvalidConfig, cfg.DataShards, cfg.ParityShards)
	case cfg.DataShards+cfg.ParityShards > maxShards:
		return s, fmt.Errorf("%w: DataShards+ParityShards %d exceeds %d",
			ErrInvalidConfig, cfg.DataShards+cfg.ParityShards, maxShards)
	default:
		s.dataShards, s.parityShards = cfg.DataShards, cfg.ParityShards
	}

	s.key = cfg.Key

	switch {
	case cfg.IdleTimeout == 0:
		s.idleTimeout = DefaultIdleTimeout
	case cfg.IdleTimeout < 0:
		return s, fmt.Errorf("%w: IdleTimeout %v is negative", ErrInvalidConfig, cfg.IdleTimeout)
	default:
		s.idleTimeout = cfg.IdleTimeout
	}

	switch {
	case cfg.Linger == 0:
		s.linger = DefaultLinger
	case cfg.Linger < 0:
		s.linger = 0
	default:
		s.linger = cfg.Linger
	}
	return s, nil
}

func applyToggle(name string, t Toggle, preset int) (int, error) {
	switch t {
	case PresetDefault:
		return preset, nil
	case On:
		return 1, nil
	case Off:
		return 0, nil
	}
	return 0, fmt.Errorf("%w: %s has unknown Toggle %d", ErrInvalidConfig, name, t)
}

func orDefault(name string, v, def, lo, hi int) (int, error) {
	if v == 0 {
		return def, nil
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%w: %s %d outside [%d, %d]", ErrInvalidConfig, name, v, lo, hi)
	}
	return v, nil
}

// configure applies the settings to a fresh session, before any byte of it
// reaches the caller.
func (s *settings) configure(sess *kcpgo.UDPSession) {
	// Stream mode appends a small write to the last queued packet instead
	// of sending a packet per write, which matters once the window is full.
	// kcp-go deprecated the setter (UDPSession reads as a stream either way)
	// but still implements the merging.
	//lint:ignore SA1019 no replacement exists; see above.
	sess.SetStreamMode(true)
	// Write delay would hold every response until the next flush tick.
	sess.SetWriteDelay(false)
	sess.SetNoDelay(s.noDelay, s.interval, s.resend, s.noCongestion)
	sess.SetWindowSize(s.sendWindow, s.recvWindow)
	sess.SetMtu(s.mtu) // in range by resolve, so it cannot fail
	sess.SetACKNoDelay(s.ackNoDelay)
	// Duplicates are sent by the socket (see writeCopies): kcp-go's own
	// SetDUP races with the session's sending goroutine, which reads the
	// count unsynchronised and may already be sending an ACK.
}
