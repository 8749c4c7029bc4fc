package dlp

// scanNames finds person names: after titles, relations, labels and
// "signed by"; and dictionary names shaped like names.
func (s *scanner) scanNames() {
	for i := 0; i < len(s.toks); i++ {
		t := s.toks[i]
		if t.kind != tWord || int(t.s) < s.nameSkip {
			continue
		}
		switch {
		case t.kw&kwTitle != 0 && s.titleName(i):
		case t.kw&kwRel != 0 && s.contextName(i, s.relStart(i), 0.85, "name-relation"):
		case t.kw&kwNameLbl != 0 && s.isPunct(i+1, ':') && s.contextName(i, i+2, 0.85, "name-label"):
		case t.kw&kwBy != 0 && s.byWord(i+1) && s.contextName(i, i+2, 0.9, "name-signed-by"):
		case t.kw&kwPt != 0 && s.contextName(i, i+1, 0.75, "name-patient"):
		default:
			s.dictName(i)
		}
	}
}

func (s *scanner) byWord(j int) bool {
	if s.tok(j).kind != tWord {
		return false
	}
	w := string(s.lower(s.str(j)))
	return w == "by" || w == "with"
}

// relStart skips "'s", "is", "named", ":" and "," after a relation word.
func (s *scanner) relStart(i int) int {
	j := i + 1
	for k := 0; k < 3; k++ {
		switch {
		case s.isPunct(j, ':') || s.isPunct(j, ',') || s.isPunct(j, '-') || s.isPunct(j, '('):
			j++
		case s.tok(j).kind == tWord && isFiller(s.lower(s.str(j))):
			j++
		default:
			return j
		}
	}
	return j
}

func isFiller(w []byte) bool {
	switch string(w) {
	case "is", "named", "was", "s":
		return true
	}
	return false
}

// titleName handles "Dr. Smith", "MRS JONES", "Ms. A. Lee".
func (s *scanner) titleName(i int) bool {
	j, dot := i+1, s.isPunct(i+1, '.')
	if dot {
		j++
	}
	if !dot && (s.uniform || s.toks[i].shape != shTitle) {
		f := s.nameFlags(j)
		if f&(nFirst|nLast) == 0 || f&(nCommon|nStop) != 0 {
			return false // MR = mitral regurgitation, MS = multiple sclerosis
		}
	}
	end, n, _ := s.nameRun(j, true)
	if n == 0 || !s.sameLine(i, j) {
		return false
	}
	s.addName(int(s.toks[j].s), end, 0.9, "name-title")
	return true
}

// contextName records a name starting at token j after a context word i.
func (s *scanner) contextName(i, j int, conf float64, det string) bool {
	for s.tok(j).kw&kwTitle != 0 && s.tok(j).kind == tWord {
		j++
		if s.isPunct(j, '.') {
			j++
		}
	}
	if s.tok(j).kind != tWord || !s.sameLine(i, j) {
		return false
	}
	f := s.nameFlags(j)
	dict := f&(nFirst|nLast) != 0 && f&nStop == 0
	shaped := !s.uniform && s.toks[j].shape == shTitle && f&nStop == 0
	if det == "name-patient" && (!dict || f&nCommon != 0 && !shaped) {
		return false
	}
	if !dict && !(shaped && det != "name-relation") {
		return false
	}
	end, n, _ := s.nameRun(j, det == "name-label")
	if n == 0 {
		return false
	}
	s.addName(int(s.toks[j].s), end, conf, det)
	return true
}

func (s *scanner) addName(start, end int, conf float64, det string) {
	s.add(Name, start, end, conf, det)
	s.nameSkip = end
}

// nameRun collects up to four name-like words from token j: words,
// initials ("J."), hyphenated and O'Brien forms. It returns the byte end,
// the number of words and the index after the run.
func (s *scanner) nameRun(j int, strong bool) (end, n, next int) {
	k := j
	for n < 4 && s.nameWord(k, strong && (k == j || !s.uniform)) && (k == j || s.closeTo(k-1, k)) {
		end, n = int(s.toks[k].e), n+1
		k++
		if s.isPunct(k, '.') && s.toks[k-1].e-s.toks[k-1].s == 1 {
			end = int(s.toks[k].e)
			k++
		}
		if (s.isPunct(k, '-') || s.isPunct(k, '\'')) && s.tok(k).s == s.toks[k-1].e &&
			s.tok(k+1).kind == tWord && s.tok(k+1).s == s.tok(k).e {
			k++
		}
	}
	return end, n, k
}

// nameWord reports whether token k can be part of a name.
func (s *scanner) nameWord(k int, strong bool) bool {
	t := s.tok(k)
	if t.kind != tWord || t.kw&(kwStop|kwUnit|kwEponym|kwFacility|kwStreet) != 0 && t.e-t.s > 1 {
		return false
	}
	if !s.uniform && t.shape == shLower {
		return false
	}
	f := s.nameFlags(k)
	if t.e-t.s == 1 {
		return isUpper(s.text[t.s])
	}
	if f&nStop != 0 {
		return false
	}
	if f&(nFirst|nLast) != 0 {
		return t.kw&^(kwRel|kwMonth|kwClinical|kwTitle|kwBy|kwDateCtx) == 0
	}
	return strong && t.kw == 0
}

// closeTo reports whether tokens a and b are separated by at most one
// space (columns and line breaks end a name).
func (s *scanner) closeTo(a, b int) bool {
	return s.toks[b].s-s.toks[a].e <= 1 && s.sameLine(a, b)
}
