package dlp

// Names found by context and shape rather than by the dictionaries alone:
// after "named", "called", "my name is"; before a verb that takes a person
// ("says", "lives"); as a dialogue speaker ("Amy: ..."); an unknown
// capitalised word after a dictionary first name; and, once a name is
// found, its other occurrences in the same text.

// unknown reports whether word token k is capitalised and in no list: not
// an English word, not a keyword, not a name of the dictionaries. In text
// of one case nothing is capitalised, so nothing is unknown.
func (s *scanner) unknown(k int) bool {
	t := s.tok(k)
	if t.kind != tWord || t.kw != 0 || t.e-t.s < 2 || s.uniform || t.shape != shTitle {
		return false
	}
	return s.nameFlags(k)&nKnown == 0
}

// unknownAfter extends a name ending before token k over unknown
// capitalised words ("Jarmila Fiedlerová", "Janka M. Szász"); it returns
// the new byte end and the index after the last word taken.
func (s *scanner) unknownAfter(k int) (int, int) {
	end, next := 0, k
	for n := 0; n < 2 && s.unknown(next) && s.closeTo(next-1, next); n++ {
		end, next = int(s.toks[next].e), next+1
	}
	return end, next
}

// nameCue handles "named Frank", "called Richard Martinez", "calls me
// Aantje", "my name is Ján M. Novák", "last name? Arcuri" at word i.
func (s *scanner) nameCue(i int) bool {
	j := i + 1
	if s.toks[i].kw&kwNameLbl != 0 {
		if !equalFold(s.str(i), "name") {
			return false
		}
		switch {
		case s.isPunct(j, '?'):
			j++
		case s.tok(j).kind == tWord && (equalFold(s.str(j), "is") || equalFold(s.str(j), "was")):
			j++
		default:
			return false
		}
	} else if w := s.tok(j); w.kind == tWord && isObjectPronoun(s.lower(s.str(j))) {
		j++
	}
	if s.tok(j).kind != tWord || !s.sameLine(i, j) && !s.isPunct(j-1, '?') {
		return false
	}
	if !s.unknown(j) && s.nameFlags(j)&(nFirst|nLast) == 0 {
		return false
	}
	return s.contextName(i, j, 0.8, "name-label")
}

func isObjectPronoun(w []byte) bool {
	switch string(w) {
	case "me", "him", "her", "them", "us", "it":
		return true
	}
	return false
}

// personVerbName handles a name right before a verb that takes a person:
// "Ciset lives on", "says Navrátilová." is not covered (verb first), but
// "Catherine is a very sympathetic person" is, when the word is a
// dictionary first name that is not an English word.
func (s *scanner) personVerbName(i int) bool {
	t := &s.toks[i]
	if s.uniform || t.shape != shTitle || t.kw != 0 {
		return false
	}
	v := s.tok(i + 1)
	if v.kind != tWord || !s.closeTo(i, i+1) || v.shape != shLower {
		return false
	}
	f := s.nameFlags(i)
	first := f&nFirst != 0 && f&(nCommon|nStop|nEnglish) == 0
	switch {
	case v.kw&kwPersonVerb != 0 && (first || s.unknown(i)):
	case first && isBeHave(s.lower(s.str(i+1))):
	default:
		return false
	}
	s.addName(int(t.s), int(t.e), 0.7, "name-verb")
	return true
}

func isBeHave(w []byte) bool {
	switch string(w) {
	case "is", "was", "has", "had":
		return true
	}
	return false
}

// speakerName handles a dialogue speaker at the start of a line: "Amy:
// Remember me", when the word is a dictionary first name that is not an
// English word (so that "Plan:" and "Heart:" stay labels).
func (s *scanner) speakerName(i int) bool {
	t := &s.toks[i]
	if s.uniform || t.shape != shTitle || t.kw != 0 || !s.isPunct(i+1, ':') || !s.lineStart(i) {
		return false
	}
	f := s.nameFlags(i)
	if f&nFirst == 0 || f&(nCommon|nStop|nEnglish) != 0 {
		return false
	}
	s.addName(int(t.s), int(t.e), 0.7, "name-speaker")
	return true
}

// maxRepeat bounds the words remembered for repeatNames per chunk.
const maxRepeat = 64

// repeatNames marks the other occurrences of words already found in names
// of this chunk ("My name is Aantje Mourik but everyone calls me Aantje"):
// a capitalised word, not an English word, equal to a word of a name.
func (s *scanner) repeatNames() {
	var seen [maxRepeat]uint64
	var mask uint64 // a one-hash filter of the seen words' lengths and first letters
	n := 0
	for _, f := range s.found[s.chunkFound:] {
		if f.Type != Name || n == maxRepeat {
			continue
		}
		for k := s.tokenAfter(f.Start - s.base); k < len(s.toks) && int(s.toks[k].e) <= f.End-s.base && n < maxRepeat; k++ {
			if s.repeatable(k) {
				seen[n], n = fingerprint(s.str(k)), n+1
				mask |= s.repeatBit(k)
			}
		}
	}
	if n == 0 {
		return
	}
	for _, k32 := range s.caps {
		if k := int(k32); mask&s.repeatBit(k) == 0 || !s.repeatable(k) {
			continue
		}
		fp := fingerprint(s.str(int(k32)))
		for _, x := range seen[:n] {
			if x == fp {
				s.add(Name, int(s.toks[k32].s), int(s.toks[k32].e), 0.7, "name-repeat")
				break
			}
		}
	}
}

// repeatBit is the bit of word token k in repeatNames' filter.
func (s *scanner) repeatBit(k int) uint64 {
	t := &s.toks[k]
	return 1 << ((uint(t.e-t.s)*7 + uint(lowerByte(s.text[t.s]))) & 63)
}

// repeatable reports whether word token k may be matched again elsewhere.
func (s *scanner) repeatable(k int) bool {
	t := &s.toks[k]
	if t.kind != tWord || t.kw != 0 || t.shape != shTitle && t.shape != shUpper || t.e-t.s < 3 || s.uniform {
		return false
	}
	return s.nameFlags(k)&(nCommon|nStop|nEnglish) == 0
}
