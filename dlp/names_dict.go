package dlp

// dictName scores a run of dictionary names starting at word token i.
func (s *scanner) dictName(i int) {
	if !s.nameShaped(i) {
		return
	}
	f := s.nameFlags(i)
	if f&(nFirst|nLast) == 0 || f&nStop != 0 {
		return
	}
	end, n, next := s.nameRun(i, false)
	if n == 0 || s.eponymAfter(next) {
		return
	}
	if e, k := s.unknownAfter(next); k > next {
		end, n, next = e, n+k-next, k // "Jarmila Fiedlerová"
		f |= nFirst
	}
	last := s.nameFlags(next - 1)
	if s.isPunct(next-1, '.') {
		last = 0
	}
	common, plain := s.runCommon(i, next)
	conf := s.dictConf(i, n, f, last, common, plain)
	if n == 1 {
		if e, c := s.lastFirst(i); e > 0 {
			end, conf = e, c
		}
	}
	start := s.initialBefore(i)
	if start < int(s.toks[i].s) && !s.uniform {
		conf = max(conf, 0.7) // "J. Whitfield"
	}
	s.addName(start, end, conf, "name-dictionary")
}

// initialBefore returns where a name starting at word i begins when an
// initial comes first ("J. Smith"); otherwise the start of word i.
func (s *scanner) initialBefore(i int) int {
	start := int(s.toks[i].s)
	if s.uniform || i < 2 || !s.isPunct(i-1, '.') || !s.closeTo(i-1, i) {
		return start
	}
	t := &s.toks[i-2]
	if t.kind != tWord || t.e-t.s != 1 || !isUpper(s.text[t.s]) || t.e != s.toks[i-1].s || int(t.s) < s.nameSkip {
		return start
	}
	if t.s > 0 && (isAlnum(s.text[t.s-1]) || s.text[t.s-1] == '.') {
		return start // U.S. Smith, e.g.
	}
	return int(t.s)
}

func (s *scanner) nameShaped(i int) bool {
	t := &s.toks[i]
	if s.uniform {
		return t.e-t.s >= 2
	}
	return t.shape == shTitle || (t.shape == shUpper && t.e-t.s >= 2)
}

// runCommon counts the words of the run [i, next) that are English words,
// and those that are not.
func (s *scanner) runCommon(i, next int) (common, plain int) {
	for k := i; k < next; k++ {
		if s.toks[k].kind != tWord || s.toks[k].e-s.toks[k].s < 2 {
			continue
		}
		if s.nameFlags(k)&nCommon != 0 {
			common++
		} else {
			plain++
		}
	}
	return common, plain
}

func (s *scanner) dictConf(i, n int, first, last uint8, common, plain int) float64 {
	upper := s.toks[i].shape == shUpper && !s.uniform
	switch {
	case s.uniform && n >= 2 && first&nFirst != 0 && last&nLast != 0 && common == 0:
		return 0.65
	case s.uniform:
		return 0.3
	case n >= 2 && common == 0 && !upper:
		return 0.85
	case n >= 2 && plain > 0 && !upper:
		return 0.7
	case n >= 2 && !upper && first&nFirst != 0 && last&nLast != 0 && !s.sentenceStart(i):
		return 0.7
	case n >= 2 && common == 0:
		return 0.6
	case n >= 2:
		return 0.45
	case upper || common > 0:
		return 0.3
	case s.sentenceStart(i):
		return 0.4
	case first&nCensus != 0 || first&(nFirst|nLast) == nFirst|nLast:
		return 0.65
	}
	return 0.55
}

// lastFirst extends "Smith, John" to cover both names.
func (s *scanner) lastFirst(i int) (int, float64) {
	if s.uniform || !s.isPunct(i+1, ',') || s.tok(i+2).kind != tWord || !s.sameLine(i, i+2) {
		return 0, 0
	}
	f := s.nameFlags(i + 2)
	if f&nFirst == 0 || f&(nStop|nCommon) != 0 || s.toks[i+2].shape != s.toks[i].shape {
		return 0, 0
	}
	end, _, _ := s.nameRun(i+2, false)
	return end, 0.8
}

// eponymAfter reports whether "disease", "'s disease", "sign" follows.
func (s *scanner) eponymAfter(k int) bool {
	if s.isPunct(k, '\'') {
		k++
		if s.tok(k).kind == tWord && s.toks[k].e-s.toks[k].s == 1 {
			k++
		}
	}
	return s.tok(k).kind == tWord && s.toks[k].kw&kwEponym != 0
}

// sentenceStart reports whether word i opens a sentence or a line.
func (s *scanner) sentenceStart(i int) bool {
	p := s.tok(i - 1)
	if p.kind == 0 || !s.sameLine(i-1, i) {
		return true
	}
	if p.kind == tPunct {
		switch s.text[p.s] {
		case '.', '!', '?', ':', ';', '-', '*', '(', '"':
			return true
		}
	}
	return false
}
