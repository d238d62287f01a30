package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
	tophatprom "github.com/tophat-go/tophat/core/metrics/prometheus"
	"github.com/tophat-go/tophat/core/router"
	"github.com/tophat-go/tophat/internal/testtool"
	"github.com/tophat-go/tophat/transports/tcp"
)

// The load TestPrometheus runs, each request on a connection of its own so
// that the streams can be counted as exactly as the requests.
const (
	loadA         = 20 // GET /a, 200
	loadB         = 12 // GET /b, 200
	loadNotFound  = 7  // GET /nowhere, the router's 404
	loadMalformed = 3  // refused by the parser: 400
	loadLeavers   = 1  // GET /big, the client leaves mid-response
)

// TestPrometheus runs Debian's Prometheus server against a tophat server
// on loopback: a known load, then a scrape that began after it, then
// Prometheus's query API must give back exactly that load: requests by
// route and status, the client that left as a write failure, the parser's
// rejections, the histograms' counts, and the streams by how they ended.
func TestPrometheus(t *testing.T) {
	bin := testtool.Require(t, "prometheus", "prometheus")
	if testing.Short() {
		t.Skip("starts a Prometheus server")
	}
	rec, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	bodyA := strings.Repeat("a", 100)
	r := router.New()
	r.HandleFunc("GET /a", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, bodyA)
	})
	r.HandleFunc("GET /b", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		return w.SendString(200, "b")
	})
	r.HandleFunc("GET /big", func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		// Far more than the socket buffers hold: the writes fail once the
		// client is gone. The bound only keeps a broken test finite.
		s := w.Begin(200)
		chunk := make([]byte, 64<<10)
		for range 4096 {
			if _, err := s.Write(chunk); err != nil {
				break
			}
		}
		return s.Finish()
	})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := &core.Server{Handler: r, Options: core.Options{ErrorLog: quiet}}
	rec.Instrument(app)
	appAddr := serveTCP(t, app)
	// The exposition on a server of its own, so that Prometheus's scrapes
	// are not part of the load they count.
	exposition := serveTCP(t, &core.Server{Handler: tophatprom.Handler(rec), Options: core.Options{ErrorLog: quiet}})

	prom := startPrometheus(t, bin, exposition)

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	for path, n := range map[string]int{"/a": loadA, "/b": loadB, "/nowhere": loadNotFound} {
		for range n {
			resp, err := client.Get("http://" + appAddr + path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	for range loadMalformed {
		if answer := rawExchange(t, appAddr, "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", -1); !strings.HasPrefix(answer, "HTTP/1.1 400") {
			t.Fatalf("malformed request answered %q", answer)
		}
	}
	for range loadLeavers {
		if answer := rawExchange(t, appAddr, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", len("HTTP/1.1 200")); answer != "HTTP/1.1 200" {
			t.Fatalf("GET /big answered %q", answer)
		}
	}
	streams := uint64(loadA + loadB + loadNotFound + loadMalformed + loadLeavers)
	waitFor(t, "every stream of the load to end", 30*time.Second, func() bool {
		var ended uint64
		for _, s := range rec.Snapshot().Streams {
			for _, e := range s.Ended {
				ended += e.Count
			}
		}
		return ended == streams
	})
	loadDone := time.Now()
	prom.waitScrapeAfter(t, loadDone)

	routed := loadA + loadB + loadNotFound + loadLeavers
	checks := []struct {
		query string
		want  map[string]float64 // by the result's labels
	}{
		{`sum by (route, code) (tophat_http_requests_total)`, map[string]float64{
			`code="200",route="GET /a"`:   loadA,
			`code="200",route="GET /b"`:   loadB,
			`code="404",route="unrouted"`: loadNotFound,
			`code="200",route="GET /big"`: loadLeavers,
		}},
		{`sum by (method) (tophat_http_requests_total)`, map[string]float64{`method="GET"`: float64(routed)}},
		{`sum by (route, cause) (tophat_http_write_failures_total)`, map[string]float64{
			`cause="client_gone",route="GET /big"`: loadLeavers,
		}},
		{`sum by (code) (tophat_http_rejections_total)`, map[string]float64{`code="400"`: loadMalformed}},
		{`sum(tophat_http_time_to_first_byte_seconds_count)`, map[string]float64{``: float64(routed)}},
		{`sum(tophat_http_time_to_last_byte_seconds_count)`, map[string]float64{``: float64(routed)}},
		{`sum by (route) (tophat_http_time_to_last_byte_seconds_bucket{le="+Inf"})`, map[string]float64{
			`route="GET /a"`: loadA, `route="GET /b"`: loadB, `route="unrouted"`: loadNotFound, `route="GET /big"`: loadLeavers,
		}},
		// Loopback answers to /a take far less than ten seconds.
		{`sum by (route) (tophat_http_time_to_last_byte_seconds_bucket{route="GET /a",le="10"})`, map[string]float64{
			`route="GET /a"`: loadA,
		}},
		{`sum by (route) (tophat_http_response_body_bytes_total{route=~"GET /(a|b)"})`, map[string]float64{
			`route="GET /a"`: float64(loadA * len(bodyA)), `route="GET /b"`: loadB,
		}},
		{`sum by (transport) (tophat_streams_accepted_total)`, map[string]float64{`transport="tcp"`: float64(streams)}},
		{`sum by (transport, reason) (tophat_streams_ended_total)`, map[string]float64{
			`reason="client_closed",transport="tcp"`: loadA + loadB + loadNotFound,
			`reason="rejected",transport="tcp"`:      loadMalformed,
			`reason="write_failed",transport="tcp"`:  loadLeavers,
		}},
		{`sum(tophat_stream_requests_total)`, map[string]float64{``: float64(streams)}},
		{`sum(tophat_stream_lifetime_seconds_count)`, map[string]float64{``: float64(streams)}},
		{`sum(tophat_streams_active) + sum(tophat_http_requests_in_flight)`, map[string]float64{``: 0}},
	}
	for _, c := range checks {
		got := prom.query(t, c.query)
		if !equalResults(got, c.want) {
			t.Errorf("%s\n got %v\nwant %v", c.query, got, c.want)
		}
	}
}

// serveTCP serves srv on a loopback port until the test ends, and returns
// the address.
func serveTCP(t *testing.T, srv *core.Server) string {
	t.Helper()
	ln, err := tcp.Listen("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawExchange sends raw on a new connection. With read < 0 it reads the
// answer to its end; otherwise it reads read bytes and leaves with a
// reset (SO_LINGER 0), as a client that crashed or gave up.
func rawExchange(t *testing.T, addr, raw string, read int) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	if read < 0 {
		b, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	b := make([]byte, read)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).SetLinger(0)
	return string(b)
}

// promServer is a running Prometheus with its HTTP API on base.
type promServer struct {
	base   string
	client *http.Client
	out    *bytes.Buffer
}

// startPrometheus runs Prometheus scraping target every second, with its
// storage in a temporary directory and its API on a free loopback port,
// and waits until it is ready. It is stopped when the test ends.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tophat
    static_configs:
      - targets: [%q]
`, target)
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin,
		"--config.file="+configFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+listen,
		"--log.level=warn",
	)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	p := &promServer{base: "http://" + listen, client: &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}, out: out}
	t.Cleanup(func() {
		p.client.CloseIdleConnections()
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Error("prometheus did not stop on SIGTERM")
		}
		if t.Failed() {
			t.Logf("prometheus output:\n%s", out.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := p.client.Get(p.base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("prometheus exited: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready on %s: %v", listen, err)
		}
	}
}

// api calls an endpoint of Prometheus's HTTP API and decodes its data.
func (p *promServer) api(t *testing.T, path string, data any) {
	t.Helper()
	resp, err := p.client.Get(p.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if body.Status != "success" {
		t.Fatalf("%s: %s %s", path, body.Status, body.Error)
	}
	if err := json.Unmarshal(body.Data, data); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// waitScrapeAfter waits until Prometheus has scraped the target, with
// success, in a scrape that began after t0.
func (p *promServer) waitScrapeAfter(t *testing.T, t0 time.Time) {
	t.Helper()
	var last struct {
		Health    string    `json:"health"`
		LastError string    `json:"lastError"`
		Scrape    time.Time `json:"lastScrape"`
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		var targets struct {
			Active []json.RawMessage `json:"activeTargets"`
		}
		p.api(t, "/api/v1/targets?state=active", &targets)
		if len(targets.Active) == 1 {
			if err := json.Unmarshal(targets.Active[0], &last); err != nil {
				t.Fatal(err)
			}
			if last.Health == "up" && last.Scrape.After(t0) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no successful scrape after the load: %d targets, last %+v", len(targets.Active), last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// query evaluates an instant query and returns its vector by labels, each
// set written as `name="value"` pairs sorted by name, joined by commas.
func (p *promServer) query(t *testing.T, q string) map[string]float64 {
	t.Helper()
	var data struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	p.api(t, "/api/v1/query?query="+url.QueryEscape(q), &data)
	if data.ResultType != "vector" {
		t.Fatalf("%s: result type %q", q, data.ResultType)
	}
	got := map[string]float64{}
	for _, r := range data.Result {
		var pairs []string
		for name, value := range r.Metric {
			pairs = append(pairs, name+"="+strconv.Quote(value))
		}
		slices.Sort(pairs)
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s: value %v", q, r.Value)
		}
		got[strings.Join(pairs, ",")] = v
	}
	return got
}

func equalResults(got, want map[string]float64) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			return false
		}
	}
	return true
}
