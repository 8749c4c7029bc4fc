package score

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/dlp"
)

// sharedFile opens a file of the shared test data (shared/ inside or beside
// the repository), or skips the test when it is absent.
func sharedFile(t *testing.T, rel string) *os.File {
	t.Helper()
	for _, dir := range []string{"../../shared", "../../../shared"} {
		f, err := os.Open(filepath.Join(dir, rel))
		if err == nil {
			t.Cleanup(func() { f.Close() })
			return f
		}
	}
	t.Skipf("%s not found beside the repository", rel)
	return nil
}

const presidioFile = "data/dlp/presidio-research/synth_dataset_v2.json"

func TestScoreLoadPresidioRules(t *testing.T) {
	in := `[
	 {"full_text": "Szöllösy, 45, born 2/8/1935 at 2000-04-16 11:34:35 in 1977 on Tuesday; age 94 at Persint",
	  "spans": [
	   {"entity_type": "PERSON", "start_position": 0, "end_position": 8},
	   {"entity_type": "AGE", "start_position": 10, "end_position": 12},
	   {"entity_type": "DATE_TIME", "start_position": 19, "end_position": 27},
	   {"entity_type": "DATE_TIME", "start_position": 31, "end_position": 50},
	   {"entity_type": "DATE_TIME", "start_position": 54, "end_position": 58},
	   {"entity_type": "DATE_TIME", "start_position": 62, "end_position": 69},
	   {"entity_type": "AGE", "start_position": 75, "end_position": 77},
	   {"entity_type": "ORGANIZATION", "start_position": 81, "end_position": 88},
	   {"entity_type": "SOMETHING_NEW", "start_position": 0, "end_position": 1}
	  ]}]`
	exs, err := LoadPresidio(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	ex := exs[0]
	var got []string
	for _, s := range ex.Spans {
		got = append(got, string(s.Type)+":"+ex.Text[s.Start:s.End])
	}
	want := []string{"NAME:Szöllösy", "DATE:2/8/1935", "DATE:2000-04-16", "IGNORE: 11:34:35", "IGNORE:1977",
		"IGNORE:Tuesday", "AGE:94", "IGNORE:Persint", "IGNORE:S"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("spans (-want +got):\n%s", d)
	}
}

func TestScoreLoadPresidioErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"not JSON", "{"},
		{"span past the end", `[{"full_text": "abc", "spans": [{"entity_type": "PERSON", "start_position": 1, "end_position": 9}]}]`},
		{"empty span", `[{"full_text": "abc", "spans": [{"entity_type": "PERSON", "start_position": 1, "end_position": 1}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LoadPresidio(strings.NewReader(tt.in)); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestScoreLoadPresidioFile(t *testing.T) {
	exs, err := LoadPresidio(sharedFile(t, presidioFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 1500 {
		t.Errorf("%d examples, want 1500", len(exs))
	}
	n := map[dlp.Type]int{}
	for _, ex := range exs {
		for _, s := range ex.Spans {
			n[s.Type]++
		}
	}
	for _, ty := range []dlp.Type{dlp.Name, dlp.Location, dlp.Date, dlp.Phone, dlp.Email, dlp.SSN, dlp.IP, dlp.ZIP, dlp.Account, dlp.License} {
		if n[ty] == 0 {
			t.Errorf("no %s spans", ty)
		}
	}
	t.Logf("spans per type: %v", n)
}
