package cyclonedx

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/vuln"
)

func TestParse(t *testing.T) {
	data, err := os.ReadFile("testdata/app.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("app.cdx.json", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []vuln.Component{
		{Ref: "a", Name: "example.com/mod", Version: "v1.2.0", PURL: "pkg:golang/example.com/mod@v1.2.0"},
		{Ref: "b", Name: "test-pkg", Version: "1.3", PURL: "pkg:pypi/test-pkg@1.3"},
		{Ref: "c", Name: "acme/rtos", Version: "10.0.1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat(`{"name":"x","components":[`, 40) + strings.Repeat(`]}`, 40)
	tests := []struct{ name, doc, want string }{
		{"xml", `<bom/>`, "XML is not supported"},
		{"format", `{"bomFormat":"SPDX"}`, "bomFormat"},
		{"syntax", `{"bomFormat":`, "s.json:1:13"},
		{"deep", `{"bomFormat":"CycloneDX","components":[` + deep + `]}`, "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.json", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile("testdata/app.cdx.json")
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		Parse("fuzz.json", data)
	})
}
