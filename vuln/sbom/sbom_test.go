package sbom

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/vuln"
)

func TestReadFile(t *testing.T) {
	tests := []struct {
		path  string
		want  Format
		comps int
	}{
		{"../cyclonedx/testdata/app.cdx.json", CycloneDXJSON, 3},
		{"../cyclonedx/testdata/pump.cdx.xml", CycloneDXXML, 3},
		{"../spdx/testdata/pump.spdx", SPDXTagValue, 2},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			cs, f, err := ReadFile(tt.path)
			if err != nil || f != tt.want || len(cs) != tt.comps {
				t.Errorf("ReadFile = %d components, %q, %v; want %d, %q", len(cs), f, err, tt.comps, tt.want)
			}
		})
	}
}

func TestParseUnknown(t *testing.T) {
	for _, doc := range []string{"", "a,b,c\n1,2,3\n", `{"id":"GO-1"}`, `<html/>`} {
		_, _, err := Parse("x.txt", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), "x.txt: not a CycloneDX") {
			t.Errorf("%q: error %v", doc, err)
		}
	}
}

func TestSharedDetect(t *testing.T) {
	spdxFiles, _ := filepath.Glob(filepath.Join(shareddata.Dir(t, "vuln", "sbom", "spdx-examples"), "*.json"))
	cdxFiles, _ := filepath.Glob(filepath.Join(shareddata.Dir(t, "vuln", "sbom", "cyclonedx-examples"), "*.json"))
	for _, set := range []struct {
		files []string
		want  Format
	}{{spdxFiles, SPDXJSON}, {cdxFiles, CycloneDXJSON}} {
		for _, f := range set.files {
			cs, got, err := ReadFile(f)
			if err != nil || got != set.want {
				t.Errorf("%s: %q, %v; want %q", f, got, err, set.want)
			}
			checkIdentified(t, f, cs)
		}
	}
}

// checkIdentified checks that no component lost its name.
func checkIdentified(t *testing.T, f string, cs []vuln.Component) {
	t.Helper()
	for _, c := range cs {
		if c.Name == "" && c.PURL == "" {
			t.Errorf("%s: component with neither name nor purl: %+v", f, c)
		}
	}
}
