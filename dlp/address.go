package dlp

// streetEnd extends a street name over a second suffix and a compass
// direction ("Oak Hill Rd", "Main St NW", "Park Ave. S."); it returns the
// last token and the byte end.
func (s *scanner) streetEnd(k int) (int, int) {
	if n := s.tok(k + 1); n.kind == tWord && n.kw&kwStreet != 0 && s.closeTo(k, k+1) {
		k++
	}
	if s.isPunct(k+1, '.') {
		k++
	}
	if n := s.tok(k + 1); n.kind == tWord && s.sameLine(k, k+1) && isCompass(s.str(k+1)) &&
		(!s.uniform || n.shape == shUpper || n.e-n.s <= 2) && n.shape != shLower {
		k++
		if s.isPunct(k+1, '.') {
			k++
		}
	}
	return k, int(s.toks[k].e)
}

func isCompass(w []byte) bool {
	switch len(w) {
	case 1:
		c := w[0] | 0x20
		return c == 'n' || c == 's' || c == 'e' || c == 'w'
	case 2:
		return equalFold(w, "nw") || equalFold(w, "ne") || equalFold(w, "sw") || equalFold(w, "se")
	}
	return false
}

// addressLines marks the lines that continue an address ending at byte
// end: the unit, "City, ST 12345", "CITY", "Country 12345". Each must be
// short and made only of capitalised words, numbers and commas; quote marks
// and bullets before them are skipped, and one blank line may come before a
// last line that ends with a postal code.
func (s *scanner) addressLines(end int) {
	k := s.tokenAfter(end)
	for n := 0; n < 4 && k < len(s.toks); n++ {
		prev := s.toks[max(k-1, 0)].line
		if s.toks[k].line == prev && n == 0 {
			return // the address goes on on its own line: city-state handles it
		}
		for k < len(s.toks) && s.toks[k].kind == tPunct && isBullet(s.text[s.toks[k].s]) && s.lineStart(k) {
			k++
		}
		if k >= len(s.toks) {
			return
		}
		last := s.addressLine(k)
		if last < 0 || s.toks[k].line > prev+2 || s.toks[k].line == prev+2 && !s.endsWithCode(last) {
			return
		}
		s.add(Location, int(s.toks[k].s), int(s.toks[last].e), 0.75, "address-line")
		k = last + 1
	}
}

// endsWithCode reports whether token k is a postal code: four to six
// digits, or a "53-320" pair.
func (s *scanner) endsWithCode(k int) bool {
	t := &s.toks[k]
	return t.kind == tNum && t.e-t.s >= 3 && t.e-t.s <= 6
}

// addressLine returns the last token of an address-like line starting at
// token k, or -1.
func (s *scanner) addressLine(k int) int {
	line, last, words := s.toks[k].line, -1, 0
	for j := k; j < len(s.toks) && s.toks[j].line == line; j++ {
		t := &s.toks[j]
		switch {
		case j-k >= 8:
			return -1
		case t.kind == tNum && t.e-t.s <= 6:
		case t.kind == tPunct && (s.text[t.s] == ',' || s.text[t.s] == '.' || s.text[t.s] == '-' || s.text[t.s] == '#' ||
			s.text[t.s] == '(' || s.text[t.s] == ')'):
			continue
		case t.kind == tWord && t.shape != shLower && t.kw&(kwStop|kwUnit|kwPhone|kwFax|kwEponym) == 0:
			words++
		case t.kind == tWord && s.uniform && t.kw&(kwStop|kwUnit|kwPhone|kwFax|kwEponym) == 0:
			words++
		case t.kind == tWord && words > 0 && isParticle(s.str(j)):
		default:
			return -1
		}
		last = j
	}
	if words == 0 && last >= 0 && s.toks[last].e-s.toks[last].s != 5 {
		return -1
	}
	return last
}

// tokenAfter returns the index of the first token at or after byte off.
// Callers ask for offsets near the one before (the names of a chunk in
// order, the lines after an address), so it gallops from the last answer
// before it halves: a few probes instead of a search over every token.
func (s *scanner) tokenAfter(off int) int {
	toks := s.toks
	n := len(toks)
	lo, hi := 0, n
	if h := min(s.afterHint, n); h < n && int(toks[h].s) < off {
		lo = h + 1 // the answer is after h: every token before lo starts before off
		for d := 1; ; d <<= 1 {
			if lo+d > n {
				break
			}
			if int(toks[lo+d-1].s) >= off {
				hi = lo + d - 1
				break
			}
			lo += d
		}
	} else {
		hi = h // the answer is h or before: token hi starts at or after off, or hi is n
		for d := 1; ; d <<= 1 {
			if hi-d < 0 {
				break
			}
			if int(toks[hi-d].s) < off {
				lo = hi - d + 1
				break
			}
			hi -= d
		}
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(toks[m].s) < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	s.afterHint = lo
	return lo
}

// poBox matches "PO Box 123", "P.O. Box 4411", "POB 12" at the word "box"
// or "pob" (token i).
func (s *scanner) poBox(i int) {
	start := int(s.toks[i].s)
	if equalFold(s.str(i), "box") {
		j := i - 1
		if s.isPunct(j, '.') {
			j--
		}
		switch {
		case s.tok(j).kind == tWord && (equalFold(s.str(j), "po") || equalFold(s.str(j), "o")):
			if equalFold(s.str(j), "o") && s.isPunct(j-1, '.') && s.tok(j-2).kind == tWord && equalFold(s.str(j-2), "p") {
				j -= 2
			}
			start = int(s.toks[j].s)
		case j >= 2 && equalFold(s.str(j), "office") && equalFold(s.str(j-1), "post"):
			start = int(s.toks[j-1].s)
		default:
			return
		}
	}
	n := s.tok(i + 1)
	if s.isPunct(i+1, '#') {
		n = s.tok(i + 2)
	}
	if n.kind != tNum || n.e-n.s > 6 || !s.sameLine(i, s.tokenAt(int(n.s))) {
		return
	}
	s.add(Location, start, int(n.e), 0.85, "po-box")
	s.addressLines(int(n.e))
}

// cityAfterVerb matches the place after "lives in", "moved to", "is
// originally from", "born in": one to three capitalised words (in text
// where case says nothing, words that are not function words, up to the
// end of the clause).
func (s *scanner) cityAfterVerb(i int) {
	j := i + 1
	for n := 0; n < 2 && s.tok(j).kind == tWord; n++ {
		w := s.str(j)
		if !(equalFold(w, "in") || equalFold(w, "to") || equalFold(w, "from") || equalFold(w, "of") ||
			equalFold(w, "up") || equalFold(w, "near")) {
			break
		}
		j++
	}
	if j == i+1 || !s.sameLine(i, j) {
		return
	}
	end, n := 0, 0
	for k := j; k < j+3 && s.sameLine(i, k); k++ {
		t := s.tok(k)
		if t.kind != tWord || t.kw&^(kwState|kwDateCtx) != 0 || t.kw&kwDateCtx != 0 && t.e-t.s < 4 ||
			!s.uniform && t.shape == shLower || t.kw&kwMonth != 0 || s.nameFlags(k)&nStop != 0 {
			break
		}
		if s.uniform && s.nameFlags(k)&nCommon != 0 && n == 0 ||
			!s.uniform && t.shape == shUpper && t.e-t.s <= 4 && t.kw&kwState == 0 {
			return // ICU, SNF: units, not places
		}
		if n > 0 && !s.closeTo(k-1, k) {
			break
		}
		end, n = int(t.e), n+1
	}
	if n == 0 || s.uniform && !s.clauseEnds(end) {
		return
	}
	if e := s.stateAfterComma(end); e > 0 {
		end = e
	}
	s.add(Location, int(s.toks[j].s), end, 0.75, "city-context")
}

// clauseEnds reports whether punctuation, a line break or the end of the
// text follows byte end.
func (s *scanner) clauseEnds(end int) bool {
	k := s.tokenAfter(end)
	if k >= len(s.toks) || s.toks[k].line != s.toks[k-1].line {
		return true
	}
	return s.toks[k].kind == tPunct
}

// stateAfterComma extends a city over ", State" or ", ST".
func (s *scanner) stateAfterComma(end int) int {
	k := s.tokenAfter(end)
	if !s.isPunct(k, ',') {
		return 0
	}
	return s.stateAt(k + 1)
}
