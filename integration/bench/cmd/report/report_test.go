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
// the medians, a ratio, the targets and that every output is well formed.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "machine.txt", "date=2026-01-01T00:00:00Z\nnproc=2\ncpu=Test CPU\nkernel=Linux 6\n")
	write(t, dir, "wrk.tsv", "round\tworkload\timpl\treq_per_s\tp50_us\tp99_us\terrors\n"+
		"1\tplaintext\ttophat\t100\t1\t2\t0\n2\tplaintext\ttophat\t300\t1\t2\t0\n3\tplaintext\ttophat\t200\t1\t2\t0\n"+
		"1\tplaintext\tfasthttp\t100\t1\t2\t0\n1\tplaintext\tcanned\t400\t1\t2\t0\n1\tplaintext\tnethttp\t50\t1\t2\t1\n")
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
	}
	for name := range want {
		t.Errorf("target %q missing", name)
	}
	md := r.markdown()
	for _, s := range []string{"Test CPU", "| plaintext | 200 | 50 | 100 | 400 | 2.00 | 0.50 | 4.00 |",
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
	if !strings.Contains(string(js), `"download":[{"impl":"tophat","bytes":1048576,"seconds":0.002,"mib_per_s":500,"downloads":3,"rounds":2}`) {
		t.Errorf("json lacks the download medians: %s", js)
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
