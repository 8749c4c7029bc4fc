// Package score measures the accuracy of a PHI detector against labelled
// examples: token-level precision, recall and F1, type-agnostic ("any PHI",
// what matters for de-identification) and typed, plus exact-span metrics,
// per identifier type and overall.
//
// # Tokens
//
// A token is a maximal run of Unicode letters and digits; punctuation and
// white space are never scored. A token's gold label is the type of the gold
// span that overlaps it; tokens outside every span are non-PHI.
//
// # Ignored spans
//
// Some things labelled by a data set are not Safe Harbor PHI but are not
// plain text either: organisations, job titles, nationalities, domain names,
// a year alone, a weekday, a time of day. Loaders mark them with type
// [Ignore]. Their tokens count neither towards recall nor as false positives:
// a detector may redact them or not.
//
// # Counting
//
//   - A gold token is found ("any PHI") when findings of any type cover all
//     its bytes, and found ("typed") when findings of a type compatible with
//     its label (see [Compatible]) cover all its bytes. A token only partly
//     covered is missed: its rest would leak.
//   - A non-PHI token that any finding overlaps, even by one byte, is a false
//     positive ("any PHI") for the overall score and for each finding type
//     that overlaps it.
//   - Typed: a token overlapped by a finding of type T is a false positive of
//     T when its label is not compatible with T (non-PHI or another type).
//     True positives and misses are counted under the gold label.
//   - Exact spans: a gold span is found when a finding of a compatible type
//     has exactly its start and end. A finding that matches no gold span is a
//     false positive, unless it overlaps only ignored tokens (or none).
//
// Per-type rows count true positives and misses by gold label and false
// positives by finding type; the overall rows are micro-averages.
package score

import (
	"slices"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/airtight/airtight/dlp"
)

// Ignore labels a span that is neither PHI nor plain text: findings on it are
// not false positives and missing it is not a miss.
const Ignore dlp.Type = "IGNORE"

// Span is one labelled stretch of an example's text, in byte offsets (End
// exclusive).
type Span struct {
	Type  dlp.Type
	Start int
	End   int
}

// Example is a labelled text.
type Example struct {
	Text  string
	Spans []Span
}

// Detector finds PHI in text; (*dlp.Engine).Scan is one.
type Detector func(text []byte) []dlp.Finding

// group is the compatibility class of each type; types absent are their own
// class.
var group = map[dlp.Type]dlp.Type{
	dlp.Fax:        dlp.Phone, // a fax number is a phone number
	dlp.ZIP:        dlp.Location,
	dlp.Account:    dlp.MRN, // record, account, plan, licence, vehicle and device
	dlp.HealthPlan: dlp.MRN, // numbers look alike; which one a number is
	dlp.License:    dlp.MRN, // depends on context the annotation may not share
	dlp.Vehicle:    dlp.MRN,
	dlp.DeviceID:   dlp.MRN,
}

// Compatible reports whether a finding of type found counts as detecting a
// gold token or span of type gold in typed metrics. Types are compatible when
// equal or in the same class: PHONE and FAX; LOCATION and ZIP (a detector may
// report a whole address as LOCATION); MRN, ACCOUNT, HEALTH_PLAN, LICENSE,
// VEHICLE and DEVICE_ID (identifier numbers). SSN, NAME, DATE, AGE, EMAIL,
// URL, IP and BIOMETRIC stand alone.
func Compatible(gold, found dlp.Type) bool {
	return classOf(gold) == classOf(found)
}

func classOf(t dlp.Type) dlp.Type {
	if g, ok := group[t]; ok {
		return g
	}
	return t
}

// Score runs detect over every example and scores its findings.
func Score(examples []Example, detect Detector) Report {
	var a accumulator
	for i := range examples {
		text := []byte(examples[i].Text)
		a.add(text, examples[i].Spans, detect(text))
	}
	return a.report(len(examples))
}

// token is a scored token of an example.
type token struct {
	start, end int
	label      dlp.Type // "" for non-PHI
}

// tokenize returns the letter-and-digit runs of text.
func tokenize(text []byte) []token {
	var toks []token
	start := -1
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			toks = append(toks, token{start: start, end: i})
			start = -1
		}
		i += n
	}
	if start >= 0 {
		toks = append(toks, token{start: start, end: len(text)})
	}
	return toks
}

// label gives each token the type of the gold span overlapping it. A PHI
// label wins over Ignore; among PHI labels the first span wins.
func label(toks []token, spans []Span) {
	for _, s := range spans {
		for i := firstOverlap(toks, s.Start); i < len(toks) && toks[i].start < s.End; i++ {
			if toks[i].label == "" || (toks[i].label == Ignore && s.Type != Ignore) {
				toks[i].label = s.Type
			}
		}
	}
}

// firstOverlap is the index of the first token ending after off.
func firstOverlap(toks []token, off int) int {
	return sort.Search(len(toks), func(i int) bool { return toks[i].end > off })
}

// clip keeps findings inside text and drops empty ones.
func clip(fs []dlp.Finding, n int) []dlp.Finding {
	out := make([]dlp.Finding, 0, len(fs))
	for _, f := range fs {
		f.Start, f.End = max(f.Start, 0), min(f.End, n)
		if f.Start < f.End {
			out = append(out, f)
		}
	}
	return out
}

// coverage marks, per compatibility class and for any type, which bytes
// findings cover.
type coverage struct {
	any     []bool
	byClass map[dlp.Type][]bool
}

func newCoverage(n int, fs []dlp.Finding) coverage {
	c := coverage{any: make([]bool, n), byClass: map[dlp.Type][]bool{}}
	for _, f := range fs {
		cls := classOf(f.Type)
		m := c.byClass[cls]
		if m == nil {
			m = make([]bool, n)
			c.byClass[cls] = m
		}
		for i := f.Start; i < f.End; i++ {
			c.any[i], m[i] = true, true
		}
	}
	return c
}

// covers reports whether mask is true over all of t.
func covers(mask []bool, t token) bool {
	if mask == nil {
		return false
	}
	return !slices.Contains(mask[t.start:t.end], false)
}

// overlapTypes lists, per token index, the distinct finding types that
// overlap the token.
func overlapTypes(toks []token, fs []dlp.Finding) map[int][]dlp.Type {
	out := map[int][]dlp.Type{}
	for _, f := range fs {
		for i := firstOverlap(toks, f.Start); i < len(toks) && toks[i].start < f.End; i++ {
			if !slices.Contains(out[i], f.Type) {
				out[i] = append(out[i], f.Type)
			}
		}
	}
	return out
}
