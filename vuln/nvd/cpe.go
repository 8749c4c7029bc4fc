package nvd

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// MaxCPELen bounds the length of a CPE name.
const MaxCPELen = 1024

// Attribute indexes of a CPE name, in binding order.
const (
	Part = iota
	Vendor
	Product
	Version
	Update
	Edition
	Language
	SWEdition
	TargetSW
	TargetHW
	Other
	numAttrs
)

var attrNames = [numAttrs]string{"part", "vendor", "product", "version", "update", "edition",
	"language", "sw_edition", "target_sw", "target_hw", "other"}

// Kind is the kind of a CPE attribute value.
type Kind uint8

// Attribute kinds: a value, ANY ("*") or NA ("-").
const (
	Value Kind = iota
	Any
	NA
)

// Attr is one attribute of a CPE name: its kind and, for a value, the
// unescaped, lowercased text. Glob is set when the value holds unquoted
// wildcards ("*" any run, "?" one character).
type Attr struct {
	Kind Kind
	S    string
	Glob bool
}

// CPE is a parsed CPE name (well-formed name, CPE 2.3 specification).
type CPE struct {
	Attrs [numAttrs]Attr
}

// Get returns attribute i (Part, Vendor, ...).
func (c CPE) Get(i int) Attr { return c.Attrs[i] }

// String is the formatted-string binding of c, without escapes: readable,
// for reasons.
func (c CPE) String() string {
	var b strings.Builder
	b.WriteString("cpe:2.3")
	for _, a := range c.Attrs {
		b.WriteByte(':')
		switch a.Kind {
		case Any:
			b.WriteByte('*')
		case NA:
			b.WriteByte('-')
		default:
			b.WriteString(a.S)
		}
	}
	return b.String()
}

// ParseCPE parses a CPE 2.3 formatted string ("cpe:2.3:a:vendor:product:
// version:...", with backslash escapes, "*" for ANY and "-" for NA) or a
// CPE 2.2 URI ("cpe:/a:vendor:product:version", percent-encoded).
func ParseCPE(s string) (CPE, error) {
	var c CPE
	if len(s) > MaxCPELen {
		return c, fmt.Errorf("CPE of %d bytes exceeds the limit of %d", len(s), MaxCPELen)
	}
	low := strings.ToLower(s)
	switch {
	case strings.HasPrefix(low, "cpe:2.3:"):
		return parseFS(s[len("cpe:2.3:"):])
	case strings.HasPrefix(low, "cpe:/"):
		return parseURI(s[len("cpe:/"):])
	}
	return c, fmt.Errorf("%q is not a CPE 2.3 name (want cpe:2.3:part:vendor:product:...)", trunc(s))
}

func parseFS(s string) (CPE, error) {
	var c CPE
	var fields []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip the escaped character
		case ':':
			fields = append(fields, s[start:i])
			start = i + 1
		}
	}
	fields = append(fields, s[start:])
	if len(fields) != numAttrs {
		return c, fmt.Errorf("CPE 2.3 name has %d attributes after cpe:2.3, want %d", len(fields), numAttrs)
	}
	for i, f := range fields {
		a, err := fsAttr(f)
		if err != nil {
			return c, fmt.Errorf("CPE %s: %w", attrNames[i], err)
		}
		c.Attrs[i] = a
	}
	return c, c.check()
}

// fsAttr decodes one formatted-string attribute.
func fsAttr(f string) (Attr, error) {
	switch f {
	case "*":
		return Attr{Kind: Any}, nil
	case "-":
		return Attr{Kind: NA}, nil
	case "":
		return Attr{}, errors.New("empty value")
	}
	var b strings.Builder
	glob := false
	for i := 0; i < len(f); i++ {
		ch := f[i]
		switch {
		case ch == '\\':
			if i+1 >= len(f) {
				return Attr{}, errors.New("value ends in a lone backslash")
			}
			i++
			if f[i] == '*' || f[i] == '?' || f[i] == '\\' {
				b.WriteByte('\\') // keep quoted wildcards distinguishable from globs
			}
			b.WriteByte(f[i])
		case ch == '*' || ch == '?':
			glob = true
			b.WriteByte(ch)
		case ch < 0x21 || ch > 0x7e:
			return Attr{}, fmt.Errorf("character %q not allowed", ch)
		default:
			b.WriteByte(ch)
		}
	}
	s := strings.ToLower(b.String())
	if !glob {
		s = unquote(s)
	}
	return Attr{Kind: Value, S: s, Glob: glob}, nil
}

// unquote removes the backslashes kept before quoted wildcards.
func unquote(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func parseURI(s string) (CPE, error) {
	var c CPE
	fields := strings.Split(s, ":")
	if len(fields) > 7 {
		return c, fmt.Errorf("CPE 2.2 URI has %d components, want at most 7", len(fields))
	}
	for i := range numAttrs {
		c.Attrs[i] = Attr{Kind: Any}
	}
	for i, f := range fields {
		if i == 5 && strings.HasPrefix(f, "~") { // packed edition
			continue
		}
		switch f {
		case "", "*":
			continue
		case "-":
			c.Attrs[i] = Attr{Kind: NA}
			continue
		}
		v, err := url.PathUnescape(f)
		if err != nil {
			return c, fmt.Errorf("CPE %s: %w", attrNames[i], err)
		}
		c.Attrs[i] = Attr{Kind: Value, S: strings.ToLower(v)}
	}
	return c, c.check()
}

func (c CPE) check() error {
	p := c.Attrs[Part]
	if p.Kind == Value && p.S != "a" && p.S != "o" && p.S != "h" {
		return fmt.Errorf("CPE part %q, want a, o or h", p.S)
	}
	return nil
}

// Accepts reports whether criteria attribute a accepts the component value b:
// ANY accepts anything and is accepted by anything, NA only NA, a value the
// same value (or, for a glob, a value it matches).
func (a Attr) Accepts(b Attr) bool {
	switch {
	case a.Kind == Any || b.Kind == Any:
		return true
	case a.Kind == NA || b.Kind == NA:
		return a.Kind == b.Kind
	case a.Glob:
		return glob(a.S, b.S)
	}
	return a.S == b.S
}

// glob matches s against pattern p with "*" and "?" wildcards; "\" quotes
// the next character. It runs in O(len(p)*len(s)) at worst.
func glob(p, s string) bool {
	type tok struct {
		c    byte
		wild bool
	}
	var ts []tok
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
			ts = append(ts, tok{c: p[i]})
			continue
		}
		ts = append(ts, tok{c: p[i], wild: p[i] == '*' || p[i] == '?'})
	}
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(ts) && ts[pi].wild && ts[pi].c == '*':
			star, mark = pi, si
			pi++
		case pi < len(ts) && (ts[pi].wild || ts[pi].c == s[si]):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(ts) && ts[pi].wild && ts[pi].c == '*' {
		pi++
	}
	return pi == len(ts)
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
