package hl7

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"

	"github.com/airtight/airtight/dlp"
)

// Finding is PHI found in a message: a dlp.Finding with offsets into the
// original message, and the field it is in.
type Finding struct {
	dlp.Finding
	Path string `json:"path"` // "PID-5.1", "NK1[2]-4.5", "PID-3[2].1": segment[occurrence], field[repetition], component
}

// Detectors of structured findings.
const (
	DetectorField = "hl7-field" // PHI by field meaning
	fieldConf     = 0.99
)

// Scan parses msg under the default limits and returns its PHI, sorted by
// Start: structured fields by their meaning, and free text (OBX-5 of type
// TX, FT or ST, NTE-3, lines that are not segments) through eng. With a nil
// eng only structured fields are reported.
func Scan(msg []byte, eng *dlp.Engine) ([]Finding, error) {
	m, err := Parse(msg, Limits{})
	if err != nil {
		return nil, err
	}
	return m.Scan(eng), nil
}

// Scan returns the PHI in m; see the package function Scan.
func (m *Message) Scan(eng *dlp.Engine) []Finding {
	var out []Finding
	for i := range m.Segments {
		out = m.scanSegment(out, &m.Segments[i], eng)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

func (m *Message) scanSegment(out []Finding, s *Segment, eng *dlp.Engine) []Finding {
	if s.Text() {
		if eng == nil {
			return out
		}
		return m.freeText(out, s.Line, eng, "line["+strconv.Itoa(s.Index+1)+"]")
	}
	for n := 1; n < len(s.Field); n++ {
		r, ok := m.ruleFor(s, n)
		if !ok {
			continue
		}
		out = m.scanField(out, s, n, r, eng)
	}
	return out
}

// ruleFor is the meaning of field n of s.
func (m *Message) ruleFor(s *Segment, n int) (rule, bool) {
	if s.ID == "OBX" && n == 5 && len(s.Field) > 2 {
		vt := m.Raw[s.Field[2].Start:s.Field[2].End]
		if k := bytes.IndexByte(vt, m.Delims.Component); k >= 0 {
			vt = vt[:k]
		}
		r, ok := obxValue[string(vt)]
		return r, ok
	}
	r, ok := rules[field{s.ID, n}]
	return r, ok
}

func (m *Message) scanField(out []Finding, s *Segment, n int, r rule, eng *dlp.Engine) []Finding {
	f := s.Field[n]
	path := segPath(s) + "-" + strconv.Itoa(n)
	switch r.kind {
	case kText:
		if eng == nil {
			return out
		}
		return m.freeText(out, f, eng, path)
	case kWhole:
		return m.emit(out, f, r.typ, path)
	}
	for ri, rep := range m.Split(f, m.Delims.Repetition) {
		rpath := path
		if ri > 0 {
			rpath += "[" + strconv.Itoa(ri+1) + "]"
		}
		out = m.scanComponents(out, rep, r, rpath)
	}
	return out
}

func (m *Message) scanComponents(out []Finding, rep Range, r rule, path string) []Finding {
	for ci, c := range m.Split(rep, m.Delims.Component) {
		typ := componentType(r, ci+1)
		if typ != "" {
			out = m.emit(out, c, typ, path+"."+strconv.Itoa(ci+1))
		}
	}
	return out
}

func componentType(r rule, c int) dlp.Type {
	switch r.kind {
	case kID:
		if c == 1 {
			return r.typ
		}
		return ""
	case kDate:
		if c == 1 {
			return dlp.Date
		}
		return ""
	}
	return componentTypes[r.kind][c]
}

// emit adds a structured finding for r, trimmed of spaces, unless it is
// empty or the HL7 null "".
func (m *Message) emit(out []Finding, r Range, typ dlp.Type, path string) []Finding {
	for r.Start < r.End && m.Raw[r.Start] == ' ' {
		r.Start++
	}
	for r.End > r.Start && m.Raw[r.End-1] == ' ' {
		r.End--
	}
	if r.End <= r.Start || string(m.Raw[r.Start:r.End]) == `""` {
		return out
	}
	return append(out, Finding{Finding: dlp.Finding{Type: typ, Start: r.Start, End: r.End,
		Confidence: fieldConf, Detector: DetectorField}, Path: path})
}

// freeText runs eng over the decoded text of r and maps findings back.
func (m *Message) freeText(out []Finding, r Range, eng *dlp.Engine, path string) []Finding {
	d := m.decode(r)
	for _, f := range eng.Scan(d.text) {
		s, e, ok := d.span(f.Start, f.End)
		if !ok {
			continue
		}
		f.Start, f.End = s, e
		out = append(out, Finding{Finding: f, Path: path})
	}
	return out
}

// segPath is "PID" for the first PID segment, "NK1[2]" for the second NK1.
func segPath(s *Segment) string {
	if s.Seq <= 1 {
		return s.ID
	}
	return fmt.Sprintf("%s[%d]", s.ID, s.Seq)
}
