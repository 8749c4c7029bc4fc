// Package risk ranks findings and devices for patching: a score from 0 to
// 100 per finding from CISA KEV (dominant), EPSS, CVSS, the device's
// criticality for patient safety, its exposure and its end of support,
// each with a readable explanation, and a patch plan that groups findings
// by product version and fixed version, ordered by the riskiest device.
// Pure functions over findings and inventory attributes; standard library
// only.
package risk

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/airtight/airtight/vuln"
)

// Asset is what the ranking knows about a finding's subject: an
// inventoried device or the product an SBOM describes.
type Asset struct {
	ID                string
	Product           string // "Manufacturer Model", or the SBOM's product
	Version           string
	Criticality       vuln.Criticality
	Zone              string
	InternetReachable bool
	EndOfSupport      string // YYYY-MM-DD, or free text
	LevelOfSupport    string // "Actively maintained", "No longer maintained"...
}

// AssetOf is the asset of an inventory device.
func AssetOf(d vuln.Device) Asset {
	return Asset{ID: d.ID, Product: strings.TrimSpace(d.Manufacturer + " " + d.Model), Version: d.Version,
		Criticality: d.Criticality, Zone: d.Zone, InternetReachable: d.InternetReachable, EndOfSupport: d.EndOfSupport}
}

// Factor is one part of a score.
type Factor struct {
	What   string // "KEV listed"
	Points int    // may be 0 (information) or negative
}

func (f Factor) String() string {
	if f.Points == 0 {
		return f.What
	}
	return fmt.Sprintf("%s (%+d)", f.What, f.Points)
}

// Score is a finding's or device's risk with its explanation.
type Score struct {
	Value   int      `json:"score"`
	Factors []Factor `json:"-"`
}

// Explain is the explanation: "KEV listed (+40), EPSS 0.94 (+19), ...".
func (s Score) Explain() string {
	parts := make([]string, len(s.Factors))
	for i, f := range s.Factors {
		parts[i] = f.String()
	}
	return strings.Join(parts, ", ")
}

// Points of each factor.
const (
	PointsKEV            = 40
	PointsEPSSMax        = 20 // EPSS 1.0
	PointsLifeSustaining = 15
	PointsCritical       = 10
	PointsStandard       = 3
	PointsUnknownCrit    = 5
	PointsInternet       = 15
	PointsExposedZone    = 5
	PointsIsolatedZone   = -5
	PointsEndOfSupport   = 5
	PointsNoCVSS         = 5

	// FDA device recalls: a Class I recall means the FDA found a
	// reasonable probability that using the device causes serious injury
	// or death, as urgent as an exploited vulnerability.
	PointsRecallClassI   = 45
	PointsRecallClassII  = 20
	PointsRecallClassIII = 5
	PointsRecallNoClass  = 10
)

// Finding scores one finding on asset a, at time now (for end of
// support). Findings that are not_affected or fixed score 0.
func Finding(f vuln.Finding, a Asset, now time.Time) Score {
	if !f.Status.Actionable() {
		return Score{Factors: []Factor{{What: string(f.Status) + ": excluded"}}}
	}
	var s Score
	add := func(what string, pts int) { s.Factors = append(s.Factors, Factor{what, pts}); s.Value += pts }
	if f.KEV {
		add("KEV listed", PointsKEV)
	}
	if f.EPSS > 0 {
		add(fmt.Sprintf("EPSS %.2f", f.EPSS), int(math.Round(f.EPSS*PointsEPSSMax)))
	}
	switch {
	case f.IsRecall():
		recall(f.RecallClass, add)
	case f.CVSS > 0:
		add(fmt.Sprintf("CVSS %.1f", f.CVSS), int(math.Round(f.CVSS)))
	default:
		add("no CVSS score, medium assumed", PointsNoCVSS)
	}
	criticality(a, add)
	exposure(a, add)
	support(a, now, add)
	switch {
	case f.IsRecall():
		add("check the serial/lot numbers against the recall notice", 0)
	case f.Fixed != "":
		add("fix available "+f.Fixed, 0)
	default:
		add("no fix known", 0)
	}
	if f.Confidence > 0 && f.Confidence < 1 {
		s.Value = int(math.Round(float64(s.Value) * f.Confidence))
		s.Factors = append(s.Factors, Factor{What: fmt.Sprintf("match confidence %.2f (×%.2f)", f.Confidence, f.Confidence)})
	}
	s.Value = max(0, min(100, s.Value))
	return s
}

// recall scores an FDA device recall by its class ("I", "II", "III";
// anything else: not given).
func recall(class string, add func(string, int)) {
	switch class {
	case "I":
		add("FDA Class I recall: use may cause serious injury or death", PointsRecallClassI)
	case "II":
		add("FDA Class II recall: use may cause temporary or reversible harm", PointsRecallClassII)
	case "III":
		add("FDA Class III recall: unlikely to cause harm", PointsRecallClassIII)
	default:
		add("FDA recall, class not given", PointsRecallNoClass)
	}
}

func criticality(a Asset, add func(string, int)) {
	switch a.Criticality {
	case vuln.CriticalityLifeSustaining:
		add("life-sustaining device", PointsLifeSustaining)
	case vuln.CriticalityCritical:
		add("critical device", PointsCritical)
	case vuln.CriticalityStandard:
		add("standard device", PointsStandard)
	case vuln.CriticalityLow:
	default:
		add("criticality unknown", PointsUnknownCrit)
	}
}

// exposedZones and isolatedZones are network zone names, lowercased.
var (
	exposedZones  = map[string]bool{"guest": true, "public": true, "dmz": true, "flat": true, "internet": true, "corporate": true}
	isolatedZones = map[string]bool{"isolated": true, "segmented": true, "air-gapped": true, "offline": true, "standalone": true}
)

func exposure(a Asset, add func(string, int)) {
	z := strings.ToLower(strings.TrimSpace(a.Zone))
	switch {
	case a.InternetReachable:
		add("internet-reachable", PointsInternet)
	case exposedZones[z]:
		add("network zone "+z, PointsExposedZone)
	case isolatedZones[z]:
		add("network zone "+z, PointsIsolatedZone)
	}
}

func support(a Asset, now time.Time, add func(string, int)) {
	if d, err := time.Parse(time.DateOnly, strings.TrimSpace(a.EndOfSupport)); err == nil && !now.Before(d) {
		add("end of support "+a.EndOfSupport+" passed", PointsEndOfSupport)
		return
	}
	l := strings.ToLower(a.LevelOfSupport)
	if strings.Contains(l, "no longer") || strings.Contains(l, "unsupported") || strings.Contains(l, "abandoned") || strings.Contains(l, "end of life") {
		add("support: "+a.LevelOfSupport, PointsEndOfSupport)
	}
}
