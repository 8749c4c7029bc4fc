// Package cyclonedx reads the components of a CycloneDX JSON SBOM
// (specVersion 1.2 to 1.6) with the fields the scanner needs.
package cyclonedx

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/airtight/airtight/vuln"
)

// Limits on an SBOM.
const (
	MaxComponents = 200000
	MaxDepth      = 32
)

type bom struct {
	BOMFormat   string      `json:"bomFormat"`
	SpecVersion string      `json:"specVersion"`
	Components  []component `json:"components"`
}

type component struct {
	BOMRef     string      `json:"bom-ref"`
	Type       string      `json:"type"`
	Group      string      `json:"group"`
	Name       string      `json:"name"`
	Version    string      `json:"version"`
	PURL       string      `json:"purl"`
	CPE        string      `json:"cpe"`
	Components []component `json:"components"`
}

// Detect reports whether data looks like a CycloneDX JSON document.
func Detect(data []byte) bool {
	return bytes.Contains(data[:min(len(data), 4096)], []byte(`"bomFormat"`))
}

// Parse returns the components of the CycloneDX JSON document data, read
// from file, nested components included, in document order.
func Parse(file string, data []byte) ([]vuln.Component, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '<' {
		return nil, &vuln.ParseError{File: file, Err: errors.New("CycloneDX XML is not supported yet; use the JSON form")}
	}
	var b bom
	if err := vuln.DecodeJSON(file, data, &b); err != nil {
		return nil, err
	}
	if b.BOMFormat != "CycloneDX" {
		return nil, &vuln.ParseError{File: file, Place: "bomFormat", Err: fmt.Errorf("%q, want CycloneDX", b.BOMFormat)}
	}
	var out []vuln.Component
	if err := flatten(b.Components, "components", 1, &out); err != nil {
		return nil, &vuln.ParseError{File: file, Err: err}
	}
	return out, nil
}

func flatten(cs []component, place string, depth int, out *[]vuln.Component) error {
	if depth > MaxDepth {
		return fmt.Errorf("%s: components nested deeper than %d", place, MaxDepth)
	}
	for i, c := range cs {
		if len(*out) >= MaxComponents {
			return fmt.Errorf("%s[%d]: more than %d components", place, i, MaxComponents)
		}
		name := c.Name
		if c.Group != "" && c.PURL == "" {
			name = c.Group + "/" + c.Name
		}
		*out = append(*out, vuln.Component{Ref: c.BOMRef, Name: name, Version: c.Version, PURL: c.PURL, CPE: c.CPE})
		if err := flatten(c.Components, fmt.Sprintf("%s[%d].components", place, i), depth+1, out); err != nil {
			return err
		}
	}
	return nil
}
