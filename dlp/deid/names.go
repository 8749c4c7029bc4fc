package deid

import (
	"strings"
)

// Role is a name part's role, which picks the list its surrogate comes
// from.
type Role int

// Roles.
const (
	Family Role = iota
	Given
)

// givenNames and familyNames are the surrogate names: a small built-in
// list, so surrogates never depend on which dictionaries are installed.
var (
	givenNames = []string{"Avery", "Blair", "Carmen", "Dara", "Emery", "Finley", "Greer", "Harper",
		"Indra", "Jules", "Kai", "Lane", "Marlo", "Noor", "Oakley", "Paz", "Quinn", "Reese", "Sage",
		"Tatum", "Uma", "Vesper", "Wren", "Xan", "Yael", "Zuri", "Arden", "Bellamy", "Cyrus", "Darcy",
		"Ellis", "Farrah"}
	familyNames = []string{"Ashgrove", "Bellweather", "Calloway", "Dunmore", "Everhart", "Fairbanks",
		"Galloway", "Hawthorne", "Ingersoll", "Jessup", "Kettering", "Lockhart", "Merriweather",
		"Northcott", "Oakhurst", "Pemberton", "Quenby", "Ravensworth", "Sutcliffe", "Thornbury",
		"Underhill", "Vandermeer", "Whitlock", "Yardley", "Zellweger", "Abernathy", "Blackwood",
		"Crenshaw", "Delacroix", "Ellsworth", "Fennimore", "Greenleaf"}
)

// NameWord is the surrogate of one name word in a role, in its case style:
// "SMITH" becomes "HAWTHORNE", "smith" "hawthorne". A single letter (an
// initial) maps to a keyed letter.
func (s *Surrogates) NameWord(word string, role Role) string {
	core := strings.TrimRight(word, ".")
	if core == "" {
		return word
	}
	dot := word[len(core):]
	key := strings.ToLower(core)
	r := s.stream("name", string(rune('0'+role))+key)
	if len([]rune(core)) == 1 {
		return matchCase(core, string(rune('A'+r.intn(26)))) + dot
	}
	list := familyNames
	if role == Given {
		list = givenNames
	}
	return matchCase(core, list[r.intn(len(list))]) + dot
}

// Name replaces a person's name in free text, keeping its shape: "Last,
// First M." keeps the comma, the family name before it and given names
// after; "First M. Last" has the family name last; one word is taken as a
// family name ("Dr. Smith"). Hyphenated parts map part by part.
func (s *Surrogates) Name(value string) string {
	words, seps := splitName(value)
	if len(words) == 0 {
		return value
	}
	comma := strings.Contains(value, ",")
	out := make([]string, len(words))
	for i, w := range words {
		role := Given
		switch {
		case comma && i == 0, !comma && i == len(words)-1:
			role = Family
		}
		out[i] = s.hyphenated(w, role)
	}
	var b strings.Builder
	for i := range out {
		b.WriteString(seps[i])
		b.WriteString(out[i])
	}
	b.WriteString(seps[len(out)])
	return b.String()
}

func (s *Surrogates) hyphenated(w string, role Role) string {
	parts := strings.Split(w, "-")
	for i, p := range parts {
		parts[i] = s.NameWord(p, role)
	}
	return strings.Join(parts, "-")
}

// splitName cuts v into words and the separators around them:
// seps[0] before words[0], seps[i] between words[i-1] and words[i], and a
// last separator after the last word.
func splitName(v string) (words, seps []string) {
	isSep := func(c byte) bool { return c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '^' }
	i := 0
	for {
		j := i
		for j < len(v) && isSep(v[j]) {
			j++
		}
		seps = append(seps, v[i:j])
		if j >= len(v) {
			return words, seps
		}
		k := j
		for k < len(v) && !isSep(v[k]) {
			k++
		}
		words = append(words, v[j:k])
		i = k
	}
}
