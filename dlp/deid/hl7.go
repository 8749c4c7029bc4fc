package deid

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/hl7"
)

// doctorFields are the XCN fields: component 1 is an ID number and the
// family name is component 2.
var doctorFields = map[string]bool{"PV1-7": true, "PV1-8": true, "PV1-9": true, "PV1-17": true,
	"ORC-12": true, "OBR-16": true}

// HL7 de-identifies an HL7 v2 message: the PHI fields the hl7 scanner
// knows by meaning (PID-3 identifiers, PID-5 names, PID-7 birth date,
// addresses, phones, NK1, PV1, GT1, IN1...) and the findings eng makes in
// free-text fields. Dates shift by the offset of the patient in PID-3.
// Segments, delimiters and escape sequences stay valid: surrogates are
// escaped for the message's encoding characters.
func HL7(msg []byte, eng *dlp.Engine, s *Surrogates) ([]byte, error) {
	m, err := hl7.Parse(msg, hl7.Limits{})
	if err != nil {
		return nil, fmt.Errorf("de-identify HL7: %w", err)
	}
	fs := m.Scan(eng)
	s = s.ForPatient(hl7Patient(m, fs))
	edits := make([]edit, 0, len(fs))
	for _, f := range fs {
		value := string(msg[f.Start:f.End])
		var text string
		if f.Type == dlp.Name && f.Detector == hl7.DetectorField && s.mode == ModeSurrogate {
			text = s.hyphenatedWords(value, hl7Role(f.Path))
		} else {
			text = s.Replace(f.Type, value)
		}
		edits = append(edits, edit{f.Start, f.End, escapeHL7(text, m.Delims)})
	}
	return apply(msg, edits), nil
}

// hl7Patient is the first identifier in PID-3, the patient's key for the
// date shift.
func hl7Patient(m *hl7.Message, fs []hl7.Finding) string {
	for _, f := range fs {
		if f.Path == "PID-3.1" {
			return string(m.Raw[f.Start:f.End])
		}
	}
	return ""
}

// hl7Role is the role of a name component: family for XPN.1 and XCN.2,
// given otherwise.
func hl7Role(path string) Role {
	path = stripBrackets(path) // "NK1[2]-2[3].1" -> "NK1-2.1"
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return Family
	}
	comp, _ := strconv.Atoi(path[i+1:])
	family := 1
	if doctorFields[path[:i]] {
		family = 2
	}
	if comp == family {
		return Family
	}
	return Given
}

func stripBrackets(p string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hyphenatedWords maps each word of a name component in one role.
func (s *Surrogates) hyphenatedWords(v string, role Role) string {
	words, seps := splitName(v)
	var b strings.Builder
	for i, w := range words {
		b.WriteString(seps[i])
		b.WriteString(s.hyphenated(w, role))
	}
	b.WriteString(seps[len(words)])
	return b.String()
}

// escapeHL7 escapes the message's delimiters in text (HL7 v2.5.1 2.7.1).
func escapeHL7(text string, d hl7.Delimiters) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case d.Escape != 0 && c == d.Escape:
			b.WriteString(string(d.Escape) + "E" + string(d.Escape))
		case c == d.Field:
			b.WriteString(esc(d, 'F'))
		case c == d.Component:
			b.WriteString(esc(d, 'S'))
		case d.Repetition != 0 && c == d.Repetition:
			b.WriteString(esc(d, 'R'))
		case d.Subcomponent != 0 && c == d.Subcomponent:
			b.WriteString(esc(d, 'T'))
		case c == '\r' || c == '\n':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func esc(d hl7.Delimiters, code byte) string {
	if d.Escape == 0 {
		return " "
	}
	return string([]byte{d.Escape, code, d.Escape})
}
