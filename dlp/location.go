package dlp

// scanLocation runs the location detectors that start at token i.
func (s *scanner) scanLocation(i int) {
	t := s.toks[i]
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
	for k := j; k < j+5 && s.sameLine(i, k); k++ {
		t := s.tok(k)
		if t.kind == tPunct && s.text[t.s] == '.' {
			continue
		}
		if t.kind != tWord || (!s.uniform && t.shape == shLower) || t.kw&(kwStop|kwUnit) != 0 && t.kw&kwStreet == 0 {
			return
		}
		if t.kw&kwStreet != 0 && words > 0 {
			end := int(t.e)
			if s.isPunct(k+1, '.') {
				end++
			}
			s.add(Location, int(s.toks[i].s), s.unitAfter(k+1, end), 0.85, "street-address")
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
	for k := i - 1; k >= 0 && k >= i-4 && s.sameLine(k, i); k-- {
		t := s.toks[k]
		if t.kind == tPunct && (s.text[t.s] == '.' || s.text[t.s] == '\'' || s.text[t.s] == '&') {
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

func isFacilityWord(w []byte) bool {
	switch string(w) {
	case "medical", "general", "memorial", "university", "community", "regional", "county", "children",
		"saint", "st", "mount", "mt", "health", "care", "rehab", "nursing", "veterans", "va":
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
		t := s.toks[k]
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
	if len(b) == 2 && t.shape == shUpper && stateCodes[string(b)] {
		return int(t.e)
	}
	if s.uniform && t.shape == shLower || t.shape == shMixed {
		return 0
	}
	w := string(s.lower(b))
	if stateNames[w] {
		return int(t.e)
	}
	if second, ok := stateSecond[w]; ok && s.tok(j+1).kind == tWord {
		n := string(s.lower(s.str(j + 1)))
		if containsWord(second, n) {
			return int(s.toks[j+1].e)
		}
	}
	return 0
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
