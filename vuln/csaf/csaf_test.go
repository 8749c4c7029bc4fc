package csaf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/vuln"
)

func TestParse(t *testing.T) {
	data, err := os.ReadFile("testdata/pump.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse("pump.json", data)
	if err != nil {
		t.Fatal(err)
	}
	cve := []string{"CVE-2099-0001"}
	want := []vuln.Affected{
		{Vendor: "Acme Medical, Inc.", Product: "InfuseMax 3000", FullName: "InfuseMax 3000 < B.06.18", ProductID: "P1",
			VersionExpr: "< B.06.18", Status: vuln.StatusAffected, Aliases: cve, CVSS: 8.1,
			Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", Fixed: "B.06.18"},
		{Vendor: "Acme Medical, Inc.", Product: "InfuseMax 3000", FullName: "InfuseMax 3000 B.06.18", ProductID: "P2",
			VersionExpr: "B.06.18", Status: vuln.StatusFixed, Aliases: cve},
		{Vendor: "Acme Medical, Inc.", Product: "Gateway", FullName: "Gateway IGS", ProductID: "P3",
			VersionExpr: "IGS", Status: vuln.StatusAffected, Aliases: cve},
		{Vendor: "Acme Medical, Inc.", Product: "InfuseMax 3000", FullName: "InfuseMax on Gateway", ProductID: "R1",
			VersionExpr: "< B.06.18", Status: vuln.StatusAffected, Aliases: cve, Fixed: "B.06.18"},
	}
	if a.ID != "TEST-CSAF-01" || a.CVSS != 8.1 {
		t.Errorf("ID, CVSS = %q, %v", a.ID, a.CVSS)
	}
	if diff := cmp.Diff(want, a.Affected); diff != "" {
		t.Errorf("Affected (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	deep := `{"branches":[` + strings.Repeat(`{"category":"vendor","name":"x","branches":[`, 40) +
		strings.Repeat(`]}`, 40) + `]}`
	tests := []struct{ name, doc, want string }{
		{"syntax", `{"document": {`, "bad.json:1:14"},
		{"type", `{"document": {"csaf_version": 2}}`, "document.csaf_version"},
		{"version", `{"document": {"csaf_version": "1.0"}}`, "unsupported CSAF version"},
		{"unknown product", `{"document":{"csaf_version":"2.0","tracking":{"id":"X"}},"vulnerabilities":[{"product_status":{"known_affected":["P9"]}}]}`, `vulnerabilities[0]: product_status.known_affected: unknown product id "P9"`},
		{"deep", `{"document":{"csaf_version":"2.0","tracking":{"id":"X"}},"product_tree":` + deep + `}`, "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.json", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile(filepath.Join("testdata", "pump.json"))
	f.Add(seed)
	f.Add([]byte(`{"document":{"csaf_version":"2.0","tracking":{"id":"X"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		Parse("fuzz.json", data)
	})
}
