// Package bench compares tophat with net/http and fasthttp. It holds no
// library code: the benchmarks are in its test files, cmd/helloserver is
// the server that wrk.sh drives over loopback TCP, and gobench.sh and
// wrk.sh turn the results into ratios.
//
// The benchmarks serve every implementation over the same in-memory
// net.Conn, which replays one request per Read and discards the responses,
// so they measure each engine's parsing, dispatch and response writing
// without the kernel. Every run checks that each request got a complete
// 200 response of the expected size, so a broken server cannot look fast.
//
// fasthttp is imported only here, by test files and by cmd/helloserver,
// never by a library package.
package bench
