package deid

import (
	"sort"

	"github.com/airtight/airtight/dlp"
)

// Text returns in with each finding replaced by its surrogate (or, in Safe
// Harbor mode, its type in brackets). Findings outside in or overlapping
// an earlier one are ignored.
func Text(in []byte, findings []dlp.Finding, s *Surrogates) []byte {
	spans := make([]edit, 0, len(findings))
	for _, f := range findings {
		if f.Start < 0 || f.End > len(in) || f.Start >= f.End {
			continue
		}
		spans = append(spans, edit{f.Start, f.End, s.Replace(f.Type, string(in[f.Start:f.End]))})
	}
	return apply(in, spans)
}

// edit replaces in[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// apply makes the edits in order of start, skipping overlaps.
func apply(in []byte, edits []edit) []byte {
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	out := make([]byte, 0, len(in)+len(in)/8)
	at := 0
	for _, e := range edits {
		if e.start < at {
			continue
		}
		out = append(out, in[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, in[at:]...)
}
