package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
)

// incidentsPageSize is how many incidents one page of the list shows.
const incidentsPageSize = 50

// incidentStatuses are the incident list's status tabs; open is the default.
var incidentStatuses = []option{
	{Value: string(alert.IncidentOpen), Label: "Open"},
	{Value: string(alert.IncidentAcknowledged), Label: "Acknowledged"},
	{Value: string(alert.IncidentClosed), Label: "Closed"},
	{Value: statusAll, Label: "All"},
}

func incidentStatusLabel(s alert.IncidentStatus) string { return labelOf(incidentStatuses, string(s)) }

// incidentForm is the incident list's status tab and page.
type incidentForm struct {
	Status string
	Cursor string
}

func parseIncidentForm(q url.Values) incidentForm {
	f := incidentForm{Status: string(alert.IncidentOpen), Cursor: cleanCursor(q)}
	if s := validChoice(incidentStatuses, q.Get("status")); s != "" {
		f.Status = s
	}
	return f
}

func (f incidentForm) filter() alert.IncidentFilter {
	out := alert.IncidentFilter{Status: alert.IncidentStatus(f.Status), Cursor: f.Cursor, Limit: incidentsPageSize}
	if f.Status == statusAll {
		out.Status = ""
	}
	return out
}

// values encodes the status; the default is left out.
func (f incidentForm) values() url.Values {
	v := url.Values{}
	if f.Status != string(alert.IncidentOpen) {
		v.Set("status", f.Status)
	}
	return v
}

func (f incidentForm) pageURL(cursor string) string {
	return listURL("/incidents", f.values(), cursor, nil)
}

func (f incidentForm) tabs() []tab {
	return makeTabs(incidentStatuses, f.Status, func(s string) string {
		return incidentForm{Status: s}.pageURL("")
	})
}

// incidentRow is one incident of the list, with its device when it has one.
type incidentRow struct {
	*alert.Incident
	Device *deviceRef // nil for a subject outside the inventory
}

// incidentListData is the incident list page.
type incidentListData struct {
	Form  incidentForm
	Rows  []incidentRow
	Tabs  []tab
	Pager pager
}

func (h *Handler) incidentList(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Incidents", "incidents")
	if v == nil {
		return
	}
	form := parseIncidentForm(r.URL.Query())
	ins, next, err := h.cfg.Incidents.ListIncidents(r.Context(), form.filter())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	v.Data = &incidentListData{
		Form: form, Rows: h.incidentRows(r.Context(), ins), Tabs: form.tabs(),
		Pager: newPager(form.Cursor, next, form.pageURL),
	}
	h.render(w, r, http.StatusOK, "incidents", v)
}

// incidentRows names the devices of incidents.
func (h *Handler) incidentRows(ctx context.Context, ins []*alert.Incident) []incidentRow {
	var ids []int64
	for _, in := range ins {
		if in.DeviceID != 0 {
			ids = append(ids, in.DeviceID)
		}
	}
	names := h.deviceNames(ctx, dedupe(ids))
	out := make([]incidentRow, len(ins))
	for i, in := range ins {
		out[i] = incidentRow{Incident: in, Device: names[in.DeviceID]}
	}
	return out
}

// dedupe drops repeated ids, keeping the first of each.
func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// incidentAlert is one alert of an incident, ready to read.
type incidentAlert struct {
	*alert.Alert
	Evidence   string // indented JSON, "" when there is none
	Techniques []technique
}

// technique is a MITRE ATT&CK technique id, with its page when the id is
// well formed.
type technique struct {
	ID  string
	URL string
}

// techniqueRE matches ATT&CK technique ids (Enterprise and ICS), with an
// optional sub-technique.
var techniqueRE = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)

// techniques splits an alert's comma-separated technique ids. Only
// well-formed ids get a link to their page on attack.mitre.org.
func techniques(s string) []technique {
	var out []technique
	for _, id := range strings.Split(s, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		t := technique{ID: id}
		if techniqueRE.MatchString(id) {
			t.URL = "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"
		}
		out = append(out, t)
	}
	return out
}

// incidentDetailData is the incident page.
type incidentDetailData struct {
	In      incidentRow
	Alerts  []incidentAlert
	Actions []statusAction
}

func (h *Handler) incidentDetail(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Incident", "incidents")
	if v == nil {
		return
	}
	id := pathID(r.PathValue("id"))
	if id == 0 {
		h.notFound(w, r, v)
		return
	}
	in, as, err := h.cfg.Incidents.FindIncident(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := &incidentDetailData{In: h.incidentRows(r.Context(), []*alert.Incident{in})[0], Actions: incidentActions(in.Status)}
	for _, a := range as {
		d.Alerts = append(d.Alerts, incidentAlert{Alert: a, Evidence: indentJSON(a.Evidence), Techniques: techniques(a.Technique)})
	}
	q := r.URL.Query()
	v.Title, v.Data = in.Title, d
	v.Flash, v.FlashError = incidentFlash(q.Get("done"), in), incidentErrors.of(q.Get("error"))
	h.render(w, r, http.StatusOK, "incident", v)
}

// incidentActions lists the status buttons of an incident in a status.
func incidentActions(s alert.IncidentStatus) []statusAction {
	ack := statusAction{string(alert.IncidentAcknowledged), "Acknowledge", "btn"}
	closeIt := statusAction{string(alert.IncidentClosed), "Close incident", "btn btn-primary"}
	reopen := statusAction{string(alert.IncidentOpen), "Reopen", "btn"}
	switch s {
	case alert.IncidentOpen:
		return []statusAction{ack, closeIt}
	case alert.IncidentAcknowledged:
		return []statusAction{closeIt, reopen}
	case alert.IncidentClosed:
		return []statusAction{reopen}
	}
	return nil
}

// incidentFlashes confirm a change after the redirect.
var incidentFlashes = flashes{
	string(alert.IncidentAcknowledged): "Incident acknowledged. Colleagues can see that someone is on it.",
	string(alert.IncidentClosed):       "Incident closed, and its alerts resolved. If the problem comes back, airtight opens a new incident.",
	string(alert.IncidentOpen):         "Incident reopened. It is back on the Open list.",
}

// incidentErrors explain a change that was not made.
var incidentErrors = flashes{
	"assignee": "The assignee was not saved: enter a name on one line, at most 200 characters.",
	"conflict": "Someone changed this incident at the same moment, so nothing was changed. Check it and try again.",
}

// incidentFlash is the confirmation for done; an assignment names the
// person, as stored.
func incidentFlash(done string, in *alert.Incident) string {
	if done != "assigned" {
		return incidentFlashes.of(done)
	}
	if in.Assignee == "" {
		return "Incident unassigned."
	}
	return "Incident assigned to " + in.Assignee + "."
}

func (h *Handler) setIncidentStatus(w http.ResponseWriter, r *http.Request) {
	v, id := h.beginIncidentChange(w, r)
	if v == nil {
		return
	}
	s := alert.IncidentStatus(r.PostFormValue("status"))
	if incidentActions(s) == nil {
		h.fail(w, r, v, airtight.Errorf(airtight.EInvalid, "Choose acknowledge, close or reopen."))
		return
	}
	h.updateIncident(w, r, v, id, alert.IncidentUpdate{Status: &s}, string(s))
}

func (h *Handler) assignIncident(w http.ResponseWriter, r *http.Request) {
	v, id := h.beginIncidentChange(w, r)
	if v == nil {
		return
	}
	who := strings.TrimSpace(r.PostFormValue("assignee"))
	u := alert.IncidentUpdate{Assignee: &who}
	if u.Validate() != nil {
		http.Redirect(w, r, incidentURL(id, url.Values{"error": {"assignee"}}), http.StatusSeeOther)
		return
	}
	h.updateIncident(w, r, v, id, u, "assigned")
}

// beginIncidentChange starts a triage request: a triage role and a valid
// id. It answers the request itself and returns nil when it cannot go on.
func (h *Handler) beginIncidentChange(w http.ResponseWriter, r *http.Request) (*view, int64) {
	v := h.begin(w, r, "Incident", "incidents")
	if v == nil {
		return nil, 0
	}
	if !v.CanTriage() {
		h.fail(w, r, v, airtight.Errorf(airtight.EForbidden, "auditors cannot triage incidents"))
		return nil, 0
	}
	id := pathID(r.PathValue("id"))
	if id == 0 {
		h.notFound(w, r, v)
		return nil, 0
	}
	return v, id
}

// updateIncident applies u and redirects to the incident with a flash.
func (h *Handler) updateIncident(w http.ResponseWriter, r *http.Request, v *view, id int64, u alert.IncidentUpdate, done string) {
	_, err := h.cfg.Incidents.UpdateIncident(r.Context(), id, u)
	switch {
	case err == nil:
		http.Redirect(w, r, incidentURL(id, url.Values{"done": {done}}), http.StatusSeeOther)
	case airtight.ErrorCode(err) == airtight.EConflict:
		http.Redirect(w, r, incidentURL(id, url.Values{"error": {"conflict"}}), http.StatusSeeOther)
	default:
		h.fail(w, r, v, err)
	}
}

func incidentURL(id int64, q url.Values) string {
	return listURL("/incidents/"+strconv.FormatInt(id, 10), nil, "", q)
}

// openIncidents counts the organization's open incidents with one bounded
// list, for the navigation badge.
func (h *Handler) openIncidents(ctx context.Context) *openCount {
	return h.countOpen(ctx, "incidents", func(ctx context.Context) ([]int, bool, error) {
		ins, next, err := h.cfg.Incidents.ListIncidents(ctx, alert.IncidentFilter{Status: alert.IncidentOpen, Limit: openCounted})
		ranks := make([]int, len(ins))
		for i, in := range ins {
			ranks[i] = in.Severity.Rank()
		}
		return ranks, next != "", err
	})
}
