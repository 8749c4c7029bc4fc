package dlp

// scanNames finds person names: after titles, relations, labels and
// "signed by"; and dictionary names shaped like names.
func (s *scanner) scanNames() {
	s.caps = s.caps[:0]
	for i := 0; i < len(s.toks); i++ {
		t := &s.toks[i]
		if t.kind != tWord || int(t.s) < s.nameSkip {
			continue
		}
		if t.kw == 0 && t.shape == shLower && !s.uniform && t.e-t.s > 1 {
			continue // no context word, and lower case: not a name here
		}
		if t.kw == 0 && t.shape != shLower && t.e-t.s >= 3 {
			s.caps = append(s.caps, int32(i)) // for repeatNames
		}
		if t.kw == 0 && t.e-t.s > 1 && (s.uniform || t.shape != shTitle) && !s.ungated {
			s.dictName(i) // the switch's other cases need a keyword, one letter or a title-case word
			continue
		}
		switch {
		case t.kw&kwTitle != 0 && s.titleName(i):
		case t.kw&kwRel != 0 && s.contextName(i, s.relStart(i), 0.85, "name-relation"):
		case t.kw&kwNameLbl != 0 && s.isPunct(i+1, ':') && s.contextName(i, i+2, 0.85, "name-label"):
		case t.kw&kwBy != 0 && s.byWord(i+1) && s.contextName(i, i+2, 0.9, "name-signed-by"):
		case t.kw&kwPt != 0 && s.contextName(i, i+1, 0.75, "name-patient"):
		case s.discussedWith(i) && s.contextName(i, i+1, 0.85, "name-signed-by"):
		case t.kw&(kwNameCue|kwNameLbl) != 0 && s.nameCue(i):
		case s.speakerName(i):
		case s.personVerbName(i):
		default:
			s.dictName(i)
		}
	}
	s.repeatNames()
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
	if s.isPunct(j, ':') {
		j++ // "Dictated by: ..."
	}
	if s.tok(j).kind != tWord || !s.sameLine(i, j) {
		return false
	}
	f := s.nameFlags(j)
	dict := f&(nFirst|nLast) != 0 && f&nStop == 0
	strong := det == "name-label"
	if !dict && det != "name-relation" && det != "name-patient" && s.toks[j].kw == 0 && s.dictNext(j) {
		dict, strong = true, true // "discussed with XIAOLING LONG": the surname vouches
	}
	shaped := !s.uniform && s.toks[j].shape == shTitle && f&nStop == 0
	if det == "name-patient" && (!dict || f&nCommon != 0 && !shaped) {
		return false
	}
	if !dict && !(shaped && det != "name-relation") {
		return false
	}
	end, n, next := s.nameRun(j, strong)
	if n == 0 {
		return false
	}
	if e := s.firstAfterComma(next); e > 0 && det != "name-relation" {
		end = e // "NAME: SCHWARTZ, NNAMDI T."
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

// nameKW are the keyword flags that a dictionary name may also carry.
const nameKW = kwRel | kwMonth | kwClinical | kwTitle | kwBy | kwDateCtx

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
		return t.kw&^nameKW == 0
	}
	return strong && t.kw == 0
}

// closeTo reports whether tokens a and b are separated by at most one
// space (columns and line breaks end a name).
func (s *scanner) closeTo(a, b int) bool {
	return s.toks[b].s-s.toks[a].e <= 1 && s.sameLine(a, b)
}

// discussedWith reports whether word token i is the "w" of "d/w".
func (s *scanner) discussedWith(i int) bool {
	t := &s.toks[i]
	return t.e-t.s == 1 && s.text[t.s]|0x20 == 'w' && s.isPunct(i-1, '/') && s.tok(i-2).kind == tWord &&
		equalFold(s.str(i-2), "d") && s.toks[i-1].s == s.toks[i-2].e && t.s == s.toks[i-1].e
}

// dictNext reports whether word j+1 is a dictionary name right after j.
func (s *scanner) dictNext(j int) bool {
	if s.tok(j+1).kind != tWord || !s.closeTo(j, j+1) {
		return false
	}
	f := s.nameFlags(j + 1)
	return f&(nFirst|nLast) != 0 && f&nStop == 0 && s.toks[j+1].kw&^nameKW == 0
}

// firstAfterComma matches ", First [M.]" after a surname that a context
// word introduced; it returns the byte end, or 0.
func (s *scanner) firstAfterComma(k int) int {
	if !s.isPunct(k, ',') || s.tok(k+1).kind != tWord || !s.sameLine(k, k+1) || !s.closeTo(k, k+1) {
		return 0
	}
	t := &s.toks[k+1]
	if t.kw != 0 || t.e-t.s < 2 || !s.uniform && t.shape == shLower || s.nameFlags(k+1)&nStop != 0 {
		return 0
	}
	if isCredential(s.str(k + 1)) {
		return 0
	}
	end, n, _ := s.nameRun(k+1, true)
	if n == 0 {
		return 0
	}
	return end
}

// isCredential reports whether w is a clinical degree written after a name.
func isCredential(w []byte) bool {
	for _, c := range []string{"md", "do", "np", "rn", "pa", "phd", "dds", "dmd", "pharmd", "crnp", "lpn", "msw", "lcsw", "mph", "facp", "facs", "pac", "cnm", "dpm", "od", "aprn", "fnp", "ms", "bsn"} {
		if equalFold(w, c) {
			return true
		}
	}
	return false
}
