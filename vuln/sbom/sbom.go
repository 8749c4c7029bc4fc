// Package sbom reads an SBOM in any supported format, recognised by its
// content: CycloneDX JSON or XML (1.2 to 1.6), SPDX 2.2/2.3 JSON or
// tag-value.
package sbom

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/cyclonedx"
	"github.com/airtight/airtight/vuln/spdx"
)

// Format is an SBOM format.
type Format string

// Formats Detect recognises.
const (
	CycloneDXJSON Format = "cyclonedx-json"
	CycloneDXXML  Format = "cyclonedx-xml"
	SPDXJSON      Format = "spdx-json"
	SPDXTagValue  Format = "spdx-tag-value"
)

// ErrUnknownFormat is returned for content that is no supported SBOM.
var ErrUnknownFormat = errors.New("not a CycloneDX (JSON, XML) or SPDX (JSON, tag-value) SBOM")

// Detect recognises the format of data, "" when unknown.
func Detect(data []byte) Format {
	t := bytes.TrimSpace(data)
	switch {
	case len(t) == 0:
		return ""
	case t[0] == '<' && cyclonedx.Detect(t):
		return CycloneDXXML
	case t[0] == '{' && cyclonedx.Detect(t):
		return CycloneDXJSON
	}
	switch spdx.Detect(t) {
	case spdx.JSON:
		return SPDXJSON
	case spdx.TagValue:
		return SPDXTagValue
	}
	return ""
}

// Parse returns the components of the SBOM data read from file.
func Parse(file string, data []byte) ([]vuln.Component, Format, error) {
	f := Detect(data)
	var cs []vuln.Component
	var err error
	switch f {
	case CycloneDXJSON, CycloneDXXML:
		cs, err = cyclonedx.Parse(file, data)
	case SPDXJSON, SPDXTagValue:
		cs, err = spdx.Parse(file, data)
	default:
		return nil, "", &vuln.ParseError{File: file, Err: ErrUnknownFormat}
	}
	return cs, f, err
}

// ReadFile reads and parses the SBOM at path, refusing files over the
// document size limit before reading them.
func ReadFile(path string) ([]vuln.Component, Format, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, vuln.MaxDocumentSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > vuln.MaxDocumentSize {
		return nil, "", &vuln.ParseError{File: path, Err: fmt.Errorf("larger than the limit of %d bytes", vuln.MaxDocumentSize)}
	}
	return Parse(path, data)
}
