package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"

	"github.com/airtight/airtight/inventory"
)

// overviewData is the fleet overview: key figures and charts.
type overviewData struct {
	Maker     bool // a device maker's installed base rather than an own fleet
	Truncated bool // the installed base was too large to count in full

	Total          int
	LifeSustaining int
	Quarantined    int
	Maintenance    int
	Departments    int
	Zones          int
	Hospitals      int

	KindChart   template.HTML
	CritChart   template.HTML
	ZoneChart   template.HTML
	DeptChart   template.HTML
	CritLegend  []legendItem
	StatusItems []legendItem
}

// legendItem is one entry of a chart legend or a status breakdown.
type legendItem struct {
	Label string
	Value int
	Pct   string
	Class string
	Href  string
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Fleet overview", "overview")
	if v == nil {
		return
	}
	var (
		s         *inventory.Summary
		hospitals int
		truncated bool
		err       error
	)
	if v.IsMaker() {
		s, hospitals, truncated, err = h.installedBaseSummary(r.Context())
	} else {
		s, err = h.cfg.Devices.Summarize(r.Context())
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := buildOverview(s)
	d.Maker, d.Hospitals, d.Truncated = v.IsMaker(), hospitals, truncated
	v.Data = d
	h.render(w, r, http.StatusOK, "overview", v)
}

// buildOverview turns a summary into figures and charts.
func buildOverview(s *inventory.Summary) *overviewData {
	d := &overviewData{
		Total:          s.Total,
		LifeSustaining: countOf(s.ByCriticality, string(inventory.LifeSustaining)),
		Quarantined:    countOf(s.ByStatus, string(inventory.StatusQuarantined)),
		Maintenance:    countOf(s.ByStatus, string(inventory.StatusMaintenance)),
		Departments:    distinct(s.ByDepartment),
		Zones:          distinct(s.ByZone),
	}
	d.KindChart = barChart("chart-kind", "series-kind", "Devices by kind", barWide, topItems(kindItems(s.ByKind), 12))
	d.ZoneChart = barChart("chart-zone", "series-zone", "Devices by network zone", barNarrow, topItems(filterItems(s.ByZone, "zone"), 10))
	d.DeptChart = barChart("chart-dept", "series-dept", "Devices by department", barNarrow, topItems(filterItems(s.ByDepartment, "department"), 10))
	slices := critSlices(s.ByCriticality)
	d.CritChart = donutChart("chart-crit", "Devices by patient-safety criticality", "devices", slices)
	for _, sl := range slices {
		d.CritLegend = append(d.CritLegend, legendItem{Label: sl.Label, Value: sl.Value, Pct: pct(sl.Value, s.Total), Class: sl.Class, Href: sl.Href})
	}
	for _, st := range inventory.Statuses {
		n := countOf(s.ByStatus, string(st))
		d.StatusItems = append(d.StatusItems, legendItem{Label: statusLabel(st), Value: n, Pct: pct(n, s.Total),
			Class: "status-" + string(st), Href: devicesURL(url.Values{"status": {string(st)}})})
	}
	return d
}

func countOf(cs []inventory.Count, key string) int {
	for _, c := range cs {
		if c.Key == key {
			return c.N
		}
	}
	return 0
}

// distinct counts the buckets with a recorded (non-empty) key.
func distinct(cs []inventory.Count) int {
	n := 0
	for _, c := range cs {
		if c.Key != "" {
			n++
		}
	}
	return n
}

func kindItems(cs []inventory.Count) []barItem {
	out := make([]barItem, len(cs))
	for i, c := range cs {
		out[i] = barItem{Label: inventory.Kind(c.Key).DisplayName(), Value: c.N}
		if c.Key != "" {
			out[i].Href = devicesURL(url.Values{"kind": {c.Key}})
		}
	}
	return out
}

// filterItems makes bars that link to the device list filtered by param.
func filterItems(cs []inventory.Count, param string) []barItem {
	out := make([]barItem, len(cs))
	for i, c := range cs {
		out[i] = barItem{Label: c.Key, Value: c.N}
		if c.Key == "" {
			out[i].Label = "Not recorded"
			continue
		}
		out[i].Href = devicesURL(url.Values{param: {c.Key}})
	}
	return out
}

// critSlices orders criticalities most critical first, each with its colour.
func critSlices(cs []inventory.Count) []donutSlice {
	var out []donutSlice
	for _, c := range inventory.Criticalities {
		out = append(out, donutSlice{Label: critLabel(c), Value: countOf(cs, string(c)), Class: "crit-" + string(c),
			Href: devicesURL(url.Values{"criticality": {string(c)}})})
	}
	if n := countOf(cs, ""); n > 0 {
		out = append(out, donutSlice{Label: "Unknown", Value: n, Class: "crit-unknown"})
	}
	return out
}

func devicesURL(q url.Values) string {
	return "/devices?" + q.Encode()
}

// maxInstalledBase bounds how many installed-base devices the overview
// counts; beyond it the overview says it is partial.
const maxInstalledBase = 20000

// installedBaseSummary counts a device maker's installed base, which has no
// stored summary, by walking its pages.
func (h *Handler) installedBaseSummary(ctx context.Context) (*inventory.Summary, int, bool, error) {
	acc := newSummaryBuilder()
	f := inventory.DeviceFilter{Limit: inventory.MaxPageSize}
	for {
		p, err := h.cfg.Grants.ListInstalledBase(ctx, f)
		if err != nil {
			return nil, 0, false, err
		}
		for _, d := range p.Devices {
			acc.add(d)
		}
		if p.NextCursor == "" {
			return acc.summary(), len(acc.orgs), false, nil
		}
		if acc.total >= maxInstalledBase {
			return acc.summary(), len(acc.orgs), true, nil
		}
		f.Cursor = p.NextCursor
	}
}
