package score

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/dlp"
)

func TestScoreGenerateNotesDeterministic(t *testing.T) {
	a, b := GenerateNotes(30, 7), GenerateNotes(30, 7)
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("same seed, different notes:\n%s", d)
	}
	if c := GenerateNotes(30, 8); cmp.Equal(a, c) {
		t.Error("different seeds, same notes")
	}
}

func TestScoreGenerateNotesSpans(t *testing.T) {
	exs := GenerateNotes(300, 1)
	if len(exs) != 300 {
		t.Fatalf("%d notes, want 300", len(exs))
	}
	types := map[dlp.Type]int{}
	for i, ex := range exs {
		checkNote(t, i, ex)
		for _, s := range ex.Spans {
			types[s.Type]++
		}
	}
	for _, ty := range []dlp.Type{dlp.Name, dlp.Date, dlp.Age, dlp.Location, dlp.ZIP, dlp.Phone, dlp.Fax, dlp.Email,
		dlp.SSN, dlp.MRN, dlp.Account, Ignore} {
		if types[ty] == 0 {
			t.Errorf("no %s span in 300 notes", ty)
		}
	}
	t.Logf("spans per type: %v", types)
}

// checkNote checks that a note is ASCII and its spans are sorted, inside the
// text, non-overlapping and trimmed.
func checkNote(t *testing.T, i int, ex Example) {
	t.Helper()
	for j := range len(ex.Text) {
		if ex.Text[j] >= 0x80 {
			t.Fatalf("note %d: non-ASCII byte at %d", i, j)
		}
	}
	end := 0
	for _, s := range ex.Spans {
		if s.Start < end || s.End <= s.Start || s.End > len(ex.Text) {
			t.Fatalf("note %d: bad span %+v after %d", i, s, end)
		}
		if v := ex.Text[s.Start:s.End]; strings.TrimSpace(v) != v {
			t.Errorf("note %d: span %s %q not trimmed", i, s.Type, v)
		}
		end = s.End
	}
}

func TestScoreGenerateNotesVariety(t *testing.T) {
	exs := GenerateNotes(600, 3)
	var upper, lower int
	kinds := map[string]int{}
	for _, ex := range exs {
		switch ex.Text {
		case strings.ToUpper(ex.Text):
			upper++
		case strings.ToLower(ex.Text):
			lower++
		}
		for _, k := range []string{"progress note", "radiology", "discharge summary"} {
			if strings.Contains(strings.ToLower(ex.Text), k) {
				kinds[k]++
			}
		}
	}
	if upper < 240 || upper > 360 {
		t.Errorf("%d of 600 notes ALL CAPS, want about half", upper)
	}
	if lower < 40 || lower > 150 {
		t.Errorf("%d of 600 notes lower case, want about 15%%", lower)
	}
	if len(kinds) != 3 || slices.Min([]int{kinds["progress note"], kinds["radiology"], kinds["discharge summary"]}) < 150 {
		t.Errorf("note kinds %v, want about 200 of each", kinds)
	}
}

func TestScoreGenerateNotesAges(t *testing.T) {
	var old, young int
	for _, ex := range GenerateNotes(300, 5) {
		ages := 0
		for _, s := range ex.Spans {
			if s.Type == dlp.Age {
				old++
				ages++
				if v := ex.Text[s.Start:s.End]; v < "90" && len(v) == 2 {
					t.Errorf("age %s labelled AGE", v)
				}
			}
		}
		if ages == 0 {
			young++ // every note states the age: here it was 89 or less
		}
	}
	if old == 0 || young == 0 {
		t.Errorf("old %d, young %d: want both", old, young)
	}
}
