package sigma

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// matchKind says how a compiled value is compared with a field value.
type matchKind uint8

const (
	mExact    matchKind = iota // whole value equals s
	mPrefix                    // value starts with s
	mSuffix                    // value ends with s
	mContains                  // value contains s
	mGlob                      // '*'-separated segments in order (segs)
	mRegex                     // re matches
	mCIDR                      // value is an address inside prefix
	mNumber                    // numeric comparison with num
	mAny                       // any value at all (a lone '*')
)

// numeric comparison operators for mNumber.
const (
	opLT = iota
	opLTE
	opGT
	opGTE
)

// valueMatch is one compiled value of a field or keyword selection.
type valueMatch struct {
	kind  matchKind
	cased bool   // compare the raw value, not the lower-cased one
	s     string // literal, lower-cased unless cased
	segs  []string
	re    *regexp.Regexp
	pfx   netip.Prefix
	num   float64
	op    int
}

// match reports whether the field value matches; raw is the value as it
// came, lower its lower-cased form.
func (m *valueMatch) match(raw, lower string) bool {
	v := lower
	if m.cased {
		v = raw
	}
	switch m.kind {
	case mExact:
		return v == m.s
	case mPrefix:
		return strings.HasPrefix(v, m.s)
	case mSuffix:
		return strings.HasSuffix(v, m.s)
	case mContains:
		return strings.Contains(v, m.s)
	case mGlob:
		return globMatch(m.segs, v)
	case mRegex:
		return m.re.MatchString(raw)
	case mCIDR:
		a, err := netip.ParseAddr(strings.TrimSpace(raw))
		return err == nil && m.pfx.Contains(a.Unmap())
	case mNumber:
		return m.compareNumber(raw)
	case mAny:
		return true
	}
	return false
}

func (m *valueMatch) compareNumber(raw string) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil {
		return false
	}
	switch m.op {
	case opLT:
		return f < m.num
	case opLTE:
		return f <= m.num
	case opGT:
		return f > m.num
	default:
		return f >= m.num
	}
}

// globMatch matches v against segments separated by '*': the first must be
// a prefix, the last a suffix, the middle ones appear in order between.
// Leftmost placement of each middle segment is always optimal.
func globMatch(segs []string, v string) bool {
	n := len(segs)
	if n == 1 {
		return v == segs[0]
	}
	if !strings.HasPrefix(v, segs[0]) {
		return false
	}
	v = v[len(segs[0]):]
	last := segs[n-1]
	if len(v) < len(last) || !strings.HasSuffix(v, last) {
		return false
	}
	v = v[:len(v)-len(last)]
	for _, s := range segs[1 : n-1] {
		i := strings.Index(v, s)
		if i < 0 {
			return false
		}
		v = v[i+len(s):]
	}
	return true
}

// compileSString turns a final Sigma string into a matcher. Strings with
// '?' become anchored regular expressions; others use plain string tests.
func compileSString(s sstring, cased bool) (valueMatch, error) {
	norm := func(t string) string {
		if cased {
			return t
		}
		return lowerString(t)
	}
	if s.hasWild('?') {
		return globRegex(s, cased)
	}
	if lit, ok := s.literal(); ok {
		return valueMatch{kind: mExact, s: norm(lit), cased: cased}, nil
	}
	// Split on '*' into segments; merge runs of stars.
	segs := []string{""}
	for _, p := range s {
		if p.wild == '*' {
			if segs[len(segs)-1] != "" || len(segs) == 1 {
				segs = append(segs, "")
			}
			continue
		}
		segs[len(segs)-1] += norm(p.lit)
	}
	return segsMatch(segs, cased), nil
}

func segsMatch(segs []string, cased bool) valueMatch {
	switch {
	case len(segs) == 2 && segs[0] == "" && segs[1] == "":
		return valueMatch{kind: mAny}
	case len(segs) == 2 && segs[1] == "":
		return valueMatch{kind: mPrefix, s: segs[0], cased: cased}
	case len(segs) == 2 && segs[0] == "":
		return valueMatch{kind: mSuffix, s: segs[1], cased: cased}
	case len(segs) == 3 && segs[0] == "" && segs[2] == "":
		return valueMatch{kind: mContains, s: segs[1], cased: cased}
	}
	return valueMatch{kind: mGlob, segs: segs, cased: cased}
}

func globRegex(s sstring, cased bool) (valueMatch, error) {
	var b strings.Builder
	b.WriteString("(?s")
	if !cased {
		b.WriteString("i")
	}
	b.WriteString(")^")
	for _, p := range s {
		switch p.wild {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(p.lit))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return valueMatch{}, err
	}
	return valueMatch{kind: mRegex, re: re}, nil
}

// lowerString lower-cases s, without allocating when it is already lower
// case ASCII.
func lowerString(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return strings.ToLower(s)
		}
		if c >= 'A' && c <= 'Z' {
			return lowerASCIIFrom(s, i)
		}
	}
	return s
}

func lowerASCIIFrom(s string, i int) string {
	b := make([]byte, len(s))
	copy(b, s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return strings.ToLower(s)
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}
