package web_test

// The browser test drives headless Chromium through the whole server:
// sqlstore, httpapi (sessions, CSRF, security headers) and this package's
// pages. It skips when Chromium is missing, unless AIRTIGHT_TEST_BROWSER is
// "required". Screenshots go to AIRTIGHT_SCREENSHOTS, or a new temporary
// directory that is kept and logged.

import (
	"context"
	"fmt"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/keyfile"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/web"
)

const (
	browserEmail    = "dana@st-mary.example"
	browserPassword = "correct horse battery staple"
)

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("AIRTIGHT_TEST_BROWSER") == "required" {
		t.Fatal("chromium not found and AIRTIGHT_TEST_BROWSER=required")
	}
	t.Skip("chromium not found (set AIRTIGHT_TEST_BROWSER=required to fail instead)")
	return ""
}

// startServer builds the whole server on a fresh SQLite database with one
// hospital, one admin and 20 devices.
func startServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	org := &airtight.Organization{Slug: "st-mary", Name: "St. Mary's General Hospital", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	sys := airtight.NewContext(ctx, airtight.SystemActor(org.ID, "browser-test"))
	hash, err := argon2id.Hash(browserPassword, argon2id.Fast)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(sys, &auth.User{Email: browserEmail, Name: "Dana Okafor", Role: airtight.RoleAdmin, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportDevices(sys, seedRecords()); err != nil {
		t.Fatal(err)
	}
	seedAlert(t, sys, db)

	deferred := &web.DeferredAuth{}
	h, err := web.New(web.Config{Devices: db, Manufacturers: db, Grants: db, Orgs: db, Audit: db, Alerts: db, Certs: db,
		Auth: deferred, Version: "browser-test"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.New(httpapi.Config{Pages: h.Routes(), PasswordParams: argon2id.Fast, Version: "browser-test"},
		httpapi.Services{Orgs: db, Manufacturers: db, Products: db, Versions: db, Devices: db, Grants: db,
			Users: db, Tokens: db, Sessions: db, Audit: db, Alerts: db, Incidents: db, Ready: db.Ping,
			PKI: pki.NewAuthority(db, browserKeys(t)), PKIStore: db})
	if err != nil {
		t.Fatal(err)
	}
	deferred.Authenticator = srv
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// seedAlert raises one certificate-expiry alert on device BM-0003, as the
// expiry watch would.
func seedAlert(t *testing.T, ctx context.Context, db *sqlstore.DB) {
	t.Helper()
	p, err := db.ListDevices(ctx, inventory.DeviceFilter{Query: "BM-0003", Limit: 1})
	if err != nil || len(p.Devices) != 1 {
		t.Fatalf("find BM-0003: %v", err)
	}
	_, _, err = db.Raise(ctx, &alert.Alert{
		Source: "pki", Kind: "certificate.expiry", Key: "pki.expiry:1:5f3a", Severity: alert.High, DeviceID: p.Devices[0].ID,
		Title:    "Device certificate expires within 7 days",
		Summary:  "A device uses this certificate to prove who it is on the network. Once it expires, the device can be refused by the systems it talks to (PACS, interface engines, Wi-Fi), which can interrupt clinical work.",
		Action:   "Renew the certificate before it expires: the device re-enrolls over EST (simplereenroll), or issue a new one with 'airtight ca issue'. Renewing closes this alert.",
		Evidence: []byte(`{"serial":"5f3a","profile":"device-ldevid","not_after":"2026-03-17T00:00:00Z"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func seedRecords() []inventory.Record {
	models := []struct {
		mfr, model string
		kind       inventory.Kind
		crit       inventory.Criticality
		dept, zone string
	}{
		{"Baxter", "Sigma Spectrum", "infusion-pump", inventory.LifeSustaining, "ICU", "clinical-vlan-10"},
		{"Philips", "IntelliVue MX450", "patient-monitor", inventory.LifeSupporting, "ICU", "clinical-vlan-10"},
		{"Siemens Healthineers", "SOMATOM go.Top", "ct-scanner", inventory.Diagnostic, "Radiology", "imaging-vlan-20"},
		{"Dräger", "Evita V800", "ventilator", inventory.LifeSustaining, "ICU", "clinical-vlan-10"},
		{"HP", "LaserJet M507", "printer", inventory.Administrative, "Emergency", "corp-lan"},
	}
	statuses := []inventory.Status{inventory.StatusActive, inventory.StatusActive, inventory.StatusActive, inventory.StatusMaintenance, inventory.StatusQuarantined}
	var recs []inventory.Record
	for i := 1; i <= 20; i++ {
		m := models[i%len(models)]
		recs = append(recs, inventory.Record{
			Manufacturer: m.mfr, Model: m.model, Kind: m.kind, Criticality: m.crit, Version: fmt.Sprintf("4.%d.0", i%3),
			Device: inventory.Device{
				AssetTag: fmt.Sprintf("BM-%04d", i), SerialNumber: fmt.Sprintf("SN%06d", 1000+i), Site: "Main campus",
				Department: m.dept, Room: fmt.Sprintf("2.%03d", i), NetworkZone: m.zone, IP: fmt.Sprintf("10.20.0.%d", i),
				Hostname: fmt.Sprintf("%s-%02d", m.kind, i), Status: statuses[i%len(statuses)],
			},
		})
	}
	return recs
}

// browser starts Chromium and collects what it writes to the console:
// Content-Security-Policy violations and script errors show up there.
func browser(t *testing.T, path string) (context.Context, func() []string) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	var mu sync.Mutex
	var problems []string
	done := make(chan struct{})
	messages := chromedp.Console(ctx) // starts the browser; no timeout on this first call
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); <-done })
	return ctx, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), problems...) }
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("AIRTIGHT_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "airtight-browser-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// step runs one step of the scenario with its own time limit.
func step[T any](t *testing.T, ctx context.Context, name string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, name string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step(t, ctx, name, chromedp.Steps(steps...))
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chrome := chromiumPath(t)
	ts := startServer(t)
	ctx, problems := browser(t, chrome)
	dir := screenshotDir(t)
	shot := func(name string) {
		t.Helper()
		png := step(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100)) // 100: PNG
		p := filepath.Join(dir, name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	// 1. An anonymous visit to / lands on the sign-in page, which remembers the way back.
	do(t, ctx, "open /", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(css(`input[name=email]`)))
	loc := step(t, ctx, "location", chromedp.Location())
	if u, err := url.Parse(loc); err != nil || u.Path != "/login" || u.Query().Get("next") != "/" {
		t.Fatalf("redirected to %q, want /login?next=/", loc)
	}
	shot("login")

	// 2. Sign in; the overview shows its figures and charts.
	do(t, ctx, "sign in",
		chromedp.SendKeys(css(`input[name=email]`), browserEmail),
		chromedp.SendKeys(css(`input[name=password]`), browserPassword),
		chromedp.Click(css(`form button[type=submit]`)),
		chromedp.WaitVisible(css(`.kpis`)),
	)
	total := step(t, ctx, "total", chromedp.Text(css(`.kpi .kpi-value`)))
	org := step(t, ctx, "org", chromedp.Text(css(`.org-name`)))
	charts := step(t, ctx, "charts", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart > title').length`))
	bars := step(t, ctx, "bars", chromedp.Evaluate[int](`document.querySelectorAll('svg.series-kind rect.bar').length`))
	if total != "20" || org != "St. Mary's General Hospital" || charts != 4 || bars != 5 {
		t.Errorf("overview: total %q, org %q, %d charts, %d kind bars; want 20, St. Mary's General Hospital, 4, 5", total, org, charts, bars)
	}
	shot("overview")

	// 3. The device list; a search for one asset tag shows exactly its row.
	do(t, ctx, "device list", chromedp.Click(css(`a.nav-item[href="/devices"]`)), chromedp.WaitVisible(css(`table.table`)))
	if n := step(t, ctx, "rows", chromedp.Evaluate[int](`document.querySelectorAll('table.table tbody tr').length`)); n != 20 {
		t.Errorf("device list shows %d rows, want 20", n)
	}
	shot("devices")
	do(t, ctx, "search",
		chromedp.SendKeys(css(`#f-q`), "BM-0007"),
		chromedp.Submit(css(`#f-q`)),
		chromedp.WaitVisible(css(`#f-q[value="BM-0007"]`)),
	)
	rows := step(t, ctx, "rows", chromedp.Evaluate[int](`document.querySelectorAll('table.table tbody tr').length`))
	row := step(t, ctx, "row", chromedp.Text(css(`table.table tbody tr`)))
	if rows != 1 || !strings.Contains(row, "BM-0007") || !strings.Contains(row, "10.20.0.7") {
		t.Errorf("search BM-0007: %d rows (%q), want exactly the BM-0007 row", rows, row)
	}

	// 4. Its detail page.
	do(t, ctx, "detail", chromedp.Click(css(`table.table tbody tr a`)), chromedp.WaitVisible(css(`#h-clinical`)))
	title := step(t, ctx, "title", chromedp.Text(css(`h1`)))
	clinical := step(t, ctx, "clinical", chromedp.Text(css(`.card-clinical`)))
	if title != "BM-0007" || !strings.Contains(clinical, "Diagnostic") {
		t.Errorf("detail: title %q, clinical %q; want BM-0007, Diagnostic", title, clinical)
	}
	shot("device")

	// 5. The admin pages.
	do(t, ctx, "grants", chromedp.Navigate(ts.URL+"/grants"), chromedp.WaitVisible(css(`#h-given`)))
	shot("grants")
	do(t, ctx, "audit", chromedp.Navigate(ts.URL+"/audit"), chromedp.WaitVisible(css(`h1`)))
	shot("audit")

	// 6. Alerts: the seeded alert, with a badge in the navigation; acknowledging
	// it (a CSRF-protected form) moves it to the Acknowledged tab.
	do(t, ctx, "alerts", chromedp.Click(css(`a.nav-item[href="/alerts"]`)), chromedp.WaitVisible(css(`table.alert-table`)))
	badge := step(t, ctx, "badge", chromedp.Text(css(`.nav-count`)))
	alertRows := step(t, ctx, "alert rows", chromedp.Evaluate[int](`document.querySelectorAll('table.alert-table tbody tr').length`))
	alertRow := step(t, ctx, "alert row", chromedp.Text(css(`table.alert-table tbody tr`)))
	if !strings.HasPrefix(badge, "1") || alertRows != 1 || !strings.Contains(alertRow, "expires within 7 days") || !strings.Contains(alertRow, "BM-0003") {
		t.Errorf("alerts: badge %q, %d rows (%q); want badge 1 and the BM-0003 alert", badge, alertRows, alertRow)
	}
	do(t, ctx, "alert details", chromedp.Click(css(`details.more summary`)), chromedp.WaitVisible(css(`pre.evidence`)))
	shot("alerts")
	do(t, ctx, "acknowledge", chromedp.Click(css(`form[action$="/status"] button`)), chromedp.WaitVisible(css(`.flash`)))
	flash := step(t, ctx, "flash", chromedp.Text(css(`.flash`)))
	if !strings.Contains(flash, "Alert acknowledged") {
		t.Errorf("after acknowledging: flash %q", flash)
	}
	do(t, ctx, "acknowledged tab", chromedp.Click(css(`a.tab[href="/alerts?status=acknowledged"]`)), chromedp.WaitVisible(css(`table.alert-table`)))
	status := step(t, ctx, "alert status", chromedp.Text(css(`table.alert-table .badge.alert-acknowledged`)))
	if status != "Acknowledged" {
		t.Errorf("acknowledged tab: status %q", status)
	}
	shot("alerts-acknowledged")

	// 7. Certificates: none issued yet, so the page explains how to start.
	do(t, ctx, "certificates", chromedp.Click(css(`a.nav-item[href="/certificates"]`)),
		chromedp.WaitVisible(css(`a.nav-item.is-active[href="/certificates"]`)))
	do(t, ctx, "certificates loaded", chromedp.WaitVisible(css(`.card.empty`)))
	empty := step(t, ctx, "certificates empty", chromedp.Text(css(`.card.empty`)))
	if !strings.Contains(empty, "No certificates yet") || !strings.Contains(empty, "airtight ca init") {
		t.Errorf("certificates: empty state %q", empty)
	}
	shot("certificates")

	// 8. Sign out: back to the sign-in page, and pages need signing in again.
	do(t, ctx, "sign out", chromedp.Click(css(`form.logout button`)), chromedp.WaitVisible(css(`input[name=email]`)))
	do(t, ctx, "after sign-out", chromedp.Navigate(ts.URL+"/devices"), chromedp.WaitVisible(css(`input[name=email]`)))

	t.Logf("screenshots in %s", dir)
	for _, p := range problems() {
		t.Errorf("browser console: %s", p)
	}
}

// browserKeys is an empty CA key store: the browser test issues nothing.
func browserKeys(t *testing.T) *keyfile.Store {
	t.Helper()
	keys, err := keyfile.New(t.TempDir(), []byte("browser-test passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
