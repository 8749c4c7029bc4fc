package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/vuln"
)

// The patch plan: what to update, grouped by product version, riskiest
// first. Each entry is one product version and the version that fixes
// (some of) its findings; it moves open → planned → patched → verified,
// one step at a time, or back to open. Every change goes through the
// store, which audits it.

const (
	planGroupsShown = 100 // product versions the page shows
	planAdvisories  = 8   // advisories named per entry; the rest are counted
)

// planStates are the plan's state tabs; "" (every state) is the default.
var planStates = []option{
	{Value: string(vuln.PlanOpen), Label: "Open"},
	{Value: string(vuln.PlanPlanned), Label: "Planned"},
	{Value: string(vuln.PlanPatched), Label: "Patched"},
	{Value: string(vuln.PlanVerified), Label: "Verified"},
}

func planStateLabel(s vuln.PlanState) string { return labelOf(planStates, string(s)) }

// planMoves are the buttons that move an entry to each state.
var planMoves = []struct {
	to           vuln.PlanState
	label, class string
}{
	{vuln.PlanPlanned, "Plan the update", "btn btn-primary"},
	{vuln.PlanPatched, "Mark as patched", "btn btn-primary"},
	{vuln.PlanVerified, "Mark as verified", "btn btn-primary"},
	{vuln.PlanOpen, "Back to open", "btn"},
}

// planMove is one allowed move of an entry.
type planMove struct {
	State vuln.PlanState
	Label string
	Class string
}

// movesFrom lists the moves an entry in state s may make.
func movesFrom(s vuln.PlanState) []planMove {
	var out []planMove
	for _, m := range planMoves {
		if m.to != s && s.CanMove(m.to) {
			out = append(out, planMove{State: m.to, Label: m.label, Class: m.class})
		}
	}
	return out
}

// planEntryRow is one entry of the plan.
type planEntryRow struct {
	*vuln.PlanEntry
	Moves    []planMove
	Shown    []string // advisories named
	MoreAdv  int      // advisories counted only
	Advisory string   // the advisory that sets the score
	Factors  []string // the parts of the score
}

// planGroup is one product version with its entries.
type planGroup struct {
	VersionID    int64
	Manufacturer string
	Model        string
	Version      string
	Devices      int
	KEV          bool
	Top          int
	Entries      []planEntryRow
}

// DevicesURL lists the version's devices ranked by risk.
func (g *planGroup) DevicesURL() string {
	return "/vulnerabilities?version=" + strconv.FormatInt(g.VersionID, 10)
}

// FindingsURL lists the version's findings.
func (g *planGroup) FindingsURL() string {
	return findingForm{Version: g.VersionID}.pageURL("", nil)
}

// planData is the patch plan page.
type planData struct {
	State  string
	Tabs   []tab
	Groups []*planGroup
	More   int // product versions not shown
	Counts map[vuln.PlanState]int
	Total  int
}

// Return is what the plan's forms post back, so that the same tab comes
// back after a change.
func (d *planData) Return() string {
	if d.State == "" {
		return ""
	}
	return url.Values{"state": {d.State}}.Encode()
}

func parsePlanState(q url.Values) string { return validChoice(planStates, q.Get("state")) }

func planURL(state string, extra url.Values) string {
	v := url.Values{}
	if state != "" {
		v.Set("state", state)
	}
	return listURL("/patch-plan", v, "", extra)
}

func (h *Handler) patchPlan(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Patch plan", "vulns")
	if v == nil {
		return
	}
	q := r.URL.Query()
	state := parsePlanState(q)
	entries, err := h.cfg.Vuln.Plan(r.Context())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := buildPlan(entries, state)
	v.Data = d
	v.Flash, v.FlashError = planFlashes.of(q.Get("done")), planErrors.of(q.Get("error"))
	h.render(w, r, http.StatusOK, "plan", v)
}

// buildPlan groups the entries (riskiest first, as the store lists them)
// by product version, keeping those in state ("" for all).
func buildPlan(entries []*vuln.PlanEntry, state string) *planData {
	d := &planData{State: state, Counts: map[vuln.PlanState]int{}}
	byVersion := map[int64]*planGroup{}
	var groups []*planGroup
	for _, e := range entries {
		d.Counts[e.State]++
		d.Total++
		if state != "" && string(e.State) != state {
			continue
		}
		g := byVersion[e.VersionID]
		if g == nil {
			g = &planGroup{VersionID: e.VersionID, Manufacturer: e.Manufacturer, Model: e.Model, Version: e.Version, Devices: e.Devices, Top: e.Top}
			byVersion[e.VersionID] = g
			groups = append(groups, g)
		}
		g.KEV = g.KEV || e.KEV
		g.Top = max(g.Top, e.Top)
		g.Devices = max(g.Devices, e.Devices)
		g.Entries = append(g.Entries, entryRow(e))
	}
	d.Groups = groups[:min(len(groups), planGroupsShown)]
	d.More = len(groups) - len(d.Groups)
	d.Tabs = planTabs(state, d)
	return d
}

func entryRow(e *vuln.PlanEntry) planEntryRow {
	row := planEntryRow{PlanEntry: e, Moves: movesFrom(e.State)}
	row.Shown = e.Advisories[:min(len(e.Advisories), planAdvisories)]
	row.MoreAdv = len(e.Advisories) - len(row.Shown)
	row.Advisory, row.Factors = splitExplain(e.Explain)
	return row
}

func planTabs(state string, d *planData) []tab {
	out := []tab{{Label: "All (" + num(d.Total) + ")", Href: planURL("", nil), Active: state == ""}}
	for _, s := range planStates {
		out = append(out, tab{Label: s.Label + " (" + num(d.Counts[vuln.PlanState(s.Value)]) + ")",
			Href: planURL(s.Value, nil), Active: state == s.Value})
	}
	return out
}

// planFlashes confirm a change after the redirect.
var planFlashes = flashes{
	string(vuln.PlanPlanned):  "Update planned. Agree a date with the clinical team, then mark it patched once the devices run the fixed version.",
	string(vuln.PlanPatched):  "Marked as patched. Once airtight no longer finds the vulnerabilities on these devices, mark it verified.",
	string(vuln.PlanVerified): "Marked as verified. The update is done and checked.",
	string(vuln.PlanOpen):     "Back to open. The entry waits for a plan again.",
	"saved":                   "Assignee and note saved.",
}

// planErrors explain a change that was not made.
var planErrors = flashes{
	"move": "That move is not allowed, so nothing was changed. An entry goes open → planned → patched → verified, one step at a time, " +
		"or back to open. Someone may have moved it at the same moment: check its state and try again.",
	"assignee": "Nothing was saved: enter the assignee's name on one line, at most 200 characters.",
	"note":     "Nothing was saved: the note may hold at most 4,000 characters.",
}

// beginPlanChange starts a change of a plan entry: a triage role and a
// valid id.
func (h *Handler) beginPlanChange(w http.ResponseWriter, r *http.Request) (*view, int64) {
	v := h.beginTriage(w, r, "Patch plan", "the patch plan")
	if v == nil {
		return nil, 0
	}
	id := pathID(r.PathValue("id"))
	if id == 0 {
		h.notFound(w, r, v)
		return nil, 0
	}
	return v, id
}

func (h *Handler) setPlanState(w http.ResponseWriter, r *http.Request) {
	v, id := h.beginPlanChange(w, r)
	if v == nil {
		return
	}
	s := vuln.PlanState(r.PostFormValue("state"))
	if !s.Valid() {
		h.fail(w, r, v, airtight.Errorf(airtight.EInvalid, "Choose open, planned, patched or verified."))
		return
	}
	h.updatePlan(w, r, v, id, vuln.PlanUpdate{State: &s}, string(s))
}

func (h *Handler) assignPlan(w http.ResponseWriter, r *http.Request) {
	v, id := h.beginPlanChange(w, r)
	if v == nil {
		return
	}
	who := strings.TrimSpace(r.PostFormValue("assignee"))
	note := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("note"), "\r\n", "\n"))
	u := vuln.PlanUpdate{Assignee: &who, Note: &note}
	if err := u.Validate(); err != nil {
		code := "assignee"
		if fe := (*vuln.FieldError)(nil); errors.As(err, &fe) && fe.Field == "note" {
			code = "note"
		}
		http.Redirect(w, r, planURL(parsePlanState(returnValues(r)), url.Values{"error": {code}}), http.StatusSeeOther)
		return
	}
	h.updatePlan(w, r, v, id, u, "saved")
}

// returnValues is the list state a form posted back.
func returnValues(r *http.Request) url.Values {
	q, _ := url.ParseQuery(r.PostFormValue("return"))
	return q
}

// updatePlan applies u and redirects to the plan with a flash; a refused
// move is explained there.
func (h *Handler) updatePlan(w http.ResponseWriter, r *http.Request, v *view, id int64, u vuln.PlanUpdate, done string) {
	state := parsePlanState(returnValues(r))
	_, err := h.cfg.Vuln.SetPlanState(r.Context(), id, u)
	switch {
	case err == nil:
		http.Redirect(w, r, planURL(state, url.Values{"done": {done}}), http.StatusSeeOther)
	case airtight.ErrorCode(err) == airtight.EConflict:
		http.Redirect(w, r, planURL(state, url.Values{"error": {"move"}}), http.StatusSeeOther)
	default:
		h.fail(w, r, v, err)
	}
}
