package dlp

// phoneLoose matches telephone numbers in the forms used outside the
// North American plan, and NANP numbers with odd grouping: "+44 20 7946
// 0958", "+46 (0)8 928 571 38", "0490 75 40 81", "03.93.92.16.85",
// "001-518-640-0854", "467 3395". A leading "+" or "00" is strong enough
// alone; otherwise a telephone keyword must come before the number, or the
// number must be the French/Belgian five pairs of digits.
func (s *scanner) phoneLoose(i int) int {
	t := s.text
	start := int(s.toks[i].s)
	end, digits, groups, pairs := phoneRun(t, start)
	if digits < 7 || digits > 15 {
		return 0
	}
	typ, ctx := s.phoneType(i)
	plus := start > 0 && t[start-1] == '+'
	if ctx && s.ctxBefore(i, 5, idContext|kwZip) {
		ctx = false // "licence number 123 456 789", "card number": not a telephone
	}
	if groups < 2 && !(ctx && digits <= 12) {
		return 0
	}
	if end < len(t) && (isAlnum(t[end]) || t[end] == '/') {
		return 0
	}
	conf := 0.0
	switch {
	case plus && digits >= 8:
		conf, start = 0.9, start-1
	case groups >= 3 && t[start] == '0' && t[start+1] == '0' && digits >= 10:
		conf = 0.85 // 00 or 001 international prefix
	case ctx:
		conf = 0.8
	case pairs == 5 && digits == 10 && t[start] == '0':
		conf = 0.7
	default:
		return 0
	}
	if !plus && start > 0 && t[start-1] == '(' {
		start--
	}
	return s.addPhone(typ, start, end, conf)
}

// phoneRun reads digits joined by single separators (space, hyphen, dot,
// parentheses) from p; it returns the end of the last digit, the number of
// digits and of digit groups, and how many groups have exactly two digits.
func phoneRun(t []byte, p int) (end, digits, groups, pairs int) {
	end = p
	for q := p; q < len(t) && digits <= 15; {
		d := q
		for d < len(t) && isDigit(t[d]) {
			d++
		}
		if d == q {
			break
		}
		digits += d - q
		groups++
		if d-q == 2 {
			pairs++
		}
		end = d
		q = skipPhoneSep(t, d)
		if q == d {
			break
		}
	}
	return end, digits, groups, pairs
}

// skipPhoneSep returns the offset after the separator at p ("-", ".", " ",
// "(", ")", ") ", " (", "(0)"), or p when none is there or no digit follows.
func skipPhoneSep(t []byte, p int) int {
	q := p
	for n := 0; q < len(t) && n < 2; n++ {
		c := t[q]
		if c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' {
			break
		}
		q++
	}
	if q == p || q >= len(t) || !isDigit(t[q]) || q-p == 2 && t[p] == t[p+1] {
		return p
	}
	return q
}

// phoneContext reports whether a telephone keyword comes before token i on
// its line, or ends the line before it as a label ("Phone:\n467 3395").
func (s *scanner) phoneContext(i int, f kwFlag) bool {
	if s.ctxBefore(i, 5, f) {
		return true
	}
	j := i - 1
	if j < 1 || s.toks[j].line == s.toks[i].line || !s.isPunct(j, ':') {
		return false
	}
	return s.tok(j-1).kw&f != 0 && s.sameLine(j-1, j)
}
