package main

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A figure is a measured number; NaN (not measured) is null in JSON.
type figure float64

func (f figure) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(float64(f), 'g', 6, 64)), nil
}

var (
	wrkWorkloads = []string{"plaintext", "pipelined", "json", "upload", "close", "tls"}
	wrkImpls     = []string{"tophat", "nethttp", "fasthttp", "canned"}
	idleImpls    = []string{"tophat", "nethttp", "fasthttp"}
	lossCases    = []string{"tcp", "kcp-fast", "kcp-lossy", "kcp-dup2"}
)

type wrkCell struct {
	Workload  string     `json:"workload"`
	Impl      string     `json:"impl"`
	ReqPerS   figure     `json:"req_per_s"`
	P50us     figure     `json:"p50_us"`
	P99us     figure     `json:"p99_us"`
	Errors    int        `json:"errors"`
	Rounds    int        `json:"rounds"`
	ServerCPU *serverCPU `json:"server_cpu,omitempty"` // nil in rows from before wrk.sh read it
}

// serverCPU is the server's CPU time in the timed wrk runs, medians of
// rounds. Utilisation is CPU seconds over the run's seconds: well below 1,
// the load generator, not the server, set the pace.
type serverCPU struct {
	UsPerReq     figure `json:"us_per_req"` // user and system
	UserUsPerReq figure `json:"user_us_per_req"`
	Utilisation  figure `json:"utilisation"`
}

// wrkOthers are the servers tophat's wrk figures are divided by, in the
// report's column order.
var wrkOthers = []string{"fasthttp", "canned", "nethttp"}

// A pairedRatio summarises tophat's req/s over another server's in the
// same wrk round. The servers of a round ran back to back and so shared
// the machine's state, which a ratio of medians taken over separate rounds
// does not keep.
type pairedRatio struct {
	Workload string `json:"workload"`
	Other    string `json:"other"`
	Median   figure `json:"median"`
	Min      figure `json:"min"`
	Max      figure `json:"max"`
	Rounds   int    `json:"rounds"`
}

type idleCell struct {
	Impl         string `json:"impl"`
	Conns        int    `json:"conns"`
	BytesPerConn figure `json:"bytes_per_conn"`
	// Settled is the cost once the server's runtime collected garbage and
	// returned free memory (NaN for rows from before idle.sh read it).
	Settled figure `json:"settled_bytes_per_conn"`
	Rounds  int    `json:"rounds"`
}

type transportCell struct {
	Transport   string `json:"transport"`
	P50us       figure `json:"p50_us"`
	P99us       figure `json:"p99_us"`
	MaxUs       figure `json:"max_us"`
	SeqReqPerS  figure `json:"sequential_req_per_s"`
	ConcReqPerS figure `json:"concurrent_req_per_s"`
	Rounds      int    `json:"rounds"`
}

type lossCell struct {
	LossPct int    `json:"loss_pct"`
	Case    string `json:"case"`
	P50us   figure `json:"p50_us"`
	P99us   figure `json:"p99_us"`
	MaxUs   figure `json:"max_us"` // the largest over all rounds
	ReqPerS figure `json:"req_per_s"`
	Errors  int    `json:"errors"`
	Rounds  int    `json:"rounds"`
}

type target struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      *bool  `json:"met"` // nil: not measured
}

type report struct {
	Machine    map[string]string `json:"machine"`
	Settings   map[string]string `json:"settings"`
	Wrk        []wrkCell         `json:"wrk,omitempty"`
	WrkRounds  []pairedRatio     `json:"wrk_per_round_ratios,omitempty"`
	GoBench    []goBench         `json:"go_bench,omitempty"`
	Idle       []idleCell        `json:"idle,omitempty"`
	Transports []transportCell   `json:"transports,omitempty"`
	Loss       []lossCell        `json:"kcp_loss,omitempty"`
	Download   []downloadCell    `json:"download,omitempty"`
	Targets    []target          `json:"targets"`
}

func build(dir string) (*report, error) {
	r := &report{Machine: readMachine(filepath.Join(dir, "machine.txt")), Settings: map[string]string{}}
	for _, s := range []string{"wrk", "gobench", "idle", "transports", "kcploss", "download"} {
		if b := readMachine(filepath.Join(dir, s+"-settings.txt")); len(b) > 0 {
			parts := []string{}
			for _, k := range sortedKeys(b) {
				parts = append(parts, k+"="+b[k])
			}
			r.Settings[s] = strings.Join(parts, " ")
		}
	}
	if err := r.readWrk(filepath.Join(dir, "wrk.tsv")); err != nil {
		return nil, err
	}
	var err error
	if r.GoBench, err = readGoBench(filepath.Join(dir, "impl.txt"), filepath.Join(dir, "core.txt")); err != nil {
		return nil, err
	}
	if err := r.readIdle(filepath.Join(dir, "idle.tsv")); err != nil {
		return nil, err
	}
	if err := r.readTransports(filepath.Join(dir, "transports.tsv")); err != nil {
		return nil, err
	}
	if err := r.readLoss(filepath.Join(dir, "kcploss.tsv")); err != nil {
		return nil, err
	}
	if err := r.readDownload(filepath.Join(dir, "download.tsv")); err != nil {
		return nil, err
	}
	r.targets()
	return r, nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func (r *report) readWrk(path string) error {
	rows, err := readTSV(path)
	if err != nil || rows == nil {
		return err
	}
	_, withCPU := rows[0]["server_util"]
	type acc struct {
		rps, p50, p99   []float64
		cpu, user, util []float64
		errors          int
		reqPerSByRound  map[string]float64
	}
	cells := map[[2]string]*acc{}
	for _, row := range rows {
		k := [2]string{row["workload"], row["impl"]}
		a := cells[k]
		if a == nil {
			a = &acc{reqPerSByRound: map[string]float64{}}
			cells[k] = a
		}
		rps, err1 := num(row, "req_per_s")
		p50, err2 := num(row, "p50_us")
		p99, err3 := num(row, "p99_us")
		e, err4 := strconv.Atoi(row["errors"])
		if err := firstErr(err1, err2, err3, err4); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if _, dup := a.reqPerSByRound[row["round"]]; dup {
			return fmt.Errorf("%s: round %s has two %s rows for %s", path, row["round"], k[0], k[1])
		}
		a.reqPerSByRound[row["round"]] = rps
		a.rps, a.p50, a.p99, a.errors = append(a.rps, rps), append(a.p50, p50), append(a.p99, p99), a.errors+e
		if withCPU {
			user, err1 := num(row, "server_user_us")
			sys, err2 := num(row, "server_sys_us")
			util, err3 := num(row, "server_util")
			if err := firstErr(err1, err2, err3); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			// A run that completed no request has no CPU per request (nan).
			if !math.IsNaN(user) && !math.IsNaN(sys) {
				a.cpu, a.user = append(a.cpu, user+sys), append(a.user, user)
			}
			a.util = append(a.util, util)
		}
	}
	for _, w := range wrkWorkloads {
		for _, i := range wrkImpls {
			a := cells[[2]string{w, i}]
			if a == nil {
				continue
			}
			c := wrkCell{Workload: w, Impl: i, ReqPerS: figure(median(a.rps)), P50us: figure(median(a.p50)),
				P99us: figure(median(a.p99)), Errors: a.errors, Rounds: len(a.rps)}
			if withCPU {
				c.ServerCPU = &serverCPU{figure(median(a.cpu)), figure(median(a.user)), figure(median(a.util))}
			}
			r.Wrk = append(r.Wrk, c)
		}
		t := cells[[2]string{w, "tophat"}]
		if t == nil {
			continue
		}
		for _, o := range wrkOthers {
			other := cells[[2]string{w, o}]
			if other == nil {
				continue
			}
			if q := perRoundRatios(t.reqPerSByRound, other.reqPerSByRound); len(q) > 0 {
				r.WrkRounds = append(r.WrkRounds, pairedRatio{w, o, figure(median(q)), figure(slices.Min(q)), figure(slices.Max(q)), len(q)})
			}
		}
	}
	return nil
}

// perRoundRatios divides a by b in every round both have, leaving out
// rounds where b is 0 (a server that answered nothing).
func perRoundRatios(a, b map[string]float64) []float64 {
	var q []float64
	for round, v := range a {
		if w, ok := b[round]; ok && w != 0 {
			q = append(q, v/w)
		}
	}
	return q
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (r *report) wrk(workload, impl string) float64 {
	if c := find(r.Wrk, func(c wrkCell) bool { return c.Workload == workload && c.Impl == impl }); c != nil {
		return float64(c.ReqPerS)
	}
	return math.NaN()
}

func (r *report) readIdle(path string) error {
	rows, err := readTSV(path)
	if err != nil || rows == nil {
		return err
	}
	per, settled := map[string][]float64{}, map[string][]float64{}
	conns := map[string]int{}
	for _, row := range rows {
		v, err := num(row, "bytes_per_conn")
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		per[row["impl"]] = append(per[row["impl"]], v)
		if _, ok := row["settled_bytes_per_conn"]; ok {
			s, err := num(row, "settled_bytes_per_conn")
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			settled[row["impl"]] = append(settled[row["impl"]], s)
		}
		conns[row["impl"]], _ = strconv.Atoi(row["conns"])
	}
	for _, i := range idleImpls {
		if v := per[i]; v != nil {
			r.Idle = append(r.Idle, idleCell{i, conns[i], figure(median(v)), figure(median(settled[i])), len(v)})
		}
	}
	return nil
}

// perRound is tophat's per-round ratios to other on the workload, or nil.
func (r *report) perRound(workload, other string) *pairedRatio {
	return find(r.WrkRounds, func(p pairedRatio) bool { return p.Workload == workload && p.Other == other })
}

// ratioText is tophat's ratio of medians to other on the workload, with
// the per-round ratios' median and range when there are any.
func (r *report) ratioText(workload, other string) string {
	s := fmt.Sprintf("%.2f", ratio(r.wrk(workload, "tophat"), r.wrk(workload, other)))
	if p := r.perRound(workload, other); p != nil {
		s += fmt.Sprintf(" (per round: median %.2f, %.2f–%.2f)", float64(p.Median), float64(p.Min), float64(p.Max))
	}
	return s
}

func (r *report) idle(impl string) float64 {
	if c := find(r.Idle, func(c idleCell) bool { return c.Impl == impl }); c != nil {
		return float64(c.BytesPerConn)
	}
	return math.NaN()
}

// idleSettled is idle once the server's runtime returned free memory.
func (r *report) idleSettled(impl string) float64 {
	if c := find(r.Idle, func(c idleCell) bool { return c.Impl == impl }); c != nil {
		return float64(c.Settled)
	}
	return math.NaN()
}

func (r *report) readTransports(path string) error {
	rows, err := readTSV(path)
	if err != nil || rows == nil {
		return err
	}
	cols := []string{"p50_us", "p99_us", "max_us", "seq_req_per_s", "conc_req_per_s"}
	vals := map[string]map[string][]float64{}
	var order []string
	for _, row := range rows {
		t := row["transport"]
		if vals[t] == nil {
			vals[t] = map[string][]float64{}
			order = append(order, t)
		}
		for _, c := range cols {
			v, err := num(row, c)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			vals[t][c] = append(vals[t][c], v)
		}
	}
	for _, t := range order {
		v := vals[t]
		r.Transports = append(r.Transports, transportCell{t, figure(median(v["p50_us"])), figure(median(v["p99_us"])),
			figure(median(v["max_us"])), figure(median(v["seq_req_per_s"])), figure(median(v["conc_req_per_s"])), len(v["p50_us"])})
	}
	return nil
}

func (r *report) readLoss(path string) error {
	rows, err := readTSV(path)
	if err != nil || rows == nil {
		return err
	}
	type acc struct {
		p50, p99, rps []float64
		max           float64
		errors        int
	}
	cells := map[string]*acc{}
	var losses []int
	for _, row := range rows {
		loss, err := strconv.Atoi(row["loss_pct"])
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if !slices.Contains(losses, loss) {
			losses = append(losses, loss)
		}
		k := row["loss_pct"] + "/" + row["case"]
		a := cells[k]
		if a == nil {
			a = &acc{}
			cells[k] = a
		}
		p50, err1 := num(row, "p50_us")
		p99, err2 := num(row, "p99_us")
		mx, err3 := num(row, "max_us")
		rps, err4 := num(row, "req_per_s")
		e, err5 := strconv.Atoi(row["errors"])
		if err := firstErr(err1, err2, err3, err4, err5); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		a.p50, a.p99, a.rps = append(a.p50, p50), append(a.p99, p99), append(a.rps, rps)
		a.max, a.errors = math.Max(a.max, mx), a.errors+e
	}
	for _, l := range losses {
		for _, c := range lossCases {
			if a := cells[strconv.Itoa(l)+"/"+c]; a != nil {
				r.Loss = append(r.Loss, lossCell{l, c, figure(median(a.p50)), figure(median(a.p99)), figure(a.max),
					figure(median(a.rps)), a.errors, len(a.p50)})
			}
		}
	}
	return nil
}

func (r *report) loss(pct int, c string) *lossCell {
	return find(r.Loss, func(l lossCell) bool { return l.LossPct == pct && l.Case == c })
}

func (r *report) bench(name string) *goBench {
	return find(r.GoBench, func(b goBench) bool { return b.Name == name })
}

// find returns the first element of s that match accepts, or nil.
func find[T any](s []T, match func(T) bool) *T {
	if i := slices.IndexFunc(s, match); i >= 0 {
		return &s[i]
	}
	return nil
}

func met(ok bool) *bool { return &ok }

// targets compares the results with the performance issue's targets.
func (r *report) targets() {
	add := func(name, measured string, ok *bool) {
		r.Targets = append(r.Targets, target{name, measured, ok})
	}
	for _, w := range []string{"plaintext", "pipelined"} {
		t, f, c := r.wrk(w, "tophat"), r.wrk(w, "fasthttp"), r.wrk(w, "canned")
		if math.IsNaN(t) {
			add(w+": tophat ≥ 1.0 × fasthttp, ≥ 0.9 × canned limit", "not measured", nil)
			continue
		}
		add(w+": tophat ≥ 1.0 × fasthttp", r.ratioText(w, "fasthttp"), met(ratio(t, f) >= 1.0))
		add(w+": tophat ≥ 0.9 × canned limit", r.ratioText(w, "canned"), met(ratio(t, c) >= 0.9))
	}
	if t, f := r.bench("KeepAlive/tophat"), r.bench("KeepAlive/fasthttp"); t != nil && f != nil {
		add("in-process keep-alive GET: 0 allocs/op", fmt.Sprintf("%.0f allocs/op", t.AllocsPerOp), met(t.AllocsPerOp == 0))
		add("in-process keep-alive GET: ns/op ≤ fasthttp's", fmt.Sprintf("%.2f × fasthttp (%.0f vs %.0f ns/op)", t.NsPerOp/f.NsPerOp, t.NsPerOp, f.NsPerOp),
			met(t.NsPerOp <= f.NsPerOp))
	} else {
		add("in-process keep-alive GET", "not measured", nil)
	}
	if t := r.idle("tophat"); !math.IsNaN(t) {
		add("idle keep-alive connection ≤ 8 KB resident", fmt.Sprintf("%.0f bytes (fasthttp %.0f, net/http %.0f)", t, r.idle("fasthttp"), r.idle("nethttp")),
			met(t <= 8000))
	} else {
		add("idle keep-alive connection ≤ 8 KB resident", "not measured", nil)
	}
	if t := r.idleSettled("tophat"); !math.IsNaN(t) {
		add("idle keep-alive connection ≤ 8 KB resident, settled", fmt.Sprintf("%.0f bytes (fasthttp %.0f, net/http %.0f)", t, r.idleSettled("fasthttp"), r.idleSettled("nethttp")),
			met(t <= 8000))
	}
	fast, lossy, tcp := r.loss(5, "kcp-fast"), r.loss(5, "kcp-lossy"), r.loss(5, "tcp")
	if fast != nil && tcp != nil {
		q := float64(fast.P99us) / float64(tcp.P99us)
		add("KCP fast preset at 5 % loss: p99 ≤ ⅛ of TCP's", fmt.Sprintf("%.3f (%.1f ms vs %.1f ms)", q, float64(fast.P99us)/1000, float64(tcp.P99us)/1000),
			met(q <= 0.125))
	} else {
		add("KCP fast preset at 5 % loss: p99 ≤ ⅛ of TCP's", "not measured", nil)
	}
	if lossy != nil {
		add("KCP lossy preset at 5 % loss: p99 ≤ 1 ms", fmt.Sprintf("%.2f ms", float64(lossy.P99us)/1000), met(lossy.P99us <= 1000))
		add("KCP lossy preset at 5 % loss: maximum ≤ 10 ms", fmt.Sprintf("%.1f ms", float64(lossy.MaxUs)/1000), met(lossy.MaxUs <= 10000))
	} else {
		add("KCP lossy preset at 5 % loss: p99 ≤ 1 ms, maximum ≤ 10 ms", "not measured", nil)
	}
}
