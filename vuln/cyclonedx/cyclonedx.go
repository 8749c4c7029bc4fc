// Package cyclonedx reads the components of a CycloneDX SBOM, JSON or XML
// (specVersion 1.2 to 1.6), with every identifier it carries (bom-ref,
// purl, CPE, SWID tag id, hashes), the supplier and the FDA support
// properties ("Level of Support", "End-of-Support"). The metadata
// component (the product the SBOM describes) comes first, then the
// components in document order, nested ones after their parent.
package cyclonedx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// Limits on an SBOM.
const (
	MaxComponents = 200000
	MaxDepth      = 32
	MaxHashes     = 64 // per component
	MaxProperties = 1024
)

// bom carries both encodings: XML wraps lists in a container element.
type bom struct {
	BOMFormat   string      `json:"bomFormat" xml:"-"`
	SpecVersion string      `json:"specVersion" xml:"-"`
	Metadata    *metadata   `json:"metadata" xml:"metadata"`
	Components  []component `json:"components" xml:"components>component"`
}

type metadata struct {
	Component *component `json:"component" xml:"component"`
	Supplier  *entity    `json:"supplier" xml:"supplier"`
}

type component struct {
	BOMRef     string      `json:"bom-ref" xml:"bom-ref,attr"`
	Type       string      `json:"type" xml:"type,attr"`
	Supplier   *entity     `json:"supplier" xml:"supplier"`
	Author     string      `json:"author" xml:"author"`
	Publisher  string      `json:"publisher" xml:"publisher"`
	Group      string      `json:"group" xml:"group"`
	Name       string      `json:"name" xml:"name"`
	Version    string      `json:"version" xml:"version"`
	Hashes     []hash      `json:"hashes" xml:"hashes>hash"`
	PURL       string      `json:"purl" xml:"purl"`
	CPE        string      `json:"cpe" xml:"cpe"`
	SWID       *swid       `json:"swid" xml:"swid"`
	Properties []property  `json:"properties" xml:"properties>property"`
	Components []component `json:"components" xml:"components>component"`
}

type entity struct {
	Name string `json:"name" xml:"name"`
}

type hash struct {
	Alg     string `json:"alg" xml:"alg,attr"`
	Content string `json:"content" xml:",chardata"`
}

type swid struct {
	TagID string `json:"tagId" xml:"tagId,attr"`
}

type property struct {
	Name  string `json:"name" xml:"name,attr"`
	Value string `json:"value" xml:",chardata"`
}

// Detect reports whether data looks like a CycloneDX document, JSON or XML.
func Detect(data []byte) bool {
	head := data[:min(len(data), 4096)]
	return bytes.Contains(head, []byte(`"bomFormat"`)) || bytes.Contains(head, []byte("cyclonedx.org/schema/bom"))
}

// Parse returns the components of the CycloneDX document data, JSON or
// XML, read from file. It fails as a whole, naming the place of the
// first bad component.
func Parse(file string, data []byte) ([]vuln.Component, error) {
	var b bom
	var err error
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '<' {
		err = decodeXML(file, t, &b)
	} else {
		err = decodeJSON(file, data, &b)
	}
	if err != nil {
		return nil, err
	}
	var out []vuln.Component
	if b.Metadata != nil && b.Metadata.Component != nil {
		top := []component{*b.Metadata.Component}
		top[0].Components = nil // listed again under components, if at all
		if err := flatten(top, "metadata.component", 1, &out); err != nil {
			return nil, &vuln.ParseError{File: file, Err: err}
		}
	}
	if err := flatten(b.Components, "components", 1, &out); err != nil {
		return nil, &vuln.ParseError{File: file, Err: err}
	}
	return out, nil
}

func decodeJSON(file string, data []byte, b *bom) error {
	if err := vuln.DecodeJSON(file, data, b); err != nil {
		return err
	}
	if b.BOMFormat != "CycloneDX" {
		return &vuln.ParseError{File: file, Place: "bomFormat", Err: fmt.Errorf("%q, want CycloneDX", trunc(b.BOMFormat))}
	}
	return nil
}

// decodeXML decodes a CycloneDX XML document. encoding/xml expands no
// entities beyond the predefined ones, so entity bombs do not apply.
func decodeXML(file string, data []byte, b *bom) error {
	if len(data) > vuln.MaxDocumentSize {
		return &vuln.ParseError{File: file, Err: fmt.Errorf("document of %d bytes exceeds the limit of %d", len(data), vuln.MaxDocumentSize)}
	}
	var root struct {
		XMLName xml.Name
		bom
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		line, _ := dec.InputPos()
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			line = se.Line
		}
		return &vuln.ParseError{File: file, Line: line, Err: err}
	}
	if root.XMLName.Local != "bom" || !strings.HasPrefix(root.XMLName.Space, "http://cyclonedx.org/schema/bom/") {
		return &vuln.ParseError{File: file, Place: "bom", Err: fmt.Errorf("root element {%s}%s, want a CycloneDX bom",
			trunc(root.XMLName.Space), trunc(root.XMLName.Local))}
	}
	*b = root.bom
	return nil
}

func flatten(cs []component, place string, depth int, out *[]vuln.Component) error {
	if depth > MaxDepth {
		return fmt.Errorf("%s: components nested deeper than %d", place, MaxDepth)
	}
	for i := range cs {
		c := &cs[i]
		p := fmt.Sprintf("%s[%d]", place, i)
		if len(*out) >= MaxComponents {
			return fmt.Errorf("%s: more than %d components", p, MaxComponents)
		}
		vc, err := convert(c)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		*out = append(*out, vc)
		if err := flatten(c.Components, p+".components", depth+1, out); err != nil {
			return err
		}
	}
	return nil
}

func convert(c *component) (vuln.Component, error) {
	if len(c.Hashes) > MaxHashes {
		return vuln.Component{}, fmt.Errorf("hashes: %d exceed the limit of %d", len(c.Hashes), MaxHashes)
	}
	if len(c.Properties) > MaxProperties {
		return vuln.Component{}, fmt.Errorf("properties: %d exceed the limit of %d", len(c.Properties), MaxProperties)
	}
	name := strings.TrimSpace(c.Name)
	if c.Group != "" && c.PURL == "" {
		name = c.Group + "/" + name
	}
	vc := vuln.Component{Ref: c.BOMRef, Type: c.Type, Name: name, Version: strings.TrimSpace(c.Version),
		PURL: strings.TrimSpace(c.PURL), CPE: strings.TrimSpace(c.CPE), Supplier: supplier(c)}
	if c.SWID != nil {
		vc.SWID = c.SWID.TagID
	}
	for _, h := range c.Hashes {
		vc.Hashes = append(vc.Hashes, vuln.Hash{Alg: h.Alg, Value: strings.ToLower(strings.TrimSpace(h.Content))})
	}
	for _, p := range c.Properties {
		switch vuln.SupportField(p.Name) {
		case "level":
			vc.LevelOfSupport = strings.TrimSpace(p.Value)
		case "end":
			vc.EndOfSupport = strings.TrimSpace(p.Value)
		}
	}
	return vc, nil
}

func supplier(c *component) string {
	switch {
	case c.Supplier != nil && c.Supplier.Name != "":
		return c.Supplier.Name
	case c.Publisher != "":
		return c.Publisher
	}
	return c.Author
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
