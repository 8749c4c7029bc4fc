package dlp

// scanLocation runs the location detectors that start at token i.
func (s *scanner) scanLocation(i int) {
	t := &s.toks[i]
	switch {
	case t.kind == tNum:
		s.streetAddress(i)
	case t.kw&kwFacility != 0:
		s.facility(i)
	case t.kind == tPunct && s.text[t.s] == ',':
		s.cityState(i)
	}
}

// streetAddress matches "123 Main St", "4 N. Oak Avenue Apt 2".
func (s *scanner) streetAddress(i int) {
	if s.toks[i].e-s.toks[i].s > 6 {
		return
	}
	j := i + 1
	if s.tok(j).kind == tWord && s.tok(j).s == s.toks[i].e && s.toks[j].e-s.toks[j].s == 1 {
		j++ // 12B
	}
	words := 0
	for k := j; k < j+6 && s.sameLine(i, k); k++ {
		t := &s.toks[k]
		if t.kind == tPunct && s.text[t.s] == '.' {
			continue
		}
		if t.kind == tNum && words == 0 && t.e-t.s <= 3 && s.tok(k+1).kind == tWord && s.toks[k+1].s == t.e &&
			isOrdinal(s.str(k+1)) {
			k, words = k+1, words+1 // 5th Avenue
			continue
		}
		if t.kind != tWord || (!s.uniform && t.shape == shLower) || t.kw&(kwStop|kwUnit) != 0 && t.kw&kwStreet == 0 {
			return
		}
		if t.kw&kwStreet != 0 && words > 0 {
			k, end := s.streetEnd(k)
			end = s.unitAfter(k+1, end)
			s.add(Location, int(s.toks[i].s), end, 0.85, "street-address")
			s.addressLines(end)
			return
		}
		words++
	}
}

// unitAfter extends an address over "Apt 4", "Suite 210", "#3".
func (s *scanner) unitAfter(k, end int) int {
	if s.isPunct(k, '.') {
		k++
	}
	if s.isPunct(k, ',') {
		k++
	}
	t := s.tok(k)
	if t.kind == tWord {
		switch string(s.lower(s.str(k))) {
		case "apt", "apartment", "suite", "ste", "unit", "fl", "floor", "rm", "room":
			k++
			if s.isPunct(k, '.') || s.isPunct(k, '#') {
				k++
			}
		default:
			return end
		}
	} else if s.isPunct(k, '#') {
		k++
	} else {
		return end
	}
	if n := s.tok(k); n.kind == tNum && n.e-n.s <= 5 {
		return int(n.e)
	}
	return end
}

// facility matches "Mercy Hospital", "Boston Medical Center", "Oak Clinic".
func (s *scanner) facility(i int) {
	start := -1
	for k := i - 1; k >= 0 && k >= i-7 && s.sameLine(k, i); k-- {
		t := &s.toks[k]
		if t.kind == tPunct && (s.text[t.s] == '.' || s.text[t.s] == '\'' || s.text[t.s] == '&') ||
			s.possessiveS(k) || s.facilityAnd(k) {
			continue
		}
		if t.kind != tWord || t.kw&kwStop != 0 || (!s.uniform && t.shape == shLower) {
			break
		}
		if s.uniform && s.nameFlags(k)&nCommon != 0 && t.kw&kwFacility == 0 && !isFacilityWord(s.lower(s.str(k))) {
			break
		}
		start = int(t.s)
	}
	if start < 0 || (!s.uniform && s.toks[i].shape == shLower) {
		return
	}
	s.add(Location, start, int(s.toks[i].e), 0.8, "facility")
}

// possessiveS reports whether word token k is the "s" of "Anne's".
func (s *scanner) possessiveS(k int) bool {
	t := &s.toks[k]
	return t.kind == tWord && t.e-t.s == 1 && s.text[t.s]|0x20 == 's' && s.isPunct(k-1, '\'') &&
		s.toks[k-1].e == t.s
}

// facilityAnd reports whether word token k is "and" between two facility
// words: "Nursing and Rehabilitation Center".
func (s *scanner) facilityAnd(k int) bool {
	if s.toks[k].kind != tWord || !equalFold(s.str(k), "and") || s.tok(k-1).kind != tWord ||
		s.tok(k+1).kind != tWord {
		return false
	}
	return (isFacilityWord(s.lower(s.str(k-1))) || s.toks[k-1].kw&kwFacility != 0) &&
		(isFacilityWord(s.lower(s.str(k+1))) || s.toks[k+1].kw&kwFacility != 0)
}

func isFacilityWord(w []byte) bool {
	switch string(w) {
	case "medical", "general", "memorial", "university", "community", "regional", "county", "children",
		"saint", "st", "mount", "mt", "health", "care", "rehab", "nursing", "veterans", "va", "rehabilitation",
		"behavioral", "psychiatric", "cancer", "heart", "surgical", "womens", "state", "valley", "baptist",
		"methodist", "presbyterian", "lutheran", "mercy", "sacred", "good", "samaritan", "hope", "specialty":
		return true
	}
	return false
}

// cityState matches "Boston, MA" and "Springfield, Illinois" around the
// comma at token i.
func (s *scanner) cityState(i int) {
	end := s.stateAt(i + 1)
	if end == 0 || !s.sameLine(i-1, i+1) {
		return
	}
	start := -1
	for k := i - 1; k >= 0 && k >= i-3 && s.sameLine(k, i); k-- {
		t := &s.toks[k]
		if t.kind != tWord || t.kw&(kwStop|kwStreet|kwUnit) != 0 || t.shape == shLower && !s.uniform {
			break
		}
		if s.uniform && s.nameFlags(k)&nStop != 0 {
			break
		}
		start = int(t.s)
	}
	if start < 0 {
		return
	}
	conf := 0.85
	if st := string(s.str(i + 1)); st == "MD" || st == "PA" || st == "DO" {
		conf = 0.6 // also credentials: "Jane Roe, MD"
	}
	s.add(Location, start, end, conf, "city-state")
}

// stateAt returns the byte end of a state code or name at token j, or 0.
func (s *scanner) stateAt(j int) int {
	t := s.tok(j)
	if t.kind != tWord {
		return 0
	}
	b := s.str(j)
	if len(b) == 2 && t.shape == shUpper && isStateCode(b) {
		return int(t.e)
	}
	lenient := s.uniform && (len(b) == 2 || t.shape == shLower) && s.zipAfter(j)
	if len(b) == 2 && lenient && isStateCode([]byte{b[0] &^ 0x20, b[1] &^ 0x20}) {
		return int(t.e)
	}
	if s.uniform && t.shape == shLower && !lenient || t.shape == shMixed {
		return 0
	}
	f := stateWords.get(b)
	if f&stName != 0 {
		return int(t.e)
	}
	if f&stFirst == 0 {
		return 0
	}
	w := string(s.lower(b))
	if second, ok := stateSecond[w]; ok && s.tok(j+1).kind == tWord {
		n := string(s.lower(s.str(j + 1)))
		if containsWord(second, n) {
			return int(s.toks[j+1].e)
		}
	}
	return 0
}

// zipAfter reports whether a five-digit number follows word token j or
// the word after it, on the same line ("ri 04971", "new hampshire 03293").
func (s *scanner) zipAfter(j int) bool {
	for k := j + 1; k <= j+2; k++ {
		t := s.tok(k)
		if t.kind == tNum {
			return t.e-t.s == 5 && s.sameLine(j, k)
		}
		if t.kind != tWord {
			return false
		}
	}
	return false
}

// stateEndsAt reports whether a state name ends at word token j.
func (s *scanner) stateEndsAt(j int) int {
	if e := s.stateAt(j); e > 0 {
		return e
	}
	return s.stateAt(j - 1)
}

func containsWord(list, w string) bool {
	for len(list) > 0 {
		k := 0
		for k < len(list) && list[k] != ' ' {
			k++
		}
		if list[:k] == w {
			return true
		}
		if k == len(list) {
			break
		}
		list = list[k+1:]
	}
	return false
}
