package web

import (
	"fmt"
	"html/template"
	"strings"
)

// A stacked column chart: one column per period, stacked by series, drawn
// like the other charts (inline SVG, colours from CSS classes, values
// printed as text). The certificate expiry timeline and the DLP trend use
// it.

// Geometry, in SVG user units (drawn for a full-width card).
const (
	tlWidth    = 1100
	tlPad      = 8
	tlBarW     = 40 // the widest a column gets
	tlTop      = 26 // room above the tallest column for its value
	tlBaseline = 196
	tlHeight   = 240
)

// stackCol is one column of a stacked chart.
type stackCol struct {
	Name   string // in the chart's description: "Mar 2026"
	Title  string // the column's tooltip
	Label  string // first line under the axis
	Sub    string // second line under the axis; "" for none
	Values []int  // one per series, bottom first
}

// stackChart is a stacked column chart.
type stackChart struct {
	ID       string
	Class    string // extra class of the <svg>; "" for none
	Title    string
	Series   []string // the CSS class of each series' bars, bottom first
	Cols     []stackCol
	SepAfter int // a dashed line after this many columns; 0 for none
	// Sparse leaves columns without values out of the description, for
	// long runs of empty days.
	Sparse bool
}

// svg draws the chart.
func (c stackChart) svg() template.HTML {
	var items []barItem
	maxV := 0
	for _, col := range c.Cols {
		n := total(col.Values)
		maxV = max(maxV, n)
		if n > 0 || !c.Sparse {
			items = append(items, barItem{Label: col.Name, Value: n})
		}
	}
	cls := "chart chart-timeline"
	if c.Class != "" {
		cls += " " + c.Class
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMinYMin meet">`,
		esc(cls), tlWidth, tlHeight, esc(c.ID), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(describe(items)))
	colW := float64(tlWidth-2*tlPad) / float64(max(len(c.Cols), 1))
	if c.SepAfter > 0 {
		x := f1(tlPad + colW*float64(c.SepAfter))
		fmt.Fprintf(&b, `<line class="tl-sep" x1="%s" y1="8" x2="%s" y2="%d"/>`, x, x, tlBaseline)
	}
	barW := min(float64(tlBarW), colW*0.7)
	for i, col := range c.Cols {
		c.writeColumn(&b, col, float64(tlPad)+colW*(float64(i)+0.5), barW, maxV)
	}
	fmt.Fprintf(&b, `<line class="tl-axis" x1="%d" y1="%d" x2="%d" y2="%d"/></svg>`, tlPad, tlBaseline, tlWidth-tlPad, tlBaseline)
	return template.HTML(b.String())
}

func (c stackChart) writeColumn(b *strings.Builder, col stackCol, cx, barW float64, maxV int) {
	fmt.Fprintf(b, `<g class="tl-col"><title>%s</title>`, esc(col.Title))
	y := float64(tlBaseline)
	for si, v := range col.Values {
		if v == 0 || si >= len(c.Series) {
			continue
		}
		h := max(2, float64(tlBaseline-tlTop)*float64(v)/float64(maxV))
		y -= h
		fmt.Fprintf(b, `<rect class="tl-bar %s" x="%s" y="%s" width="%s" height="%s"/>`,
			esc(c.Series[si]), f1(cx-barW/2), f1(y), f1(barW), f1(h))
	}
	cls := "chart-value"
	n := total(col.Values)
	if n == 0 {
		cls += " tl-zero"
	}
	fmt.Fprintf(b, `<text class="%s" x="%s" y="%s" text-anchor="middle">%s</text>`, cls, f1(cx), f1(y-8), num(n))
	fmt.Fprintf(b, `<text class="chart-label" x="%s" y="%d" text-anchor="middle">%s</text>`, f1(cx), tlBaseline+20, esc(col.Label))
	if col.Sub != "" {
		fmt.Fprintf(b, `<text class="tl-sub" x="%s" y="%d" text-anchor="middle">%s</text>`, f1(cx), tlBaseline+38, esc(col.Sub))
	}
	b.WriteString(`</g>`)
}

func total(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
