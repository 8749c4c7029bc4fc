package fhir

import (
	"unicode/utf16"
	"unicode/utf8"
)

// decoded is a JSON string's text and, per decoded byte, the range of the
// raw bytes (escape sequence or byte) that made it.
type decoded struct {
	text         []byte
	starts, ends []int
}

func (d *decoded) add(p []byte, start, end int) {
	for _, b := range p {
		d.text = append(d.text, b)
		d.starts = append(d.starts, start)
		d.ends = append(d.ends, end)
	}
}

func (d *decoded) span(s, e int) (int, int, bool) {
	if s < 0 || e > len(d.text) || s >= e {
		return 0, 0, false
	}
	return d.starts[s], d.ends[e-1], true
}

// decodeString decodes the raw bytes of a JSON string (between its quotes)
// that start at offset base. The decoder has validated it already; bad
// escapes are kept as they are.
func decodeString(raw []byte, base int) *decoded {
	d := &decoded{}
	for i := 0; i < len(raw); {
		if raw[i] != '\\' || i+1 >= len(raw) {
			d.add(raw[i:i+1], base+i, base+i+1)
			i++
			continue
		}
		n := escape(d, raw, i, base)
		i += n
	}
	return d
}

var simple = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// escape decodes the escape at raw[i] and returns its length.
func escape(d *decoded, raw []byte, i, base int) int {
	if c, ok := simple[raw[i+1]]; ok {
		d.add([]byte{c}, base+i, base+i+2)
		return 2
	}
	r, ok := hex4(raw, i+2)
	if raw[i+1] != 'u' || !ok {
		d.add(raw[i:i+1], base+i, base+i+1)
		return 1
	}
	n := 6
	if utf16.IsSurrogate(r) && i+12 <= len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
		if r2, ok := hex4(raw, i+8); ok {
			r, n = utf16.DecodeRune(r, r2), 12
		}
	}
	d.add(utf8.AppendRune(nil, r), base+i, base+i+n)
	return n
}

func hex4(raw []byte, i int) (rune, bool) {
	if i+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// blankTags replaces XHTML tags (from '<' to '>') with spaces, in place,
// so markup is not scanned while offsets stay put.
func blankTags(text []byte) {
	in := false
	for i, b := range text {
		switch {
		case b == '<':
			in = true
		case b == '>' && in:
			text[i], in = ' ', false
			continue
		}
		if in {
			text[i] = ' '
		}
	}
}
