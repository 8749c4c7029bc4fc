package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/demo"
	"github.com/airtight/airtight/detect/builtin"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/vault"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/vuln"
)

// TestDemoCapabilities seeds the demo hospital and its capabilities on
// SQLite, checks what the dashboard will show, and seeds again.
func TestDemoCapabilities(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(data, "airtight.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	res, err := demo.Seed(ctx, db, demo.Options{Params: argon2id.Fast})
	if err != nil {
		t.Fatal(err)
	}
	c := &Config{Data: data}
	if written, err := useDemoPolicy(c); err != nil || !written || c.DLPPolicy != filepath.Join(data, demoPolicyFile) {
		t.Fatalf("useDemoPolicy = %v, %v; policy %q", written, err, c.DLPPolicy)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	caps, err := seedCapabilities(ctx, c, db, log)
	if err != nil {
		t.Fatalf("seedCapabilities: %v", err)
	}
	hctx := airtight.NewContext(ctx, airtight.SystemActor(res.HospitalID, "test"))

	t.Run("vulnerabilities", func(t *testing.T) { checkDemoVuln(t, db, hctx, caps.Vuln) })
	t.Run("dlp", func(t *testing.T) { checkDemoDLP(t, db, hctx, data, caps.DLP) })
	t.Run("detection", func(t *testing.T) { checkDemoDetect(t, db, hctx, caps.Detect) })
	t.Run("network map", func(t *testing.T) {
		links, err := db.ListLinks(hctx, time.Now().Add(-24*time.Hour), 500)
		if err != nil {
			t.Fatal(err)
		}
		apps := map[string]int{}
		for _, l := range links {
			apps[l.App]++
		}
		if apps["dicom"] < 5 || apps["hl7"] < 3 || apps["smb"] < 5 {
			t.Errorf("links by application: %v", apps)
		}
		ds, _, err := db.ListDiscovered(hctx, "", "", 100)
		if err != nil || len(ds) == 0 {
			t.Errorf("discovered devices: %d (%v); the file server and the attacker's laptop are not in the inventory", len(ds), err)
		}
	})
	t.Run("clock restored", func(t *testing.T) {
		if d := time.Since(db.Now()); d < 0 || d > time.Minute {
			t.Errorf("store clock is %s away from now", d)
		}
	})
	t.Run("audit chain intact", func(t *testing.T) {
		// History is recorded with the clock in the past; the chain holds.
		if p, n, err := db.VerifyAudit(ctx); err != nil || p != nil || n == 0 {
			t.Errorf("VerifyAudit = %+v after %d entries (%v)", p, n, err)
		}
	})
	t.Run("second start changes nothing", func(t *testing.T) {
		before, alerts := demoAuditCount(t, db), len(demoAlerts(t, db, hctx, ""))
		events, _, err := db.ListDLPEvents(hctx, dlp.EventFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		c2 := &Config{Data: data}
		if written, err := useDemoPolicy(c2); err != nil || written {
			t.Fatalf("useDemoPolicy again = %v, %v", written, err)
		}
		again, err := seedCapabilities(ctx, c2, db, log)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Vuln.AlreadySeeded || !again.DLP.AlreadySeeded || again.Detect == nil || !again.Detect.AlreadySeeded {
			t.Errorf("second seeding: vuln %+v, dlp %+v, detect %+v", again.Vuln, again.DLP, again.Detect)
		}
		if after := demoAuditCount(t, db); after != before {
			t.Errorf("audit entries %d → %d after the second seeding", before, after)
		}
		if n := len(demoAlerts(t, db, hctx, "")); n != alerts {
			t.Errorf("alerts %d → %d after the second seeding", alerts, n)
		}
		if evs, _, err := db.ListDLPEvents(hctx, dlp.EventFilter{Limit: 500}); err != nil || len(evs) != len(events) {
			t.Errorf("DLP events %d → %d after the second seeding (%v)", len(events), len(evs), err)
		}
	})
}

func TestDemoPolicyKeptWhenConfigured(t *testing.T) {
	c := &Config{Data: t.TempDir(), DLPPolicy: "/etc/airtight/policy.yaml"}
	if written, err := useDemoPolicy(c); err != nil || written || c.DLPPolicy != "/etc/airtight/policy.yaml" {
		t.Errorf("useDemoPolicy with a configured policy = %v, %v; policy %q", written, err, c.DLPPolicy)
	}
	if _, err := os.Stat(filepath.Join(c.Data, demoPolicyFile)); !os.IsNotExist(err) {
		t.Errorf("demo policy written although one is configured (%v)", err)
	}
}

func checkDemoVuln(t *testing.T, db *sqlstore.DB, ctx context.Context, v *demo.VulnResult) {
	if v == nil || v.AlreadySeeded || v.Eval.Findings == 0 {
		t.Fatalf("vuln seeding = %+v", v)
	}
	svc := sqlstore.NewVuln(db, nil, nil)
	fs, _, err := svc.ListFindings(ctx, vuln.FindingFilter{Limit: 500})
	if err != nil || len(fs) == 0 {
		t.Fatalf("%d findings (%v)", len(fs), err)
	}
	kev := 0
	for _, a := range demoAlerts(t, db, ctx, "vuln") {
		if a.Kind == "vulnerability.kev" {
			kev++
		}
	}
	if kev == 0 {
		t.Error("no alert about a known-exploited vulnerability")
	}
	if risk, err := svc.RiskList(ctx, 5); err != nil || len(risk) == 0 {
		t.Errorf("risk list: %d (%v)", len(risk), err)
	}
}

func checkDemoDLP(t *testing.T, db *sqlstore.DB, ctx context.Context, data string, d *demo.DLPResult) {
	if d == nil || d.AlreadySeeded || d.Actions[dlp.ActionQuarantine] == 0 || d.Actions[dlp.ActionBlock] == 0 || d.Actions[dlp.ActionLog] == 0 {
		t.Fatalf("dlp seeding = %+v", d)
	}
	// The server opens the vault as the demo seeded it: same key, same
	// directory (app_dlp.go).
	key, err := vault.LoadOrCreateKey(filepath.Join(data, "vault.key"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(filepath.Join(data, "vault"), key)
	if err != nil {
		t.Fatal(err)
	}
	qs, _, err := db.ListQuarantine(ctx, dlp.QuarantineHeld, "", 50)
	if err != nil || len(qs) != d.Quarantined || len(qs) == 0 {
		t.Fatalf("%d held items, seeded %d (%v)", len(qs), d.Quarantined, err)
	}
	for _, q := range qs {
		rc, meta, err := v.Open(q.VaultID)
		if err != nil {
			t.Fatalf("open held item %s: %v", q.VaultID, err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil || n != meta.Size || n == 0 {
			t.Errorf("held item %s: %d bytes (%v)", q.VaultID, n, err)
		}
	}
	trend, err := db.DLPTrend(ctx, time.Now().AddDate(0, 0, -demo.DLPDays-1))
	if err != nil || len(trend) < 20 {
		t.Errorf("DLP trend over %d days (%v), want most of the last %d", len(trend), err, demo.DLPDays)
	}
}

func checkDemoDetect(t *testing.T, db *sqlstore.DB, ctx context.Context, d *detectSeed) {
	if d == nil || d.AlreadySeeded || d.Alerts == 0 {
		t.Fatalf("detect seeding = %+v", d)
	}
	as := demoAlerts(t, db, ctx, "detect")
	kinds := map[string]bool{}
	for _, a := range as {
		kinds[a.Kind] = true
		if a.Subject == "" || a.IncidentID == 0 {
			t.Errorf("alert %q: subject %q, incident %d; want it grouped", a.Title, a.Subject, a.IncidentID)
		}
		if !a.FirstSeen.Before(time.Now().Add(-30 * time.Minute)) {
			t.Errorf("alert %q first seen %s, want this morning's story in the past", a.Title, a.FirstSeen)
		}
	}
	for _, want := range []string{builtin.RuleSMBSpread, builtin.RuleSMBExploit, builtin.RuleInhibitRecovery,
		builtin.RuleDICOMRogueAE, builtin.RuleHL7UnknownSender, builtin.RuleMedicalInternet, builtin.RuleBruteForce,
		builtin.RuleBruteForceSuccess} {
		if !kinds[want] {
			t.Errorf("no %s alert; have %v", want, kinds)
		}
	}
	incs, _, err := db.ListIncidents(ctx, alert.IncidentFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range incs {
		t.Logf("incident %q (%s): %d alerts", i.Title, i.Severity, i.AlertCount)
	}
	grouped := slices.ContainsFunc(incs, func(i *alert.Incident) bool { return i.AlertCount >= 2 })
	if len(incs) < 5 || len(incs) >= len(as) || !grouped {
		t.Errorf("%d detection alerts in %d incidents; want several, some with more than one alert", len(as), len(incs))
	}
}

func demoAlerts(t *testing.T, db *sqlstore.DB, ctx context.Context, source string) []*alert.Alert {
	t.Helper()
	as, _, err := db.ListAlerts(ctx, alert.Filter{Source: source, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func demoAuditCount(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	n := 0
	if err := db.WalkAll(context.Background(), func(*audit.Entry) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPrintCapabilities(t *testing.T) {
	c := &Config{DLPPolicy: "/data/dlp-policy.yaml"}
	seededNow := &capabilities{
		Vuln:      &demo.VulnResult{Import: &vuln.ImportResult{Added: 7, KEV: 8}, Eval: vuln.EvalResult{Versions: 12, Findings: 11}},
		DLP:       &demo.DLPResult{Events: 40, Quarantined: 3, Actions: map[dlp.Action]int{dlp.ActionBlock: 13, dlp.ActionQuarantine: 2, dlp.ActionLog: 25}},
		Detect:    &detectSeed{Alerts: 9, Incidents: 6},
		PolicyNew: true,
	}
	var b strings.Builder
	printCapabilities(&b, c, seededNow)
	for _, want := range []string{"7 public advisories imported (8 CVEs known exploited), 11 open findings on 12 product versions",
		"40 DLP events over 30 days (13 blocked, 2 quarantined, 25 logged), 3 items in the vault",
		"DLP policy: /data/dlp-policy.yaml", "9 alerts in 6 incidents"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	kept := &capabilities{Vuln: &demo.VulnResult{AlreadySeeded: true}, DLP: &demo.DLPResult{AlreadySeeded: true},
		Detect: &detectSeed{AlreadySeeded: true}}
	b.Reset()
	printCapabilities(&b, c, kept)
	if b.Len() != 0 {
		t.Errorf("a restart prints a seeding summary:\n%s", b.String())
	}
}
