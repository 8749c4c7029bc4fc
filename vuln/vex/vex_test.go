package vex

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	govex "github.com/openvex/go-vex/pkg/vex"

	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/vuln"
)

func read(t *testing.T, path string) []Statement {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Parse(filepath.Base(path), data)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestParseOpenVEX(t *testing.T) {
	got := read(t, "testdata/pump.openvex.json")
	want := []Statement{
		{Vulnerability: "CVE-2022-25638", Aliases: []string{"GHSA-0000-0000-0000"}, Status: vuln.StatusNotAffected,
			Products:      []string{"pkg:generic/infusemax@B.06.10", "cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*"},
			Justification: "vulnerable_code_not_in_execute_path", Impact: "The pump never verifies ECDSA signatures with wolfSSL.", Source: "pump.openvex.json"},
		{Vulnerability: "CVE-2021-31571", Status: vuln.StatusFixed, Products: []string{"freertos@10.0.1"}, Source: "pump.openvex.json"},
		{Vulnerability: "TEST-2099-1", Status: vuln.StatusUnderInvestigation, Products: []string{"pkg:golang/example.com/mod"}, Source: "pump.openvex.json"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseCSAF(t *testing.T) {
	got := read(t, "testdata/pump.csaf-vex.json")
	want := []Statement{
		{Vulnerability: "CVE-2099-0001", Status: vuln.StatusNotAffected, Products: []string{"IM-1", "InfuseMax 3000 B.06.10", "pkg:generic/infusemax@B.06.10"},
			Justification: "vulnerable_code_not_present", Impact: "The affected parser is not built into B.06.10.", Source: "pump.csaf-vex.json"},
		{Vulnerability: "CVE-2099-0001", Status: vuln.StatusFixed, Products: []string{"IM-2", "InfuseMax 3000 B.06.18"}, Source: "pump.csaf-vex.json"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestApply: a justified not_affected suppresses (the finding stays,
// not_affected), an unjustified one is ignored, under_investigation is
// set by a versionless purl, statements for other products do nothing.
func TestApply(t *testing.T) {
	st := read(t, "testdata/pump.openvex.json")
	st = append(st, Statement{Vulnerability: "CVE-2099-0009", Products: []string{"jquery@3.1.1"}, Status: vuln.StatusNotAffected})
	fs := []vuln.Finding{
		{Component: "jquery@3.1.1", Advisory: "GHSA-1", Aliases: []string{"CVE-2099-0009"}, Status: vuln.StatusAffected, Reason: "r"},
		{Component: "wolfSSL@4.8.1", Advisory: "CVE-2022-25638", Status: vuln.StatusAffected, Reason: "r"},
		{Component: "FreeRTOS@10.0.1", Advisory: "CVE-2021-31571", Status: vuln.StatusAffected, Reason: "r"},
		{Component: "pkg:golang/example.com/mod@v1.0.0", Advisory: "TEST-2099-1", Aliases: []string{"CVE-2099-0002"}, Status: vuln.StatusAffected, Reason: "r"},
		{Component: "pkg:golang/example.com/other@v1.0.0", Advisory: "TEST-2099-1", Status: vuln.StatusAffected, Reason: "r"},
	}
	cpes := map[string]string{"wolfSSL@4.8.1": "cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*"}
	n := Apply(fs, st, func(f vuln.Finding) []string { return []string{cpes[f.Component]} })
	want := []vuln.Status{vuln.StatusAffected, vuln.StatusNotAffected, vuln.StatusFixed, vuln.StatusUnderInvestigation, vuln.StatusAffected}
	for i, f := range fs {
		if f.Status != want[i] {
			t.Errorf("%s: status %s, want %s (%s)", f.Component, f.Status, want[i], f.Reason)
		}
	}
	if n != 3 || !strings.Contains(fs[1].Reason, "justification vulnerable_code_not_in_execute_path") ||
		!strings.Contains(fs[0].Reason, "without justification") {
		t.Errorf("applied %d; reasons %q / %q", n, fs[0].Reason, fs[1].Reason)
	}
}

// TestSharedCISACases applies the CycloneDX renditions of CISA's VEX use
// cases to a Log4Shell finding on each product they describe.
func TestSharedCISACases(t *testing.T) {
	dir := shareddata.Dir(t, "vuln", "sbom", "cyclonedx-examples", "vex-cisa-use-cases")
	tests := []struct {
		file, product string
		want          vuln.Status
	}{
		{"Case-1_vex-affected.json", "product-DEF", vuln.StatusAffected},
		{"Case-1_vex-fixed.json", "DEF@1.1", vuln.StatusFixed},
		{"Case-1_vex-not_affected.json", "ABC@4.2", vuln.StatusNotAffected},
		{"Case-1_vex-under_investigation.json", "product-GHI", vuln.StatusUnderInvestigation},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			st := read(t, filepath.Join(dir, tt.file))
			fs := []vuln.Finding{{Component: tt.product, Advisory: "GHSA-jfh8-c2jp-5v3q", Aliases: []string{"CVE-2021-44228"}, Status: vuln.StatusNeedsReview}}
			Apply(fs, st, nil)
			if fs[0].Status != tt.want {
				t.Errorf("status %s, want %s: %s", fs[0].Status, tt.want, fs[0].Reason)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*vex*.json"))
	for _, f := range files {
		read(t, f) // every case parses
	}
}

// TestOpenVEXRoundTrip exports findings, checks the document with go-vex
// (parse, validate every statement) and reads it back: applying the
// statements to the original findings changes no status.
func TestOpenVEXRoundTrip(t *testing.T) {
	fs := []vuln.Finding{
		{Component: "pkg:golang/example.com/mod@v1.0.0", Advisory: "GO-2099-0001", Aliases: []string{"CVE-2099-0002"}, Status: vuln.StatusAffected, Fixed: "v1.2.0", Reason: "in range"},
		{Device: "P-1", Advisory: "ICSMA-20-049-01", Aliases: []string{"CVE-2019-0708"}, Status: vuln.StatusNeedsReview, Reason: "no version"},
		{Component: "wolfSSL@4.8.1", Advisory: "CVE-2022-25638", Aliases: []string{"CVE-2022-25638"}, Status: vuln.StatusNotAffected, Reason: "VEX: not_affected"},
		{Component: "FreeRTOS@10.4.3", Advisory: "CVE-2021-31571", Status: vuln.StatusFixed},
		{Component: "x@1", Status: vuln.StatusNeedsReview, Reason: "no purl"}, // no advisory: left out
	}
	var buf bytes.Buffer
	if err := WriteOpenVEX(&buf, fs, ExportOptions{Time: time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	doc, err := govex.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Statements) != 4 || !strings.HasPrefix(doc.ID, "https://openvex.dev/docs/") || doc.Context != govex.ContextLocator() {
		t.Fatalf("document %s", buf.String())
	}
	for i := range doc.Statements {
		if err := doc.Statements[i].Validate(); err != nil {
			t.Errorf("statement %d: %v", i, err)
		}
	}
	st, err := Parse("out.openvex.json", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	again := make([]vuln.Finding, len(fs))
	copy(again, fs)
	for i := range again {
		if again[i].Status == vuln.StatusNeedsReview {
			again[i].Status = vuln.StatusUnderInvestigation // OpenVEX has no needs_review
		}
	}
	want := make([]vuln.Status, len(again))
	for i := range again {
		want[i] = again[i].Status
	}
	if n := Apply(again, st, nil); n != 4 {
		t.Errorf("applied %d statements, want 4", n)
	}
	for i := range again {
		if again[i].Status != want[i] {
			t.Errorf("finding %d: %s after round trip, want %s", i, again[i].Status, want[i])
		}
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["@context"] == nil || m["author"] != "airtight" {
		t.Errorf("document fields: %v %v", m, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`{"a":1}`, "v.json: not an OpenVEX"},
		{`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"x"}],"status":"bogus"}]}`, "v.json: statements[0]: invalid status"},
		{`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"},"status":"fixed"}]}`, "statements[0]: statement without"},
		{`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"x"}],"status":"not_affected"}]}`, "statements[0]: either justification or impact"},
		{`{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-1","analysis":{"state":"maybe"}}]}`, "vulnerabilities[0].analysis.state"},
		{`{"bomFormat":"CycloneDX","vulnerabilities":[{"analysis":{"state":"resolved"}}]}`, "vulnerabilities[0].id: missing"},
	}
	for _, tt := range tests {
		if _, err := Parse("v.json", []byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/pump.openvex.json", "testdata/pump.csaf-vex.json"} {
		seed, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","metadata":{"component":{"bom-ref":"p","name":"P","version":"1"}},"vulnerabilities":[{"id":"CVE-2021-44228","analysis":{"state":"not_affected","justification":"code_not_present"},"affects":[{"ref":"p"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		fs := []vuln.Finding{{Component: "P@1", Advisory: "CVE-2021-44228", Status: vuln.StatusAffected}}
		Apply(fs, st, nil)
	})
}
