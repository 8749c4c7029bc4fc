// Package sarif writes findings as a SARIF 2.1.0 log: one rule per
// advisory, one result per finding with a level from its severity, its
// location (the SBOM file and component, or the inventory file and row),
// and an external suppression for findings VEX or the advisory marked
// not_affected or fixed. It imports only the standard library.
package sarif

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// Version and schema of the log written.
const (
	Version = "2.1.0"
	Schema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// Location is where a finding's subject is written down.
type Location struct {
	URI     string // file, relative or absolute
	Line    int    // 1-based row, 0 when unknown
	Logical string // component key or device id
	Kind    string // "module" for components, "device" for devices
}

// Options describe the log.
type Options struct {
	ToolVersion string
	// Locate gives a finding's location; nil or "" URI leaves it out.
	Locate func(vuln.Finding) Location
}

// Log is a SARIF log (the subset written here).
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one tool run.
type Run struct {
	Tool    Tool     `json:"tool"`
	Results []Result `json:"results"`
}

// Tool names the tool and its rules.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool's main component.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []Rule `json:"rules"`
}

// Rule is one advisory.
type Rule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription Message        `json:"shortDescription"`
	HelpURI          string         `json:"helpUri,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

// Message is a SARIF message.
type Message struct {
	Text string `json:"text"`
}

// Result is one finding.
type Result struct {
	RuleID       string            `json:"ruleId"`
	RuleIndex    int               `json:"ruleIndex"`
	Level        string            `json:"level"`
	Message      Message           `json:"message"`
	Locations    []ResultLocation  `json:"locations,omitempty"`
	Suppressions []Suppression     `json:"suppressions,omitempty"`
	Fingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties   map[string]any    `json:"properties,omitempty"`
}

// ResultLocation is a physical and a logical location.
type ResultLocation struct {
	PhysicalLocation *PhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []LogicalLocation `json:"logicalLocations,omitempty"`
}

// PhysicalLocation is a file and region.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation is a file.
type ArtifactLocation struct {
	URI string `json:"uri"`
}

// Region is a place in a file.
type Region struct {
	StartLine int `json:"startLine"`
}

// LogicalLocation is a component or device.
type LogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

// Suppression marks a result someone decided about.
type Suppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

// Build makes the log of findings. Findings without an advisory (a
// component that could not be matched) get the rule "airtight/unmatched".
func Build(fs []vuln.Finding, o Options) Log {
	d := Driver{Name: "airtight", Version: o.ToolVersion, InformationURI: "https://github.com/airtight/airtight"}
	index := map[string]int{}
	var results []Result
	for _, f := range fs {
		id := ruleID(f)
		i, ok := index[id]
		if !ok {
			i = len(d.Rules)
			index[id] = i
			d.Rules = append(d.Rules, rule(id, f))
		} else {
			raise(&d.Rules[i], f)
		}
		results = append(results, result(f, id, i, o))
	}
	if results == nil {
		results = []Result{}
	}
	if d.Rules == nil {
		d.Rules = []Rule{}
	}
	return Log{Schema: Schema, Version: Version, Runs: []Run{{Tool: Tool{Driver: d}, Results: results}}}
}

// Write writes the log of findings as indented JSON.
func Write(w io.Writer, fs []vuln.Finding, o Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Build(fs, o))
}

func ruleID(f vuln.Finding) string {
	if f.Advisory == "" {
		return "airtight/unmatched"
	}
	return f.Advisory
}

func rule(id string, f vuln.Finding) Rule {
	r := Rule{ID: id, HelpURI: helpURI(id), Properties: map[string]any{}}
	if f.Advisory == "" {
		r.ShortDescription.Text = "Component or device that could not be matched against advisories"
		return r
	}
	r.ShortDescription.Text = id
	if len(f.Aliases) > 0 {
		r.ShortDescription.Text += " (" + strings.Join(f.Aliases, ", ") + ")"
	}
	raise(&r, f)
	return r
}

// raise keeps the highest CVSS of the rule's findings as its
// security-severity (the property code-scanning tools sort by).
func raise(r *Rule, f vuln.Finding) {
	if f.CVSS <= 0 {
		return
	}
	old, _ := r.Properties["security-severity"].(string)
	if cur := fmt.Sprintf("%.1f", f.CVSS); old == "" || f.CVSS > parse(old) {
		r.Properties["security-severity"] = cur
	}
}

func parse(s string) float64 {
	var x float64
	fmt.Sscanf(s, "%g", &x)
	return x
}

func helpURI(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "https://nvd.nist.gov/vuln/detail/" + id
	case strings.HasPrefix(id, "ICSMA-"):
		return "https://www.cisa.gov/news-events/ics-medical-advisories/" + strings.ToLower(id)
	case strings.HasPrefix(id, "GO-"), strings.HasPrefix(id, "GHSA-"), strings.HasPrefix(id, "PYSEC-"):
		return "https://osv.dev/vulnerability/" + id
	}
	return ""
}

func result(f vuln.Finding, id string, i int, o Options) Result {
	r := Result{RuleID: id, RuleIndex: i, Level: Level(f),
		Message: Message{Text: fmt.Sprintf("%s: %s — %s", f.Subject(), f.Status, f.Reason)},
		Properties: map[string]any{"status": string(f.Status), "method": string(f.Method), "confidence": f.Confidence,
			"kev": f.KEV, "epss": f.EPSS, "cvss": f.CVSS, "fixed": f.Fixed},
		Fingerprints: map[string]string{"airtight/v1": f.Subject() + "|" + id}}
	if o.Locate != nil {
		if l := o.Locate(f); l.URI != "" || l.Logical != "" {
			r.Locations = []ResultLocation{location(l)}
		}
	}
	if f.Status == vuln.StatusNotAffected || f.Status == vuln.StatusFixed {
		r.Suppressions = []Suppression{{Kind: "external", Status: "accepted", Justification: f.Reason}}
	}
	return r
}

func location(l Location) ResultLocation {
	var rl ResultLocation
	if l.URI != "" {
		rl.PhysicalLocation = &PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: l.URI}}
		if l.Line > 0 {
			rl.PhysicalLocation.Region = &Region{StartLine: l.Line}
		}
	}
	if l.Logical != "" {
		rl.LogicalLocations = []LogicalLocation{{Name: l.Logical, FullyQualifiedName: l.Logical, Kind: l.Kind}}
	}
	return rl
}

// Level is the SARIF level of a finding: error for KEV-listed or CVSS 7
// and above, warning for 4 and above and for findings that need review or
// have no score, note below; none for suppressed ones.
func Level(f vuln.Finding) string {
	switch {
	case f.Status == vuln.StatusNotAffected || f.Status == vuln.StatusFixed:
		return "none"
	case f.KEV || f.CVSS >= 7:
		return "error"
	case f.CVSS >= 4 || f.CVSS == 0:
		return "warning"
	}
	return "note"
}
