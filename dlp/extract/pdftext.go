package extract

// maxPDFOperands bounds the operand stack of a content stream.
const maxPDFOperands = 4096

// pdfText extracts the text shown by the text operators of a content
// stream (Tj, TJ, ' and "), with line breaks where text moves to a new
// line (Td, TD, T*, Tm, BT, ET) and spaces at large TJ gaps.
func pdfText(data []byte) []byte {
	lx := &pdfLexer{data: data}
	var out []byte
	var ops []any
	var lastY float64
	for !lx.eof() {
		v := lx.contentValue()
		kw, ok := v.(pdfKeyword)
		if !ok {
			if len(ops) < maxPDFOperands {
				ops = append(ops, v)
			}
			continue
		}
		switch kw {
		case "Tj":
			out = showString(out, last(ops))
		case "'", "\"":
			out = newline(out)
			out = showString(out, last(ops))
		case "TJ":
			arr, _ := last(ops).([]any)
			for _, x := range arr {
				if n, ok := x.(float64); ok && n < -250 {
					out = append(out, ' ')
				}
				out = showString(out, x)
			}
		case "Td", "TD":
			if y, ok := nth(ops, 1).(float64); ok && y != 0 {
				out = newline(out)
			} else {
				out = space(out)
			}
		case "Tm":
			if y, ok := nth(ops, 5).(float64); ok && y != lastY {
				out, lastY = newline(out), y
			} else {
				out = space(out)
			}
		case "T*", "BT", "ET":
			out = newline(out)
		case "BI":
			lx.skipInlineImage()
		}
		ops = ops[:0]
	}
	return out
}

// contentValue is value for content streams: operators come back as
// keywords, and "{" "}" (PostScript functions) as keywords too.
func (l *pdfLexer) contentValue() any {
	save := l.pos
	t := l.token()
	if t == pdfKeyword("[") || t == pdfKeyword("<<") {
		l.pos = save
		return l.value(0)
	}
	return t
}

// skipInlineImage moves past an inline image's data, to after "EI".
func (l *pdfLexer) skipInlineImage() {
	for l.pos+2 < len(l.data) {
		if isPDFSpace(l.data[l.pos]) && l.data[l.pos+1] == 'E' && l.data[l.pos+2] == 'I' &&
			(l.pos+3 == len(l.data) || !isPDFRegular(l.data[l.pos+3])) {
			l.pos += 3
			return
		}
		l.pos++
	}
	l.pos = len(l.data)
}

func last(ops []any) any {
	if len(ops) == 0 {
		return nil
	}
	return ops[len(ops)-1]
}

// nth is the operand i of ops, from the first.
func nth(ops []any, i int) any {
	if i < len(ops) {
		return ops[i]
	}
	return nil
}

func showString(out []byte, v any) []byte {
	if s, ok := v.(pdfString); ok {
		return append(out, pdfDecodeString(s)...)
	}
	return out
}

func newline(out []byte) []byte {
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out
}

func space(out []byte) []byte {
	if len(out) > 0 && out[len(out)-1] != '\n' && out[len(out)-1] != ' ' {
		out = append(out, ' ')
	}
	return out
}
