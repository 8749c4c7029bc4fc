package version

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Expr is a parsed version expression from a device advisory: all
// versions, or a union of terms (intervals, exact versions, prefixes such
// as "5.x"). Versions are compared with CompareGeneric.
type Expr struct {
	Raw   string
	All   bool
	Terms []Term
	// Loose is set when text beyond the versions was ignored
	// ("1.1.3 MR Build 11", "<= 1.54 (integrated into GE MobileLink)").
	Loose bool
}

// Term is one part of an Expr. Exactly one of Eq, Prefix or a bound is set.
type Term struct {
	Eq     string
	Prefix []string // segments a version must start with ("5.x" → [5])
	Lo, Hi string   // bounds, "" for none
	LoIncl bool
	HiIncl bool
}

// ErrNoVersion is returned for text that names no version ("IGS",
// "< august 28"): the match then needs review.
var ErrNoVersion = errors.New("no version in text")

const maxExprLen = 512

var (
	allRE     = regexp.MustCompile(`(?i)^(?:all|any|\*|all versions?|all released versions|all current versions|vers:all/\*)$`)
	throughRE = regexp.MustCompile(`(?i)^(?:versions?\s+|from\s+|between\s+)?(.+?)\s+(?:through|thru|to|and|until|-|–)\s+(.+)$`)
	priorRE   = regexp.MustCompile(`(?i)^(?:all\s+)?(?:versions?\s+)?(?:prior to|before|earlier than|older than|lower than|below)\s+(.+)$`)
	upToRE    = regexp.MustCompile(`(?i)^(?:all\s+)?(?:versions?\s+)?(?:up to(?: and including)?)\s+(.+)$`)
	belowRE   = regexp.MustCompile(`(?i)^(.+?)\s+(?:and|or)\s+(?:below|earlier|prior|older|lower|previous(?: versions)?)$`)
	aboveRE   = regexp.MustCompile(`(?i)^(.+?)\s+(?:and|or)\s+(?:above|later|newer|higher|greater)$`)
	opRE      = regexp.MustCompile(`(?i)^(<=|>=|=<|=>|≤|≥|<|>|==|=|!=)\s*(.+)$`)
	monthRE   = regexp.MustCompile(`(?i)^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?$`)
)

// ParseExpr parses free text such as "< B.06.18", "<= 3.1", "5.x", "all
// versions", "versions prior to 2.2", "3.0 through 3.4", ">= 4.4 | <= 4.12"
// or a vers: URI ("vers:generic/>=1.0|<2.0"). Alternatives are separated
// by "|"; a lower bound followed by an upper bound is one interval, as in
// CSAF's product_version_range.
func ParseExpr(s string) (Expr, error) {
	e := Expr{Raw: s}
	if len(s) > maxExprLen {
		return e, fmt.Errorf("version expression of %d bytes is too long", len(s))
	}
	t := strings.Join(strings.Fields(s), " ")
	if allRE.MatchString(t) {
		e.All = true
		return e, nil
	}
	if strings.HasPrefix(strings.ToLower(t), "vers:") {
		_, rest, ok := strings.Cut(t[len("vers:"):], "/")
		if !ok {
			return e, fmt.Errorf("vers %q: no scheme/constraints", s)
		}
		t = rest
		if t == "*" {
			e.All = true
			return e, nil
		}
	}
	for _, alt := range strings.Split(t, "|") {
		term, loose, err := parseAlt(strings.TrimSpace(alt))
		if err != nil {
			return e, fmt.Errorf("%q: %w", s, err)
		}
		e.Loose = e.Loose || loose
		e.Terms = append(e.Terms, term)
	}
	e.Terms = mergeBounds(e.Terms)
	return e, nil
}

// parseAlt parses one alternative.
func parseAlt(a string) (Term, bool, error) {
	if m := priorRE.FindStringSubmatch(a); m != nil {
		v, loose, err := token(m[1])
		return Term{Hi: v}, loose, err
	}
	if m := upToRE.FindStringSubmatch(a); m != nil {
		v, loose, err := token(m[1])
		return Term{Hi: v, HiIncl: true}, loose, err
	}
	if m := belowRE.FindStringSubmatch(a); m != nil {
		v, loose, err := token(m[1])
		return Term{Hi: v, HiIncl: true}, loose, err
	}
	if m := aboveRE.FindStringSubmatch(a); m != nil {
		v, loose, err := token(m[1])
		return Term{Lo: v, LoIncl: true}, loose, err
	}
	if m := opRE.FindStringSubmatch(a); m != nil {
		return opTerm(m[1], m[2])
	}
	if m := throughRE.FindStringSubmatch(a); m != nil {
		lo, l1, err1 := token(m[1])
		hi, l2, err2 := token(m[2])
		if err1 == nil && err2 == nil && hasDigit(lo) && hasDigit(hi) {
			return Term{Lo: lo, LoIncl: true, Hi: hi, HiIncl: true}, l1 || l2, nil
		}
	}
	return exactTerm(a)
}

func opTerm(op, rest string) (Term, bool, error) {
	v, loose, err := token(rest)
	if err != nil {
		return Term{}, false, err
	}
	switch op {
	case "<":
		return Term{Hi: v}, loose, nil
	case "<=", "=<", "≤":
		return Term{Hi: v, HiIncl: true}, loose, nil
	case ">":
		return Term{Lo: v}, loose, nil
	case ">=", "=>", "≥":
		return Term{Lo: v, LoIncl: true}, loose, nil
	case "!=":
		return Term{}, false, fmt.Errorf("%q: exclusions are not supported", op+rest)
	}
	return Term{Eq: v}, loose, nil
}

// exactTerm is an exact version or a wildcard prefix ("5.x", "1.X.x").
func exactTerm(a string) (Term, bool, error) {
	v, loose, err := token(a)
	if err != nil {
		return Term{}, false, err
	}
	if !hasDigit(v) {
		return Term{}, false, ErrNoVersion
	}
	trimmed := v
	for strings.HasSuffix(trimmed, ".x") || strings.HasSuffix(trimmed, ".X") || strings.HasSuffix(trimmed, ".*") {
		trimmed = trimmed[:len(trimmed)-2]
	}
	if trimmed != v {
		return Term{Prefix: segments(trimmed)}, loose, nil
	}
	return Term{Eq: v}, loose, nil
}

// token takes the version at the start of s; loose reports ignored text.
func token(s string) (string, bool, error) {
	f := strings.Fields(s)
	for len(f) > 0 && isVersionWord(f[0]) {
		f = f[1:]
	}
	if len(f) == 0 {
		return "", false, ErrNoVersion
	}
	v := strings.TrimRight(f[0], ",;:)")
	if v == "" || monthRE.MatchString(v) || strings.ContainsAny(v[:1], "([") {
		return "", false, ErrNoVersion
	}
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && isDigit(rune(v[1])) {
		v = v[1:]
	}
	return v, len(f) > 1, nil
}

func isVersionWord(w string) bool {
	switch strings.ToLower(w) {
	case "v", "v.", "ver", "ver.", "version", "versions", "release", "rel", "rel.", "firmware", "software", "sw", "fw":
		return true
	}
	return false
}

// mergeBounds joins a lone lower bound followed by a lone upper bound into
// one interval.
func mergeBounds(ts []Term) []Term {
	var out []Term
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.Lo != "" && t.Hi == "" && i+1 < len(ts) && ts[i+1].Lo == "" && ts[i+1].Hi != "" {
			t.Hi, t.HiIncl = ts[i+1].Hi, ts[i+1].HiIncl
			i++
		}
		out = append(out, t)
	}
	return out
}

// Contains reports whether v is in e.
func (e Expr) Contains(v string) bool {
	if e.All {
		return true
	}
	for _, t := range e.Terms {
		if t.contains(v) {
			return true
		}
	}
	return false
}

func (t Term) contains(v string) bool {
	switch {
	case t.Eq != "":
		return CompareGeneric(v, t.Eq) == 0
	case t.Prefix != nil:
		return hasPrefix(segments(v), t.Prefix)
	}
	if t.Lo != "" {
		c := CompareGeneric(v, t.Lo)
		if c < 0 || c == 0 && !t.LoIncl {
			return false
		}
	}
	if t.Hi != "" {
		c := CompareGeneric(v, t.Hi)
		if c > 0 || c == 0 && !t.HiIncl {
			return false
		}
	}
	return true
}

func hasPrefix(v, p []string) bool {
	if len(v) < len(p) {
		return false
	}
	for i := range p {
		if compareSegment(v[i], p[i]) != 0 {
			return false
		}
	}
	return true
}

// Fixed is the first version outside e when e is a single range with an
// exclusive upper bound ("< 2.2" → "2.2"), else "".
func (e Expr) Fixed() string {
	if e.All || len(e.Terms) != 1 || e.Terms[0].HiIncl {
		return ""
	}
	return e.Terms[0].Hi
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }
