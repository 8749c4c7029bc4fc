package dlp

// grp is one run of digits and the separator byte before it (0 for the first).
type grp struct {
	s, e int
	sep  byte
}

func (g grp) n() int { return g.e - g.s }

// groups reads up to len(buf) digit runs from p joined by one separator
// ("-", ".", " ", "/", ")" or ") ").
func (s *scanner) groups(p int, buf []grp) []grp {
	t, g, sep := s.text, buf[:0], byte(0)
	for len(g) < cap(buf) {
		e := p
		for e < len(t) && isDigit(t[e]) {
			e++
		}
		g = append(g, grp{p, e, sep})
		if e+1 >= len(t) {
			break
		}
		c, q := t[e], e+1
		if c == ')' && t[q] == ' ' {
			q++
		} else if c != '-' && c != '.' && c != ' ' && c != '/' && c != ')' {
			break
		}
		if q >= len(t) || !isDigit(t[q]) {
			break
		}
		sep, p = c, q
	}
	return g
}

// ends reports whether g[k-1] closes a pattern: no glued digit run follows.
func ends(g []grp, k int) bool { return len(g) <= k || g[k].sep == ' ' }

// numberAt runs the digit detectors at number token i.
func (s *scanner) numberAt(i int) {
	p := int(s.toks[i].s)
	t := s.text
	if p < s.numSkip {
		return
	}
	if p > 0 && (isLetter(t[p-1]) && !pagerX(t, p) || (p > 1 && (t[p-1] == '-' || t[p-1] == '/' || t[p-1] == '.') && isDigit(t[p-2]))) {
		return
	}
	var buf [6]grp
	g := s.groups(p, buf[:])
	s.cacheCtx(i)
	if end := s.matchDigits(i, g); end > 0 {
		s.numSkip = end
	}
}

// matchDigits tries each digit pattern in turn; it returns the end of the
// first match or 0.
func (s *scanner) matchDigits(i int, g []grp) int {
	end := s.ssn(i, g)
	if end == 0 {
		end = s.dateDigits(i, g)
	}
	if end == 0 {
		end = s.phone(i, g)
	}
	if end == 0 {
		end = s.ipv4(i, g)
	}
	if end == 0 {
		end = s.card(i, g)
	}
	if end == 0 {
		end = s.zip(i, g)
	}
	if end == 0 && (len(g) > 1 || s.ctxMask&(kwPhone|kwPager|kwFax) != 0 || s.ctxIdx != i ||
		g[0].s > 0 && s.text[g[0].s-1] == '+') {
		end = s.phoneLoose(i)
	}
	if end == 0 {
		end = s.age(i, g)
	}
	if end == 0 {
		end = s.longNumber(i, g)
	}
	return end
}

func (s *scanner) digits(g grp) []byte { return s.text[g.s:g.e] }

func (s *scanner) ssn(i int, g []grp) int {
	t, ctx := s.text, s.ctxBefore(i, 4, kwSSN)
	if len(g) >= 3 && g[0].n() == 3 && g[1].n() == 2 && g[2].n() == 4 && g[1].sep == g[2].sep &&
		(g[1].sep == '-' || g[1].sep == ' ' || g[1].sep == '.') && ends(g, 3) {
		conf := 0.95
		if g[1].sep != '-' {
			conf = 0.8
		}
		if !validSSN(s.digits(g[0]), s.digits(g[1]), s.digits(g[2])) {
			conf = 0
		}
		if ctx && conf > 0 {
			conf += 0.03
		}
		if conf > 0 {
			s.add(SSN, g[0].s, g[2].e, conf, "ssn-format")
			return g[2].e
		}
	}
	if ctx && g[0].n() == 9 && ends(g, 1) {
		d := t[g[0].s:g[0].e]
		if validSSN(d[:3], d[3:5], d[5:]) {
			s.add(SSN, g[0].s, g[0].e, 0.9, "ssn-context")
			return g[0].e
		}
	}
	return 0
}

func (s *scanner) phone(i int, g []grp) int {
	t := s.text
	if !phoneShaped(g) && !s.ungated {
		return 0 // no telephone shape starts with these runs: spare the context look-up
	}
	typ, ctx := s.phoneType(i)
	k, start := 0, g[0].s
	if len(g) >= 4 && g[0].n() == 1 && t[g[0].s] == '1' && g[1].sep != '/' {
		k = 1 // country code
	}
	if len(g) >= k+3 && g[k].n() == 3 && g[k+1].n() == 3 && g[k+2].n() == 4 && ends(g, k+3) &&
		g[k+1].sep != '/' && g[k+2].sep != '/' && g[k+2].sep != ')' {
		paren := g[k].s > 0 && t[g[k].s-1] == '('
		if g[k+1].sep == ')' && !paren {
			return 0
		}
		if paren && k == 0 {
			start--
		}
		if k == 0 && start > 1 && t[start-1] == ' ' && t[start-2] == '1' && (start < 3 || !isAlnum(t[start-3])) {
			start -= 2
		}
		conf := 0.9
		if g[k+1].sep == ' ' && g[k+2].sep == ' ' && !paren && !ctx {
			conf = 0.6
		}
		if start > 0 && t[start-1] == '+' {
			start--
		}
		return s.addPhone(typ, start, g[k+2].e, conf)
	}
	if ctx && len(g) >= 2 && g[0].n() == 3 && g[1].n() == 4 && (g[1].sep == '-' || g[1].sep == '.') && ends(g, 2) {
		return s.addPhone(typ, g[0].s, g[1].e, 0.8)
	}
	if ctx && ends(g, 1) && (g[0].n() == 10 || (g[0].n() == 11 && t[g[0].s] == '1')) {
		return s.addPhone(typ, g[0].s, g[0].e, 0.8)
	}
	if ctx && typ != Fax && ends(g, 1) && (g[0].n() == 4 || g[0].n() == 5) && s.ctxBefore(i, 2, kwPager) {
		start := g[0].s
		if start > 0 && t[start-1]|0x20 == 'x' && (start < 2 || !isAlnum(t[start-2])) {
			start-- // pager x1543
		}
		return s.addPhone(typ, start, g[0].e, 0.7)
	}
	if ctx && len(g) >= 2 && g[0].n() == 1 && g[1].n() == 4 && g[1].sep == '-' && ends(g, 2) &&
		s.ctxBefore(i, 2, kwPager) {
		return s.addPhone(typ, g[0].s, g[1].e, 0.7) // pager 8-3725
	}
	if len(g) >= 2 && g[0].n() == 3 && g[1].n() == 4 && g[1].sep == '-' && ends(g, 2) && s.localNumber(i) {
		return s.addPhone(typ, g[0].s, g[1].e, 0.55) // a local number: 555-0123
	}
	return 0
}

// phoneShaped reports whether the digit runs g may start one of the forms
// that phone accepts, context aside: three runs or more (NNN NNN NNNN,
// with a country code first), NNN-NNNN or N-NNNN, or one run of 4, 5, 10
// or 11 digits.
func phoneShaped(g []grp) bool {
	n := g[0].n()
	return len(g) >= 3 ||
		len(g) == 2 && g[1].n() == 4 && (n == 3 || n == 1) && ends(g, 2) ||
		ends(g, 1) && (n == 4 || n == 5 || n == 10 || n == 11)
}

// phoneType says whether the context before token i names a fax, and
// whether it names any telephone at all.
func (s *scanner) phoneType(i int) (Type, bool) {
	if s.phoneContext(i, kwFax) {
		return Fax, true
	}
	return Phone, s.phoneContext(i, kwPhone|kwPager)
}

// addPhone records a phone number, with an extension when one follows.
func (s *scanner) addPhone(typ Type, start, end int, conf float64) int {
	end = s.extension(end)
	s.add(typ, start, end, conf, "phone-format")
	return end
}

func (s *scanner) extension(end int) int {
	t := s.text
	q := end
	for q < len(t) && (t[q] == ' ' || t[q] == ',') && q < end+2 {
		q++
	}
	for _, w := range []string{"extension", "ext.", "ext", "x."} {
		if hasPrefixFold(t[q:], w) {
			q += len(w)
			goto digits
		}
	}
	if q < len(t) && (t[q] == 'x' || t[q] == 'X') {
		q++
		goto digits
	}
	return end
digits:
	for q < len(t) && (t[q] == ' ' || t[q] == ':' || t[q] == '#') {
		q++
	}
	d := q
	for d < len(t) && isDigit(t[d]) {
		d++
	}
	if d-q >= 1 && d-q <= 6 {
		return d
	}
	return end
}

func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lowerByte(b[i]) != p[i] {
			return false
		}
	}
	return true
}

func (s *scanner) ipv4(i int, g []grp) int {
	if len(g) < 4 || !ends(g, 4) {
		return 0
	}
	for k := 0; k < 4; k++ {
		if g[k].n() > 3 || (k > 0 && g[k].sep != '.') || atoi(s.digits(g[k])) > 255 {
			return 0
		}
	}
	if e := g[3].e; e+1 < len(s.text) && s.text[e] == '.' && isDigit(s.text[e+1]) {
		return 0
	}
	s.add(IP, g[0].s, g[3].e, 0.9, "ipv4")
	return g[3].e
}

func (s *scanner) card(i int, g []grp) int {
	if span := g[len(g)-1].e - g[0].s; span < 13 && !s.ungated {
		return 0 // too few digits even counting the separators: most numbers
	}
	var d [19]byte
	n, k := 0, 0
	for ; k < len(g); k++ {
		if k > 0 && (g[k].sep != g[1].sep || (g[k].sep != ' ' && g[k].sep != '-')) {
			break
		}
		if n+g[k].n() > len(d) {
			break
		}
		n += copy(d[n:], s.digits(g[k]))
		if n >= 13 && luhn(d[:n]) && d[0] >= '3' && d[0] <= '6' && ends(g, k+1) && cardShape(g[:k+1]) {
			s.add(Account, g[0].s, g[k].e, 0.9, "card-luhn")
			return g[k].e
		}
	}
	return 0
}

// cardShape accepts one run of digits or the 4-4-4-4 / 4-6-5 groupings.
func cardShape(g []grp) bool {
	if len(g) == 1 {
		return true
	}
	for k := range g[:len(g)-1] {
		if g[k].n() != 4 && !(len(g) == 3 && k == 1 && g[k].n() == 6) {
			return false
		}
	}
	return true
}

func (s *scanner) zip(i int, g []grp) int {
	if g[0].n() != 5 {
		return s.zipLoose(i, g)
	}
	end := g[0].e
	if len(g) > 1 && g[1].sep == '-' && g[1].n() == 4 {
		end = g[1].e
	} else if !ends(g, 1) {
		return 0
	}
	if s.ctxBefore(i, 3, kwZip) || s.afterState(i) {
		s.add(ZIP, g[0].s, end, 0.9, "zip-context")
		return end
	}
	return 0
}

// afterState reports whether token i follows a state name or postal code.
func (s *scanner) afterState(i int) bool {
	j := i - 1
	if s.isPunct(j, ',') {
		j--
	}
	w := s.tok(j)
	if w.kind != tWord || !s.sameLine(j, i) {
		return false
	}
	b := s.str(j)
	if len(b) == 2 && w.shape == shUpper && isStateCode(b) {
		return true
	}
	return s.stateEndsAt(j) > 0
}

func (s *scanner) age(i int, g []grp) int {
	if n := g[0].n(); (n < 2 || n > 3 && s.text[g[0].s] != '0') && !s.ungated {
		return 0 // below 10 or above 999 (leading zeros aside): not 90 to 125
	}
	v := atoi(s.digits(g[0]))
	if v < 90 || v > 125 || !ends(g, 1) {
		return 0
	}
	if s.ageUnitAfter(g[0].e) || s.ctxBefore(i, 2, kwAge) {
		s.add(Age, g[0].s, g[0].e, 0.9, "age-over-89")
		return g[0].e
	}
	return 0
}

// ageUnitAfter reports whether "y/o", "yo", "year old", "M"/"F" follows end.
func (s *scanner) ageUnitAfter(end int) bool {
	t := s.text
	q := end
	if q < len(t) && (t[q] == ' ' || t[q] == '-') {
		q++
	}
	rest := t[q:]
	for _, u := range []string{"y/o", "y.o", "yo ", "yo,", "yo.", "year", "yr", "y ", "yof", "yom"} {
		if hasPrefixFold(rest, u) {
			return true
		}
	}
	if q == end && len(rest) >= 1 && (rest[0]|0x20 == 'f' || rest[0]|0x20 == 'm') {
		return len(rest) == 1 || !isLetter(rest[1])
	}
	return hasPrefixFold(rest, "yo") && (len(rest) == 2 || !isAlnum(rest[2]))
}

// longNumber flags NPIs and other long digit runs that nothing else claimed.
func (s *scanner) longNumber(i int, g []grp) int {
	if !ends(g, 1) || g[0].n() < 7 || g[0].n() > 20 {
		return 0
	}
	d := s.digits(g[0])
	if validNPI(d) {
		conf := 0.6
		if s.ctxBefore(i, 4, kwLic) {
			conf = 0.95
		}
		s.add(License, g[0].s, g[0].e, conf, "npi-luhn")
		return g[0].e
	}
	if j := i + 1; s.tok(j).kind == tWord && s.tok(j).kw&kwUnit != 0 {
		return 0
	}
	s.add(MRN, g[0].s, g[0].e, 0.5, "long-number")
	return g[0].e
}

// zipLoose accepts other postal codes (3 to 6 digits, "53-320", "394 13")
// after the word zip or postal.
func (s *scanner) zipLoose(i int, g []grp) int {
	if g[0].n() < 2 || g[0].n() > 6 || !s.ctxBefore(i, 3, kwZip) {
		return 0
	}
	end := g[0].e
	if len(g) > 1 && (g[1].sep == '-' || g[1].sep == ' ') && g[1].n() <= 4 && ends(g, 2) {
		end = g[1].e
	} else if !ends(g, 1) || g[0].n() < 3 {
		return 0
	}
	s.add(ZIP, g[0].s, end, 0.85, "zip-context")
	return end
}

// pagerX reports whether the digits at p follow a lone "x" ("pager x1543").
func pagerX(t []byte, p int) bool {
	return t[p-1]|0x20 == 'x' && (p < 2 || !isAlnum(t[p-2]))
}

// localNumber reports whether the NNN-NNNN at number token i stands alone
// as a seven-digit telephone number, not a range ("150-2000 units",
// "range 100-1000") or an identifier ("MRN 123-4567").
func (s *scanner) localNumber(i int) bool {
	if i == 0 || s.isPunct(i-1, '-') || s.isPunct(i-1, '#') || s.toks[i-1].kw&idContext != 0 {
		return false
	}
	if n := s.tok(i + 3); n.kind == tWord && n.kw&kwUnit != 0 {
		return false
	}
	if p := s.tok(i - 1); p.kind == tWord {
		switch string(s.lower(s.str(i - 1))) {
		case "range", "from", "between", "of", "to", "normal", "ref":
			return false
		}
	}
	return true
}
