package demo_test

import (
	"context"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/demo"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/vuln"
)

var _ demo.VulnStore = (*sqlstore.DB)(nil)

// seeded opens a store with the demo hospital.
func seeded(t *testing.T) (*sqlstore.DB, *demo.Result) {
	t.Helper()
	db := openStore(t)
	res, err := demo.Seed(context.Background(), db, seedOptions())
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return db, res
}

func TestLoadVulnData(t *testing.T) {
	in, err := demo.LoadVulnData()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, a := range in.Advisories {
		ids[a.ID] = true
	}
	for _, want := range []string{"ICSMA-18-058-02", "ICSMA-20-023-01", "ICSMA-17-255-01", "ICSMA-22-251-01",
		"GHSA-gxr4-xjj5-5px2", "CVE-2021-31571", "CVE-2022-25638"} {
		if !ids[want] {
			t.Errorf("advisory %s not loaded; have %v", want, ids)
		}
	}
	// Every KEV entry is a CVE of an embedded advisory: the subset marks
	// nothing the demo does not show.
	cves := map[string]bool{}
	for _, a := range in.Advisories {
		cves[a.ID] = true
		for _, al := range a.Aliases {
			cves[al] = true
		}
	}
	if len(in.KEV) == 0 {
		t.Fatal("no KEV entries")
	}
	for cve := range in.KEV {
		if !cves[cve] {
			t.Errorf("KEV entry %s belongs to no embedded advisory", cve)
		}
	}
}

func TestSeedVuln(t *testing.T) {
	ctx := context.Background()
	db, res := seeded(t)
	svc := sqlstore.NewVuln(db, nil, nil)
	got, err := demo.SeedVuln(ctx, db, svc)
	if err != nil {
		t.Fatalf("SeedVuln: %v", err)
	}
	if got.AlreadySeeded || got.Import == nil || got.Import.Added < 7 || got.Import.KEV == 0 {
		t.Fatalf("SeedVuln = %+v (import %+v)", got, got.Import)
	}
	if got.SBOM == nil || got.SBOM.Count != 11 {
		t.Fatalf("SBOM = %v, want the device and its 10 components attached", got.SBOM != nil)
	}
	hctx := airtight.NewContext(ctx, airtight.SystemActor(res.HospitalID, "test"))

	t.Run("findings", func(t *testing.T) {
		fs, _, err := svc.ListFindings(hctx, vuln.FindingFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		methods, advisories := map[vuln.Method]int{}, map[string]bool{}
		for _, f := range fs {
			methods[f.Method]++
			advisories[f.Advisory] = true
		}
		if methods[vuln.MethodDevice] == 0 || len(methods) < 2 {
			t.Errorf("findings by method %v: want device matches and SBOM component matches", methods)
		}
		for _, want := range []string{"ICSMA-20-023-01", "ICSMA-17-255-01", "GHSA-gxr4-xjj5-5px2"} {
			if !advisories[want] {
				t.Errorf("no finding of %s among %v", want, advisories)
			}
		}
		kev, _, err := svc.ListFindings(hctx, vuln.FindingFilter{KEV: true, Limit: 500})
		if err != nil || len(kev) == 0 {
			t.Errorf("KEV findings: %d (%v)", len(kev), err)
		}
	})
	t.Run("alerts", func(t *testing.T) {
		as, _, err := db.ListAlerts(hctx, alert.Filter{Source: "vuln", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		kev := 0
		for _, a := range as {
			if a.Kind == "vulnerability.kev" && a.Severity == alert.Critical {
				kev++
			}
		}
		if len(as) == 0 || kev == 0 {
			t.Errorf("%d vulnerability alerts, %d about known-exploited flaws; want both", len(as), kev)
		}
	})
	t.Run("risk and plan", func(t *testing.T) {
		risk, err := svc.RiskList(hctx, 10)
		if err != nil || len(risk) == 0 {
			t.Fatalf("risk list: %d (%v)", len(risk), err)
		}
		if got.Planned == nil || got.Planned.State != vuln.PlanPlanned || got.Planned.Model != "IntelliVue MX40" {
			t.Fatalf("planned entry = %+v", got.Planned)
		}
		plan, err := svc.Plan(hctx)
		if err != nil {
			t.Fatal(err)
		}
		planned := 0
		for _, e := range plan {
			if e.State == vuln.PlanPlanned {
				planned++
			}
		}
		if planned != 1 {
			t.Errorf("%d planned entries, want 1", planned)
		}
	})
	t.Run("idempotent", func(t *testing.T) {
		before := auditCount(t, db, hctx)
		again, err := demo.SeedVuln(ctx, db, svc)
		if err != nil {
			t.Fatal(err)
		}
		if !again.AlreadySeeded || again.Import != nil {
			t.Errorf("second SeedVuln = %+v, want AlreadySeeded", again)
		}
		if after := auditCount(t, db, hctx); after != before {
			t.Errorf("audit entries %d → %d after a second seeding", before, after)
		}
	})
}

// auditCount counts the audit entries of every organization.
func auditCount(t *testing.T, db *sqlstore.DB, ctx context.Context) int {
	t.Helper()
	n := 0
	if err := db.WalkAll(ctx, func(*audit.Entry) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
