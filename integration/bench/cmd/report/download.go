package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

var downloadImpls = []string{"tophat", "nethttp", "fasthttp"}

// downloadCell is the median of every timed download of one
// implementation (download.sh writes a row per download, several a round).
type downloadCell struct {
	Impl      string `json:"impl"`
	Bytes     int64  `json:"bytes"`
	Seconds   figure `json:"seconds"`
	MiBPerS   figure `json:"mib_per_s"`
	Downloads int    `json:"downloads"`
	Rounds    int    `json:"rounds"`
}

func (r *report) readDownload(path string) error {
	rows, err := readTSV(path)
	if err != nil || rows == nil {
		return err
	}
	type acc struct {
		seconds, mibs []float64
		bytes         int64
		rounds        map[string]bool
	}
	cells := map[string]*acc{}
	for _, row := range rows {
		a := cells[row["impl"]]
		if a == nil {
			a = &acc{rounds: map[string]bool{}}
			cells[row["impl"]] = a
		}
		s, err1 := num(row, "seconds")
		m, err2 := num(row, "mib_per_s")
		n, err3 := strconv.ParseInt(row["bytes"], 10, 64)
		if err := firstErr(err1, err2, err3); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if a.bytes != 0 && n != a.bytes {
			return fmt.Errorf("%s: %s downloads of %d and %d bytes", path, row["impl"], a.bytes, n)
		}
		a.seconds, a.mibs, a.bytes = append(a.seconds, s), append(a.mibs, m), n
		a.rounds[row["round"]] = true
	}
	for _, i := range downloadImpls {
		if a := cells[i]; a != nil {
			r.Download = append(r.Download, downloadCell{i, a.bytes, figure(median(a.seconds)), figure(median(a.mibs)), len(a.seconds), len(a.rounds)})
		}
	}
	return nil
}

func (r *report) download(impl string) *downloadCell {
	return find(r.Download, func(d downloadCell) bool { return d.Impl == impl })
}

// downloadRatios are tophat's median seconds per download and MiB/s over
// impl's; NaN where either is missing.
func (r *report) downloadRatios(impl string) (seconds, mibs float64) {
	t, o := r.download("tophat"), r.download(impl)
	if t == nil || o == nil {
		return math.NaN(), math.NaN()
	}
	return ratio(float64(t.Seconds), float64(o.Seconds)), ratio(float64(t.MiBPerS), float64(o.MiBPerS))
}

func writeDownload(b *strings.Builder, r *report) {
	if len(r.Download) == 0 {
		return
	}
	b.WriteString("\n## File download over loopback\n\n")
	b.WriteString("One file from the page cache, sent the way each library sends files (tophat: SendReader with the *os.File; net/http: ServeContent; fasthttp: SendFile; all three use sendfile), fetched repeatedly over one kept-alive connection by a client on the other CPU. Medians of every timed download.\n\n")
	b.WriteString("| impl | bytes | seconds per download | MiB/s | downloads | rounds |\n|---|---:|---:|---:|---:|---:|\n")
	for _, c := range r.Download {
		fmt.Fprintf(b, "| %s | %d | %s | %s | %d | %d |\n", c.Impl, c.Bytes, f3(c.Seconds), f0(c.MiBPerS), c.Downloads, c.Rounds)
	}
	sn, mn := r.downloadRatios("nethttp")
	sf, mf := r.downloadRatios("fasthttp")
	b.WriteString("\n| ratio of medians | tophat / net/http | tophat / fasthttp |\n|---|---:|---:|\n")
	fmt.Fprintf(b, "| time per download (below 1 favours tophat) | %s | %s |\n", r2(sn), r2(sf))
	fmt.Fprintf(b, "| throughput (above 1 favours tophat) | %s | %s |\n", r2(mn), r2(mf))
}

func f3(v figure) string {
	if math.IsNaN(float64(v)) {
		return "–"
	}
	return fmt.Sprintf("%.3f", float64(v))
}

func (r *report) downloadChart() barChart {
	c := barChart{title: "File download over loopback: MiB/s (higher is better)", unit: "MiB/s",
		groups: []string{"one file, one connection"}, series: []string{"tophat", "net/http", "fasthttp"}}
	row := []float64{}
	for _, i := range downloadImpls {
		v := math.NaN()
		if d := r.download(i); d != nil {
			v = float64(d.MiBPerS)
		}
		row = append(row, v)
	}
	c.values = [][]float64{row}
	return c
}
