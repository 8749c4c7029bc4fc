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
	f := alertForm{Status: string(alert.StatusOpen), Cursor: cleanCursor(q)}
	if s := validChoice(alertStatuses, q.Get("status")); s != "" {
		f.Status = s
	}
	if s := alert.Severity(q.Get("severity")); s.Rank() >= 0 {
		f.Severity = string(s)
	}
	if s := strings.TrimSpace(q.Get("source")); len(s) <= 32 {
		f.Source = s
	}
	return f
}

// alertStatuses are the alert list's status tabs.
var alertStatuses = []option{
	{Value: string(alert.StatusOpen), Label: "Open"},
	{Value: string(alert.StatusAcknowledged), Label: "Acknowledged"},
	{Value: string(alert.StatusResolved), Label: "Resolved"},
	{Value: statusAll, Label: "All"},
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
	return listURL("/alerts", f.values(), cursor, extra)
}

// Return is what the status forms post back, so that the list comes back
// with the same filters and page.
func (f alertForm) Return() string { return returnQuery(f.values(), f.Cursor) }

func (f alertForm) tabs() []tab {
	return makeTabs(alertStatuses, f.Status, func(s string) string {
		g := f
		g.Status = s
		return g.pageURL("", nil)
	})
}

// statusAction is one triage button: the status it sets.
type statusAction struct {
	Status string
	Label  string
	Class  string
}

// actionsFor lists the triage buttons of an alert in a status.
func actionsFor(s alert.Status) []statusAction {
	ack := statusAction{string(alert.StatusAcknowledged), "Acknowledge", "btn btn-sm"}
	resolve := statusAction{string(alert.StatusResolved), "Resolve", "btn btn-sm btn-primary"}
	reopen := statusAction{string(alert.StatusOpen), "Reopen", "btn btn-sm"}
	switch s {
	case alert.StatusOpen:
		return []statusAction{ack, resolve}
	case alert.StatusAcknowledged:
		return []statusAction{resolve, reopen}
	case alert.StatusResolved:
		return []statusAction{reopen}
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
	Actions  []statusAction
}

// alertListData is the alert list page.
type alertListData struct {
	Pager      pager
	Form       alertForm
	Rows       []alertRow
	Tabs       []tab
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
	d.Pager = newPager(form.Cursor, next, func(c string) string { return form.pageURL(c, nil) })
	d.ClearURL = alertForm{Status: form.Status}.pageURL("", nil)
	v.Flash = alertFlashes.of(r.URL.Query().Get("done"))
	v.Data = d
	h.render(w, r, http.StatusOK, "alerts", v)
}

// alertFlashes confirm a triage action after the redirect.
var alertFlashes = flashes{
	string(alert.StatusAcknowledged): "Alert acknowledged. It stays under Acknowledged until someone resolves it.",
	string(alert.StatusResolved):     "Alert resolved. If the problem comes back, airtight raises a new alert.",
	string(alert.StatusOpen):         "Alert reopened. It is back on the Open list.",
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
	id := pathID(r.PathValue("id"))
	if id == 0 {
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
	var ids []int64
	for _, a := range as {
		if a.DeviceID != 0 {
			ids = append(ids, a.DeviceID)
		}
	}
	return dedupe(ids)
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

// highRank is the rank from which a severity counts as urgent.
var highRank = alert.High.Rank()

// openAlerts counts the organization's open alerts with one bounded list.
func (h *Handler) openAlerts(ctx context.Context) *openCount {
	return h.countOpen(ctx, "alerts", func(ctx context.Context) ([]int, bool, error) {
		as, next, err := h.cfg.Alerts.ListAlerts(ctx, alert.Filter{Status: alert.StatusOpen, Limit: openCounted})
		ranks := make([]int, len(as))
		for i, a := range as {
			ranks[i] = a.Severity.Rank()
		}
		return ranks, next != "", err
	})
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

func alertStatusLabel(s alert.Status) string { return labelOf(alertStatuses, string(s)) }

// sources are the capabilities that raise alerts, with their names.
var sources = []option{
	{Value: "pki", Label: "Certificates"},
	{Value: "vuln", Label: "Vulnerabilities"},
	{Value: "dlp", Label: "Patient data protection"},
	{Value: "detect", Label: "Attack detection"},
}

func sourceLabel(s string) string { return labelOf(sources, s) }

func sourceOptions(sel string) []option { return choiceOptions(sources, sel) }

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
