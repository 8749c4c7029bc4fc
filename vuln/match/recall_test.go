package match

import (
	"strings"
	"testing"

	"github.com/airtight/airtight/vuln"
)

func TestRecalls(t *testing.T) {
	m := NewRecalls([]vuln.Recall{
		{Number: "Z-0421-2023", Firm: "Baxter Healthcare Corporation", Status: "Open, Classified", Class: "I",
			Product: "Sigma Spectrum Infusion System, large volume infusion pump", Reason: "under-infusion", CodeInfo: "Serial numbers 1000000 to 1099999"},
		{Number: "Z-1999-2019", Firm: "Philips Medical Systems", Status: "Terminated", Product: "IntelliVue MX800 patient monitor"},
	})
	tests := []struct {
		name   string
		dev    vuln.Device
		want   string
		status vuln.Status
		class  string
	}{
		{"open recall", vuln.Device{ID: "P1", Manufacturer: "Baxter", Model: "Sigma Spectrum"}, "Z-0421-2023", vuln.StatusNeedsReview, "I"},
		{"closed recall", vuln.Device{ID: "M1", Manufacturer: "Philips", Model: "IntelliVue MX800"}, "Z-1999-2019", vuln.StatusFixed, "-"},
		{"other model", vuln.Device{ID: "M2", Manufacturer: "Philips", Model: "IntelliVue MX450"}, "", "", ""},
		{"other firm", vuln.Device{ID: "P2", Manufacturer: "B. Braun", Model: "Sigma Spectrum"}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := m.Match(tt.dev)
			if tt.want == "" {
				if len(fs) != 0 {
					t.Errorf("findings %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Advisory != tt.want || fs[0].Status != tt.status || fs[0].Method != vuln.MethodDevice ||
				fs[0].Confidence <= 0 || !strings.Contains(fs[0].Reason, "FDA recall "+tt.want) || fs[0].RecallClass != tt.class ||
				!strings.Contains(fs[0].Reason, tt.dev.Model) || !strings.Contains(fs[0].Reason, vuln.RecallClassName(strings.Trim(tt.class, "-"))) {
				t.Errorf("findings %+v, want %s %s", fs, tt.want, tt.status)
			}
		})
	}
}
