// Package vuln is the vulnerability domain of airtight: advisories from any
// source (OSV, CSAF), the components and devices they are matched against,
// and the findings a match produces. It imports only the standard library;
// parsers live in subpackages named after their format (csaf, osv,
// cyclonedx), version semantics in version and matching in match.
package vuln

import (
	"fmt"
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
	Ref     string // bom-ref
	Name    string
	Version string
	PURL    string
	CPE     string // CPE 2.3 (or 2.2 URI) name, when the SBOM gives one
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
}

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
