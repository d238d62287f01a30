package main

import (
	"encoding/json"
	"encoding/xml"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReport builds a report from a few rows of every suite and checks
// the medians, the ratios, the targets and that every output is well
// formed.
//
// wrk, tophat over fasthttp: medians 200 / 150 = 1.33, but per round
// 100/125, 300/150, 200/250 = 0.80, 2.00, 0.80, median 0.80. The target
// stays decided by the ratio of medians. net/http's second round answered
// nothing: its CPU per request is nan and its per-round ratio undefined,
// and both are left out. tophat's CPU per request is the median of the
// rounds' sums, 4+6, 2+10, 3+3: 10, not the sum of medians, 3+6.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "machine.txt", "date=2026-01-01T00:00:00Z\nnproc=2\ncpu=Test CPU\nkernel=Linux 6\n")
	write(t, dir, "wrk.tsv", "round\tworkload\timpl\treq_per_s\tp50_us\tp99_us\terrors\tserver_user_us\tserver_sys_us\tserver_util\n"+
		"1\tplaintext\ttophat\t100\t1\t2\t0\t4\t6\t0.9\n1\tplaintext\tnethttp\t50\t1\t2\t1\t20\t20\t1.0\n"+
		"1\tplaintext\tfasthttp\t125\t1\t2\t0\t1\t2\t0.8\n1\tplaintext\tcanned\t400\t1\t2\t0\t0.5\t0.5\t0.6\n"+
		"2\tplaintext\tfasthttp\t150\t1\t2\t0\t2\t2\t0.7\n2\tplaintext\tnethttp\t0\t1\t2\t64\tnan\tnan\t0.0\n"+
		"2\tplaintext\ttophat\t300\t1\t2\t0\t2\t10\t1.0\n"+
		"3\tplaintext\ttophat\t200\t1\t2\t0\t3\t3\t0.5\n3\tplaintext\tfasthttp\t250\t1\t2\t0\t1.5\t1\t0.9\n")
	write(t, dir, "impl.txt", "BenchmarkKeepAlive/tophat-2 \t 100 \t 900 ns/op \t 0 B/op \t 0 allocs/op\n"+
		"BenchmarkKeepAlive/tophat-2 \t 100 \t 1100 ns/op \t 0 B/op \t 0 allocs/op\n"+
		"BenchmarkKeepAlive/fasthttp-2 \t 100 \t 1000 ns/op \t 0 B/op \t 0 allocs/op\n"+
		"BenchmarkKeepAlive/nethttp-2 \t 100 \t 5000 ns/op \t 2000 B/op \t 20 allocs/op\n"+
		"BenchmarkKeepAlive/tophat-router-2 \t 100 \t 1100 ns/op \t 0 B/op \t 0 allocs/op\n"+
		"BenchmarkKeepAlive/tophat-nethttp-2 \t 100 \t 3000 ns/op \t 2000 B/op \t 25 allocs/op\n")
	write(t, dir, "idle.tsv", "round\timpl\tconns\trss_before_kib\trss_after_kib\tbytes_per_conn\trss_settled_kib\tsettled_bytes_per_conn\n1\ttophat\t10\t1\t2\t9000\t2\t7000\n")
	write(t, dir, "kcploss.tsv", "round\tloss_pct\tcase\tanswered\terrors\tp50_us\tp99_us\tmax_us\treq_per_s\n"+
		"1\t5\ttcp\t10\t0\t100\t200000\t300000\t50\n1\t5\tkcp-fast\t10\t0\t100\t20000\t40000\t500\n"+
		"1\t5\tkcp-lossy\t10\t0\t100\t900\t12000\t900\n")
	write(t, dir, "download.tsv", "round\timpl\tbytes\tseconds\tmib_per_s\n"+
		"1\ttophat\t1048576\t0.001\t1000.0\n1\ttophat\t1048576\t0.003\t333.3\n2\ttophat\t1048576\t0.002\t500.0\n"+
		"1\tnethttp\t1048576\t0.004\t250.0\n1\tfasthttp\t1048576\t0.002\t500.0\n")
	write(t, dir, "download-settings.txt", "rounds=2 size=1048576 n=3\n")
	r, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.wrk("plaintext", "tophat"); got != 200 {
		t.Errorf("tophat plaintext median = %v, want 200", got)
	}
	if kb := r.bench("KeepAlive/tophat"); kb == nil || kb.NsPerOp != 1000 || kb.Rounds != 2 {
		t.Errorf("KeepAlive/tophat = %+v, want 1000 ns/op over 2 rounds", kb)
	}
	measured := map[string]string{
		"plaintext: tophat ≥ 1.0 × fasthttp":     "1.33 (per round: median 0.80, 0.80–2.00)",
		"plaintext: tophat ≥ 0.9 × canned limit": "0.50 (per round: median 0.25, 0.25–0.25)",
	}
	want := map[string]bool{
		"plaintext: tophat ≥ 1.0 × fasthttp":                  true,
		"plaintext: tophat ≥ 0.9 × canned limit":              false,
		"in-process keep-alive GET: ns/op ≤ fasthttp's":       true,
		"idle keep-alive connection ≤ 8 KB resident":          false,
		"idle keep-alive connection ≤ 8 KB resident, settled": true,
		"KCP fast preset at 5 % loss: p99 ≤ ⅛ of TCP's":       true,
		"KCP lossy preset at 5 % loss: p99 ≤ 1 ms":            true,
		"KCP lossy preset at 5 % loss: maximum ≤ 10 ms":       false,
	}
	for _, tg := range r.Targets {
		w, ok := want[tg.Target]
		if !ok {
			continue
		}
		delete(want, tg.Target)
		if tg.Met == nil || *tg.Met != w {
			t.Errorf("%s: met %v, want %v (%s)", tg.Target, tg.Met, w, tg.Measured)
		}
		if m, ok := measured[tg.Target]; ok && tg.Measured != m {
			t.Errorf("%s: measured %q, want %q", tg.Target, tg.Measured, m)
		}
	}
	for name := range want {
		t.Errorf("target %q missing", name)
	}
	md := r.markdown()
	for _, s := range []string{"Test CPU", "| plaintext | 200 | 25 | 150 | 400 | 1.33 | 0.50 | 8.00 |",
		"| plaintext | 0.80 (0.80–2.00) | 0.25 (0.25–0.25) | 2.00 (2.00–2.00) |", "| plaintext | nethttp | 1.0 | 2.0 | 65 | 2 |",
		"| plaintext | tophat | 10.00 | 3.00 | 0.90 |", "| plaintext | fasthttp | 3.00 | 1.50 | 0.80 |",
		"| plaintext | canned | 1.00 | 0.50 | 0.60 |", "| plaintext | nethttp | 40.00 | 20.00 | 0.50 |",
		"| KeepAlive | core/router | +100 | 1.10 | 0 |", "| KeepAlive | core/nethttp (a net/http handler) | +2000 | 3.00 | 25 |",
		"| tophat | 1048576 | 0.002 | 500 | 3 | 2 |", "| download settings | rounds=2 size=1048576 n=3 |",
		"| time per download (below 1 favours tophat) | 0.50 | 1.00 |", "| throughput (above 1 favours tophat) | 2.00 | 1.00 |"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Errorf("json: %v", err)
	}
	for _, s := range []string{`"download":[{"impl":"tophat","bytes":1048576,"seconds":0.002,"mib_per_s":500,"downloads":3,"rounds":2}`,
		`"impl":"tophat","req_per_s":200,"p50_us":1,"p99_us":2,"errors":0,"rounds":3,"server_cpu":{"us_per_req":10,"user_us_per_req":3,"utilisation":0.9}}`,
		`{"workload":"plaintext","other":"fasthttp","median":0.8,"min":0.8,"max":2,"rounds":3}`,
		`{"workload":"plaintext","other":"nethttp","median":2,"min":2,"max":2,"rounds":1}`} {
		if !strings.Contains(string(js), s) {
			t.Errorf("json lacks %s: %s", s, js)
		}
	}
	charts := r.charts()
	if _, ok := charts["download.svg"]; !ok {
		t.Error("no download chart")
	}
	for name, c := range charts {
		if err := xml.Unmarshal([]byte(c.svg()), new(struct{})); err != nil {
			t.Errorf("%s is not well-formed XML: %v", name, err)
		}
	}
}

// TestWrkWithoutServerCPU: rows from before wrk.sh read the server's CPU
// time still make a report, without the CPU figures. The per-round ratios
// of tophat over fasthttp are 2.00 and 0.50, median 1.25, while the ratio
// of medians, 150 / 225 = 0.67, decides the target.
func TestWrkWithoutServerCPU(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "wrk.tsv", "round\tworkload\timpl\treq_per_s\tp50_us\tp99_us\terrors\n"+
		"1\tplaintext\ttophat\t100\t1\t2\t0\n1\tplaintext\tfasthttp\t50\t1\t2\t0\n"+
		"2\tplaintext\tfasthttp\t400\t1\t2\t0\n2\tplaintext\ttophat\t200\t1\t2\t0\n")
	r, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Wrk {
		if c.ServerCPU != nil {
			t.Errorf("%s %s has server CPU figures %+v", c.Workload, c.Impl, *c.ServerCPU)
		}
	}
	for _, tg := range r.Targets {
		if tg.Target == "plaintext: tophat ≥ 1.0 × fasthttp" {
			if tg.Met == nil || *tg.Met || tg.Measured != "0.67 (per round: median 1.25, 0.50–2.00)" {
				t.Errorf("%s: met %v, measured %q; want not met, 0.67 (per round: median 1.25, 0.50–2.00)", tg.Target, tg.Met, tg.Measured)
			}
		}
	}
	md := r.markdown()
	if !strings.Contains(md, "| plaintext | 1.25 (0.50–2.00) | – | – |") {
		t.Errorf("markdown lacks the per-round ratios:\n%s", md)
	}
	if strings.Contains(md, "CPU") {
		t.Errorf("markdown has a CPU table without CPU figures:\n%s", md)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "server_cpu") {
		t.Errorf("json has server CPU figures: %s", js)
	}
}

// TestWrkRoundTwice: with two rows of one server in one round, which to
// pair with the others' is ambiguous, so the report refuses them.
func TestWrkRoundTwice(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "wrk.tsv", "round\tworkload\timpl\treq_per_s\tp50_us\tp99_us\terrors\n"+
		"1\tplaintext\ttophat\t100\t1\t2\t0\n1\tplaintext\ttophat\t200\t1\t2\t0\n")
	if _, err := build(dir); err == nil || !strings.Contains(err.Error(), "round 1 has two plaintext rows for tophat") {
		t.Fatalf("build = %v, want an error naming the round", err)
	}
}

// TestDownloadSizesDiffer: medians over downloads of different sizes
// would mean nothing, so the report refuses them.
func TestDownloadSizesDiffer(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "download.tsv", "round\timpl\tbytes\tseconds\tmib_per_s\n"+
		"1\ttophat\t1048576\t0.001\t1000.0\n2\ttophat\t2097152\t0.002\t1000.0\n")
	if _, err := build(dir); err == nil || !strings.Contains(err.Error(), "1048576 and 2097152") {
		t.Fatalf("build = %v, want an error naming both sizes", err)
	}
}

func TestMedianAndFigure(t *testing.T) {
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v, want 2.5", m)
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
	b, err := json.Marshal([]figure{figure(math.NaN()), 1.5})
	if err != nil || string(b) != "[null,1.5]" {
		t.Errorf("figures = %s, %v", b, err)
	}
}
