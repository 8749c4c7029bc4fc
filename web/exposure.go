package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/airtight/airtight/vuln"
)

// The exposure chart: open findings at the end of each day, as two stacked
// areas (known exploited at the bottom, the others above), drawn like the
// other charts: inline SVG, colours from CSS classes, a <title> and a
// <desc>, a tooltip per day, and the same numbers as a table.

// Geometry, in SVG user units (drawn for a full-width card).
const (
	exWidth    = 1100
	exHeight   = 250
	exLeft     = 48 // room for the axis values
	exRight    = 96 // room for the latest value
	exTop      = 14
	exBaseline = 212
	exTicks    = 4
	exLabelGap = 15 // days between date labels, counted back from today
)

// exposureFigure is the chart with its legend and its numbers.
type exposureFigure struct {
	Chart  template.HTML
	Rows   []exposureRow // newest first, for the table
	Latest exposureRow
	Peak   exposureRow
	Legend []legendItem
}

// exposureRow is one day.
type exposureRow struct {
	Day   time.Time
	Label string
	KEV   int
	Other int
	Open  int
}

// exposureChart charts the history (oldest first, as the store returns it).
func exposureChart(points []vuln.ExposurePoint) *exposureFigure {
	rows := make([]exposureRow, len(points))
	for i, p := range points {
		kev := min(max(p.KEV, 0), max(p.Open, 0))
		rows[i] = exposureRow{Day: p.Day.UTC(), Label: p.Day.UTC().Format("Mon 2 Jan 2006"), KEV: kev, Other: max(p.Open, 0) - kev, Open: max(p.Open, 0)}
	}
	f := &exposureFigure{Chart: exposureSVG(rows)}
	for _, r := range rows {
		if r.Open > f.Peak.Open {
			f.Peak = r
		}
	}
	if len(rows) > 0 {
		f.Latest = rows[len(rows)-1]
	}
	f.Legend = []legendItem{
		{Label: "Known exploited (KEV)", Value: f.Latest.KEV, Class: "vuln-kev"},
		{Label: "Other open findings", Value: f.Latest.Other, Class: "vuln-other"},
	}
	f.Rows = make([]exposureRow, len(rows))
	for i, r := range rows {
		f.Rows[len(rows)-1-i] = r
	}
	return f
}

// exposureSVG draws the chart.
func exposureSVG(rows []exposureRow) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart chart-exposure" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-exposure-t chart-exposure-d" preserveAspectRatio="xMinYMin meet">`, exWidth, exHeight)
	fmt.Fprintf(&b, `<title id="chart-exposure-t">Open findings at the end of each day, last %d days (UTC)</title><desc id="chart-exposure-d">%s</desc>`,
		len(rows), esc(exposureDesc(rows)))
	peak := 0
	for _, r := range rows {
		peak = max(peak, r.Open)
	}
	if len(rows) == 0 || peak == 0 {
		fmt.Fprintf(&b, `<line class="tl-axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, exLeft, exBaseline, exWidth-exRight, exBaseline)
		fmt.Fprintf(&b, `<text class="chart-empty" x="%d" y="%d">No open findings in this period</text></svg>`, exLeft+8, exBaseline-12)
		return template.HTML(b.String())
	}
	step, top := niceScale(peak)
	sc := exScale{n: len(rows), top: top}
	for v := 0; v <= top; v += step {
		y := f1(sc.y(v))
		fmt.Fprintf(&b, `<line class="ex-grid" x1="%d" y1="%s" x2="%d" y2="%s"/>`, exLeft, y, exWidth-exRight, y)
		fmt.Fprintf(&b, `<text class="ex-tick" x="%d" y="%s" text-anchor="end">%s</text>`, exLeft-8, f1(sc.y(v)+4), num(v))
	}
	kev := func(r exposureRow) int { return r.KEV }
	open := func(r exposureRow) int { return r.Open }
	zero := func(exposureRow) int { return 0 }
	fmt.Fprintf(&b, `<path class="ex-area vuln-other" d="%s"/>`, sc.band(rows, kev, open))
	fmt.Fprintf(&b, `<path class="ex-area vuln-kev" d="%s"/>`, sc.band(rows, zero, kev))
	fmt.Fprintf(&b, `<path class="ex-line" d="%s"/>`, sc.line(rows, open))
	fmt.Fprintf(&b, `<line class="tl-axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, exLeft, exBaseline, exWidth-exRight, exBaseline)
	for i, r := range rows {
		if (len(rows)-1-i)%exLabelGap == 0 {
			fmt.Fprintf(&b, `<text class="chart-label ex-date" x="%s" y="%d" text-anchor="middle">%s</text>`, f1(sc.x(i)), exBaseline+22, r.Day.Format("2 Jan"))
		}
	}
	sc.writeDays(&b, rows)
	last := rows[len(rows)-1]
	fmt.Fprintf(&b, `<circle class="ex-dot" cx="%s" cy="%s" r="4"/>`, f1(sc.x(len(rows)-1)), f1(sc.y(last.Open)))
	fmt.Fprintf(&b, `<text class="chart-value" x="%s" y="%s">%s open</text></svg>`, f1(sc.x(len(rows)-1)+10), f1(sc.y(last.Open)+5), num(last.Open))
	return template.HTML(b.String())
}

// exScale maps days and counts to the drawing.
type exScale struct {
	n   int // days
	top int // the value at the top of the plot
}

func (s exScale) x(i int) float64 {
	if s.n <= 1 {
		return exLeft
	}
	return exLeft + float64(exWidth-exLeft-exRight)*float64(i)/float64(s.n-1)
}

func (s exScale) y(v int) float64 {
	return exBaseline - float64(exBaseline-exTop)*float64(v)/float64(s.top)
}

// line is the path through the values.
func (s exScale) line(rows []exposureRow, v func(exposureRow) int) string {
	var b strings.Builder
	for i, r := range rows {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&b, "%s%s %s", cmd, f1(s.x(i)), f1(s.y(v(r))))
	}
	if len(rows) == 1 { // one day: a short flat line, so that it shows
		fmt.Fprintf(&b, "L%s %s", f1(s.x(0)+6), f1(s.y(v(rows[0]))))
	}
	return b.String()
}

// band is the closed area between the lines lo and hi.
func (s exScale) band(rows []exposureRow, lo, hi func(exposureRow) int) string {
	var b strings.Builder
	b.WriteString(s.line(rows, hi))
	if len(rows) == 1 {
		fmt.Fprintf(&b, "L%s %s", f1(s.x(0)+6), f1(s.y(lo(rows[0]))))
	}
	for i := len(rows) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "L%s %s", f1(s.x(i)), f1(s.y(lo(rows[i]))))
	}
	b.WriteString("Z")
	return b.String()
}

// writeDays adds one invisible column per day that carries its tooltip.
func (s exScale) writeDays(b *strings.Builder, rows []exposureRow) {
	w := float64(exWidth-exLeft-exRight) / float64(max(len(rows)-1, 1))
	for i, r := range rows {
		x0 := max(float64(exLeft), s.x(i)-w/2)
		x1 := min(float64(exWidth-exRight), s.x(i)+w/2)
		fmt.Fprintf(b, `<g class="ex-day"><title>%s</title><rect class="ex-hit" x="%s" y="%d" width="%s" height="%d"/></g>`,
			esc(exposureTitle(r)), f1(x0), exTop, f1(max(x1-x0, 1)), exBaseline-exTop)
	}
}

// exposureTitle is one day's tooltip.
func exposureTitle(r exposureRow) string {
	return fmt.Sprintf("%s: %s open finding%s (%s known exploited)", r.Day.Format("2 Jan 2006"), num(r.Open), plural(r.Open), num(r.KEV))
}

// exposureDesc sums the chart up in a sentence: today, the peak, and the
// start of the period.
func exposureDesc(rows []exposureRow) string {
	if len(rows) == 0 {
		return "No data."
	}
	first, last := rows[0], rows[len(rows)-1]
	peak := first
	for _, r := range rows {
		if r.Open > peak.Open {
			peak = r
		}
	}
	return fmt.Sprintf("%s: %s open findings, %s of them known exploited. Highest: %s on %s. %s: %s open findings. The table below lists every day.",
		last.Day.Format("2 Jan 2006"), num(last.Open), num(last.KEV), num(peak.Open), peak.Day.Format("2 Jan 2006"),
		first.Day.Format("2 Jan 2006"), num(first.Open))
}

// niceScale picks the axis step (1, 2 or 5 times a power of ten) that
// divides peak into at most exTicks steps, and the top of the axis.
func niceScale(peak int) (step, top int) {
	raw := float64(peak) / exTicks
	pow := math.Pow(10, math.Floor(math.Log10(max(raw, 1))))
	step = int(pow)
	for _, m := range []float64{1, 2, 5, 10} {
		if s := int(m * pow); float64(s) >= raw {
			step = s
			break
		}
	}
	step = max(step, 1)
	top = (peak + step - 1) / step * step
	return step, max(top, step)
}
