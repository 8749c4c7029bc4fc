package web

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/vuln"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// env is a Handler over fakes, with the fakes at hand.
type env struct {
	h       *Handler
	devices *fakeDevices
	grants  *fakeGrants
	orgs    *fakeOrgs
	audit   *fakeAudit
	alerts  *fakeAlerts
	incs    *fakeIncidents
	dlp     *fakeDLP
	certs   *fakeCerts
	vuln    *fakeVuln
	auth    *fakeAuth
	logs    *bytes.Buffer
	mux     *http.ServeMux
}

func hospital() *airtight.Organization {
	return &airtight.Organization{ID: 1, Slug: "st-mary", Name: "St. Mary's General Hospital", Kind: airtight.OrgHospital}
}

func admin() *airtight.Actor {
	return &airtight.Actor{OrgID: 1, Kind: airtight.ActorUser, ID: 7, Name: "Dana Biomed", Role: airtight.RoleAdmin}
}

func sampleSummary() *inventory.Summary {
	return &inventory.Summary{
		Total: 40,
		ByKind: []inventory.Count{
			{Key: "infusion-pump", N: 18}, {Key: "patient-monitor", N: 12}, {Key: "ct-scanner", N: 6}, {Key: "printer", N: 4},
		},
		ByDepartment:  []inventory.Count{{Key: "ICU", N: 20}, {Key: "Radiology", N: 14}, {Key: "", N: 6}},
		ByZone:        []inventory.Count{{Key: "clinical-vlan-10", N: 30}, {Key: "imaging-vlan-20", N: 10}},
		ByCriticality: []inventory.Count{{Key: "life-sustaining", N: 18}, {Key: "life-supporting", N: 12}, {Key: "diagnostic", N: 6}, {Key: "administrative", N: 4}},
		ByStatus:      []inventory.Count{{Key: "active", N: 35}, {Key: "maintenance", N: 3}, {Key: "quarantined", N: 2}},
	}
}

func sampleDevice() *inventory.Device {
	return &inventory.Device{
		ID: 42, OrgID: 1, AssetTag: "BM-004211", SerialNumber: "SN-99812", Site: "Main campus",
		Department: "ICU", Room: "3.114", NetworkZone: "clinical-vlan-10", IP: "10.20.30.41",
		MAC: "00:1a:2b:3c:4d:5e", Hostname: "icu-pump-11", Status: inventory.StatusActive,
		LastSeen: testNow.Add(-2 * time.Hour), Manufacturer: "Baxter", Model: "Sigma Spectrum",
		Kind: "infusion-pump", Criticality: inventory.LifeSustaining, Version: "8.01.02",
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		devices: &fakeDevices{
			SummarizeFn: func(context.Context) (*inventory.Summary, error) { return sampleSummary(), nil },
			ListDevicesFn: func(context.Context, inventory.DeviceFilter) (*inventory.DevicePage, error) {
				return &inventory.DevicePage{Devices: []*inventory.Device{sampleDevice()}}, nil
			},
			FindDeviceFn: func(_ context.Context, id int64) (*inventory.Device, error) {
				if id == 42 {
					return sampleDevice(), nil
				}
				return nil, airtight.Errorf(airtight.ENotFound, "device not found")
			},
		},
		grants: &fakeGrants{},
		orgs: &fakeOrgs{FindByIDFn: func(_ context.Context, id int64) (*airtight.Organization, error) {
			if id == 1 {
				return hospital(), nil
			}
			return nil, airtight.Errorf(airtight.ENotFound, "organization not found")
		}},
		audit: &fakeAudit{},
		alerts: &fakeAlerts{ListAlertsFn: func(context.Context, alert.Filter) ([]*alert.Alert, string, error) {
			return nil, "", nil
		}},
		incs: &fakeIncidents{ListIncidentsFn: func(context.Context, alert.IncidentFilter) ([]*alert.Incident, string, error) {
			return nil, "", nil
		}},
		dlp: &fakeDLP{},
		certs: &fakeCerts{
			ListCAsFn: func(context.Context) ([]*pki.CA, error) { return nil, nil },
			ListCertificatesFn: func(context.Context, pki.CertificateFilter) ([]*pki.Certificate, string, error) {
				return nil, "", nil
			},
		},
		vuln: &fakeVuln{ListFindingsFn: func(context.Context, vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
			return nil, "", nil
		}},
		auth: &fakeAuth{},
		logs: &bytes.Buffer{},
	}
	h, err := New(Config{
		Devices: e.devices, Manufacturers: fakeManufacturers{}, Grants: e.grants, Orgs: e.orgs,
		Audit: e.audit, Alerts: e.alerts, Incidents: e.incs, DLP: e.dlp, Certs: e.certs, Vuln: e.vuln, Auth: e.auth, Logger: slog.New(slog.NewTextHandler(e.logs, nil)), Version: "1.2.3",
	})
	if err != nil {
		t.Fatal(err)
	}
	h.now = func() time.Time { return testNow }
	e.h = h
	e.mux = http.NewServeMux()
	for _, rt := range h.Routes() {
		e.mux.HandleFunc(rt.Method+" "+rt.Pattern, rt.Handler)
	}
	return e
}

// do serves one request as actor (nil: anonymous).
func (e *env) do(t *testing.T, actor *airtight.Actor, method, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	if actor != nil {
		r = r.WithContext(airtight.NewContext(r.Context(), actor))
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

var (
	scriptTagRE = regexp.MustCompile(`(?i)<script\b[^>]*>`)
	tagRE       = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	quotedRE    = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	inlineRE    = regexp.MustCompile(`(?i)\s(style|on[a-z]+)\s*=`)
)

// checkCSP fails when a page holds anything the Content-Security-Policy
// would block: inline styles, style elements, inline scripts, handlers.
func checkCSP(t *testing.T, body string) {
	t.Helper()
	lower := strings.ToLower(body)
	for _, bad := range []string{"<style", `href="javascript:`} {
		if strings.Contains(lower, bad) {
			t.Errorf("page contains %q, which the CSP blocks", bad)
		}
	}
	for _, tag := range tagRE.FindAllString(body, -1) {
		if inlineRE.MatchString(quotedRE.ReplaceAllString(tag, `""`)) {
			t.Errorf("inline style or event handler, which the CSP blocks: %q", tag)
		}
	}
	for _, tag := range scriptTagRE.FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script %q: the CSP blocks it", tag)
		}
	}
}

func TestPages(t *testing.T) {
	tests := []struct {
		name   string
		target string
		setup  func(*env)
		want   []string
	}{
		{name: "overview", target: "/", want: []string{
			"Fleet overview", "St. Mary&#39;s General Hospital", "Dana Biomed", "What this page tells you",
			`<svg class="chart chart-bar series-kind"`, "Infusion pump", "Patient-safety criticality",
			`class="kpi-value">40<`, `class="kpi-value">18<`, `class="kpi-value">5<`, "Network zones", `name="csrf_token" value="csrf-test-token"`,
		}},
		{name: "devices", target: "/devices", want: []string{
			`<a class="strong" href="/devices/42">BM-004211</a>`, "Sigma Spectrum", "8.01.02", "10.20.30.41",
			"2 h ago", `class="badge status-active"`, "Export CSV", "40 devices in the inventory",
		}},
		{name: "device detail", target: "/devices/42", want: []string{
			"BM-004211", "Identity", "Location", "Network", "Clinical", "Software", "SN-99812",
			"00:1a:2b:3c:4d:5e", "Life-sustaining", "can directly harm or kill a patient",
		}},
		{name: "grants", target: "/grants", setup: func(e *env) {
			e.grants.ListGrantsFn = func(context.Context) ([]*inventory.Grant, error) {
				revoked := testNow
				return []*inventory.Grant{
					{ID: 3, OrgID: 1, GranteeOrgID: 2, GranteeOrgName: "Baxter Service EU", ManufacturerName: "Baxter", CreatedBy: "Dana Biomed", CreatedAt: testNow},
					{ID: 4, OrgID: 1, GranteeOrgID: 5, GranteeOrgName: "Old Vendor", ManufacturerName: "Acme", RevokedAt: &revoked},
				}, nil
			}
		}, want: []string{"Baxter Service EU", `action="/grants/3/revoke"`, "Revoked", "How sharing works"}},
		{name: "audit", target: "/audit", setup: func(e *env) {
			e.audit.ListEntriesFn = func(context.Context, audit.Filter) ([]*audit.Entry, error) {
				return []*audit.Entry{
					{Seq: 1, Time: testNow, ActorName: "Dana", Action: "device.create", TargetType: "device", TargetID: "42", Hash: "aaaaaaaaaaaaaaaaaaaaaaaa"},
					{Seq: 2, Time: testNow, ActorName: "Dana", Action: "grant.revoke", TargetType: "grant", TargetID: "4", Hash: "bbbbbbbbbbbbbbbbbbbbbbbb"},
				}, nil
			}
		}, want: []string{"Audit log", "device.create", "grant.revoke"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			w := e.do(t, admin(), "GET", tt.target, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body:\n%s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			body := w.Body.String()
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			checkCSP(t, body)
		})
	}
}

func TestAuditNewestFirst(t *testing.T) {
	e := newEnv(t)
	var calls []audit.Filter
	e.audit.ListEntriesFn = func(_ context.Context, f audit.Filter) ([]*audit.Entry, error) {
		calls = append(calls, f)
		return []*audit.Entry{{Seq: 1500}, {Seq: 1499}}, nil
	}
	es, err := e.h.latestEntries(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Seq != 1500 {
		t.Errorf("entries = %+v", es)
	}
	if len(calls) != 1 || !calls[0].Newest || calls[0].Limit != 100 {
		t.Errorf("calls = %+v, want one newest-first call for 100 entries", calls)
	}
}

func TestDeviceListFilters(t *testing.T) {
	e := newEnv(t)
	var got inventory.DeviceFilter
	e.devices.ListDevicesFn = func(_ context.Context, f inventory.DeviceFilter) (*inventory.DevicePage, error) {
		got = f
		return &inventory.DevicePage{Devices: []*inventory.Device{sampleDevice()}, NextCursor: "c2"}, nil
	}
	q := url.Values{
		"q": {" pump "}, "kind": {"infusion-pump"}, "criticality": {"life-sustaining"}, "department": {"ICU"},
		"site": {"Main campus"}, "zone": {"clinical-vlan-10"}, "status": {"active"}, "limit": {"100"}, "cursor": {"c1"},
	}
	w := e.do(t, admin(), "GET", "/devices?"+q.Encode(), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	want := inventory.DeviceFilter{
		Query: "pump", Kind: "infusion-pump", Criticality: "life-sustaining", Department: "ICU",
		Site: "Main campus", NetworkZone: "clinical-vlan-10", Status: "active", Cursor: "c1", Limit: 100,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("filter (-want +got):\n%s", d)
	}
	body := w.Body.String()
	filters := "criticality=life-sustaining&amp;department=ICU&amp;kind=infusion-pump&amp;q=pump&amp;site=Main&#43;campus&amp;status=active&amp;zone=clinical-vlan-10"
	for _, s := range []string{
		`value="pump"`, `<option value="infusion-pump" selected>`, `<option value="life-sustaining" selected>`,
		`<option value="ICU" selected>`, `value="Main campus"`, `<option value="clinical-vlan-10" selected>`,
		`<option value="active" selected>`, `<option value="100" selected>`,
		`href="/devices?` + filters + `&amp;cursor=c2&amp;limit=100" rel="next">Next page</a>`,
		`href="/devices?` + filters + `&amp;limit=100">First page</a>`,
		`href="/api/v1/devices/export?` + filters + `"`,
		"Clear filters",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestDeviceListPaging(t *testing.T) {
	tests := []struct {
		name      string
		target    string
		next      string
		wantNext  bool
		wantFirst bool
	}{
		{name: "first page with more", target: "/devices", next: "abc", wantNext: true},
		{name: "middle page", target: "/devices?cursor=abc", next: "def", wantNext: true, wantFirst: true},
		{name: "last page", target: "/devices?cursor=def", wantFirst: true},
		{name: "single page", target: "/devices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.devices.ListDevicesFn = func(context.Context, inventory.DeviceFilter) (*inventory.DevicePage, error) {
				return &inventory.DevicePage{Devices: []*inventory.Device{sampleDevice()}, NextCursor: tt.next}, nil
			}
			body := e.do(t, admin(), "GET", tt.target, nil).Body.String()
			if got := strings.Contains(body, `href="/devices?cursor=`+tt.next+`" rel="next">Next page`); got != tt.wantNext {
				t.Errorf("next link present = %v, want %v", got, tt.wantNext)
			}
			if got := strings.Contains(body, `href="/devices">First page`); got != tt.wantFirst {
				t.Errorf("first-page link present = %v, want %v", got, tt.wantFirst)
			}
		})
	}
}

func TestDeviceListEmpty(t *testing.T) {
	e := newEnv(t)
	e.devices.ListDevicesFn = func(context.Context, inventory.DeviceFilter) (*inventory.DevicePage, error) {
		return &inventory.DevicePage{}, nil
	}
	body := e.do(t, admin(), "GET", "/devices?q=nothing", nil).Body.String()
	for _, s := range []string{"No devices match", "Nothing matches these filters"} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestErrorPages(t *testing.T) {
	tests := []struct {
		name     string
		target   string
		setup    func(*env)
		want     int
		wantText string
	}{
		{name: "unknown device", target: "/devices/7", want: 404, wantText: "Not found"},
		{name: "not a number", target: "/devices/abc", want: 404, wantText: "Not found"},
		{name: "another org's device", target: "/devices/42", setup: func(e *env) {
			e.devices.FindDeviceFn = func(context.Context, int64) (*inventory.Device, error) {
				d := sampleDevice()
				d.OrgID = 99
				return d, nil
			}
		}, want: 404, wantText: "Not found"},
		{name: "forbidden", target: "/devices/42", setup: func(e *env) {
			e.devices.FindDeviceFn = func(context.Context, int64) (*inventory.Device, error) {
				return nil, airtight.Errorf(airtight.EForbidden, "no")
			}
		}, want: 403, wantText: "Not allowed"},
		{name: "internal error is hidden", target: "/devices", setup: func(e *env) {
			e.devices.ListDevicesFn = func(context.Context, inventory.DeviceFilter) (*inventory.DevicePage, error) {
				return nil, fmt.Errorf("sqlite: disk I/O error near patient John Doe")
			}
		}, want: 500, wantText: "Something went wrong"},
		{name: "invalid filter", target: "/devices?status=bogus", setup: func(e *env) {
			e.devices.ListDevicesFn = func(context.Context, inventory.DeviceFilter) (*inventory.DevicePage, error) {
				return nil, airtight.Errorf(airtight.EInvalid, "status: is not a known status")
			}
		}, want: 400, wantText: "status: is not a known status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			w := e.do(t, admin(), "GET", tt.target, nil)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			body := w.Body.String()
			if !strings.Contains(body, tt.wantText) {
				t.Errorf("page lacks %q", tt.wantText)
			}
			if strings.Contains(body, "John Doe") || strings.Contains(body, "sqlite") {
				t.Error("page shows internal error text")
			}
			checkCSP(t, body)
		})
	}
}

func TestTemplateErrorIsClean500(t *testing.T) {
	e := newEnv(t)
	bad := template.Must(template.New("").Parse(`{{define "root"}}<html>half a page{{.NoSuchField}}{{end}}`))
	e.h.pages["overview"] = &pageTemplate{t: bad}
	w := e.do(t, admin(), "GET", "/", nil)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	if strings.Contains(w.Body.String(), "half a page") {
		t.Error("a partial page was written")
	}
}

func TestLogin(t *testing.T) {
	const password = "correct horse battery staple"
	tests := []struct {
		name     string
		form     url.Values
		loginErr error
		want     int
		wantLoc  string
		wantText string
	}{
		{name: "success", form: url.Values{"email": {"dana@example.org"}, "password": {password}, "next": {"/devices?q=pump"}}, want: 303, wantLoc: "/devices?q=pump"},
		{name: "success without next", form: url.Values{"email": {"dana@example.org"}, "password": {password}}, want: 303, wantLoc: "/"},
		{name: "protocol-relative next refused", form: url.Values{"email": {"a@b.c"}, "password": {password}, "next": {"//evil.com"}}, want: 303, wantLoc: "/"},
		{name: "absolute next refused", form: url.Values{"email": {"a@b.c"}, "password": {password}, "next": {"https://evil.com"}}, want: 303, wantLoc: "/"},
		{name: "bad password", form: url.Values{"email": {"dana@example.org"}, "password": {password}},
			loginErr: airtight.Errorf(airtight.EUnauthorized, "invalid credentials"), want: 401, wantText: "The email address or the password is not correct."},
		{name: "rate limited", form: url.Values{"email": {"dana@example.org"}, "password": {password}},
			loginErr: airtight.Errorf(airtight.ERateLimited, "slow down"), want: 429, wantText: "Too many sign-in attempts"},
		{name: "internal", form: url.Values{"email": {"dana@example.org"}, "password": {password}},
			loginErr: fmt.Errorf("db down"), want: 500, wantText: "Signing in is not possible right now"},
		{name: "missing fields", form: url.Values{"email": {"dana@example.org"}}, want: 400, wantText: "Enter your email address and your password."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var gotEmail string
			e.auth.LoginFn = func(_ http.ResponseWriter, _ *http.Request, email, pw string) error {
				gotEmail = email
				return tt.loginErr
			}
			w := e.do(t, nil, "POST", "/login", tt.form)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d; body:\n%s", w.Code, tt.want, w.Body)
			}
			if loc := w.Header().Get("Location"); loc != tt.wantLoc {
				t.Errorf("Location %q, want %q", loc, tt.wantLoc)
			}
			body := w.Body.String()
			if tt.wantText != "" {
				if !strings.Contains(body, tt.wantText) {
					t.Errorf("page lacks %q", tt.wantText)
				}
				if !strings.Contains(body, `value="`+tt.form.Get("email")+`"`) {
					t.Error("the email address was not kept in the form")
				}
				checkCSP(t, body)
			}
			if tt.want == 303 && gotEmail != tt.form.Get("email") {
				t.Errorf("Login got email %q", gotEmail)
			}
			if strings.Contains(body, password) || strings.Contains(e.logs.String(), password) {
				t.Error("the password leaked into the page or the logs")
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, nil, "GET", "/login?next=%2Fdevices%2F42", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	for _, s := range []string{"Sign in", `name="next" value="/devices/42"`, `name="csrf_token" value="csrf-test-token"`, "connected medical devices"} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	checkCSP(t, body)

	w = e.do(t, nil, "GET", "/login?next=%2F%2Fevil.com", nil)
	if !strings.Contains(w.Body.String(), `name="next" value="/"`) {
		t.Error("login page kept a foreign next")
	}
	w = e.do(t, admin(), "GET", "/login?next=%2Fdevices", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/devices" {
		t.Errorf("signed-in user: status %d Location %q, want 303 /devices", w.Code, w.Header().Get("Location"))
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/devices?q=pump&kind=ct-scanner", "/devices?q=pump&kind=ct-scanner"},
		{"/devices/42", "/devices/42"},
		{"//evil.com", "/"},
		{"//evil.com/devices", "/"},
		{"https://evil.com", "/"},
		{"http://evil.com/", "/"},
		{`/\evil.com`, "/"},
		{`/\/evil.com`, "/"},
		{"javascript:alert(1)", "/"},
		{"evil.com", "/"},
		{"/devices\r\nSet-Cookie: x=1", "/"},
		{"/\tevil.com", "/"},
		{"/login", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := safeNext(tt.in); got != tt.want {
				t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	called := false
	e.auth.LogoutFn = func(http.ResponseWriter, *http.Request) error { called = true; return nil }
	w := e.do(t, admin(), "POST", "/logout", url.Values{"csrf_token": {"csrf-test-token"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" || !called {
		t.Errorf("status %d Location %q called %v", w.Code, w.Header().Get("Location"), called)
	}
}

func TestRevokeGrant(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		err     error
		want    int
		wantLoc string
		wantID  int64
	}{
		{name: "revoked", target: "/grants/3/revoke", want: 303, wantLoc: "/grants?revoked=1", wantID: 3},
		{name: "already revoked", target: "/grants/3/revoke", err: airtight.Errorf(airtight.EConflict, "already revoked"), want: 303, wantLoc: "/grants?revoked=1", wantID: 3},
		{name: "not ours", target: "/grants/9/revoke", err: airtight.Errorf(airtight.EForbidden, "not the granting organization"), want: 403, wantID: 9},
		{name: "unknown", target: "/grants/8/revoke", err: airtight.Errorf(airtight.ENotFound, "grant not found"), want: 404, wantID: 8},
		{name: "bad id", target: "/grants/x/revoke", want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var gotID int64
			e.grants.RevokeGrantFn = func(_ context.Context, id int64) error { gotID = id; return tt.err }
			w := e.do(t, admin(), "POST", tt.target, url.Values{"csrf_token": {"csrf-test-token"}})
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc || gotID != tt.wantID {
				t.Errorf("status %d Location %q id %d, want %d %q %d", w.Code, w.Header().Get("Location"), gotID, tt.want, tt.wantLoc, tt.wantID)
			}
		})
	}
}

func TestGrantsFlash(t *testing.T) {
	e := newEnv(t)
	e.grants.ListGrantsFn = func(context.Context) ([]*inventory.Grant, error) { return nil, nil }
	body := e.do(t, admin(), "GET", "/grants?revoked=1", nil).Body.String()
	if !strings.Contains(body, "The grant is revoked.") {
		t.Error("no confirmation after revoking")
	}
}

func TestManufacturerInstalledBase(t *testing.T) {
	e := newEnv(t)
	e.orgs.FindByIDFn = func(_ context.Context, id int64) (*airtight.Organization, error) {
		return &airtight.Organization{ID: 2, Name: "Baxter Service EU", Kind: airtight.OrgManufacturer}, nil
	}
	e.grants.ListGrantsFn = func(context.Context) ([]*inventory.Grant, error) {
		return []*inventory.Grant{{ID: 3, OrgID: 1, OrgName: "St. Mary's General Hospital", GranteeOrgID: 2}}, nil
	}
	var got []inventory.DeviceFilter
	e.grants.ListInstalledBaseFn = func(_ context.Context, f inventory.DeviceFilter) (*inventory.DevicePage, error) {
		got = append(got, f)
		return &inventory.DevicePage{Devices: []*inventory.Device{sampleDevice()}}, nil
	}
	e.devices.SummarizeFn, e.devices.ListDevicesFn = nil, nil // a maker's own fleet is not shown
	maker := &airtight.Actor{OrgID: 2, Kind: airtight.ActorUser, ID: 9, Name: "Sam Vendor", Role: airtight.RoleAnalyst}

	w := e.do(t, maker, "GET", "/devices?kind=infusion-pump", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("devices: status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, s := range []string{"Installed base", "<th scope=\"col\">Hospital</th>", "St. Mary&#39;s General Hospital", `<span class="strong">BM-004211</span>`, "Detail pages stay with each hospital"} {
		if !strings.Contains(body, s) {
			t.Errorf("devices page lacks %q", s)
		}
	}
	if strings.Contains(body, `href="/devices/42"`) || strings.Contains(body, "Export CSV") {
		t.Error("installed base links to a detail page or export that does not exist for makers")
	}
	if len(got) != 1 || got[0].Kind != "infusion-pump" {
		t.Errorf("installed base filter = %+v", got)
	}

	w = e.do(t, maker, "GET", "/", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("overview: status %d:\n%s", w.Code, w.Body)
	}
	for _, s := range []string{"Installed base overview", "Hospitals", `class="kpi-value">1<`} {
		if !strings.Contains(w.Body.String(), s) {
			t.Errorf("overview lacks %q", s)
		}
	}
}

func TestHostileFieldsEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	e := newEnv(t)
	hostile := func() *inventory.Device {
		d := sampleDevice()
		d.Hostname, d.AssetTag, d.Department, d.Model, d.Kind = evil, evil, evil, evil, inventory.Kind(evil)
		return d
	}
	e.devices.FindDeviceFn = func(context.Context, int64) (*inventory.Device, error) { return hostile(), nil }
	e.devices.ListDevicesFn = func(context.Context, inventory.DeviceFilter) (*inventory.DevicePage, error) {
		return &inventory.DevicePage{Devices: []*inventory.Device{hostile()}}, nil
	}
	e.devices.SummarizeFn = func(context.Context) (*inventory.Summary, error) {
		s := sampleSummary()
		s.ByKind = append(s.ByKind, inventory.Count{Key: evil, N: 1})
		s.ByDepartment = append(s.ByDepartment, inventory.Count{Key: evil, N: 1})
		s.ByZone = append(s.ByZone, inventory.Count{Key: `"><svg onload=alert(1)>`, N: 1})
		return s, nil
	}
	for _, target := range []string{"/", "/devices", "/devices/42", "/devices?q=" + url.QueryEscape(evil)} {
		t.Run(target, func(t *testing.T) {
			w := e.do(t, admin(), "GET", target, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "<svg onload") {
				t.Error("hostile field rendered unescaped")
			}
			checkCSP(t, body)
		})
	}
}

func TestChartsGolden(t *testing.T) {
	d := buildOverview(sampleSummary())
	got := strings.Join([]string{string(d.KindChart), string(d.CritChart), string(d.ZoneChart), string(d.DeptChart)}, "\n") + "\n"
	golden := filepath.Join("testdata", "overview_charts.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./web/ -run TestChartsGolden -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("charts differ from %s (-want +got):\n%s", golden, d)
	}
	for _, s := range []string{"<title id=\"chart-kind-t\">Devices by kind</title>", "Infusion pump: 18", "Life-sustaining: 18 (45%)", "aria-labelledby"} {
		if !strings.Contains(got, s) {
			t.Errorf("charts lack %q", s)
		}
	}
}

func TestChartEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		svg  template.HTML
		want string
	}{
		{"empty bar chart", barChart("x", "s", "Empty", barNarrow, nil), "No data yet"},
		{"single slice is a full ring", donutChart("d", "One", "devices", []donutSlice{{Label: "A", Value: 3, Class: "c"}}), `<circle class="slice c"`},
		{"zero total", donutChart("d", "None", "devices", []donutSlice{{Label: "A", Class: "c"}}), ">0</text>"},
		{"long label shortened", barChart("x", "s", "T", barNarrow, []barItem{{Label: strings.Repeat("a", 50), Value: 1}}), "…</text>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(tt.svg), tt.want) {
				t.Errorf("chart lacks %q:\n%s", tt.want, tt.svg)
			}
		})
	}
	items := make([]barItem, 15)
	for i := range items {
		items[i] = barItem{Label: fmt.Sprint(i), Value: 15 - i}
	}
	top := topItems(items, 5)
	if len(top) != 5 || top[4].Label != "Other (11 more)" || top[4].Value != 66 {
		t.Errorf("topItems = %+v", top)
	}
}

func TestStatic(t *testing.T) {
	e := newEnv(t)
	u, err := e.h.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target    string
		want      int
		wantCache string
	}{
		{u, 200, "public, max-age=31536000, immutable"},
		{"/static/app.css", 200, "no-cache"},
		{"/static/app.css?v=stale", 200, "no-cache"},
		{"/static/nope.css", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w := e.do(t, nil, "GET", tt.target, nil)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if got := w.Header().Get("Cache-Control"); tt.want == 200 && got != tt.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tt.wantCache)
			}
			if tt.want == 200 && !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
				t.Errorf("Content-Type %q", w.Header().Get("Content-Type"))
			}
		})
	}
}

func TestRoutesPolicy(t *testing.T) {
	e := newEnv(t)
	public := map[string]bool{"GET /static/": true, "GET /login": true, "POST /login": true}
	for _, rt := range e.h.Routes() {
		key := rt.Method + " " + rt.Pattern
		t.Run(key, func(t *testing.T) {
			if rt.Public != public[key] {
				t.Errorf("Public = %v", rt.Public)
			}
			if rt.Handler == nil || rt.Summary == "" {
				t.Error("route lacks a handler or a summary")
			}
			if rt.Public {
				return
			}
			if len(rt.Roles) == 0 {
				t.Error("non-public route with no roles")
			}
			if slices.Contains(rt.Roles, airtight.RoleDevice) {
				t.Error("the device role may not use dashboard pages")
			}
			if rt.Method == "GET" && !rt.Page {
				t.Error("GET dashboard route is not marked Page")
			}
		})
	}
}

func TestNewRequiresServices(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New accepted an empty Config")
	}
}
