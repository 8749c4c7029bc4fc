package kev

import (
	"os"
	"strings"
	"testing"

	"github.com/airtight/airtight/internal/shareddata"
)

const sample = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2025.08.25","count":2,
"vulnerabilities":[{"cveID":"CVE-2019-0708","vendorProject":"Microsoft","product":"Remote Desktop Services","dateAdded":"2021-11-03"},
{"cveID":"CVE-2020-1938","vendorProject":"Apache","product":"Tomcat","dateAdded":"2022-03-03"}]}`

func TestParse(t *testing.T) {
	c, err := Parse("kev.json", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "2025.08.25" || !c.Listed("CVE-2019-0708") || !c.Listed("CVE-2020-1938") || c.Listed("CVE-2099-0001") {
		t.Errorf("catalog %+v", c)
	}
	if !Detect([]byte(sample)) || Detect([]byte(`{"id":"GO-1"}`)) {
		t.Error("Detect")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`{"catalogVersion":"1"}`, "kev.json: vulnerabilities: missing"},
		{`{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-2020-1"},{"cveID":"x"}]}`, "vulnerabilities[0].cveID"},
		{`{"catalogVersion":1}`, "kev.json:1:"},
	}
	for _, tt := range tests {
		if _, err := Parse("kev.json", []byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.doc, err, tt.want)
		}
	}
}

// TestSharedCatalog reads the staged catalog: the ICSMA CVEs the manifest
// names as exploited are listed.
func TestSharedCatalog(t *testing.T) {
	p := shareddata.Dir(t, "vuln", "kev", "known_exploited_vulnerabilities.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(p, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entries) != 1404 {
		t.Errorf("%d entries, want 1404", len(c.Entries))
	}
	for _, cve := range []string{"CVE-2017-0143", "CVE-2019-0708", "CVE-2020-1938", "CVE-2020-11023"} {
		if !c.Listed(cve) {
			t.Errorf("%s not listed", cve)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz", data)
		if err == nil {
			for k := range c.Entries {
				if !strings.HasPrefix(k, "CVE-") {
					t.Fatalf("entry %q", k)
				}
			}
		}
	})
}
