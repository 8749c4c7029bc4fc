package sigma

import (
	"slices"
	"strings"
)

// automaton is an Aho-Corasick matcher compiled to a DFA over byte classes
// (bytes that occur in no pattern share one class), so one table lookup per
// input byte finds every pattern occurrence.
type automaton struct {
	class  [256]uint8
	nclass int
	// delta maps state*nclass + class to the next state, premultiplied by
	// nclass (so the next lookup needs no multiplication) and stored as
	// its bitwise complement (negative) when that state has outputs: the
	// scan loop reads one table per byte and tests the sign.
	delta    []int32
	outStart []int32 // outputs of state s: outs[outStart[s]:outStart[s+1]]
	outs     []int32
}

// newAutomaton builds the matcher for patterns (already lower-cased, at
// most 255 distinct bytes); pattern i is reported as i. Matching ignores
// ASCII case; text with other bytes must be lower-cased by the caller.
func newAutomaton(patterns []string) *automaton {
	patterns = slices.Clone(patterns)
	for i, p := range patterns {
		patterns[i] = strings.ReplaceAll(p, "\u017f", "s") // as foldText does
	}
	a := &automaton{}
	a.buildClasses(patterns)
	goTo, fail, out := a.buildTrie(patterns)
	a.buildDFA(goTo, fail, out)
	return a
}

func (a *automaton) buildClasses(patterns []string) {
	var used [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			used[p[i]] = true
		}
	}
	a.nclass = 1 // class 0: bytes in no pattern
	for b := range 256 {
		if used[b] {
			a.class[b] = uint8(a.nclass)
			a.nclass++
		}
	}
	// ASCII upper case shares the class of lower case, so raw text can be
	// scanned for lower-cased patterns without lower-casing it first.
	for b := 'A'; b <= 'Z'; b++ {
		a.class[b] = a.class[b+'a'-'A']
	}
}

// buildTrie returns the trie's goto function (per state, class → state or
// -1), failure links and pattern outputs (with failure outputs merged).
func (a *automaton) buildTrie(patterns []string) ([][]int32, []int32, [][]int32) {
	newState := func() []int32 {
		s := make([]int32, a.nclass)
		for i := range s {
			s[i] = -1
		}
		return s
	}
	goTo := [][]int32{newState()}
	out := [][]int32{nil}
	for id, p := range patterns {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			if goTo[s][c] < 0 {
				goTo[s][c] = int32(len(goTo))
				goTo = append(goTo, newState())
				out = append(out, nil)
			}
			s = goTo[s][c]
		}
		out[s] = append(out[s], int32(id))
	}
	fail := make([]int32, len(goTo))
	queue := make([]int32, 0, len(goTo))
	for c := 0; c < a.nclass; c++ {
		if t := goTo[0][c]; t > 0 {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for c := 0; c < a.nclass; c++ {
			t := goTo[s][c]
			if t < 0 {
				continue
			}
			f := fail[s]
			for f > 0 && goTo[f][c] < 0 {
				f = fail[f]
			}
			if g := goTo[f][c]; g >= 0 && g != t {
				fail[t] = g
			}
			out[t] = append(out[t], out[fail[t]]...)
			queue = append(queue, t)
		}
	}
	return goTo, fail, out
}

// buildDFA fills the full transition table in breadth-first order, so a
// state's failure target is complete before the state itself.
func (a *automaton) buildDFA(goTo [][]int32, fail []int32, out [][]int32) {
	n := len(goTo)
	a.delta = make([]int32, n*a.nclass)
	order := make([]int32, 0, n)
	order = append(order, 0)
	seen := make([]bool, n)
	seen[0] = true
	for i := 0; i < len(order); i++ {
		s := order[i]
		for c := 0; c < a.nclass; c++ {
			t := goTo[s][c]
			switch {
			case t >= 0:
				a.delta[int(s)*a.nclass+c] = t
				if !seen[t] {
					seen[t] = true
					order = append(order, t)
				}
			case s == 0:
				a.delta[c] = 0
			default:
				a.delta[int(s)*a.nclass+c] = a.delta[int(fail[s])*a.nclass+c]
			}
		}
	}
	a.outStart = make([]int32, n+1)
	for s := range n {
		a.outStart[s+1] = a.outStart[s] + int32(len(out[s]))
		a.outs = append(a.outs, out[s]...)
	}
	for i, t := range a.delta {
		a.delta[i] = t * int32(a.nclass)
		if len(out[t]) > 0 {
			a.delta[i] = ^a.delta[i]
		}
	}
}

// scan sets the bit of every pattern occurring in text, ignoring ASCII
// case (text with other bytes is lower-cased first). It starts from the
// root state, so patterns never span two scanned texts.
func (a *automaton) scan(text string, bits []uint64) {
	s := int32(0)
	delta, class := a.delta, &a.class
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 0x80 {
			a.scanFolded(foldText(text), bits)
			return
		}
		s = delta[s+int32(class[c])]
		if s < 0 {
			s = ^s
			a.hit(s, bits)
		}
	}
}

func (a *automaton) scanFolded(text string, bits []uint64) {
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = a.delta[s+int32(a.class[text[i]])]
		if s < 0 {
			s = ^s
			a.hit(s, bits)
		}
	}
}

// hit sets the bits of the outputs of the state at premultiplied index s.
func (a *automaton) hit(s int32, bits []uint64) {
	st := s / int32(a.nclass)
	for _, id := range a.outs[a.outStart[st]:a.outStart[st+1]] {
		bits[id>>6] |= 1 << (uint(id) & 63)
	}
}

// foldText lower-cases text for scanning and maps the long s, which
// case-folds to ASCII s but does not lower-case to it, so that a
// case-insensitive regular expression's literal is found too (the Kelvin
// sign lower-cases to k already).
func foldText(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "\u017f", "s")
}
