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
