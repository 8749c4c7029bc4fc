package dlp

// token kinds
const (
	tWord  = iota + 1 // letters (bytes >= 0x80 count as letters)
	tNum              // ASCII digits
	tPunct            // one other non-space byte
)

// word shapes
const (
	shLower = iota + 1
	shTitle
	shUpper
	shMixed
)

type token struct {
	s, e  int32
	line  int32
	kind  uint8
	shape uint8
	kw    kwFlag
}

// scanner holds the scratch state of one chunk scan; it is not shared.
type scanner struct {
	e        *Engine
	text     []byte
	base     int
	toks     []token
	found    []Finding
	uniform  bool // text is all upper or all lower case: case says nothing
	numSkip  int  // digit detectors already covered text before this offset
	nameSkip int  // name detectors already covered text before this offset
	lowbuf   [32]byte
}

func newScanner(e *Engine) *scanner { return &scanner{e: e} }

func (s *scanner) reset(text []byte, base int) {
	s.text, s.base = text, base
	s.toks = s.toks[:0]
	s.found = s.found[:0]
	s.numSkip, s.nameSkip = 0, 0
}

func (s *scanner) run() {
	s.tokenize()
	s.scanTokens()
	s.scanAt()
	s.scanURLs()
}

func (s *scanner) add(t Type, start, end int, conf float64, det string) {
	if start < 0 || end > len(s.text) || start >= end || conf < s.e.min || !s.e.wants(t) {
		return
	}
	s.found = append(s.found, Finding{Type: t, Start: s.base + start, End: s.base + end,
		Confidence: conf, Detector: det})
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool  { return c >= 'a' && c <= 'z' }
func isLetter(c byte) bool { return isUpper(c) || isLower(c) || c >= 0x80 }
func isAlnum(c byte) bool  { return isLetter(c) || isDigit(c) }
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
func lowerByte(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// tokenize splits the chunk into words, numbers and punctuation, and
// decides whether letter case carries information.
func (s *scanner) tokenize() {
	t, upper, lower, line := s.text, 0, 0, int32(0)
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case isSpace(c):
			if c == '\n' {
				line++
			}
			i++
		case isDigit(c):
			j := i + 1
			for j < len(t) && isDigit(t[j]) {
				j++
			}
			s.toks = append(s.toks, token{s: int32(i), e: int32(j), line: line, kind: tNum})
			i = j
		case isLetter(c):
			j, up, lo := i, 0, 0
			for j < len(t) && isLetter(t[j]) {
				if isUpper(t[j]) {
					up++
				} else if isLower(t[j]) {
					lo++
				}
				j++
			}
			upper, lower = upper+up, lower+lo
			tk := token{s: int32(i), e: int32(j), line: line, kind: tWord, shape: shapeOf(t[i:j], up, lo)}
			tk.kw = s.lookupKW(t[i:j])
			s.toks = append(s.toks, tk)
			i = j
		default:
			s.toks = append(s.toks, token{s: int32(i), e: int32(i + 1), line: line, kind: tPunct})
			i++
		}
	}
	s.uniform = upper > 3*lower || upper*100 < lower
}

func shapeOf(w []byte, up, lo int) uint8 {
	switch {
	case lo == 0 && up > 0:
		return shUpper
	case up == 0:
		return shLower
	case up == 1 && isUpper(w[0]):
		return shTitle
	}
	return shMixed
}

// lower returns b lower-cased in scratch space (valid until the next call),
// or nil when b is too long to be a keyword or a name.
func (s *scanner) lower(b []byte) []byte {
	if len(b) > len(s.lowbuf) {
		return nil
	}
	for i, c := range b {
		s.lowbuf[i] = lowerByte(c)
	}
	return s.lowbuf[:len(b)]
}

func (s *scanner) lookupKW(w []byte) kwFlag {
	if len(w) > maxKWLen || kwFilter[kwIdx(w[0])][kwIdx(w[1%len(w)])]&(1<<len(w)) == 0 {
		return 0
	}
	return keywords[string(s.lower(w))]
}

// str returns the bytes of token i.
func (s *scanner) str(i int) []byte { return s.text[s.toks[i].s:s.toks[i].e] }

// tok returns token i or a zero token when i is out of range.
func (s *scanner) tok(i int) token {
	if i < 0 || i >= len(s.toks) {
		return token{}
	}
	return s.toks[i]
}

// isPunct reports whether token i is the punctuation byte c.
func (s *scanner) isPunct(i int, c byte) bool {
	t := s.tok(i)
	return t.kind == tPunct && s.text[t.s] == c
}

// sameLine reports whether tokens i and j exist and lie on one line.
func (s *scanner) sameLine(i, j int) bool {
	a, b := s.tok(i), s.tok(j)
	return a.kind != 0 && b.kind != 0 && a.line == b.line
}

// ctxBefore reports whether one of the keyword flags f occurs in the n
// tokens before token i, on the same line.
func (s *scanner) ctxBefore(i, n int, f kwFlag) bool {
	for j := i - 1; j >= 0 && j >= i-n; j-- {
		if !s.sameLine(j, i) {
			return false
		}
		if s.toks[j].kw&f != 0 {
			return true
		}
	}
	return false
}

// tokenAt returns the index of the token starting at byte offset off, or -1.
func (s *scanner) tokenAt(off int) int {
	lo, hi := 0, len(s.toks)
	for lo < hi {
		m := (lo + hi) / 2
		if int(s.toks[m].s) < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.toks) && int(s.toks[lo].s) == off {
		return lo
	}
	return -1
}
