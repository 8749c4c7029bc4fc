package cyclonedx

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/internal/shareddata"
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
		{Ref: "a", Type: "library", Name: "example.com/mod", Version: "v1.2.0", PURL: "pkg:golang/example.com/mod@v1.2.0"},
		{Ref: "b", Type: "library", Name: "test-pkg", Version: "1.3", PURL: "pkg:pypi/test-pkg@1.3"},
		{Ref: "c", Type: "firmware", Name: "acme/rtos", Version: "10.0.1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseXML(t *testing.T) {
	data, err := os.ReadFile("testdata/pump.cdx.xml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("pump.cdx.xml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []vuln.Component{
		{Ref: "pump", Type: "device", Name: "InfuseMax 3000", Version: "B.06.10", Supplier: "Acme Medical"},
		{Ref: "rtos", Type: "operating-system", Name: "FreeRTOS", Version: "10.0.1", PURL: "pkg:generic/freertos@10.0.1",
			CPE: "cpe:2.3:o:amazon:freertos:10.0.1:*:*:*:*:*:*:*", SWID: "swidgen-freertos-10.0.1", Supplier: "Amazon",
			Hashes:         []vuln.Hash{{Alg: "SHA-256", Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
			LevelOfSupport: "Actively maintained", EndOfSupport: "2027-12-31"},
		{Ref: "tls", Type: "library", Name: "wolfSSL", Version: "4.8.1", CPE: "cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*", Supplier: "wolfSSL Inc."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat(`{"name":"x","components":[`, 40) + strings.Repeat(`]}`, 40)
	deepXML := strings.Repeat(`<component><name>x</name><components>`, 40) + strings.Repeat(`</components></component>`, 40)
	tests := []struct{ name, doc, want string }{
		{"xml other root", `<spdx xmlns="http://example.com"/>`, "s.json: bom: root element"},
		{"xml syntax", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n<components>\n<component>\n</bom>", "s.json:4:"},
		{"xml deep", `<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>` + deepXML + `</components></bom>`, "nested deeper"},
		{"format", `{"bomFormat":"SPDX"}`, "bomFormat"},
		{"syntax", `{"bomFormat":`, "s.json:1:13"},
		{"deep", `{"bomFormat":"CycloneDX","components":[` + deep + `]}`, "nested deeper"},
		{"place", `{"bomFormat":"CycloneDX","components":[{"name":"a"},{"name":"b","hashes":[` +
			strings.Repeat(`{"alg":"MD5","content":"00"},`, 64) + `{"alg":"MD5","content":"00"}]}]}`, "components[1]: hashes"},
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

// TestSharedMedicalDevice reads the real medical-device SBOM: every
// component keeps its purl and CPE and carries the FDA support fields.
func TestSharedMedicalDevice(t *testing.T) {
	p := shareddata.Dir(t, "vuln", "sbom", "medical-device-case-study", "extended.sbom.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(p, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 66 || got[0].Type != "device" {
		t.Fatalf("%d components, first %+v; want the device and its 65 components", len(got), got[0])
	}
	for _, c := range got[1:] {
		if c.PURL == "" || c.CPE == "" || c.LevelOfSupport == "" || c.EndOfSupport == "" || c.Supplier == "" {
			t.Errorf("component lacks an identifier or support field: %+v", c)
		}
	}
}

// TestSharedXMLRoundTrip converts every staged CycloneDX JSON example to
// XML with the reference library (cyclonedx-go) and checks that the XML
// parse keeps every identifier of the JSON parse.
func TestSharedXMLRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(shareddata.Dir(t, "vuln", "sbom", "cyclonedx-examples"), "*.json"))
	more, _ := filepath.Glob(filepath.Join(shareddata.Dir(t, "vuln", "sbom", "medical-device-case-study"), "*.json"))
	n := 0
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fromJSON, err := Parse(f, data)
		if err != nil {
			t.Errorf("json: %v", err)
			continue
		}
		var b cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&b); err != nil {
			t.Fatalf("%s: cyclonedx-go: %v", f, err)
		}
		b.XMLNS = "http://cyclonedx.org/schema/bom/" + b.SpecVersion.String()
		var x bytes.Buffer
		if err := cdx.NewBOMEncoder(&x, cdx.BOMFileFormatXML).Encode(&b); err != nil {
			t.Fatalf("%s: cyclonedx-go: %v", f, err)
		}
		fromXML, err := Parse(f+".xml", x.Bytes())
		if err != nil {
			t.Errorf("xml: %v", err)
			continue
		}
		if diff := cmp.Diff(fromJSON, fromXML); diff != "" {
			t.Errorf("%s: JSON and XML differ (-json +xml):\n%s", f, diff)
		}
		n += len(fromXML)
	}
	t.Logf("%d components compared", n)
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/app.cdx.json", "testdata/pump.cdx.xml"} {
		seed, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := Parse("fuzz", data)
		if err == nil && len(cs) > MaxComponents {
			t.Fatalf("%d components", len(cs))
		}
	})
}
