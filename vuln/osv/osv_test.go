package osv

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/vuln"
)

func TestParse(t *testing.T) {
	data, err := os.ReadFile("testdata/TEST-2099-1.json")
	if err != nil {
		t.Fatal(err)
	}
	if !Detect(data) {
		t.Fatal("not detected")
	}
	a, ok, err := Parse("t.json", data)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	want := []vuln.Affected{
		{Ecosystem: "Go", Package: "example.com/mod", Status: vuln.StatusAffected, Ranges: []vuln.Range{{Type: "SEMVER",
			Events: []vuln.Event{{Introduced: "0"}, {Fixed: "1.2.3"}, {Introduced: "2.0.0"}, {LastAffected: "2.1.0"}}}}},
		{Ecosystem: "PyPI", Package: "Test_Pkg", PURL: "pkg:pypi/test-pkg", Versions: []string{"0.9"}, Status: vuln.StatusAffected,
			Ranges: []vuln.Range{{Type: "ECOSYSTEM", Events: []vuln.Event{{Introduced: "1.0"}, {Fixed: "1.4.post1"}}},
				{Type: "GIT", Events: []vuln.Event{{Introduced: "abc"}}}}},
	}
	if diff := cmp.Diff(want, a.Affected); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"syntax", "{\n\"id\": }", "e.json:2:7"},
		{"no id", `{"affected": []}`, "id: missing"},
		{"bad event", `{"id":"X","affected":[{"ranges":[{"events":[{"introduced":"0","fixed":"1"}]}]}]}`, "affected: [0].ranges[0].events[0]"},
		{"type", `{"id":"X","affected":[{"versions":"1.0"}]}`, "affected.versions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse("e.json", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWithdrawn(t *testing.T) {
	_, ok, err := Parse("w.json", []byte(`{"id":"X","withdrawn":"2026-01-01T00:00:00Z","affected":[]}`))
	if ok || err != nil {
		t.Errorf("ok %v, err %v; want a withdrawn entry skipped", ok, err)
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile("testdata/TEST-2099-1.json")
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		Parse("fuzz.json", data)
	})
}
