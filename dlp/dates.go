package dlp

// notDateBefore lists words after which "5/10" is a score, not a date.
var notDateBefore = toSet("pain strength power score reflexes murmur grade gcs apgar rated motor " +
	"scale ratio bp sbp dbp vision acuity dose x times")

// dateDigits matches numeric dates: 2019-07-22, 07/22/2019, 7/22/19, 07/2019, 7/22.
func (s *scanner) dateDigits(i int, g []grp) int {
	switch {
	case len(g) >= 3 && ends(g, 3) && g[1].sep == g[2].sep && isDateSep(g[1].sep):
		return s.dateThree(g)
	case len(g) >= 2 && ends(g, 2) && (g[1].sep == '/' || g[1].sep == '-'):
		return s.dateTwo(i, g)
	}
	return 0
}

func isDateSep(c byte) bool { return c == '/' || c == '-' || c == '.' }

func (s *scanner) dateThree(g []grp) int {
	a, b, c := atoi(s.digits(g[0])), atoi(s.digits(g[1])), atoi(s.digits(g[2]))
	conf := 0.9
	if g[1].sep == '.' {
		conf = 0.8
	}
	switch {
	case g[0].n() == 4 && g[1].n() <= 2 && g[2].n() <= 2 && validYear(a) && validMD(b, c):
	case g[0].n() <= 2 && g[1].n() <= 2 && (g[2].n() == 2 || (g[2].n() == 4 && validYear(c))) &&
		(validMD(a, b) || validMD(b, a)):
		if g[2].n() == 2 && g[1].sep == '.' {
			conf = 0.6
		}
	default:
		return 0
	}
	s.add(Date, g[0].s, g[2].e, conf, "date-numeric")
	return g[2].e
}

func (s *scanner) dateTwo(i int, g []grp) int {
	a, b := atoi(s.digits(g[0])), atoi(s.digits(g[1]))
	if g[0].n() <= 2 && g[1].n() == 4 && a >= 1 && a <= 12 && validYear(b) {
		s.add(Date, g[0].s, g[1].e, 0.8, "date-month-year")
		return g[1].e
	}
	if g[1].sep != '/' || g[0].n() > 2 || g[1].n() > 2 || !validMD(a, b) {
		return 0
	}
	if j := i - 1; s.tok(j).kind == tWord && notDateBefore[string(s.lower(s.str(j)))] {
		return 0
	}
	if n := s.tok(i + 3); n.kind == tWord && n.kw&kwUnit != 0 {
		return 0 // 1/2 tab
	}
	conf := 0.55
	if s.ctxBefore(i, 2, kwDateCtx) {
		conf = 0.75
	}
	if b == 10 || (a < b && (b == 2 || b == 3 || b == 4 || b == 8)) {
		conf -= 0.2 // looks like a score or a fraction
	}
	s.add(Date, g[0].s, g[1].e, conf, "date-month-day")
	return g[1].e
}

func validYear(y int) bool { return y >= 1900 && y <= 2099 }
func validMD(m, d int) bool {
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// monthDate matches dates around a month name at word token i: "Jan 3rd",
// "January 3, 2019", "3 January 2019", "3-Jan-2019", "January 2019".
func (s *scanner) monthDate(i int) {
	m := &s.toks[i]
	if !s.uniform && m.shape == shLower && m.e-m.s <= 3 {
		return // "may", "mar" in mixed-case text are words
	}
	s.monthMaybe(i)
}

func (s *scanner) monthMaybe(i int) bool {
	start, end := int(s.toks[i].s), int(s.toks[i].e)
	j := i + 1
	if s.isPunct(j, '.') {
		j++
	}
	if s.isPunct(j, '-') || s.isPunct(j, '/') {
		j++
	}
	conf, ok := 0.0, false
	if d, e := s.dayAt(j); d > 0 && s.sameLine(i, j) {
		end, conf, ok = e, 0.85, true
		if k := s.afterComma(s.tokenAt(e)); k >= 0 && s.yearTok(k) && s.sameLine(i, k) {
			end = int(s.toks[k].e)
		}
	} else if s.yearTok(j) && s.sameLine(i, j) {
		end, conf, ok = int(s.toks[j].e), 0.85, true
	}
	if bs := s.dayBefore(i); bs >= 0 {
		start, ok, conf = bs, true, max(conf, 0.85)
	}
	if !ok {
		return false
	}
	if isMay(s.str(i)) && conf < 0.9 && !s.yearTok(j) && s.tok(j+2).kw&kwUnit != 0 {
		return false // "may 2 tabs"
	}
	s.add(Date, start, end, conf, "date-month-name")
	return true
}

func isMay(b []byte) bool {
	return len(b) == 3 && b[0]|0x20 == 'm' && b[1]|0x20 == 'a' && b[2]|0x20 == 'y'
}

// dayAt reads a day of the month at token j ("3", "3rd", "22nd") and
// returns it with the byte offset after it.
func (s *scanner) dayAt(j int) (int, int) {
	t := s.tok(j)
	if t.kind != tNum || t.e-t.s > 2 {
		return 0, 0
	}
	d := atoi(s.str(j))
	if d < 1 || d > 31 {
		return 0, 0
	}
	end := int(t.e)
	if n := s.tok(j + 1); n.kind == tWord && n.s == t.e && isOrdinal(s.str(j+1)) {
		end = int(n.e)
	} else if n.kind == tWord && n.s == t.e {
		return 0, 0 // 3mg
	} else if n.kind == tPunct && n.s == t.e && (s.text[n.s] == ':' || s.text[n.s] == '/') {
		return 0, 0
	}
	return d, end
}

func isOrdinal(b []byte) bool {
	if len(b) != 2 {
		return false
	}
	switch string([]byte{b[0] | 0x20, b[1] | 0x20}) {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// dayBefore matches "3 January", "3rd of January", "3-Jan" before month i.
func (s *scanner) dayBefore(i int) int {
	j := i - 1
	if s.isPunct(j, '-') || s.tok(j).kind == tWord && string(s.lower(s.str(j))) == "of" {
		j--
	}
	if s.tok(j).kind == tWord && isOrdinal(s.str(j)) {
		j--
	}
	if s.tok(j).kind != tNum || !s.sameLine(j, i) {
		return -1
	}
	if d, _ := s.dayAt(j); d == 0 {
		return -1
	}
	if p := int(s.toks[j].s); p > 0 && (isDigit(s.text[p-1]) || s.text[p-1] == '.' || s.text[p-1] == '/') {
		return -1
	}
	return int(s.toks[j].s)
}

func (s *scanner) afterComma(k int) int {
	if k < 0 {
		return -1
	}
	if s.isPunct(k, ',') {
		return k + 1
	}
	return k
}

func (s *scanner) yearTok(j int) bool {
	t := s.tok(j)
	if t.kind != tNum {
		return false
	}
	if t.e-t.s == 4 {
		return validYear(atoi(s.str(j)))
	}
	return t.e-t.s == 2 && t.s > 0 && s.text[t.s-1] == '\''
}

// shortYear matches "'92" after a clinical term or preposition: MI '92.
func (s *scanner) shortYear(i int) {
	if !s.isPunct(i, '\'') {
		return
	}
	n := s.tok(i + 1)
	if n.kind != tNum || n.s != s.toks[i].e || n.e-n.s != 2 {
		return
	}
	if int(n.e) < len(s.text) && isAlnum(s.text[n.e]) && s.text[n.e] != 's' {
		return
	}
	p := s.tok(i - 1)
	if p.kind == 0 || p.e == s.toks[i].s {
		return // O'92 or start of text
	}
	conf := 0.6
	if p.kw&(kwClinical|kwDateCtx|kwMonth) != 0 {
		conf = 0.8
	}
	s.add(Date, int(s.toks[i].s), int(n.e), conf, "date-short-year")
}
