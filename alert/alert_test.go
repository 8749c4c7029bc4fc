package alert

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/airtight/airtight"
)

func valid() *Alert {
	return &Alert{Source: "pki", Kind: "certificate.expiry", Key: "pki.expiry:1:ab", Severity: High,
		Title: "Device certificate expires within 7 days", Summary: "Why.", Action: "What to do.",
		Evidence: json.RawMessage(`{"serial":"ab"}`)}
}

func TestSeverityRank(t *testing.T) {
	for i, s := range Severities {
		if s.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", s, s.Rank(), i)
		}
	}
	if Severity("dire").Rank() != -1 || Severity("").Rank() != -1 {
		t.Error("unknown severities must rank -1")
	}
	if !(Critical.Rank() > High.Rank() && High.Rank() > Medium.Rank() && Medium.Rank() > Low.Rank() && Low.Rank() > Info.Rank()) {
		t.Error("severities out of order")
	}
}

func TestValidate(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid alert: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Alert)
	}{
		{"no source", func(a *Alert) { a.Source = "" }},
		{"long source", func(a *Alert) { a.Source = strings.Repeat("s", 33) }},
		{"no kind", func(a *Alert) { a.Kind = "" }},
		{"no key", func(a *Alert) { a.Key = "" }},
		{"long key", func(a *Alert) { a.Key = strings.Repeat("k", 257) }},
		{"unknown severity", func(a *Alert) { a.Severity = "dire" }},
		{"no title", func(a *Alert) { a.Title = "" }},
		{"title with a newline", func(a *Alert) { a.Title = "one\ntwo" }},
		{"title with an escape sequence", func(a *Alert) { a.Title = "x\x1b[2J" }},
		{"huge summary", func(a *Alert) { a.Summary = strings.Repeat("s", 4001) }},
		{"invalid UTF-8 action", func(a *Alert) { a.Action = "\xff" }},
		{"evidence not JSON", func(a *Alert) { a.Evidence = json.RawMessage(`{serial:`) }},
		{"huge evidence", func(a *Alert) { a.Evidence = json.RawMessage(`"` + strings.Repeat("e", 64<<10) + `"`) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := valid()
			tc.mod(a)
			if err := a.Validate(); airtight.ErrorCode(err) != airtight.EInvalid {
				t.Errorf("Validate = %v, want invalid", err)
			}
		})
	}
}
