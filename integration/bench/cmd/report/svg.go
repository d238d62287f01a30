package main

import (
	"fmt"
	"math"
	"strings"
)

// palette colours the series of a chart, in order; tophat is first in
// every chart.
var palette = []string{"#d1495b", "#4c78a8", "#f2a541", "#7f7f7f", "#59a14f", "#b07aa1"}

// A barChart is grouped vertical bars: one group per category, one bar per
// series in each group.
type barChart struct {
	title, unit string
	groups      []string
	series      []string
	values      [][]float64 // [group][series]; NaN for a missing bar
	log         bool        // logarithmic value axis
	refLine     float64     // a dashed horizontal line (a target), if > 0
	refLabel    string
}

const (
	chartWidth  = 760
	chartHeight = 360
	marginLeft  = 70
	marginRight = 20
	marginTop   = 44
	marginBot   = 64
)

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// svg renders the chart as a standalone SVG document.
func (c barChart) svg() string {
	var b strings.Builder
	plotW := float64(chartWidth - marginLeft - marginRight)
	plotH := float64(chartHeight - marginTop - marginBot)
	lo, hi := math.Inf(1), 0.0
	for _, g := range c.values {
		for _, v := range g {
			if !math.IsNaN(v) && v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if c.refLine > 0 {
		lo, hi = math.Min(lo, c.refLine), math.Max(hi, c.refLine)
	}
	if hi == 0 {
		hi, lo = 1, 1
	}
	var ticks []float64
	var scale func(v float64) float64 // value to height in pixels
	if c.log {
		bottom := math.Pow(10, math.Floor(math.Log10(lo)))
		top := math.Pow(10, math.Ceil(math.Log10(hi)))
		if top <= bottom {
			top = bottom * 10
		}
		for t := bottom; t <= top*1.0001; t *= 10 {
			ticks = append(ticks, t)
		}
		scale = func(v float64) float64 {
			if v <= bottom {
				return 0
			}
			return plotH * math.Log10(v/bottom) / math.Log10(top/bottom)
		}
	} else {
		step := niceStep(hi / 5)
		top := math.Ceil(hi/step) * step
		for t := 0.0; t <= top*1.0001; t += step {
			ticks = append(ticks, t)
		}
		scale = func(v float64) float64 { return plotH * v / top }
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, chartHeight, chartWidth, chartHeight)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", marginLeft, esc(c.title))
	baseY := float64(marginTop) + plotH
	for _, t := range ticks {
		y := baseY - scale(t)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", marginLeft, chartWidth-marginRight, y, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#555">%s</text>`+"\n", marginLeft-6, y+4, esc(human(t)))
	}
	fmt.Fprintf(&b, `<text x="14" y="%.1f" transform="rotate(-90 14 %.1f)" text-anchor="middle" fill="#333">%s</text>`+"\n",
		float64(marginTop)+plotH/2, float64(marginTop)+plotH/2, esc(c.unit))
	groupW := plotW / float64(max(len(c.groups), 1))
	barW := groupW * 0.8 / float64(max(len(c.series), 1))
	for gi, g := range c.groups {
		x0 := float64(marginLeft) + float64(gi)*groupW + groupW*0.1
		for si := range c.series {
			v := math.NaN()
			if gi < len(c.values) && si < len(c.values[gi]) {
				v = c.values[gi][si]
			}
			if math.IsNaN(v) {
				continue
			}
			h := scale(v)
			x := x0 + float64(si)*barW
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`+"\n",
				x, baseY-h, barW*0.92, h, palette[si%len(palette)], esc(g), esc(c.series[si]), esc(human(v)))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x0+groupW*0.4, baseY+16, esc(g))
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#333"/>`+"\n", marginLeft, chartWidth-marginRight, baseY, baseY)
	if c.refLine > 0 {
		y := baseY - scale(c.refLine)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#000" stroke-dasharray="6 4"/>`+"\n", marginLeft, chartWidth-marginRight, y, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#000">%s</text>`+"\n", chartWidth-marginRight, y-4, esc(c.refLabel))
	}
	lx := float64(marginLeft)
	for si, s := range c.series {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="12" height="12" fill="%s"/>`+"\n", lx, chartHeight-24, palette[si%len(palette)])
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", lx+16, chartHeight-14, esc(s))
		lx += 24 + 7.5*float64(len(s))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// human prints a value compactly: 1.5M, 950K, 0.25.
func human(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return trim(fmt.Sprintf("%.2f", v/1e6)) + "M"
	case a >= 1e4:
		return trim(fmt.Sprintf("%.1f", v/1e3)) + "K"
	case a >= 100 || a == 0:
		return fmt.Sprintf("%.0f", v)
	case a >= 1:
		return trim(fmt.Sprintf("%.2f", v))
	}
	return trim(fmt.Sprintf("%.3g", v))
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
