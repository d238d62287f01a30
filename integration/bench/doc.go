// Package bench compares tophat with net/http, fasthttp and a canned-bytes
// server that parses nothing. It is a module of its own, so that fasthttp
// and other benchmark-only dependencies never reach the library's go.mod,
// and it holds no library code: the in-memory benchmarks are in its test
// files, the programs that the scripts drive are in cmd/ (helloserver,
// idleconns, transportbench) and cmd/report turns the rows into results
// and charts. run.sh runs every suite; README.md describes them.
//
// The in-memory benchmarks serve every implementation over the same
// net.Conn, which replays one request per Read and discards the responses,
// so they measure each engine's parsing, dispatch and response writing
// without the kernel. Every run checks that each request got a complete
// 200 response of the expected size, so a broken server cannot look fast.
package bench
