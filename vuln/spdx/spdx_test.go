package spdx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/vuln"
)

func TestParseTagValue(t *testing.T) {
	data, err := os.ReadFile("testdata/pump.spdx")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("pump.spdx", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []vuln.Component{
		{Ref: "SPDXRef-freertos", Type: "operating-system", Name: "FreeRTOS", Version: "10.0.1",
			PURL: "pkg:generic/freertos@10.0.1", CPE: "cpe:2.3:o:amazon:freertos:10.0.1:*:*:*:*:*:*:*", Supplier: "Amazon",
			Hashes:         []vuln.Hash{{Alg: "SHA256", Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
			LevelOfSupport: "Actively maintained", EndOfSupport: "2027-12-31"},
		{Ref: "SPDXRef-wolfssl", Name: "wolfSSL", Version: "4.8.1", CPE: "cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*", Supplier: "wolfSSL Inc."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not spdx", `{"bomFormat":"CycloneDX"}`, "d.json: not an SPDX document"},
		{"json syntax", `{"spdxVersion": "SPDX-2.3", "packages": [}`, "d.json: spdx-json:"},
		{"old version", `{"spdxVersion": "SPDX-1.2", "SPDXID": "SPDXRef-DOCUMENT"}`, "SPDX-1.2"},
		{"tag-value garbage", "SPDXVersion: SPDX-2.3\nPackageName: a\nPackageChecksum: nonsense\n", "d.json: spdx-tag-value:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("d.json", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestSharedExamples reads the staged SPDX 2.2 and 2.3 JSON examples: every
// package is kept with its purl (the examples give one for each package
// that has an external reference) and checksums.
func TestSharedExamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(shareddata.Dir(t, "vuln", "sbom", "spdx-examples"), "*.spdx.json"))
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(f, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		wantPURLs, wantHashes := expected(t, data)
		purls, hashes := 0, 0
		for _, c := range got {
			if c.PURL != "" {
				purls++
			}
			hashes += len(c.Hashes)
			if c.Name == "" || !strings.HasPrefix(c.Ref, "SPDXRef-") {
				t.Errorf("%s: package without name or id: %+v", f, c)
			}
		}
		if purls != wantPURLs || hashes != wantHashes || len(got) == 0 {
			t.Errorf("%s: %d purls and %d checksums kept, document has %d and %d", f, purls, hashes, wantPURLs, wantHashes)
		}
		t.Logf("%s: %d packages, %d purls, %d checksums", filepath.Base(f), len(got), purls, hashes)
	}
}

// expected counts, with plain JSON decoding, the packages with a purl
// reference and the package checksums of an SPDX JSON document.
func expected(t *testing.T, data []byte) (purls, hashes int) {
	var doc struct {
		Packages []struct {
			Checksums    []any `json:"checksums"`
			ExternalRefs []struct {
				Type string `json:"referenceType"`
			} `json:"externalRefs"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Packages {
		hashes += len(p.Checksums)
		for _, r := range p.ExternalRefs {
			if r.Type == "purl" {
				purls++
				break
			}
		}
	}
	return purls, hashes
}

func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/pump.spdx")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[{"SPDXID":"SPDXRef-a","name":"a","versionInfo":"1","supplier":"Organization: X","checksums":[{"algorithm":"SHA1","checksumValue":"AB"}],"externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/a@1"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := Parse("fuzz", data)
		if err == nil && len(cs) > MaxPackages {
			t.Fatalf("%d packages", len(cs))
		}
	})
}
