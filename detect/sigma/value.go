package sigma

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf16"
)

// part is one piece of a Sigma string: literal text, or a wildcard ('*'
// any run of characters, '?' one character).
type part struct {
	lit  string
	wild byte
}

// sstring is a Sigma string value: literal text with wildcards.
type sstring []part

// parseSString reads a Sigma string: '*' and '?' are wildcards; a
// backslash escapes '*', '?' and itself and is literal before anything else.
func parseSString(s string) sstring {
	var out sstring
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, part{lit: b.String()})
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		case c == '*' || c == '?':
			flush()
			out = append(out, part{wild: c})
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return out
}

// literal returns the plain text when s has no wildcards.
func (s sstring) literal() (string, bool) {
	var b strings.Builder
	for _, p := range s {
		if p.wild != 0 {
			return "", false
		}
		b.WriteString(p.lit)
	}
	return b.String(), true
}

func (s sstring) hasWild(w byte) bool {
	for _, p := range s {
		if p.wild == w {
			return true
		}
	}
	return false
}

// withStar adds a leading and/or trailing '*' unless already there.
func (s sstring) withStar(lead, trail bool) sstring {
	out := append(sstring(nil), s...)
	if lead && (len(out) == 0 || out[0].wild != '*') {
		out = append(sstring{{wild: '*'}}, out...)
	}
	if trail && (len(out) == 0 || out[len(out)-1].wild != '*') {
		out = append(out, part{wild: '*'})
	}
	return out
}

// mapLits applies f to every literal part; f may return several
// alternatives, giving the cartesian product of all parts' alternatives.
func (s sstring) mapLits(f func(string) ([]string, error), limit int) ([]sstring, error) {
	outs := []sstring{nil}
	for _, p := range s {
		alts := []string{p.lit}
		if p.wild == 0 {
			var err error
			if alts, err = f(p.lit); err != nil {
				return nil, err
			}
		}
		if len(outs)*len(alts) > limit {
			return nil, fmt.Errorf("value expands to more than %d variants", limit)
		}
		next := make([]sstring, 0, len(outs)*len(alts))
		for _, o := range outs {
			for _, a := range alts {
				q := append(append(sstring(nil), o...), part{lit: a, wild: p.wild})
				next = append(next, q)
			}
		}
		outs = next
	}
	return outs, nil
}

// windashChars are the characters Windows command lines accept in place of
// a leading '-' or '/' (hyphen, slash, en dash, em dash, horizontal bar).
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash returns the variants of s with every option dash ('-' or '/'
// at the start of a word and followed by a word character) replaced by
// each of windashChars.
func windash(s string, limit int) ([]string, error) {
	outs := []string{""}
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c != '-' && c != '/') || (i > 0 && isWordByte(s[i-1])) || i+1 >= len(s) || !isWordByte(s[i+1]) {
			continue
		}
		if len(outs)*len(windashChars) > limit {
			return nil, fmt.Errorf("windash expands to more than %d variants", limit)
		}
		next := make([]string, 0, len(outs)*len(windashChars))
		for _, o := range outs {
			for _, d := range windashChars {
				next = append(next, o+s[last:i]+d)
			}
		}
		outs, last = next, i+1
	}
	for i := range outs {
		outs[i] += s[last:]
	}
	return outs, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// base64Offsets returns the three base64 encodings of s as it may appear
// at any byte offset inside a longer encoded text, trimmed of the
// characters that depend on the surrounding bytes.
func base64Offsets(s string) []string {
	start := [3]int{0, 2, 3}
	endTrim := [3]int{0, 3, 2}
	out := make([]string, 0, 3)
	for i := range 3 {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc) - endTrim[(len(s)+i)%3]
		if start[i] > end {
			continue
		}
		out = append(out, enc[start[i]:end])
	}
	return out
}

// utf16Encode returns s encoded as UTF-16 bytes, little or big endian,
// with a byte order mark when bom is set.
func utf16Encode(s string, bigEndian, bom bool) string {
	units := utf16.Encode([]rune(s))
	var b strings.Builder
	put := func(u uint16) {
		if bigEndian {
			b.WriteByte(byte(u >> 8))
			b.WriteByte(byte(u))
			return
		}
		b.WriteByte(byte(u))
		b.WriteByte(byte(u >> 8))
	}
	if bom {
		put(0xFEFF)
	}
	for _, u := range units {
		put(u)
	}
	return b.String()
}

// expandPlaceholders replaces every %name% in s by each of its configured
// values; an unknown placeholder is an error.
func expandPlaceholders(s string, vars map[string][]string, limit int) ([]string, error) {
	outs := []string{""}
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			break
		}
		name := s[i+1 : i+1+j]
		vals, ok := vars[name]
		if !ok {
			return nil, fmt.Errorf("unresolved placeholder %%%s%%", name)
		}
		if len(outs)*len(vals) > limit {
			return nil, fmt.Errorf("placeholder %%%s%% expands to more than %d variants", name, limit)
		}
		next := make([]string, 0, len(outs)*len(vals))
		for _, o := range outs {
			for _, v := range vals {
				next = append(next, o+s[:i]+v)
			}
		}
		outs, s = next, s[i+2+j:]
	}
	for i := range outs {
		outs[i] += s
	}
	return outs, nil
}
