package risk

import (
	"testing"
	"time"

	"github.com/airtight/airtight/vuln"
)

var now = time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)

func TestFinding(t *testing.T) {
	vent := Asset{ID: "V1", Criticality: vuln.CriticalityLifeSustaining, Zone: "clinical"}
	tests := []struct {
		name    string
		f       vuln.Finding
		a       Asset
		want    int
		explain string
	}{
		{"kev on life-sustaining", vuln.Finding{KEV: true, EPSS: 0.94, CVSS: 9.8, Fixed: "4.2.1", Status: vuln.StatusAffected, Confidence: 1}, vent, 84,
			"KEV listed (+40), EPSS 0.94 (+19), CVSS 9.8 (+10), life-sustaining device (+15), fix available 4.2.1"},
		{"internet, end of support", vuln.Finding{CVSS: 5.3, Status: vuln.StatusAffected, Confidence: 1},
			Asset{Criticality: vuln.CriticalityLow, InternetReachable: true, EndOfSupport: "2024-12-31"}, 25,
			"CVSS 5.3 (+5), internet-reachable (+15), end of support 2024-12-31 passed (+5), no fix known"},
		{"review halves", vuln.Finding{CVSS: 8.0, Status: vuln.StatusNeedsReview, Confidence: 0.5},
			Asset{Criticality: vuln.CriticalityCritical, Zone: "isolated"}, 7,
			"CVSS 8.0 (+8), critical device (+10), network zone isolated (-5), no fix known, match confidence 0.50 (×0.50)"},
		{"unknown everything", vuln.Finding{Status: vuln.StatusAffected, Confidence: 1}, Asset{LevelOfSupport: "No longer maintained"}, 15,
			"no CVSS score, medium assumed (+5), criticality unknown (+5), support: No longer maintained (+5), no fix known"},
		{"not affected", vuln.Finding{KEV: true, CVSS: 9.8, Status: vuln.StatusNotAffected}, vent, 0, "not_affected: excluded"},
		{"class I recall on life-sustaining", vuln.Finding{Status: vuln.StatusNeedsReview, Confidence: 1, RecallClass: "I"}, vent, 60,
			"FDA Class I recall: use may cause serious injury or death (+45), life-sustaining device (+15), check the serial/lot numbers against the recall notice"},
		{"class II recall, partial match", vuln.Finding{Status: vuln.StatusNeedsReview, Confidence: 0.8, RecallClass: "II"},
			Asset{Criticality: vuln.CriticalityCritical}, 24,
			"FDA Class II recall: use may cause temporary or reversible harm (+20), critical device (+10), check the serial/lot numbers against the recall notice, match confidence 0.80 (×0.80)"},
		{"recall without class", vuln.Finding{Status: vuln.StatusNeedsReview, Confidence: 1, RecallClass: "-"}, Asset{Criticality: vuln.CriticalityLow}, 10, ""},
		{"terminated recall", vuln.Finding{Status: vuln.StatusFixed, Confidence: 1, RecallClass: "I"}, vent, 0, "fixed: excluded"},
		{"capped", vuln.Finding{KEV: true, EPSS: 1, CVSS: 10, Status: vuln.StatusAffected, Confidence: 1},
			Asset{Criticality: vuln.CriticalityLifeSustaining, InternetReachable: true, EndOfSupport: "2020-01-01"}, 100, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Finding(tt.f, tt.a, now)
			if s.Value != tt.want || tt.explain != "" && s.Explain() != tt.explain {
				t.Errorf("score %d %q, want %d %q", s.Value, s.Explain(), tt.want, tt.explain)
			}
		})
	}
}

// TestClassIRecallOutranksCriticalCVE: an open Class I recall of a device
// in use ranks above a critical, unexploited vulnerability on the same device.
func TestClassIRecallOutranksCriticalCVE(t *testing.T) {
	vent := Asset{ID: "V1", Criticality: vuln.CriticalityLifeSustaining}
	rec := Finding(vuln.Finding{Status: vuln.StatusNeedsReview, Confidence: 0.85, RecallClass: "I"}, vent, now)
	cve := Finding(vuln.Finding{Status: vuln.StatusAffected, Confidence: 1, CVSS: 9.8, EPSS: 0.1}, vent, now)
	if rec.Value <= cve.Value {
		t.Errorf("class I recall %d (%s) <= critical CVE %d (%s)", rec.Value, rec.Explain(), cve.Value, cve.Explain())
	}
}

func TestPlan(t *testing.T) {
	pump := func(id string, crit vuln.Criticality) Asset {
		return Asset{ID: id, Product: "Acme InfuseMax", Version: "B.06.10", Criticality: crit}
	}
	mon := Asset{ID: "M1", Product: "Philips MX800", Version: "1.0", Criticality: vuln.CriticalityCritical}
	items := []Item{
		{vuln.Finding{Device: "P1", Advisory: "ICSMA-1", CVSS: 8.1, Fixed: "B.06.18", Status: vuln.StatusAffected, Confidence: 1}, pump("P1", vuln.CriticalityStandard)},
		{vuln.Finding{Device: "P2", Advisory: "ICSMA-1", CVSS: 8.1, Fixed: "B.06.18", Status: vuln.StatusAffected, Confidence: 1}, pump("P2", vuln.CriticalityLifeSustaining)},
		{vuln.Finding{Device: "P2", Advisory: "ICSMA-2", CVSS: 5.0, Fixed: "B.06.18", Status: vuln.StatusAffected, Confidence: 1}, pump("P2", vuln.CriticalityLifeSustaining)},
		{vuln.Finding{Device: "M1", Advisory: "CVE-2019-0708", KEV: true, CVSS: 9.8, Status: vuln.StatusAffected, Confidence: 1}, mon},
		{vuln.Finding{Device: "M1", Advisory: "CVE-2020-1", CVSS: 9.8, Status: vuln.StatusNotAffected}, mon},
		{vuln.Finding{Component: "pkg:npm/jquery@3.1.1", Advisory: "GHSA-1", CVSS: 6.1, Fixed: "3.5.0", Status: vuln.StatusAffected, Confidence: 1}, Asset{}},
	}
	got := Plan(items, now)
	if len(got) != 3 {
		t.Fatalf("%d groups: %+v", len(got), got)
	}
	if g := got[0]; g.Product != "Philips MX800" || !g.KEV || g.Top != 60 || len(g.Devices) != 1 || g.Fixed != "" {
		t.Errorf("first group %+v", g)
	}
	g := got[1]
	if g.Product != "Acme InfuseMax" || g.Fixed != "B.06.18" || len(g.Advisories) != 2 || len(g.Devices) != 2 ||
		g.Devices[0].ID != "P2" || g.Devices[0].Score != 23 || g.Devices[1].Score != 11 {
		t.Errorf("pump group %+v", g)
	}
	if g := got[2]; g.Product != "pkg:npm/jquery" || g.Version != "3.1.1" || g.Devices[0].ID != "pkg:npm/jquery@3.1.1" {
		t.Errorf("component group %+v", g)
	}
	ranked := Devices(items, now)
	if ranked[0].ID != "M1" || ranked[0].Score != 60 {
		t.Errorf("device ranking %+v", ranked)
	}
}
