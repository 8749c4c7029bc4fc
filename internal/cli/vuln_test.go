package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight/vuln"
)

func TestVulnScan(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "devices.csv")
	writeTestFile(t, inv, "asset_tag,manufacturer,model,version,room\nP-1,Acme Medical,InfuseMax 3000,B.06.10,ICU\nP-2,Acme,InfuseMax 3000,B.07,ER\n")
	sbom := filepath.Join(dir, "app.cdx.json")
	writeTestFile(t, sbom, `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"example.com/mod","version":"v1.0.0","purl":"pkg:golang/example.com/mod@v1.0.0"}]}`)
	clean := filepath.Join(dir, "clean.cdx.json")
	writeTestFile(t, clean, `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"example.com/mod","version":"v9.0.0","purl":"pkg:golang/example.com/mod@v9.0.0"}]}`)
	adv := filepath.Join("testdata", "vuln")
	tests := []struct {
		name     string
		args     []string
		status   int
		want     []string // substrings of stdout
		wantJSON int      // JSON lines, -1 for table output
	}{
		{"inventory json", []string{"--inventory", inv, "--advisories", adv, "-o", "json"}, 1, []string{`"device":"P-1"`, `"advisory":"TEST-CSAF-01"`, `"fixed":"B.06.18"`}, 1},
		{"sbom json", []string{"--sbom", sbom, "--advisories", adv, "-o", "json"}, 1, []string{`"component":"pkg:golang/example.com/mod@v1.0.0"`, `"method":"purl"`}, 1},
		{"sbom table", []string{"--sbom", sbom, "--advisories", adv}, 1, []string{"TEST-2099-1", "CVE-2099-0002"}, -1},
		{"clean", []string{"--sbom", clean, "--advisories", adv, "-o", "json"}, 0, nil, 0},
		{"both inputs", []string{"--sbom", sbom, "--inventory", inv, "--advisories", adv}, 2, nil, -1},
		{"no advisories", []string{"--sbom", sbom}, 2, nil, -1},
		{"bad advisory", []string{"--sbom", sbom, "--advisories", inv}, 2, nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, status := runDLP(t, "", append([]string{"vuln", "scan"}, tt.args...)...)
			if status != tt.status {
				t.Fatalf("exit status %d, want %d; stderr %s", status, tt.status, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tt.wantJSON >= 0 {
				checkFindingLines(t, out, tt.wantJSON)
			}
		})
	}
}

// checkFindingLines checks that out is n JSON findings, one per line, with
// every field of the documented format.
func checkFindingLines(t *testing.T, out string, n int) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if out == "" {
		lines = nil
	}
	if len(lines) != n {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), n, out)
	}
	fields := []string{"device", "component", "advisory", "aliases", "method", "confidence", "reason", "cvss", "kev", "epss", "fixed", "status"}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			if _, ok := m[f]; !ok {
				t.Errorf("line lacks %q: %s", f, l)
			}
		}
		if len(m) != len(fields) {
			t.Errorf("line has %d fields, want %d: %s", len(m), len(fields), l)
		}
		var f vuln.Finding
		json.Unmarshal([]byte(l), &f)
		if f.Status != vuln.StatusAffected {
			t.Errorf("status %q", f.Status)
		}
	}
}

// vulnFixtures writes an SBOM in three formats, a KEV catalog, EPSS scores
// and a VEX document, and returns their paths.
func vulnFixtures(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	p := map[string]string{
		"spdx":  filepath.Join(dir, "app.spdx"),
		"xml":   filepath.Join(dir, "app.cdx.xml"),
		"intel": filepath.Join(dir, "intel"),
		"vex":   filepath.Join(dir, "app.openvex.json"),
		"inv":   filepath.Join(dir, "devices.csv"),
		"old":   filepath.Join(dir, "old.cdx.json"),
	}
	writeTestFile(t, p["spdx"], "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: app\n"+
		"DocumentNamespace: https://example.com/app\nCreator: Tool: test\nCreated: 2025-01-01T00:00:00Z\n\n"+
		"PackageName: example.com/mod\nSPDXID: SPDXRef-mod\nPackageVersion: v1.0.0\nPackageDownloadLocation: NOASSERTION\n"+
		"FilesAnalyzed: false\nExternalRef: PACKAGE-MANAGER purl pkg:golang/example.com/mod@v1.0.0\n")
	writeTestFile(t, p["xml"], `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><components>`+
		`<component type="library" bom-ref="mod"><name>example.com/mod</name><version>v1.0.0</version><purl>pkg:golang/example.com/mod@v1.0.0</purl></component>`+
		`</components></bom>`)
	writeTestFile(t, filepath.Join(p["intel"], "kev.json"), `{"catalogVersion":"2025.08.25","vulnerabilities":[{"cveID":"CVE-2099-0002"},{"cveID":"CVE-2099-0001"}]}`)
	writeTestFile(t, filepath.Join(p["intel"], "epss.csv"), "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00Z\ncve,epss,percentile\nCVE-2099-0002,0.94,0.99\n")
	writeTestFile(t, p["vex"], `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"Acme","timestamp":"2025-01-01T00:00:00Z","version":1,
"statements":[{"vulnerability":{"name":"CVE-2099-0002"},"products":[{"@id":"pkg:golang/example.com/mod"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}`)
	writeTestFile(t, p["inv"], "asset_tag,manufacturer,model,version,criticality,internet\nP-1,Acme Medical,InfuseMax 3000,B.06.10,life-sustaining,no\nP-2,Acme Medical,InfuseMax 3000,B.06.10,standard,yes\n")
	writeTestFile(t, p["old"], `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"example.com/mod","version":"v0.9.0","purl":"pkg:golang/example.com/mod@v0.9.0"},{"name":"gone","version":"1","purl":"pkg:npm/gone@1"}]}`)
	return p
}

func TestVulnScanFormatsAndIntel(t *testing.T) {
	p := vulnFixtures(t)
	adv := filepath.Join("testdata", "vuln")
	for _, sbom := range []string{p["spdx"], p["xml"]} {
		out, errOut, status := runDLP(t, "", "vuln", "scan", "--sbom", sbom, "--advisories", adv, "--advisories", p["intel"], "-o", "json")
		if status != 1 {
			t.Fatalf("%s: exit %d: %s", sbom, status, errOut)
		}
		checkFindingLines(t, out, 1)
		var f vuln.Finding
		json.Unmarshal([]byte(out), &f)
		if !f.KEV || f.EPSS != 0.94 || f.Advisory != "TEST-2099-1" {
			t.Errorf("%s: finding not enriched: %+v", sbom, f)
		}
	}
}

func TestVulnScanVEX(t *testing.T) {
	p := vulnFixtures(t)
	out, errOut, status := runDLP(t, "", "vuln", "scan", "--sbom", p["spdx"], "--advisories", filepath.Join("testdata", "vuln"), "--vex", p["vex"], "-o", "json")
	if status != 0 {
		t.Fatalf("exit %d, want 0 (suppressed): %s", status, errOut)
	}
	var f vuln.Finding
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	if f.Status != vuln.StatusNotAffected || !strings.Contains(f.Reason, "vulnerable_code_not_in_execute_path") {
		t.Errorf("finding %+v, want it kept as not_affected", f)
	}
	_, errOut, status = runDLP(t, "", "vuln", "scan", "--sbom", p["spdx"], "--advisories", "testdata/vuln", "--vex", p["spdx"])
	if status != 2 || !strings.Contains(errOut, "app.spdx: not an OpenVEX") {
		t.Errorf("bad VEX: exit %d, %s", status, errOut)
	}
}

func TestVulnScanOpenVEXAndSARIF(t *testing.T) {
	p := vulnFixtures(t)
	out, errOut, status := runDLP(t, "", "vuln", "scan", "--inventory", p["inv"], "--advisories", "testdata/vuln", "-o", "openvex")
	if status != 1 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	var doc struct {
		Context    string           `json:"@context"`
		Statements []map[string]any `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || !strings.HasPrefix(doc.Context, "https://openvex.dev/ns") || len(doc.Statements) != 2 {
		t.Fatalf("openvex %v:\n%s", err, out)
	}
	out, _, _ = runDLP(t, "", "vuln", "scan", "--inventory", p["inv"], "--advisories", "testdata/vuln", "-o", "sarif")
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || log.Version != "2.1.0" || len(log.Runs[0].Results) != 2 {
		t.Fatalf("sarif %v:\n%s", err, out)
	}
	loc := log.Runs[0].Results[0].Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != p["inv"] || loc.Region.StartLine != 2 {
		t.Errorf("location %+v, want the inventory row 2", loc)
	}
}

func TestVulnPlan(t *testing.T) {
	p := vulnFixtures(t)
	out, errOut, status := runDLP(t, "", "vuln", "plan", "--inventory", p["inv"], "--advisories", "testdata/vuln", "--advisories", p["intel"], "-o", "json")
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	var plan []struct {
		Product string `json:"product"`
		Fixed   string `json:"fixed"`
		Top     int    `json:"top_score"`
		Explain string `json:"explanation"`
		Devices []struct {
			ID    string `json:"id"`
			Score int    `json:"score"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan) != 1 {
		t.Fatalf("plan %v:\n%s", err, out)
	}
	g := plan[0]
	if g.Fixed != "B.06.18" || len(g.Devices) != 2 || g.Devices[0].ID != "P-2" || g.Top != 66 || !strings.Contains(g.Explain, "KEV listed (+40), CVSS 8.1 (+8), standard device (+3), internet-reachable (+15)") {
		t.Errorf("plan %+v", g)
	}
	out, _, _ = runDLP(t, "", "vuln", "plan", "--inventory", p["inv"], "--advisories", "testdata/vuln")
	if !strings.Contains(out, "update to B.06.18") || !strings.Contains(out, "P-1(") {
		t.Errorf("table:\n%s", out)
	}
}

func TestVulnDiff(t *testing.T) {
	p := vulnFixtures(t)
	out, errOut, status := runDLP(t, "", "vuln", "diff", p["old"], p["xml"], "-o", "json")
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	var d vuln.SBOMDiff
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Removed) != 1 || d.Removed[0].Name != "gone" || len(d.Added) != 0 || len(d.Changed) != 1 || d.Changed[0].New.Version != "v1.0.0" {
		t.Errorf("diff %+v", d)
	}
	if _, errOut, status := runDLP(t, "", "vuln", "diff", p["old"]); status != 2 {
		t.Errorf("one argument: exit %d %s", status, errOut)
	}
}
