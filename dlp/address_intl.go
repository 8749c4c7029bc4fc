package dlp

// Street addresses in the forms used outside the United States, where the
// street word comes first ("Rue de Virton 38", "ul. Narewska 94", "Via
// Franscini 71"), is part of one compound word ("Feldstrasse 42",
// "Parijsstraat 8", "Magasinsgatan 7") or is missing ("Kaevu 94" after
// "Address:"), and the house number may come after the street name. A match
// needs one of: a street word before the name, a compound street word, a
// unit ("Apt. 4", "Suite 210") right after, or an address cue before it.

// streetCompounds end compound street names in German, Dutch, the
// Scandinavian languages, Finnish and Hungarian.
var streetCompounds = []string{"strasse", "straße", "gasse", "weg", "allee", "platz", "straat", "laan",
	"gracht", "plein", "dijk", "kade", "gatan", "gata", "vägen", "vagen", "vej", "gade", "veien", "vegen",
	"katu", "kuja", "polku", "tie", "utca", "stræde", "straede", "torget", "torg", "ringen"}

// isStreetCompound reports whether word w ends with a street word and has
// at least four letters before it.
func isStreetCompound(w []byte) bool {
	if len(w) < 7 {
		return false
	}
	for _, suf := range streetCompounds {
		if len(w) >= len(suf)+4 && hasSuffixFold(w, suf) {
			return true
		}
	}
	return false
}

func hasSuffixFold(w []byte, suf string) bool {
	return len(w) >= len(suf) && hasPrefixFold(w[len(w)-len(suf):], suf)
}

// isParticle reports whether w may stand lower-case inside a street or
// place name: "Rue de la Gare", "Paseo del Atlántico", "Ostrov nad Ohrí".
func isParticle(w []byte) bool {
	switch string(w) {
	case "de", "du", "des", "del", "della", "delle", "dei", "degli", "da", "do", "dos", "das", "di",
		"la", "le", "les", "van", "von", "der", "den", "het", "el", "y", "e", "nad", "na", "pod", "am", "an", "im":
		return true
	}
	return false
}

// intlAddress tries the international forms at token i: a number (the
// house number first), a street word, or a compound street name.
func (s *scanner) intlAddress(i int) {
	if int(s.toks[i].s) < s.addrSkip {
		return
	}
	t := &s.toks[i]
	switch {
	case t.kind == tNum:
		if t.e-t.s <= 6 && !s.glued(i) {
			s.numberFirst(i)
		}
	case t.kind == tWord && (t.kw&kwStreetPre != 0 || isStreetCompound(s.str(i))):
		s.streetFirst(i)
	}
}

// glued reports whether token i touches a letter, digit or decimal point
// before it.
func (s *scanner) glued(i int) bool {
	p := int(s.toks[i].s)
	return p > 0 && (isAlnum(s.text[p-1]) || s.text[p-1] == '.' || s.text[p-1] == '-' || s.text[p-1] == '/')
}

// numberFirst matches "3482 Via Franscini 71", "83854 Strickstrasse 61",
// "29 Rue de Tanger", "09457 Vana-Viru 25 Apt. 971" and, after a cue,
// "92597 Jahu 80".
func (s *scanner) numberFirst(i int) {
	if w := s.tok(i + 1); w.kind == tWord && w.kw&kwStreetPre == 0 &&
		(w.kw&(kwUnit|kwStop|kwMonth) != 0 || !s.uniform && w.shape == shLower) ||
		w.kind == tPunct && s.text[w.s] != '.' {
		return // "25 mg", "2 weeks", "128/76", "84,": a quantity, not a house number
	} else if w.kind == tWord && !s.uniform && w.shape == shUpper && w.e-w.s <= 3 && !isCompass(s.str(i+1)) {
		return // "139 K", "17 Cr", "25 BUN": a lab value before the next analyte
	}
	j := i + 1
	if n := s.tok(j); n.kind == tNum && n.e-n.s <= 4 && s.closeTo(i, j) && s.tok(j+1).kind == tWord {
		j++ // "5521 119 Countess Close": two numbers
	}
	if !s.sameLine(i, j) || !s.closeTo(j-1, j) {
		return
	}
	last, street, words := s.streetName(j)
	if words == 0 {
		return
	}
	end := int(s.toks[last].e)
	if n := s.tok(last + 1); n.kind == tNum && n.e-n.s <= 5 && s.closeTo(last, last+1) && !s.unitNext(last+1) {
		last, end = last+1, int(n.e)
	}
	unit := s.unitsAfter(last+1, end)
	switch {
	case street:
	case unit > end:
	case s.addressCue(i) && (last > j || s.lineEnds(last)):
	case s.lineStart(i) && s.lineEnds(last) && words <= 3 && s.toks[last].kind == tNum:
		// "30102 Kaevu 94" alone on its line
	default:
		return
	}
	s.addAddress(i, max(end, unit))
}

// streetFirst matches "Via Tasso 129", "ul. Słowicza 10", "Feldstrasse 42"
// with no house number before the street.
func (s *scanner) streetFirst(i int) {
	if s.tok(i-1).kind == tNum && s.sameLine(i-1, i) {
		return // numberFirst had its chance
	}
	t := &s.toks[i]
	if !s.uniform && t.shape == shLower && !(t.e-t.s <= 3 && s.isPunct(i+1, '.')) {
		return // "via", "rue" as words; "ul." abbreviated is fine
	}
	last, street, words := s.streetName(i)
	if !street || words < 2 && !isStreetCompound(s.str(i)) {
		return
	}
	n := s.tok(last + 1)
	if n.kind != tNum || n.e-n.s > 5 || !s.closeTo(last, last+1) || s.unitNext(last+1) {
		return
	}
	if !isStreetCompound(s.str(i)) && s.toks[i].kw&kwStreetStrong == 0 && !s.addressCue(i) {
		return // "Via", "Avenue", "Plaza" first: English words too
	}
	s.addAddress(i, s.unitsAfter(last+2, int(n.e)))
}

// streetName reads the words of a street name from token j: capitalised
// words, particles, abbreviation dots and hyphens, up to six tokens. It
// returns the last word token, whether a street word (prefix, suffix or
// compound) is among them, and the number of words.
func (s *scanner) streetName(j int) (last int, street bool, words int) {
	last = -1
	for k := j; k < j+7 && k < len(s.toks) && s.sameLine(j, k); k++ {
		t := &s.toks[k]
		if t.kind == tPunct {
			if (s.text[t.s] == '.' || s.text[t.s] == '-' || s.text[t.s] == '\'') && k > j && t.s == s.toks[k-1].e {
				continue
			}
			break
		}
		if t.kind != tWord || k > j && !s.closeTo(k-1, k) && !s.isPunct(k-1, '.') {
			break
		}
		w := s.str(k)
		pre := t.kw&kwStreetPre != 0
		if words > 0 && isParticle(w) {
			continue
		}
		if t.kw&(kwStop|kwUnit|kwMonth) != 0 && !pre && t.kw&kwStreet == 0 || s.isUnitWord(k) {
			break
		}
		if !s.uniform && t.shape == shLower && !(pre && s.isPunct(k+1, '.')) {
			break
		}
		street = street || pre || t.kw&kwStreet != 0 || isStreetCompound(w)
		last, words = k, words+1
	}
	return last, street, words
}

// isUnitWord reports whether word token k names a unit of a building.
func (s *scanner) isUnitWord(k int) bool {
	if s.tok(k).kind != tWord {
		return false
	}
	switch string(s.lower(s.str(k))) {
	case "apt", "apartment", "suite", "ste", "unit", "flat", "fl", "floor", "rm", "room":
		return true
	}
	return false
}

// unitNext reports whether the number at token k is followed by a unit of
// measure ("Lasix 40 mg"): then it is a dose, not a house number.
func (s *scanner) unitNext(k int) bool {
	n := s.tok(k + 1)
	return n.kind == tWord && n.kw&kwUnit != 0 && s.sameLine(k, k+1) ||
		n.kind == tPunct && (s.text[n.s] == '%' || s.text[n.s] == '/' || s.text[n.s] == ':')
}

// unitsAfter extends end over units ("Apt. 835 Apt. 245", "Suite 697").
func (s *scanner) unitsAfter(k, end int) int {
	for n := 0; n < 3; n++ {
		e := s.unitAfter(k, end)
		if e == end {
			return end
		}
		end, k = e, s.tokenAfter(e)
	}
	return end
}

// addressCue reports whether "address", "lives at", "located at" or the
// like comes shortly before token i on its line.
func (s *scanner) addressCue(i int) bool {
	for j := i - 1; j >= 0 && j >= i-4 && s.sameLine(j, i); j-- {
		t := &s.toks[j]
		if t.kw&kwAddrCue != 0 {
			return true
		}
		if t.kind == tWord && (equalFold(s.str(j), "at") || equalFold(s.str(j), "on")) &&
			(s.tok(j-1).kw&(kwCityVerb|kwAddrCue) != 0) {
			return true
		}
	}
	return s.lineStart(i) && s.labelAbove(i, kwAddrCue)
}

// labelAbove reports whether the line before token i is only a label with
// flag f ("Address:").
func (s *scanner) labelAbove(i int, f kwFlag) bool {
	j := i - 1
	if s.isPunct(j, ':') {
		j--
	}
	return j >= 0 && s.toks[j].kw&f != 0 && s.toks[j].line+1 >= s.toks[i].line && s.lineStart(j)
}

// lineStart reports whether token i is the first on its line, ignoring
// quote marks and bullets (">", "*", "-", "?").
func (s *scanner) lineStart(i int) bool {
	for j := i - 1; j >= 0; j-- {
		if s.toks[j].line != s.toks[i].line {
			return true
		}
		if t := &s.toks[j]; t.kind != tPunct || !isBullet(s.text[t.s]) {
			return false
		}
	}
	return true
}

func isBullet(c byte) bool { return c == '>' || c == '*' || c == '-' || c == '?' || c == '|' }

// lineEnds reports whether token k is the last of its clause: a line break,
// the end of the text, a comma or a full stop follows.
func (s *scanner) lineEnds(k int) bool {
	n := s.tok(k + 1)
	if n.kind == 0 || !s.sameLine(k, k+1) {
		return true
	}
	return n.kind == tPunct && (s.text[n.s] == ',' || s.text[n.s] == '.' || s.text[n.s] == ';')
}

// addAddress records a street address from token i to byte end, extended
// back over a second number, then the places after it on its line and the
// address lines below.
func (s *scanner) addAddress(i, end int) {
	start := int(s.toks[i].s)
	if p := s.tok(i - 1); p.kind == tNum && p.e-p.s <= 6 && s.closeTo(i-1, i) && !s.glued(i-1) {
		start = int(p.s) // "5521 119 Countess Close"
	}
	s.add(Location, start, end, 0.85, "street-address")
	end = s.placeTail(end)
	s.addrSkip = end
	s.addressLines(end)
}

// placeTail records what follows an address on its line, one finding per
// comma-separated part (so that a ZIP or a "City, ST" found by another
// detector replaces only its own part): ", Brú, Iceland 82407",
// " Valderice Trapani", ", Cite Merzgui". It stops at a US state, which
// city-state handles. It returns the end of the last part.
func (s *scanner) placeTail(end int) int {
	k := s.tokenAfter(end)
	for seg := 0; seg < 4 && k < len(s.toks) && s.sameLine(k, max(k-1, 0)); seg++ {
		comma := s.isPunct(k, ',')
		if comma {
			k++
		}
		if s.stateAt(k) > 0 {
			break
		}
		last := s.placeWords(k, comma)
		if last < 0 {
			break
		}
		s.add(Location, int(s.toks[k].s), int(s.toks[last].e), 0.8, "address-place")
		end, k = int(s.toks[last].e), last+1
	}
	return end
}

// placeWords reads a place name and postal code from token k: one to four
// capitalised words or particles, then a code, on one line. In text of one
// case, only after a comma and up to the end of the clause.
func (s *scanner) placeWords(k int, comma bool) int {
	last, words := -1, 0
	for j := k; j < k+5 && j < len(s.toks) && s.sameLine(k, j); j++ {
		t := &s.toks[j]
		if j > k && !s.closeTo(j-1, j) {
			break
		}
		if t.kind == tNum && t.e-t.s >= 3 && t.e-t.s <= 6 && !s.unitNext(j) {
			last = j
			continue
		}
		if t.kind == tPunct && (s.text[t.s] == '(' || s.text[t.s] == ')' || s.text[t.s] == '-') {
			continue
		}
		if t.kind != tWord || t.kw&(kwStop|kwUnit|kwMonth|kwCityVerb) != 0 && words == 0 {
			break
		}
		if words > 0 && isParticle(s.str(j)) {
			continue
		}
		if !s.uniform && t.shape == shLower || s.uniform && t.kw&kwStop != 0 {
			break
		}
		last, words = j, words+1
	}
	if last < 0 || s.uniform && (!comma || !s.lineEnds(last) && !s.isPunct(last+1, ',')) {
		return -1
	}
	return last
}
