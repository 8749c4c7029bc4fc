package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/vuln"
)

// sampleFindings are the findings of two versions: an infusion pump
// firmware (version 7) with a known-exploited device advisory and a module
// under investigation, and a monitor (version 9) with a suppressed one.
// Newest first, as the store lists them.
func sampleFindings() []*vuln.StoredFinding {
	pump := func(f *vuln.StoredFinding) *vuln.StoredFinding {
		f.OrgID, f.VersionID, f.Manufacturer, f.Model, f.Version, f.Devices = 1, 7, "Baxter", "Sigma Spectrum", "8.01.02", 2
		f.FirstSeen, f.LastSeen = testNow.Add(-72*time.Hour), testNow.Add(-time.Hour)
		return f
	}
	return []*vuln.StoredFinding{
		pump(&vuln.StoredFinding{ID: 30, Advisory: "GO-2024-0001", Aliases: []string{"CVE-2024-2222", "GHSA-abcd-efgh-ijkl"},
			Component: "pkg:golang/example.com/mod@v1.0.0", Identity: "pkg:golang/example.com/mod", Method: vuln.MethodPURL, Confidence: 1,
			Reason: "example.com/mod v1.0.0 is in the affected range < v1.2.0", Status: vuln.StatusUnderInvestigation, CVSS: 5.3, EPSS: 0.02, Fixed: "v1.2.0"}),
		pump(&vuln.StoredFinding{ID: 31, Advisory: "ICSMA-24-102-01", Aliases: []string{"CVE-2024-1111"}, Identity: "device:baxter/sigma spectrum",
			Method: vuln.MethodDevice, Confidence: 0.9, Reason: "The advisory names Baxter Sigma Spectrum versions before 8.02",
			Status: vuln.StatusAffected, CVSS: 9.8, KEV: true, EPSS: 0.94, Fixed: "8.02.00"}),
		{ID: 29, OrgID: 1, VersionID: 9, Advisory: "CVE-2023-3333", Aliases: []string{"CVE-2023-3333"}, Component: "pkg:deb/debian/openssl@1.1.1",
			Identity: "pkg:deb/debian/openssl", Method: vuln.MethodCPE, Confidence: 0.7, Reason: "CPE openssl 1.1.1 matches",
			Status: vuln.StatusNotAffected, Suppressed: true, Manufacturer: "Philips", Model: "IntelliVue MX450", Version: "J.10", Devices: 1,
			FirstSeen: testNow.Add(-48 * time.Hour)},
	}
}

func sampleRisk() []vuln.DeviceRisk {
	return []vuln.DeviceRisk{
		{DeviceID: 42, AssetTag: "BM-004211", VersionID: 7, Score: 87, KEV: true, Findings: 2,
			Explain: "ICSMA-24-102-01: KEV listed (+40), EPSS 0.94 (+19), CVSS 9.8 (+10), life-sustaining device (+15), fix available 8.02.00"},
		{DeviceID: 43, AssetTag: "BM-004212", VersionID: 7, Score: 87, KEV: true, Findings: 2,
			Explain: "ICSMA-24-102-01: KEV listed (+40), EPSS 0.94 (+19), CVSS 9.8 (+10), life-sustaining device (+15), fix available 8.02.00"},
		{DeviceID: 50, AssetTag: "MON-0008", VersionID: 9, Score: 12, Findings: 1, Explain: "CVE-2023-3333: CVSS 5.0 (+5), critical device (+10)"},
	}
}

// sampleExposure is 90 days of exposure ending on testNow's day: findings
// arrive, a KEV listing comes in, an update closes some.
func sampleExposure(days int) []vuln.ExposurePoint {
	start := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(days - 1))
	out := make([]vuln.ExposurePoint, days)
	for i := range out {
		p := vuln.ExposurePoint{Day: start.AddDate(0, 0, i)}
		switch {
		case i >= 80:
			p.Open, p.KEV = 3, 1
		case i >= 60:
			p.Open, p.KEV = 14, 2
		case i >= 20:
			p.Open = 9 + i%3
		}
		out[i] = p
	}
	return out
}

// vulnCalls installs the vulnerability fakes and records the findings
// filters asked for.
func vulnCalls(e *env, risk []vuln.DeviceRisk, fs []*vuln.StoredFinding) *[]vuln.FindingFilter {
	var calls []vuln.FindingFilter
	e.vuln.ExposureHistoryFn = func(_ context.Context, days int) ([]vuln.ExposurePoint, error) { return sampleExposure(days), nil }
	e.vuln.RiskListFn = func(_ context.Context, limit int) ([]vuln.DeviceRisk, error) {
		return risk[:min(limit, len(risk))], nil
	}
	e.vuln.ListFindingsFn = func(_ context.Context, f vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
		calls = append(calls, f)
		var out []*vuln.StoredFinding
		for _, x := range fs {
			if (f.VersionID == 0 || x.VersionID == f.VersionID) && (f.IncludeSuppressed || !x.Suppressed) && (!f.KEV || x.KEV) {
				out = append(out, x)
			}
		}
		return out, "", nil
	}
	e.vuln.ListSuppressionsFn = func(context.Context) ([]*vuln.Suppression, error) {
		return []*vuln.Suppression{{ID: 4, OrgID: 1, Identity: "pkg:deb/debian/openssl", Advisory: "CVE-2023-3333",
			Reason: "OpenSSL is only used for the local update check, which is switched off.", CreatedBy: "Dana Biomed", CreatedAt: testNow.Add(-24 * time.Hour)}}, nil
	}
	return &calls
}

func TestVulnerabilitiesPage(t *testing.T) {
	e := newEnv(t)
	calls := vulnCalls(e, sampleRisk(), sampleFindings())
	w := e.do(t, auditor(), "GET", "/vulnerabilities", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<h1>Vulnerabilities</h1>", "What these pages tell you", "<strong>Known exploited</strong> (KEV) means",
		`<a href="/vulnerabilities" class="nav-item is-active" aria-current="page">`, `class="tab is-active" href="/vulnerabilities" aria-current="page">Devices at risk<`,
		`<svg class="chart chart-exposure"`, `class="kpi-value">3<`, `class="kpi-value">1<`, `class="kpi-value">14<`,
		"Known exploited (KEV) <strong>1</strong> today", "<th scope=\"row\" class=\"nowrap\">Tue 10 Mar 2026</th>",
		`<tr id="risk-42">`, `<a class="strong" href="/devices/42">BM-004211</a>`, "Baxter Sigma Spectrum 8.01.02", "2 open findings",
		`<span class="risk-score risk-high" title="Risk score from 0 to 100">87</span>`,
		"Attackers are already exploiting CVE-2024-1111: it is on CISA&#39;s list of known exploited vulnerabilities. Updating to 8.02.00 fixes it. 1 more open finding on this device.",
		`<span class="chip">KEV listed (&#43;40)</span>`, "From <span class=\"mono\">ICSMA-24-102-01</span>",
		`<span class="finding-id mono strong">ICSMA-24-102-01</span> <span class="mono muted">CVE-2024-1111</span>`,
		`class="badge sev-badge sev-critical" title="CVSS score 9.8">Critical 9.8<`, "EPSS 94%", `Fixed in <span class="mono">8.02.00</span>`,
		`<a class="strong" href="/devices/50">MON-0008</a>`, "Showing 3 devices, riskiest first",
	)
	// MON-0008's only finding is suppressed: nothing actionable to explain.
	wantNone(t, body, "CVE-2023-3333 is", "Clear filters")
	// One findings read per product version on the page, not per device.
	want := []vuln.FindingFilter{{VersionID: 7, Limit: versionRead}, {VersionID: 9, Limit: versionRead}}
	if d := cmp.Diff(want, *calls); d != "" {
		t.Errorf("findings reads (-want +got):\n%s", d)
	}
	checkCSP(t, body)
}

func TestVulnerabilitiesFilters(t *testing.T) {
	many := make([]vuln.DeviceRisk, 30)
	for i := range many {
		many[i] = vuln.DeviceRisk{DeviceID: int64(100 + i), AssetTag: fmt.Sprintf("DEV-%02d", i), VersionID: 7, Score: 90 - i, Findings: 1, KEV: i%2 == 0}
	}
	tests := []struct {
		name       string
		query      string
		risk       []vuln.DeviceRisk
		want, not  []string
		wantScan   *vuln.FindingFilter // the severity scan, when one is expected
		wantStatus int
	}{
		{name: "known exploited only", query: "kev=1", risk: sampleRisk(),
			want: []string{"/devices/42", "/devices/43", `name="kev" value="1" id="f-kev" checked`, "Clear filters", "matching the filters"}, not: []string{"/devices/50\""}},
		{name: "one version", query: "version=9", risk: sampleRisk(),
			want: []string{"/devices/50", `<input type="hidden" name="version" value="9">`, "Only the devices of one product version"}, not: []string{"/devices/42\""}},
		{name: "severity reads the matching findings", query: "severity=critical", risk: sampleRisk(),
			want: []string{"/devices/42", `<option value="critical" selected>Critical only</option>`}, not: []string{"/devices/50\""},
			wantScan: &vuln.FindingFilter{MinSeverity: vuln.SeverityCritical, Limit: severityPageSz}},
		{name: "first page", risk: many, want: []string{"/devices/124\"", `href="/vulnerabilities?cursor=25" rel="next"`, "Showing 25 devices"},
			not: []string{"/devices/125\"", "First page"}},
		{name: "second page", query: "cursor=25", risk: many, want: []string{"/devices/125\"", "/devices/129\"", `href="/vulnerabilities">First page`, "Showing 5 devices"},
			not: []string{"/devices/124\"", "Next page"}},
		{name: "second page of a filter", query: "kev=1&cursor=10", risk: many, want: []string{"/devices/120\"", "/devices/128\"", `href="/vulnerabilities?kev=1">First page`},
			not: []string{"/devices/118\"", "/devices/121\""}},
		{name: "cursor out of range starts over", query: "cursor=99999", risk: many, want: []string{"/devices/100\""}},
		{name: "unknown severity is ignored", query: "severity=bogus", risk: sampleRisk(), want: []string{"/devices/50\""}},
		{name: "bad version", query: "version=abc", risk: sampleRisk(), wantStatus: 404},
		{name: "zero version", query: "version=0", risk: sampleRisk(), wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			calls := vulnCalls(e, tt.risk, sampleFindings())
			w := e.do(t, admin(), "GET", "/vulnerabilities?"+tt.query, nil)
			if want := max(tt.wantStatus, 200); w.Code != want {
				t.Fatalf("status %d, want %d", w.Code, want)
			}
			body := w.Body.String()
			wantAll(t, body, tt.want...)
			wantNone(t, body, tt.not...)
			scanned := len(*calls) > 0 && (*calls)[0].VersionID == 0
			if scanned != (tt.wantScan != nil) {
				t.Fatalf("severity scan = %v; calls %+v", scanned, *calls)
			}
			if tt.wantScan != nil {
				if d := cmp.Diff(*tt.wantScan, (*calls)[0]); d != "" {
					t.Errorf("scan filter (-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestVulnerabilitiesSeverityScanIsBounded(t *testing.T) {
	e := newEnv(t)
	vulnCalls(e, sampleRisk(), nil)
	var scans []vuln.FindingFilter
	e.vuln.ListFindingsFn = func(_ context.Context, f vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
		if f.VersionID != 0 {
			return sampleFindings()[:2], "", nil
		}
		scans = append(scans, f)
		return sampleFindings()[:2], fmt.Sprint(1000 - len(scans)), nil // never ends
	}
	body := e.do(t, admin(), "GET", "/vulnerabilities?severity=high", nil).Body.String()
	if len(scans) != severityPages || scans[1].Cursor != "999" || scans[0].Cursor != "" {
		t.Errorf("scans = %+v, want %d pages following the cursor", scans, severityPages)
	}
	wantAll(t, body, "The severity filter looked at the 2,000 newest findings only", "/devices/42")
	wantNone(t, body, "/devices/50\"")
}

func TestVulnerabilitiesEmptyAndErrors(t *testing.T) {
	e := newEnv(t)
	vulnCalls(e, nil, nil)
	e.vuln.ExposureHistoryFn = func(context.Context, int) ([]vuln.ExposurePoint, error) { return make([]vuln.ExposurePoint, 90), nil }
	body := e.do(t, admin(), "GET", "/vulnerabilities", nil).Body.String()
	wantAll(t, body, "No device has an open finding", "No open findings in this period", "Record versions in the inventory")
	body = e.do(t, admin(), "GET", "/vulnerabilities?kev=1", nil).Body.String()
	wantAll(t, body, "No device matches these filters")

	for name, set := range map[string]func(){
		"risk list": func() {
			e.vuln.RiskListFn = func(context.Context, int) ([]vuln.DeviceRisk, error) { return nil, errInternal }
		},
		"exposure": func() {
			e.vuln.ExposureHistoryFn = func(context.Context, int) ([]vuln.ExposurePoint, error) { return nil, errInternal }
		},
		"findings": func() {
			e.vuln.ListFindingsFn = func(context.Context, vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
				return nil, "", errInternal
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			e = newEnv(t)
			vulnCalls(e, sampleRisk(), sampleFindings())
			set()
			w := e.do(t, admin(), "GET", "/vulnerabilities", nil)
			if w.Code != 500 {
				t.Fatalf("status %d, want 500", w.Code)
			}
			wantNone(t, w.Body.String(), "John Doe", "sqlite")
		})
	}
}

func TestFindingsPage(t *testing.T) {
	e := newEnv(t)
	calls := vulnCalls(e, sampleRisk(), sampleFindings())
	w := e.do(t, admin(), "GET", "/vulnerabilities/findings?suppressed=1", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s\n%s", w.Code, w.Body, e.logs)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<h1>Findings</h1>", "Reading a finding", `class="tab is-active" href="/vulnerabilities/findings" aria-current="page">Findings<`,
		`<tr id="finding-31">`, `<span class="cell-main strong mono">ICSMA-24-102-01</span><span class="cell-sub mono">CVE-2024-1111</span>`,
		"Device model (advisory) <span class=\"muted\">· 90% sure</span>", "The advisory names Baxter Sigma Spectrum versions before 8.02",
		"Package (SBOM) <span class=\"muted\">· 100% sure</span>", `<span class="cell-sub mono">pkg:golang/example.com/mod@v1.0.0</span>`,
		"Product name (CPE)", `class="badge vstatus vstatus-affected">Affected<`, `class="badge vstatus vstatus-under-investigation">Under investigation<`,
		`class="badge vstatus vstatus-not-affected">Not affected<`, `<span class="badge vstatus-suppressed">Suppressed</span>`,
		`<tr id="finding-29" class="is-suppressed">`, `<a class="cell-sub" href="/vulnerabilities?version=7">2 devices</a>`,
		`class="badge sev-badge sev-info" title="CVSS score 0.0">Unscored<`, "EPSS 2%",
		// The suppression form of an open finding, and the unsuppress button of the suppressed one.
		`<form method="post" action="/vulnerabilities/suppressions" class="suppress-form">`,
		`<input type="hidden" name="identity" value="pkg:golang/example.com/mod">`, `<input type="hidden" name="advisory" value="GO-2024-0001">`,
		`<input type="hidden" name="return" value="suppressed=1">`, `<textarea name="reason"`,
		`action="/vulnerabilities/suppressions/4/delete"`, `name="csrf_token" value="csrf-test-token"`,
		"OpenSSL is only used for the local update check", "by Dana Biomed", `<tr id="suppression-4">`,
		"Showing 3 findings, newest first",
	)
	if n := strings.Count(body, `action="/vulnerabilities/suppressions"`); n != 2 {
		t.Errorf("%d suppress forms, want one per unsuppressed finding (2)", n)
	}
	want := vuln.FindingFilter{IncludeSuppressed: true, Limit: findingsPageSize}
	if d := cmp.Diff(want, (*calls)[0]); d != "" {
		t.Errorf("filter (-want +got):\n%s", d)
	}
	checkCSP(t, body)
}

func TestFindingsFilters(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  vuln.FindingFilter
		text  []string
		code  int
	}{
		{name: "device", query: "device=42", want: vuln.FindingFilter{DeviceID: 42, Limit: 50},
			text: []string{`Only the findings of device <a class="strong" href="/devices/42">BM-004211</a>.`, `<input type="hidden" name="device" value="42">`}},
		{name: "version and status", query: "version=7&status=affected&severity=high&kev=1&cursor=30",
			want: vuln.FindingFilter{VersionID: 7, Status: vuln.StatusAffected, MinSeverity: vuln.SeverityHigh, KEV: true, Cursor: "30", Limit: 50},
			text: []string{"Only the findings of Baxter Sigma Spectrum 8.01.02.", `<option value="affected" selected>Affected</option>`, ">First page</a>",
				`name="return" value="cursor=30&amp;kev=1&amp;severity=high&amp;status=affected&amp;version=7"`}},
		{name: "unknown status and severity are ignored", query: "status=bogus&severity=extreme", want: vuln.FindingFilter{Limit: 50}},
		{name: "bad device", query: "device=abc", code: 404},
		{name: "negative version", query: "version=-3", code: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			calls := vulnCalls(e, sampleRisk(), sampleFindings())
			w := e.do(t, admin(), "GET", "/vulnerabilities/findings?"+tt.query, nil)
			if want := max(tt.code, 200); w.Code != want {
				t.Fatalf("status %d, want %d", w.Code, want)
			}
			if tt.code != 0 {
				if len(*calls) != 0 {
					t.Errorf("the store was asked %+v for a bad filter", *calls)
				}
				return
			}
			if d := cmp.Diff(tt.want, (*calls)[0]); d != "" {
				t.Errorf("filter (-want +got):\n%s", d)
			}
			wantAll(t, w.Body.String(), tt.text...)
		})
	}
}

func TestFindingsUnknownDeviceIs404(t *testing.T) {
	e := newEnv(t)
	vulnCalls(e, nil, nil)
	e.vuln.ListFindingsFn = func(context.Context, vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
		return nil, "", airtight.Errorf(airtight.ENotFound, "device not found")
	}
	if w := e.do(t, admin(), "GET", "/vulnerabilities/findings?device=999", nil); w.Code != 404 {
		t.Errorf("status %d, want 404", w.Code)
	}
}

func TestFindingsReadOnlyForAuditors(t *testing.T) {
	e := newEnv(t)
	vulnCalls(e, sampleRisk(), sampleFindings())
	body := e.do(t, auditor(), "GET", "/vulnerabilities/findings?suppressed=1", nil).Body.String()
	wantAll(t, body, "ICSMA-24-102-01", "OpenSSL is only used", "Your role can read findings but not suppress them")
	wantNone(t, body, `action="/vulnerabilities/suppressions`, `name="reason"`, `<span class="sr-only">Actions</span>`)
}

func TestSuppress(t *testing.T) {
	full := url.Values{"identity": {"pkg:golang/example.com/mod"}, "advisory": {"GO-2024-0001"}, "reason": {"  not linked into the firmware "},
		"return": {"kev=1&version=7&cursor=30&bogus=1"}}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for kk, vv := range full {
			out[kk] = vv
		}
		out.Set(k, v)
		return out
	}
	tests := []struct {
		name     string
		actor    *airtight.Actor
		form     url.Values
		err      error
		want     int
		wantLoc  string
		wantCall bool
	}{
		{name: "suppress, back to the same page", form: full, want: 303, wantLoc: "/vulnerabilities/findings?cursor=30&kev=1&version=7&done=suppressed", wantCall: true},
		{name: "by biomed", actor: biomed(), form: full, want: 303, wantLoc: "/vulnerabilities/findings?cursor=30&kev=1&version=7&done=suppressed", wantCall: true},
		{name: "no reason", form: with("reason", "   "), want: 303, wantLoc: "/vulnerabilities/findings?cursor=30&kev=1&version=7&error=reason"},
		{name: "reason too long", form: with("reason", strings.Repeat("x", 2001)), want: 303, wantLoc: "/vulnerabilities/findings?cursor=30&kev=1&version=7&error=reason"},
		{name: "no advisory", form: with("advisory", ""), want: 400},
		{name: "two-line identity", form: with("identity", "a\nb"), want: 400},
		{name: "hostile return falls back", form: with("return", "device=x&status=<script>"), want: 303, wantLoc: "/vulnerabilities/findings?done=suppressed", wantCall: true},
		{name: "already suppressed", form: full, err: airtight.Errorf(airtight.EConflict, "already"), want: 303,
			wantLoc: "/vulnerabilities/findings?cursor=30&kev=1&version=7&error=conflict", wantCall: true},
		{name: "internal error is hidden", form: full, err: errInternal, want: 500, wantCall: true},
		{name: "auditor refused", actor: auditor(), form: full, want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got *vuln.Suppression
			e.vuln.SuppressFn = func(_ context.Context, s *vuln.Suppression) error { got = s; return tt.err }
			actor := tt.actor
			if actor == nil {
				actor = analyst()
			}
			form := url.Values{"csrf_token": {"csrf-test-token"}}
			for k, v := range tt.form {
				form[k] = v
			}
			w := e.do(t, actor, "POST", "/vulnerabilities/suppressions", form)
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc {
				t.Fatalf("status %d Location %q, want %d %q", w.Code, w.Header().Get("Location"), tt.want, tt.wantLoc)
			}
			if (got != nil) != tt.wantCall {
				t.Fatalf("Suppress called = %v, want %v", got != nil, tt.wantCall)
			}
			if got != nil && (got.Identity != "pkg:golang/example.com/mod" || got.Advisory != "GO-2024-0001" || got.Reason != "not linked into the firmware") {
				t.Errorf("suppression = %+v", got)
			}
			wantNone(t, w.Body.String(), "John Doe")
		})
	}
}

func TestUnsuppress(t *testing.T) {
	tests := []struct {
		name     string
		actor    *airtight.Actor
		target   string
		err      error
		want     int
		wantLoc  string
		wantCall bool
	}{
		{name: "lift", target: "/vulnerabilities/suppressions/4/delete", want: 303, wantLoc: "/vulnerabilities/findings?suppressed=1&done=unsuppressed", wantCall: true},
		{name: "bad id", target: "/vulnerabilities/suppressions/abc/delete", want: 404},
		{name: "unknown id", target: "/vulnerabilities/suppressions/77/delete", err: airtight.Errorf(airtight.ENotFound, "suppression not found"), want: 404, wantCall: true},
		{name: "auditor refused", actor: auditor(), target: "/vulnerabilities/suppressions/4/delete", want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			called := false
			e.vuln.UnsuppressFn = func(_ context.Context, id int64) error { called = true; return tt.err }
			actor := tt.actor
			if actor == nil {
				actor = admin()
			}
			w := e.do(t, actor, "POST", tt.target, url.Values{"csrf_token": {"csrf-test-token"}, "return": {"suppressed=1"}})
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc || called != tt.wantCall {
				t.Fatalf("status %d Location %q called %v, want %d %q %v", w.Code, w.Header().Get("Location"), called, tt.want, tt.wantLoc, tt.wantCall)
			}
		})
	}
}

func TestFindingFlash(t *testing.T) {
	tests := []struct{ query, flash, errText string }{
		{query: "done=suppressed", flash: "Suppressed. The finding is hidden"},
		{query: "done=unsuppressed", flash: "Suppression lifted."},
		{query: "error=reason", errText: "Nothing was suppressed: say why"},
		{query: "error=conflict", errText: "already suppressed on this component"},
		{query: "done=%3Cscript%3E&error=whatever"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := newEnv(t)
			vulnCalls(e, nil, nil)
			body := e.do(t, admin(), "GET", "/vulnerabilities/findings?"+tt.query, nil).Body.String()
			if got := strings.Contains(body, `class="flash"`); got != (tt.flash != "") {
				t.Errorf("flash shown = %v", got)
			}
			if got := strings.Contains(body, `flash-error`); got != (tt.errText != "") {
				t.Errorf("error flash shown = %v", got)
			}
			wantAll(t, body, tt.flash, tt.errText)
			wantNone(t, body, "<script>", "whatever")
		})
	}
}

// samplePlan is a plan riskiest first, as the store lists it: the pump
// firmware with two fixed versions in different states, then the monitor.
func samplePlan() []*vuln.PlanEntry {
	pump := func(e *vuln.PlanEntry) *vuln.PlanEntry {
		e.OrgID, e.VersionID, e.Manufacturer, e.Model, e.Version, e.Devices = 1, 7, "Baxter", "Sigma Spectrum", "8.01.02", 2
		return e
	}
	return []*vuln.PlanEntry{
		pump(&vuln.PlanEntry{ID: 11, Fixed: "8.02.00", State: vuln.PlanOpen, Advisories: []string{"ICSMA-24-102-01"}, KEV: true, Top: 87,
			Explain: "ICSMA-24-102-01 on BM-004211: KEV listed (+40), EPSS 0.94 (+19)"}),
		{ID: 14, OrgID: 1, VersionID: 9, Manufacturer: "Philips", Model: "IntelliVue MX450", Version: "J.10", Devices: 1, Fixed: "", State: vuln.PlanVerified,
			Top: 40, Advisories: []string{}},
		pump(&vuln.PlanEntry{ID: 12, Fixed: "v1.2.0", State: vuln.PlanPlanned, Advisories: []string{"A-1", "A-2", "A-3", "A-4", "A-5", "A-6", "A-7", "A-8", "A-9", "A-10"},
			Top: 33, Assignee: "Sam Biomed", Note: "Ward 3 on 14 March,\nvendor ticket 5512", UpdatedBy: "Dana Biomed", UpdatedAt: testNow.Add(-time.Hour)}),
		{ID: 13, OrgID: 1, VersionID: 9, Manufacturer: "Philips", Model: "IntelliVue MX450", Version: "J.10", Devices: 1, Fixed: "J.12", State: vuln.PlanPatched,
			Top: 20, Advisories: []string{"CVE-2023-3333"}},
	}
}

func TestPatchPlanPage(t *testing.T) {
	e := newEnv(t)
	e.vuln.PlanFn = func(context.Context) ([]*vuln.PlanEntry, error) { return samplePlan(), nil }
	w := e.do(t, biomed(), "GET", "/patch-plan", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<h1>Patch plan</h1>", "How the plan works", `class="tab is-active" href="/patch-plan" aria-current="page">Patch plan<`,
		`<a href="/vulnerabilities" class="nav-item is-active" aria-current="page">`,
		`class="tab is-active" href="/patch-plan" aria-current="page">All (4)<`, `href="/patch-plan?state=planned">Planned (1)<`,
		`<h2 id="h-version-7">Baxter Sigma Spectrum <span class="mono">8.01.02</span></h2>`,
		`<a class="strong" href="/vulnerabilities?version=7">2 devices</a>`, `<a href="/vulnerabilities/findings?version=7">its findings</a>`,
		`Update to <span class="mono strong">8.02.00</span>`, `class="badge plan-open">Open<`, `class="badge plan-planned">Planned<`,
		`<span class="chip mono">A-8</span><span class="chip">and 2 more</span>`, "Sam Biomed", "vendor ticket 5512",
		"Last changed 10 Mar 2026 11:00 UTC by Dana Biomed", "No fixed version known", "No open findings left for this update.",
		`<span class="chip">KEV listed (&#43;40)</span>`,
		`action="/patch-plan/11/state"`, `action="/patch-plan/11/assign"`, `id="f-assignee-12" value="Sam Biomed"`,
		`name="csrf_token" value="csrf-test-token"`,
	)
	wantNone(t, body, `<span class="chip mono">A-9</span>`)
	// The riskiest version comes first, each entry under its version.
	if i, j, k := strings.Index(body, `id="plan-11"`), strings.Index(body, `id="plan-12"`), strings.Index(body, `id="version-9"`); !(i < j && j < k) {
		t.Errorf("order: plan-11 at %d, plan-12 at %d, version 9 at %d; want the pump's entries first", i, j, k)
	}
	// Only the allowed moves are offered.
	for id, want := range map[int64][]string{11: {"planned"}, 12: {"patched", "open"}, 13: {"verified", "open"}, 14: {"open"}} {
		entry := body[strings.Index(body, fmt.Sprintf(`id="plan-%d"`, id)):]
		entry = entry[:strings.Index(entry, "</article>")]
		var got []string
		for _, s := range []string{"open", "planned", "patched", "verified"} {
			if strings.Contains(entry, `name="state" value="`+s+`"`) {
				got = append(got, s)
			}
		}
		if d := cmp.Diff(want, got, cmpSorted); d != "" {
			t.Errorf("entry %d moves (-want +got):\n%s", id, d)
		}
	}
	checkCSP(t, body)
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestPatchPlanTabsAndAuditor(t *testing.T) {
	e := newEnv(t)
	e.vuln.PlanFn = func(context.Context) ([]*vuln.PlanEntry, error) { return samplePlan(), nil }
	body := e.do(t, auditor(), "GET", "/patch-plan?state=planned", nil).Body.String()
	wantAll(t, body, `id="plan-12"`, `class="tab is-active" href="/patch-plan?state=planned" aria-current="page">Planned (1)<`,
		"Your role can read the plan but not change it")
	wantNone(t, body, `id="plan-11"`, `id="version-9"`, `action="/patch-plan/`, `name="assignee"`)

	body = e.do(t, admin(), "GET", "/patch-plan?state=verified", nil).Body.String()
	wantAll(t, body, `id="plan-14"`, `<input type="hidden" name="return" value="state=verified">`)
	e.vuln.PlanFn = func(context.Context) ([]*vuln.PlanEntry, error) { return nil, nil }
	wantAll(t, e.do(t, admin(), "GET", "/patch-plan", nil).Body.String(), "Nothing to patch")
	e.vuln.PlanFn = func(context.Context) ([]*vuln.PlanEntry, error) { return nil, errInternal }
	if w := e.do(t, admin(), "GET", "/patch-plan", nil); w.Code != 500 {
		t.Errorf("status %d, want 500", w.Code)
	}
}

func TestPatchPlanBounded(t *testing.T) {
	var es []*vuln.PlanEntry
	for i := range planGroupsShown + 5 {
		es = append(es, &vuln.PlanEntry{ID: int64(i + 1), VersionID: int64(i + 1), Model: fmt.Sprintf("M%d", i), State: vuln.PlanOpen, Advisories: []string{"A"}})
	}
	d := buildPlan(es, "")
	if len(d.Groups) != planGroupsShown || d.More != 5 || d.Total != planGroupsShown+5 {
		t.Errorf("%d groups, %d more, total %d", len(d.Groups), d.More, d.Total)
	}
}

func TestSetPlanState(t *testing.T) {
	tests := []struct {
		name     string
		actor    *airtight.Actor
		target   string
		state    string
		ret      string
		err      error
		want     int
		wantLoc  string
		wantCall bool
	}{
		{name: "plan", target: "/patch-plan/11/state", state: "planned", want: 303, wantLoc: "/patch-plan?done=planned", wantCall: true},
		{name: "patched by biomed, same tab", actor: biomed(), target: "/patch-plan/12/state", state: "patched", ret: "state=planned",
			want: 303, wantLoc: "/patch-plan?state=planned&done=patched", wantCall: true},
		{name: "refused move is an error flash", actor: analyst(), target: "/patch-plan/11/state", state: "verified",
			err: airtight.Errorf(airtight.EConflict, "a plan entry cannot go from open to verified"), want: 303, wantLoc: "/patch-plan?error=move", wantCall: true},
		{name: "unknown state", target: "/patch-plan/11/state", state: "done", want: 400},
		{name: "bad id", target: "/patch-plan/x/state", state: "planned", want: 404},
		{name: "unknown id", target: "/patch-plan/99/state", state: "planned", err: airtight.Errorf(airtight.ENotFound, "plan entry not found"), want: 404, wantCall: true},
		{name: "internal error is hidden", target: "/patch-plan/11/state", state: "planned", err: errInternal, want: 500, wantCall: true},
		{name: "auditor refused", actor: auditor(), target: "/patch-plan/11/state", state: "planned", want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got *vuln.PlanUpdate
			e.vuln.SetPlanStateFn = func(_ context.Context, id int64, u vuln.PlanUpdate) (*vuln.PlanEntry, error) {
				got = &u
				return &vuln.PlanEntry{ID: id}, tt.err
			}
			actor := tt.actor
			if actor == nil {
				actor = admin()
			}
			w := e.do(t, actor, "POST", tt.target, url.Values{"csrf_token": {"csrf-test-token"}, "state": {tt.state}, "return": {tt.ret}})
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc {
				t.Fatalf("status %d Location %q, want %d %q", w.Code, w.Header().Get("Location"), tt.want, tt.wantLoc)
			}
			if (got != nil) != tt.wantCall {
				t.Fatalf("SetPlanState called = %v, want %v", got != nil, tt.wantCall)
			}
			if got != nil && (got.State == nil || string(*got.State) != tt.state || got.Assignee != nil || got.Note != nil) {
				t.Errorf("update = %+v, want state %q only", got, tt.state)
			}
			wantNone(t, w.Body.String(), "John Doe")
		})
	}
}

func TestAssignPlan(t *testing.T) {
	tests := []struct {
		name              string
		actor             *airtight.Actor
		assignee, note    string
		want              int
		wantLoc           string
		wantWho, wantNote *string
	}{
		{name: "assign with a note", assignee: "  Sam Biomed ", note: "Ward 3 on 14 March\r\nticket 5512 ", want: 303, wantLoc: "/patch-plan?done=saved",
			wantWho: ptr("Sam Biomed"), wantNote: ptr("Ward 3 on 14 March\nticket 5512")},
		{name: "clear both", want: 303, wantLoc: "/patch-plan?done=saved", wantWho: ptr(""), wantNote: ptr("")},
		{name: "assignee too long", assignee: strings.Repeat("a", 201), want: 303, wantLoc: "/patch-plan?error=assignee"},
		{name: "assignee on two lines", assignee: "Sam\nBiomed", want: 303, wantLoc: "/patch-plan?error=assignee"},
		{name: "note too long", note: strings.Repeat("n", 4001), want: 303, wantLoc: "/patch-plan?error=note"},
		{name: "auditor refused", actor: auditor(), assignee: "Ada", want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var got *vuln.PlanUpdate
			e.vuln.SetPlanStateFn = func(_ context.Context, id int64, u vuln.PlanUpdate) (*vuln.PlanEntry, error) {
				got = &u
				return &vuln.PlanEntry{ID: id}, nil
			}
			actor := tt.actor
			if actor == nil {
				actor = admin()
			}
			w := e.do(t, actor, "POST", "/patch-plan/12/assign", url.Values{"csrf_token": {"csrf-test-token"}, "assignee": {tt.assignee}, "note": {tt.note}})
			if w.Code != tt.want || w.Header().Get("Location") != tt.wantLoc {
				t.Fatalf("status %d Location %q, want %d %q", w.Code, w.Header().Get("Location"), tt.want, tt.wantLoc)
			}
			switch {
			case tt.wantWho == nil && got != nil:
				t.Errorf("SetPlanState called with %+v", got)
			case tt.wantWho != nil && (got == nil || got.State != nil || got.Assignee == nil || *got.Assignee != *tt.wantWho || got.Note == nil || *got.Note != *tt.wantNote):
				t.Errorf("update = %+v, want assignee %q and note %q only", got, *tt.wantWho, *tt.wantNote)
			}
		})
	}
}

func TestPlanFlash(t *testing.T) {
	tests := []struct{ query, flash, errText string }{
		{query: "done=planned", flash: "Update planned."},
		{query: "done=verified", flash: "Marked as verified."},
		{query: "done=saved", flash: "Assignee and note saved."},
		{query: "error=move", errText: "That move is not allowed, so nothing was changed."},
		{query: "error=note", errText: "at most 4,000 characters"},
		{query: "done=%3Cscript%3E&error=whatever"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := newEnv(t)
			e.vuln.PlanFn = func(context.Context) ([]*vuln.PlanEntry, error) { return samplePlan(), nil }
			body := e.do(t, admin(), "GET", "/patch-plan?"+tt.query, nil).Body.String()
			if got := strings.Contains(body, `class="flash"`); got != (tt.flash != "") {
				t.Errorf("flash shown = %v", got)
			}
			if got := strings.Contains(body, `flash-error`); got != (tt.errText != "") {
				t.Errorf("error flash shown = %v", got)
			}
			wantAll(t, body, tt.flash, tt.errText)
			wantNone(t, body, "<script>", "whatever")
		})
	}
}

func TestMovesFrom(t *testing.T) {
	all := []vuln.PlanState{vuln.PlanOpen, vuln.PlanPlanned, vuln.PlanPatched, vuln.PlanVerified}
	for _, from := range append(all, "bogus") {
		var got []vuln.PlanState
		for _, m := range movesFrom(from) {
			got = append(got, m.State)
		}
		var want []vuln.PlanState
		for _, to := range all {
			if to != from && from.CanMove(to) {
				want = append(want, to)
			}
		}
		if d := cmp.Diff(want, got, cmp.Transformer("set", func(s []vuln.PlanState) map[vuln.PlanState]bool {
			m := map[vuln.PlanState]bool{}
			for _, x := range s {
				m[x] = true
			}
			return m
		})); d != "" {
			t.Errorf("moves from %q (-want +got):\n%s", from, d)
		}
	}
	if n := len(movesFrom(vuln.PlanOpen)); n != 1 {
		t.Errorf("an open entry offers %d moves, want 1 (planned)", n)
	}
}

func TestDeviceVulnerabilities(t *testing.T) {
	e := newEnv(t)
	var got vuln.FindingFilter
	e.vuln.ListFindingsFn = func(_ context.Context, f vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
		got = f
		return sampleFindings()[:2], "", nil
	}
	body := e.do(t, admin(), "GET", "/devices/42", nil).Body.String()
	if d := cmp.Diff(vuln.FindingFilter{DeviceID: 42, Limit: deviceVulnsRead}, got); d != "" {
		t.Errorf("filter (-want +got):\n%s", d)
	}
	wantAll(t, body, `<h2 id="h-vulns">Vulnerabilities</h2>`, "ICSMA-24-102-01", `class="badge kev-badge"`,
		`class="badge vstatus vstatus-affected">Affected<`, `class="badge vstatus vstatus-under-investigation">Under investigation<`,
		"Findings that need action: 2 of 2.", `<a href="/vulnerabilities/findings?device=42">All findings of this device</a>`)
	// The known-exploited finding comes first.
	if strings.Index(body, "ICSMA-24-102-01") > strings.Index(body, "GO-2024-0001") {
		t.Error("the known-exploited finding is not first")
	}
	checkCSP(t, body)

	var many []*vuln.StoredFinding
	for i := range 30 {
		many = append(many, &vuln.StoredFinding{ID: int64(i + 1), Advisory: fmt.Sprintf("ADV-%02d", i), Status: vuln.StatusAffected, CVSS: float64(i) / 3})
	}
	e.vuln.ListFindingsFn = func(context.Context, vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) { return many, "", nil }
	body = e.do(t, admin(), "GET", "/devices/42", nil).Body.String()
	if n := strings.Count(body, `<tr id="finding-`); n != deviceVulnsShown {
		t.Errorf("%d findings shown, want %d", n, deviceVulnsShown)
	}
	wantAll(t, body, "ADV-29", "Only the 10 most urgent are shown", "30 of 30")
	wantNone(t, body, "ADV-19<")

	e.vuln.ListFindingsFn = func(context.Context, vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
		return nil, "", errInternal
	}
	w := e.do(t, admin(), "GET", "/devices/42", nil)
	if w.Code != 200 {
		t.Fatalf("status %d: failing findings must not hide the device", w.Code)
	}
	wantAll(t, w.Body.String(), "BM-004211", "The vulnerabilities could not be loaded")
	e.vuln.ListFindingsFn = func(context.Context, vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) { return nil, "", nil }
	wantAll(t, e.do(t, admin(), "GET", "/devices/42", nil).Body.String(), "No known vulnerability in this device")
}

func TestHostileVulnEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	e := newEnv(t)
	fs := sampleFindings()
	for _, f := range fs {
		f.Advisory, f.Aliases, f.Component, f.Identity, f.Reason = evil, []string{"CVE-" + evil}, evil, `"><svg onload=alert(1)>`, evil
		f.Manufacturer, f.Model, f.Version, f.Fixed, f.Status, f.Method = evil, evil, evil, evil, vuln.Status(evil), vuln.Method(evil)
	}
	risk := sampleRisk()
	for i := range risk {
		risk[i].AssetTag, risk[i].Explain = evil, evil+": "+evil
	}
	vulnCalls(e, risk, fs)
	e.vuln.ListSuppressionsFn = func(context.Context) ([]*vuln.Suppression, error) {
		return []*vuln.Suppression{{ID: 1, Identity: evil, Advisory: evil, Reason: evil, CreatedBy: evil}}, nil
	}
	plan := samplePlan()
	for _, p := range plan {
		p.Manufacturer, p.Model, p.Version, p.Fixed, p.Assignee, p.Note, p.Explain, p.UpdatedBy = evil, evil, evil, evil, evil, evil, evil, evil
		p.Advisories, p.State = []string{evil}, vuln.PlanState(evil)
	}
	e.vuln.PlanFn = func(context.Context) ([]*vuln.PlanEntry, error) { return plan, nil }
	for _, target := range []string{"/vulnerabilities", "/vulnerabilities/findings?suppressed=1", "/patch-plan", "/devices/42"} {
		w := e.do(t, admin(), "GET", target, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", target, w.Code)
		}
		wantNone(t, w.Body.String(), "<script>alert", "<svg onload")
		checkCSP(t, w.Body.String())
	}
}

// The exposure chart is drawn the same way every time; the golden file
// shows it.
func TestExposureChartGolden(t *testing.T) {
	got := string(exposureChart(sampleExposure(exposureDays)).Chart) + "\n"
	golden := filepath.Join("testdata", "vuln_exposure.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./web/ -run TestExposureChartGolden -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("chart differs from %s (-want +got):\n%s", golden, d)
	}
	wantAll(t, got, `<title id="chart-exposure-t">Open findings at the end of each day, last 90 days (UTC)</title>`,
		"10 Mar 2026: 3 open findings, 1 of them known exploited. Highest: 14 on 9 Feb 2026. 11 Dec 2025: 0 open findings.",
		"<title>10 Mar 2026: 3 open findings (1 known exploited)</title>", `>3 open</text>`, `>10 Mar</text>`, `>23 Feb</text>`, `>25 Dec</text>`)
	if n := strings.Count(got, `<g class="ex-day">`); n != exposureDays {
		t.Errorf("%d day columns, want %d", n, exposureDays)
	}
}

func TestExposureChartEdges(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		points []vuln.ExposurePoint
		want   []string
	}{
		{name: "no data", want: []string{"No data.", "No open findings in this period"}},
		{name: "all zero", points: make([]vuln.ExposurePoint, 3), want: []string{"No open findings in this period"}},
		{name: "one day", points: []vuln.ExposurePoint{{Day: day, Open: 5, KEV: 2}}, want: []string{">5 open</text>", `<path class="ex-line" d="M48 47L54 47"/>`, `<path class="ex-area vuln-kev" d="M48 146L54 146L54 212L48 212Z"/>`}},
		{name: "KEV above open is clamped", points: []vuln.ExposurePoint{{Day: day, Open: 1, KEV: 9}, {Day: day.AddDate(0, 0, 1), Open: -4}},
			want: []string{"(1 known exploited)", "0 open findings (0 known exploited)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := exposureChart(tt.points)
			wantAll(t, string(f.Chart), tt.want...)
			for _, r := range f.Rows {
				if r.KEV+r.Other != r.Open || r.KEV < 0 || r.Other < 0 {
					t.Errorf("row %+v does not add up", r)
				}
			}
		})
	}
}

func TestNiceScale(t *testing.T) {
	tests := []struct{ peak, step, top int }{
		{1, 1, 1}, {3, 1, 3}, {4, 1, 4}, {5, 2, 6}, {14, 5, 15}, {40, 10, 40}, {41, 20, 60}, {999, 500, 1000}, {1234, 500, 1500},
	}
	for _, tt := range tests {
		step, top := niceScale(tt.peak)
		if step != tt.step || top != tt.top {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d", tt.peak, step, top, tt.step, tt.top)
		}
		if top < tt.peak || top/step > exTicks+1 {
			t.Errorf("niceScale(%d): top %d step %d do not cover the peak in a few ticks", tt.peak, top, step)
		}
	}
}

func TestExplainAndNames(t *testing.T) {
	adv, parts := splitExplain("ICSMA-1 on PUMP-1: KEV listed (+40), CVSS 9.8 (+10), fix available 2.0")
	if adv != "ICSMA-1 on PUMP-1" || !cmp.Equal(parts, []string{"KEV listed (+40)", "CVSS 9.8 (+10)", "fix available 2.0"}) {
		t.Errorf("splitExplain = %q %q", adv, parts)
	}
	if adv, parts := splitExplain(""); adv != "" || parts != nil {
		t.Errorf("empty explanation = %q %q", adv, parts)
	}
	f := &vuln.StoredFinding{Advisory: "CVE-2024-1", Aliases: []string{"GHSA-x", "CVE-2024-2", "CVE-2024-1", "CVE-2024-2"}}
	if got := cveIDs(f); !cmp.Equal(got, []string{"CVE-2024-1", "CVE-2024-2"}) {
		t.Errorf("cveIDs = %q", got)
	}
	if got := otherCVEs(f); !cmp.Equal(got, []string{"CVE-2024-2"}) {
		t.Errorf("otherCVEs = %q", got)
	}
	if got := cveOrID(&vuln.StoredFinding{Advisory: "GO-1"}); got != "GO-1" {
		t.Errorf("cveOrID = %q", got)
	}
	for _, tt := range []struct {
		score float64
		label string
	}{{0, "Unscored"}, {0.1, "Low"}, {3.9, "Low"}, {4, "Medium"}, {7, "High"}, {8.9, "High"}, {9, "Critical"}, {10, "Critical"}} {
		if got := cvssLabel(tt.score); got != tt.label {
			t.Errorf("cvssLabel(%v) = %q, want %q", tt.score, got, tt.label)
		}
	}
	for p, want := range map[float64]string{0: "0%", 0.004: "<1%", 0.02: "2%", 0.945: "95%", 1: "100%"} {
		if got := epssPct(p); got != want {
			t.Errorf("epssPct(%v) = %q, want %q", p, got, want)
		}
	}
}

func TestPlainRisk(t *testing.T) {
	r := vuln.DeviceRisk{Findings: 1}
	tests := []struct {
		name string
		f    vuln.StoredFinding
		want string
	}{
		{"known exploited with a fix", vuln.StoredFinding{Advisory: "ICSMA-1", Aliases: []string{"CVE-1"}, KEV: true, Fixed: "2.0"},
			"Attackers are already exploiting CVE-1: it is on CISA's list of known exploited vulnerabilities. Updating to 2.0 fixes it."},
		{"likely exploited, no fix", vuln.StoredFinding{Advisory: "GO-1", EPSS: 0.31, CVSS: 5},
			"GO-1 is likely to be exploited soon: a 31% chance within 30 days (EPSS). No fixed version is known: limit the device's network access and ask the maker for a mitigation."},
		{"scored", vuln.StoredFinding{Advisory: "GO-2", CVSS: 7.5, Fixed: "1.1"}, "GO-2 is a high-severity weakness (CVSS 7.5). Updating to 1.1 fixes it."},
		{"unscored", vuln.StoredFinding{Advisory: "GO-3", Fixed: "1.1"}, "GO-3 has no severity score yet; treat it as medium until the maker says otherwise. Updating to 1.1 fixes it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainRisk(r, []*vuln.StoredFinding{&tt.f}); got != tt.want {
				t.Errorf("plainRisk =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	if got := plainRisk(vuln.DeviceRisk{Findings: 3}, []*vuln.StoredFinding{{Advisory: "A", CVSS: 5, Fixed: "2"}}); !strings.HasSuffix(got, " 2 more open findings on this device.") {
		t.Errorf("plainRisk with more findings = %q", got)
	}
	if got := plainRisk(r, nil); got != "" {
		t.Errorf("plainRisk without findings = %q", got)
	}
}

func TestNewRequiresVuln(t *testing.T) {
	e := newEnv(t)
	cfg := e.h.cfg
	cfg.Vuln = nil
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "Config.Vuln") {
		t.Errorf("New without Vuln: %v", err)
	}
}
