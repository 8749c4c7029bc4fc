package sqlstore

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/csaf"
	"github.com/airtight/airtight/vuln/fda"
)

// vulnSys acts as the server itself (advisory imports are installation-wide).
func vulnSys() context.Context {
	return airtight.NewContext(context.Background(), airtight.SystemActor(0, "test"))
}

// cdx is a CycloneDX JSON SBOM of Go modules "path@version".
func cdx(mods ...string) []byte {
	var cs []string
	for _, m := range mods {
		p, v, _ := strings.Cut(m, "@")
		cs = append(cs, fmt.Sprintf(`{"type":"library","name":%q,"version":%q,"purl":"pkg:golang/%s@%s"}`, p, v, p, v))
	}
	return []byte(`{"bomFormat":"CycloneDX","specVersion":"1.4","components":[` + strings.Join(cs, ",") + `]}`)
}

func csafAdvisory(id, cve, vendor, product, expr, fixed string, cvss float64) vuln.Advisory {
	return vuln.Advisory{ID: id, Aliases: []string{cve}, CVSS: cvss, Summary: "test advisory",
		Affected: []vuln.Affected{{Vendor: vendor, Product: product, VersionExpr: expr, Status: vuln.StatusAffected, Fixed: fixed}}}
}

func osvAdvisory(id, cve, pkg, fixed string, cvss float64) vuln.Advisory {
	return vuln.Advisory{ID: id, Aliases: []string{cve}, CVSS: cvss, Summary: "test module advisory",
		Affected: []vuln.Affected{{Ecosystem: "Go", Package: pkg, Ranges: []vuln.Range{{Type: "SEMVER",
			Events: []vuln.Event{{Introduced: "0"}, {Fixed: fixed}}}}}}}
}

// vulnFleet is hospital A's fleet for the vulnerability tests: two versions
// of a patient monitor (one affected, one fixed) and a pump with an SBOM.
type vulnFleet struct {
	monitor, fixed, pump *inventory.ProductVersion
	dev1, dev2, dev3     *inventory.Device
	pumpDev              *inventory.Device
}

func (f *fixture) vulnFleet(v *Vuln) *vulnFleet {
	f.t.Helper()
	m := f.manufacturer(f.a, "Philips Medical Systems")
	p := f.product(f.a, m.ID, "IntelliVue MX40", "patient-monitor", inventory.LifeSupporting)
	x := &vulnFleet{monitor: f.version(f.a, p.ID, "B.06.10"), fixed: f.version(f.a, p.ID, "B.06.18")}
	x.dev1, x.dev2 = f.device(f.a, x.monitor.ID, "MX-1"), f.device(f.a, x.monitor.ID, "MX-2")
	x.dev3 = f.device(f.a, x.fixed.ID, "MX-3")
	am := f.manufacturer(f.a, "Acme")
	ap := f.product(f.a, am.ID, "Pump", "infusion-pump", inventory.LifeSustaining)
	x.pump = f.version(f.a, ap.ID, "1.0")
	x.pumpDev = f.device(f.a, x.pump.ID, "PUMP-1")
	_, err := v.PutSBOM(f.a, x.pump.ID, "pump.cdx.json", cdx("example.com/mod@v1.0.0", "example.com/other@v2.0.0"))
	must(f.t, err)
	return x
}

func findingIDs(t *testing.T, v *Vuln, ctx context.Context, flt vuln.FindingFilter) []string {
	t.Helper()
	fs, _, err := v.ListFindings(ctx, flt)
	must(t, err)
	var out []string
	for _, x := range fs {
		out = append(out, x.Advisory)
	}
	slices.Sort(out)
	return out
}

func vulnAlerts(t *testing.T, f *fixture) []*alert.Alert {
	t.Helper()
	as, _, err := f.db.ListAlerts(f.a, alert.Filter{Source: "vuln"})
	must(t, err)
	return as
}

// Import, evaluation, re-import and incremental re-evaluation, findings by
// version and device, KEV alerts once, isolation.
func testVulnImportEvaluate(t *testing.T, f *fixture) {
	v := NewVuln(f.db, nil, nil)
	x := f.vulnFleet(v)
	wantCode(t, errOf(v.ImportAdvisories(f.a, vuln.AdvisoryImport{})), airtight.EForbidden)
	in := vuln.AdvisoryImport{
		Advisories: []vuln.Advisory{
			csafAdvisory("ICSMA-TEST-01", "CVE-2099-0001", "Philips", "IntelliVue MX40", "< B.06.18", "B.06.18", 8.1),
			osvAdvisory("GO-TEST-1", "CVE-2099-0002", "example.com/mod", "v1.2.0", 5.3),
		},
		KEV: map[string]string{"CVE-2099-0001": "2099-01-01"},
	}
	res, err := v.ImportAdvisories(vulnSys(), in)
	must(t, err)
	if res.Added != 2 || res.Changed != 0 || res.Eval.Versions != 2 || res.Eval.Alerts != 1 {
		t.Fatalf("first import = %+v", res)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{VersionID: x.monitor.ID}); !slices.Equal(got, []string{"ICSMA-TEST-01"}) {
		t.Errorf("affected monitor findings = %v", got)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{VersionID: x.fixed.ID}); len(got) != 0 {
		t.Errorf("fixed monitor findings = %v", got)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{DeviceID: x.dev2.ID}); !slices.Equal(got, []string{"ICSMA-TEST-01"}) {
		t.Errorf("device MX-2 findings = %v", got)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{DeviceID: x.dev3.ID}); len(got) != 0 {
		t.Errorf("device MX-3 (fixed version) findings = %v", got)
	}
	fs, _, err := v.ListFindings(f.a, vuln.FindingFilter{KEV: true})
	must(t, err)
	if len(fs) != 1 || fs[0].Devices != 2 || fs[0].Fixed != "B.06.18" || !fs[0].KEV || fs[0].Model != "IntelliVue MX40" {
		t.Fatalf("KEV findings = %+v", fs)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{MinSeverity: vuln.SeverityHigh}); !slices.Equal(got, []string{"ICSMA-TEST-01"}) {
		t.Errorf("high findings = %v", got)
	}
	as := vulnAlerts(t, f)
	if len(as) != 1 || as[0].Severity != alert.Critical || !strings.Contains(as[0].Action, "B.06.18") || !strings.Contains(string(as[0].Evidence), fmt.Sprint(x.dev1.ID)) {
		t.Fatalf("alerts = %+v", as)
	}

	// Re-import: nothing changes, nothing is re-evaluated.
	res, err = v.ImportAdvisories(vulnSys(), in)
	must(t, err)
	if res.Added != 0 || res.Changed != 0 || res.Unchanged != 2 || res.Eval.Versions != 0 {
		t.Fatalf("re-import = %+v", res)
	}

	// One new KEV advisory on the pump's module: only the pump version is
	// re-evaluated and one alert is raised, once.
	in2 := vuln.AdvisoryImport{Advisories: []vuln.Advisory{osvAdvisory("GO-TEST-2", "CVE-2099-0003", "example.com/mod", "v1.1.0", 6.1)},
		KEV: map[string]string{"CVE-2099-0001": "2099-01-01", "CVE-2099-0003": "2099-02-01"}}
	res, err = v.ImportAdvisories(vulnSys(), in2)
	must(t, err)
	if res.Added != 1 || res.Changed != 0 || res.Eval.Versions != 1 || res.Eval.Alerts != 1 || res.Eval.New != 1 {
		t.Fatalf("new advisory import = %+v", res)
	}
	if _, err := v.ImportAdvisories(vulnSys(), in2); err != nil {
		t.Fatal(err)
	}
	if as := vulnAlerts(t, f); len(as) != 2 || as[0].Count != 1 || as[1].Count != 1 {
		t.Fatalf("alerts after the KEV advisory = %+v", as)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{DeviceID: x.pumpDev.ID}); !slices.Equal(got, []string{"GO-TEST-1", "GO-TEST-2"}) {
		t.Errorf("pump findings = %v", got)
	}

	// A changed advisory: the module's fix moved back to v1.0.0, so the
	// pump is no longer affected by it.
	changed := osvAdvisory("GO-TEST-1", "CVE-2099-0002", "example.com/mod", "v1.0.0", 5.3)
	res, err = v.ImportAdvisories(vulnSys(), vuln.AdvisoryImport{Advisories: []vuln.Advisory{changed}})
	must(t, err)
	if res.Changed != 1 || res.Eval.Versions != 1 || res.Eval.Resolved != 1 {
		t.Fatalf("changed advisory import = %+v", res)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{VersionID: x.pump.ID}); !slices.Equal(got, []string{"GO-TEST-2"}) {
		t.Errorf("pump findings after the change = %v", got)
	}

	// Another organization sees none of it.
	if got := findingIDs(t, v, f.b, vuln.FindingFilter{}); len(got) != 0 {
		t.Errorf("org B findings = %v", got)
	}
	wantCode(t, errOf3(v.ListFindings(f.b, vuln.FindingFilter{VersionID: x.monitor.ID})), airtight.ENotFound)
	wantCode(t, errOf3(v.ListFindings(f.b, vuln.FindingFilter{DeviceID: x.dev1.ID})), airtight.ENotFound)
	wantCode(t, errOf(v.ListSBOMs(f.b, x.pump.ID)), airtight.ENotFound)
	wantCode(t, errOf(v.PutSBOM(f.b, x.pump.ID, "x.json", cdx("a@v1"))), airtight.ENotFound)
	wantCode(t, errOf(v.PutSBOM(f.a, x.pump.ID, "x.json", []byte(`{"not":"an sbom"}`))), airtight.EInvalid)
	if r, err := v.RiskList(f.b, 0); err != nil || len(r) != 0 {
		t.Errorf("org B risk list = %v, %v", r, err)
	}

	// Full evaluation finds the same and changes nothing.
	all, err := v.EvaluateAll(vulnSys())
	must(t, err)
	if all.Versions != 3 || all.Findings != 2 || all.New != 0 || all.Resolved != 0 || all.Alerts != 0 {
		t.Errorf("full evaluation = %+v", all)
	}
}

// The plan's entries move open → planned → patched → verified (and back
// to open), audited; risk ranks devices with an explanation; suppressions
// survive a version bump; exposure counts open findings per day.
func testVulnPlanRiskSuppress(t *testing.T, f *fixture) {
	v := NewVuln(f.db, nil, nil)
	x := f.vulnFleet(v)
	_, err := v.ImportAdvisories(vulnSys(), vuln.AdvisoryImport{Advisories: []vuln.Advisory{
		csafAdvisory("ICSMA-TEST-01", "CVE-2099-0001", "Philips", "IntelliVue MX40", "< B.06.18", "B.06.18", 8.1),
		osvAdvisory("GO-TEST-1", "CVE-2099-0002", "example.com/mod", "v1.2.0", 5.3),
	}, KEV: map[string]string{"CVE-2099-0001": "2099-01-01"}})
	must(t, err)

	plan, err := v.Plan(f.a)
	must(t, err)
	if len(plan) != 2 || plan[0].VersionID != x.monitor.ID || plan[0].Fixed != "B.06.18" || !plan[0].KEV ||
		plan[0].Devices != 2 || !slices.Equal(plan[0].Advisories, []string{"ICSMA-TEST-01"}) || plan[0].State != vuln.PlanOpen {
		t.Fatalf("plan = %+v", plan)
	}
	id := plan[0].ID
	st := func(s vuln.PlanState) *vuln.PlanState { return &s }
	wantCode(t, errOf(v.SetPlanState(f.b, id, vuln.PlanUpdate{State: st(vuln.PlanPlanned)})), airtight.ENotFound)
	wantCode(t, errOf(v.SetPlanState(f.a, id, vuln.PlanUpdate{State: st(vuln.PlanPatched)})), airtight.EConflict)
	wantCode(t, errOf(v.SetPlanState(f.a, id, vuln.PlanUpdate{State: st("done")})), airtight.EInvalid)
	got, err := v.SetPlanState(f.a, id, vuln.PlanUpdate{State: st(vuln.PlanPlanned), Assignee: ptr("biomed team")})
	must(t, err)
	if got.State != vuln.PlanPlanned || got.Assignee != "biomed team" || got.UpdatedBy != "admin@hospital-a" {
		t.Errorf("planned = %+v", got)
	}
	for _, s := range []vuln.PlanState{vuln.PlanPatched, vuln.PlanVerified, vuln.PlanOpen} {
		_, err := v.SetPlanState(f.a, id, vuln.PlanUpdate{State: st(s)})
		must(t, err)
	}
	n := 0
	for _, e := range f.entries() {
		if e.Action == "vuln.plan.update" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d vuln.plan.update audit entries, want 4", n)
	}

	rl, err := v.RiskList(f.a, 10)
	must(t, err)
	if len(rl) != 3 || rl[0].AssetTag != "MX-1" || !strings.Contains(rl[0].Explain, "KEV listed") || rl[0].Score <= rl[2].Score {
		t.Fatalf("risk list = %+v", rl)
	}

	pumpFinding, _, err := v.ListFindings(f.a, vuln.FindingFilter{VersionID: x.pump.ID})
	must(t, err)
	if len(pumpFinding) != 1 || pumpFinding[0].Identity != "pkg:golang/example.com/mod" {
		t.Fatalf("pump findings = %+v", pumpFinding)
	}
	sup := &vuln.Suppression{Identity: pumpFinding[0].Identity, Advisory: "GO-TEST-1", Reason: "module not linked into the firmware"}
	must(t, v.Suppress(f.a, sup))
	wantCode(t, v.Suppress(f.a, &vuln.Suppression{Identity: sup.Identity, Advisory: "GO-TEST-1", Reason: "again"}), airtight.EConflict)
	wantCode(t, v.Suppress(f.a, &vuln.Suppression{Identity: sup.Identity, Advisory: "GO-TEST-1"}), airtight.EInvalid)
	// A new pump version with a newer, still vulnerable module.
	pump2 := &inventory.ProductVersion{ProductID: mustProduct(t, f, x.pump.ID), Version: "1.1b"}
	must(t, f.db.CreateVersion(f.a, pump2))
	_, err = v.PutSBOM(f.a, pump2.ID, "pump-1.1.cdx.json", cdx("example.com/mod@v1.1.0"))
	must(t, err)
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{}); !slices.Equal(got, []string{"ICSMA-TEST-01"}) {
		t.Errorf("findings with the suppression = %v", got)
	}
	withSup, _, err := v.ListFindings(f.a, vuln.FindingFilter{IncludeSuppressed: true, VersionID: pump2.ID})
	must(t, err)
	if len(withSup) != 1 || !withSup[0].Suppressed {
		t.Errorf("suppressed findings of the new version = %+v", withSup)
	}
	wantCode(t, v.Unsuppress(f.b, sup.ID), airtight.ENotFound)
	must(t, v.Unsuppress(f.a, sup.ID))
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{}); len(got) != 3 {
		t.Errorf("findings after unsuppress = %v", got)
	}

	exp, err := v.ExposureHistory(f.a, 3)
	must(t, err)
	if len(exp) != 3 || exp[2].Open != 3 || exp[2].KEV != 1 || exp[0].Open != 0 {
		t.Errorf("exposure = %+v", exp)
	}
	wantCode(t, errOf(v.ExposureHistory(f.a, 0)), airtight.EInvalid)
}

func mustProduct(t *testing.T, f *fixture, versionID int64) int64 {
	t.Helper()
	pv, err := f.db.FindVersion(f.a, versionID)
	must(t, err)
	return pv.ProductID
}

// A device maker's SBOM and VEX apply to a hospital's version of the same
// manufacturer, model and version while the hospital grants the maker that
// manufacturer; VEX turns a finding not_affected.
func testVulnSharing(t *testing.T, f *fixture) {
	v := NewVuln(f.db, nil, nil)
	_, err := v.ImportAdvisories(vulnSys(), vuln.AdvisoryImport{Advisories: []vuln.Advisory{
		osvAdvisory("GO-TEST-1", "CVE-2099-0002", "example.com/mod", "v1.2.0", 9.8),
	}})
	must(t, err)
	mm := f.manufacturer(f.maker, "ACME Medical")
	mp := f.product(f.maker, mm.ID, "InfuseMax", "infusion-pump", inventory.LifeSustaining)
	mv := f.version(f.maker, mp.ID, "3.1")
	hm := f.manufacturer(f.a, "Acme Medical")
	hp := f.product(f.a, hm.ID, "infusemax", "infusion-pump", inventory.LifeSustaining)
	hv := f.version(f.a, hp.ID, "3.1")
	f.device(f.a, hv.ID, "IM-1")
	_, err = v.PutSBOM(f.maker, mv.ID, "infusemax-3.1.cdx.json", cdx("example.com/mod@v1.0.0"))
	must(t, err)
	if l, err := v.ListSBOMs(f.a, hv.ID); err != nil || len(l) != 0 {
		t.Fatalf("shared before the grant: %v %v", l, err)
	}
	g := &inventory.Grant{GranteeOrgID: f.orgM.ID, ManufacturerID: hm.ID}
	must(t, f.db.CreateGrant(f.a, g))
	l, err := v.ListSBOMs(f.a, hv.ID)
	must(t, err)
	if len(l) != 1 || !l[0].Shared || l[0].Publisher != "Org maker" || l[0].Count != 1 {
		t.Fatalf("shared sboms = %+v", l)
	}
	res, err := v.Evaluate(f.a, 0)
	must(t, err)
	if res.Versions != 1 || res.Alerts != 1 {
		t.Errorf("hospital evaluation = %+v", res)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{VersionID: hv.ID}); !slices.Equal(got, []string{"GO-TEST-1"}) {
		t.Fatalf("hospital findings from the maker's SBOM = %v", got)
	}
	openvex := `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"ACME","timestamp":"2025-01-15T10:00:00Z","version":1,
	 "statements":[{"vulnerability":{"name":"CVE-2099-0002"},"products":[{"@id":"pkg:golang/example.com/mod"}],
	 "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}`
	st, err := v.ImportVEX(f.maker, mv.ID, "infusemax.openvex.json", []byte(openvex))
	must(t, err)
	if len(st) != 1 || st[0].Status != vuln.StatusNotAffected {
		t.Fatalf("vex statements = %+v", st)
	}
	fs, _, err := v.ListFindings(f.a, vuln.FindingFilter{VersionID: hv.ID})
	must(t, err)
	if len(fs) != 1 || fs[0].Status != vuln.StatusNotAffected || !strings.Contains(fs[0].Reason, "VEX") {
		t.Fatalf("hospital finding after the maker's VEX = %+v", fs)
	}
	wantCode(t, errOf(v.ImportVEX(f.b, mv.ID, "x.json", []byte(openvex))), airtight.ENotFound)
	must(t, f.db.RevokeGrant(f.a, g.ID))
	if l, err := v.ListSBOMs(f.a, hv.ID); err != nil || len(l) != 0 {
		t.Errorf("shared after revoking: %v %v", l, err)
	}
}

// A real CISA ICSMA advisory (CSAF 2.0) flags the inventory devices whose
// manufacturer, model and version it names, and not the fixed version.
func testVulnICSMA(t *testing.T, f *fixture) {
	path := shareddata.Dir(t, "vuln", "csaf-icsma", "2017", "icsma-17-255-01.json")
	data, err := os.ReadFile(path)
	must(t, err)
	adv, err := csaf.Parse(path, data)
	must(t, err)
	v := NewVuln(f.db, nil, nil)
	m := f.manufacturer(f.a, "Philips")
	p := f.product(f.a, m.ID, "IntelliVue MX40 Patient Worn Monitor", "patient-monitor", inventory.LifeSupporting)
	old, fixed := f.version(f.a, p.ID, "B.06.10"), f.version(f.a, p.ID, "B.06.18")
	d1, d2 := f.device(f.a, old.ID, "MX40-1"), f.device(f.a, fixed.ID, "MX40-2")
	res, err := v.ImportAdvisories(vulnSys(), vuln.AdvisoryImport{Advisories: []vuln.Advisory{adv}})
	must(t, err)
	if res.Added != 1 || res.Eval.Versions != 1 {
		t.Errorf("import = %+v", res)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{DeviceID: d1.ID}); !slices.Equal(got, []string{adv.ID}) {
		t.Errorf("findings of the B.06.10 monitor = %v", got)
	}
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{DeviceID: d2.ID}); len(got) != 0 {
		t.Errorf("findings of the B.06.18 monitor = %v", got)
	}
}

// recallFixture parses the openFDA-shaped recall fixture.
func recallFixture(t *testing.T) []vuln.Recall {
	t.Helper()
	data, err := os.ReadFile("testdata/recalls.json")
	must(t, err)
	rs, err := fda.Parse("recalls.json", data)
	must(t, err)
	if len(rs) != 3 {
		t.Fatalf("fixture: %d recalls", len(rs))
	}
	return rs
}

// recallFleet is the fleet of the recall tests: hospital A runs two
// MiniMed 630G pumps (open Class I recall), a 670G (terminated Class II
// recall) and a Sigma Spectrum version no device runs (recall without a
// class); hospital B runs one 630G.
type recallFleet struct {
	p630, p670, sigma, b630 *inventory.ProductVersion
	pump1, pump2, pump670   *inventory.Device
}

func (f *fixture) recallFleet() *recallFleet {
	f.t.Helper()
	x := &recallFleet{}
	m := f.manufacturer(f.a, "Medtronic MiniMed")
	x.p630 = f.version(f.a, f.product(f.a, m.ID, "MiniMed 630G", "insulin-pump", inventory.LifeSustaining).ID, "4.2")
	x.p670 = f.version(f.a, f.product(f.a, m.ID, "MiniMed 670G", "insulin-pump", inventory.LifeSustaining).ID, "5.0")
	x.pump1, x.pump2 = f.device(f.a, x.p630.ID, "PUMP-630-1"), f.device(f.a, x.p630.ID, "PUMP-630-2")
	x.pump670 = f.device(f.a, x.p670.ID, "PUMP-670-1")
	bx := f.manufacturer(f.a, "Baxter")
	x.sigma = f.version(f.a, f.product(f.a, bx.ID, "Sigma Spectrum", "infusion-pump", inventory.LifeSustaining).ID, "8.00.01")
	mb := f.manufacturer(f.b, "Medtronic MiniMed")
	x.b630 = f.version(f.b, f.product(f.b, mb.ID, "MiniMed 630G", "insulin-pump", inventory.LifeSustaining).ID, "4.2")
	f.device(f.b, x.b630.ID, "B-PUMP-1")
	return x
}

func versionFindings(t *testing.T, v *Vuln, ctx context.Context, versionID int64) []*vuln.StoredFinding {
	t.Helper()
	fs, _, err := v.ListFindings(ctx, vuln.FindingFilter{VersionID: versionID})
	must(t, err)
	return fs
}

// testVulnRecalls: FDA recalls imported once for the installation give
// device findings per product version (open → needs_review, terminated →
// fixed), rank a Class I recall of a device in use high with its
// explanation, raise one plain-language alert per hospital for a newly
// matching open Class I recall, and re-importing changes nothing.
func testVulnRecalls(t *testing.T, f *fixture) {
	v := NewVuln(f.db, nil, nil)
	x := f.recallFleet()
	rs := recallFixture(t)

	res, err := v.ImportAdvisories(vulnSys(), vuln.AdvisoryImport{Recalls: rs})
	must(t, err)
	if res.Recalls != 3 || res.Added != 3 || res.Changed != 0 || res.Eval.Versions != 4 || res.Eval.Alerts != 2 {
		t.Fatalf("first import = %+v", res)
	}

	// The open Class I recall: needs review, named by recall number.
	fs := versionFindings(t, v, f.a, x.p630.ID)
	if len(fs) != 1 {
		t.Fatalf("630G findings = %+v", fs)
	}
	g := fs[0]
	if g.Advisory != "Z-1544-2024" || g.Method != vuln.MethodDevice || g.Status != vuln.StatusNeedsReview || g.RecallClass != "I" ||
		g.Devices != 2 || g.Component != "" || g.Confidence <= 0 {
		t.Errorf("630G finding = %+v", g)
	}
	for _, want := range []string{"Class I", "Medtronic MiniMed, Inc.", "MiniMed 630G", "lot or serial"} {
		if !strings.Contains(g.Reason, want) {
			t.Errorf("630G reason %q lacks %q", g.Reason, want)
		}
	}
	// The terminated Class II recall: fixed, kept visible.
	if fs := versionFindings(t, v, f.a, x.p670.ID); len(fs) != 1 || fs[0].Advisory != "Z-0833-2021" ||
		fs[0].Status != vuln.StatusFixed || fs[0].RecallClass != "II" || !strings.Contains(fs[0].Reason, "Class II") {
		t.Errorf("670G findings = %+v", fs)
	}
	// A recall without a class still needs review.
	if fs := versionFindings(t, v, f.a, x.sigma.ID); len(fs) != 1 || fs[0].Status != vuln.StatusNeedsReview ||
		fs[0].RecallClass != "-" || !strings.Contains(fs[0].Reason, "class not given") {
		t.Errorf("Sigma findings = %+v", fs)
	}
	// Hospital A sees its own findings only.
	if got := findingIDs(t, v, f.a, vuln.FindingFilter{}); !slices.Equal(got, []string{"Z-0421-2023", "Z-0833-2021", "Z-1544-2024"}) {
		t.Errorf("hospital A findings = %v", got)
	}
	if got := findingIDs(t, v, f.b, vuln.FindingFilter{}); !slices.Equal(got, []string{"Z-1544-2024"}) {
		t.Errorf("hospital B findings = %v", got)
	}

	// Risk: the 630G pumps rank first, high, explained by the recall class.
	ranked, err := v.RiskList(f.a, 10)
	must(t, err)
	if len(ranked) != 2 || ranked[0].DeviceID != x.pump1.ID || ranked[1].DeviceID != x.pump2.ID {
		t.Fatalf("risk = %+v", ranked)
	}
	if r := ranked[0]; r.Score < 50 || !strings.Contains(r.Explain, "Z-1544-2024") || !strings.Contains(r.Explain, "FDA Class I recall") ||
		!strings.Contains(r.Explain, "life-sustaining") {
		t.Errorf("top risk = %+v", r)
	}

	// One alert in each hospital, in plain language; none for the
	// terminated recall or the unclassified one.
	for _, ctx := range []context.Context{f.a, f.b} {
		as, _, err := f.db.ListAlerts(ctx, alert.Filter{Source: "vuln"})
		must(t, err)
		if len(as) != 1 {
			t.Fatalf("alerts = %+v", as)
		}
		a := as[0]
		if a.Kind != "recall.class1" || a.Severity != alert.Critical || !strings.Contains(a.Title, "Z-1544-2024") ||
			!strings.Contains(a.Summary, "serious injury or death") ||
			!strings.Contains(a.Action, "Check the serial/lot numbers against the recall notice; contact the maker") {
			t.Errorf("alert = %+v", a)
		}
	}
	as := vulnAlerts(t, f)
	if !strings.Contains(string(as[0].Evidence), fmt.Sprint(x.pump2.ID)) || !strings.Contains(as[0].Title, "2 devices") {
		t.Errorf("hospital A alert = %+v", as[0])
	}

	// Re-import of the same recalls (read from another file): nothing
	// changes, nothing is re-evaluated, no alert.
	again := recallFixture(t)
	for i := range again {
		again[i].Source = "elsewhere/recalls.json"
	}
	res, err = v.ImportAdvisories(vulnSys(), vuln.AdvisoryImport{Recalls: again})
	must(t, err)
	if res.Added != 0 || res.Changed != 0 || res.Unchanged != 3 || res.Eval.Versions != 0 || res.Eval.Alerts != 0 {
		t.Fatalf("re-import = %+v", res)
	}

	// The FDA terminates the Class I recall: the 630G findings of both
	// hospitals become fixed, the pumps leave the risk list, no alert.
	term := rs[0]
	term.Status, term.Terminated = "Terminated", "2026-02-20"
	res, err = v.ImportAdvisories(vulnSys(), vuln.AdvisoryImport{Recalls: []vuln.Recall{term}})
	must(t, err)
	if res.Changed != 1 || res.Added != 0 || res.Eval.Versions != 2 || res.Eval.Alerts != 0 || res.Eval.New != 0 {
		t.Fatalf("terminated import = %+v", res)
	}
	for _, c := range []struct {
		ctx context.Context
		id  int64
	}{{f.a, x.p630.ID}, {f.b, x.b630.ID}} {
		if fs := versionFindings(t, v, c.ctx, c.id); len(fs) != 1 || fs[0].Status != vuln.StatusFixed ||
			!strings.Contains(fs[0].Reason, "recall terminated") || fs[0].RecallClass != "I" {
			t.Errorf("630G findings after termination = %+v", fs)
		}
	}
	ranked, err = v.RiskList(f.a, 10)
	must(t, err)
	if len(ranked) != 0 {
		t.Errorf("risk after termination = %+v", ranked)
	}
	if as := vulnAlerts(t, f); len(as) != 1 {
		t.Errorf("alerts after termination = %d", len(as))
	}

	// A full evaluation from a cold cache agrees with the incremental one.
	cold := NewVuln(f.db, nil, nil)
	r, err := cold.EvaluateAll(vulnSys())
	must(t, err)
	if r.New != 0 || r.Resolved != 0 || r.Alerts != 0 || r.Findings != 4 {
		t.Errorf("cold evaluation = %+v", r)
	}
}
