package extract

import (
	"bytes"
	"strconv"
)

// PDF values as the lexer returns them: float64, bool, nil, pdfName,
// pdfString, pdfKeyword, []any, pdfDict, pdfRef.
type (
	pdfName    string
	pdfString  []byte
	pdfKeyword string
	pdfDict    map[string]any
)

// pdfLexer reads PDF tokens and values from data. It never fails: at bad
// input it returns nil and moves on.
type pdfLexer struct {
	data []byte
	pos  int
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func isPDFRegular(c byte) bool { return !isPDFSpace(c) && !isPDFDelim(c) }

// skip moves past white space and comments.
func (l *pdfLexer) skip() {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case isPDFSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

// eof reports whether the data is used up.
func (l *pdfLexer) eof() bool {
	l.skip()
	return l.pos >= len(l.data)
}

// token returns the next token: a value other than array or dictionary,
// or one of the pdfKeywords "[", "]", "<<", ">>" and operators.
func (l *pdfLexer) token() any {
	l.skip()
	if l.pos >= len(l.data) {
		return nil
	}
	c := l.data[l.pos]
	switch {
	case c == '(':
		l.pos++
		return l.literal()
	case c == '<' && l.peek(1) == '<':
		l.pos += 2
		return pdfKeyword("<<")
	case c == '>' && l.peek(1) == '>':
		l.pos += 2
		return pdfKeyword(">>")
	case c == '<':
		l.pos++
		return l.hexString()
	case c == '[' || c == ']' || c == '{' || c == '}':
		l.pos++
		return pdfKeyword(c)
	case c == '/':
		l.pos++
		return pdfName(l.regular())
	case c == ')' || c == '>':
		l.pos++
		return pdfKeyword(c)
	}
	w := l.regular()
	if f, err := strconv.ParseFloat(w, 64); err == nil && (w[0] >= '0' && w[0] <= '9' || w[0] == '-' || w[0] == '+' || w[0] == '.') {
		return f
	}
	switch w {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	return pdfKeyword(w)
}

func (l *pdfLexer) peek(n int) byte {
	if l.pos+n < len(l.data) {
		return l.data[l.pos+n]
	}
	return 0
}

func (l *pdfLexer) regular() string {
	start := l.pos
	for l.pos < len(l.data) && isPDFRegular(l.data[l.pos]) {
		l.pos++
	}
	if l.pos == start && l.pos < len(l.data) {
		l.pos++ // a stray delimiter: step over it
	}
	return string(l.data[start:l.pos])
}

// literal reads a (string) after its "(": balanced parentheses, escapes.
func (l *pdfLexer) literal() pdfString {
	var out []byte
	depth := 1
	for l.pos < len(l.data) && len(out) < maxPDFString {
		c := l.data[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return out
			}
		case '\\':
			out = l.escape(out)
			continue
		}
		out = append(out, c)
	}
	return out
}

var pdfEscapes = map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f', '(': '(', ')': ')', '\\': '\\'}

func (l *pdfLexer) escape(out []byte) []byte {
	if l.pos >= len(l.data) {
		return out
	}
	c := l.data[l.pos]
	l.pos++
	if e, ok := pdfEscapes[c]; ok {
		return append(out, e)
	}
	switch {
	case c == '\r':
		if l.peek(0) == '\n' {
			l.pos++
		}
		return out
	case c == '\n':
		return out
	case c >= '0' && c <= '7':
		v := int(c - '0')
		for i := 0; i < 2 && l.pos < len(l.data) && l.data[l.pos] >= '0' && l.data[l.pos] <= '7'; i++ {
			v = v*8 + int(l.data[l.pos]-'0')
			l.pos++
		}
		return append(out, byte(v))
	}
	return append(out, c)
}

// hexString reads a <hex string> after its "<".
func (l *pdfLexer) hexString() pdfString {
	var out []byte
	var hi int = -1
	for l.pos < len(l.data) && len(out) < maxPDFString {
		c := l.data[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		v, ok := unhexDigit(c)
		if !ok {
			continue
		}
		if hi < 0 {
			hi = v
			continue
		}
		out = append(out, byte(hi<<4|v))
		hi = -1
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	return out
}

func unhexDigit(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// value reads a whole value: arrays and dictionaries included, at most
// maxPDFDepth deep. Indirect references read as their object number.
func (l *pdfLexer) value(depth int) any {
	t := l.token()
	if depth >= maxPDFDepth {
		return nil
	}
	switch t {
	case pdfKeyword("["):
		var arr []any
		for !l.eof() {
			if l.data[l.pos] == ']' {
				l.pos++
				break
			}
			arr = append(arr, l.value(depth+1))
		}
		return arr
	case pdfKeyword("<<"):
		d := pdfDict{}
		for !l.eof() {
			k := l.token()
			if k == pdfKeyword(">>") {
				break
			}
			if name, ok := k.(pdfName); ok {
				d[string(name)] = l.value(depth + 1)
			}
		}
		return d
	}
	if f, ok := t.(float64); ok {
		l.reference()
		return f
	}
	return t
}

// reference steps over "G R" after an object number.
func (l *pdfLexer) reference() {
	save := l.pos
	if g, ok := l.token().(float64); ok && g >= 0 {
		if l.token() == pdfKeyword("R") {
			return
		}
	}
	l.pos = save
}
