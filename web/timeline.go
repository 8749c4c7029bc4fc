package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// The certificate expiry timeline: one column for certificates already
// expired, then one per calendar month for the next twelve (the current
// month first), each stacked by expiry stage. Drawn like the other charts:
// inline SVG, colours from CSS classes, values printed as text.

const timelineMonths = 12

// Timeline geometry, in SVG user units (drawn for a full-width card).
const (
	tlWidth    = 1100
	tlPad      = 8
	tlBarW     = 40
	tlTop      = 26  // room above the tallest column for its value
	tlBaseline = 196 // the columns stand on this line
	tlHeight   = 240
)

// stageLegends name the stages in the timeline's legend.
var stageLegends = map[stage]string{
	stageExpired: "Expired",
	stageNow:     "Renew now (7 days or less)",
	stageSoon:    "Renew soon (30 days or less)",
	stagePlan:    "Plan renewal (90 days or less)",
	stageValid:   "Valid (more than 90 days)",
}

// timeline counts certificates into columns. Column 0 is "expired".
type timeline struct {
	start    time.Time // the first day of the current month, UTC
	cols     [timelineMonths + 1][]int
	later    int // expire after the last month
	noExpiry int // never expire
}

func newTimeline(now time.Time) *timeline {
	now = now.UTC()
	t := &timeline{start: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)}
	for i := range t.cols {
		t.cols[i] = make([]int, len(timelineStages))
	}
	return t
}

// add counts one certificate at its stage; revoked and renewed ones are
// not counted (nothing to renew).
func (t *timeline) add(notAfter time.Time, s stage) {
	i := stageIndex(s)
	switch {
	case i < 0:
		return
	case s == stageExpired:
		t.cols[0][i]++
		return
	case noExpiry(notAfter):
		t.noExpiry++
		return
	}
	na := notAfter.UTC()
	m := (na.Year()-t.start.Year())*12 + int(na.Month()) - int(t.start.Month())
	if m >= timelineMonths {
		t.later++
		return
	}
	t.cols[max(m, 0)+1][i]++
}

func stageIndex(s stage) int {
	for i, x := range timelineStages {
		if x == s {
			return i
		}
	}
	return -1
}

// month returns the first day of column i's month (i >= 1).
func (t *timeline) month(i int) time.Time { return t.start.AddDate(0, i-1, 0) }

// labels returns a column's two lines of axis text.
func (t *timeline) labels(i int) (string, string) {
	if i == 0 {
		return "Expired", "not renewed"
	}
	m := t.month(i)
	if i == 1 || m.Month() == time.January {
		return m.Format("Jan"), m.Format("2006")
	}
	return m.Format("Jan"), ""
}

// name is a column's name in titles and descriptions.
func (t *timeline) name(i int) string {
	if i == 0 {
		return "Expired"
	}
	return t.month(i).Format("Jan 2006")
}

func total(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// legend lists the stages with their totals.
func (t *timeline) legend() []legendItem {
	out := make([]legendItem, len(timelineStages))
	for si, s := range timelineStages {
		n := 0
		for _, c := range t.cols {
			n += c[si]
		}
		out[si] = legendItem{Label: stageLegends[s], Value: n, Class: "stage-" + s.Key}
	}
	return out
}

// chart draws the timeline.
func (t *timeline) chart() template.HTML {
	const id = "chart-expiry"
	items := make([]barItem, len(t.cols))
	maxV := 0
	for i, c := range t.cols {
		items[i] = barItem{Label: t.name(i), Value: total(c)}
		maxV = max(maxV, items[i].Value)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart chart-timeline" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMinYMin meet">`,
		tlWidth, tlHeight, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">Certificates by expiry month</title><desc id="%s-d">%s</desc>`, id, id, esc(describe(items)))
	colW := float64(tlWidth-2*tlPad) / float64(len(t.cols))
	fmt.Fprintf(&b, `<line class="tl-sep" x1="%s" y1="8" x2="%s" y2="%d"/>`, f1(tlPad+colW), f1(tlPad+colW), tlBaseline)
	for i, c := range t.cols {
		t.writeColumn(&b, i, c, float64(tlPad)+colW*(float64(i)+0.5), maxV)
	}
	fmt.Fprintf(&b, `<line class="tl-axis" x1="%d" y1="%d" x2="%d" y2="%d"/></svg>`, tlPad, tlBaseline, tlWidth-tlPad, tlBaseline)
	return template.HTML(b.String())
}

func (t *timeline) writeColumn(b *strings.Builder, i int, c []int, cx float64, maxV int) {
	n := total(c)
	fmt.Fprintf(b, `<g class="tl-col"><title>%s</title>`, esc(t.columnTitle(i, c)))
	y := float64(tlBaseline)
	for si, v := range c {
		if v == 0 {
			continue
		}
		h := max(2, float64(tlBaseline-tlTop)*float64(v)/float64(maxV))
		y -= h
		fmt.Fprintf(b, `<rect class="tl-bar stage-%s" x="%s" y="%s" width="%d" height="%s"/>`,
			timelineStages[si].Key, f1(cx-tlBarW/2), f1(y), tlBarW, f1(h))
	}
	cls := "chart-value"
	if n == 0 {
		cls += " tl-zero"
	}
	fmt.Fprintf(b, `<text class="%s" x="%s" y="%s" text-anchor="middle">%s</text>`, cls, f1(cx), f1(y-8), num(n))
	l1, l2 := t.labels(i)
	fmt.Fprintf(b, `<text class="chart-label" x="%s" y="%d" text-anchor="middle">%s</text>`, f1(cx), tlBaseline+20, esc(l1))
	if l2 != "" {
		fmt.Fprintf(b, `<text class="tl-sub" x="%s" y="%d" text-anchor="middle">%s</text>`, f1(cx), tlBaseline+38, esc(l2))
	}
	b.WriteString(`</g>`)
}

// columnTitle is a column's tooltip: its total and its stages.
func (t *timeline) columnTitle(i int, c []int) string {
	n := total(c)
	s := fmt.Sprintf("%s: %s certificate", t.name(i), num(n))
	if n != 1 {
		s += "s"
	}
	var parts []string
	for si, v := range c {
		if v > 0 && i > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", timelineStages[si].Label, num(v)))
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}
