// Package hl7 parses HL7 version 2 messages far enough to find protected
// health information in them by field meaning: segments, fields,
// repetitions, components and subcomponents, with the encoding characters
// the message declares in MSH-1 and MSH-2, optional MLLP framing and escape
// sequences. Every position is a byte offset into the original message.
//
// The parser never allocates copies of field text: a [Message] holds ranges
// into the input. It enforces [Limits] and returns an error naming the
// segment index (never content) when input breaks them.
package hl7

import (
	"errors"
	"fmt"
)

// Errors, for errors.Is.
var (
	ErrNotHL7 = errors.New("hl7: not an HL7 v2 message") // no MSH header
	ErrLimit  = errors.New("hl7: limit exceeded")
)

// MLLP framing bytes.
const (
	mllpStart = 0x0B
	mllpEnd   = 0x1C
)

// Limits bound the work one message may cause. Zero fields take the
// defaults.
type Limits struct {
	MaxSize     int // bytes in the message, 16 MiB
	MaxSegments int // segments (and free-text lines), 100,000
	MaxFields   int // fields in one segment, 1,000
}

// DefaultLimits are used for zero fields of Limits.
var DefaultLimits = Limits{MaxSize: 16 << 20, MaxSegments: 100_000, MaxFields: 1000}

func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultLimits.MaxSize
	}
	if l.MaxSegments <= 0 {
		l.MaxSegments = DefaultLimits.MaxSegments
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultLimits.MaxFields
	}
	return l
}

// Delimiters are a message's encoding characters.
type Delimiters struct {
	Field, Component, Repetition, Escape, Subcomponent byte
}

// Range is a stretch of the message in byte offsets, End exclusive.
type Range struct{ Start, End int }

// Segment is one segment, or one line that is not a segment (Text): some
// files carry annotations between segments.
type Segment struct {
	ID    string  // "PID"; "" for a text line
	Seq   int     // 1 for the first segment with this ID, 2 for the second...
	Index int     // position among all segments and lines, from 0
	Line  Range   // the whole segment
	Field []Range // Field[n] is SEG-n (MSH: Field[1] is MSH-1, the field separator); Field[0] is the ID
}

// Text reports whether s is a line that is not a segment.
func (s *Segment) Text() bool { return s.ID == "" }

// Message is a parsed message. Its ranges point into Raw.
type Message struct {
	Raw      []byte
	Delims   Delimiters
	Segments []Segment
}

// Detect reports whether data looks like an HL7 v2 message: "MSH" (or a
// batch header, FHS or BHS) after an optional MLLP start byte and white
// space, then a field separator.
func Detect(data []byte) bool {
	i := skipLead(data)
	return len(data) >= i+4 && isHeader(data[i:i+3]) && isDelim(data[i+3])
}

// isHeader reports whether id is a segment that declares the encoding
// characters: MSH, or the batch headers FHS and BHS.
func isHeader(id []byte) bool {
	s := string(id)
	return s == "MSH" || s == "FHS" || s == "BHS"
}

func skipLead(data []byte) int {
	i := 0
	for i < len(data) && (data[i] == mllpStart || data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n' || data[i] == 0xEF || data[i] == 0xBB || data[i] == 0xBF) {
		i++
	}
	return i
}

// isDelim reports whether b may be an encoding character.
func isDelim(b byte) bool {
	return b > ' ' && b < 0x7F && !isAlnum(b)
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
}

// Parse parses msg under lim.
func Parse(msg []byte, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	if len(msg) > lim.MaxSize {
		return nil, fmt.Errorf("message of %d bytes exceeds %d: %w", len(msg), lim.MaxSize, ErrLimit)
	}
	start := skipLead(msg)
	d, err := delimiters(msg[start:])
	if err != nil {
		return nil, err
	}
	m := &Message{Raw: msg, Delims: d}
	return m, m.split(start, frameEnd(msg), lim)
}

// frameEnd is where the content ends: before a trailing MLLP end block.
func frameEnd(msg []byte) int {
	end := len(msg)
	for end > 0 && (msg[end-1] == '\r' || msg[end-1] == '\n') {
		end--
	}
	if end > 0 && msg[end-1] == mllpEnd {
		return end - 1
	}
	return len(msg)
}

// delimiters reads MSH-1 and MSH-2 at the start of h.
func delimiters(h []byte) (Delimiters, error) {
	if len(h) < 4 || !isHeader(h[:3]) || !isDelim(h[3]) {
		return Delimiters{}, ErrNotHL7
	}
	d := Delimiters{Field: h[3], Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}
	enc := h[4:]
	set := []*byte{&d.Component, &d.Repetition, &d.Escape, &d.Subcomponent}
	for i, p := range set {
		if i >= len(enc) || enc[i] == d.Field || !isDelim(enc[i]) {
			if i == 0 {
				return Delimiters{}, fmt.Errorf("segment 0: no encoding characters: %w", ErrNotHL7)
			}
			*p = 0 // absent: never matches a printable byte
			continue
		}
		*p = enc[i]
	}
	return d, nil
}

// split cuts msg[from:to] into segments.
func (m *Message) split(from, to int, lim Limits) error {
	seq := map[string]int{}
	for i := from; i < to; {
		j := i
		for j < to && m.Raw[j] != '\r' && m.Raw[j] != '\n' {
			j++
		}
		if j > i {
			if len(m.Segments) >= lim.MaxSegments {
				return fmt.Errorf("segment %d: more than %d segments: %w", len(m.Segments), lim.MaxSegments, ErrLimit)
			}
			if err := m.addSegment(i, j, seq, lim); err != nil {
				return err
			}
		}
		i = j + 1
	}
	return nil
}

func (m *Message) addSegment(start, end int, seq map[string]int, lim Limits) error {
	s := Segment{Index: len(m.Segments), Line: Range{start, end}}
	line := m.Raw[start:end]
	if isSegmentID(line, m.Delims.Field) {
		s.ID = string(line[:3])
		seq[s.ID]++
		s.Seq = seq[s.ID]
		fields, err := m.fields(start, end, isHeader(line[:3]), lim)
		if err != nil {
			return fmt.Errorf("segment %d (%s): %w", s.Index, s.ID, err)
		}
		s.Field = fields
	}
	m.Segments = append(m.Segments, s)
	return nil
}

// isSegmentID: three upper-case letters or digits, then the field
// separator or the end of the line.
func isSegmentID(line []byte, fs byte) bool {
	if len(line) < 3 {
		return false
	}
	for _, b := range line[:3] {
		if !(b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
			return false
		}
	}
	return len(line) == 3 || line[3] == fs
}

// fields splits a segment at the field separator. For MSH, Field[1] is
// the separator itself so that Field[n] is MSH-n.
func (m *Message) fields(start, end int, msh bool, lim Limits) ([]Range, error) {
	out := []Range{{start, start + 3}}
	if msh {
		out = append(out, Range{start + 3, start + 4})
	}
	for i := start + 3; i < end; {
		j := i + 1
		for j < end && m.Raw[j] != m.Delims.Field {
			j++
		}
		if len(out) >= lim.MaxFields {
			return nil, fmt.Errorf("more than %d fields: %w", lim.MaxFields, ErrLimit)
		}
		out = append(out, Range{i + 1, j})
		i = j
	}
	return out, nil
}

// Split cuts r at sep, returning the parts (one part, r itself, when sep
// does not occur or is zero).
func (m *Message) Split(r Range, sep byte) []Range {
	var out []Range
	i := r.Start
	for j := r.Start; j < r.End; j++ {
		if sep != 0 && m.Raw[j] == sep {
			out = append(out, Range{i, j})
			i = j + 1
		}
	}
	return append(out, Range{i, r.End})
}
