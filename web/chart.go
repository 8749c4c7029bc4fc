package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts are drawn here, in Go, as inline SVG: no script, no inline style.
// Colours come from CSS classes in app.css. Every chart carries a <title>
// and a <desc> that lists its values, and prints each value as text, so that
// screen readers and printouts lose nothing.

// barItem is one bar of a horizontal bar chart.
type barItem struct {
	Label string
	Value int
	Href  string // optional: the bar links to a filtered list
}

// Bar chart geometry, in SVG user units. Charts are drawn at about the size
// they are shown, so that their text matches the page's: barNarrow for a
// half-width card, barWide for a full-width one.
const (
	barNarrow    = 520
	barWide      = 1100
	barLabelW    = 190 // label column
	barValueW    = 56  // room for the value text after the longest bar
	barRowH      = 28
	barThickness = 18
	barMaxLabel  = 30 // runes; longer labels are shortened, in full in <title>
)

// barChart returns a horizontal bar chart width units wide. id must be
// unique on the page; class picks the colour series (e.g. "series-kind").
func barChart(id, class, title string, width int, items []barItem) template.HTML {
	var b strings.Builder
	h := len(items)*barRowH + 4
	if len(items) == 0 {
		h = barRowH
	}
	fmt.Fprintf(&b, `<svg class="chart chart-bar %s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMinYMin meet">`,
		esc(class), width, h, esc(id), esc(id))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(id), esc(title), esc(id), esc(describe(items)))
	if len(items) == 0 {
		fmt.Fprintf(&b, `<text class="chart-empty" x="0" y="18">No data yet</text></svg>`)
		return template.HTML(b.String())
	}
	maxV := 0
	for _, it := range items {
		maxV = max(maxV, it.Value)
	}
	span := float64(width - barLabelW - barValueW)
	for i, it := range items {
		writeBar(&b, i, it, maxV, span)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func writeBar(b *strings.Builder, i int, it barItem, maxV int, span float64) {
	y := i*barRowH + 4
	w := 0.0
	if maxV > 0 {
		w = math.Max(2, span*float64(it.Value)/float64(maxV))
	}
	if it.Href != "" {
		fmt.Fprintf(b, `<a href="%s" class="chart-link">`, esc(it.Href))
	}
	fmt.Fprintf(b, `<g class="bar-row"><title>%s: %s</title>`, esc(it.Label), num(it.Value))
	fmt.Fprintf(b, `<text class="chart-label" x="%d" y="%d" text-anchor="end">%s</text>`, barLabelW-10, y+14, esc(shorten(it.Label, barMaxLabel)))
	fmt.Fprintf(b, `<rect class="bar-track" x="%d" y="%d" width="%s" height="%d" rx="4"/>`, barLabelW, y+1, f1(span), barThickness)
	fmt.Fprintf(b, `<rect class="bar" x="%d" y="%d" width="%s" height="%d" rx="4"/>`, barLabelW, y+1, f1(w), barThickness)
	fmt.Fprintf(b, `<text class="chart-value" x="%s" y="%d">%s</text></g>`, f1(float64(barLabelW)+w+8), y+14, num(it.Value))
	if it.Href != "" {
		b.WriteString(`</a>`)
	}
}

// donutSlice is one slice of a donut chart; Class picks its colour.
type donutSlice struct {
	Label string
	Value int
	Class string
	Href  string
}

// Donut geometry.
const (
	donutSize  = 200
	donutR     = 76 // radius of the ring's centre line
	donutThick = 28
)

// donutChart returns a donut chart with the total in its centre.
func donutChart(id, title, centreLabel string, slices []donutSlice) template.HTML {
	total := 0
	items := make([]barItem, len(slices))
	for i, s := range slices {
		total += s.Value
		items[i] = barItem{Label: s.Label, Value: s.Value}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart chart-donut" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d">`, donutSize, donutSize, esc(id), esc(id))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(id), esc(title), esc(id), esc(describe(items)))
	c := donutSize / 2
	fmt.Fprintf(&b, `<circle class="donut-track" cx="%d" cy="%d" r="%d" stroke-width="%d" fill="none"/>`, c, c, donutR, donutThick)
	start := 0.0
	for _, s := range slices {
		if s.Value == 0 || total == 0 {
			continue
		}
		frac := float64(s.Value) / float64(total)
		writeSlice(&b, s, start, frac, total)
		start += frac
	}
	fmt.Fprintf(&b, `<text class="donut-total" x="%d" y="%d" text-anchor="middle">%s</text>`, c, c+6, num(total))
	fmt.Fprintf(&b, `<text class="donut-caption" x="%d" y="%d" text-anchor="middle">%s</text></svg>`, c, c+26, esc(centreLabel))
	return template.HTML(b.String())
}

func writeSlice(b *strings.Builder, s donutSlice, start, frac float64, total int) {
	c := float64(donutSize / 2)
	label := fmt.Sprintf("%s: %s (%s)", s.Label, num(s.Value), pct(s.Value, total))
	if s.Href != "" {
		fmt.Fprintf(b, `<a href="%s" class="chart-link">`, esc(s.Href))
	}
	if frac >= 0.9999 {
		fmt.Fprintf(b, `<circle class="slice %s" cx="%s" cy="%s" r="%d" stroke-width="%d" fill="none"><title>%s</title></circle>`,
			esc(s.Class), f1(c), f1(c), donutR, donutThick, esc(label))
	} else {
		a0, a1 := start*2*math.Pi-math.Pi/2, (start+frac)*2*math.Pi-math.Pi/2
		large := 0
		if frac > 0.5 {
			large = 1
		}
		x0, y0 := c+donutR*math.Cos(a0), c+donutR*math.Sin(a0)
		x1, y1 := c+donutR*math.Cos(a1), c+donutR*math.Sin(a1)
		fmt.Fprintf(b, `<path class="slice %s" d="M%s %s A%d %d 0 %d 1 %s %s" stroke-width="%d" fill="none"><title>%s</title></path>`,
			esc(s.Class), f1(x0), f1(y0), donutR, donutR, large, f1(x1), f1(y1), donutThick, esc(label))
	}
	if s.Href != "" {
		b.WriteString(`</a>`)
	}
}

// describe lists the values of a chart as one sentence.
func describe(items []barItem) string {
	if len(items) == 0 {
		return "No data."
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it.Label + ": " + num(it.Value)
	}
	return strings.Join(parts, "; ") + "."
}

// topItems keeps the n largest items (already sorted) and folds the rest
// into one "Other" item.
func topItems(items []barItem, n int) []barItem {
	if len(items) <= n {
		return items
	}
	out := append([]barItem(nil), items[:n-1]...)
	rest := 0
	for _, it := range items[n-1:] {
		rest += it.Value
	}
	return append(out, barItem{Label: fmt.Sprintf("Other (%d more)", len(items)-n+1), Value: rest})
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// f1 formats a coordinate with at most one decimal.
func f1(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
