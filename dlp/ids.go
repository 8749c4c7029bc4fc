package dlp

// idKinds maps context keyword flags to the type of the identifier that
// follows them, strongest first.
var idKinds = []struct {
	flag kwFlag
	typ  Type
	min  int // shortest value
}{
	{kwSSN, SSN, 9}, {kwLic, License, 5}, {kwVeh, Vehicle, 4}, {kwDev, DeviceID, 4},
	{kwPlan, HealthPlan, 5}, {kwAcct, Account, 5}, {kwMRN, MRN, 4},
}

const idContext = kwSSN | kwLic | kwVeh | kwDev | kwPlan | kwAcct | kwMRN

// scanTokens runs the detectors that start at a token.
func (s *scanner) scanTokens() {
	for i := range s.toks {
		t := &s.toks[i]
		switch t.kind {
		case tNum:
			s.numberAt(i)
			if e := int(t.e); e < len(s.text) && isUpper(s.text[e]) && s.vinStart(t) {
				s.vin(i) // a number glued to a capital: most numbers are not
			}
			if s.ungated || s.streetMayFollow(i) {
				s.scanLocation(i)
				s.intlAddress(i)
			}
		case tWord:
			if s.ungated || wordMayStart(t) {
				s.wordAt(i)
			}
		case tPunct:
			switch s.text[t.s] {
			case '\'':
				s.shortYear(i)
			case ':':
				s.urlAt(i)
				s.ipv6At(i)
			case ',':
				s.scanLocation(i)
			}
		}
	}
	s.scanNames()
}

// streetMayFollow reports whether number token i may be a house number
// for the street-address detectors (streetAddress, intlAddress): both
// give up at once unless a word, a number or a "." comes next, which rules
// out most numbers of clinical text ("128/76", "84,", "97%").
func (s *scanner) streetMayFollow(i int) bool {
	nx := s.tok(i + 1)
	return nx.kind == tWord || nx.kind == tNum || nx.kind == tPunct && s.text[nx.s] == '.'
}

// wordKW are the keyword flags of the words at which wordAt starts a
// detector.
const wordKW = kwMonth | idContext | kwFacility | kwStreetPre | kwBox | kwCityVerb | kwBio

// wordMayStart reports whether wordAt may start a detector at word t:
// besides the words with a flag of wordKW, it looks only at words in
// capitals (DEA and VIN numbers), of one letter (S/N) or three ("www"),
// and of seven letters or more that are not lower case (compound street
// names). Most words are none of these, and scanTokens skips them.
func wordMayStart(t *token) bool {
	n := t.e - t.s
	return t.kw&wordKW != 0 || t.shape == shUpper || n == 1 || n == 3 || n >= 7 && t.shape != shLower
}

// wordAt runs the detectors that start at word token i.
func (s *scanner) wordAt(i int) {
	t := &s.toks[i]
	if t.kw&kwMonth != 0 {
		s.monthDate(i)
	}
	if t.kw&idContext != 0 {
		s.contextID(i)
	}
	if t.e-t.s == 1 && s.text[t.s]|0x20 == 's' && s.isPunct(i+1, '/') && s.tok(i+2).kind == tWord &&
		string(s.lower(s.str(i+2))) == "n" {
		s.contextIDFrom(i, i+3, idKindOf(kwDev)) // S/N
	}
	if t.kw&kwFacility != 0 {
		s.scanLocation(i)
	}
	if t.kw&kwStreetPre != 0 || t.e-t.s >= 7 && t.shape != shLower && s.tok(i+1).kind == tNum {
		s.intlAddress(i)
	}
	if t.kw&kwBox != 0 {
		s.poBox(i)
	}
	if t.kw&kwCityVerb != 0 {
		s.cityAfterVerb(i)
	}
	if t.kw&kwBio != 0 {
		s.biometric(i)
	}
	if t.e-t.s == 2 && t.shape == shUpper {
		s.dea(i)
	}
	if t.e-t.s == 3 && s.text[t.s]|0x20 == 'w' {
		s.urlAt(i)
	}
	if t.shape == shUpper && s.vinStart(t) {
		s.vin(i)
	}
}

// contextID finds an identifier after "MRN:", "member ID #", "S/N".
func (s *scanner) contextID(i int) {
	s.contextIDFrom(i, i+1, idKindOf(s.toks[i].kw))
}

func idKindOf(f kwFlag) int {
	for k, kind := range idKinds {
		if f&kind.flag != 0 {
			return k
		}
	}
	return -1
}

// contextIDFrom finds the value after context word i, from token j.
func (s *scanner) contextIDFrom(i, j, k int) {
	if k < 0 {
		return
	}
	kind := idKinds[k]
	for n := 0; n < 4 && j < len(s.toks) && s.sameLine(i, j); n++ {
		t := &s.toks[j]
		if t.kind == tPunct && (s.text[t.s] == ':' || s.text[t.s] == '#' || s.text[t.s] == '.' ||
			s.text[t.s] == '/' || s.text[t.s] == '-' || s.text[t.s] == '=') ||
			t.kind == tWord && t.kw&(kwID|idContext) != 0 && s.idValueEnd(int(t.s)) == int(t.e) {
			if k := idKindOf(t.kw); k >= 0 {
				kind = idKinds[k]
			}
			j++
			continue
		}
		break
	}
	if j >= len(s.toks) || !s.sameLine(i, j) {
		return
	}
	start := int(s.toks[j].s)
	end := s.idValueEnd(start)
	if end-start < kind.min || !idLike(s.text[start:end]) || kind.typ == SSN && !ssnValue(s.text[start:end]) {
		return
	}
	s.add(kind.typ, start, end, 0.85, "id-context")
}

// idValueEnd returns the end of the identifier-like run at p: letters,
// digits and inner hyphens.
func (s *scanner) idValueEnd(p int) int {
	t, e := s.text, p
	for e < len(t) && (isAlnum(t[e]) || (t[e] == '-' && e+1 < len(t) && isAlnum(t[e+1]) && e > p)) {
		if t[e] >= 0x80 {
			break
		}
		e++
	}
	return e
}

// idLike requires at least two digits, or one digit and five characters.
func idLike(b []byte) bool {
	d := 0
	for _, c := range b {
		if isDigit(c) {
			d++
		}
	}
	return d >= 2 || (d == 1 && len(b) >= 5)
}

// dea matches DEA numbers: two letters glued to seven digits.
func (s *scanner) dea(i int) {
	n := s.tok(i + 1)
	if n.kind != tNum || n.s != s.toks[i].e || n.e-n.s != 7 || (int(n.e) < len(s.text) && isAlnum(s.text[n.e])) {
		return
	}
	b := s.text[s.toks[i].s:n.e]
	if validDEA(b) {
		s.add(License, int(s.toks[i].s), int(n.e), 0.9, "dea-check")
	}
}

// vin matches 17-character vehicle identification numbers with a valid
// check digit.
func (s *scanner) vin(i int) {
	p := int(s.toks[i].s)
	if p+17 > len(s.text) || !isVINByte(s.text[p+16]) || p+17 < len(s.text) && isAlnum(s.text[p+17]) {
		return
	}
	e := p
	for e < len(s.text) && e-p < 18 && (isUpper(s.text[e]) || isDigit(s.text[e])) {
		e++
	}
	if e-p == 17 && (e == len(s.text) || !isAlnum(s.text[e])) && validVIN(s.text[p:e]) {
		s.add(Vehicle, p, e, 0.9, "vin-check")
	}
}

// biometric flags references to fingerprints, voiceprints, retinal scans
// and full-face photographs.
func (s *scanner) biometric(i int) {
	w := string(s.lower(s.str(i)))
	switch w {
	case "fingerprint", "fingerprints", "voiceprint", "biometric":
		s.add(Biometric, int(s.toks[i].s), int(s.toks[i].e), 0.7, "biometric-term")
	case "retinal", "iris", "facial", "photo", "photograph", "photos":
		n := s.tok(i + 1)
		if n.kind == tWord && s.sameLine(i, i+1) {
			switch string(s.lower(s.str(i + 1))) {
			case "scan", "scans", "print", "image", "photo", "photograph", "id", "attached", "recognition":
				s.add(Biometric, int(s.toks[i].s), int(n.e), 0.6, "biometric-term")
			}
		}
	}
}

// ssnValue accepts nine digits, optionally hyphenated, that pass validSSN.
func ssnValue(b []byte) bool {
	var d []byte
	for _, c := range b {
		if isDigit(c) {
			d = append(d, c)
		} else if c != '-' {
			return false
		}
	}
	return len(d) == 9 && validSSN(d[:3], d[3:5], d[5:])
}

// vinStart reports whether token tk may start a VIN. A VIN has letters and
// at least three digits, all ASCII upper case, so its first token is a
// number glued to a capital or an upper-case word glued to a number: a
// cheap test that most tokens fail.
func (s *scanner) vinStart(tk *token) bool {
	if tk.kind == tWord && tk.shape != shUpper || int(tk.e) >= len(s.text) {
		return false
	}
	if c := s.text[tk.e]; tk.kind == tNum && !isUpper(c) || tk.kind == tWord && !isDigit(c) {
		return false
	}
	return tk.s == 0 || !isAlnum(s.text[tk.s-1])
}

func isVINByte(c byte) bool { return isUpper(c) || isDigit(c) }
