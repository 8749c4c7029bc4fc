// Package vuln is the vulnerability domain of airtight: advisories from any
// source (OSV, CSAF), the components and devices they are matched against,
// and the findings a match produces. It imports only the standard library;
// parsers live in subpackages named after their format (csaf, osv,
// cyclonedx), version semantics in version and matching in match.
package vuln

import (
	"fmt"
	"strings"
)

// Status is the state of a finding, after CSAF product_status and VEX.
type Status string

// Finding statuses.
const (
	StatusAffected           Status = "affected"
	StatusNotAffected        Status = "not_affected"
	StatusFixed              Status = "fixed"
	StatusUnderInvestigation Status = "under_investigation"
	StatusNeedsReview        Status = "needs_review"
)

// Actionable reports whether s asks someone to act: a scan with such a
// finding fails (exit status 1).
func (s Status) Actionable() bool {
	return s == StatusAffected || s == StatusUnderInvestigation || s == StatusNeedsReview
}

// Method is how a finding was matched.
type Method string

// Match methods.
const (
	MethodPURL   Method = "purl"
	MethodCPE    Method = "cpe"
	MethodDevice Method = "device"
)

// Advisory is one advisory document from any source: an OSV entry or a CSAF
// document.
type Advisory struct {
	ID       string   // source id: GO-2022-0493, PYSEC-2021-1, ICSMA-20-049-01
	Source   string   // file (and zip entry) it came from
	Aliases  []string // CVE and other ids
	Summary  string
	CVSS     float64 // highest CVSS v3 base score, 0 when unknown
	Vector   string  // vector of that score
	VectorV4 string  // CVSS v4.0 vector, when the advisory gives one
	CVSSV4   float64 // CVSS v4.0 score the advisory states, 0 when none
	Affected []Affected

	// Configurations are the CPE applicability statements of an NVD CVE
	// record: the advisory applies where any configuration holds.
	Configurations []Configuration
}

// Configuration is one NVD configuration: its nodes joined by Operator
// ("AND" or "OR"; "" is OR). An AND of a vulnerable node and a node of
// non-vulnerable CPEs says "vulnerable when running on" that platform.
type Configuration struct {
	Operator string
	Negate   bool
	Nodes    []Node
}

// Node is one NVD configuration node: CPE matches joined by Operator.
type Node struct {
	Operator string
	Negate   bool
	Matches  []CPEMatch
}

// CPEMatch is one NVD cpeMatch: a CPE 2.3 criteria, whether it names the
// vulnerable part, and optional version bounds (used when the criteria's
// version is "*").
type CPEMatch struct {
	Vulnerable     bool
	Criteria       string // CPE 2.3 formatted string
	StartIncluding string
	StartExcluding string
	EndIncluding   string
	EndExcluding   string
}

// Affected is one affected (or explicitly unaffected) product in an
// advisory: a package (OSV) or a vendor's product version (CSAF).
type Affected struct {
	// Package identity (OSV).
	Ecosystem string // OSV ecosystem: Go, PyPI, npm...
	Package   string // name in that ecosystem
	PURL      string // package URL without version, when given
	Ranges    []Range
	Versions  []string // explicitly listed versions

	// Device identity (CSAF).
	Vendor      string
	Product     string // product_name branch
	FullName    string // full product name of the leaf
	ProductID   string
	VersionExpr string   // free-text version or range of the leaf, "" when none
	Status      Status   // from product_status; "" for OSV (affected)
	Aliases     []string // CVEs concerning this product, when per product
	CVSS        float64  // highest score concerning this product
	Vector      string
	Fixed       string // fixed version, when known
}

// Range is an OSV affected range.
type Range struct {
	Type   string // SEMVER, ECOSYSTEM, GIT
	Events []Event
}

// Event is one OSV range event; exactly one field is set.
type Event struct {
	Introduced   string
	Fixed        string
	LastAffected string
	Limit        string
}

// Component is one software component of an SBOM.
type Component struct {
	Ref      string // bom-ref (CycloneDX) or SPDX identifier
	Type     string // library, firmware, operating-system, device...
	Name     string
	Version  string
	PURL     string
	CPE      string // CPE 2.3 (or 2.2 URI) name, when the SBOM gives one
	SWID     string // SWID tag id, when given
	Supplier string // supplier (or, failing that, publisher or author)
	Hashes   []Hash

	// FDA premarket guidance support fields, from CycloneDX properties
	// or SPDX annotations: "Actively maintained", "No longer maintained"...
	LevelOfSupport string
	EndOfSupport   string // a date (YYYY-MM-DD) or free text
}

// Hash is one checksum of a component.
type Hash struct {
	Alg   string // SHA-256, SHA1, MD5... as the SBOM spells it
	Value string // lowercase hex
}

// Key is how a component is named in findings: its purl, or name@version.
func (c Component) Key() string {
	if c.PURL != "" {
		return c.PURL
	}
	if c.Version == "" {
		return c.Name
	}
	return c.Name + "@" + c.Version
}

// Device is one inventoried device.
type Device struct {
	ID           string
	Manufacturer string
	Model        string
	Version      string
	Row          int // line of the inventory file, 0 when not read from one

	// Risk attributes, from optional inventory columns.
	Criticality       Criticality
	Zone              string // network zone: "clinical", "guest", "dmz"...
	InternetReachable bool
	EndOfSupport      string // date (YYYY-MM-DD) the maker stops support, "" when unknown
}

// Criticality is how much patient safety depends on a device.
type Criticality string

// Criticalities, most critical first.
const (
	CriticalityLifeSustaining Criticality = "life-sustaining" // ventilator, infusion pump
	CriticalityCritical       Criticality = "critical"        // monitoring, diagnosis
	CriticalityStandard       Criticality = "standard"
	CriticalityLow            Criticality = "low"
	CriticalityUnknown        Criticality = ""
)

// ParseCriticality reads the spellings inventories use; unknown text is
// CriticalityUnknown and false.
func ParseCriticality(s string) (Criticality, bool) {
	switch normWord(s) {
	case "life-sustaining", "life-supporting", "life-critical", "life-support", "life":
		return CriticalityLifeSustaining, true
	case "critical", "high", "patient-critical":
		return CriticalityCritical, true
	case "standard", "medium", "normal", "moderate":
		return CriticalityStandard, true
	case "low", "none", "non-clinical":
		return CriticalityLow, true
	case "":
		return CriticalityUnknown, true
	}
	return CriticalityUnknown, false
}

// Recall is one medical device recall (openFDA device/recall).
type Recall struct {
	Number      string // product_res_number: Z-1004-04
	Event       string // res_event_number
	Firm        string // recalling firm
	Product     string // product description
	DeviceName  string // openfda.device_name, when given
	ProductCode string // FDA product code
	Reason      string
	Status      string // Open, Ongoing, Completed, Terminated
	Initiated   string // YYYY-MM-DD
	Terminated  string // event_date_terminated, when the FDA closed it
	CodeInfo    string // lots, serials, models the recall covers
	// Class is the FDA's recall classification: "I" (use may cause serious
	// injury or death), "II", "III", or "" when the record does not say
	// (device/recall records carry none; enforcement reports do).
	Class  string
	Source string `json:"-"` // file read from; not part of the content
}

// Open reports whether the recall is still in progress.
func (r Recall) Open() bool {
	s := strings.ToLower(r.Status)
	return s != "terminated" && s != "completed" && r.Terminated == ""
}

// ClassName is the recall class as people say it: "Class I", or
// "class not given".
func (r Recall) ClassName() string { return RecallClassName(r.Class) }

// RecallClassName spells a recall class ("I", "II", "III", "") for people.
func RecallClassName(class string) string {
	if class == "" {
		return "class not given"
	}
	return "Class " + class
}

// ParseRecallClass reads a recall classification as openFDA and FDA notices
// write it ("Class I", "class 2", "II", "Not Yet Classified"): "I", "II",
// "III", or "" when none is given.
func ParseRecallClass(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimSpace(strings.TrimPrefix(s, "CLASS"))
	switch s {
	case "I", "1":
		return "I"
	case "II", "2":
		return "II"
	case "III", "3":
		return "III"
	}
	return ""
}

// Finding is one result of a scan. Its JSON form is the line format of
// `airtight vuln scan -o json`.
type Finding struct {
	Device     string   `json:"device"`
	Component  string   `json:"component"`
	Advisory   string   `json:"advisory"`
	Aliases    []string `json:"aliases"`
	Method     Method   `json:"method"`
	Confidence float64  `json:"confidence"`
	Reason     string   `json:"reason"`
	CVSS       float64  `json:"cvss"`
	KEV        bool     `json:"kev"`
	EPSS       float64  `json:"epss"`
	Fixed      string   `json:"fixed"`
	Status     Status   `json:"status"`
	// RecallClass is set on FDA recall findings: the recall class ("I",
	// "II", "III") or "-" when the recall record gives none; "" for
	// everything that is not a recall.
	RecallClass string `json:"recall_class,omitempty"`
}

// IsRecall reports whether f comes from an FDA device recall.
func (f Finding) IsRecall() bool { return f.RecallClass != "" }

// ParseError is a parse failure at a place in a file.
type ParseError struct {
	File  string // file name, with "!entry" for zip entries
	Line  int    // 1-based, 0 when unknown
	Col   int
	Place string // JSON path or other position, when known
	Err   error
}

func (e *ParseError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Line > 0 && e.Col > 0 {
		s += fmt.Sprintf(":%d", e.Col)
	}
	if e.Place != "" {
		s += ": " + e.Place
	}
	return s + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// SupportField recognises the names SBOMs give the FDA support fields —
// "Level of Support", "level-of-support", "fda:End-of-Support" — and
// returns "level", "end", or "" for other names.
func SupportField(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		n = n[i+1:]
	}
	switch normWord(n) {
	case "level-of-support", "support-level":
		return "level"
	case "end-of-support", "end-of-support-date", "eos", "end-of-life":
		return "end"
	}
	return ""
}

// normWord lowercases s and joins its words with "-".
func normWord(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == '_' || r == '-'
	}), "-")
}
