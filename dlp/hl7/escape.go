package hl7

// decoded is field text with escape sequences decoded, and for each decoded
// byte the original range it came from, so findings in the decoded text map
// back to exact offsets in the message.
type decoded struct {
	text   []byte
	starts []int // starts[i]: offset in the message of the unit that made text[i]
	ends   []int // ends[i]: offset after that unit
}

func (d *decoded) add(b byte, start, end int) {
	d.text = append(d.text, b)
	d.starts = append(d.starts, start)
	d.ends = append(d.ends, end)
}

// span maps [s, e) in the decoded text to the message.
func (d *decoded) span(s, e int) (int, int, bool) {
	if s < 0 || e > len(d.text) || s >= e {
		return 0, 0, false
	}
	return d.starts[s], d.ends[e-1], true
}

// decode returns the text of r with escape sequences decoded, for
// scanning: \F\ \S\ \T\ \R\ \E\ become the delimiters, \Xhh..\ the bytes,
// \.br\ a line break; highlighting and character-set escapes vanish.
// Component and subcomponent separators become spaces, repetition
// separators line breaks.
func (m *Message) decode(r Range) *decoded {
	d := &decoded{}
	raw, dl := m.Raw, m.Delims
	for i := r.Start; i < r.End; {
		b := raw[i]
		switch {
		case dl.Escape != 0 && b == dl.Escape:
			if n := m.escape(d, i, r.End); n > 0 {
				i += n
				continue
			}
			d.add(b, i, i+1)
		case b == dl.Component || b == dl.Subcomponent:
			d.add(' ', i, i+1)
		case b == dl.Repetition:
			d.add('\n', i, i+1)
		default:
			d.add(b, i, i+1)
		}
		i++
	}
	return d
}

// escape decodes the escape sequence at raw[i] (the escape character) and
// returns its length, or 0 when it is not a complete sequence.
func (m *Message) escape(d *decoded, i, end int) int {
	raw, dl := m.Raw, m.Delims
	j := i + 1
	for j < end && raw[j] != dl.Escape {
		j++
	}
	if j >= end || j == i+1 || j-i > 64 {
		return 0
	}
	body, n := raw[i+1:j], j+1-i
	if len(body) == 1 {
		if c, ok := m.delimFor(body[0]); ok {
			d.add(c, i, i+n)
			return n
		}
	}
	switch body[0] {
	case 'X', 'x':
		return hexEscape(d, body[1:], i, n)
	case '.':
		d.add('\n', i, i+n) // formatting: .br .sp .in .ti .ce .fi .nf
		return n
	case 'H', 'N', 'C', 'M', 'Z':
		return n // highlighting, character sets, local escapes: no text
	}
	return 0
}

func (m *Message) delimFor(c byte) (byte, bool) {
	dl := m.Delims
	switch c {
	case 'F':
		return dl.Field, true
	case 'S':
		return dl.Component, true
	case 'T':
		return dl.Subcomponent, true
	case 'R':
		return dl.Repetition, true
	case 'E':
		return dl.Escape, true
	}
	return 0, false
}

func hexEscape(d *decoded, hex []byte, i, n int) int {
	if len(hex) == 0 || len(hex)%2 != 0 {
		return 0
	}
	for _, c := range hex {
		if _, ok := unhex(c); !ok {
			return 0
		}
	}
	for k := 0; k < len(hex); k += 2 {
		hi, _ := unhex(hex[k])
		lo, _ := unhex(hex[k+1])
		d.add(hi<<4|lo, i, i+n)
	}
	return n
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
