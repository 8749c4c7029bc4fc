package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/pki"
)

// sampleCerts is a known set at testNow (10 Mar 2026): one expired, two
// within 30 days, one within 90, one later this year, one revoked, one
// renewed (superseded by a newer one of the same device and profile, which
// expires after the timeline) and one factory identity that never expires.
func sampleCerts() []*pki.Certificate {
	in := func(days int) time.Time { return testNow.Add(time.Duration(days) * day) }
	c := func(serial string, dev int64, profile string, notAfter time.Time, st pki.Status) *pki.Certificate {
		return &pki.Certificate{Serial: serial, OrgID: 1, CAID: 2, DeviceID: dev, Profile: profile,
			Subject: "CN=" + serial + ",SERIALNUMBER=SN-" + serial, NotBefore: testNow.Add(-300 * day), NotAfter: notAfter, Status: st}
	}
	return []*pki.Certificate{
		c("a1", 42, pki.ProfileDeviceLDevID, in(-5), pki.StatusGood),
		c("a2", 43, pki.ProfileDeviceLDevID, in(3), pki.StatusGood),
		c("a3", 0, pki.ProfileServer, in(20), pki.StatusGood),
		c("a4", 45, pki.ProfileDeviceLDevID, in(60), pki.StatusGood),
		c("a5", 46, pki.ProfileDeviceLDevID, in(200), pki.StatusGood),
		c("a6", 47, pki.ProfileDeviceLDevID, in(100), pki.StatusRevoked),
		c("a7", 44, pki.ProfileDeviceLDevID, in(10), pki.StatusGood),
		c("a8", 44, pki.ProfileDeviceLDevID, in(400), pki.StatusGood),
		c("a9", 48, pki.ProfileDeviceIDevID, pki.IDevIDNotAfter, pki.StatusGood),
	}
}

func sampleCAs() []*pki.CA {
	return []*pki.CA{
		{ID: 1, OrgID: 1, Name: "St. Mary Root CA", Kind: pki.RootCA, Offline: true, NotAfter: testNow.Add(20 * 365 * day)},
		{ID: 2, OrgID: 1, Name: "St. Mary Device CA", Kind: pki.IssuingCA, ParentID: 1, NotAfter: testNow.Add(50 * day)},
	}
}

// certCalls serves the walk (Limit 500) with every certificate and the
// table with table, recording the table's filters.
func certCalls(e *env, all, table []*pki.Certificate, next string) *[]pki.CertificateFilter {
	var calls []pki.CertificateFilter
	e.certs.ListCAsFn = func(context.Context) ([]*pki.CA, error) { return sampleCAs(), nil }
	e.certs.ListCertificatesFn = func(_ context.Context, f pki.CertificateFilter) ([]*pki.Certificate, string, error) {
		if f.Limit == 500 {
			return all, "", nil
		}
		calls = append(calls, f)
		return table, next, nil
	}
	return &calls
}

func TestCertificatesPage(t *testing.T) {
	e := newEnv(t)
	cs := sampleCerts()
	table := []*pki.Certificate{cs[0], cs[1], cs[6], cs[2], cs[3]} // the 90-day view, soonest first
	calls := certCalls(e, cs, table, "n1")
	w := e.do(t, admin(), "GET", "/certificates", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, s := range []string{
		"<h1>Certificates</h1>", "Why certificate expiry matters", "airtight ca issue", "90, 60, 30, 7 and 3 days",
		`<span class="kpi-label">Valid</span>
    <span class="kpi-value">6</span>`,
		`<span class="kpi-label">Expiring within 30 days</span>
    <span class="kpi-value">2</span>`,
		`<span class="kpi-label">Expired</span>
    <span class="kpi-value">1</span>`,
		`<span class="kpi-label">Revoked</span>
    <span class="kpi-value">1</span>`,
		`<svg class="chart chart-timeline"`, "1 renewed.", "1 expire later than the last month shown.", "1 factory identity has no expiry date.",
		`<a class="strong" href="/devices/42">BM-004211</a>`, "CN=a1,SERIALNUMBER=SN-a1", "Device identity (LDevID)", "from St. Mary Device CA",
		"5 days ago", "in 3 days", `class="badge stage-badge stage-expired">Expired<`, `class="badge stage-badge stage-now">Renew now<`,
		`class="badge stage-badge stage-renewed">Renewed<`, `class="badge stage-badge stage-soon">Renew soon<`,
		`<option value="90d" selected>Expiring within 90 days</option>`, `href="/certificates?cursor=n1" rel="next"`,
		"St. Mary Root CA", "Root CA", "Offline", `class="badge stage-badge stage-plan">Plan renewal<`,
		`<a href="/certificates" class="nav-item is-active" aria-current="page">`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	want := []pki.CertificateFilter{{Status: pki.StatusGood, ExpiringWithin: 90 * day, Limit: 50}}
	if d := cmp.Diff(want, *calls); d != "" {
		t.Errorf("table queries (-want +got):\n%s", d)
	}
	checkCSP(t, body)

	certCalls(e, cs, cs[8:], "")
	body = e.do(t, admin(), "GET", "/certificates?show=valid", nil).Body.String()
	for _, s := range []string{"No expiry date", "factory identity", "Factory identity (IDevID)", `class="badge stage-badge stage-valid">Valid<`} {
		if !strings.Contains(body, s) {
			t.Errorf("valid view lacks %q", s)
		}
	}
}

func TestCertificateShowFilter(t *testing.T) {
	tests := []struct {
		query string
		want  pki.CertificateFilter
	}{
		{"", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 90 * day, Limit: 50}},
		{"show=30d&cursor=c1", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 30 * day, Cursor: "c1", Limit: 50}},
		{"show=365d", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 365 * day, Limit: 50}},
		{"show=expired", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: time.Nanosecond, Limit: 50}},
		{"show=valid", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 100 * 365 * day, Limit: 50}},
		{"show=revoked", pki.CertificateFilter{Status: pki.StatusRevoked, Limit: 50}},
		{"show=all", pki.CertificateFilter{Limit: 50}},
		{"show=bogus", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 90 * day, Limit: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := newEnv(t)
			calls := certCalls(e, sampleCerts(), sampleCerts()[:1], "")
			if w := e.do(t, admin(), "GET", "/certificates?"+tt.query, nil); w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			if d := cmp.Diff([]pki.CertificateFilter{tt.want}, *calls); d != "" {
				t.Errorf("table queries (-want +got):\n%s", d)
			}
		})
	}
}

func TestCertificatesEmpty(t *testing.T) {
	e := newEnv(t)
	w := e.do(t, auditor(), "GET", "/certificates", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	for _, s := range []string{"No certificates yet", "airtight ca init", "Why certificate expiry matters"} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	for _, s := range []string{"chart-timeline", `class="kpis`, "h-cas"} {
		if strings.Contains(body, s) {
			t.Errorf("empty page shows %q", s)
		}
	}
	checkCSP(t, body)
}

func TestCertificateWalk(t *testing.T) {
	tests := []struct {
		name      string
		pages     int
		wantCalls int
		truncated bool
	}{
		{"one page", 1, 1, false},
		{"three pages", 3, 3, false},
		{"capped", 1000, maxCertsCounted / 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			var cursors []string
			e.certs.ListCertificatesFn = func(_ context.Context, f pki.CertificateFilter) ([]*pki.Certificate, string, error) {
				cursors = append(cursors, f.Cursor)
				page := make([]*pki.Certificate, 500)
				for i := range page {
					page[i] = &pki.Certificate{Serial: "1", Status: pki.StatusGood, NotAfter: testNow.Add(400 * day)}
				}
				if len(cursors) < tt.pages {
					return page, "p" + strconv.Itoa(len(cursors)), nil
				}
				return page, "", nil
			}
			got, truncated, err := e.h.allCertificates(context.Background())
			if err != nil || len(cursors) != tt.wantCalls || truncated != tt.truncated || len(got) != 500*tt.wantCalls {
				t.Errorf("%d calls, %d certificates, truncated %v, err %v; want %d calls, truncated %v",
					len(cursors), len(got), truncated, err, tt.wantCalls, tt.truncated)
			}
			if tt.wantCalls > 1 && cursors[1] != "p1" {
				t.Errorf("second call cursor %q, want p1", cursors[1])
			}
		})
	}
}

func TestCertificatesErrorHidden(t *testing.T) {
	e := newEnv(t)
	e.certs.ListCAsFn = func(context.Context) ([]*pki.CA, error) { return nil, errInternal }
	w := e.do(t, admin(), "GET", "/certificates", nil)
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "John Doe") {
		t.Errorf("status %d, or the internal error text is shown", w.Code)
	}
}

func TestHostileCertificateEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	e := newEnv(t)
	cs := sampleCerts()
	cs[0].Subject, cs[0].Profile, cs[0].Serial = evil, evil, `"><svg onload=alert(1)>`
	certCalls(e, cs, cs, "")
	e.certs.ListCAsFn = func(context.Context) ([]*pki.CA, error) {
		return []*pki.CA{{ID: 2, Name: evil, Kind: pki.CAKind(evil), NotAfter: testNow}}, nil
	}
	w := e.do(t, admin(), "GET", "/certificates?show=all", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<svg onload") {
		t.Error("hostile field rendered unescaped")
	}
	checkCSP(t, body)
}

func TestTimelineGolden(t *testing.T) {
	idx := newCertIndex(sampleCerts())
	tl := newTimeline(testNow)
	for _, c := range sampleCerts() {
		tl.add(c.NotAfter, idx.stageOf(c, testNow))
	}
	got := string(tl.chart()) + "\n"
	golden := filepath.Join("testdata", "cert_timeline.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./web/ -run TestTimelineGolden -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("timeline differs from %s (-want +got):\n%s", golden, d)
	}
	for _, s := range []string{
		"Expired: 1; Mar 2026: 2; Apr 2026: 0; May 2026: 1;", "Sep 2026: 1;", "Feb 2027: 0.",
		"Mar 2026: 2 certificates (Renew now 1, Renew soon 1)", `class="tl-bar stage-expired"`, ">2027</text>",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("timeline lacks %q", s)
		}
	}
	if tl.later != 1 || tl.noExpiry != 1 {
		t.Errorf("later %d, no expiry %d; want 1, 1", tl.later, tl.noExpiry)
	}
}

func TestExpiryStage(t *testing.T) {
	tests := []struct {
		days float64
		want stage
	}{
		{-30, stageExpired}, {-0.1, stageExpired}, {0.5, stageNow}, {7, stageNow}, {7.5, stageSoon},
		{30, stageSoon}, {31, stagePlan}, {90, stagePlan}, {91, stageValid}, {3650, stageValid},
	}
	for _, tt := range tests {
		if got := expiryStage(testNow.Add(time.Duration(tt.days*float64(day))), testNow); got != tt.want {
			t.Errorf("%v days: %v, want %v", tt.days, got, tt.want)
		}
	}
}

func TestUntil(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		at   time.Time
		want string
	}{
		{testNow.Add(3 * time.Hour), "in less than a day"},
		{testNow.Add(25 * time.Hour), "in 1 day"},
		{testNow.Add(45 * day), "in 45 days"},
		{testNow.Add(200 * day), "in 6 months"},
		{testNow.Add(3 * 365 * day), "in 3 years"},
		{testNow.Add(-5 * day), "5 days ago"},
		{pki.IDevIDNotAfter, "no expiry date"},
	}
	for _, tt := range tests {
		if got := e.h.until(tt.at); got != tt.want {
			t.Errorf("until(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}
