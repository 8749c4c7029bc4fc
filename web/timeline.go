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
	c := stackChart{ID: "chart-expiry", Title: "Certificates by expiry month", SepAfter: 1}
	for _, s := range timelineStages {
		c.Series = append(c.Series, "stage-"+s.Key)
	}
	for i, vs := range t.cols {
		l1, l2 := t.labels(i)
		c.Cols = append(c.Cols, stackCol{Name: t.name(i), Title: t.columnTitle(i, vs), Label: l1, Sub: l2, Values: vs})
	}
	return c.svg()
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
