// Package mllp parses HL7 version 2 messages carried in the Minimal Lower
// Layer Protocol (HL7 MLLP: 0x0b, message, 0x1c 0x0d) over a reassembled
// TCP stream. It reads the message header (MSH), the acknowledgement code
// of ACKs (MSA-1) and whether a patient identification segment (PID) is
// present, and emits detect.Events of class hl7_activity. No field of any
// other segment is read or kept: patient data never leaves the parser.
package mllp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// MLLP framing bytes.
const (
	StartBlock = 0x0b
	EndBlock   = 0x1c
	CR         = 0x0d
)

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("mllp: malformed message")

// Limits bound what the parser accepts.
type Limits struct {
	// MaxMessage is the longest message (between the framing bytes).
	MaxMessage int
	// MaxSegments is the most segments scanned per message.
	MaxSegments int
	// MaxField is the longest header value kept; longer ones are cut.
	MaxField int
}

// DefaultLimits: 1 MiB messages, 10,000 segments, 128-byte header values.
func DefaultLimits() Limits {
	return Limits{MaxMessage: 1 << 20, MaxSegments: 10000, MaxField: 128}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessage <= 0 {
		l.MaxMessage = d.MaxMessage
	}
	if l.MaxSegments <= 0 {
		l.MaxSegments = d.MaxSegments
	}
	if l.MaxField <= 0 {
		l.MaxField = d.MaxField
	}
	return l
}

// Message is the header of an HL7 v2 message.
type Message struct {
	SendingApp        string // MSH-3, first component
	SendingFacility   string // MSH-4
	ReceivingApp      string // MSH-5
	ReceivingFacility string // MSH-6
	Type              string // MSH-9 message code ^ trigger event, e.g. "ADT^A01"
	ControlID         string // MSH-10
	Version           string // MSH-12
	AckCode           string // MSA-1, when there is an MSA segment
	HasPID            bool   // a PID segment is present
	Segments          int
}

// IsAck reports whether the message acknowledges another (has MSA-1).
func (m *Message) IsAck() bool { return m.AckCode != "" }

// delims are the separators declared in MSH-1 and MSH-2.
type delims struct {
	field, component byte
}

// ParseMessage parses one HL7 v2 message (without MLLP framing).
func ParseMessage(b []byte, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	if len(b) > lim.MaxMessage {
		return nil, fmt.Errorf("%w: %d bytes over limit %d", ErrMalformed, len(b), lim.MaxMessage)
	}
	seg, rest := nextSegment(b)
	dl, err := headerDelims(seg)
	if err != nil {
		return nil, err
	}
	m := &Message{Segments: 1}
	m.header(seg, dl, lim.MaxField)
	for len(rest) > 0 {
		seg, rest = nextSegment(rest)
		if len(seg) == 0 {
			continue
		}
		if m.Segments++; m.Segments > lim.MaxSegments {
			return nil, fmt.Errorf("%w: more than %d segments", ErrMalformed, lim.MaxSegments)
		}
		m.segment(seg, dl, lim.MaxField)
	}
	return m, nil
}

// nextSegment splits off the first segment; segments end in CR (LF and
// CRLF are accepted too).
func nextSegment(b []byte) (seg, rest []byte) {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return b, nil
	}
	seg, rest = b[:i], b[i+1:]
	for len(rest) > 0 && (rest[0] == '\n' || rest[0] == '\r') {
		rest = rest[1:]
	}
	return seg, rest
}

func headerDelims(seg []byte) (delims, error) {
	if len(seg) < 8 || !bytes.HasPrefix(seg, []byte("MSH")) {
		return delims{}, fmt.Errorf("%w: message does not start with an MSH segment", ErrMalformed)
	}
	dl := delims{field: seg[3], component: seg[4]}
	if !isDelim(dl.field) || !isDelim(dl.component) || dl.field == dl.component {
		return delims{}, fmt.Errorf("%w: MSH-1/MSH-2 separators 0x%02x 0x%02x are not valid", ErrMalformed, dl.field, dl.component)
	}
	return dl, nil
}

// isDelim accepts printable punctuation as a separator.
func isDelim(c byte) bool {
	return c > 0x20 && c < 0x7f && !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z')
}

// field returns field n of a segment (0 is the segment name). In MSH,
// MSH-n is field n-1 because MSH-1 is the separator itself.
func field(seg []byte, sep byte, n int) []byte {
	for i := 0; i < n; i++ {
		j := bytes.IndexByte(seg, sep)
		if j < 0 {
			return nil
		}
		seg = seg[j+1:]
	}
	if j := bytes.IndexByte(seg, sep); j >= 0 {
		return seg[:j]
	}
	return seg
}

// components returns the first n components of a field joined by the
// component separator, without empty trailing ones.
func components(f []byte, sep byte, n int) []byte {
	i := 0
	for k := 0; k < n; k++ {
		j := bytes.IndexByte(f[i:], sep)
		if j < 0 {
			return bytes.TrimRight(f, string(sep))
		}
		i += j + 1
	}
	return bytes.TrimRight(f[:i-1], string(sep))
}

func text(b []byte, max int) string {
	if len(b) > max {
		b = b[:max]
	}
	return string(bytes.TrimSpace(b))
}

func (m *Message) header(seg []byte, dl delims, max int) {
	get := func(msh int, comps int) string {
		return text(components(field(seg, dl.field, msh-1), dl.component, comps), max)
	}
	m.SendingApp = get(3, 1)
	m.SendingFacility = get(4, 1)
	m.ReceivingApp = get(5, 1)
	m.ReceivingFacility = get(6, 1)
	// the message type is reported with the standard "^" whatever MSH-2 says
	m.Type = strings.ReplaceAll(get(9, 2), string(dl.component), "^")
	m.ControlID = get(10, 1)
	m.Version = get(12, 1)
}

func (m *Message) segment(seg []byte, dl delims, max int) {
	name := seg
	if len(name) > 3 {
		name = name[:3]
	}
	switch string(name) {
	case "PID":
		m.HasPID = true
	case "MSA":
		if len(seg) > 3 && seg[3] == dl.field && m.AckCode == "" {
			m.AckCode = text(field(seg, dl.field, 1), max)
		}
	}
}
