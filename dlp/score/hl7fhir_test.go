package score

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/dlp"
)

// sharedDir finds a folder of the shared data beside the repository.
func sharedDir(t *testing.T, rel string) string {
	t.Helper()
	for _, dir := range []string{"../../shared", "../../../shared"} {
		p := filepath.Join(dir, rel)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
	}
	t.Skipf("%s not found beside the repository", rel)
	return ""
}

// TestScoreHL7FHIR scores the HL7 v2 and FHIR samples against gold spans
// from field meanings, twice: the format-blind free-text engine (what a
// scanner that ignores the format catches) and the format-aware scanner
// (structured fields match the gold by construction; its false positives
// come from free text, which the gold does not label):
//
//	go test ./dlp/score/ -run TestScoreHL7FHIR -v
func TestScoreHL7FHIR(t *testing.T) {
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		format     Format
		dir        string
		blind      []floor
		aware      []floor
		minExample int
	}{
		{HL7, "data/dlp/hl7v2", []floor{
			{"any-R", anyR, 0.36, "0.383"},
			{"any-P", anyP, 0.06, "0.075"},
		}, []floor{
			{"any-R", anyR, 0.99, "1.000"},
			{"any-P", anyP, 0.75, "0.780"},
		}, 120},
		{FHIR, "data/dlp/fhir/Test", []floor{
			{"any-R", anyR, 0.32, "0.340"},
			{"any-P", anyP, 0.01, "0.013"},
		}, []floor{
			{"any-R", anyR, 0.99, "1.000"},
			{"any-P", anyP, 0.96, "0.980"},
		}, 45},
	}
	for _, tt := range tests {
		t.Run(tt.format.Name, func(t *testing.T) {
			exs, skipped, err := LoadFormat(sharedDir(t, tt.dir), tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if len(exs) < tt.minExample {
				t.Fatalf("%d examples (%d skipped), want at least %d", len(exs), skipped, tt.minExample)
			}
			t.Logf("%d examples, %d unparsable skipped", len(exs), skipped)
			checkScore(t, "format-blind engine", Score(exs, eng.Scan), tt.blind)
			checkScore(t, "format-aware scanner (structured fields by construction)", Score(exs, tt.format.Aware(eng)), tt.aware)
		})
	}
}

func checkScore(t *testing.T, name string, r Report, floors []floor) {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s\n%s", name, b.String())
	for _, f := range floors {
		if got := f.got(r); got < f.atLeast {
			t.Errorf("%s: %s = %.3f, below the floor %.3f (scored %s)", name, f.name, got, f.atLeast, f.achieved)
		}
	}
}
