package vex

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	govex "github.com/openvex/go-vex/pkg/vex"

	"github.com/airtight/airtight/vuln"
)

// parseOpenVEX reads an OpenVEX document with go-vex. Each product and
// each of its subcomponents is an identifier the statement applies to.
func parseOpenVEX(file string, data []byte) ([]Statement, error) {
	doc, err := govex.Parse(data)
	if err != nil {
		return nil, &vuln.ParseError{File: file, Err: err}
	}
	if len(doc.Statements) > MaxStatements {
		return nil, &vuln.ParseError{File: file, Place: "statements", Err: fmt.Errorf("%d statements exceed the limit of %d", len(doc.Statements), MaxStatements)}
	}
	out := make([]Statement, 0, len(doc.Statements))
	for i := range doc.Statements {
		s := &doc.Statements[i]
		place := fmt.Sprintf("statements[%d]", i)
		if err := s.Validate(); err != nil {
			return nil, &vuln.ParseError{File: file, Place: place, Err: err}
		}
		st := Statement{Vulnerability: string(s.Vulnerability.Name), Status: vuln.Status(s.Status),
			Justification: string(s.Justification), Impact: s.ImpactStatement, Action: s.ActionStatement, Source: file}
		for _, a := range s.Vulnerability.Aliases {
			st.Aliases = append(st.Aliases, string(a))
		}
		for _, p := range s.Products {
			st.Products = append(st.Products, componentIDs(p.Component)...)
			for _, sc := range p.Subcomponents {
				st.Products = append(st.Products, componentIDs(sc.Component)...)
			}
		}
		if st.Vulnerability == "" || len(st.Products) == 0 {
			return nil, &vuln.ParseError{File: file, Place: place, Err: fmt.Errorf("statement without vulnerability name or product")}
		}
		if len(st.Products) > MaxProducts {
			return nil, &vuln.ParseError{File: file, Place: place, Err: fmt.Errorf("more than %d products", MaxProducts)}
		}
		out = append(out, st)
	}
	return out, nil
}

func componentIDs(c govex.Component) []string {
	var ids []string
	if c.ID != "" {
		ids = append(ids, c.ID)
	}
	keys := make([]string, 0, len(c.Identifiers))
	for k := range c.Identifiers {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		ids = append(ids, c.Identifiers[govex.IdentifierType(k)])
	}
	return ids
}

// ExportOptions describe the OpenVEX document written.
type ExportOptions struct {
	ID     string    // document IRI; derived from the findings when ""
	Author string    // "airtight" when ""
	Time   time.Time // document and statement timestamp
}

// OpenVEXDocument makes an OpenVEX document of the findings that name an
// advisory: affected stays affected (action: the fixed version, when
// known), needs_review and under_investigation are under_investigation,
// fixed is fixed, not_affected carries the reason as impact statement.
func OpenVEXDocument(fs []vuln.Finding, o ExportOptions) (*govex.VEX, error) {
	t := o.Time.UTC()
	doc := &govex.VEX{Metadata: govex.Metadata{Context: govex.ContextLocator(), Author: o.Author,
		AuthorRole: "Vulnerability scanner", Timestamp: &t, Version: 1, Tooling: "airtight vuln scan"}}
	if doc.Author == "" {
		doc.Author = "airtight"
	}
	doc.Statements = []govex.Statement{}
	for _, f := range fs {
		if f.Advisory == "" {
			continue
		}
		s := statementOf(f)
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("finding %s / %s: %w", f.Subject(), f.Advisory, err)
		}
		doc.Statements = append(doc.Statements, s)
	}
	doc.ID = o.ID
	if doc.ID == "" {
		id, err := doc.GenerateCanonicalID()
		if err != nil {
			return nil, err
		}
		doc.ID = id
	}
	return doc, nil
}

func statementOf(f vuln.Finding) govex.Statement {
	s := govex.Statement{Vulnerability: govex.Vulnerability{Name: govex.VulnerabilityID(f.Advisory)},
		Products: []govex.Product{{Component: productOf(f)}}}
	for _, a := range f.Aliases {
		if a != f.Advisory {
			s.Vulnerability.Aliases = append(s.Vulnerability.Aliases, govex.VulnerabilityID(a))
		}
	}
	switch f.Status {
	case vuln.StatusAffected:
		s.Status = govex.StatusAffected
		s.ActionStatement = "No fixed version is known: apply the advisory's mitigations"
		if f.Fixed != "" {
			s.ActionStatement = "Update to " + f.Fixed + " or later"
		}
	case vuln.StatusFixed:
		s.Status = govex.StatusFixed
	case vuln.StatusNotAffected:
		s.Status, s.ImpactStatement = govex.StatusNotAffected, f.Reason
	default:
		s.Status, s.StatusNotes = govex.StatusUnderInvestigation, f.Reason
	}
	return s
}

func productOf(f vuln.Finding) govex.Component {
	if f.Device != "" {
		return govex.Component{ID: f.Device}
	}
	c := govex.Component{ID: f.Component}
	if strings.HasPrefix(f.Component, "pkg:") {
		c.Identifiers = map[govex.IdentifierType]string{govex.PURL: f.Component}
	}
	return c
}

// WriteOpenVEX writes the findings as an indented OpenVEX JSON document.
func WriteOpenVEX(w io.Writer, fs []vuln.Finding, o ExportOptions) error {
	doc, err := OpenVEXDocument(fs, o)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
