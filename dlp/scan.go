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
	nf    uint8 // name dictionary flags, once nfOK
	nfOK  bool
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
	ctxIdx   int    // token whose context mask is cached, or -1
	ctxMask  kwFlag // keyword flags of the ctxSpan tokens before ctxIdx
}

func newScanner(e *Engine) *scanner { return &scanner{e: e} }

func (s *scanner) reset(text []byte, base int) {
	s.text, s.base = text, base
	s.toks = s.toks[:0]
	s.found = s.found[:0]
	s.numSkip, s.nameSkip = 0, 0
	s.ctxIdx = -1
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

// byte classes for the tokenizer
const (
	cOther = iota
	cSpace
	cNewline
	cDigit
	cUpper
	cLower
	cHigh // bytes >= 0x80: letters of some other script
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case b == '\n':
			t[c] = cNewline
		case isSpace(b):
			t[c] = cSpace
		case isDigit(b):
			t[c] = cDigit
		case isUpper(b):
			t[c] = cUpper
		case isLower(b):
			t[c] = cLower
		case b >= 0x80:
			t[c] = cHigh
		}
	}
	return t
}()

// tokenize splits the chunk into words, numbers and punctuation, and
// decides whether letter case carries information.
func (s *scanner) tokenize() {
	t, upper, lower, line := s.text, 0, 0, int32(0)
	if cap(s.toks) < len(t)/3 {
		s.toks = make([]token, 0, len(t)/3)
	}
	for i := 0; i < len(t); {
		switch byteClass[t[i]] {
		case cSpace:
			i++
		case cNewline:
			line++
			i++
		case cDigit:
			j := i + 1
			for j < len(t) && byteClass[t[j]] == cDigit {
				j++
			}
			s.toks = append(s.toks, token{s: int32(i), e: int32(j), line: line, kind: tNum})
			i = j
		case cUpper, cLower, cHigh:
			j, up, lo := i, 0, 0
		letters:
			for ; j < len(t); j++ {
				switch byteClass[t[j]] {
				case cUpper:
					up++
				case cLower:
					lo++
				case cHigh:
				default:
					break letters
				}
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
	return kwTable.get(w)
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
	n := len(s.toks)
	if i < 0 || j < 0 || i >= n || j >= n {
		return false
	}
	return s.toks[i].line == s.toks[j].line
}

// ctxBefore reports whether one of the keyword flags f occurs in the n
// tokens before token i, on the same line.
func (s *scanner) ctxBefore(i, n int, f kwFlag) bool {
	if i <= 0 || i >= len(s.toks) {
		return false
	}
	if i == s.ctxIdx && n <= ctxSpan && s.ctxMask&f == 0 {
		return false
	}
	line := s.toks[i].line
	for j := i - 1; j >= 0 && j >= i-n; j-- {
		t := &s.toks[j]
		if t.line != line {
			return false
		}
		if t.kw&f != 0 {
			return true
		}
	}
	return false
}

// ctxSpan is the widest look-back that the cached context mask covers.
const ctxSpan = 5

// cacheCtx records the union of the keyword flags of the ctxSpan tokens
// before token i on its line, so that most ctxBefore calls at i answer
// without a loop.
func (s *scanner) cacheCtx(i int) {
	var m kwFlag
	line := s.toks[i].line
	for j := i - 1; j >= 0 && j >= i-ctxSpan; j-- {
		if s.toks[j].line != line {
			break
		}
		m |= s.toks[j].kw
	}
	s.ctxIdx, s.ctxMask = i, m
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
