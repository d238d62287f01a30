// Command report turns the rows the suite scripts write (wrk.tsv,
// impl.txt and core.txt from go test -bench, idle.tsv, transports.tsv,
// kcploss.tsv, download.tsv, machine.txt) into medians, ratios and the
// issue's targets:
// results.md, results.json and one SVG chart per suite.
//
//	report -in /tmp/bench-results/run-20260101 -out integration/bench/results
//
// A suite whose file is missing is left out. Medians are over rounds;
// ratios are of medians, tophat over the other, and for wrk also taken
// within each round, whose servers ran back to back.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	in := flag.String("in", ".", "directory holding the suites' rows")
	out := flag.String("out", "", "directory to write results.md, results.json and the charts to (default: print Markdown only)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("report: ")
	r, err := build(*in)
	if err != nil {
		log.Fatal(err)
	}
	md := r.markdown()
	if *out == "" {
		fmt.Print(md)
		return
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	files := map[string]string{"results.md": md}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	files["results.json"] = string(js) + "\n"
	for name, c := range r.charts() {
		files[name] = c.svg()
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(*out, name), []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Print(md)
}

// median of the values; NaN for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return math.NaN()
	}
	return a / b
}

// readTSV reads a file with a header row into maps from column to value;
// a missing file is (nil, nil).
func readTSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var header []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) != len(header) {
			return nil, fmt.Errorf("%s: row %q has %d fields, want %d", path, sc.Text(), len(fields), len(header))
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = fields[i]
		}
		rows = append(rows, row)
	}
	return rows, sc.Err()
}

func num(row map[string]string, col string) (float64, error) {
	v, err := strconv.ParseFloat(row[col], 64)
	if err != nil {
		return 0, fmt.Errorf("column %s: %w", col, err)
	}
	return v, nil
}

// readMachine reads key=value lines.
func readMachine(path string) map[string]string {
	m := map[string]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

// goBench is the median of one Go benchmark over rounds.
type goBench struct {
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
	Rounds      int     `json:"rounds"`
}

// readGoBench reads go test -bench output; names lose "Benchmark" and the
// -GOMAXPROCS suffix.
func readGoBench(paths ...string) ([]goBench, error) {
	vals := map[string]map[string][]float64{}
	var order []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
				continue
			}
			name := strings.TrimPrefix(f[0], "Benchmark")
			if i := strings.LastIndexByte(name, '-'); i > 0 {
				if _, err := strconv.Atoi(name[i+1:]); err == nil {
					name = name[:i]
				}
			}
			if vals[name] == nil {
				vals[name] = map[string][]float64{}
				order = append(order, name)
			}
			for i := 2; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err == nil {
					vals[name][f[i+1]] = append(vals[name][f[i+1]], v)
				}
			}
		}
	}
	var out []goBench
	for _, n := range order {
		v := vals[n]
		out = append(out, goBench{Name: n, NsPerOp: median(v["ns/op"]), BytesPerOp: median(v["B/op"]),
			AllocsPerOp: median(v["allocs/op"]), Rounds: len(v["ns/op"])})
	}
	return out, nil
}
