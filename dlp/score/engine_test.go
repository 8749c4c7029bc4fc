package score

import (
	"bytes"
	"testing"

	"github.com/airtight/airtight/dlp"
)

// floor is the least a score may be before TestScoreEngine fails: set a
// little below what the engine achieves, so that regressions fail.
type floor struct {
	name     string
	got      func(Report) float64
	atLeast  float64
	achieved string // what the engine scored when the floor was set
}

func anyP(r Report) float64    { return r.Any.Precision() }
func anyR(r Report) float64    { return r.Any.Recall() }
func typedF1(r Report) float64 { return r.Typed.F1() }
func typedR(t dlp.Type) func(Report) float64 {
	return func(r Report) float64 { return r.Type(t).Typed.Recall() }
}

// TestScoreEngine scores the real engine on the presidio-research data set
// and on 500 generated notes and prints the per-type tables:
//
//	go test ./dlp/score/ -run TestScoreEngine -v
func TestScoreEngine(t *testing.T) {
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		load   func(t *testing.T) []Example
		floors []floor
	}{
		{"presidio", loadPresidioFile, []floor{
			{"any-P", anyP, 0.97, "0.985"},
			{"any-R", anyR, 0.69, "0.720"},
			{"typed-F1", typedF1, 0.76, "0.788"},
			{"NAME typed-R", typedR(dlp.Name), 0.73, "0.756"},
			{"LOCATION typed-R", typedR(dlp.Location), 0.56, "0.594"},
			{"PHONE typed-R", typedR(dlp.Phone), 0.70, "0.742"},
			{"ZIP typed-R", typedR(dlp.ZIP), 0.46, "0.500"},
		}},
		// The halves of presidio (see Split): rules were written looking
		// at dev only; test is the held-out estimate.
		{"presidio-dev", func(t *testing.T) []Example { d, _ := Split(loadPresidioFile(t)); return d }, []floor{
			{"any-P", anyP, 0.97, "0.984"},
		}},
		{"presidio-test", func(t *testing.T) []Example { _, h := Split(loadPresidioFile(t)); return h }, []floor{
			{"any-P", anyP, 0.97, "0.986"},
		}},
		{"notes", func(*testing.T) []Example { return GenerateNotes(500, 1) }, []floor{
			{"any-P", anyP, 0.96, "0.984"},
			{"any-R", anyR, 0.96, "0.978"},
			{"typed-F1", typedF1, 0.95, "0.975"},
			{"NAME typed-R", typedR(dlp.Name), 0.93, "0.950"},
			{"DATE typed-R", typedR(dlp.Date), 0.97, "0.999"},
			{"PHONE typed-R", typedR(dlp.Phone), 0.97, "0.998"},
			{"LOCATION typed-R", typedR(dlp.Location), 0.95, "0.974"},
			{"ZIP typed-R", typedR(dlp.ZIP), 0.97, "1.000"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Score(tt.load(t), eng.Scan)
			var b bytes.Buffer
			if err := r.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s\n%s", tt.name, b.String())
			for _, f := range tt.floors {
				if got := f.got(r); got < f.atLeast {
					t.Errorf("%s = %.3f, below the floor %.3f (the engine scored %s)", f.name, got, f.atLeast, f.achieved)
				}
			}
		})
	}
}

func loadPresidioFile(t *testing.T) []Example {
	exs, err := LoadPresidio(sharedFile(t, presidioFile))
	if err != nil {
		t.Fatal(err)
	}
	return exs
}
