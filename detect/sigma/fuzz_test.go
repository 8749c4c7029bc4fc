package sigma

import (
	"os"
	"testing"

	"github.com/airtight/airtight/internal/shareddata"
)

// fuzzSeedRules are real rules from the shared subset, when present.
func fuzzSeedRules(f *testing.F) {
	for _, p := range []string{
		"rules/windows/process_creation/proc_creation_win_findstr_recon_everyone.yml",
		"rules-emerging-threats/2025/Malware/Grixba/proc_creation_win_malware_grixba_recon.yml",
		"rules/windows/builtin/win_alert_mimikatz_keywords.yml",
	} {
		if path, ok := shareddata.Path("detect", "sigma", p); ok {
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(ruleYAML("  sel:\n    CommandLine|base64offset|contains: 'x'\n    Image|windash|endswith: ' -a'\n  condition: sel\n")))
	f.Add([]byte(ruleYAML("  sel:\n    A|re|i: '(a|b)+c'\n    B|cidr: 10.0.0.0/8\n    C|gte: 3\n    D|fieldref: E\n    F|exists: true\n  k: [x, 'y*z']\n  condition: sel or not k\n")))
	f.Add([]byte(corrRule("  type: temporal_ordered\n  rules: [failed, accepted]\n  group-by: [SourceIp]\n  timespan: 5m\n")))
	f.Add([]byte("action: global\ntitle: x\n---\ntitle: y\n"))
}

// FuzzParseRule: parsing, compiling and evaluating any input never panics.
func FuzzParseRule(f *testing.F) {
	fuzzSeedRules(f)
	ev, err := NewJSONEvent(map[string]any{"CommandLine": "cmd /c whoami -a", "Image": `C:\x.exe`, "A": "abc", "B": "10.1.1.1", "C": 5, "D": "q", "E": "q"}, JSONOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, rejs := ParseRules("fuzz.yml", data, Config{})
		for _, r := range rejs {
			_ = r.Error()
		}
		e, _ := NewEngine(rules, Options{})
		e.Match(ev)
		var c evalCtx
		e.matchNaive(ev, &c)
	})
}

// FuzzParseCondition: the condition parser never panics, and what it
// accepts prints back to a condition that parses to the same tree.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{
		"selection", "all of selection_* and not 1 of filter_*", "1 of them",
		"selection_target and (selection_other_tools or all of sel_a* or all of sel_b*)",
		"not z_flag_unset and most_probable_valid_domain and not (exclude_tlds or exclude_query_types)",
		"sel | count() > 5", "((a)", "all of", "a and or b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCondition(s, 32, 4096)
		if err != nil {
			return
		}
		again, err := parseCondition(c.String(), 64, 1<<16)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, c.String(), err)
		}
		if again.String() != c.String() {
			t.Fatalf("%q: %q reparsed as %q", s, c.String(), again.String())
		}
	})
}

// FuzzJSONEvents: the JSON adapter never panics on any input.
func FuzzJSONEvents(f *testing.F) {
	f.Add([]byte(`{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"a"}}}`))
	f.Add([]byte(`{"a":[1,{"b":null}],"c":1e400}{"d":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, _ := ParseJSONEvents(data, JSONOptions{TimeField: "t"})
		for _, e := range evs {
			e.Values(func(k, v string) bool { e.Field(k); return true })
			e.LogSource()
		}
	})
}
