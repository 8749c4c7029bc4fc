package deid

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/fhir"
)

// FHIR de-identifies FHIR R4 JSON (a Bundle or one resource): the elements
// the fhir scanner knows by meaning (Patient.name, birthDate,
// identifier.value, telecom.value, address; related persons and
// practitioners; encounter and observation dates) and the findings eng
// makes in narratives and notes. Dates shift by the offset of the first
// Patient identifier. The output is valid JSON: surrogates are escaped.
func FHIR(doc []byte, eng *dlp.Engine, s *Surrogates) ([]byte, error) {
	fs, err := fhir.Scan(doc, eng)
	if err != nil {
		return nil, fmt.Errorf("de-identify FHIR: %w", err)
	}
	s = s.ForPatient(fhirPatient(doc, fs))
	edits := make([]edit, 0, len(fs))
	for _, f := range fs {
		value := string(doc[f.Start:f.End])
		var text string
		switch role, ok := fhirRole(f); {
		case ok && s.mode == ModeSurrogate:
			text = s.hyphenatedWords(value, role)
		default:
			text = s.Replace(f.Type, value)
		}
		edits = append(edits, edit{f.Start, f.End, escapeJSON(text)})
	}
	return apply(doc, edits), nil
}

// fhirPatient is the first Patient identifier value, the key of the date
// shift.
func fhirPatient(doc []byte, fs []fhir.Finding) string {
	for _, f := range fs {
		if (strings.HasPrefix(f.Path, "Patient.identifier") || strings.Contains(f.Path, "(Patient).identifier")) &&
			strings.HasSuffix(f.Path, ".value") {
			return string(doc[f.Start:f.End])
		}
	}
	return ""
}

// fhirRole is the role of a HumanName part: family or given. Name.text
// and other names have no fixed role.
func fhirRole(f fhir.Finding) (Role, bool) {
	if f.Type != dlp.Name || f.Detector != fhir.DetectorElement {
		return 0, false
	}
	switch {
	case strings.HasSuffix(f.Path, ".family"):
		return Family, true
	case strings.Contains(f.Path[strings.LastIndexByte(f.Path, '.'):], ".given"):
		return Given, true
	}
	return 0, false
}

// escapeJSON escapes text for the inside of a JSON string.
func escapeJSON(text string) string {
	var b strings.Builder
	for _, r := range text {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, "\\u%04x", r)
		case r == utf8.RuneError:
			b.WriteString("\\ufffd")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
