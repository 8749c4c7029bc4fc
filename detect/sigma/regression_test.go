package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/airtight/airtight/internal/shareddata"
)

// regressionInfo is a SigmaHQ regression case's info.yml.
type regressionInfo struct {
	RuleMetadata []struct {
		ID    string `yaml:"id"`
		Title string `yaml:"title"`
	} `yaml:"rule_metadata"`
	Tests []struct {
		Name       string `yaml:"name"`
		Type       string `yaml:"type"`
		MatchCount *int   `yaml:"match_count"`
		Path       string `yaml:"path"`
	} `yaml:"regression_tests_info"`
}

// regressionCase is one test of one case directory.
type regressionCase struct {
	dir      string // relative to regression_data
	ruleID   string
	typ      string
	want     int // -1: at least one
	jsonPath string
}

func regressionCases(t *testing.T, root string) []regressionCase {
	t.Helper()
	var out []regressionCase
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() != "info.yml" {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var info regressionInfo
		if err := yaml.Unmarshal(data, &info); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		c := regressionCase{dir: filepath.ToSlash(dir), want: -1}
		if len(info.RuleMetadata) > 0 {
			c.ruleID = info.RuleMetadata[0].ID
		}
		if len(info.Tests) == 0 {
			out = append(out, c) // no active test (commented out upstream)
			return nil
		}
		for _, tc := range info.Tests {
			cc := c
			cc.typ = tc.Type
			if tc.MatchCount != nil {
				cc.want = *tc.MatchCount
			}
			base := strings.TrimSuffix(filepath.Base(tc.Path), filepath.Ext(tc.Path))
			cc.jsonPath = filepath.Join(filepath.Dir(path), base+".json")
			out = append(out, cc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runCase runs one case: status is match, miss, error or skip, and reason
// says why (or notes a match_count difference).
func runCase(e *Engine, byPath, byID map[string]*Rule, c regressionCase) (status, reason string) {
	if c.typ == "" {
		return "skip", "no active regression test in info.yml"
	}
	data, err := os.ReadFile(c.jsonPath)
	if err != nil {
		return "skip", fmt.Sprintf("%s test without a JSON rendering of the event", c.typ)
	}
	r := byPath[c.dir+".yml"]
	if r == nil {
		r = byID[c.ruleID]
	}
	if r == nil {
		return "error", "rule " + c.ruleID + " is not in the shared rule subset"
	}
	evs, err := ParseJSONEvents(data, JSONOptions{})
	if err != nil {
		return "error", err.Error()
	}
	got := 0
	for _, ev := range evs {
		for _, d := range e.Match(ev) {
			if d.Rule == r.ID {
				got++
				break
			}
		}
	}
	switch {
	case got == 0:
		return "miss", fmt.Sprintf("rule %s matched none of %d events", r.ID, len(evs))
	case c.want >= 0 && got != c.want:
		// The JSON rendering holds more events than the upstream evtx
		// count says; each is listed so that it can be checked by hand.
		return "match", fmt.Sprintf("note: rule %s matched %d of %d events; info.yml says match_count %d", r.ID, got, len(evs), c.want)
	}
	return "match", ""
}

// TestRegression runs every SigmaHQ regression case against an engine
// loaded with all shared rules: the case's rule must match its events
// (match_count of them when given). Failures are kept in a golden file so
// that a regression shows as a diff.
func TestRegression(t *testing.T) {
	root := shareddata.Dir(t, "detect", "sigma", "regression_data")
	sh := loadShared(t)
	e, rejs := NewEngine(sh.rules, Options{})
	if len(rejs) > 0 {
		t.Fatalf("correlation rejections: %v", rejs)
	}
	byPath, byID := map[string]*Rule{}, map[string]*Rule{}
	for _, r := range sh.rules {
		byPath[r.File], byID[r.ID] = r, r
	}
	counts := map[string]int{}
	var lines []string
	cases := regressionCases(t, root)
	for _, c := range cases {
		status, reason := runCase(e, byPath, byID, c)
		counts[status]++
		if reason != "" {
			lines = append(lines, fmt.Sprintf("%s: %s: %s", c.dir, status, reason))
		}
	}
	slices.Sort(lines)
	summary := fmt.Sprintf("cases: %d, match: %d, miss: %d, error: %d, skip: %d",
		len(cases), counts["match"], counts["miss"], counts["error"], counts["skip"])
	t.Log(summary)
	checkGolden(t, "regression_failures.golden", summary+"\n"+strings.Join(lines, "\n")+"\n")
	if counts["match"] <= 156 {
		t.Errorf("only %d regression cases match; the reference tool matched 156", counts["match"])
	}
}

// TestSharedRulesLoad checks that the shared rules load; each rejection is
// listed with its reason in a golden file.
func TestSharedRulesLoad(t *testing.T) {
	sh := loadShared(t)
	var lines []string
	for _, r := range sh.rejs {
		lines = append(lines, r.Error())
	}
	slices.Sort(lines)
	summary := fmt.Sprintf("loaded: %d, rejected: %d", len(sh.rules), len(sh.rejs))
	t.Log(summary)
	checkGolden(t, "rule_rejections.golden", summary+"\n"+strings.Join(lines, "\n")+"\n")
	if len(sh.rules)+len(sh.rejs) != 385 {
		t.Errorf("loaded %d + rejected %d rules, want 385 in all", len(sh.rules), len(sh.rejs))
	}
}
