// Package csaf parses CSAF 2.0 advisories (such as CISA's ICS medical
// advisories, ICSMA) into vuln.Advisory values: one advisory per document,
// one vuln.Affected per product leaf that a vulnerability gives a status.
package csaf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/cvss"
)

// Limits on a document.
const (
	MaxDepth    = 32     // branch nesting
	MaxProducts = 100000 // product leaves and relationships
)

// document is the part of a CSAF 2.0 document the scanner uses.
type document struct {
	Document struct {
		CSAFVersion string `json:"csaf_version"`
		Title       string `json:"title"`
		Tracking    struct {
			ID string `json:"id"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree struct {
		Branches         []branch       `json:"branches"`
		FullProductNames []productName  `json:"full_product_names"`
		Relationships    []relationship `json:"relationships"`
	} `json:"product_tree"`
	Vulnerabilities []vulnerability `json:"vulnerabilities"`
}

type branch struct {
	Category string       `json:"category"`
	Name     string       `json:"name"`
	Product  *productName `json:"product"`
	Branches []branch     `json:"branches"`
}

type productName struct {
	Name      string `json:"name"`
	ProductID string `json:"product_id"`
}

type relationship struct {
	Category          string      `json:"category"`
	FullProductName   productName `json:"full_product_name"`
	ProductReference  string      `json:"product_reference"`
	RelatesToProducts string      `json:"relates_to_product_reference"`
}

type vulnerability struct {
	CVE           string              `json:"cve"`
	ProductStatus map[string][]string `json:"product_status"`
	Scores        []struct {
		CVSSV3 *struct {
			BaseScore    float64 `json:"baseScore"`
			VectorString string  `json:"vectorString"`
		} `json:"cvss_v3"`
		Products []string `json:"products"`
	} `json:"scores"`
	Remediations []remediation `json:"remediations"`
	References   []struct {
		URL string `json:"url"`
	} `json:"references"`
	Flags []struct {
		Label      string   `json:"label"`
		ProductIDs []string `json:"product_ids"`
	} `json:"flags"`
}

type remediation struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	ProductIDs []string `json:"product_ids"`
}

// Detect reports whether data looks like a CSAF document.
func Detect(data []byte) bool {
	head := data[:min(len(data), 4096)]
	return bytes.Contains(head, []byte(`"csaf_version"`)) ||
		bytes.Contains(data, []byte(`"csaf_version"`)) && bytes.Contains(head, []byte(`"document"`))
}

// Parse parses the CSAF document data read from file.
func Parse(file string, data []byte) (vuln.Advisory, error) {
	var d document
	if err := vuln.DecodeJSON(file, data, &d); err != nil {
		return vuln.Advisory{}, err
	}
	if !strings.HasPrefix(d.Document.CSAFVersion, "2.") {
		return vuln.Advisory{}, &vuln.ParseError{File: file, Place: "document.csaf_version",
			Err: fmt.Errorf("unsupported CSAF version %q (want 2.x)", d.Document.CSAFVersion)}
	}
	if d.Document.Tracking.ID == "" {
		return vuln.Advisory{}, &vuln.ParseError{File: file, Place: "document.tracking.id", Err: errors.New("missing")}
	}
	leaves, err := productLeaves(&d)
	if err != nil {
		return vuln.Advisory{}, &vuln.ParseError{File: file, Place: "product_tree", Err: err}
	}
	a := vuln.Advisory{ID: d.Document.Tracking.ID, Source: file, Summary: d.Document.Title}
	for i, v := range d.Vulnerabilities {
		if err := checkRefs(v, leaves); err != nil {
			return vuln.Advisory{}, &vuln.ParseError{File: file, Place: fmt.Sprintf("vulnerabilities[%d]", i), Err: err}
		}
		if v.CVE != "" && !contains(a.Aliases, v.CVE) {
			a.Aliases = append(a.Aliases, v.CVE)
		}
	}
	a.Affected = affected(&d, leaves)
	for _, af := range a.Affected {
		if af.CVSS > a.CVSS {
			a.CVSS, a.Vector = af.CVSS, af.Vector
		}
	}
	linkedVectors(&d, &a)
	return a, nil
}

// linkedVectors takes CVSS vectors that a document gives only inside a
// calculator link in its references: v4.0 vectors (ICSMA documents carry
// them no other way), and v3 vectors where no score is stated, scored
// here.
func linkedVectors(d *document, a *vuln.Advisory) {
	for _, v := range d.Vulnerabilities {
		for _, r := range v.References {
			vec, ok := cvss.FromURL(r.URL)
			switch {
			case !ok:
			case strings.HasPrefix(vec, "CVSS:4.0/"):
				if a.VectorV4 == "" {
					a.VectorV4 = vec
				}
			case a.CVSS == 0:
				if s, err := cvss.Score(vec); err == nil {
					a.CVSS, a.Vector = s, vec
				}
			}
		}
	}
}

// checkRefs checks that every product id v names is in the product tree.
func checkRefs(v vulnerability, leaves map[string]*leaf) error {
	for status, ids := range v.ProductStatus {
		for _, id := range ids {
			if leaves[id] == nil {
				return fmt.Errorf("product_status.%s: unknown product id %q", status, id)
			}
		}
	}
	return nil
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}
