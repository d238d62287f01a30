// Package integration holds tophat's end-to-end tests: one test body run
// over every transport (in-memory pipe, TCP, Unix sockets with a path and
// with an abstract name, TLS over TCP, Unix and KCP, and KCP with its
// presets, forward error correction and encryption), each serving a full
// core.Server and driven by Go's net/http client, raw pipelined streams and
// curl. It holds no library code; everything is in its test files.
//
// Set TOPHAT_REQUIRE_TOOLS=1 to make a missing external tool (curl) fail
// the run instead of skipping, and TOPHAT_MEASURE=1 to print a table of
// latency and throughput per transport (TestMeasure); the same figures are
// available as BenchmarkTransports.
package integration
