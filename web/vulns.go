package web

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// The vulnerabilities page: how many findings are open and how that
// changed over 90 days, and the devices ranked by risk, each with the
// findings that put it there and what would fix them. The findings list
// (vulnfindings.go) and the patch plan (plan.go) are its other tabs.

// Limits of the vulnerability pages.
const (
	exposureDays   = 90  // days the exposure chart covers
	riskRanked     = 500 // devices RiskList ranks (its largest page)
	riskPageSize   = 25  // ranked devices per page
	riskTop        = 3   // advisories shown per ranked device
	versionRead    = 200 // findings read per product version for a page's rows
	severityPages  = 4   // pages of findings read to filter the ranking by severity
	severityPageSz = 500
)

// vulnSeverities are the minimum-severity choices, most severe first.
var vulnSeverities = []option{
	{Value: string(vuln.SeverityCritical), Label: "Critical only"},
	{Value: string(vuln.SeverityHigh), Label: "High and above"},
	{Value: string(vuln.SeverityMedium), Label: "Medium and above"},
	{Value: string(vuln.SeverityLow), Label: "Low and above"},
}

// riskForm is the ranking's filters and page.
type riskForm struct {
	Severity string // minimum severity; "" for any
	KEV      bool   // only devices with a known-exploited finding
	Version  int64  // only devices running one product version; 0 for all
	Offset   int    // the page: how many ranked devices come before it
}

// parseRiskForm reads the ranking's filters. ok is false for a version
// that is not a positive number: the page then answers 404 rather than
// silently showing every device.
func parseRiskForm(q url.Values) (riskForm, bool) {
	f := riskForm{Severity: validChoice(vulnSeverities, q.Get("severity")), KEV: q.Get("kev") == "1"}
	if s := q.Get("cursor"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 && n < riskRanked {
			f.Offset = n
		}
	}
	var ok bool
	f.Version, ok = queryID(q, "version")
	return f, ok
}

// queryID reads an optional id from a query: 0 when absent; false when
// present but not a positive number.
func queryID(q url.Values, key string) (int64, bool) {
	s := q.Get(key)
	if s == "" {
		return 0, true
	}
	id := pathID(s)
	return id, id != 0
}

func (f riskForm) values() url.Values {
	v := url.Values{}
	if f.Severity != "" {
		v.Set("severity", f.Severity)
	}
	if f.KEV {
		v.Set("kev", "1")
	}
	if f.Version != 0 {
		v.Set("version", strconv.FormatInt(f.Version, 10))
	}
	return v
}

// Filtered reports whether any filter is set.
func (f riskForm) Filtered() bool { return len(f.values()) > 0 }

func (f riskForm) pageURL(cursor string) string {
	return listURL("/vulnerabilities", f.values(), cursor, nil)
}

// riskRow is one ranked device.
type riskRow struct {
	vuln.DeviceRisk
	Rank     int
	Advisory string   // the advisory that sets the score
	Factors  []string // the parts of the score, as the ranking explains them
	Plain    string   // the same in plain words
	Product  string   // manufacturer, model and version, when known
	Top      []*vuln.StoredFinding
	More     int // actionable findings not among Top
}

// vulnOverviewData is the vulnerabilities page.
type vulnOverviewData struct {
	Form       riskForm
	Severities []option
	Exposure   *exposureFigure
	Rows       []riskRow
	Ranked     int  // devices in the (filtered) ranking
	Capped     bool // the ranking stops at riskRanked devices
	Partial    bool // the severity filter read only the newest findings
	Read       int  // how many findings the severity filter reads at most
	Limit      int  // how many devices the ranking holds at most
	Pager      pager
	ClearURL   string
}

func (h *Handler) vulnOverview(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Vulnerabilities", "vulns")
	if v == nil {
		return
	}
	form, ok := parseRiskForm(r.URL.Query())
	if !ok {
		h.notFound(w, r, v)
		return
	}
	d, err := h.vulnOverviewData(r.Context(), form)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	v.Data = d
	h.render(w, r, http.StatusOK, "vulns", v)
}

func (h *Handler) vulnOverviewData(ctx context.Context, form riskForm) (*vulnOverviewData, error) {
	hist, err := h.cfg.Vuln.ExposureHistory(ctx, exposureDays)
	if err != nil {
		return nil, err
	}
	ranked, err := h.cfg.Vuln.RiskList(ctx, riskRanked)
	if err != nil {
		return nil, err
	}
	d := &vulnOverviewData{Form: form, Severities: choiceOptions(vulnSeverities, form.Severity),
		Exposure: exposureChart(hist), Capped: len(ranked) >= riskRanked, ClearURL: "/vulnerabilities",
		Read: severityPages * severityPageSz, Limit: riskRanked}
	if ranked, d.Partial, err = h.filterRisk(ctx, ranked, form); err != nil {
		return nil, err
	}
	d.Ranked = len(ranked)
	start := min(form.Offset, len(ranked))
	end := min(start+riskPageSize, len(ranked))
	next := ""
	if end < len(ranked) {
		next = strconv.Itoa(end)
	}
	cursor := ""
	if start > 0 {
		cursor = strconv.Itoa(start)
	}
	d.Pager = newPager(cursor, next, form.pageURL)
	d.Rows, err = h.riskRows(ctx, ranked[start:end], start, form)
	return d, err
}

// filterRisk keeps the ranked devices the form asks for. The severity
// filter reads the organization's findings at or above it (newest first,
// at most severityPages pages); partial reports that it stopped there.
func (h *Handler) filterRisk(ctx context.Context, ranked []vuln.DeviceRisk, f riskForm) (out []vuln.DeviceRisk, partial bool, err error) {
	var versions map[int64]bool
	if f.Severity != "" {
		if versions, partial, err = h.versionsWith(ctx, vuln.FindingFilter{MinSeverity: vuln.Severity(f.Severity), KEV: f.KEV}); err != nil {
			return nil, false, err
		}
	}
	for _, r := range ranked {
		switch {
		case f.KEV && !r.KEV, f.Version != 0 && r.VersionID != f.Version, versions != nil && !versions[r.VersionID]:
			continue
		}
		out = append(out, r)
	}
	return out, partial, nil
}

// versionsWith lists the product versions with an actionable finding that
// flt matches, reading at most severityPages pages.
func (h *Handler) versionsWith(ctx context.Context, flt vuln.FindingFilter) (map[int64]bool, bool, error) {
	out := map[int64]bool{}
	flt.Limit = severityPageSz
	for range severityPages {
		fs, next, err := h.cfg.Vuln.ListFindings(ctx, flt)
		if err != nil {
			return nil, false, err
		}
		for _, f := range fs {
			if f.Status.Actionable() {
				out[f.VersionID] = true
			}
		}
		if next == "" {
			return out, false, nil
		}
		flt.Cursor = next
	}
	return out, true, nil
}

// riskRows reads the findings of the page's product versions (once per
// version) and explains each device's rank.
func (h *Handler) riskRows(ctx context.Context, page []vuln.DeviceRisk, start int, f riskForm) ([]riskRow, error) {
	byVersion := map[int64][]*vuln.StoredFinding{}
	for _, r := range page {
		if _, done := byVersion[r.VersionID]; done {
			continue
		}
		fs, _, err := h.cfg.Vuln.ListFindings(ctx, vuln.FindingFilter{VersionID: r.VersionID,
			MinSeverity: vuln.Severity(f.Severity), KEV: f.KEV, Limit: versionRead})
		if err != nil {
			return nil, err
		}
		byVersion[r.VersionID] = actionable(fs)
	}
	out := make([]riskRow, len(page))
	for i, r := range page {
		fs := byVersion[r.VersionID]
		row := riskRow{DeviceRisk: r, Rank: start + i + 1}
		row.Advisory, row.Factors = splitExplain(r.Explain)
		row.Top = fs[:min(riskTop, len(fs))]
		row.More = max(r.Findings, len(fs)) - len(row.Top)
		if len(fs) > 0 {
			row.Product = productLabel(fs[0])
		}
		row.Plain = plainRisk(r, fs)
		out[i] = row
	}
	return out, nil
}

// actionable keeps the findings that ask someone to act, most urgent first.
func actionable(fs []*vuln.StoredFinding) []*vuln.StoredFinding {
	var out []*vuln.StoredFinding
	for _, f := range fs {
		if f.Status.Actionable() && !f.Suppressed {
			out = append(out, f)
		}
	}
	sortUrgent(out)
	return out
}

// sortUrgent orders findings for a person: actionable first, then
// known-exploited, then by CVSS score and exploitation probability.
func sortUrgent(fs []*vuln.StoredFinding) {
	slices.SortStableFunc(fs, func(a, b *vuln.StoredFinding) int {
		return cmp.Or(
			-cmp.Compare(boolInt(a.Status.Actionable() && !a.Suppressed), boolInt(b.Status.Actionable() && !b.Suppressed)),
			-cmp.Compare(boolInt(a.KEV), boolInt(b.KEV)),
			-cmp.Compare(a.CVSS, b.CVSS),
			-cmp.Compare(a.EPSS, b.EPSS),
			strings.Compare(a.Advisory, b.Advisory))
	})
}

// splitExplain separates the ranking's explanation ("ADV-1: KEV listed
// (+40), CVSS 8.1 (+8)") into the advisory and the parts of the score.
func splitExplain(s string) (string, []string) {
	adv, rest, ok := strings.Cut(s, ": ")
	if !ok {
		return "", splitFactors(s)
	}
	return adv, splitFactors(rest)
}

func splitFactors(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ", ") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// plainRisk says in plain words why a device ranks where it does, from its
// most urgent finding.
func plainRisk(r vuln.DeviceRisk, fs []*vuln.StoredFinding) string {
	if len(fs) == 0 {
		return ""
	}
	f := fs[0]
	name := cveOrID(f)
	var b strings.Builder
	switch {
	case f.KEV:
		fmt.Fprintf(&b, "Attackers are already exploiting %s: it is on CISA's list of known exploited vulnerabilities.", name)
	case f.EPSS >= 0.1:
		fmt.Fprintf(&b, "%s is likely to be exploited soon: a %s chance within 30 days (EPSS).", name, epssPct(f.EPSS))
	case f.CVSS > 0:
		fmt.Fprintf(&b, "%s is a %s-severity weakness (CVSS %.1f).", name, strings.ToLower(cvssLabel(f.CVSS)), f.CVSS)
	default:
		fmt.Fprintf(&b, "%s has no severity score yet; treat it as medium until the maker says otherwise.", name)
	}
	if f.Fixed != "" {
		fmt.Fprintf(&b, " Updating to %s fixes it.", f.Fixed)
	} else {
		b.WriteString(" No fixed version is known: limit the device's network access and ask the maker for a mitigation.")
	}
	if n := max(r.Findings, len(fs)) - 1; n > 0 {
		fmt.Fprintf(&b, " %s more open finding%s on this device.", num(n), plural(n))
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// cveIDs are a finding's CVE ids, the names the press and vendors use.
func cveIDs(f *vuln.StoredFinding) []string {
	var out []string
	for _, a := range append([]string{f.Advisory}, f.Aliases...) {
		if strings.HasPrefix(a, "CVE-") && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// cveOrID names a finding by its first CVE id, else its advisory id.
func cveOrID(f *vuln.StoredFinding) string {
	if ids := cveIDs(f); len(ids) > 0 {
		return ids[0]
	}
	return f.Advisory
}

// otherCVEs are the CVE ids that are not the advisory's own id.
func otherCVEs(f *vuln.StoredFinding) []string {
	var out []string
	for _, c := range cveIDs(f) {
		if c != f.Advisory {
			out = append(out, c)
		}
	}
	return out
}

func productLabel(f *vuln.StoredFinding) string {
	return strings.TrimSpace(strings.Join([]string{f.Manufacturer, f.Model, f.Version}, " "))
}

// cvssLabel is the CVSS v3 qualitative rating of a score.
func cvssLabel(score float64) string {
	switch {
	case score >= 9:
		return "Critical"
	case score >= 7:
		return "High"
	case score >= 4:
		return "Medium"
	case score > 0:
		return "Low"
	}
	return "Unscored"
}

// cvssClass is the badge class of a score, the same colours as alert
// severities.
func cvssClass(score float64) string {
	if score <= 0 {
		return "sev-info"
	}
	return "sev-" + strings.ToLower(cvssLabel(score))
}

// epssPct formats an exploitation probability as a percentage.
func epssPct(p float64) string {
	switch {
	case p <= 0:
		return "0%"
	case p < 0.01:
		return "<1%"
	}
	return strconv.Itoa(int(p*100+0.5)) + "%"
}

// vulnStatuses are the finding statuses with their labels, in the order
// the filter offers them.
var vulnStatuses = []option{
	{Value: string(vuln.StatusAffected), Label: "Affected"},
	{Value: string(vuln.StatusUnderInvestigation), Label: "Under investigation"},
	{Value: string(vuln.StatusNeedsReview), Label: "Needs review"},
	{Value: string(vuln.StatusNotAffected), Label: "Not affected"},
	{Value: string(vuln.StatusFixed), Label: "Fixed"},
}

func vulnStatusLabel(s vuln.Status) string { return labelOf(vulnStatuses, string(s)) }

// vulnStatusClass is the badge class of a status; unknown ones look neutral.
func vulnStatusClass(s vuln.Status) string {
	if validChoice(vulnStatuses, string(s)) == "" {
		return "vstatus-unknown"
	}
	return "vstatus-" + strings.ReplaceAll(string(s), "_", "-")
}

var methodLabels = map[vuln.Method]string{
	vuln.MethodPURL:   "Package (SBOM)",
	vuln.MethodCPE:    "Product name (CPE)",
	vuln.MethodDevice: "Device model (advisory)",
}

func methodLabel(m vuln.Method) string {
	if l, ok := methodLabels[m]; ok {
		return l
	}
	return string(m)
}

// vulnFuncs are the template functions of the vulnerability pages.
func vulnFuncs() template.FuncMap {
	return template.FuncMap{
		"cvssLabel":       cvssLabel,
		"cvssClass":       cvssClass,
		"epss":            epssPct,
		"cveIDs":          cveIDs,
		"otherCVEs":       otherCVEs,
		"vulnStatusLabel": vulnStatusLabel,
		"vulnStatusClass": vulnStatusClass,
		"methodLabel":     methodLabel,
		"planStateLabel":  planStateLabel,
		"product":         productLabel,
		"confidence":      func(c float64) string { return strconv.Itoa(int(c*100+0.5)) + "%" },
		"score":           func(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) },
	}
}

// ---- the device page's findings ----

const (
	deviceVulnsRead  = 100 // findings read for the device page
	deviceVulnsShown = 10
)

// deviceVulns is the device page's vulnerability section.
type deviceVulns struct {
	Rows   []*vuln.StoredFinding
	Total  int  // findings read (at most deviceVulnsRead)
	Open   int  // actionable among them
	More   bool // some read were left out
	Beyond bool // there are more than deviceVulnsRead
	Failed bool // they could not be read; the rest of the page shows
	URL    string
}

// deviceFindings reads a device's findings, most urgent first. A failure
// is logged and shown as such rather than failing the device page.
func (h *Handler) deviceFindings(ctx context.Context, id int64) *deviceVulns {
	fs, next, err := h.cfg.Vuln.ListFindings(ctx, vuln.FindingFilter{DeviceID: id, Limit: deviceVulnsRead})
	if err != nil {
		h.log.Warn("dashboard: device findings failed", "device", id, "err", err)
		return &deviceVulns{Failed: true}
	}
	sortUrgent(fs)
	d := &deviceVulns{Total: len(fs), Beyond: next != "", URL: findingForm{Device: id}.pageURL("", nil)}
	for _, f := range fs {
		if f.Status.Actionable() {
			d.Open++
		}
	}
	d.Rows = fs[:min(deviceVulnsShown, len(fs))]
	d.More = len(fs) > deviceVulnsShown
	return d
}
