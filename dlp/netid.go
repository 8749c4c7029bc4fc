package dlp

import (
	"bytes"
	"net/netip"
)

// scanAt finds e-mail addresses around each "@".
func (s *scanner) scanAt() {
	t := s.text
	for off := 0; off < len(t); {
		k := bytes.IndexByte(t[off:], '@')
		if k < 0 {
			break
		}
		at := off + k
		off = at + 1
		start := at
		for start > 0 && at-start < 64 && isEmailLocal(t[start-1]) {
			start--
		}
		end := s.domainEnd(at + 1)
		if start < at && end > 0 {
			s.add(Email, start, end, 0.95, "email")
			off = end
		}
	}
}

func isEmailLocal(c byte) bool {
	return isUpper(c) || isLower(c) || isDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// domainEnd returns the end of a domain name with at least one dot and an
// alphabetic top-level label, starting at p; 0 when there is none.
func (s *scanner) domainEnd(p int) int {
	t, e, lastDot, dots := s.text, p, -1, 0
	for e < len(t) && e-p < 253 && (isUpper(t[e]) || isLower(t[e]) || isDigit(t[e]) || t[e] == '-' || t[e] == '.') {
		if t[e] == '.' {
			if e+1 >= len(t) || !isAlnum(t[e+1]) {
				break
			}
			lastDot, dots = e, dots+1
		}
		e++
	}
	if dots == 0 || e-lastDot-1 < 2 {
		return 0
	}
	for k := lastDot + 1; k < e; k++ {
		if !isUpper(t[k]) && !isLower(t[k]) {
			return 0
		}
	}
	return e
}

// urlAt finds a web address at token i: the ":" of a scheme ("https://")
// or the word "www" followed by a dot. Both are token tests, so text
// without either costs nothing more.
func (s *scanner) urlAt(i int) {
	t, tk := s.text, s.toks[i]
	start := int(tk.s)
	if start < s.urlSkip {
		return
	}
	switch tk.kind {
	case tPunct: // "://": the scheme is the (up to six) ASCII letters before it
		if t[start] != ':' || start+2 >= len(t) || t[start+1] != '/' || t[start+2] != '/' {
			return
		}
		k := start
		for start > 0 && k-start < 6 && (isLower(t[start-1]) || isUpper(t[start-1])) {
			start--
		}
		if start == k {
			return
		}
	case tWord:
		w := t[tk.s:tk.e]
		if string(w) != "www" && string(w) != "WWW" || !s.isPunct(i+1, '.') {
			return
		}
	default:
		return
	}
	end := start
	for end < len(t) && !isSpace(t[end]) && t[end] != '<' && t[end] != '>' && t[end] != '"' && end-start < 2048 {
		end++
	}
	for end > start && isURLTrail(t[end-1]) {
		end--
	}
	if end-start > 8 {
		s.add(URL, start, end, 0.9, "url")
		s.urlSkip = end
	}
}

// isURLTrail reports whether c, ending a web address, is punctuation of
// the sentence around it.
func isURLTrail(c byte) bool {
	switch c {
	case '.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"':
		return true
	}
	return false
}

// ipv6At finds an IPv6 address around the ":" at token i: hex groups with
// at least three colons, or a "::".
func (s *scanner) ipv6At(i int) {
	t, c := s.text, int(s.toks[i].s)
	if c < s.ipSkip || c+1 >= len(t) || !isHex(t[c+1]) && t[c+1] != ':' {
		return
	}
	start := c
	for start > 0 && c-start < 5 && isHex(t[start-1]) {
		start--
	}
	end := c
	for end < len(t) && end-start < 45 && (isHex(t[end]) || t[end] == ':' || t[end] == '.') {
		end++
	}
	s.ipSkip = end
	if bytes.Count(t[start:end], []byte(":")) < 3 && !bytes.Contains(t[start:end], []byte("::")) {
		return
	}
	for end > start && t[end-1] == '.' {
		end--
	}
	if start > 0 && isAlnum(t[start-1]) {
		return
	}
	if a, err := netip.ParseAddr(string(t[start:end])); err == nil && a.Is6() {
		s.add(IP, start, end, 0.9, "ipv6")
	}
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
