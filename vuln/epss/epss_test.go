package epss

import (
	"os"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f, err := os.Open("testdata/epss_scores-2025-08-25.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Parse("scores.csv", f)
	if err != nil {
		t.Fatal(err)
	}
	if s.ModelVersion != "v2025.03.14" || s.ScoreDate != "2025-08-25T12:55:00Z" || len(s.ByCVE) != 5 {
		t.Errorf("scores %+v", s)
	}
	if v, ok := s.Score("CVE-2019-0708"); !ok || v != 0.94467 || s.ByCVE["CVE-2019-0708"].Percentile != 0.99987 {
		t.Errorf("CVE-2019-0708: %v %v", v, ok)
	}
	if _, ok := s.Score("CVE-2099-0001"); ok {
		t.Error("unknown CVE scored")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"", "e.csv:1: read header"},
		{"#model_version:v1,score_date:x\nfoo,bar\n", "e.csv:2: header"},
		{"cve,epss,percentile\nCVE-2020-1234,0.5,0.9\nCVE-2020-1235,1.5,0.9\n", "e.csv:3: epss"},
		{"#model_version:v1\ncve,epss\nCVE-2020-1234,0.5\nnope,0.1\n", "e.csv:4: \"nope\" is not a CVE id"},
		{"cve,epss\nCVE-2020-1234\n", "e.csv:2: want cve,epss"},
	}
	for _, tt := range tests {
		if _, err := Parse("e.csv", strings.NewReader(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/epss_scores-2025-08-25.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz", strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for cve, sc := range s.ByCVE {
			if sc.EPSS < 0 || sc.EPSS > 1 || !strings.HasPrefix(cve, "CVE-") {
				t.Fatalf("%s %+v", cve, sc)
			}
		}
	})
}
