package web

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/airtight/airtight/detect"
)

// The network page: who talks to whom over the last day (a map drawn in
// Go as inline SVG, and the same links as a table), how many events each
// monitoring input delivered per hour, and the alerts per day by
// severity over 30 days.

// Limits of the network page.
const (
	networkWindow = 24 * time.Hour
	networkLinks  = 200 // the links the map and table show, most bytes first
	rateSources   = 4   // inputs charted on their own; the rest are "other"
)

// networkData is the network page.
type networkData struct {
	Enabled bool // monitoring data is available
	Map     template.HTML
	Links   []linkRow
	Nodes   int
	Unknown int // talkers not in the inventory
	Rates   *stackFigure
	Alerts  *stackFigure
}

// linkRow is one link of the table.
type linkRow struct {
	Src, Dst   nodeRef
	Service    string
	Kind       string // dicom, hl7, smb, other: the map's line style
	Names      []string
	Events     int
	Bytes      int64
	LastSeen   time.Time
	FirstSeen  time.Time
	ToInternet bool
}

// nodeRef is a talker as the table shows it.
type nodeRef struct {
	Label    string
	IP       string
	DeviceID int64
	Unknown  bool // an internal address not in the inventory
}

func (h *Handler) network(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Network", "network")
	if v == nil {
		return
	}
	d := &networkData{}
	v.Data = d
	svc := h.cfg.Network
	if svc == nil {
		h.render(w, r, http.StatusOK, "network", v)
		return
	}
	d.Enabled = true
	now := h.now().UTC()
	links, err := svc.ListLinks(r.Context(), now.Add(-networkWindow), networkLinks)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	rateStart := now.Truncate(time.Hour).Add(-networkWindow + time.Hour)
	rates, err := svc.EventRates(r.Context(), rateStart, time.Hour)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	trend, err := svc.AlertTrend(r.Context(), trendStart(now))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	m := layoutMap(links)
	d.Map, d.Nodes, d.Unknown = m.svg(), len(m.nodes), m.unknown()
	d.Links = linkRows(links)
	d.Rates = rateFigure(rates, rateStart)
	d.Alerts = alertFigure(trend, trendStart(now))
	h.render(w, r, http.StatusOK, "network", v)
}

func linkRows(links []*detect.Link) []linkRow {
	out := make([]linkRow, 0, len(links))
	for _, l := range links {
		out = append(out, linkRow{Src: ref(l.Src), Dst: ref(l.Dst), Service: serviceLabel(l), Kind: linkKind(l),
			Names: append(slices.Clone(l.AETitles), l.HL7Apps...), Events: int(l.Events), Bytes: l.Bytes,
			FirstSeen: l.FirstSeen, LastSeen: l.LastSeen, ToInternet: detect.IsPublic(l.Dst.IP)})
	}
	return out
}

func ref(t detect.Talker) nodeRef {
	n := nodeRef{Label: t.Name(), DeviceID: t.DeviceID, Unknown: !t.Known() && !detect.IsPublic(t.IP)}
	if t.IP.IsValid() {
		n.IP = t.IP.Unmap().String()
	}
	return n
}

// linkKind is the map's line style of a link.
func linkKind(l *detect.Link) string {
	switch l.App {
	case "dicom", "hl7", "smb":
		return l.App
	}
	return "other"
}

var appLabels = map[string]string{"dicom": "DICOM (imaging)", "hl7": "HL7 (clinical messages)", "smb": "SMB (file sharing)"}

func serviceLabel(l *detect.Link) string {
	s := l.Service()
	if lbl, ok := appLabels[l.App]; ok {
		s = lbl
	}
	if l.App != "" && l.Port != 0 {
		s += ", port " + strconv.Itoa(int(l.Port))
	}
	return s
}

// The map: talkers in columns by network zone (inventory devices), then
// addresses not in the inventory, then addresses outside the hospital;
// links as curves whose colour and dash tell DICOM, HL7, SMB and other
// traffic apart, and whose width grows with the bytes sent. Colours are
// SVG presentation attributes, which the Content-Security-Policy allows
// (it forbids style attributes and elements only).

// Map geometry, in SVG user units.
const (
	mapWidth    = 1100
	mapTop      = 44 // room for the column headings
	mapRowH     = 24
	mapNodeR    = 6
	mapMaxCols  = 7 // zone columns; further zones share "Other zones"
	mapLabelLen = 18
	mapPad      = 20
	mapBow      = 56 // the most a link between columns bows down
)

// Column names for talkers without a zone of their own.
const (
	colNoZone   = "No zone"
	colOther    = "Other zones"
	colUnknown  = "Not in the inventory"
	colInternet = "Outside the hospital"
)

// mapNode is one talker placed on the map.
type mapNode struct {
	key      string
	t        detect.Talker
	col      int
	x, y     float64
	unknown  bool // an internal address not in the inventory
	internet bool
}

// netMap is the laid-out map.
type netMap struct {
	cols   []string
	nodes  []*mapNode // ordered by column, then label
	byKey  map[string]*mapNode
	links  []*detect.Link
	height int
}

// linkStyles are the line styles: stroke colour, dash pattern, legend.
var linkStyles = map[string]struct{ stroke, dash, label string }{
	"dicom": {"#2563eb", "", "DICOM: images between scanners, PACS and viewers"},
	"hl7":   {"#7c3aed", "7 4", "HL7: orders, results and patient admissions"},
	"smb":   {"#ea580c", "2 4", "SMB: Windows file sharing"},
	"other": {"#64748b", "", "Other traffic"},
}

// linkKinds orders the legend.
var linkKinds = []string{"dicom", "hl7", "smb", "other"}

// layoutMap places the talkers of links. It is deterministic: the same
// links give the same map.
func layoutMap(links []*detect.Link) *netMap {
	m := &netMap{byKey: map[string]*mapNode{}, links: links}
	for _, l := range links {
		m.add(l.Src)
		m.add(l.Dst)
	}
	zones := m.zoneColumns()
	for _, n := range m.byKey {
		m.nodes = append(m.nodes, n)
		n.col = slices.Index(m.cols, m.columnOf(n, zones))
	}
	slices.SortFunc(m.nodes, func(a, b *mapNode) int {
		return cmp.Or(cmp.Compare(a.col, b.col), cmp.Compare(a.t.Name(), b.t.Name()), cmp.Compare(a.key, b.key))
	})
	m.place()
	return m
}

func (m *netMap) add(t detect.Talker) {
	k := t.Key()
	if _, ok := m.byKey[k]; ok {
		return
	}
	pub := !t.Known() && detect.IsPublic(t.IP)
	m.byKey[k] = &mapNode{key: k, t: t, unknown: !t.Known() && !pub, internet: pub}
}

// zoneColumns chooses the zone columns: the zones with the most devices,
// at most mapMaxCols, in alphabetical order.
func (m *netMap) zoneColumns() []string {
	count := map[string]int{}
	for _, n := range m.byKey {
		if n.t.Known() {
			count[cmp.Or(n.t.Zone, colNoZone)]++
		}
	}
	zones := make([]string, 0, len(count))
	for z := range count {
		zones = append(zones, z)
	}
	slices.SortFunc(zones, func(a, b string) int { return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b)) })
	other := false
	if len(zones) > mapMaxCols {
		zones, other = zones[:mapMaxCols-1], true
	}
	slices.Sort(zones)
	m.cols = append(m.cols, zones...)
	if other {
		m.cols = append(m.cols, colOther)
	}
	for _, n := range m.byKey {
		if n.unknown && !slices.Contains(m.cols, colUnknown) {
			m.cols = append(m.cols, colUnknown)
		}
	}
	for _, n := range m.byKey {
		if n.internet && !slices.Contains(m.cols, colInternet) {
			m.cols = append(m.cols, colInternet)
		}
	}
	return zones
}

func (m *netMap) columnOf(n *mapNode, zones []string) string {
	switch {
	case n.internet:
		return colInternet
	case n.unknown:
		return colUnknown
	}
	z := cmp.Or(n.t.Zone, colNoZone)
	if slices.Contains(zones, z) {
		return z
	}
	return colOther
}

// place gives each node its position: columns spread over the width,
// nodes one row apart from the top.
func (m *netMap) place() {
	colW := float64(mapWidth-2*mapPad) / float64(max(len(m.cols), 1))
	rows := make([]int, len(m.cols))
	for _, n := range m.nodes {
		n.x = mapPad + colW*float64(n.col) + 14
		n.y = float64(mapTop + rows[n.col]*mapRowH + mapRowH/2)
		rows[n.col]++
	}
	most := 0
	for _, r := range rows {
		most = max(most, r)
	}
	m.height = mapTop + max(most, 1)*mapRowH + mapBow
}

func (m *netMap) unknown() int {
	n := 0
	for _, nd := range m.nodes {
		if nd.unknown {
			n++
		}
	}
	return n
}

// svg draws the map.
func (m *netMap) svg() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart chart-network" viewBox="0 0 %d %d" role="img" aria-labelledby="netmap-t netmap-d" preserveAspectRatio="xMinYMin meet">`, mapWidth, m.height)
	fmt.Fprintf(&b, `<title id="netmap-t">Who talks to whom, last 24 hours</title><desc id="netmap-d">%s</desc>`, esc(m.describe()))
	if len(m.nodes) == 0 {
		b.WriteString(`<text class="chart-empty" x="0" y="18">No traffic seen yet</text></svg>`)
		return template.HTML(b.String())
	}
	colW := float64(mapWidth-2*mapPad) / float64(len(m.cols))
	for i, c := range m.cols {
		fmt.Fprintf(&b, `<text class="chart-label net-col" x="%s" y="18" font-weight="600">%s</text>`, f1(mapPad+colW*float64(i)), esc(shorten(c, 24)))
	}
	maxBytes := int64(0)
	for _, l := range m.links {
		maxBytes = max(maxBytes, l.Bytes)
	}
	b.WriteString(`<g class="net-links" fill="none">`)
	for i := len(m.links) - 1; i >= 0; i-- { // the biggest last, on top
		m.writeLink(&b, m.links[i], maxBytes)
	}
	b.WriteString(`</g><g class="net-nodes">`)
	for _, n := range m.nodes {
		writeNode(&b, n)
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}

func (m *netMap) writeLink(b *strings.Builder, l *detect.Link, maxBytes int64) {
	s, d := m.byKey[l.Src.Key()], m.byKey[l.Dst.Key()]
	kind := linkKind(l)
	st := linkStyles[kind]
	w := 1.0
	if maxBytes > 0 && l.Bytes > 0 {
		w += 3 * math.Log1p(float64(l.Bytes)) / math.Log1p(float64(maxBytes))
	}
	fmt.Fprintf(b, `<path class="net-link net-%s" d="%s" stroke="%s" stroke-width="%s" stroke-opacity="0.7"`, kind, curve(s, d), st.stroke, f1(w))
	if st.dash != "" {
		fmt.Fprintf(b, ` stroke-dasharray="%s"`, st.dash)
	}
	fmt.Fprintf(b, `><title>%s</title></path>`, esc(linkTitle(l)))
}

// curve is the path of a link, from node centre to node centre (the
// nodes, drawn on top, hide its ends): a loop for a node talking to
// itself, a bow out to the left within a column, and between columns a
// curve that bows down with the distance it spans, so that it does not run
// through the nodes of the columns it passes.
func curve(s, d *mapNode) string {
	x1, y1, x2, y2 := s.x, s.y, d.x, d.y
	switch {
	case s == d:
		return fmt.Sprintf("M%s %s C%s %s %s %s %s %s", f1(x1), f1(y1), f1(x1-36), f1(y1-22), f1(x1-36), f1(y1+22), f1(x1), f1(y1))
	case s.col == d.col: // bow out to the left, away from the labels
		bow := math.Min(70, 24+math.Abs(y2-y1)/3)
		return fmt.Sprintf("M%s %s C%s %s %s %s %s %s", f1(x1), f1(y1), f1(x1-bow), f1(y1), f1(x2-bow), f1(y2), f1(x2), f1(y2))
	}
	dx := x2 - x1
	bow := math.Min(mapBow, math.Abs(dx)*0.12)
	return fmt.Sprintf("M%s %s C%s %s %s %s %s %s", f1(x1), f1(y1), f1(x1+dx/3), f1(y1+bow), f1(x2-dx/3), f1(y2+bow), f1(x2), f1(y2))
}

func linkTitle(l *detect.Link) string {
	s := fmt.Sprintf("%s → %s: %s, %s in %s event", l.Src.Name(), l.Dst.Name(), serviceLabel(l), byteSize(l.Bytes), num(int(l.Events)))
	if l.Events != 1 {
		s += "s"
	}
	return s
}

func writeNode(b *strings.Builder, n *mapNode) {
	fill, ring := "#0f766e", "#ffffff"
	switch {
	case n.unknown:
		fill, ring = "#dc2626", "#fecaca"
	case n.internet:
		fill = "#94a3b8"
	}
	cls := "net-node"
	if n.unknown {
		cls += " net-node-unknown"
	}
	href := "/discovered"
	if n.t.Known() {
		href = "/devices/" + strconv.FormatInt(n.t.DeviceID, 10)
	}
	if !n.internet {
		fmt.Fprintf(b, `<a href="%s" class="chart-link">`, esc(href))
	}
	fmt.Fprintf(b, `<g class="%s"><title>%s</title>`, cls, esc(nodeTitle(n)))
	fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="%d" fill="%s" stroke="%s" stroke-width="%d"/>`, f1(n.x), f1(n.y), mapNodeR, fill, ring, 2+2*boolInt(n.unknown))
	// A white outline behind the label keeps it readable over the lines.
	fmt.Fprintf(b, `<text class="chart-label" x="%s" y="%s" stroke="#ffffff" stroke-width="3" paint-order="stroke"%s>%s</text></g>`,
		f1(n.x+mapNodeR+5), f1(n.y+4), weight(n.unknown), esc(shorten(n.t.Name(), mapLabelLen)))
	if !n.internet {
		b.WriteString(`</a>`)
	}
}

func weight(bold bool) string {
	if bold {
		return ` font-weight="600"`
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nodeTitle(n *mapNode) string {
	t := n.t
	var parts []string
	if t.Label != "" && t.IP.IsValid() {
		parts = append(parts, t.IP.Unmap().String())
	}
	if t.Zone != "" {
		parts = append(parts, "zone "+t.Zone)
	}
	switch {
	case n.unknown:
		parts = append(parts, "not in the inventory")
	case n.internet:
		parts = append(parts, "outside the hospital")
	}
	if len(parts) == 0 {
		return t.Name()
	}
	return t.Name() + " (" + strings.Join(parts, ", ") + ")"
}

// describe is the map's text alternative: counts, and the unknown talkers.
func (m *netMap) describe() string {
	if len(m.nodes) == 0 {
		return "No traffic seen in the last 24 hours."
	}
	s := fmt.Sprintf("%d systems and %d links, in columns: %s.", len(m.nodes), len(m.links), strings.Join(m.cols, ", "))
	var unknown []string
	for _, n := range m.nodes {
		if n.unknown {
			unknown = append(unknown, n.t.Name())
		}
	}
	if len(unknown) > 0 {
		s += " Not in the inventory: " + strings.Join(unknown, ", ") + "."
	}
	return s
}

// linkLegend is one entry of the map's legend.
type linkLegend struct {
	Kind, Label, Stroke, Dash string
}

// LinkLegend lists the line styles, for the template.
func (d *networkData) LinkLegend() []linkLegend {
	out := make([]linkLegend, len(linkKinds))
	for i, k := range linkKinds {
		st := linkStyles[k]
		out[i] = linkLegend{Kind: k, Label: st.label, Stroke: st.stroke, Dash: st.dash}
	}
	return out
}

// stackFigure is a stacked chart with its legend and its numbers.
type stackFigure struct {
	Chart  template.HTML
	Legend []legendItem
	Rows   []figureRow
	Total  int
}

// figureRow is one column of the chart, as a table row.
type figureRow struct {
	Label  string
	Counts []int
	Total  int
}

// sourceSeries are the CSS classes of the rate chart's series, the last
// for "other" inputs.
var sourceSeries = []string{"stage-valid net-src-1", "stage-plan net-src-2", "stage-soon net-src-3", "stage-now net-src-4", "dlp-allowed net-src-other"}

var sourceNames = map[string]string{"syslog": "Syslog", "netflow": "NetFlow/IPFIX", "pcap": "Packet capture", "zeek": "Zeek",
	"suricata": "Suricata", "jsonl": "Agents (JSON)"}

func sourceName(s string) string {
	if n, ok := sourceNames[s]; ok {
		return n
	}
	return s
}

// rateFigure charts events per hour over the 24 hours from start, stacked
// by input: the busiest inputs on their own, the rest as "other".
func rateFigure(buckets []detect.RateBucket, start time.Time) *stackFigure {
	hours := int(networkWindow / time.Hour)
	totals := map[string]int64{}
	for _, b := range buckets {
		if b.Start.Before(start) || b.Start.Sub(start) >= networkWindow {
			continue
		}
		for s, n := range b.BySource {
			totals[s] += n
		}
	}
	sources := make([]string, 0, len(totals))
	for s := range totals {
		sources = append(sources, s)
	}
	slices.SortFunc(sources, func(a, b string) int { return cmp.Or(cmp.Compare(totals[b], totals[a]), cmp.Compare(a, b)) })
	if len(sources) > rateSources {
		sources = sources[:rateSources]
	}
	rows := make([]figureRow, hours)
	for i := range rows {
		rows[i] = figureRow{Label: start.Add(time.Duration(i) * time.Hour).Format("15:04"), Counts: make([]int, len(sources)+1)}
	}
	for _, b := range buckets {
		i := int(b.Start.Sub(start) / time.Hour)
		if b.Start.Before(start) || i >= hours {
			continue
		}
		for s, n := range b.BySource {
			j := slices.Index(sources, s)
			if j < 0 {
				j = len(sources)
			}
			rows[i].Counts[j] += int(n)
			rows[i].Total += int(n)
		}
	}
	names := make([]string, 0, len(sources)+1)
	series := make([]string, 0, len(sources)+1)
	for i, s := range sources {
		names, series = append(names, sourceName(s)), append(series, sourceSeries[i])
	}
	names, series = append(names, "Other inputs"), append(series, sourceSeries[len(sourceSeries)-1])
	c := stackChart{ID: "chart-rates", Class: "chart-rates", Title: "Monitoring events per hour, last 24 hours (UTC)", Series: series, Sparse: true}
	for i, r := range rows {
		sub := ""
		if i == 0 || r.Label == "00:00" {
			sub = start.Add(time.Duration(i) * time.Hour).Format("2 Jan")
		}
		label := ""
		if i%3 == 0 {
			label = r.Label
		}
		c.Cols = append(c.Cols, stackCol{Name: r.Label, Title: figureTitle(r, names, "event"), Label: label, Sub: sub, Values: r.Counts})
	}
	return finishFigure(c, rows, names, series)
}

// sevSeries are the alert trend's series, least severe at the bottom.
var sevSeries = []struct{ sev, label, class string }{
	{"info", "Info", "dlp-allowed net-sev-info"},
	{"low", "Low", "stage-plan net-sev-low"},
	{"medium", "Medium", "stage-soon net-sev-medium"},
	{"high", "High", "stage-now net-sev-high"},
	{"critical", "Critical", "stage-expired net-sev-critical"},
}

// alertFigure charts alerts per day of first sighting over trendDays
// days from start, stacked by severity.
func alertFigure(points []detect.AlertTrendPoint, start time.Time) *stackFigure {
	rows := make([]figureRow, trendDays)
	for i := range rows {
		rows[i] = figureRow{Label: start.AddDate(0, 0, i).Format("Mon 2 Jan 2006"), Counts: make([]int, len(sevSeries))}
	}
	for _, p := range points {
		i := int(p.Day.UTC().Sub(start).Hours() / 24)
		if p.Day.Before(start) || i >= trendDays {
			continue
		}
		for j, s := range sevSeries {
			rows[i].Counts[j] += p.Counts[s.sev]
			rows[i].Total += p.Counts[s.sev]
		}
	}
	names := make([]string, len(sevSeries))
	series := make([]string, len(sevSeries))
	for i, s := range sevSeries {
		names[i], series[i] = s.label, s.class
	}
	c := stackChart{ID: "chart-alert-trend", Class: "chart-alert-trend", Title: fmt.Sprintf("Alerts per day by severity, last %d days", trendDays), Series: series, Sparse: true}
	for i, r := range rows {
		day := start.AddDate(0, 0, i)
		sub := ""
		if i == 0 || day.Day() == 1 {
			sub = day.Format("Jan")
		}
		c.Cols = append(c.Cols, stackCol{Name: day.Format("2 Jan 2006"), Title: figureTitle(r, names, "alert"), Label: day.Format("2"), Sub: sub, Values: r.Counts})
	}
	return finishFigure(c, rows, names, series)
}

func finishFigure(c stackChart, rows []figureRow, names, series []string) *stackFigure {
	f := &stackFigure{Chart: c.svg(), Rows: rows}
	for i, n := range names {
		v := 0
		for _, r := range rows {
			v += r.Counts[i]
		}
		f.Legend = append(f.Legend, legendItem{Label: n, Value: v, Class: strings.Fields(series[i])[0]})
		f.Total += v
	}
	return f
}

// figureTitle is a column's tooltip: its total and its parts.
func figureTitle(r figureRow, names []string, noun string) string {
	s := fmt.Sprintf("%s: %s %s", r.Label, num(r.Total), noun)
	if r.Total != 1 {
		s += "s"
	}
	var parts []string
	for i, n := range r.Counts {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", names[i], num(n)))
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}
