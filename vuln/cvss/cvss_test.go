package cvss

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight/internal/shareddata"
)

func TestScore(t *testing.T) {
	tests := []struct {
		vector string
		want   float64
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4}, // PR:L under changed scope is 0.68
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0},
		{"CVSS:3.0/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 6.5},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8}, // temporal metrics leave the base score
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			got, err := Score(tt.vector)
			if err != nil || got != tt.want {
				t.Errorf("Score = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ vector, want string }{
		{"AV:N/AC:L", "does not start with CVSS"},
		{"CVSS:2.0/AV:N", "unsupported version"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "base metric A missing"},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:X is not allowed"},
		{"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "given twice"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1", "unknown metric"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", "base metric SA missing"},
		{"CVSS:3.1/AV:N//AC:L", "is not metric:value"},
		{"CVSS:3.1/" + strings.Repeat("A", 600), "exceeds the limit"},
	}
	for _, tt := range tests {
		if _, err := Parse(tt.vector); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error %v, want %q", tt.vector, err, tt.want)
		}
	}
}

func TestV4(t *testing.T) {
	const vec = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/U:Red"
	v, err := Parse(vec)
	if err != nil {
		t.Fatal(err)
	}
	if v.String() != vec || v.Metrics["U"] != "Red" {
		t.Errorf("parsed %v", v)
	}
	if _, err := v.BaseScore(); !errors.Is(err, ErrNoV4Score) {
		t.Errorf("BaseScore error %v, want ErrNoV4Score", err)
	}
}

func TestFromURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://www.first.org/cvss/calculator/4.0#CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
			"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
		{"https://www.first.org/cvss/calculator/3.0#CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N",
			"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N"},
		{"https://nvd.nist.gov/vuln-metrics/cvss/v3-calculator?vector=AV:N/AC:L&version=3.1", ""},
		{"https://www.first.org/cvss/calculator/4.0#CVSS:4.0/AV:N", ""},
	}
	for _, tt := range tests {
		if got, _ := FromURL(tt.url); got != tt.want {
			t.Errorf("FromURL(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestSharedScores recomputes every CVSS v3 base score that the staged
// ICSMA and NVD documents state next to their vector.
func TestSharedScores(t *testing.T) {
	var pairs []scored
	files, _ := filepath.Glob(filepath.Join(shareddata.Dir(t, "vuln", "csaf-icsma"), "*", "*.json"))
	nvdFiles, _ := filepath.Glob(filepath.Join(shareddata.Dir(t, "vuln", "nvd"), "*.json"))
	for _, f := range append(files, nvdFiles...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		collect(doc, &pairs)
	}
	if len(pairs) < 100 {
		t.Fatalf("only %d scored vectors found", len(pairs))
	}
	for _, p := range pairs {
		got, err := Score(p.vector)
		if err != nil {
			t.Errorf("%s: %v", p.vector, err)
		} else if got != p.score {
			t.Errorf("%s: computed %v, document states %v", p.vector, got, p.score)
		}
	}
	t.Logf("%d stated scores recomputed", len(pairs))
}

type scored struct {
	vector string
	score  float64
}

// collect finds objects with vectorString (CVSS:3.x) and baseScore.
func collect(v any, out *[]scored) {
	switch x := v.(type) {
	case map[string]any:
		vec, _ := x["vectorString"].(string)
		score, ok := x["baseScore"].(float64)
		if ok && strings.HasPrefix(vec, "CVSS:3") {
			*out = append(*out, scored{vec, score})
		}
		for _, y := range x {
			collect(y, out)
		}
	case []any:
		for _, y := range x {
			collect(y, out)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("CVSS:3.0/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(v.String())
		if err != nil {
			t.Fatalf("canonical form %q does not parse: %v", v.String(), err)
		}
		score, err := v.BaseScore()
		if err == nil && (score < 0 || score > 10) {
			t.Fatalf("score %v out of range", score)
		}
		if s2, err2 := again.BaseScore(); s2 != score || (err == nil) != (err2 == nil) {
			t.Fatalf("score changed on reparse: %v, %v", score, s2)
		}
		FromURL("https://x/#" + s)
	})
}
