package web_test

// The browser test drives headless Chromium through the whole server:
// sqlstore, httpapi (sessions, CSRF, security headers) and this package's
// pages. It skips when Chromium is missing, unless AIRTIGHT_TEST_BROWSER is
// "required". Screenshots go to AIRTIGHT_SCREENSHOTS, or a new temporary
// directory that is kept and logged.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/keyfile"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/vuln"
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

// seeded is what startServer put in the database, for the scenario to find.
type seeded struct {
	certAlert  int64 // the certificate-expiry alert on BM-0003
	incident   int64 // the incident of the two detection alerts on BM-0007
	quarantine int64 // the held upload
	discovered int64 // the unknown laptop monitoring saw
	planEntry  int64 // the riskiest patch plan entry: the pumps' update to 4.2.0
}

// startServer builds the whole server on a fresh SQLite database with one
// hospital, one admin, one auditor, 20 devices, alerts grouped into an
// incident and DLP events with one held upload.
func startServer(t *testing.T) (*httptest.Server, seeded) {
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
	if err := db.CreateUser(sys, &auth.User{Email: auditorEmail, Name: "Ada Auditor", Role: airtight.RoleAuditor, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportDevices(sys, seedRecords()); err != nil {
		t.Fatal(err)
	}
	var s seeded
	s.certAlert = seedAlert(t, sys, db)
	s.incident = seedIncident(t, sys, db)
	s.quarantine = seedDLP(t, sys, db)
	s.discovered = seedNetwork(t, sys, db)
	s.planEntry = seedVuln(t, sys, db)

	vulns := sqlstore.NewVuln(db, db, nil)
	deferred := &web.DeferredAuth{}
	h, err := web.New(web.Config{Devices: db, Manufacturers: db, Grants: db, Orgs: db, Audit: db, Alerts: db,
		Incidents: db, DLP: db, Certs: db, Network: db, Vuln: vulns, Auth: deferred, Version: "browser-test"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.New(httpapi.Config{Pages: h.Routes(), PageError: h.ErrorPage, PasswordParams: argon2id.Fast, Version: "browser-test"},
		httpapi.Services{Orgs: db, Manufacturers: db, Products: db, Versions: db, Devices: db, Grants: db,
			Users: db, Tokens: db, Sessions: db, Audit: db, Alerts: db, Incidents: db, Network: db, Ready: db.Ping,
			DLPScanner: noScanner{}, DLPPolicy: allowAll{}, DLPEvents: db, Vuln: vulns,
			PKI: pki.NewAuthority(db, browserKeys(t)), PKIStore: db})
	if err != nil {
		t.Fatal(err)
	}
	deferred.Authenticator = srv
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, s
}

const auditorEmail = "ada@st-mary.example"

// The server's scan API is not used here: DLP events are seeded.
type noScanner struct{}

func (noScanner) ScanContent(context.Context, string, io.Reader) (*dlp.Report, error) {
	return nil, errors.New("browser test: no scanning")
}

type allowAll struct{}

func (allowAll) Decide(*dlp.Report, dlp.Destination) dlp.Decision {
	return dlp.Decision{Action: dlp.ActionAllow, Rule: "default"}
}

// findDevice returns the id of the device with an asset tag.
func findDevice(t *testing.T, ctx context.Context, db *sqlstore.DB, tag string) int64 {
	t.Helper()
	p, err := db.ListDevices(ctx, inventory.DeviceFilter{Query: tag, Limit: 1})
	if err != nil || len(p.Devices) != 1 {
		t.Fatalf("find %s: %v", tag, err)
	}
	return p.Devices[0].ID
}

// seedIncident raises two detection alerts about BM-0007, which the store
// groups into one incident, as the detection pipeline would.
func seedIncident(t *testing.T, ctx context.Context, db *sqlstore.DB) int64 {
	t.Helper()
	id := findDevice(t, ctx, db, "BM-0007")
	var incident int64
	for _, a := range []*alert.Alert{
		{Source: "detect", Kind: "network.scan", Key: "detect.scan:bm-0007", Severity: alert.High,
			Title:     "BM-0007 scanned the imaging network",
			Summary:   "The CT scanner contacted 40 addresses on the imaging network within a minute. Scanners do not do this on their own: it is what malware does when it looks for its next victim.",
			Action:    "Ask the biomedical team to check the scanner's console and unplug it from the network if it keeps scanning.",
			Technique: "T0846,T1046", Evidence: []byte(`{"targets":40,"ports":[104,11112]}`)},
		{Source: "detect", Kind: "dicom.bulk-query", Key: "detect.dicom:bm-0007", Severity: alert.Critical,
			Title:     "BM-0007 queried the PACS for every patient",
			Summary:   "A study-level query without any filter returns every patient in the archive.",
			Action:    "Check who is logged in on the scanner; block its PACS access until the query is explained.",
			Technique: "T0882", Evidence: []byte(`{"queries":12,"level":"STUDY"}`)},
	} {
		a.DeviceID, a.Subject = id, strconv.FormatInt(id, 10)
		got, _, err := db.Raise(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		incident = got.IncidentID
	}
	if incident == 0 {
		t.Fatal("the alerts were not grouped into an incident")
	}
	return incident
}

// seedDLP records DLP decisions as the gateways would, one of them an
// upload held in quarantine; it returns the quarantine record's id.
func seedDLP(t *testing.T, ctx context.Context, db *sqlstore.DB) int64 {
	t.Helper()
	events := []*dlp.Event{
		{Channel: dlp.ChannelSMTP, Actor: "dr.okafor@st-mary.example", Destination: "gmail.com", External: true,
			Action: dlp.ActionBlock, Rule: "no-phi-outside", Reason: "3 medical record numbers and 2 names to an outside address",
			Types: map[dlp.Type]int{dlp.MRN: 3, dlp.Name: 2}, Bytes: 18000},
		{Channel: dlp.ChannelSMTP, Actor: "billing@st-mary.example", Destination: "insurer.example", External: true,
			Action: dlp.ActionSecure, Rule: "insurers-secure", Reason: "1 health plan number", Types: map[dlp.Type]int{dlp.HealthPlan: 1}, Bytes: 4000},
	}
	events = append(events, &dlp.Event{Channel: dlp.ChannelFolder, Actor: `\\fs01\radiology-exports`, Action: dlp.ActionLog,
		Rule: "default", Reason: "2 dates", Types: map[dlp.Type]int{dlp.Date: 2}, Bytes: 2300})
	for _, e := range events {
		if err := db.RecordDLPEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	held := &dlp.Event{Channel: dlp.ChannelICAP, Actor: "jdoe", Destination: "files.example.net", External: true,
		Action: dlp.ActionQuarantine, Rule: "uploads", Reason: "1 social security number in an upload", Types: map[dlp.Type]int{dlp.SSN: 1}, Bytes: 812}
	q := &dlp.Quarantined{VaultID: "vault-browser-1", Bytes: 812}
	if err := db.RecordDLPEvent(ctx, held, q); err != nil {
		t.Fatal(err)
	}
	return q.ID
}

// seedNetwork records a minute of monitoring as the observer would: the
// CT scanner BM-0003 sending images to BM-0008, an unknown laptop
// mounting a share on BM-0003, and BM-0001 talking to the internet. It
// returns the laptop's discovered-device id.
func seedNetwork(t *testing.T, ctx context.Context, db *sqlstore.DB) int64 {
	t.Helper()
	dev := func(tag, ip, zone string) detect.Talker {
		return detect.Talker{DeviceID: findDevice(t, ctx, db, tag), IP: netip.MustParseAddr(ip), Label: tag, Zone: zone}
	}
	ct, ct2 := dev("BM-0003", "10.20.0.3", "imaging-vlan-20"), dev("BM-0008", "10.20.0.8", "imaging-vlan-20")
	pump := dev("BM-0001", "10.20.0.1", "clinical-vlan-10")
	laptop := detect.Talker{IP: netip.MustParseAddr("10.20.0.200")}
	now := time.Now().UTC().Add(-time.Minute)
	m := now.Truncate(time.Minute)
	o := &detect.Observations{
		Links: []detect.Link{
			{Src: ct, Dst: ct2, App: "dicom", Protocol: "tcp", Port: 104, Events: 40, Packets: 9000, Bytes: 120_000_000, FirstSeen: now, LastSeen: now, AETitles: []string{"CT03>CT08"}},
			{Src: laptop, Dst: ct, App: "smb", Protocol: "tcp", Port: 445, Events: 6, Packets: 40, Bytes: 52_000, FirstSeen: now, LastSeen: now},
			{Src: pump, Dst: detect.Talker{IP: netip.MustParseAddr("203.0.113.7")}, Protocol: "tcp", Port: 443, Events: 3, Bytes: 9000, FirstSeen: now, LastSeen: now},
		},
		Rates:      []detect.RateCount{{Minute: m, Source: "pcap", Class: "dicom_activity", Count: 40}, {Minute: m, Source: "netflow", Class: "network_activity", Count: 9}},
		Discovered: []detect.Discovered{{IP: laptop.IP, MAC: "00:1a:2b:3c:4d:5e", Apps: []string{"smb"}, Events: 6, FirstSeen: now, LastSeen: now}},
	}
	if err := db.RecordObservations(ctx, o); err != nil {
		t.Fatal(err)
	}
	list, _, err := db.ListDiscovered(ctx, detect.DiscoveredNew, "", 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("discovered: %v", err)
	}
	return list[0].ID
}

// seedVuln imports two device advisories as the feed fetcher would: a
// known-exploited one on the Baxter pumps before 4.2.0 (BM-0010 and
// BM-0015) and another on the Dräger ventilators before 5.0.0 (four
// devices). It returns the riskiest patch plan entry. The seeding
// service raises no alerts, so that the alert and incident scenarios keep
// their own.
func seedVuln(t *testing.T, ctx context.Context, db *sqlstore.DB) int64 {
	t.Helper()
	device := func(id, cve, vendor, product, expr, fixed string, cvss float64) vuln.Advisory {
		return vuln.Advisory{ID: id, Aliases: []string{cve}, CVSS: cvss, Summary: "browser test advisory",
			Affected: []vuln.Affected{{Vendor: vendor, Product: product, VersionExpr: expr, Status: vuln.StatusAffected, Fixed: fixed}}}
	}
	v := sqlstore.NewVuln(db, dropAlerts{db}, nil)
	res, err := v.ImportAdvisories(ctx, vuln.AdvisoryImport{
		Advisories: []vuln.Advisory{
			device("ICSMA-99-001-01", "CVE-2099-1001", "Baxter", "Sigma Spectrum", "< 4.2.0", "4.2.0", 9.1),
			device("ICSMA-99-002-01", "CVE-2099-1002", "Dräger", "Evita V800", "< 5.0.0", "5.0.0", 6.5),
		},
		KEV:  map[string]string{"CVE-2099-1001": "2099-01-01"},
		EPSS: map[string]float64{"CVE-2099-1001": 0.42},
	})
	if err != nil || res.Eval.Findings != 5 {
		t.Fatalf("import advisories: %+v, %v; want 5 findings (2 pump versions, 3 ventilator versions)", res, err)
	}
	plan, err := v.Plan(ctx)
	if err != nil || len(plan) != 5 || plan[0].Fixed != "4.2.0" || !plan[0].KEV {
		t.Fatalf("plan: %v; first entry %+v", err, plan)
	}
	return plan[0].ID
}

// dropAlerts keeps the alerts vulnerability evaluation raises out of the
// store; everything else goes to it.
type dropAlerts struct{ alert.Service }

func (dropAlerts) Raise(_ context.Context, a *alert.Alert) (*alert.Alert, bool, error) {
	return a, true, nil
}

// seedAlert raises one certificate-expiry alert on device BM-0003, as the
// expiry watch would: it stands alone, in no incident.
func seedAlert(t *testing.T, ctx context.Context, db *sqlstore.DB) int64 {
	t.Helper()
	a, _, err := db.Raise(ctx, &alert.Alert{
		Source: "pki", Kind: "certificate.expiry", Key: "pki.expiry:1:5f3a", Severity: alert.High, DeviceID: findDevice(t, ctx, db, "BM-0003"),
		Title:    "Device certificate expires within 7 days",
		Summary:  "A device uses this certificate to prove who it is on the network. Once it expires, the device can be refused by the systems it talks to (PACS, interface engines, Wi-Fi), which can interrupt clinical work.",
		Action:   "Renew the certificate before it expires: the device re-enrolls over EST (simplereenroll), or issue a new one with 'airtight ca issue'. Renewing closes this alert.",
		Evidence: []byte(`{"serial":"5f3a","profile":"device-ldevid","not_after":"2026-03-17T00:00:00Z"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
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
	ts, seed := startServer(t)
	ctx, problems := browser(t, chrome)
	confirms := acceptDialogs(t, ctx)
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
	// Its security timeline: the incident and its two alerts, linked to the incident.
	secLinks := step(t, ctx, "timeline", chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('.sec-list a[href="/incidents/%d"]').length`, seed.incident)))
	secText := step(t, ctx, "timeline text", chromedp.Text(css(`.security-timeline`)))
	if secLinks != 3 || !strings.Contains(secText, "queried the PACS for every patient") {
		t.Errorf("security timeline: %d links to the incident (want 3), text %q", secLinks, secText)
	}
	shot("device")

	// 5. The admin pages.
	do(t, ctx, "grants", chromedp.Navigate(ts.URL+"/grants"), chromedp.WaitVisible(css(`#h-given`)))
	shot("grants")
	do(t, ctx, "audit", chromedp.Navigate(ts.URL+"/audit"), chromedp.WaitVisible(css(`h1`)))
	shot("audit")

	// 6. Alerts: the seeded alerts, with a badge in the navigation; acknowledging
	// the certificate alert (a CSRF-protected form) moves it to the Acknowledged tab.
	do(t, ctx, "alerts", chromedp.Click(css(`a.nav-item[href="/alerts"]`)), chromedp.WaitVisible(css(`table.alert-table`)))
	badge := step(t, ctx, "badge", chromedp.Text(css(`a.nav-item[href="/alerts"] .nav-count`)))
	alertRows := step(t, ctx, "alert rows", chromedp.Evaluate[int](`document.querySelectorAll('table.alert-table tbody tr').length`))
	certRow := fmt.Sprintf("#alert-%d", seed.certAlert)
	alertRow := step(t, ctx, "alert row", chromedp.Text(css(certRow)))
	if !strings.HasPrefix(badge, "3") || alertRows != 3 || !strings.Contains(alertRow, "expires within 7 days") || !strings.Contains(alertRow, "BM-0003") {
		t.Errorf("alerts: badge %q, %d rows (%q); want badge 3 and the BM-0003 alert among 3", badge, alertRows, alertRow)
	}
	do(t, ctx, "alert details", chromedp.Click(css(certRow+` details.more summary`)), chromedp.WaitVisible(css(certRow+` pre.evidence`)))
	shot("alerts")
	do(t, ctx, "acknowledge", chromedp.Click(css(certRow+` form[action$="/status"] button`)), chromedp.WaitVisible(css(`.flash`)))
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

	incidentScenario(t, ctx, seed, shot)
	dlpScenario(t, ctx, seed, shot, confirms)
	networkScenario(t, ctx, seed, shot)
	vulnScenario(t, ctx, seed, shot)

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

// incidentScenario opens the incident list and the incident, acknowledges
// it and assigns it.
func incidentScenario(t *testing.T, ctx context.Context, seed seeded, shot func(string)) {
	t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	do(t, ctx, "incidents", chromedp.Click(css(`a.nav-item[href="/incidents"]`)), chromedp.WaitVisible(css(`table.incident-table`)))
	badge := step(t, ctx, "incident badge", chromedp.Text(css(`a.nav-item[href="/incidents"] .nav-count`)))
	rows := step(t, ctx, "incident rows", chromedp.Evaluate[int](`document.querySelectorAll('table.incident-table tbody tr').length`))
	row := step(t, ctx, "incident row", chromedp.Text(css(fmt.Sprintf("#incident-%d", seed.incident))))
	if !strings.HasPrefix(badge, "1") || rows != 1 || !strings.Contains(row, "BM-0007") || !strings.Contains(row, "Critical") {
		t.Errorf("incidents: badge %q, %d rows (%q); want one critical incident about BM-0007", badge, rows, row)
	}
	shot("incidents")

	do(t, ctx, "incident", chromedp.Click(css(fmt.Sprintf(`#incident-%d a[href="/incidents/%d"]`, seed.incident, seed.incident))), chromedp.WaitVisible(css(`#h-alerts`)))
	alerts := step(t, ctx, "incident alerts", chromedp.Evaluate[int](`document.querySelectorAll('.incident-alert').length`))
	mitre := step(t, ctx, "techniques", chromedp.Evaluate[int](`document.querySelectorAll('a.chip[href^="https://attack.mitre.org/techniques/"]').length`))
	if alerts != 2 || mitre != 3 {
		t.Errorf("incident: %d alerts, %d technique links; want 2 and 3", alerts, mitre)
	}
	do(t, ctx, "acknowledge incident",
		chromedp.Click(css(`form[action$="/status"]:has(input[value="acknowledged"]) button`)),
		chromedp.WaitVisible(css(`.flash`)))
	flash := step(t, ctx, "incident flash", chromedp.Text(css(`.flash`)))
	status := step(t, ctx, "incident status", chromedp.Text(css(`.head-badges .incident-acknowledged`)))
	if !strings.Contains(flash, "Incident acknowledged") || status != "Acknowledged" {
		t.Errorf("after acknowledging: flash %q, status %q", flash, status)
	}
	// The acknowledgement's flash goes first, so that waiting for a flash
	// waits for the page the assignment answers with.
	step(t, ctx, "drop flash", chromedp.Evaluate[bool](`document.querySelector('.flash').remove() === undefined`))
	do(t, ctx, "assign incident",
		chromedp.SendKeys(css(`#f-assignee`), "Dana Okafor"),
		chromedp.Click(css(`form.assign-form button`)),
		chromedp.WaitVisible(css(`.flash`)))
	flash = step(t, ctx, "assign flash", chromedp.Text(css(`.flash`)))
	who := step(t, ctx, "assignee", chromedp.Value(css(`#f-assignee`)))
	if !strings.Contains(flash, "Incident assigned to Dana Okafor.") || who != "Dana Okafor" {
		t.Errorf("after assigning: flash %q, assignee field %q", flash, who)
	}
	shot("incident")
}

// dlpScenario opens the DLP page (chart and events) and releases the held
// upload from quarantine, confirming the dialog.
func dlpScenario(t *testing.T, ctx context.Context, seed seeded, shot func(string), confirms func() []string) {
	t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	do(t, ctx, "dlp", chromedp.Click(css(`a.nav-item[href="/dlp"]`)), chromedp.WaitVisible(css(`svg.chart-dlp`)))
	bars := step(t, ctx, "trend bars", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart-dlp rect.tl-bar').length`))
	events := step(t, ctx, "dlp rows", chromedp.Evaluate[int](`document.querySelectorAll('table.dlp-table tbody tr').length`))
	table := step(t, ctx, "dlp table", chromedp.Text(css(`table.dlp-table`)))
	if bars != 3 || events != 4 || !strings.Contains(table, "Medical record number") || !strings.Contains(table, "gmail.com") || !strings.Contains(table, "Blocked") {
		t.Errorf("dlp: %d trend bars (want 3 groups today), %d events (want 4), table %q", bars, events, table)
	}
	shot("dlp")

	do(t, ctx, "quarantine", chromedp.Click(css(`a.tab[href="/dlp/quarantine"]`)), chromedp.WaitVisible(css(`table.quarantine-table`)))
	row := fmt.Sprintf("#quarantine-%d", seed.quarantine)
	held := step(t, ctx, "held row", chromedp.Text(css(row)))
	if !strings.Contains(held, "jdoe") || !strings.Contains(held, "Social security number") {
		t.Errorf("quarantine: held row %q", held)
	}
	shot("quarantine")
	do(t, ctx, "release", chromedp.Click(css(row+` form[action$="/release"] button`)), chromedp.WaitVisible(css(`.flash`)))
	flash := step(t, ctx, "release flash", chromedp.Text(css(`.flash`)))
	if !strings.Contains(flash, "Released.") {
		t.Errorf("after releasing: flash %q", flash)
	}
	if c := confirms(); len(c) != 1 || !strings.HasPrefix(c[0], "Release this content?") {
		t.Errorf("confirmation dialogs %q, want the release question once", c)
	}
	do(t, ctx, "released tab", chromedp.Click(css(`a.tab[href="/dlp/quarantine?status=released"]`)), chromedp.WaitVisible(css(row+` .quarantine-released`)))
	released := step(t, ctx, "released row", chromedp.Text(css(row)))
	if !strings.Contains(released, "Released") || !strings.Contains(released, "by "+browserEmail) {
		t.Errorf("released tab: row %q", released)
	}
	shot("quarantine-released")
}

// networkScenario opens the network map and table, then adopts the
// unknown laptop on the discovered-devices page.
func networkScenario(t *testing.T, ctx context.Context, seed seeded, shot func(string)) {
	t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	do(t, ctx, "network", chromedp.Click(css(`a.nav-item[href="/network"]`)), chromedp.WaitVisible(css(`svg.chart-network`)))
	lines := step(t, ctx, "map lines", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart-network path.net-link').length`))
	unknown := step(t, ctx, "unknown nodes", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart-network .net-node-unknown').length`))
	rows := step(t, ctx, "link rows", chromedp.Evaluate[int](`document.querySelectorAll('table.net-table tbody tr').length`))
	table := step(t, ctx, "link table", chromedp.Text(css(`table.net-table`)))
	rates := step(t, ctx, "rate bars", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart-rates rect.tl-bar').length`))
	trend := step(t, ctx, "alert bars", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart-alert-trend rect.tl-bar').length`))
	if lines != 3 || unknown != 1 || rows != 3 || !strings.Contains(table, "BM-0003") || !strings.Contains(table, "10.20.0.200") || rates != 2 || trend < 2 {
		t.Errorf("network: %d lines, %d unknown nodes, %d rows (%q), %d rate bars, %d alert bars; want 3, 1, 3, 2 and at least 2",
			lines, unknown, rows, table, rates, trend)
	}
	shot("network")

	do(t, ctx, "discovered", chromedp.Click(css(`a.nav-item[href="/discovered"]`)), chromedp.WaitVisible(css(`table.discovered-table`)))
	row := fmt.Sprintf("#discovered-%d", seed.discovered)
	text := step(t, ctx, "discovered row", chromedp.Text(css(row)))
	if !strings.Contains(text, "10.20.0.200") || !strings.Contains(text, "smb") {
		t.Errorf("discovered: row %q", text)
	}
	shot("discovered")
	do(t, ctx, "adopt", chromedp.Click(css(row+` form:has(input[value="adopted"]) button`)), chromedp.WaitVisible(css(`.flash`)))
	flash := step(t, ctx, "adopt flash", chromedp.Text(css(`.flash`)))
	if !strings.Contains(flash, "Marked as adopted") {
		t.Errorf("after adopting: flash %q", flash)
	}
	do(t, ctx, "adopted tab", chromedp.Click(css(`a.tab[href="/discovered?status=adopted"]`)), chromedp.WaitVisible(css(row+` .discovered-adopted`)))
	adopted := step(t, ctx, "adopted row", chromedp.Text(css(row)))
	if !strings.Contains(adopted, "by "+browserEmail) {
		t.Errorf("adopted tab: row %q", adopted)
	}
	shot("discovered-adopted")
}

// vulnScenario opens the vulnerabilities page (chart and ranking), the
// findings, and the patch plan, where it moves the pumps' update to
// planned.
func vulnScenario(t *testing.T, ctx context.Context, seed seeded, shot func(string)) {
	t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	do(t, ctx, "vulnerabilities", chromedp.Click(css(`a.nav-item[href="/vulnerabilities"]`)), chromedp.WaitVisible(css(`svg.chart-exposure`)))
	areas := step(t, ctx, "exposure areas", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart-exposure path.ex-area').length`))
	days := step(t, ctx, "exposure days", chromedp.Evaluate[int](`document.querySelectorAll('svg.chart-exposure g.ex-day').length`))
	rows := step(t, ctx, "ranked devices", chromedp.Evaluate[int](`document.querySelectorAll('table.risk-table tbody tr').length`))
	first := step(t, ctx, "riskiest device", chromedp.Text(css(`table.risk-table tbody tr`)))
	if areas != 2 || days != 90 || rows != 6 || !strings.Contains(first, "Known exploited") || !strings.Contains(first, "CVE-2099-1001") ||
		!(strings.Contains(first, "BM-0010") || strings.Contains(first, "BM-0015")) || !strings.Contains(first, "4.2.0") {
		t.Errorf("vulnerabilities: %d areas, %d days, %d ranked devices, first %q; want 2, 90, 6 and a KEV-listed pump first", areas, days, rows, first)
	}
	shot("vulnerabilities")

	do(t, ctx, "findings", chromedp.Click(css(`a.tab[href="/vulnerabilities/findings"]`)), chromedp.WaitVisible(css(`table.finding-table`)))
	if n := step(t, ctx, "finding rows", chromedp.Evaluate[int](`document.querySelectorAll('table.finding-table tbody tr').length`)); n != 5 {
		t.Errorf("findings: %d rows, want 5", n)
	}
	shot("findings")

	do(t, ctx, "patch plan", chromedp.Click(css(`a.tab[href="/patch-plan"]`)), chromedp.WaitVisible(css(`.plan-group`)))
	entry := fmt.Sprintf("#plan-%d", seed.planEntry)
	text := step(t, ctx, "plan entry", chromedp.Text(css(entry)))
	moves := step(t, ctx, "plan moves", chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('%s form[action$="/state"]').length`, entry)))
	if !strings.Contains(text, "Update to") || !strings.Contains(text, "4.2.0") || !strings.Contains(text, "ICSMA-99-001-01") || moves != 1 {
		t.Errorf("plan entry %q with %d moves; want the update to 4.2.0 with one move (to planned)", text, moves)
	}
	do(t, ctx, "plan the update", chromedp.Click(css(entry+` form[action$="/state"] button`)), chromedp.WaitVisible(css(`.flash`)))
	flash := step(t, ctx, "plan flash", chromedp.Text(css(`.flash`)))
	state := step(t, ctx, "plan state", chromedp.Text(css(entry+` .plan-planned`)))
	if !strings.Contains(flash, "Update planned.") || state != "Planned" {
		t.Errorf("after planning: flash %q, state %q", flash, state)
	}
	shot("patch-plan")
}

// TestDiscoveredThroughServer posts discovered-device decisions through
// the whole server: CSRF, the role policy and organization scoping.
func TestDiscoveredThroughServer(t *testing.T) {
	ts, seed := startServer(t)
	admin := signIn(t, ts, browserEmail)
	token := admin.csrf(t, "/discovered")
	path := fmt.Sprintf("/discovered/%d/status", seed.discovered)
	for _, tt := range []struct {
		name    string
		path    string
		form    url.Values
		want    int
		wantLoc string
	}{
		{"no CSRF token", path, url.Values{"status": {"ignored"}}, 403, ""},
		{"ignore", path, url.Values{"status": {"ignored"}, "csrf_token": {token}}, 303, "/discovered?done=ignored"},
		{"unknown device", "/discovered/999999/status", url.Values{"status": {"ignored"}, "csrf_token": {token}}, 404, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, loc, _ := admin.post(t, tt.path, tt.form)
			if code != tt.want || loc != tt.wantLoc {
				t.Errorf("status %d Location %q, want %d %q", code, loc, tt.want, tt.wantLoc)
			}
		})
	}
	if _, body := admin.get(t, "/discovered?status=ignored"); !strings.Contains(body, "10.20.0.200") {
		t.Error("the ignored device is not on the Ignored tab")
	}
	if code, body := admin.get(t, "/network"); code != 200 || !strings.Contains(body, "chart-network") {
		t.Errorf("network page: status %d", code)
	}
	auditor := signIn(t, ts, auditorEmail)
	atoken := auditor.csrf(t, "/discovered")
	if code, _, body := auditor.post(t, path, url.Values{"status": {"new"}, "csrf_token": {atoken}}); code != 403 || !strings.Contains(body, "Not allowed") {
		t.Errorf("auditor decision: status %d, want the 403 page", code)
	}
	code, body := auditor.get(t, "/discovered/adopted.csv")
	if code != 200 || !strings.HasPrefix(body, "asset_tag,") {
		t.Errorf("auditor csv: status %d %q", code, body)
	}
}

// acceptDialogs accepts every confirmation dialog the page opens (the
// data-confirm forms) and returns a function listing their messages.
func acceptDialogs(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var msgs []string
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			mu.Lock()
			msgs = append(msgs, ev.Message)
			mu.Unlock()
			if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), msgs...) }
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

// TestPagesThroughServer posts the new forms through the whole server, no
// browser needed: the CSRF token and the role policy are the server's, the
// conflict is the store's.
func TestPagesThroughServer(t *testing.T) {
	ts, seed := startServer(t)
	admin := signIn(t, ts, browserEmail)
	incident := fmt.Sprintf("/incidents/%d", seed.incident)
	release := fmt.Sprintf("/dlp/quarantine/%d/release", seed.quarantine)
	token := admin.csrf(t, incident)

	tests := []struct {
		name    string
		c       *client
		path    string
		form    url.Values
		want    int
		wantLoc string
	}{
		{"no CSRF token", admin, incident + "/status", url.Values{"status": {"acknowledged"}}, 403, ""},
		{"wrong CSRF token", admin, incident + "/status", url.Values{"status": {"acknowledged"}, "csrf_token": {"x" + token}}, 403, ""},
		{"no CSRF token on a quarantine decision", admin, release, url.Values{}, 403, ""},
		{"acknowledge", admin, incident + "/status", url.Values{"status": {"acknowledged"}, "csrf_token": {token}}, 303, incident + "?done=acknowledged"},
		{"assign", admin, incident + "/assign", url.Values{"assignee": {"Dana Okafor"}, "csrf_token": {token}}, 303, incident + "?done=assigned"},
		{"unknown incident", admin, "/incidents/999999/status", url.Values{"status": {"closed"}, "csrf_token": {token}}, 404, ""},
		{"release", admin, release, url.Values{"csrf_token": {token}}, 303, "/dlp/quarantine?done=released"},
		{"release again: no longer held", admin, release, url.Values{"csrf_token": {token}}, 303, "/dlp/quarantine?error=not-held"},
		{"unknown quarantine item", admin, "/dlp/quarantine/999999/delete", url.Values{"csrf_token": {token}}, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, loc, _ := tt.c.post(t, tt.path, tt.form)
			if code != tt.want || loc != tt.wantLoc {
				t.Errorf("status %d Location %q, want %d %q", code, loc, tt.want, tt.wantLoc)
			}
		})
	}
	if _, body := admin.get(t, "/dlp/quarantine?error=not-held"); !strings.Contains(body, "This item is no longer held") {
		t.Error("the conflict is not explained")
	}
	if _, body := admin.get(t, incident); !strings.Contains(body, `value="Dana Okafor"`) || !strings.Contains(body, "incident-acknowledged") {
		t.Error("the incident does not show its new status and assignee")
	}

	auditor := signIn(t, ts, auditorEmail)
	atoken := auditor.csrf(t, incident)
	for _, path := range []string{incident + "/status", incident + "/assign", "/dlp/quarantine/1/delete"} {
		code, _, body := auditor.post(t, path, url.Values{"csrf_token": {atoken}, "status": {"closed"}, "assignee": {"Ada"}})
		if code != 403 || !strings.Contains(body, "Not allowed") {
			t.Errorf("auditor POST %s: status %d, want the 403 page", path, code)
		}
	}
	if code, body := auditor.get(t, incident); code != 200 || strings.Contains(body, `action="`+incident+`/status"`) {
		t.Errorf("auditor reads the incident: status %d, or sees triage forms", code)
	}
}

// client is a signed-in dashboard session that does not follow redirects.
type client struct {
	base string
	hc   *http.Client
}

func signIn(t *testing.T, ts *httptest.Server, email string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{base: ts.URL, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if code, loc, _ := c.post(t, "/login", url.Values{"email": {email}, "password": {browserPassword}}); code != 303 || loc != "/" {
		t.Fatalf("sign in as %s: status %d Location %q", email, code, loc)
	}
	return c
}

func (c *client) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func (c *client) post(t *testing.T, path string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.hc.PostForm(c.base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page's forms.
func (c *client) csrf(t *testing.T, path string) string {
	t.Helper()
	code, body := c.get(t, path)
	m := csrfRE.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("GET %s: status %d, no CSRF token", path, code)
	}
	return m[1]
}

// TestVulnThroughServer posts patch plan moves and suppressions through
// the whole server: CSRF, the role policy, the store's refusal of a move
// and its audit log.
func TestVulnThroughServer(t *testing.T) {
	ts, seed := startServer(t)
	admin := signIn(t, ts, browserEmail)
	token := admin.csrf(t, "/patch-plan")
	state := fmt.Sprintf("/patch-plan/%d/state", seed.planEntry)
	for _, tt := range []struct {
		name    string
		path    string
		form    url.Values
		want    int
		wantLoc string
	}{
		{"no CSRF token", state, url.Values{"state": {"planned"}}, 403, ""},
		{"plan", state, url.Values{"state": {"planned"}, "csrf_token": {token}}, 303, "/patch-plan?done=planned"},
		{"skip a step: refused", state, url.Values{"state": {"verified"}, "csrf_token": {token}, "return": {"state=planned"}}, 303, "/patch-plan?state=planned&error=move"},
		{"assign", fmt.Sprintf("/patch-plan/%d/assign", seed.planEntry), url.Values{"assignee": {"Sam Biomed"}, "note": {"ICU, 14 March"}, "csrf_token": {token}}, 303, "/patch-plan?done=saved"},
		{"unknown entry", "/patch-plan/999999/state", url.Values{"state": {"planned"}, "csrf_token": {token}}, 404, ""},
		{"suppress without a reason", "/vulnerabilities/suppressions", url.Values{"identity": {"x"}, "advisory": {"ICSMA-99-002-01"}, "csrf_token": {token}}, 303, "/vulnerabilities/findings?error=reason"},
		{"unknown suppression", "/vulnerabilities/suppressions/999999/delete", url.Values{"csrf_token": {token}}, 404, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, loc, _ := admin.post(t, tt.path, tt.form)
			if code != tt.want || loc != tt.wantLoc {
				t.Errorf("status %d Location %q, want %d %q", code, loc, tt.want, tt.wantLoc)
			}
		})
	}
	if _, body := admin.get(t, "/patch-plan?state=planned&error=move"); !strings.Contains(body, "That move is not allowed") || !strings.Contains(body, `value="Sam Biomed"`) {
		t.Error("the planned tab does not explain the refused move or show the assignee")
	}
	if _, body := admin.get(t, "/audit"); strings.Count(body, "vuln.plan.update") != 2 {
		t.Error("the audit log does not hold the two plan changes")
	}

	// Suppress the ventilators' finding on one version: it leaves the
	// list, and comes back with "include suppressed".
	_, body := admin.get(t, "/vulnerabilities/findings")
	m := regexp.MustCompile(`name="identity" value="([^"]+)">\s*<input type="hidden" name="advisory" value="ICSMA-99-002-01">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no suppress form for the ventilator advisory")
	}
	identity := strings.ReplaceAll(m[1], "&#39;", "'")
	sup := url.Values{"identity": {identity}, "advisory": {"ICSMA-99-002-01"}, "reason": {"The ventilators are on an isolated network."}, "csrf_token": {token}}
	if code, loc, _ := admin.post(t, "/vulnerabilities/suppressions", sup); code != 303 || loc != "/vulnerabilities/findings?done=suppressed" {
		t.Fatalf("suppress: status %d Location %q", code, loc)
	}
	if code, loc, _ := admin.post(t, "/vulnerabilities/suppressions", sup); code != 303 || loc != "/vulnerabilities/findings?error=conflict" {
		t.Errorf("suppress again: status %d Location %q", code, loc)
	}
	_, body = admin.get(t, "/vulnerabilities/findings")
	if strings.Contains(body, "ICSMA-99-002-01</span>") || !strings.Contains(body, "The ventilators are on an isolated network.") {
		t.Error("the suppressed finding is still listed, or the suppression is not")
	}
	if _, body = admin.get(t, "/vulnerabilities/findings?suppressed=1"); !strings.Contains(body, "vstatus-suppressed") {
		t.Error("include suppressed does not show the suppressed findings")
	}

	auditor := signIn(t, ts, auditorEmail)
	atoken := auditor.csrf(t, "/vulnerabilities")
	for _, path := range []string{state, "/vulnerabilities/suppressions", "/vulnerabilities/suppressions/1/delete"} {
		code, _, body := auditor.post(t, path, url.Values{"csrf_token": {atoken}, "state": {"open"}, "identity": {"x"}, "advisory": {"y"}, "reason": {"z"}})
		if code != 403 || !strings.Contains(body, "Not allowed") {
			t.Errorf("auditor POST %s: status %d, want the 403 page", path, code)
		}
	}
	if code, body := auditor.get(t, "/patch-plan"); code != 200 || strings.Contains(body, `action="/patch-plan/`) || !strings.Contains(body, "ICSMA-99-001-01") {
		t.Errorf("auditor reads the plan: status %d, or sees forms", code)
	}
	if code, body := auditor.get(t, "/vulnerabilities"); code != 200 || !strings.Contains(body, "chart-exposure") || !strings.Contains(body, "BM-0010") {
		t.Errorf("auditor reads the vulnerabilities page: status %d", code)
	}
}
