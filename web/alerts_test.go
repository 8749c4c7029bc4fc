package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/inventory"
)

func auditor() *airtight.Actor {
	return &airtight.Actor{OrgID: 1, Kind: airtight.ActorUser, ID: 8, Name: "Ada Auditor", Role: airtight.RoleAuditor}
}

func sampleAlerts() []*alert.Alert {
	return []*alert.Alert{
		{ID: 12, OrgID: 1, Source: "pki", Kind: "certificate.expiry", Key: "pki.expiry:1:ab", Severity: alert.Critical,
			Status: alert.StatusOpen, DeviceID: 42, Title: "Device certificate expires within 3 days",
			Summary: "A device uses this certificate to prove who it is.", Action: "Renew the certificate before it expires.",
			Evidence: json.RawMessage(`{"serial":"ab","profile":"device-ldevid"}`), Count: 3,
			FirstSeen: testNow.Add(-72 * time.Hour), LastSeen: testNow.Add(-30 * time.Minute)},
		{ID: 11, OrgID: 1, Source: "detect", Kind: "attack.scan", Key: "detect:1", Severity: alert.Medium,
			Status: alert.StatusAcknowledged, DeviceID: 7, Title: "Port scan from a workstation", Technique: "T0846",
			Count: 1, FirstSeen: testNow.Add(-48 * time.Hour), LastSeen: testNow.Add(-48 * time.Hour), UpdatedBy: "Dana Biomed"},
		{ID: 10, OrgID: 1, Source: "vuln", Kind: "vuln.kev", Key: "vuln:1", Severity: alert.Low,
			Status: alert.StatusResolved, Title: "Known-exploited vulnerability", Count: 1,
			FirstSeen: testNow.Add(-96 * time.Hour), LastSeen: testNow.Add(-96 * time.Hour)},
	}
}

// listCalls records the alert filters the page asked for: the page's own
// list first, then the navigation badge's count (open, 100).
func listCalls(e *env, as []*alert.Alert, next string) *[]alert.Filter {
	var calls []alert.Filter
	e.alerts.ListAlertsFn = func(_ context.Context, f alert.Filter) ([]*alert.Alert, string, error) {
		calls = append(calls, f)
		return as, next, nil
	}
	return &calls
}

func TestAlertsPage(t *testing.T) {
	e := newEnv(t)
	listCalls(e, sampleAlerts(), "")
	w := e.do(t, admin(), "GET", "/alerts", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, s := range []string{
		"<h1>Alerts</h1>", "How to triage", `class="badge sev-badge sev-critical">Critical<`,
		"Device certificate expires within 3 days", "Certificates · ", "A device uses this certificate to prove who it is.",
		"<strong>What to do:</strong> Renew the certificate before it expires.", `&#34;serial&#34;: &#34;ab&#34;`,
		`<a class="strong" href="/devices/42">BM-004211</a>`, `<span class="muted">Device #7</span>`,
		"3 times since", "30 min ago", "T0846", `class="badge alert-acknowledged">Acknowledged<`, "by Dana Biomed",
		`action="/alerts/12/status"`, `name="status" value="acknowledged"`, `name="status" value="resolved"`,
		`name="csrf_token" value="csrf-test-token"`, `class="tab is-active" href="/alerts" aria-current="page">Open<`,
		`<a href="/alerts" class="nav-item is-active" aria-current="page">`, `class="nav-count"`,
		"Showing 3 alerts, most severe first",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(body, `href="/devices/7"`) {
		t.Error("a device that cannot be found is linked")
	}
	checkCSP(t, body)
}

func TestAlertListFilters(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		want     alert.Filter
		wantNext string
	}{
		{name: "default is open", query: "",
			want: alert.Filter{Status: alert.StatusOpen, Limit: 50}, wantNext: `href="/alerts?cursor=n1"`},
		{name: "all filters", query: "status=acknowledged&severity=high&source=pki&cursor=c1",
			want:     alert.Filter{Status: alert.StatusAcknowledged, MinSeverity: alert.High, Source: "pki", Cursor: "c1", Limit: 50},
			wantNext: `href="/alerts?cursor=n1&amp;severity=high&amp;source=pki&amp;status=acknowledged"`},
		{name: "every status", query: "status=all",
			want: alert.Filter{Limit: 50}, wantNext: `href="/alerts?cursor=n1&amp;status=all"`},
		{name: "unknown values fall back", query: "status=bogus&severity=extreme",
			want: alert.Filter{Status: alert.StatusOpen, Limit: 50}, wantNext: `href="/alerts?cursor=n1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			calls := listCalls(e, sampleAlerts(), "n1")
			w := e.do(t, admin(), "GET", "/alerts?"+tt.query, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			got := (*calls)[0]
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("filter (-want +got):\n%s", d)
			}
			if !strings.Contains(w.Body.String(), tt.wantNext) {
				t.Errorf("page lacks next link %q", tt.wantNext)
			}
		})
	}
}

func TestAlertFilterForm(t *testing.T) {
	e := newEnv(t)
	listCalls(e, sampleAlerts(), "")
	body := e.do(t, admin(), "GET", "/alerts?status=resolved&severity=high&source=pki&cursor=c1", nil).Body.String()
	for _, s := range []string{
		`<option value="high" selected>High and above</option>`, `<option value="pki" selected>Certificates</option>`,
		`<input type="hidden" name="status" value="resolved">`, `href="/alerts?status=resolved">Clear filters</a>`,
		`name="return" value="cursor=c1&amp;severity=high&amp;source=pki&amp;status=resolved"`,
		`class="tab" href="/alerts?severity=high&amp;source=pki&amp;status=acknowledged">Acknowledged<`,
		`href="/alerts?severity=high&amp;source=pki&amp;status=resolved">First page</a>`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestSetAlertStatus(t *testing.T) {
	tests := []struct {
		name     string
		actor    *airtight.Actor
		target   string
		form     url.Values
		err      error
		want     int
		wantLoc  string
		wantCall bool
		wantID   int64
		wantSt   alert.Status
		wantText string
	}{
		{name: "acknowledge from the default list", target: "/alerts/12/status",
			form: url.Values{"status": {"acknowledged"}, "return": {""}},
			want: 303, wantLoc: "/alerts?done=acknowledged", wantCall: true, wantID: 12, wantSt: alert.StatusAcknowledged},
		{name: "resolve keeps filters and page", target: "/alerts/11/status",
			form: url.Values{"status": {"resolved"}, "return": {"status=acknowledged&severity=high&cursor=c9"}},
			want: 303, wantLoc: "/alerts?cursor=c9&severity=high&status=acknowledged&done=resolved", wantCall: true, wantID: 11, wantSt: alert.StatusResolved},
		{name: "reopen", target: "/alerts/10/status", form: url.Values{"status": {"open"}, "return": {"status=resolved"}},
			want: 303, wantLoc: "/alerts?status=resolved&done=open", wantCall: true, wantID: 10, wantSt: alert.StatusOpen},
		{name: "foreign return is rebuilt", target: "/alerts/12/status", form: url.Values{"status": {"resolved"}, "return": {"//evil.com/x"}},
			want: 303, wantLoc: "/alerts?done=resolved", wantCall: true, wantID: 12, wantSt: alert.StatusResolved},
		{name: "unknown status", target: "/alerts/12/status", form: url.Values{"status": {"deleted"}}, want: 400, wantText: "Choose acknowledge, resolve or reopen."},
		{name: "bad id", target: "/alerts/x/status", form: url.Values{"status": {"resolved"}}, want: 404},
		{name: "conflict shown", target: "/alerts/10/status", form: url.Values{"status": {"open"}},
			err:  airtight.Errorf(airtight.EConflict, "an unresolved alert with the same key exists; reopen that one instead"),
			want: 409, wantCall: true, wantID: 10, wantSt: alert.StatusOpen, wantText: "reopen that one instead"},
		{name: "auditor refused", actor: auditor(), target: "/alerts/12/status", form: url.Values{"status": {"resolved"}}, want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			called := false
			var gotID int64
			var gotSt alert.Status
			e.alerts.SetStatusFn = func(_ context.Context, id int64, s alert.Status) (*alert.Alert, error) {
				called, gotID, gotSt = true, id, s
				return &alert.Alert{ID: id, Status: s}, tt.err
			}
			actor := tt.actor
			if actor == nil {
				actor = admin()
			}
			tt.form.Set("csrf_token", "csrf-test-token")
			w := e.do(t, actor, "POST", tt.target, tt.form)
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc {
				t.Fatalf("status %d Location %q, want %d %q", w.Code, w.Header().Get("Location"), tt.want, tt.wantLoc)
			}
			if called != tt.wantCall || gotID != tt.wantID || gotSt != tt.wantSt {
				t.Errorf("SetStatus called %v with %d %q, want %v %d %q", called, gotID, gotSt, tt.wantCall, tt.wantID, tt.wantSt)
			}
			if tt.wantText != "" && !strings.Contains(w.Body.String(), tt.wantText) {
				t.Errorf("page lacks %q", tt.wantText)
			}
		})
	}
}

func TestAlertFlash(t *testing.T) {
	tests := []struct{ done, want string }{
		{"acknowledged", "Alert acknowledged."},
		{"resolved", "Alert resolved."},
		{"open", "Alert reopened."},
		{"<script>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.done, func(t *testing.T) {
			e := newEnv(t)
			body := e.do(t, admin(), "GET", "/alerts?done="+url.QueryEscape(tt.done), nil).Body.String()
			if got := strings.Contains(body, `class="flash"`); got != (tt.want != "") {
				t.Errorf("flash shown = %v", got)
			}
			if tt.want != "" && !strings.Contains(body, tt.want) {
				t.Errorf("page lacks %q", tt.want)
			}
		})
	}
}

func TestAuditorSeesNoTriageButtons(t *testing.T) {
	e := newEnv(t)
	listCalls(e, sampleAlerts(), "")
	w := e.do(t, auditor(), "GET", "/alerts", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	for _, s := range []string{`action="/alerts/`, ">Acknowledge</button>", ">Resolve</button>", ">Reopen</button>"} {
		if strings.Contains(body, s) {
			t.Errorf("auditor's page holds %q", s)
		}
	}
	if !strings.Contains(body, "Device certificate expires within 3 days") {
		t.Error("auditor does not see the alerts")
	}
	for _, rt := range e.h.Routes() {
		if rt.Pattern == "/alerts/{id}/status" && slices.Contains(rt.Roles, airtight.RoleAuditor) {
			t.Error("the status route allows auditors")
		}
	}
}

func TestOpenAlertBadge(t *testing.T) {
	many := make([]*alert.Alert, 100)
	for i := range many {
		many[i] = &alert.Alert{ID: int64(i + 1), Severity: alert.Low}
	}
	tests := []struct {
		name   string
		as     []*alert.Alert
		next   string
		err    error
		badge  string // "" for no badge
		kpi    string
		kpiCls string
	}{
		{name: "none", badge: "", kpi: `kpi-value">0<`, kpiCls: `<a class="kpi" href="/alerts">`},
		{name: "some urgent", as: sampleAlerts()[:2], badge: ">2<span", kpi: "1 high or critical · triage now", kpiCls: `class="kpi kpi-critical" href="/alerts"`},
		{name: "many", as: many, next: "x", badge: ">99&#43;<span", kpi: `kpi-value">99&#43;<`, kpiCls: `class="kpi kpi-warn" href="/alerts"`},
		{name: "count fails", err: errUnexpected, badge: "", kpi: "could not be counted", kpiCls: `<a class="kpi" href="/alerts">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got []alert.Filter
			e.alerts.ListAlertsFn = func(_ context.Context, f alert.Filter) ([]*alert.Alert, string, error) {
				got = append(got, f)
				return tt.as, tt.next, tt.err
			}
			w := e.do(t, admin(), "GET", "/", nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			if has := strings.Contains(body, `class="nav-count"`); has != (tt.badge != "") || (has && !strings.Contains(body, tt.badge)) {
				t.Errorf("badge present %v, want %q", has, tt.badge)
			}
			for _, s := range []string{"Open alerts", tt.kpi, tt.kpiCls} {
				if !strings.Contains(body, s) {
					t.Errorf("overview lacks %q", s)
				}
			}
			want := []alert.Filter{{Status: alert.StatusOpen, Limit: 100}}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("count queries (-want +got):\n%s", d)
			}
		})
	}
}

func TestAlertsEmptyAndErrors(t *testing.T) {
	e := newEnv(t)
	body := e.do(t, admin(), "GET", "/alerts", nil).Body.String()
	if !strings.Contains(body, "No open alerts") || !strings.Contains(body, "Nothing is waiting for triage") {
		t.Error("empty list lacks its message")
	}
	checkCSP(t, body)
	body = e.do(t, admin(), "GET", "/alerts?severity=critical", nil).Body.String()
	if !strings.Contains(body, "No alerts match") {
		t.Error("empty filtered list lacks its message")
	}

	e.alerts.ListAlertsFn = func(_ context.Context, f alert.Filter) ([]*alert.Alert, string, error) {
		if f.Limit == openCounted {
			return nil, "", nil
		}
		return nil, "", errInternal
	}
	w := e.do(t, admin(), "GET", "/alerts", nil)
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), errInternal.Error()) {
		t.Errorf("status %d, or the internal error text is shown", w.Code)
	}
}

var errInternal = &internalErr{}

type internalErr struct{}

func (*internalErr) Error() string { return "sqlite: database is locked near patient John Doe" }

func TestHostileAlertEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	e := newEnv(t)
	a := sampleAlerts()[0]
	a.Title, a.Summary, a.Action, a.Source, a.Kind, a.Technique = evil, evil, evil, evil, evil, `"><svg onload=alert(1)>`
	a.Evidence = json.RawMessage(`{"x":"</pre><script>alert(1)</script>"}`)
	e.devices.FindDeviceFn = func(context.Context, int64) (*inventory.Device, error) {
		d := sampleDevice()
		d.AssetTag = evil
		return d, nil
	}
	listCalls(e, []*alert.Alert{a}, "")
	for _, target := range []string{"/alerts", "/alerts?source=" + url.QueryEscape(evil), "/"} {
		w := e.do(t, admin(), "GET", target, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", target, w.Code)
		}
		body := w.Body.String()
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<svg onload") {
			t.Errorf("%s: hostile field rendered unescaped", target)
		}
		checkCSP(t, body)
	}
}
