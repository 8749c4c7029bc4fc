package sigma

import (
	"regexp/syntax"
	"slices"
)

// need is a necessary condition for a node to match: at least one of lits
// (lower-cased) occurs in one of fields' lower-cased values (or, with kw,
// in any value of the event). none means no such literal condition is
// known: the rule is always evaluated.
type need struct {
	none   bool
	lits   []string
	fields []string
	kw     bool
}

var noNeed = need{none: true}

// minLiteral is the shortest literal worth prefiltering on; shorter ones
// would select nearly every event.
const minLiteral = 3

// score ranks needs: longer shortest literal first, then fewer
// alternatives.
func (n need) score() int {
	if n.none {
		return -1 << 30
	}
	m := 1 << 20
	for _, l := range n.lits {
		m = min(m, len(l))
	}
	return min(m, 8)*100000 - len(n.lits)
}

// needOf computes the literal condition of a bound node tree.
func needOf(n node) need {
	switch t := n.(type) {
	case *andNode:
		best := noNeed
		for _, k := range t.kids {
			if kn := needOf(k); kn.score() > best.score() {
				best = kn
			}
		}
		return best
	case *orNode:
		return needOfOr(t.kids)
	case *fieldNode:
		if t.null {
			return noNeed
		}
		return valuesNeed(t.vals, t.all, []string{t.field}, false)
	case *keywordNode:
		return valuesNeed(t.vals, t.all, nil, true)
	}
	return noNeed // not, exists, fieldref, constants
}

func needOfOr(kids []node) need {
	var out need
	for _, k := range kids {
		kn := needOf(k)
		if kn.none {
			return noNeed
		}
		out.lits = append(out.lits, kn.lits...)
		out.fields = append(out.fields, kn.fields...)
		out.kw = out.kw || kn.kw
	}
	if len(kids) == 0 {
		return noNeed
	}
	return out
}

// valuesNeed: with any-of semantics every value needs a literal; with
// all-of, the best single value's literals suffice.
func valuesNeed(vals []valueMatch, all bool, fields []string, kw bool) need {
	if all {
		best := noNeed
		for i := range vals {
			if n := valueNeed(&vals[i]); n.score() > best.score() {
				best = n
			}
		}
		if best.none {
			return noNeed
		}
		return need{lits: best.lits, fields: fields, kw: kw}
	}
	out := need{fields: fields, kw: kw}
	for i := range vals {
		n := valueNeed(&vals[i])
		if n.none {
			return noNeed
		}
		out.lits = append(out.lits, n.lits...)
	}
	if len(out.lits) == 0 {
		return noNeed
	}
	return out
}

// valueNeed is the literal text (lower case) a value match requires.
func valueNeed(m *valueMatch) need {
	lit := ""
	switch m.kind {
	case mExact, mPrefix, mSuffix, mContains:
		lit = lowerString(m.s)
	case mGlob:
		for _, s := range m.segs {
			if len(s) > len(lit) {
				lit = s
			}
		}
		lit = lowerString(lit)
	case mRegex:
		re, err := syntax.Parse(m.re.String(), syntax.Perl)
		if err != nil {
			return noNeed
		}
		return regexNeed(re.Simplify())
	}
	if len(lit) < minLiteral {
		return noNeed
	}
	return need{lits: []string{lit}}
}

// exactNeed computes, per field, the lower-cased values one of which the
// field must equal for the node to match (e.g. EventID ∈ {4624, 4625}).
func exactNeed(n node) map[string][]string {
	switch t := n.(type) {
	case *andNode:
		out := map[string][]string{}
		for _, k := range t.kids {
			for f, vs := range exactNeed(k) {
				if _, ok := out[f]; !ok || len(vs) < len(out[f]) {
					out[f] = vs
				}
			}
		}
		return out
	case *orNode:
		return exactNeedOr(t.kids)
	case *fieldNode:
		return fieldExact(t)
	}
	return nil
}

func exactNeedOr(kids []node) map[string][]string {
	if len(kids) == 0 {
		return nil
	}
	out := exactNeed(kids[0])
	for _, k := range kids[1:] {
		kn := exactNeed(k)
		for f, vs := range out {
			if more, ok := kn[f]; ok {
				out[f] = append(slices.Clone(vs), more...)
			} else {
				delete(out, f)
			}
		}
	}
	return out
}

func fieldExact(t *fieldNode) map[string][]string {
	if t.null || len(t.vals) == 0 || t.all && len(t.vals) > 1 {
		return nil
	}
	vs := make([]string, 0, len(t.vals))
	for i := range t.vals {
		if t.vals[i].kind != mExact {
			return nil
		}
		vs = append(vs, lowerString(t.vals[i].s))
	}
	return map[string][]string{t.field: vs}
}

// regexNeed is the literal condition of a regular expression: literal
// text every match must contain (lower-cased), or noNeed.
func regexNeed(re *syntax.Regexp) need {
	switch re.Op {
	case syntax.OpLiteral:
		// Case-folded literals are found because the scan folds the
		// text the same way (see foldText).
		if l := lowerString(string(re.Rune)); len(l) >= minLiteral {
			return need{lits: []string{l}}
		}
	case syntax.OpCapture:
		return regexNeed(re.Sub[0])
	case syntax.OpPlus:
		return regexNeed(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return regexNeed(re.Sub[0])
		}
	case syntax.OpConcat:
		best := noNeed
		for _, s := range re.Sub {
			if n := regexNeed(s); n.score() > best.score() {
				best = n
			}
		}
		return best
	case syntax.OpAlternate:
		var out need
		for _, s := range re.Sub {
			n := regexNeed(s)
			if n.none {
				return noNeed
			}
			out.lits = append(out.lits, n.lits...)
		}
		return out
	}
	return noNeed
}
