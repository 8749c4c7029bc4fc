package dlp

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"
)

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
	e     *Engine
	text  []byte
	base  int
	toks  []token
	found []Finding // of the whole text, not only this chunk
	keys  []uint64  // scratch space of resolve
	caps  []int32   // capitalised words outside names, for repeatNames
	// chunkFound is the index in found of this chunk's first finding.
	chunkFound int
	uniform    bool // text is all upper or all lower case: case says nothing
	numSkip    int  // digit detectors already covered text before this offset
	nameSkip   int  // name detectors already covered text before this offset
	urlSkip    int  // a web address already covers text before this offset
	ipSkip     int  // the IPv6 detector already read text before this offset
	addrSkip   int  // an international street address already covers text before this offset
	afterHint  int  // tokenAfter's last answer, where the next search starts
	lowbuf     [32]byte
	ctxIdx     int    // token whose context mask is cached, or -1
	ctxMask    kwFlag // keyword flags of the ctxSpan tokens before ctxIdx
	// ungated turns off the gates that spare detectors which cannot match
	// (tests: with or without them, the findings must be the same).
	ungated bool
	// nameCache remembers dictionary flags of recent words (see
	// cachedNameFlags); it outlives a scan, since the scanner is pooled.
	nameCache [nameCacheSize]uint64
}

func newScanner(e *Engine) *scanner { return &scanner{e: e} }

func (s *scanner) reset(text []byte, base int) {
	s.text, s.base = text, base
	s.toks = s.toks[:0]
	s.numSkip, s.nameSkip, s.urlSkip, s.ipSkip, s.addrSkip, s.afterHint = 0, 0, 0, 0, 0, 0
	s.chunkFound = len(s.found)
	s.ctxIdx = -1
}

func (s *scanner) run() {
	s.tokenize()
	s.scanTokens()
	s.scanAt()
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
func lowerByte(c byte) byte { return lowerTable[c] }

// lowerTable lower-cases ASCII letters and keeps every other byte: a load
// instead of a branch that letter case makes unpredictable.
var lowerTable = func() (t [256]byte) {
	for c := range t {
		t[c] = byte(c)
		if isUpper(byte(c)) {
			t[c] += 'a' - 'A'
		}
	}
	return t
}()

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

// letterCount adds, for each letter byte, one to the upper-case count (bits
// 32-47) or the lower-case count (bits 0-15); other letters (bytes >= 0x80)
// add to bits 48-63, which only mark them as letters. A chunk is shorter
// than 2^16 bytes (see chunkFitsCounts), so the fields never overflow into
// each other.
const chunkFitsCounts = uint16(chunkSize) // does not compile when a chunk could overflow a count

var letterCount = func() (t [256]uint64) {
	for c := 0; c < 256; c++ {
		switch byteClass[c] {
		case cUpper:
			t[c] = 1 << 32
		case cLower:
			t[c] = 1
		case cHigh:
			t[c] = 1 << 48
		}
	}
	return t
}()

// tokenize splits the chunk into words, numbers and punctuation, and
// decides whether letter case carries information. Tokens are written in
// place; the slice grows only when a chunk has more than one token in three
// bytes.
func (s *scanner) tokenize() {
	t, upper, lower, line := s.text, 0, 0, int32(0)
	if cap(s.toks) < len(t)/3+16 {
		s.toks = make([]token, len(t)/3+16)
	}
	toks, n := s.toks[:cap(s.toks)], 0
	for i := 0; i < len(t); {
		c := byteClass[t[i]]
		switch c {
		case cSpace:
			i++
			continue
		case cNewline:
			line++
			i++
			continue
		}
		if n == len(toks) {
			toks = append(toks, token{})
			toks = toks[:cap(toks)]
		}
		tk := &toks[n]
		n++
		switch c {
		case cDigit:
			j := i + 1
			for j < len(t) && byteClass[t[j]] == cDigit {
				j++
			}
			tk.set(i, j, line, tNum)
			i = j
		case cUpper, cLower, cHigh:
			j, acc := i, uint64(0)
			for ; j < len(t); j++ {
				k := letterCount[t[j]]
				if k == 0 {
					break
				}
				acc += k
			}
			up, lo := int(acc>>32&0xffff), int(acc&0xffff)
			upper, lower = upper+up, lower+lo
			tk.set(i, j, line, tWord)
			if acc>>48 == 0 {
				tk.shape = shapeOf(up, lo, c == cUpper)
			} else {
				tk.shape = shapeOfRunes(t[i:j])
			}
			if n := j - i; n > 8 {
				tk.kw = longKW(t[i:j])
			} else if i+8 <= len(t) {
				tk.kw = shortKW.get(lower8(binary.LittleEndian.Uint64(t[i:]) & (1<<(8*n) - 1))) // packWord at once
			} else {
				tk.kw = shortKW.get(packWord(t[i:j]))
			}
			i = j
		default:
			tk.set(i, i+1, line, tPunct)
			i++
		}
	}
	s.toks = toks[:n]
	s.uniform = upper > 3*lower || upper*100 < lower
}

// packWord returns the bytes of a word of at most eight bytes, lower-cased,
// as a little-endian number: equal words without regard to ASCII case pack
// alike, and different words (of non-zero bytes) differently.
func packWord(w []byte) uint64 {
	var v uint64
	for k := len(w) - 1; k >= 0; k-- {
		v = v<<8 | uint64(lowerByte(w[k]))
	}
	return v
}

// lower8 lower-cases the ASCII letters among the eight bytes of x at
// once. Adding 0x80-c to a byte below 0x80 sets its top bit exactly when
// the byte is at least c, and never carries into the next byte; so the top
// bit of each byte of upper is set where the byte is in 'A'..'Z', and
// upper>>2 is 0x20 there: the bit that makes the letter lower case.
func lower8(x uint64) uint64 {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	y := x &^ tops
	upper := (y + ones*(0x80-'A')) &^ (y + ones*(0x80-'Z'-1)) &^ x & tops
	return x | upper>>2
}

// set overwrites every field of a reused token. It stores field by field:
// a composite literal is built on the stack and copied with wide loads that
// stall on the narrow stores before them.
func (tk *token) set(s, e int, line int32, kind uint8) {
	tk.s, tk.e, tk.line, tk.kind = int32(s), int32(e), line, kind
	tk.shape, tk.nf, tk.nfOK, tk.kw = 0, 0, false, 0
}

// shapeOf returns the shape of an ASCII word with up upper-case and lo
// lower-case letters; firstUpper tells whether its first letter is upper case.
func shapeOf(up, lo int, firstUpper bool) uint8 {
	return shapes[b2u(up > 0)|b2u(lo > 0)<<1|b2u(up == 1 && firstUpper)<<2]
}

// shapeOfRunes is shapeOf for words with letters beyond ASCII ("Ávalos",
// "ΠΑΦΟΣ", "Červinková"): it decodes them to see their case.
func shapeOfRunes(w []byte) uint8 {
	up, lo, first := 0, 0, false
	for k := 0; k < len(w); {
		r, n := utf8.DecodeRune(w[k:])
		switch {
		case unicode.IsUpper(r):
			up++
			first = first || k == 0
		case unicode.IsLower(r):
			lo++
		}
		k += n
	}
	return shapes[b2u(up > 0)|b2u(lo > 0)<<1|b2u(up == 1 && first)<<2]
}

// shapes maps (has upper, has lower, one upper and it comes first) to a
// shape: a table instead of branches, which letter case makes unpredictable.
var shapes = [8]uint8{
	0b000: shLower, 0b001: shUpper, 0b010: shLower, 0b011: shMixed,
	0b100: shLower, 0b101: shUpper, 0b110: shLower, 0b111: shTitle,
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
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

// longKW returns the keyword flags of a word of more than eight bytes;
// shortKW has the shorter ones.
func longKW(w []byte) kwFlag {
	if len(w) > maxKWLen || kwFilter[kwIndex[w[0]]][kwIndex[w[1]]]&(1<<len(w)) == 0 {
		return 0
	}
	return kwTable.get(w)
}

// str returns the bytes of token i.
func (s *scanner) str(i int) []byte { return s.text[s.toks[i].s:s.toks[i].e] }

// tok returns token i, or a zero token when i is out of range. The result
// points into the scanner's tokens (or at noToken): read it, never write it.
func (s *scanner) tok(i int) *token {
	if uint(i) >= uint(len(s.toks)) {
		return &noToken
	}
	return &s.toks[i]
}

// noToken is the zero token that tok returns out of range; nothing writes it.
var noToken token

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
