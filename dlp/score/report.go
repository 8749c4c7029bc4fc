package score

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/airtight/airtight/dlp"
)

// Counts are true positives, false positives and false negatives (misses).
type Counts struct {
	TP, FP, FN int
}

// Precision is TP/(TP+FP), or 1 when nothing was predicted.
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), or 1 when there was nothing to find.
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func (c *Counts) add(o Counts) { c.TP += o.TP; c.FP += o.FP; c.FN += o.FN }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TypeScore is the score of one identifier type. Any counts tokens
// type-agnostically (TP and FN by gold label; FP: non-PHI tokens that a
// finding of this type overlaps); Typed and Span need compatible types.
type TypeScore struct {
	Type       dlp.Type
	GoldTokens int
	GoldSpans  int
	Any        Counts
	Typed      Counts
	Span       Counts
}

// Report is the result of Score.
type Report struct {
	Examples int
	Tokens   int    // scored tokens (all, PHI or not, ignored excluded)
	Any      Counts // token level, type-agnostic: did the PHI get flagged at all
	Typed    Counts // token level, compatible type required (micro-average)
	Span     Counts // exact spans, compatible type required (micro-average)
	Types    []TypeScore
}

// Type returns the row for t (zero counts when t never occurred).
func (r Report) Type(t dlp.Type) TypeScore {
	for _, ts := range r.Types {
		if ts.Type == t {
			return ts
		}
	}
	return TypeScore{Type: t}
}

// WriteTable writes the report as an aligned text table: one row per type
// that occurred in gold or findings, then the overall rows. It shows counts
// and ratios only, never content.
func (r Report) WriteTable(w io.Writer) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "%d examples, %d scored tokens\n", r.Examples, r.Tokens)
	fmt.Fprintf(b, "%-12s %8s %9s %6s %6s %7s %7s %8s %6s %6s %7s\n", "type", "gold-tok", "gold-span",
		"any-R", "any-FP", "typed-P", "typed-R", "typed-F1", "span-P", "span-R", "span-F1")
	for _, ts := range r.Types {
		fmt.Fprintf(b, "%-12s %8d %9d %6.3f %6d %7.3f %7.3f %8.3f %6.3f %6.3f %7.3f\n", ts.Type, ts.GoldTokens, ts.GoldSpans,
			ts.Any.Recall(), ts.Any.FP, ts.Typed.Precision(), ts.Typed.Recall(), ts.Typed.F1(),
			ts.Span.Precision(), ts.Span.Recall(), ts.Span.F1())
	}
	fmt.Fprintf(b, "%-18s %6s %6s %6s %7s %7s %7s\n", "overall", "P", "R", "F1", "TP", "FP", "FN")
	for _, row := range []struct {
		name string
		c    Counts
	}{{"any PHI (tokens)", r.Any}, {"typed (tokens)", r.Typed}, {"exact spans", r.Span}} {
		fmt.Fprintf(b, "%-18s %6.3f %6.3f %6.3f %7d %7d %7d\n", row.name, row.c.Precision(), row.c.Recall(), row.c.F1(),
			row.c.TP, row.c.FP, row.c.FN)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// accumulator sums counts over examples.
type accumulator struct {
	tokens int
	any    Counts
	types  map[dlp.Type]*TypeScore
}

func (a *accumulator) row(t dlp.Type) *TypeScore {
	if a.types == nil {
		a.types = map[dlp.Type]*TypeScore{}
	}
	ts := a.types[t]
	if ts == nil {
		ts = &TypeScore{Type: t}
		a.types[t] = ts
	}
	return ts
}

// add scores one example.
func (a *accumulator) add(text []byte, spans []Span, found []dlp.Finding) {
	found = clip(found, len(text))
	toks := tokenize(text)
	label(toks, spans)
	cov := newCoverage(len(text), found)
	over := overlapTypes(toks, found)
	for i, t := range toks {
		if t.label == Ignore {
			continue
		}
		a.tokens++
		a.scoreToken(t, cov, over[i])
	}
	a.scoreSpans(toks, spans, found)
}

// scoreToken counts one non-ignored token.
func (a *accumulator) scoreToken(t token, cov coverage, over []dlp.Type) {
	if t.label == "" {
		if len(over) > 0 {
			a.any.FP++
		}
		for _, ft := range over {
			a.row(ft).Any.FP++
			a.row(ft).Typed.FP++
		}
		return
	}
	ts := a.row(t.label)
	ts.GoldTokens++
	if covers(cov.any, t) {
		a.any.TP++
		ts.Any.TP++
	} else {
		a.any.FN++
		ts.Any.FN++
	}
	if covers(cov.byClass[classOf(t.label)], t) {
		ts.Typed.TP++
	} else {
		ts.Typed.FN++
	}
	for _, ft := range over {
		if !Compatible(t.label, ft) {
			a.row(ft).Typed.FP++
		}
	}
}

// scoreSpans counts exact-span matches.
func (a *accumulator) scoreSpans(toks []token, spans []Span, found []dlp.Finding) {
	matched := make([]bool, len(found))
	for _, s := range spans {
		if s.Type == Ignore {
			continue
		}
		ts := a.row(s.Type)
		ts.GoldSpans++
		if i := exactMatch(s, found); i >= 0 {
			matched[i] = true
			ts.Span.TP++
		} else {
			ts.Span.FN++
		}
	}
	for i, f := range found {
		if !matched[i] && scoredOverlap(toks, f) {
			a.row(f.Type).Span.FP++
		}
	}
}

// exactMatch is the index of a finding with s's offsets and a compatible
// type, or -1.
func exactMatch(s Span, found []dlp.Finding) int {
	for i, f := range found {
		if f.Start == s.Start && f.End == s.End && Compatible(s.Type, f.Type) {
			return i
		}
	}
	return -1
}

// scoredOverlap reports whether f overlaps a token that is not ignored.
func scoredOverlap(toks []token, f dlp.Finding) bool {
	for i := firstOverlap(toks, f.Start); i < len(toks) && toks[i].start < f.End; i++ {
		if toks[i].label != Ignore {
			return true
		}
	}
	return false
}

// report builds the Report, rows in the order of dlp.Types.
func (a *accumulator) report(examples int) Report {
	r := Report{Examples: examples, Tokens: a.tokens, Any: a.any}
	for _, ts := range a.types {
		r.Types = append(r.Types, *ts)
		r.Typed.add(ts.Typed)
		r.Span.add(ts.Span)
	}
	slices.SortFunc(r.Types, func(x, y TypeScore) int {
		if d := typeIndex(x.Type) - typeIndex(y.Type); d != 0 {
			return d
		}
		return strings.Compare(string(x.Type), string(y.Type))
	})
	return r
}

func typeIndex(t dlp.Type) int {
	if i := slices.Index(dlp.Types, t); i >= 0 {
		return i
	}
	return len(dlp.Types)
}
