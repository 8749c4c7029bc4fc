package sarif

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/airtight/airtight/vuln"
)

var findings = []vuln.Finding{
	{Component: "pkg:golang/example.com/mod@v1.0.0", Advisory: "GO-2099-0001", Aliases: []string{"CVE-2099-0002"}, Method: vuln.MethodPURL,
		Status: vuln.StatusAffected, CVSS: 9.8, Confidence: 1, Reason: "in range", Fixed: "v1.2.0"},
	{Component: "pkg:golang/example.com/other@v1.0.0", Advisory: "GO-2099-0001", Aliases: []string{"CVE-2099-0002"}, Method: vuln.MethodPURL,
		Status: vuln.StatusNotAffected, CVSS: 9.8, Reason: "VEX: not_affected"},
	{Device: "P-1", Advisory: "ICSMA-20-049-01", Method: vuln.MethodDevice, Status: vuln.StatusNeedsReview, CVSS: 5.3, Reason: "no version"},
	{Device: "P-2", Advisory: "ICSMA-20-049-01", Method: vuln.MethodDevice, Status: vuln.StatusAffected, CVSS: 3.1, Reason: "low"},
	{Component: "x@1", Method: vuln.MethodPURL, Status: vuln.StatusNeedsReview, Reason: "no purl"},
}

func locate(f vuln.Finding) Location {
	if f.Device != "" {
		return Location{URI: "devices.csv", Line: 2, Logical: f.Device, Kind: "device"}
	}
	return Location{URI: "app.cdx.json", Logical: f.Component, Kind: "module"}
}

// TestShape checks the log against the properties SARIF 2.1.0 requires
// (version, runs, tool.driver.name, result message text) and those this
// writer promises: ruleIndex pointing at the rule with the result's ruleId,
// a level from the enumeration, physical locations with a uri and a
// positive startLine, external suppressions.
func TestShape(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, findings, Options{ToolVersion: "test", Locate: locate}); err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log["version"] != "2.1.0" || log["$schema"] != Schema {
		t.Fatalf("version %v schema %v", log["version"], log["$schema"])
	}
	runs := log["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["name"] != "airtight" {
		t.Errorf("driver %v", driver)
	}
	rules := driver["rules"].([]any)
	results := run["results"].([]any)
	if len(rules) != 3 || len(results) != len(findings) {
		t.Fatalf("%d rules, %d results", len(rules), len(results))
	}
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	for i, x := range results {
		r := x.(map[string]any)
		rule := rules[int(r["ruleIndex"].(float64))].(map[string]any)
		if rule["id"] != r["ruleId"] {
			t.Errorf("result %d: ruleIndex points at %v, ruleId %v", i, rule["id"], r["ruleId"])
		}
		if !levels[r["level"].(string)] || r["message"].(map[string]any)["text"] == "" {
			t.Errorf("result %d: level %v message %v", i, r["level"], r["message"])
		}
		loc := r["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
		if loc["artifactLocation"].(map[string]any)["uri"] == "" {
			t.Errorf("result %d: no uri", i)
		}
		if reg, ok := loc["region"].(map[string]any); ok && reg["startLine"].(float64) < 1 {
			t.Errorf("result %d: region %v", i, reg)
		}
		for _, s := range asList(r["suppressions"]) {
			if k := s.(map[string]any)["kind"]; k != "external" && k != "inSource" {
				t.Errorf("result %d: suppression kind %v", i, k)
			}
		}
	}
	wantLevels := []string{"error", "none", "warning", "note", "warning"}
	for i, x := range results {
		if got := x.(map[string]any)["level"]; got != wantLevels[i] {
			t.Errorf("result %d: level %v, want %s", i, got, wantLevels[i])
		}
	}
	if sev := rules[1].(map[string]any)["properties"].(map[string]any)["security-severity"]; sev != "5.3" {
		t.Errorf("ICSMA security-severity %v, want the highest score 5.3", sev)
	}
}

func asList(x any) []any {
	l, _ := x.([]any)
	return l
}

func TestEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	var log Log
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil || len(log.Runs) != 1 || log.Runs[0].Results == nil {
		t.Errorf("empty log %s: %v", buf.String(), err)
	}
}
