// Package spdx reads the packages of an SPDX 2.2 or 2.3 document, JSON or
// tag-value, through github.com/spdx/tools-golang, as vuln.Component
// values: name, version, SPDX identifier, supplier, checksums, the purl,
// CPE and SWID external references, and the FDA support fields given as
// annotations ("Level of Support: Actively maintained").
package spdx

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/spdx/tools-golang/json"
	tvspdx "github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/airtight/airtight/vuln"
)

// Limits on a document.
const (
	MaxPackages    = 200000
	MaxRefs        = 256 // external references of one package
	MaxAnnotations = 1 << 20
)

// Format is an SPDX encoding.
type Format string

// Encodings Detect tells apart.
const (
	JSON     Format = "spdx-json"
	TagValue Format = "spdx-tag-value"
)

// Detect returns the SPDX encoding of data, "" when it is not SPDX.
func Detect(data []byte) Format {
	head := bytes.TrimSpace(data[:min(len(data), 4096)])
	switch {
	case len(head) > 0 && head[0] == '{' && bytes.Contains(head, []byte(`"spdxVersion"`)):
		return JSON
	case bytes.Contains(head, []byte("SPDXVersion:")):
		return TagValue
	}
	return ""
}

// Parse returns the packages of the SPDX document data read from file.
func Parse(file string, data []byte) ([]vuln.Component, error) {
	if len(data) > vuln.MaxDocumentSize {
		return nil, &vuln.ParseError{File: file, Err: fmt.Errorf("document of %d bytes exceeds the limit of %d", len(data), vuln.MaxDocumentSize)}
	}
	f := Detect(data)
	if f == "" {
		return nil, &vuln.ParseError{File: file, Err: errors.New("not an SPDX document (no spdxVersion / SPDXVersion)")}
	}
	doc, err := read(f, data)
	if err != nil {
		return nil, &vuln.ParseError{File: file, Err: fmt.Errorf("%s: %w", f, err)}
	}
	if !strings.HasPrefix(doc.SPDXVersion, "SPDX-2.") {
		return nil, &vuln.ParseError{File: file, Place: "spdxVersion", Err: fmt.Errorf("%q, want SPDX-2.2 or SPDX-2.3", trunc(doc.SPDXVersion))}
	}
	if len(doc.Packages) > MaxPackages {
		return nil, &vuln.ParseError{File: file, Place: "packages", Err: fmt.Errorf("%d packages exceed the limit of %d", len(doc.Packages), MaxPackages)}
	}
	if len(doc.Annotations) > MaxAnnotations {
		return nil, &vuln.ParseError{File: file, Place: "annotations", Err: fmt.Errorf("more than %d annotations", MaxAnnotations)}
	}
	return components(file, doc)
}

// read decodes the document; the library's panics on hostile input, if
// any, become errors.
func read(f Format, data []byte) (doc *tvspdx.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("malformed document (%v)", r)
		}
	}()
	if f == JSON {
		doc, err = json.Read(bytes.NewReader(data))
	} else {
		doc, err = tagvalue.Read(bytes.NewReader(data))
	}
	if err == nil && doc == nil {
		err = errors.New("empty document")
	}
	return doc, err
}

func components(file string, doc *tvspdx.Document) ([]vuln.Component, error) {
	byID := map[string][]string{} // element id → annotation comments
	for _, a := range doc.Annotations {
		if a != nil {
			id := string(a.AnnotationSPDXIdentifier.ElementRefID)
			byID[id] = append(byID[id], a.AnnotationComment)
		}
	}
	out := make([]vuln.Component, 0, len(doc.Packages))
	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		c, err := component(p, byID[string(p.PackageSPDXIdentifier)])
		if err != nil {
			return nil, &vuln.ParseError{File: file, Place: fmt.Sprintf("packages[%d]", i), Err: err}
		}
		out = append(out, c)
	}
	return out, nil
}

func component(p *tvspdx.Package, notes []string) (vuln.Component, error) {
	if len(p.PackageExternalReferences) > MaxRefs {
		return vuln.Component{}, fmt.Errorf("externalRefs: %d exceed the limit of %d", len(p.PackageExternalReferences), MaxRefs)
	}
	c := vuln.Component{Ref: "SPDXRef-" + string(p.PackageSPDXIdentifier), Name: p.PackageName,
		Version: p.PackageVersion, Supplier: supplier(p),
		Type: strings.ToLower(strings.ReplaceAll(p.PrimaryPackagePurpose, "_", "-"))}
	for _, h := range p.PackageChecksums {
		c.Hashes = append(c.Hashes, vuln.Hash{Alg: string(h.Algorithm), Value: strings.ToLower(h.Value)})
	}
	for _, r := range p.PackageExternalReferences {
		if r != nil {
			externalRef(&c, r.RefType, r.Locator)
		}
	}
	for _, a := range p.Annotations {
		notes = append(notes, a.AnnotationComment)
	}
	for _, n := range notes {
		supportNote(&c, n)
	}
	return c, nil
}

// externalRef keeps the first purl, CPE and SWID reference.
func externalRef(c *vuln.Component, typ, loc string) {
	loc = strings.TrimSpace(loc)
	switch strings.ToLower(typ) {
	case "purl":
		if c.PURL == "" {
			c.PURL = loc
		}
	case "cpe23type", "cpe22type", "http://spdx.org/rdf/references/cpe23type", "http://spdx.org/rdf/references/cpe22type":
		if c.CPE == "" {
			c.CPE = loc
		}
	case "swid":
		if c.SWID == "" {
			c.SWID = loc
		}
	}
}

func supplier(p *tvspdx.Package) string {
	if s := p.PackageSupplier; s != nil && s.Supplier != "" && s.Supplier != "NOASSERTION" {
		return s.Supplier
	}
	if o := p.PackageOriginator; o != nil && o.Originator != "" && o.Originator != "NOASSERTION" {
		return o.Originator
	}
	return ""
}

// supportNote reads "Level of Support: ..." and "End-of-Support: ..."
// lines of an annotation comment.
func supportNote(c *vuln.Component, comment string) {
	for _, line := range strings.Split(comment, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if k2, v2, ok := strings.Cut(v, ":"); ok && vuln.SupportField(k2) != "" { // "fda:End-of-Support: ..."
			k, v = k2, v2
		}
		switch vuln.SupportField(k) {
		case "level":
			c.LevelOfSupport = strings.TrimSpace(v)
		case "end":
			c.EndOfSupport = strings.TrimSpace(v)
		}
	}
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
