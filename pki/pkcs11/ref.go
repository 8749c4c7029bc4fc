package pkcs11

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scheme is the prefix of every PKCS#11 key reference.
const Scheme = "pkcs11:"

// Limits on reference parts, well above what tokens use.
const (
	maxRefLen   = 1024
	maxIDLen    = 64  // bytes of CKA_ID
	maxLabelLen = 128 // bytes of a token or object label
)

// Ref names one key on one token: an RFC 7512 PKCS#11 URI restricted to the
// attributes this package writes.
type Ref struct {
	Token  string // token label
	ID     []byte // CKA_ID of the key pair
	Object string // CKA_LABEL of the key pair; optional when parsing
}

// String renders r as "pkcs11:token=...;id=...;object=...", percent-encoding
// everything but RFC 3986 unreserved characters, and every byte of the id.
func (r Ref) String() string {
	var b strings.Builder
	b.WriteString(Scheme)
	b.WriteString("token=")
	b.WriteString(escape(r.Token))
	b.WriteString(";id=")
	for _, c := range r.ID {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	if r.Object != "" {
		b.WriteString(";object=")
		b.WriteString(escape(r.Object))
	}
	return b.String()
}

// ParseRef parses a reference strictly: the pkcs11 scheme; the path
// attributes token (required), id (required, every byte percent-encoded),
// object and type (only "private"), each at most once; no query part, so no
// PIN can travel inside a reference. Errors wrap ErrInvalidRef and quote
// only the attribute name at fault.
func ParseRef(s string) (Ref, error) {
	if len(s) > maxRefLen {
		return Ref{}, refErrorf("longer than %d bytes", maxRefLen)
	}
	path, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return Ref{}, refErrorf("does not start with %q", Scheme)
	}
	if strings.ContainsAny(path, "?#") {
		return Ref{}, refErrorf("query or fragment not allowed")
	}
	var r Ref
	seen := map[string]bool{}
	for attr := range strings.SplitSeq(path, ";") {
		if err := r.set(attr, seen); err != nil {
			return Ref{}, err
		}
	}
	return r, r.check(seen)
}

func (r *Ref) set(attr string, seen map[string]bool) error {
	name, value, ok := strings.Cut(attr, "=")
	if !ok {
		return refErrorf("attribute %q has no value", truncate(attr))
	}
	if seen[name] {
		return refErrorf("attribute %q repeated", truncate(name))
	}
	seen[name] = true
	switch name {
	case "token":
		return decodeLabel(name, value, &r.Token)
	case "object":
		return decodeLabel(name, value, &r.Object)
	case "id":
		return r.decodeID(value)
	case "type":
		if value != "private" {
			return refErrorf("type must be private")
		}
		return nil
	}
	return refErrorf("unknown attribute %q", truncate(name))
}

func (r Ref) check(seen map[string]bool) error {
	if !seen["token"] {
		return refErrorf("token is required")
	}
	if !seen["id"] {
		return refErrorf("id is required")
	}
	return nil
}

func (r *Ref) decodeID(v string) error {
	if v == "" || len(v)%3 != 0 || len(v)/3 > maxIDLen {
		return refErrorf("id must be 1 to %d percent-encoded bytes (%%3A%%9F...)", maxIDLen)
	}
	id := make([]byte, 0, len(v)/3)
	for i := 0; i < len(v); i += 3 {
		c, ok := hexByte(v[i : i+3])
		if !ok {
			return refErrorf("id must be percent-encoded hex bytes (%%3A%%9F...)")
		}
		id = append(id, c)
	}
	r.ID = id
	return nil
}

// decodeLabel percent-decodes an RFC 7512 path attribute value into *dst.
func decodeLabel(name, v string, dst *string) error {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '%':
			d, ok := hexByte(v[i:min(i+3, len(v))])
			if !ok {
				return refErrorf("%s has a bad percent-encoding", name)
			}
			b.WriteByte(d)
			i += 2
		case isPathChar(c):
			b.WriteByte(c)
		default:
			return refErrorf("%s has a character that must be percent-encoded", name)
		}
	}
	return checkLabel(name, b.String(), dst)
}

func checkLabel(name, s string, dst *string) error {
	switch {
	case s == "":
		return refErrorf("%s is empty", name)
	case len(s) > maxLabelLen:
		return refErrorf("%s is longer than %d bytes", name, maxLabelLen)
	case !utf8.ValidString(s):
		return refErrorf("%s is not UTF-8", name)
	case strings.ContainsFunc(s, unicode.IsControl):
		return refErrorf("%s has a control character", name)
	}
	*dst = s
	return nil
}

// hexByte decodes "%XY".
func hexByte(s string) (byte, bool) {
	if len(s) != 3 || s[0] != '%' {
		return 0, false
	}
	hi, ok1 := unhex(s[1])
	lo, ok2 := unhex(s[2])
	return hi<<4 | lo, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// isPathChar reports whether c may appear unencoded in an RFC 7512 path
// attribute value (pk11-pchar without pct-encoded, plus "&").
func isPathChar(c byte) bool {
	return isUnreserved(c) || strings.IndexByte(":[]@!$'()*+,=&", c) >= 0
}

func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; isUnreserved(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func refErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRef, fmt.Sprintf(format, args...))
}

func truncate(s string) string {
	const n = 32
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
