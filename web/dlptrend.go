package web

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/airtight/airtight/dlp"
)

// The DLP trend: events per UTC day over the last trendDays days, stacked
// by what was done, in three groups a hospital reads at a glance.

const trendDays = 30

// trendGroup is one stack of the trend: actions with a like outcome.
type trendGroup struct {
	Key     string // CSS class suffix: dlp-<Key>
	Label   string
	Actions []dlp.Action
}

// trendGroups, bottom first: data that went out, data that went out
// protected, data that was stopped.
var trendGroups = []trendGroup{
	{"allowed", "Allowed or logged", []dlp.Action{dlp.ActionAllow, dlp.ActionLog}},
	{"secured", "Redacted or sent securely", []dlp.Action{dlp.ActionRedact, dlp.ActionSecure}},
	{"stopped", "Quarantined or blocked", []dlp.Action{dlp.ActionQuarantine, dlp.ActionBlock}},
}

// trendGroupOf is the index of an action's group; -1 for an unknown action.
func trendGroupOf(a dlp.Action) int {
	for i, g := range trendGroups {
		if slices.Contains(g.Actions, a) {
			return i
		}
	}
	return -1
}

// trendStart is the first day the trend shows: trendDays days up to and
// including today, in UTC.
func trendStart(now time.Time) time.Time {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return today.AddDate(0, 0, -(trendDays - 1))
}

// trendDay is one day of the trend: counts per group.
type trendDay struct {
	Day    time.Time
	Counts []int
	Total  int
}

// trend is the chart and its figures.
type trend struct {
	Days   []trendDay // oldest first
	Legend []legendItem
	Total  int
	Chart  template.HTML
}

// buildTrend places the store's points on the days from start; points
// outside them and unknown actions are left out.
func buildTrend(points []dlp.TrendPoint, start time.Time) *trend {
	t := &trend{Days: make([]trendDay, trendDays)}
	for i := range t.Days {
		t.Days[i] = trendDay{Day: start.AddDate(0, 0, i), Counts: make([]int, len(trendGroups))}
	}
	for _, p := range points {
		i := int(p.Day.UTC().Sub(start).Hours() / 24)
		if p.Day.Before(start) || i >= trendDays {
			continue
		}
		for a, n := range p.Counts {
			if g := trendGroupOf(a); g >= 0 && n > 0 {
				t.Days[i].Counts[g] += n
				t.Days[i].Total += n
			}
		}
	}
	t.Legend = make([]legendItem, len(trendGroups))
	for gi, g := range trendGroups {
		n := 0
		for _, d := range t.Days {
			n += d.Counts[gi]
		}
		t.Legend[gi] = legendItem{Label: g.Label, Value: n, Class: "dlp-" + g.Key}
		t.Total += n
	}
	t.Chart = t.chart()
	return t
}

// chart draws the trend as stacked columns, one per day.
func (t *trend) chart() template.HTML {
	c := stackChart{ID: "chart-dlp", Class: "chart-dlp", Title: fmt.Sprintf("DLP decisions per day, last %d days", trendDays), Sparse: true}
	for _, g := range trendGroups {
		c.Series = append(c.Series, "dlp-"+g.Key)
	}
	for i, d := range t.Days {
		sub := ""
		if i == 0 || d.Day.Day() == 1 {
			sub = d.Day.Format("Jan")
		}
		c.Cols = append(c.Cols, stackCol{Name: d.Day.Format("2 Jan 2006"), Title: dayTitle(d), Label: d.Day.Format("2"), Sub: sub, Values: d.Counts})
	}
	return c.svg()
}

// dayTitle is a column's tooltip: the day's total and its groups.
func dayTitle(d trendDay) string {
	s := fmt.Sprintf("%s: %s event", d.Day.Format("2 Jan 2006"), num(d.Total))
	if d.Total != 1 {
		s += "s"
	}
	var parts []string
	for gi, n := range d.Counts {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", strings.ToLower(trendGroups[gi].Label), num(n)))
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}
