package score

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/dlp"
)

// fixed returns a detector that always reports fs.
func fixed(fs ...dlp.Finding) Detector {
	return func([]byte) []dlp.Finding { return fs }
}

func find(t dlp.Type, start, end int) dlp.Finding {
	return dlp.Finding{Type: t, Start: start, End: end, Confidence: 0.9, Detector: "test"}
}

// text: "Pt John Smith, SSN 123-45-6789, seen at Acme."
//
//	Pt=0-2 John=3-7 Smith=8-13 SSN=15-18 123=19-22 45=23-25 6789=26-30 seen=32-36 at=37-39 Acme=40-44
const sample = "Pt John Smith, SSN 123-45-6789, seen at Acme."

var sampleSpans = []Span{{dlp.Name, 3, 13}, {dlp.SSN, 19, 30}, {Ignore, 40, 44}}

func TestScoreCounts(t *testing.T) {
	tests := []struct {
		name                    string
		found                   []dlp.Finding
		any, typed, span        Counts
		nameTyped, ssnTyped     Counts
		locationFP, locationAny int
	}{
		{
			name:  "perfect",
			found: []dlp.Finding{find(dlp.Name, 3, 13), find(dlp.SSN, 19, 30)},
			any:   Counts{TP: 5}, typed: Counts{TP: 5}, span: Counts{TP: 2},
			nameTyped: Counts{TP: 2}, ssnTyped: Counts{TP: 3},
		},
		{
			name: "nothing found",
			any:  Counts{FN: 5}, typed: Counts{FN: 5}, span: Counts{FN: 2},
			nameTyped: Counts{FN: 2}, ssnTyped: Counts{FN: 3},
		},
		{
			name:  "wrong type: any PHI counts it, typed does not",
			found: []dlp.Finding{find(dlp.Location, 3, 13), find(dlp.SSN, 19, 30)},
			any:   Counts{TP: 5}, typed: Counts{TP: 3, FP: 2, FN: 2}, span: Counts{TP: 1, FP: 1, FN: 1},
			nameTyped: Counts{FN: 2}, ssnTyped: Counts{TP: 3}, locationFP: 2,
		},
		{
			name:  "partial cover misses the token; finding on plain text is a false positive",
			found: []dlp.Finding{find(dlp.Name, 0, 6), find(dlp.SSN, 19, 30)},
			any:   Counts{TP: 3, FP: 1, FN: 2}, typed: Counts{TP: 3, FP: 1, FN: 2}, span: Counts{TP: 1, FP: 1, FN: 1},
			nameTyped: Counts{FN: 2, FP: 1}, ssnTyped: Counts{TP: 3},
		},
		{
			name:  "finding on an ignored span counts for nothing",
			found: []dlp.Finding{find(dlp.Location, 40, 44)},
			any:   Counts{FN: 5}, typed: Counts{FN: 5}, span: Counts{FN: 2},
			nameTyped: Counts{FN: 2}, ssnTyped: Counts{FN: 3},
		},
		{
			name:  "two findings together cover a token",
			found: []dlp.Finding{find(dlp.Name, 3, 9), find(dlp.Name, 9, 13)},
			any:   Counts{TP: 2, FN: 3}, typed: Counts{TP: 2, FN: 3}, span: Counts{FP: 2, FN: 2},
			nameTyped: Counts{TP: 2}, ssnTyped: Counts{FN: 3},
		},
		{
			name:  "findings past the end or inverted are dropped",
			found: []dlp.Finding{find(dlp.Name, 3, 13), find(dlp.SSN, 19, 30), find(dlp.Name, 50, 60), find(dlp.Name, 44, 40)},
			any:   Counts{TP: 5}, typed: Counts{TP: 5}, span: Counts{TP: 2},
			nameTyped: Counts{TP: 2}, ssnTyped: Counts{TP: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Score([]Example{{Text: sample, Spans: sampleSpans}}, fixed(tt.found...))
			if r.Tokens != 9 {
				t.Errorf("Tokens = %d, want 9", r.Tokens)
			}
			got := []Counts{r.Any, r.Typed, r.Span, r.Type(dlp.Name).Typed, r.Type(dlp.SSN).Typed}
			want := []Counts{tt.any, tt.typed, tt.span, tt.nameTyped, tt.ssnTyped}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("any, typed, span, NAME typed, SSN typed (-want +got):\n%s", d)
			}
			if got := r.Type(dlp.Location).Typed.FP; got != tt.locationFP {
				t.Errorf("LOCATION typed FP = %d, want %d", got, tt.locationFP)
			}
		})
	}
}

func TestScoreCompatible(t *testing.T) {
	tests := []struct {
		gold, found dlp.Type
		want        bool
	}{
		{dlp.Phone, dlp.Fax, true},
		{dlp.Fax, dlp.Phone, true},
		{dlp.ZIP, dlp.Location, true},
		{dlp.License, dlp.MRN, true},
		{dlp.Account, dlp.HealthPlan, true},
		{dlp.SSN, dlp.MRN, false},
		{dlp.Name, dlp.Location, false},
		{dlp.Date, dlp.Age, false},
	}
	for _, tt := range tests {
		if got := Compatible(tt.gold, tt.found); got != tt.want {
			t.Errorf("Compatible(%s, %s) = %v, want %v", tt.gold, tt.found, got, tt.want)
		}
	}
}

func TestScoreCountsRatios(t *testing.T) {
	tests := []struct {
		name    string
		c       Counts
		p, r, f float64
	}{
		{"empty", Counts{}, 1, 1, 1},
		{"half", Counts{TP: 1, FP: 1, FN: 1}, 0.5, 0.5, 0.5},
		{"none right", Counts{FP: 2, FN: 2}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.c.Precision() != tt.p || tt.c.Recall() != tt.r || tt.c.F1() != tt.f {
				t.Errorf("P, R, F1 = %v %v %v, want %v %v %v", tt.c.Precision(), tt.c.Recall(), tt.c.F1(), tt.p, tt.r, tt.f)
			}
		})
	}
}

func TestScoreTokenize(t *testing.T) {
	text := []byte("Dr. O'Brien, 07/22/2019; Szöllösy-x")
	var got []string
	for _, tk := range tokenize(text) {
		got = append(got, string(text[tk.start:tk.end]))
	}
	want := []string{"Dr", "O", "Brien", "07", "22", "2019", "Szöllösy", "x"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("tokens (-want +got):\n%s", d)
	}
}

// standIn is a tiny detector for tests: SSNs and a few names.
func standIn(text []byte) []dlp.Finding {
	var fs []dlp.Finding
	for _, m := range regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`).FindAllIndex(text, -1) {
		fs = append(fs, find(dlp.SSN, m[0], m[1]))
	}
	for _, m := range regexp.MustCompile(`(?i)\b(smith|johnson|patel)\b`).FindAllIndex(text, -1) {
		fs = append(fs, find(dlp.Name, m[0], m[1]))
	}
	return fs
}

func TestScoreWriteTable(t *testing.T) {
	r := Score([]Example{{Text: sample, Spans: sampleSpans}}, standIn)
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"1 examples, 9 scored tokens", "NAME", "SSN", "any PHI (tokens)", "typed (tokens)", "exact spans"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "John") || strings.Contains(out, "6789") {
		t.Errorf("table shows content:\n%s", out)
	}
	t.Logf("\n%s", out)
}
