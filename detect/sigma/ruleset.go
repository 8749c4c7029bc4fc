package sigma

import (
	"math/bits"
	"slices"
)

func bits64TrailingZeros(w uint64) int { return bits.TrailingZeros64(w) }

// compiledRule is a detection rule bound to an engine's field table, with
// its prefilter conditions.
type compiledRule struct {
	r     *Rule
	det   node
	need  need
	exact map[string][]string
	// emit is false when the rule only feeds correlations (generate: false).
	emit  bool
	corrs []*correlator
}

// ruleSet is the compiled subset of rules for one log source: an index
// on one exact-value field and a literal automaton over the fields the
// rules' literals come from.
type ruleSet struct {
	rules     []*compiledRule
	idxField  int // field slot, -1 when no index
	idx       map[string][]int32
	unindexed []int32
	ac        *automaton
	nlits     int
	litRules  [][]int32 // rules per literal id
	always    []int32   // rules with no literal condition
	indexed   []bool    // rule is listed in idx (has an exact value there)
	scanIDs   []int     // field slots whose values are scanned
	scanAll   bool      // some rule needs keyword literals: scan every value
}

// newRuleSet builds the subset of rules accepting src.
func newRuleSet(all []*compiledRule, src LogSource, ft *fieldTable) *ruleSet {
	rs := &ruleSet{idxField: -1}
	for _, r := range all {
		if r.r.LogSource.Accepts(src) {
			rs.rules = append(rs.rules, r)
		}
	}
	rs.buildIndex(ft)
	rs.buildPrefilter(ft)
	return rs
}

// buildIndex picks the field that the most rules require an exact value
// of (EventID, typically) and indexes the rules by that value.
func (rs *ruleSet) buildIndex(ft *fieldTable) {
	counts := map[string]int{}
	for _, r := range rs.rules {
		for f := range r.exact {
			counts[f]++
		}
	}
	best, bestN := "", 1
	for f, n := range counts {
		if n > bestN || n == bestN && f < best {
			best, bestN = f, n
		}
	}
	if best == "" {
		rs.unindexed = make([]int32, len(rs.rules))
		for i := range rs.rules {
			rs.unindexed[i] = int32(i)
		}
		return
	}
	rs.idxField = ft.ids[best]
	rs.idx = map[string][]int32{}
	rs.indexed = make([]bool, len(rs.rules))
	for i, r := range rs.rules {
		vals, ok := r.exact[best]
		if !ok {
			rs.unindexed = append(rs.unindexed, int32(i))
			continue
		}
		rs.indexed[i] = true
		for _, v := range slices.Compact(slices.Sorted(slices.Values(vals))) {
			rs.idx[v] = append(rs.idx[v], int32(i))
		}
	}
}

func (rs *ruleSet) buildPrefilter(ft *fieldTable) {
	litID := map[string]int32{}
	var lits []string
	scan := map[string]bool{}
	for i, r := range rs.rules {
		if r.need.none {
			rs.always = append(rs.always, int32(i))
			continue
		}
		rs.scanAll = rs.scanAll || r.need.kw
		for _, f := range r.need.fields {
			scan[f] = true
		}
		for _, l := range r.need.lits {
			id, ok := litID[l]
			if !ok {
				id = int32(len(lits))
				litID[l] = id
				lits = append(lits, l)
				rs.litRules = append(rs.litRules, nil)
			}
			if n := len(rs.litRules[id]); n == 0 || rs.litRules[id][n-1] != int32(i) {
				rs.litRules[id] = append(rs.litRules[id], int32(i))
			}
		}
	}
	for _, f := range slices.Sorted(func(yield func(string) bool) {
		for f := range scan {
			if !yield(f) {
				return
			}
		}
	}) {
		rs.scanIDs = append(rs.scanIDs, ft.ids[f])
	}
	rs.nlits = len(lits)
	if len(lits) > 0 {
		rs.ac = newAutomaton(lits)
	}
}

// candidates appends to out, in rule order, the rules that may match the
// event in c: those whose literal condition holds (or that have none) and,
// when indexed, whose exact value the event's index field has. mark is
// per-rule scratch of at least len(rs.rules), stamped with gen.
func (rs *ruleSet) candidates(c *evalCtx, bits []uint64, mark []uint32, gen uint32, out []int32) []int32 {
	if rs.ac != nil {
		rs.scanEvent(c, bits)
	}
	for w, word := range bits {
		for word != 0 {
			id := w*64 + bits64TrailingZeros(word)
			word &= word - 1
			for _, r := range rs.litRules[id] {
				if mark[r] != gen {
					mark[r] = gen
					out = append(out, r)
				}
			}
		}
	}
	out = append(out, rs.always...)
	if rs.idxField >= 0 {
		out = rs.filterIndexed(c, mark, gen+1, out)
	}
	slices.Sort(out)
	return out
}

// filterIndexed drops indexed rules whose exact value the event lacks.
func (rs *ruleSet) filterIndexed(c *evalCtx, mark []uint32, gen uint32, out []int32) []int32 {
	if _, low, ok := c.getLower(rs.idxField); ok {
		for _, r := range rs.idx[low] {
			mark[r] = gen
		}
	}
	keep := out[:0]
	for _, r := range out {
		if !rs.indexed[r] || mark[r] == gen {
			keep = append(keep, r)
		}
	}
	return keep
}

func (rs *ruleSet) scanEvent(c *evalCtx, bits []uint64) {
	if rs.scanAll {
		for _, v := range c.rawValues() {
			rs.ac.scan(v, bits)
		}
		return // Values covers every field value
	}
	for _, id := range rs.scanIDs {
		if raw, ok := c.get(id); ok {
			rs.ac.scan(raw, bits)
		}
	}
}
