// Package kcp serves and dials byte streams over KCP, a reliable protocol on
// top of UDP (github.com/xtaci/kcp-go/v5), for links where TCP's
// retransmission timers hurt: lossy radio, long fat pipes, congested Wi-Fi.
//
// A Listener satisfies core.Listener and hands out *Conn values, which are
// net.Conn, so the tls transport can wrap them. Dial opens a session from a
// client and Transport gives net/http's client a way in:
//
//	ln, err := kcp.Listen("0.0.0.0:4000", &kcp.Config{Preset: kcp.Lossy, Key: secret})
//	client := &http.Client{Transport: kcp.Transport("server:4000", &kcp.Config{Preset: kcp.Lossy, Key: secret})}
//
// # Presets
//
// Fast (the zero value) sends at once and retransmits early; Normal batches
// packets and backs off like TCP, using less bandwidth; Lossy is Fast with
// every datagram sent four times, which spends four times the bandwidth to
// take random packet loss off the latency tail; Bulk is Fast with large
// windows, batched ACKs and no fast resend, for large bodies. Every value a
// preset sets can be overridden in Config, and ParseQuery reads a Config
// from URL query parameters ("preset=bulk").
//
// Which preset serves which link, measured on one 2-core Linux machine (a
// shared one, so read the ratios rather than the figures): small requests
// through a relay that drops 5 % of datagrams each way
// (BenchmarkLossyLinkLatency, 3 runs of 2,000 requests: median p50 and p99,
// highest max), and a 10 MiB download on loopback (TestMeasure in
// integration/, median of 3; TCP 503 MiB/s in the same run):
//
//	preset   5 % loss p50   p99       max       10 MiB download   use it for
//	fast     0.05 ms        32 ms     151 ms    56 MiB/s          interactive requests on good links
//	normal   0.04 ms        102 ms    600 ms    2 MiB/s           sharing a link politely; slow
//	lossy    0.09 ms        0.18 ms   4.2 ms    31 MiB/s          lossy radio and Wi-Fi: no tail
//	bulk     0.05 ms        32 ms     136 ms    174 MiB/s         downloads and uploads
//
// # The Lossy preset
//
// A small request or response is one datagram. When it is lost, Fast waits
// for kcp-go's retransmission timeout, at least 30 ms (Linux TCP: 200 ms),
// and at 5 % loss each way that is one request in ten. Lossy sends every
// datagram with LossyDuplicates (3) extra copies, back to back, so a request
// waits for a retransmission only when all four copies of the request or of
// its response are lost: at 5 % loss, one request in 80,000 (2 × 0.05⁴).
// With three copies (dup=2) it would be one in 4,000, often enough to set
// a benchmark's maximum. Copies guard against random loss, not against a
// burst that swallows all four.
//
// The copies cost four times Fast's datagrams and bandwidth, and CPU for
// each of them on both ends: on a loss-free link a small request takes
// about 1.4 times Fast's median latency (integration/bench's kcploss.sh),
// and a 10 MiB download runs at about half Fast's rate. To keep copies
// from multiplying, Lossy's ACKs wait for the next flush (a reply, or the
// 10 ms interval) instead of going out for every copy received, which
// would make 16 datagrams of each; and its windows are LossyWindow
// packets, so that the later ACKs do not slow downloads.
//
// Lossy copies datagrams rather than using forward error correction
// (Config.DataShards and ParityShards, still available): with one data
// shard, kcp-go's parity shards are copies too, but it sends none for a
// packet that follows the previous one by more than 500 ms, so the first
// request after a pause would go unprotected, and decoding parity costs
// more than discarding a copy.
//
// Each end's copies protect what it sends, so both ends should use Lossy;
// a peer with another preset, or with forward error correction, still
// reads every packet. For the other presets too, the windows and ACK timing
// of the two ends together set the throughput.
//
// # Encryption
//
// With Config.Key set, packets are encrypted with AES-256 under a key derived
// by PBKDF2 (see DeriveKey) and checked with a CRC. This hides and guards the
// traffic from anyone without the key, but it is a shared secret, not TLS:
// there is no peer authentication and no forward secrecy. Wrap the streams in
// TLS where those matter.
//
// # Lifetimes
//
// KCP has no FIN and no RST: a peer is never told that a session ended. So:
//
//   - Close on a Conn waits (up to Config.Linger) for what it wrote to be
//     acknowledged, then frees the session; the peer notices only through
//     its idle timeout. Read never returns io.EOF, so HTTP over KCP relies
//     on Content-Length or chunked framing, never on end of stream.
//   - Every session is closed once nothing has arrived from its peer for
//     Config.IdleTimeout; Read and Write then fail with errors matching
//     ErrIdleTimeout. KCP sends no keep-alives, so the timeout must be
//     longer than any silence a live peer keeps.
//   - Listener.Close stops accepting at once: Accept returns net.ErrClosed,
//     sessions that arrived but were never accepted are closed (kcp-go's
//     own listener would leave them running) and datagrams from new peers
//     are dropped. Sessions already accepted keep working until their
//     owner closes them or the idle timeout ends them, so a graceful
//     shutdown (core.Server.Shutdown closes its listeners first, then
//     waits for requests in flight) loses no request. The UDP socket they
//     share closes when the last of them ends. Listener.Abort closes the
//     accepted sessions too, at once.
//   - A stray packet from a peer whose session the server already closed
//     opens a new session (kcp-go's listener knows no better); it never
//     delivers data and ends at the idle timeout.
//
// Deadlines set with SetReadDeadline and SetWriteDeadline work as on any
// net.Conn and are independent of the idle timeout.
//
// kcp-go starts scheduler goroutines when it is loaded that run for the life
// of the process; a test using go.uber.org/goleak must ignore them (see this
// package's TestMain).
package kcp
