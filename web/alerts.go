package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
)

// alertsPageSize is how many alerts one page of the list shows.
const alertsPageSize = 50

// statusAll is the alert list's "every status" choice; the default is open
// alerts, the ones nobody has looked at yet.
const statusAll = "all"

// alertForm is the alert list's filters, as the user submitted them,
// normalized: unknown values fall back to the defaults.
type alertForm struct {
	Status   string // open (default), acknowledged, resolved or all
	Severity string // minimum severity; "" for any
	Source   string
	Cursor   string
}

func parseAlertForm(q url.Values) alertForm {
	f := alertForm{Status: string(alert.StatusOpen), Cursor: q.Get("cursor")}
	switch s := q.Get("status"); s {
	case string(alert.StatusAcknowledged), string(alert.StatusResolved), statusAll:
		f.Status = s
	}
	if s := alert.Severity(q.Get("severity")); s.Rank() >= 0 {
		f.Severity = string(s)
	}
	if s := strings.TrimSpace(q.Get("source")); len(s) <= 32 {
		f.Source = s
	}
	if len(f.Cursor) > 200 {
		f.Cursor = ""
	}
	return f
}

// filter is the service filter of the form.
func (f alertForm) filter() alert.Filter {
	af := alert.Filter{Status: alert.Status(f.Status), MinSeverity: alert.Severity(f.Severity),
		Source: f.Source, Cursor: f.Cursor, Limit: alertsPageSize}
	if f.Status == statusAll {
		af.Status = ""
	}
	return af
}

// values encodes the form's filters (no cursor); the default status is left out.
func (f alertForm) values() url.Values {
	v := url.Values{}
	if f.Status != string(alert.StatusOpen) {
		v.Set("status", f.Status)
	}
	if f.Severity != "" {
		v.Set("severity", f.Severity)
	}
	if f.Source != "" {
		v.Set("source", f.Source)
	}
	return v
}

// Filtered reports whether a severity or source filter is set.
func (f alertForm) Filtered() bool { return f.Severity != "" || f.Source != "" }

// pageURL is the list URL for the same filters at cursor, with extra
// parameters (a flash message) after them.
func (f alertForm) pageURL(cursor string, extra url.Values) string {
	q := f.values()
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	s := q.Encode()
	if e := extra.Encode(); e != "" {
		s = strings.TrimPrefix(s+"&"+e, "&")
	}
	if s == "" {
		return "/alerts"
	}
	return "/alerts?" + s
}

// Return is what the status forms post back, so that the list comes back
// with the same filters and page.
func (f alertForm) Return() string {
	q := f.values()
	if f.Cursor != "" {
		q.Set("cursor", f.Cursor)
	}
	return q.Encode()
}

// tab is one entry of the status tabs above the list.
type tab struct {
	Label  string
	Href   string
	Active bool
}

func (f alertForm) tabs() []tab {
	var out []tab
	for _, s := range []string{string(alert.StatusOpen), string(alert.StatusAcknowledged), string(alert.StatusResolved), statusAll} {
		g := f
		g.Status = s
		out = append(out, tab{Label: alertStatusLabel(alert.Status(s)), Href: g.pageURL("", nil), Active: s == f.Status})
	}
	return out
}

// alertAction is one triage button of an alert.
type alertAction struct {
	Status string
	Label  string
	Class  string
}

// actionsFor lists the triage buttons of an alert in a status.
func actionsFor(s alert.Status) []alertAction {
	ack := alertAction{string(alert.StatusAcknowledged), "Acknowledge", "btn btn-sm"}
	resolve := alertAction{string(alert.StatusResolved), "Resolve", "btn btn-sm btn-primary"}
	reopen := alertAction{string(alert.StatusOpen), "Reopen", "btn btn-sm"}
	switch s {
	case alert.StatusOpen:
		return []alertAction{ack, resolve}
	case alert.StatusAcknowledged:
		return []alertAction{resolve, reopen}
	case alert.StatusResolved:
		return []alertAction{reopen}
	}
	return nil
}

// deviceRef names a device in a list: its asset tag, linked to its page.
type deviceRef struct {
	ID     int64
	Label  string
	Linked bool
}

// alertRow is one alert of the list.
type alertRow struct {
	*alert.Alert
	Device   *deviceRef // nil when the alert concerns no device
	Evidence string     // indented JSON, "" when there is none
	Actions  []alertAction
}

// alertListData is the alert list page.
type alertListData struct {
	Form       alertForm
	Rows       []alertRow
	Tabs       []tab
	NextURL    string
	FirstURL   string
	ClearURL   string // the same status, without severity or source
	Severities []option
	Sources    []option
}

func (h *Handler) alertList(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Alerts", "alerts")
	if v == nil {
		return
	}
	form := parseAlertForm(r.URL.Query())
	as, next, err := h.cfg.Alerts.ListAlerts(r.Context(), form.filter())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := &alertListData{Form: form, Tabs: form.tabs(), Severities: severityOptions(form.Severity), Sources: sourceOptions(form.Source)}
	names := h.deviceNames(r.Context(), alertDeviceIDs(as))
	for _, a := range as {
		row := alertRow{Alert: a, Evidence: indentJSON(a.Evidence), Actions: actionsFor(a.Status)}
		if a.DeviceID != 0 {
			row.Device = names[a.DeviceID]
		}
		d.Rows = append(d.Rows, row)
	}
	if next != "" {
		d.NextURL = form.pageURL(next, nil)
	}
	if form.Cursor != "" {
		d.FirstURL = form.pageURL("", nil)
	}
	d.ClearURL = alertForm{Status: form.Status}.pageURL("", nil)
	v.Flash = alertFlash(r.URL.Query().Get("done"))
	v.Data = d
	h.render(w, r, http.StatusOK, "alerts", v)
}

// alertFlash confirms a triage action after the redirect.
func alertFlash(done string) string {
	switch alert.Status(done) {
	case alert.StatusAcknowledged:
		return "Alert acknowledged. It stays under Acknowledged until someone resolves it."
	case alert.StatusResolved:
		return "Alert resolved. If the problem comes back, airtight raises a new alert."
	case alert.StatusOpen:
		return "Alert reopened. It is back on the Open list."
	}
	return ""
}

func (h *Handler) setAlertStatus(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Alerts", "alerts")
	if v == nil {
		return
	}
	if !v.CanTriage() {
		h.fail(w, r, v, airtight.Errorf(airtight.EForbidden, "auditors cannot triage alerts"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, v)
		return
	}
	s := alert.Status(r.PostFormValue("status"))
	if actionsFor(s) == nil {
		h.fail(w, r, v, airtight.Errorf(airtight.EInvalid, "Choose acknowledge, resolve or reopen."))
		return
	}
	if _, err := h.cfg.Alerts.SetStatus(r.Context(), id, s); err != nil {
		h.fail(w, r, v, err)
		return
	}
	back, _ := url.ParseQuery(r.PostFormValue("return"))
	form := parseAlertForm(back)
	http.Redirect(w, r, form.pageURL(form.Cursor, url.Values{"done": {string(s)}}), http.StatusSeeOther)
}

// alertDeviceIDs lists the distinct devices the alerts concern.
func alertDeviceIDs(as []*alert.Alert) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, a := range as {
		if a.DeviceID != 0 && !seen[a.DeviceID] {
			seen[a.DeviceID] = true
			out = append(out, a.DeviceID)
		}
	}
	return out
}

// deviceNames looks up the asset tags of devices, one at a time (a page
// holds at most a few dozen). A device that cannot be found keeps its
// number and no link.
func (h *Handler) deviceNames(ctx context.Context, ids []int64) map[int64]*deviceRef {
	out := make(map[int64]*deviceRef, len(ids))
	for _, id := range ids {
		ref := &deviceRef{ID: id, Label: "Device #" + strconv.FormatInt(id, 10)}
		d, err := h.cfg.Devices.FindDevice(ctx, id)
		switch {
		case err == nil:
			ref.Label, ref.Linked = d.AssetTag, true
		case airtight.ErrorCode(err) != airtight.ENotFound:
			h.log.Warn("dashboard: device name lookup failed", "device", id, "err", err)
		}
		out[id] = ref
	}
	return out
}

// indentJSON formats alert evidence for reading; "" when there is none.
func indentJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// alertCount is the number of open alerts, for the navigation badge and
// the overview.
type alertCount struct {
	N      int  // open alerts counted (at most openAlertsCounted)
	More   bool // there are more than openAlertsCounted
	Urgent int  // high or critical among those counted
	Failed bool // the count failed; nothing is shown
}

// openAlertsCounted bounds the open-alert count: beyond it the badge says "99+".
const openAlertsCounted = 100

// Label is the badge text: "7", or "99+" past 99.
func (c *alertCount) Label() string {
	if c.More || c.N > 99 {
		return "99+"
	}
	return strconv.Itoa(c.N)
}

// openAlerts counts the organization's open alerts with one bounded list.
// A failure is logged and hides the badge rather than the page.
func (h *Handler) openAlerts(ctx context.Context) *alertCount {
	as, next, err := h.cfg.Alerts.ListAlerts(ctx, alert.Filter{Status: alert.StatusOpen, Limit: openAlertsCounted})
	if err != nil {
		h.log.Warn("dashboard: counting open alerts failed", "err", err)
		return &alertCount{Failed: true}
	}
	c := &alertCount{N: len(as), More: next != ""}
	for _, a := range as {
		if a.Severity.Rank() >= alert.High.Rank() {
			c.Urgent++
		}
	}
	return c
}

var severityLabels = map[alert.Severity]string{
	alert.Info: "Info", alert.Low: "Low", alert.Medium: "Medium", alert.High: "High", alert.Critical: "Critical",
}

func sevLabel(s alert.Severity) string {
	if l, ok := severityLabels[s]; ok {
		return l
	}
	return string(s)
}

// sevClass is the CSS class of a severity badge; unknown severities look like info.
func sevClass(s alert.Severity) string {
	if s.Rank() < 0 {
		return "sev-info"
	}
	return "sev-" + string(s)
}

var alertStatusLabels = map[alert.Status]string{
	alert.StatusOpen: "Open", alert.StatusAcknowledged: "Acknowledged", alert.StatusResolved: "Resolved", statusAll: "All",
}

func alertStatusLabel(s alert.Status) string {
	if l, ok := alertStatusLabels[s]; ok {
		return l
	}
	return string(s)
}

// sources are the capabilities that raise alerts, with their names.
var sources = []option{
	{Value: "pki", Label: "Certificates"},
	{Value: "vuln", Label: "Vulnerabilities"},
	{Value: "dlp", Label: "Patient data protection"},
	{Value: "detect", Label: "Attack detection"},
}

func sourceLabel(s string) string {
	for _, o := range sources {
		if o.Value == s {
			return o.Label
		}
	}
	return s
}

func sourceOptions(sel string) []option {
	out := make([]option, 0, len(sources)+1)
	seen := false
	for _, o := range sources {
		o.Selected = o.Value == sel
		seen = seen || o.Selected
		out = append(out, o)
	}
	if sel != "" && !seen {
		out = append(out, option{Value: sel, Label: sel, Selected: true})
	}
	return out
}

// severityOptions offers minimum severities, most severe first ("info and
// above" is every alert: the "Any" choice).
func severityOptions(sel string) []option {
	out := make([]option, 0, len(alert.Severities))
	for i := len(alert.Severities) - 1; i >= 1; i-- {
		s := alert.Severities[i]
		label := sevLabel(s) + " and above"
		if s == alert.Critical {
			label = "Critical only"
		}
		out = append(out, option{Value: string(s), Label: label, Selected: string(s) == sel})
	}
	return out
}
