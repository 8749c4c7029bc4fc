package sigma

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestAutomatonAgreesWithContains checks the compiled automaton (its
// premultiplied, output-flagged transitions) against strings.Contains on
// folded text: every pattern found, none invented.
func TestAutomatonAgreesWithContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", "b", "c", ":", `\`, "A", "B", "é", "ſ", " "}
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for round := range 200 {
		var pats []string
		for range 1 + rng.IntN(40) {
			pats = append(pats, lowerString(word(1+rng.IntN(5))))
		}
		a := newAutomaton(pats)
		for range 20 {
			text := word(rng.IntN(60))
			bits := make([]uint64, (len(pats)+63)/64)
			a.scan(text, bits)
			for i, p := range pats {
				want := strings.Contains(foldText(text), strings.ReplaceAll(p, "\u017f", "s"))
				if got := bits[i>>6]&(1<<(uint(i)&63)) != 0; got != want {
					t.Fatalf("round %d: pattern %q in %q: automaton %v, Contains %v", round, p, text, got, want)
				}
			}
		}
	}
}
