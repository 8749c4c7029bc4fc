package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
)

func biomed() *airtight.Actor {
	return &airtight.Actor{OrgID: 1, Kind: airtight.ActorUser, ID: 9, Name: "Bo Biomed", Role: airtight.RoleBiomed}
}

func analyst() *airtight.Actor {
	return &airtight.Actor{OrgID: 1, Kind: airtight.ActorUser, ID: 10, Name: "Ana Lyst", Role: airtight.RoleAnalyst}
}

func sampleIncidents() []*alert.Incident {
	return []*alert.Incident{
		{ID: 5, OrgID: 1, DeviceID: 42, Subject: "42", Title: "Port scan from the infusion pump", Severity: alert.Critical,
			Status: alert.IncidentOpen, AlertCount: 3, FirstSeen: testNow.Add(-5 * time.Hour), LastSeen: testNow.Add(-20 * time.Minute)},
		{ID: 4, OrgID: 1, Subject: "203.0.113.50", Title: "Unknown host queried the PACS", Severity: alert.Medium,
			Status: alert.IncidentAcknowledged, Assignee: "Sam Nurse", AlertCount: 1, UpdatedBy: "Dana Biomed",
			FirstSeen: testNow.Add(-30 * time.Hour), LastSeen: testNow.Add(-26 * time.Hour)},
	}
}

func incidentAlerts() []*alert.Alert {
	return []*alert.Alert{
		{ID: 21, OrgID: 1, Source: "detect", Kind: "attack.scan", Severity: alert.Critical, Status: alert.StatusOpen, DeviceID: 42,
			Subject: "42", IncidentID: 5, Title: "Port scan towards the imaging network",
			Summary: "The pump probed 40 hosts in a minute.", Action: "Isolate the pump and call the vendor.",
			Technique: "T1046.001, T0846,bogus id", Evidence: json.RawMessage(`{"targets":40}`), Count: 2,
			FirstSeen: testNow.Add(-5 * time.Hour), LastSeen: testNow.Add(-20 * time.Minute)},
		{ID: 20, OrgID: 1, Source: "vuln", Kind: "vuln.kev", Severity: alert.High, Status: alert.StatusResolved, DeviceID: 42,
			Subject: "42", IncidentID: 5, Title: "Known-exploited vulnerability", Count: 1,
			FirstSeen: testNow.Add(-4 * time.Hour), LastSeen: testNow.Add(-4 * time.Hour)},
	}
}

// incidentCalls records the incident filters asked for: the page's own
// list first, then the navigation badge's count.
func incidentCalls(e *env, ins []*alert.Incident, next string) *[]alert.IncidentFilter {
	var calls []alert.IncidentFilter
	e.incs.ListIncidentsFn = func(_ context.Context, f alert.IncidentFilter) ([]*alert.Incident, string, error) {
		calls = append(calls, f)
		return ins, next, nil
	}
	return &calls
}

func findIncident(e *env) {
	e.incs.FindIncidentFn = func(_ context.Context, id int64) (*alert.Incident, []*alert.Alert, error) {
		for _, in := range sampleIncidents() {
			if in.ID == id {
				return in, incidentAlerts(), nil
			}
		}
		return nil, nil, airtight.Errorf(airtight.ENotFound, "incident not found")
	}
}

func wantAll(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func wantNone(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, s := range unwanted {
		if strings.Contains(body, s) {
			t.Errorf("page holds %q", s)
		}
	}
}

func TestIncidentsPage(t *testing.T) {
	e := newEnv(t)
	incidentCalls(e, sampleIncidents(), "")
	w := e.do(t, admin(), "GET", "/incidents", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<h1>Incidents</h1>", "An incident groups the alerts about one device",
		`<a class="cell-main strong" href="/incidents/5">Port scan from the infusion pump</a>`,
		`class="badge sev-badge sev-critical">Critical<`, `<a class="strong" href="/devices/42">BM-004211</a>`,
		`<span class="subject">203.0.113.50</span>`, `<td class="num">3</td>`, "Sam Nurse", "Nobody yet",
		"20 min ago", `class="badge incident-acknowledged">Acknowledged<`, "by Dana Biomed",
		`class="tab is-active" href="/incidents" aria-current="page">Open<`, `href="/incidents?status=closed">Closed<`,
		`<a href="/incidents" class="nav-item is-active" aria-current="page">`, `title="Open incidents">2<`,
		"Showing 2 incidents, most severe first",
	)
	checkCSP(t, body)
}

func TestIncidentListFilters(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		want     alert.IncidentFilter
		wantNext string
	}{
		{name: "default is open", want: alert.IncidentFilter{Status: alert.IncidentOpen, Limit: 50}, wantNext: `href="/incidents?cursor=4.9"`},
		{name: "closed, second page", query: "status=closed&cursor=3.7",
			want: alert.IncidentFilter{Status: alert.IncidentClosed, Cursor: "3.7", Limit: 50}, wantNext: `href="/incidents?cursor=4.9&amp;status=closed"`},
		{name: "every status", query: "status=all", want: alert.IncidentFilter{Limit: 50}, wantNext: `href="/incidents?cursor=4.9&amp;status=all"`},
		{name: "unknown status and huge cursor fall back", query: "status=bogus&cursor=" + strings.Repeat("9", 300),
			want: alert.IncidentFilter{Status: alert.IncidentOpen, Limit: 50}, wantNext: `href="/incidents?cursor=4.9"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			calls := incidentCalls(e, sampleIncidents(), "4.9")
			w := e.do(t, admin(), "GET", "/incidents?"+tt.query, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			if d := cmp.Diff(tt.want, (*calls)[0]); d != "" {
				t.Errorf("filter (-want +got):\n%s", d)
			}
			wantAll(t, w.Body.String(), tt.wantNext)
			if tt.want.Cursor != "" {
				wantAll(t, w.Body.String(), `>First page</a>`)
			}
		})
	}
}

func TestIncidentsEmpty(t *testing.T) {
	e := newEnv(t)
	body := e.do(t, admin(), "GET", "/incidents", nil).Body.String()
	wantAll(t, body, "No open incidents", "Nothing needs handling right now")
	wantNone(t, body, `class="nav-count"`)
	body = e.do(t, admin(), "GET", "/incidents?status=closed", nil).Body.String()
	wantAll(t, body, "No closed incidents")
}

func TestIncidentDetail(t *testing.T) {
	e := newEnv(t)
	findIncident(e)
	w := e.do(t, admin(), "GET", "/incidents/5", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<title>Port scan from the infusion pump · airtight</title>", "<h1>Port scan from the infusion pump</h1>",
		"Incident #5 · 3 alerts about device BM-004211", "What an incident is",
		`<a class="strong" href="/devices/42">BM-004211</a>`, "Port scan towards the imaging network",
		"Why it matters", "The pump probed 40 hosts in a minute.", "What to do", "Isolate the pump and call the vendor.",
		`<a class="chip mono" href="https://attack.mitre.org/techniques/T1046/001/" rel="noopener noreferrer" target="_blank">T1046.001</a>`,
		`href="https://attack.mitre.org/techniques/T0846/"`, `<span class="chip mono">bogus id</span>`,
		`&#34;targets&#34;: 40`, "2 times, last", `class="badge alert-resolved">Resolved<`,
		`action="/incidents/5/status"`, `name="status" value="acknowledged"`, `name="status" value="closed"`,
		`action="/incidents/5/assign"`, `name="assignee" id="f-assignee" value=""`, "Closing the incident resolves its 3 alerts",
		`<a href="/incidents" class="nav-item is-active" aria-current="page">`,
	)
	wantNone(t, body, `name="status" value="open"`)
	checkCSP(t, body)
}

func TestIncidentDetailReadOnlyForAuditors(t *testing.T) {
	e := newEnv(t)
	findIncident(e)
	body := e.do(t, auditor(), "GET", "/incidents/4", nil).Body.String()
	wantAll(t, body, "Unknown host queried the PACS", "Your role can read incidents but not change them",
		"<dt>Address</dt>", `<span class="subject">203.0.113.50</span>`, "Sam Nurse")
	wantNone(t, body, `action="/incidents/4/status"`, `action="/incidents/4/assign"`, `name="assignee"`)
}

func TestIncidentDetailErrors(t *testing.T) {
	tests := []struct {
		name   string
		target string
		err    error
		want   int
	}{
		{name: "not a number", target: "/incidents/abc", want: 404},
		{name: "zero", target: "/incidents/0", want: 404},
		{name: "unknown", target: "/incidents/99", want: 404},
		{name: "internal error is hidden", target: "/incidents/5", err: errInternal, want: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			findIncident(e)
			if tt.err != nil {
				e.incs.FindIncidentFn = func(context.Context, int64) (*alert.Incident, []*alert.Alert, error) { return nil, nil, tt.err }
			}
			w := e.do(t, admin(), "GET", tt.target, nil)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			wantNone(t, w.Body.String(), "John Doe", "sqlite")
			checkCSP(t, w.Body.String())
		})
	}
}

func TestSetIncidentStatus(t *testing.T) {
	tests := []struct {
		name     string
		actor    *airtight.Actor
		target   string
		status   string
		err      error
		want     int
		wantLoc  string
		wantCall bool
		wantText string
	}{
		{name: "acknowledge", target: "/incidents/5/status", status: "acknowledged", want: 303, wantLoc: "/incidents/5?done=acknowledged", wantCall: true},
		{name: "close by biomed", actor: biomed(), target: "/incidents/5/status", status: "closed", want: 303, wantLoc: "/incidents/5?done=closed", wantCall: true},
		{name: "reopen by analyst", actor: analyst(), target: "/incidents/4/status", status: "open", want: 303, wantLoc: "/incidents/4?done=open", wantCall: true},
		{name: "unknown status", target: "/incidents/5/status", status: "resolved", want: 400, wantText: "Choose acknowledge, close or reopen."},
		{name: "bad id", target: "/incidents/x/status", status: "closed", want: 404},
		{name: "unknown id", target: "/incidents/77/status", status: "closed", err: airtight.Errorf(airtight.ENotFound, "incident not found"), want: 404, wantCall: true},
		{name: "conflict is an error flash", target: "/incidents/5/status", status: "closed", err: airtight.Errorf(airtight.EConflict, "changed"),
			want: 303, wantLoc: "/incidents/5?error=conflict", wantCall: true},
		{name: "internal error is hidden", target: "/incidents/5/status", status: "closed", err: errInternal, want: 500, wantCall: true},
		{name: "auditor refused", actor: auditor(), target: "/incidents/5/status", status: "closed", want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got *alert.IncidentUpdate
			e.incs.UpdateIncidentFn = func(_ context.Context, id int64, u alert.IncidentUpdate) (*alert.Incident, error) {
				got = &u
				return &alert.Incident{ID: id}, tt.err
			}
			actor := tt.actor
			if actor == nil {
				actor = admin()
			}
			w := e.do(t, actor, "POST", tt.target, url.Values{"csrf_token": {"csrf-test-token"}, "status": {tt.status}})
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc {
				t.Fatalf("status %d Location %q, want %d %q", w.Code, w.Header().Get("Location"), tt.want, tt.wantLoc)
			}
			if (got != nil) != tt.wantCall {
				t.Fatalf("UpdateIncident called = %v, want %v", got != nil, tt.wantCall)
			}
			if got != nil && (got.Status == nil || string(*got.Status) != tt.status || got.Assignee != nil) {
				t.Errorf("update = %+v, want status %q only", got, tt.status)
			}
			if tt.wantText != "" {
				wantAll(t, w.Body.String(), tt.wantText)
			}
			wantNone(t, w.Body.String(), "John Doe")
		})
	}
}

func TestAssignIncident(t *testing.T) {
	tests := []struct {
		name     string
		actor    *airtight.Actor
		assignee string
		want     int
		wantLoc  string
		wantWho  *string
	}{
		{name: "assign, trimmed", assignee: "  Dana Okafor ", want: 303, wantLoc: "/incidents/5?done=assigned", wantWho: ptr("Dana Okafor")},
		{name: "unassign", assignee: "", want: 303, wantLoc: "/incidents/5?done=assigned", wantWho: ptr("")},
		{name: "too long", assignee: strings.Repeat("a", 201), want: 303, wantLoc: "/incidents/5?error=assignee"},
		{name: "two lines", assignee: "Dana\nOkafor", want: 303, wantLoc: "/incidents/5?error=assignee"},
		{name: "auditor refused", actor: auditor(), assignee: "Ada", want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got *alert.IncidentUpdate
			e.incs.UpdateIncidentFn = func(_ context.Context, id int64, u alert.IncidentUpdate) (*alert.Incident, error) {
				got = &u
				return &alert.Incident{ID: id}, nil
			}
			actor := tt.actor
			if actor == nil {
				actor = admin()
			}
			w := e.do(t, actor, "POST", "/incidents/5/assign", url.Values{"csrf_token": {"csrf-test-token"}, "assignee": {tt.assignee}})
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc {
				t.Fatalf("status %d Location %q, want %d %q", w.Code, w.Header().Get("Location"), tt.want, tt.wantLoc)
			}
			switch {
			case tt.wantWho == nil && got != nil:
				t.Errorf("UpdateIncident called with %+v", got)
			case tt.wantWho != nil && (got == nil || got.Assignee == nil || *got.Assignee != *tt.wantWho || got.Status != nil):
				t.Errorf("update = %+v, want assignee %q only", got, *tt.wantWho)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestIncidentFlash(t *testing.T) {
	tests := []struct {
		query   string
		flash   string
		errText string
	}{
		{query: "done=acknowledged", flash: "Incident acknowledged."},
		{query: "done=closed", flash: "Incident closed, and its alerts resolved."},
		{query: "done=open", flash: "Incident reopened."},
		{query: "done=assigned", flash: "Incident assigned to Sam Nurse."},
		{query: "error=conflict", errText: "Someone changed this incident at the same moment"},
		{query: "error=assignee", errText: "The assignee was not saved"},
		{query: "done=%3Cscript%3E&error=whatever"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := newEnv(t)
			findIncident(e)
			body := e.do(t, admin(), "GET", "/incidents/4?"+tt.query, nil).Body.String()
			if got := strings.Contains(body, `class="flash"`); got != (tt.flash != "") {
				t.Errorf("flash shown = %v", got)
			}
			if got := strings.Contains(body, `class="alert alert-error flash-error" role="alert"`); got != (tt.errText != "") {
				t.Errorf("error flash shown = %v", got)
			}
			wantAll(t, body, tt.flash, tt.errText)
			wantNone(t, body, "<script>", "whatever")
		})
	}
}

func TestUnassignedFlash(t *testing.T) {
	if got := incidentFlash("assigned", &alert.Incident{}); got != "Incident unassigned." {
		t.Errorf("flash = %q", got)
	}
}

func TestOpenIncidentBadge(t *testing.T) {
	many := make([]*alert.Incident, 100)
	for i := range many {
		many[i] = &alert.Incident{ID: int64(i + 1), Severity: alert.Low}
	}
	tests := []struct {
		name  string
		ins   []*alert.Incident
		next  string
		err   error
		badge string // "" for none
	}{
		{name: "none"},
		{name: "two", ins: sampleIncidents(), badge: `title="Open incidents">2<span`},
		{name: "many", ins: many, next: "x", badge: `title="Open incidents">99&#43;<span`},
		{name: "count fails", err: errInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got []alert.IncidentFilter
			e.incs.ListIncidentsFn = func(_ context.Context, f alert.IncidentFilter) ([]*alert.Incident, string, error) {
				got = append(got, f)
				return tt.ins, tt.next, tt.err
			}
			body := e.do(t, admin(), "GET", "/", nil).Body.String()
			if has := strings.Contains(body, `title="Open incidents"`); has != (tt.badge != "") {
				t.Errorf("badge present = %v, want %q", has, tt.badge)
			}
			wantAll(t, body, tt.badge)
			if d := cmp.Diff([]alert.IncidentFilter{{Status: alert.IncidentOpen, Limit: 100}}, got); d != "" {
				t.Errorf("count queries (-want +got):\n%s", d)
			}
			if failed := strings.Contains(e.logs.String(), "counting open items failed"); failed != (tt.err != nil) {
				t.Errorf("failure logged = %v", failed)
			}
		})
	}
}

func TestHostileIncidentEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	e := newEnv(t)
	in := sampleIncidents()[1]
	in.Title, in.Subject, in.Assignee, in.UpdatedBy, in.Status = evil, `"><svg onload=alert(1)>`, evil, evil, alert.IncidentStatus(evil)
	a := incidentAlerts()[0]
	a.Title, a.Summary, a.Action, a.Kind, a.Technique = evil, evil, evil, evil, `T1046,"><svg onload=alert(1)>`
	a.Evidence = json.RawMessage(`{"x":"</pre><script>alert(1)</script>"}`)
	incidentCalls(e, []*alert.Incident{in}, "")
	e.incs.FindIncidentFn = func(context.Context, int64) (*alert.Incident, []*alert.Alert, error) {
		return in, []*alert.Alert{a}, nil
	}
	for _, target := range []string{"/incidents", "/incidents/4", "/incidents/4?done=assigned"} {
		w := e.do(t, admin(), "GET", target, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", target, w.Code)
		}
		wantNone(t, w.Body.String(), "<script>alert", "<svg onload")
		checkCSP(t, w.Body.String())
	}
}

func TestTechniques(t *testing.T) {
	got := techniques(" T1046 ,T0846,T1566.001,, javascript:alert(1),T12345")
	want := []technique{
		{ID: "T1046", URL: "https://attack.mitre.org/techniques/T1046/"},
		{ID: "T0846", URL: "https://attack.mitre.org/techniques/T0846/"},
		{ID: "T1566.001", URL: "https://attack.mitre.org/techniques/T1566/001/"},
		{ID: "javascript:alert(1)"},
		{ID: "T12345"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("techniques (-want +got):\n%s", d)
	}
	if techniques("") != nil {
		t.Error("no techniques should give nil")
	}
}

func TestDeviceSecurityTimeline(t *testing.T) {
	e := newEnv(t)
	var incFilter alert.IncidentFilter
	e.incs.ListIncidentsFn = func(_ context.Context, f alert.IncidentFilter) ([]*alert.Incident, string, error) {
		if f.DeviceID == 0 {
			return nil, "", nil // the badge
		}
		incFilter = f
		in := sampleIncidents()[0]
		in.LastSeen = testNow.Add(-time.Hour)
		return []*alert.Incident{in}, "", nil
	}
	var alertFilter alert.Filter
	e.alerts.ListAlertsFn = func(_ context.Context, f alert.Filter) ([]*alert.Alert, string, error) {
		if f.DeviceID == 0 {
			return nil, "", nil
		}
		alertFilter = f
		old, recent := incidentAlerts()[1], incidentAlerts()[0]
		old.LastSeen, old.IncidentID = testNow.Add(-3*time.Hour), 0
		recent.LastSeen = testNow.Add(-30 * time.Minute)
		return []*alert.Alert{old, recent}, "", nil // the store lists most severe first
	}
	w := e.do(t, admin(), "GET", "/devices/42", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	if incFilter.DeviceID != 42 || alertFilter.DeviceID != 42 || incFilter.Status != "" || alertFilter.Status != "" {
		t.Errorf("filters %+v %+v, want every status of device 42", incFilter, alertFilter)
	}
	wantAll(t, body, "Security timeline", `<a class="strong" href="/incidents/5">Port scan towards the imaging network</a>`,
		`<a class="strong" href="/incidents/5">Port scan from the infusion pump</a>`, "3 alerts",
		`<span class="strong">Known-exploited vulnerability</span>`, "Attack detection · 2 times")
	order := []string{"Port scan towards the imaging network", "Port scan from the infusion pump", "Known-exploited vulnerability"}
	last := -1
	for _, s := range order {
		i := strings.Index(body, s)
		if i < last {
			t.Errorf("%q is out of order: want newest first", s)
		}
		last = i
	}
	wantNone(t, body, "Only the")
	checkCSP(t, body)
}

func TestDeviceSecurityTimelineBoundsAndFailures(t *testing.T) {
	e := newEnv(t)
	e.alerts.ListAlertsFn = func(_ context.Context, f alert.Filter) ([]*alert.Alert, string, error) {
		var as []*alert.Alert
		for i := range 30 {
			as = append(as, &alert.Alert{ID: int64(i + 1), Title: fmt.Sprintf("Alert %d", i+1), Severity: alert.Low,
				Status: alert.StatusOpen, LastSeen: testNow.Add(-time.Duration(i) * time.Minute)})
		}
		return as, "", nil
	}
	body := e.do(t, admin(), "GET", "/devices/42", nil).Body.String()
	if n := strings.Count(body, `<li class="sec-item`); n != securityShown {
		t.Errorf("%d timeline entries, want %d", n, securityShown)
	}
	wantAll(t, body, "Only the 25 most recent are shown", "Alert 25<")
	wantNone(t, body, "Alert 26<")

	e.incs.ListIncidentsFn = func(_ context.Context, f alert.IncidentFilter) ([]*alert.Incident, string, error) {
		if f.DeviceID != 0 {
			return nil, "", errInternal
		}
		return nil, "", nil
	}
	w := e.do(t, admin(), "GET", "/devices/42", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: a failing timeline must not hide the device", w.Code)
	}
	wantAll(t, w.Body.String(), "BM-004211", "The security timeline could not be loaded")
	wantNone(t, w.Body.String(), "John Doe")

	e.incs.ListIncidentsFn = func(context.Context, alert.IncidentFilter) ([]*alert.Incident, string, error) { return nil, "", nil }
	e.alerts.ListAlertsFn = func(context.Context, alert.Filter) ([]*alert.Alert, string, error) { return nil, "", nil }
	wantAll(t, e.do(t, admin(), "GET", "/devices/42", nil).Body.String(), "No incidents or alerts about this device")
}
