// Package kev reads CISA's Known Exploited Vulnerabilities catalog
// (known_exploited_vulnerabilities.json).
package kev

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"

	"github.com/airtight/airtight/vuln"
)

// MaxEntries bounds the entries of a catalog (1,404 in August 2025).
const MaxEntries = 1000000

// Entry is one catalog entry.
type Entry struct {
	CVE              string `json:"cveID"`
	VendorProject    string `json:"vendorProject"`
	Product          string `json:"product"`
	Name             string `json:"vulnerabilityName"`
	DateAdded        string `json:"dateAdded"`
	RequiredAction   string `json:"requiredAction"`
	DueDate          string `json:"dueDate"`
	KnownRansomware  string `json:"knownRansomwareCampaignUse"`
	ShortDescription string `json:"shortDescription"`
	Notes            string `json:"notes"`
}

// Catalog is a parsed catalog, indexed by CVE id.
type Catalog struct {
	Version string
	Entries map[string]Entry
}

var _ vuln.KEVLookup = (*Catalog)(nil)

// Listed reports whether cve is in the catalog.
func (c *Catalog) Listed(cve string) bool {
	if c == nil {
		return false
	}
	_, ok := c.Entries[cve]
	return ok
}

// Merge adds the entries of o (a later catalog wins).
func (c *Catalog) Merge(o *Catalog) {
	if c.Entries == nil {
		c.Entries = map[string]Entry{}
	}
	for k, v := range o.Entries {
		c.Entries[k] = v
	}
	if o.Version > c.Version {
		c.Version = o.Version
	}
}

// Detect reports whether data looks like the KEV catalog.
func Detect(data []byte) bool {
	head := data[:min(len(data), 4096)]
	return bytes.Contains(head, []byte(`"catalogVersion"`)) || bytes.Contains(head, []byte(`"cveID"`))
}

var cveRE = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// Parse parses the catalog data read from file.
func Parse(file string, data []byte) (*Catalog, error) {
	var doc struct {
		CatalogVersion  string  `json:"catalogVersion"`
		Vulnerabilities []Entry `json:"vulnerabilities"`
	}
	if err := vuln.DecodeJSON(file, data, &doc); err != nil {
		return nil, err
	}
	if doc.Vulnerabilities == nil {
		return nil, &vuln.ParseError{File: file, Place: "vulnerabilities", Err: errors.New("missing")}
	}
	if len(doc.Vulnerabilities) > MaxEntries {
		return nil, &vuln.ParseError{File: file, Place: "vulnerabilities", Err: fmt.Errorf("%d entries exceed the limit of %d", len(doc.Vulnerabilities), MaxEntries)}
	}
	c := &Catalog{Version: doc.CatalogVersion, Entries: make(map[string]Entry, len(doc.Vulnerabilities))}
	for i, e := range doc.Vulnerabilities {
		if !cveRE.MatchString(e.CVE) {
			return nil, &vuln.ParseError{File: file, Place: fmt.Sprintf("vulnerabilities[%d].cveID", i), Err: fmt.Errorf("%.40q is not a CVE id", e.CVE)}
		}
		c.Entries[e.CVE] = e
	}
	return c, nil
}
