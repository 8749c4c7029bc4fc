package dlp

import (
	"bytes"
	"net/netip"
)

// scanAt finds e-mail addresses around each "@" and IPv6 addresses.
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
	s.scanIPv6()
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

// scanURLs finds web addresses starting with a scheme or "www.".
func (s *scanner) scanURLs() {
	t := s.text
	for off := 0; off < len(t); {
		k := indexURL(t[off:])
		if k < 0 {
			return
		}
		start := off + k
		end := start
		for end < len(t) && !isSpace(t[end]) && t[end] != '<' && t[end] != '>' && t[end] != '"' && end-start < 2048 {
			end++
		}
		for end > start && bytes.IndexByte([]byte(".,;:!?)]}'"), t[end-1]) >= 0 {
			end--
		}
		if end-start > 8 {
			s.add(URL, start, end, 0.9, "url")
		}
		off = max(end, start+1)
	}
}

// indexURL returns the offset of the next "http://", "https://", "ftp://"
// or "www." in b.
func indexURL(b []byte) int {
	best := -1
	for _, p := range [][]byte{[]byte("://"), []byte("www."), []byte("WWW.")} {
		k := bytes.Index(b, p)
		if k < 0 {
			continue
		}
		if p[0] == ':' {
			s := k
			for s > 0 && k-s < 6 && (isLower(b[s-1]) || isUpper(b[s-1])) {
				s--
			}
			if s == k {
				continue
			}
			k = s
		}
		if best < 0 || k < best {
			best = k
		}
	}
	return best
}

// scanIPv6 finds IPv6 addresses: hex groups with at least two colons.
func (s *scanner) scanIPv6() {
	t := s.text
	for off := 0; off < len(t); {
		k := bytes.IndexByte(t[off:], ':')
		if k < 0 {
			return
		}
		c := off + k
		start := c
		for start > 0 && c-start < 5 && isHex(t[start-1]) {
			start--
		}
		end := c
		for end < len(t) && end-start < 45 && (isHex(t[end]) || t[end] == ':' || t[end] == '.') {
			end++
		}
		off = max(end, c+1)
		if bytes.Count(t[start:end], []byte(":")) < 3 && !bytes.Contains(t[start:end], []byte("::")) {
			continue
		}
		for end > start && t[end-1] == '.' {
			end--
		}
		if start > 0 && isAlnum(t[start-1]) {
			continue
		}
		if a, err := netip.ParseAddr(string(t[start:end])); err == nil && a.Is6() {
			s.add(IP, start, end, 0.9, "ipv6")
		}
	}
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
