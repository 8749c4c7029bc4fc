// Package vex reads VEX statements — OpenVEX (through
// github.com/openvex/go-vex), CycloneDX VEX (vulnerabilities[].analysis)
// and CSAF VEX (product_status with flags and impact threats) — applies
// them to findings, and writes findings as an OpenVEX document.
//
// Applying keeps every finding visible: a not_affected statement with a
// justification or impact statement turns the finding not_affected (a
// plan leaves it out), fixed and under_investigation set those statuses,
// affected confirms; the reason says which statement did it. A
// not_affected statement with neither is ignored, and the reason says so.
package vex

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// Limits on a VEX document.
const (
	MaxStatements = 200000
	MaxProducts   = 100000 // product identifiers of one statement
	MaxDepth      = 32     // CSAF branch nesting
)

// Statement is one VEX statement, whatever its format.
type Statement struct {
	Vulnerability string
	Aliases       []string
	Products      []string // purl, CPE, name@version, bom-ref or device id
	Status        vuln.Status
	Justification string // OpenVEX justification names; CycloneDX's are mapped
	Impact        string // why it is not affected, in words
	Action        string // what to do, for affected
	Source        string // file it came from
}

// Format is a VEX format.
type Format string

// Formats Detect recognises.
const (
	OpenVEX   Format = "openvex"
	CycloneDX Format = "cyclonedx"
	CSAF      Format = "csaf"
)

// ErrUnknownFormat is returned for a document that is no VEX.
var ErrUnknownFormat = errors.New("not an OpenVEX, CycloneDX VEX or CSAF VEX document")

// Detect recognises the VEX format of data, "" when unknown.
func Detect(data []byte) Format {
	head := data[:min(len(data), 8192)]
	has := func(s string) bool { return bytes.Contains(head, []byte(s)) }
	switch {
	case has("openvex.dev/ns"):
		return OpenVEX
	case has(`"bomFormat"`) && bytes.Contains(data, []byte(`"vulnerabilities"`)):
		return CycloneDX
	case has(`"csaf_version"`) || bytes.Contains(data, []byte(`"csaf_version"`)):
		return CSAF
	}
	return ""
}

// Parse reads the statements of a VEX document read from file.
func Parse(file string, data []byte) ([]Statement, error) {
	if len(data) > vuln.MaxDocumentSize {
		return nil, &vuln.ParseError{File: file, Err: fmt.Errorf("document of %d bytes exceeds the limit of %d", len(data), vuln.MaxDocumentSize)}
	}
	var st []Statement
	var err error
	switch Detect(data) {
	case OpenVEX:
		st, err = parseOpenVEX(file, data)
	case CycloneDX:
		st, err = parseCycloneDX(file, data)
	case CSAF:
		st, err = parseCSAF(file, data)
	default:
		return nil, &vuln.ParseError{File: file, Err: ErrUnknownFormat}
	}
	if err == nil && len(st) > MaxStatements {
		err = &vuln.ParseError{File: file, Err: fmt.Errorf("%d statements exceed the limit of %d", len(st), MaxStatements)}
	}
	return st, err
}

// Apply applies statements, in order (a later one wins), to fs and
// returns how many findings a statement changed or confirmed. ids gives
// identifiers of a finding's subject beyond its component key and device
// id (the component's CPE, bom-ref, name@version); it may be nil.
func Apply(fs []vuln.Finding, stmts []Statement, ids func(vuln.Finding) []string) int {
	byVuln := map[string][]int{}
	for i, s := range stmts {
		for _, id := range append([]string{s.Vulnerability}, s.Aliases...) {
			if id != "" {
				k := strings.ToUpper(id)
				byVuln[k] = append(byVuln[k], i)
			}
		}
	}
	n := 0
	for i := range fs {
		f := &fs[i]
		if f.Advisory == "" {
			continue
		}
		s := effective(f, stmts, byVuln, ids)
		if s != nil && apply(f, s) {
			n++
		}
	}
	return n
}

// effective is the last statement that names f's vulnerability and subject.
func effective(f *vuln.Finding, stmts []Statement, byVuln map[string][]int, ids func(vuln.Finding) []string) *Statement {
	subject := []string{f.Component, f.Device}
	if ids != nil {
		subject = append(subject, ids(*f)...)
	}
	last := -1
	for _, id := range f.IDs() {
		for _, i := range byVuln[strings.ToUpper(id)] {
			if i > last && matchesProduct(stmts[i].Products, subject) {
				last = i
			}
		}
	}
	if last < 0 {
		return nil
	}
	return &stmts[last]
}

func apply(f *vuln.Finding, s *Statement) bool {
	src := "VEX"
	if s.Source != "" {
		src = "VEX " + s.Source
	}
	switch s.Status {
	case vuln.StatusNotAffected:
		if s.Justification == "" && s.Impact == "" {
			f.Reason += "; " + src + " says not_affected without justification or impact statement: ignored"
			return false
		}
		f.Status = vuln.StatusNotAffected
		f.Reason += fmt.Sprintf("; %s: not_affected%s%s", src, prefixed(", justification ", s.Justification), prefixed(": ", s.Impact))
	case vuln.StatusFixed, vuln.StatusUnderInvestigation, vuln.StatusAffected:
		f.Status = s.Status
		f.Reason += fmt.Sprintf("; %s: %s%s", src, s.Status, prefixed(": ", s.Action))
	default:
		return false
	}
	return true
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// matchesProduct reports whether a statement product names the subject.
func matchesProduct(products, subject []string) bool {
	for _, p := range products {
		for _, s := range subject {
			if s != "" && sameProduct(p, s) {
				return true
			}
		}
	}
	return false
}

// sameProduct compares identifiers: purls ignoring qualifiers and
// subpath, a versionless statement purl naming every version; anything
// else case-insensitively.
func sameProduct(stmt, subject string) bool {
	if strings.HasPrefix(stmt, "pkg:") && strings.HasPrefix(subject, "pkg:") {
		a, av := splitPURL(stmt)
		b, bv := splitPURL(subject)
		return a == b && (av == "" || av == bv)
	}
	return strings.EqualFold(strings.TrimSpace(stmt), strings.TrimSpace(subject))
}

func splitPURL(p string) (base, version string) {
	p, _, _ = strings.Cut(p, "#")
	p, _, _ = strings.Cut(p, "?")
	if i := strings.LastIndexByte(p, '@'); i > strings.LastIndexByte(p, '/') {
		return strings.ToLower(p[:i]), p[i+1:]
	}
	return strings.ToLower(p), ""
}
