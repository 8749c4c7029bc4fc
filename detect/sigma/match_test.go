package sigma

import (
	"fmt"
	"strings"
	"testing"
)

// ruleYAML builds a rule document with the given detection block.
func ruleYAML(detection string) string {
	return "title: t\nid: r1\nauthor: Test Author\nlevel: high\ntags: [attack.t1059.001, attack.execution]\nlogsource:\n  product: windows\ndetection:\n" + detection
}

// mustEngine parses rule documents and builds an engine, failing the test
// on any rejection.
func mustEngine(t *testing.T, docs string, cfg Config) *Engine {
	t.Helper()
	rules, rejs := ParseRules("test.yml", []byte(docs), cfg)
	if len(rejs) > 0 {
		t.Fatalf("rejected: %v", rejs)
	}
	e, rejs := NewEngine(rules, Options{})
	if len(rejs) > 0 {
		t.Fatalf("rejected: %v", rejs)
	}
	return e
}

func jsonEvent(t *testing.T, fields map[string]any) *JSONEvent {
	t.Helper()
	e, err := NewJSONEvent(fields, JSONOptions{LogSource: LogSource{Product: "windows"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// matches reports whether rule r1 of e matches the event, checking that
// the naive evaluator agrees.
func matches(t *testing.T, e *Engine, ev Event) bool {
	t.Helper()
	got := len(e.Match(ev)) > 0
	var c evalCtx
	if naive := len(e.matchNaive(ev, &c)) > 0; naive != got {
		t.Errorf("engine says %v, naive evaluator %v", got, naive)
	}
	return got
}

type matchCase struct {
	name  string
	det   string
	event map[string]any
	want  bool
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := mustEngine(t, ruleYAML(tc.det), Config{Placeholders: map[string][]string{"Admins": {"root", "admin*"}}})
			if got := matches(t, e, jsonEvent(t, tc.event)); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestModifiers(t *testing.T) {
	cmd := map[string]any{"CommandLine": `C:\Windows\System32\cmd.exe /c whoami -all`, "Image": `C:\Windows\System32\cmd.exe`}
	sel := func(s string) string { return "  sel:\n" + s + "  condition: sel\n" }
	runMatchCases(t, []matchCase{
		{"exact case-insensitive", sel("    Image: 'c:\\windows\\system32\\CMD.EXE'\n"), cmd, true},
		{"exact differs", sel("    Image: 'cmd.exe'\n"), cmd, false},
		{"contains", sel("    CommandLine|contains: WHOAMI\n"), cmd, true},
		{"contains miss", sel("    CommandLine|contains: net user\n"), cmd, false},
		{"startswith", sel("    Image|startswith: 'C:\\Windows\\'\n"), cmd, true},
		{"endswith", sel("    Image|endswith: '\\cmd.exe'\n"), cmd, true},
		{"endswith miss", sel("    Image|endswith: '\\powershell.exe'\n"), cmd, false},
		{"contains all", sel("    CommandLine|contains|all: [whoami, '/c']\n"), cmd, true},
		{"contains all one missing", sel("    CommandLine|contains|all: [whoami, '/priv']\n"), cmd, false},
		{"list is or", sel("    Image|endswith: ['\\powershell.exe', '\\cmd.exe']\n"), cmd, true},
		{"wildcard star", sel("    Image: 'C:\\Windows*cmd.exe'\n"), cmd, true},
		{"escaped backslash then star", sel("    Image: 'C:\\\\*\\cmd.exe'\n"), cmd, true},
		{"backslash star is a literal star", sel("    Image: 'C:\\*\\cmd.exe'\n"), cmd, false},
		{"wildcard question", sel("    Image: 'C:\\Windows\\System3?\\cmd.exe'\n"), cmd, true},
		{"wildcard question one char", sel("    Image: 'C:\\Windows\\System?\\cmd.exe'\n"), cmd, false},
		{"escaped star literal", sel("    CommandLine|contains: 'a\\*b'\n"), map[string]any{"CommandLine": "x a*b y"}, true},
		{"escaped star no wildcard", sel("    CommandLine|contains: 'a\\*b'\n"), map[string]any{"CommandLine": "x aXXb y"}, false},
		{"escaped backslash before star", sel("    CommandLine: 'C:\\\\*'\n"), map[string]any{"CommandLine": `C:\anything`}, true},
		{"cased", sel("    CommandLine|contains|cased: WHOAMI\n"), cmd, false},
		{"cased hit", sel("    CommandLine|contains|cased: whoami\n"), cmd, true},
		{"re", sel("    CommandLine|re: 'who[a-z]+ -all$'\n"), cmd, true},
		{"re case-sensitive", sel("    CommandLine|re: 'WHOAMI'\n"), cmd, false},
		{"re i", sel("    CommandLine|re|i: 'WHOAMI'\n"), cmd, true},
		{"re m", sel("    CommandLine|re|m: '^second$'\n"), map[string]any{"CommandLine": "first\nsecond\nthird"}, true},
		{"re s", sel("    CommandLine|re|s: 'first.second'\n"), map[string]any{"CommandLine": "first\nsecond"}, true},
		{"re without s", sel("    CommandLine|re: 'first.second'\n"), map[string]any{"CommandLine": "first\nsecond"}, false},
		{"base64", sel("    CommandLine|base64|contains: 'whoami'\n"), map[string]any{"CommandLine": "x d2hvYW1p y"}, true},
		{"base64offset 0", sel("    CommandLine|base64offset|contains: 'whoami'\n"), map[string]any{"CommandLine": "-enc d2hvYW1p"}, true},
		{"base64offset 1", sel("    CommandLine|base64offset|contains: 'whoami'\n"), map[string]any{"CommandLine": "-enc " + b64("x"+"whoami")}, true},
		{"base64offset 2", sel("    CommandLine|base64offset|contains: 'whoami'\n"), map[string]any{"CommandLine": "-enc " + b64("xy"+"whoami z")}, true},
		{"utf16le base64offset", sel("    CommandLine|utf16le|base64offset|contains: 'iex'\n"), map[string]any{"CommandLine": "-e " + b64(utf16Encode("xx iex (new-object)", false, false))}, true},
		{"wide base64", sel("    CommandLine|wide|base64offset|contains: 'iex'\n"), map[string]any{"CommandLine": "-e " + b64(utf16Encode("iex", false, false))}, true},
		{"utf16be", sel("    CommandLine|utf16be|base64|contains: 'ab'\n"), map[string]any{"CommandLine": b64("\x00a\x00b")}, true},
		{"utf16 bom", sel("    CommandLine|utf16|base64|contains: 'ab'\n"), map[string]any{"CommandLine": b64("\xff\xfea\x00b\x00")}, true},
		{"windash slash", sel("    CommandLine|windash|contains: ' -all'\n"), map[string]any{"CommandLine": "whoami /all"}, true},
		{"windash en dash", sel("    CommandLine|windash|contains: ' -all'\n"), map[string]any{"CommandLine": "whoami \u2013all"}, true},
		{"windash hyphen", sel("    CommandLine|windash|contains: ' -all'\n"), cmd, true},
		{"windash miss", sel("    CommandLine|windash|contains: ' -all'\n"), map[string]any{"CommandLine": "whoami all"}, false},
		{"cidr v4", sel("    SourceIp|cidr: 10.20.0.0/16\n"), map[string]any{"SourceIp": "10.20.3.4"}, true},
		{"cidr v4 miss", sel("    SourceIp|cidr: 10.20.0.0/16\n"), map[string]any{"SourceIp": "10.21.3.4"}, false},
		{"cidr v6", sel("    SourceIp|cidr: 'fe80::/10'\n"), map[string]any{"SourceIp": "fe80::1"}, true},
		{"cidr not an address", sel("    SourceIp|cidr: 10.0.0.0/8\n"), map[string]any{"SourceIp": "host"}, false},
		{"lt", sel("    Count|lt: 10\n"), map[string]any{"Count": 9}, true},
		{"lt equal", sel("    Count|lt: 10\n"), map[string]any{"Count": 10}, false},
		{"lte", sel("    Count|lte: 10\n"), map[string]any{"Count": 10}, true},
		{"gt", sel("    Count|gt: 10\n"), map[string]any{"Count": "11"}, true},
		{"gte", sel("    Count|gte: 10.5\n"), map[string]any{"Count": 10}, false},
		{"gt not a number", sel("    Count|gt: 1\n"), map[string]any{"Count": "many"}, false},
		{"exists true", sel("    Image|exists: true\n"), cmd, true},
		{"exists false", sel("    Hashes|exists: false\n"), cmd, true},
		{"exists true missing", sel("    Hashes|exists: true\n"), cmd, false},
		{"expand", sel("    User|expand: '%Admins%'\n"), map[string]any{"User": "root"}, true},
		{"expand wildcard value", sel("    User|expand: '%Admins%'\n"), map[string]any{"User": "admin2"}, true},
		{"expand miss", sel("    User|expand: '%Admins%'\n"), map[string]any{"User": "nurse"}, false},
		{"fieldref equal", sel("    User|fieldref: ParentUser\n"), map[string]any{"User": "HOSP\\A", "ParentUser": "hosp\\a"}, true},
		{"fieldref differ", sel("    User|fieldref: ParentUser\n"), map[string]any{"User": "a", "ParentUser": "b"}, false},
		{"fieldref startswith", sel("    Image|fieldref|startswith: Dir\n"), map[string]any{"Image": `C:\x\a.exe`, "Dir": `C:\x\`}, true},
		{"null matches missing", sel("    User: null\n"), cmd, true},
		{"null no match present", sel("    Image: null\n"), cmd, false},
		{"null matches json null", sel("    User: null\n"), map[string]any{"User": nil}, true},
		{"empty string", sel("    User: ''\n"), map[string]any{"User": ""}, true},
		{"empty string not missing", sel("    User: ''\n"), cmd, false},
		{"number value", sel("    EventID: 4624\n"), map[string]any{"EventID": 4624}, true},
		{"number list", sel("    EventID: [4624, 4625]\n"), map[string]any{"EventID": "4625"}, true},
		{"map is and", sel("    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: nope\n"), cmd, false},
		{"list of maps is or", "  sel:\n    - Image: nope\n    - CommandLine|contains: whoami\n  condition: sel\n", cmd, true},
		{"keywords", "  keywords:\n    - 'mimikatz'\n    - 'whoami -all'\n  condition: keywords\n", cmd, true},
		{"keywords miss", "  keywords:\n    - 'mimikatz'\n  condition: keywords\n", cmd, false},
		{"keyword single", "  keywords: 'System32'\n  condition: keywords\n", cmd, true},
		{"keyword wildcard", "  keywords: ['cmd*whoami']\n  condition: keywords\n", cmd, true},
		{"keyword with modifier", "  keywords:\n    '|re': 'who[a]mi'\n  condition: keywords\n", cmd, true},
		{"nested json field", sel("    process.name: cmd.exe\n"), map[string]any{"process": map[string]any{"name": "CMD.EXE"}}, true},
	})
}

func b64(s string) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for i := 0; i < len(s); i += 3 {
		var n uint32
		k := min(3, len(s)-i)
		for j := range 3 {
			n <<= 8
			if j < k {
				n |= uint32(s[i+j])
			}
		}
		for j := range 4 {
			if j <= k {
				b.WriteByte(enc[(n>>(18-6*j))&63])
			} else {
				b.WriteByte('=')
			}
		}
	}
	return b.String()
}

func TestConditions(t *testing.T) {
	ev := map[string]any{"A": "1", "B": "2", "C": "3"}
	sels := "  sel_a:\n    A: '1'\n  sel_b:\n    B: '2'\n  sel_x:\n    C: 'x'\n  filter:\n    C: '3'\n  _hidden:\n    A: 'no'\n"
	for _, tc := range []struct {
		cond string
		want bool
	}{
		{"sel_a", true},
		{"sel_x", false},
		{"sel_a and sel_b", true},
		{"sel_a and sel_x", false},
		{"sel_a or sel_x", true},
		{"not sel_x", true},
		{"not sel_a", false},
		{"sel_a and not filter", false},
		{"sel_a and not sel_x", true},
		{"(sel_a or sel_x) and sel_b", true},
		{"sel_x or sel_a and sel_b", true},
		{"(sel_x or sel_a) and not (filter or sel_x)", false},
		{"not not sel_a", true},
		{"1 of sel_*", true},
		{"all of sel_*", false},
		{"all of sel_a*", true},
		{"1 of them", true},
		{"all of them", false}, // sel_x fails; _hidden is not part of them
		{"all of sel_* or filter", true},
		{"1 of sel_x* or 1 of filter", true},
		{"sel_a AND NOT sel_x", true},
	} {
		t.Run(tc.cond, func(t *testing.T) {
			e := mustEngine(t, ruleYAML(sels+"  condition: "+tc.cond+"\n"), Config{})
			if got := matches(t, e, jsonEvent(t, ev)); got != tc.want {
				t.Errorf("%q = %v, want %v", tc.cond, got, tc.want)
			}
		})
	}
	t.Run("them excludes underscore", func(t *testing.T) {
		e := mustEngine(t, ruleYAML("  sel:\n    A: '1'\n  _x:\n    A: '2'\n  condition: all of them\n"), Config{})
		if !matches(t, e, jsonEvent(t, ev)) {
			t.Error("all of them should ignore _x")
		}
	})
	t.Run("condition list is or", func(t *testing.T) {
		e := mustEngine(t, ruleYAML(sels+"  condition:\n    - sel_x\n    - sel_b\n"), Config{})
		if !matches(t, e, jsonEvent(t, ev)) {
			t.Error("a list of conditions should be their or")
		}
	})
}

func TestParseConditionErrors(t *testing.T) {
	for _, c := range []string{
		"", "sel and", "(sel", "sel)", "sel or or sel", "1 of", "all of (", "sel | count() > 5",
		"sel near other", "not", strings.Repeat("(", 40) + "sel" + strings.Repeat(")", 40), "sel $ x",
	} {
		if _, err := parseCondition(c, 32, 4096); err == nil {
			t.Errorf("parseCondition(%q) = nil error", c)
		}
	}
}

func TestConditionRoundTrip(t *testing.T) {
	for in, want := range map[string]string{
		"a and b or c":                     "((a and b) or c)",
		"a and (b or c)":                   "(a and (b or c))",
		"not a and b":                      "(not a and b)",
		"1 of sel_* and not 1 of filter_*": "(1 of sel_* and not 1 of filter_*)",
		"all of them":                      "all of them",
	} {
		c, err := parseCondition(in, 32, 4096)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := c.String(); got != want {
			t.Errorf("%q parsed as %s, want %s", in, got, want)
		}
	}
}

func TestRejections(t *testing.T) {
	for _, tc := range []struct {
		name, doc, reason string
		line              int
	}{
		{"unknown modifier", ruleYAML("  sel:\n    A|bogus: x\n  condition: sel\n"), `unknown modifier "bogus"`, 10},
		{"unknown selection", ruleYAML("  sel:\n    A: x\n  condition: other\n"), `unknown selection "other"`, 11},
		{"bad regex", ruleYAML("  sel:\n    A|re: '(?<=x)y'\n  condition: sel\n"), "not supported by RE2", 10},
		{"unresolved placeholder", ruleYAML("  sel:\n    A|expand: '%nope%'\n  condition: sel\n"), "unresolved placeholder %nope%", 10},
		{"aggregation", ruleYAML("  sel:\n    A: x\n  condition: sel | count() > 5\n"), "deprecated", 11},
		{"no condition", ruleYAML("  sel:\n    A: x\n"), "no condition", 9},
		{"collection", "action: global\ntitle: x\n", "action: global", 1},
		{"no title", "id: x\ndetection:\n  condition: x\n", "no title", 1},
		{"bad cidr", ruleYAML("  sel:\n    A|cidr: 10.0.0.0/33\n  condition: sel\n"), "field \"A\"", 10},
		{"re flag without re", ruleYAML("  sel:\n    A|i: x\n  condition: sel\n"), "only follows re", 10},
		{"base64 of wildcard", ruleYAML("  sel:\n    A|contains|base64: x\n  condition: sel\n"), "wildcards", 10},
		{"deep condition", ruleYAML("  sel:\n    A: x\n  condition: " + strings.Repeat("not ", 40) + "sel\n"), "nested deeper", 11},
		{"mixed list", ruleYAML("  sel:\n    - A: x\n    - plain\n  condition: sel\n"), "only maps or only values", 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, rejs := ParseRules("bad.yml", []byte(tc.doc), Config{})
			if len(rules) != 0 || len(rejs) != 1 {
				t.Fatalf("got %d rules, %d rejections, want one rejection", len(rules), len(rejs))
			}
			msg := rejs[0].Error()
			if !strings.Contains(msg, tc.reason) || !strings.HasPrefix(msg, fmt.Sprintf("bad.yml:%d: ", tc.line)) {
				t.Errorf("rejection %q, want bad.yml:%d: ...%s...", msg, tc.line, tc.reason)
			}
		})
	}
}

func TestBadRuleDoesNotStopOthers(t *testing.T) {
	docs := ruleYAML("  sel:\n    A: x\n  condition: sel\n") + "---\n" +
		ruleYAML("  sel:\n    A|bogus: x\n  condition: sel\n") + "---\n" +
		strings.Replace(ruleYAML("  sel:\n    A: y\n  condition: sel\n"), "id: r1", "id: r3", 1)
	rules, rejs := ParseRules("multi.yml", []byte(docs), Config{})
	if len(rules) != 2 || len(rejs) != 1 {
		t.Fatalf("got %d rules and %v, want 2 rules and 1 rejection", len(rules), rejs)
	}
	if rejs[0].Line != 22 {
		t.Errorf("rejection at line %d, want 22 (in the second document)", rejs[0].Line)
	}
}

func TestLimits(t *testing.T) {
	big := ruleYAML("  sel:\n    A: '" + strings.Repeat("x", 2000) + "'\n  condition: sel\n")
	if _, rejs := ParseRules("big.yml", []byte(big), Config{Limits: Limits{MaxFileBytes: 1000}}); len(rejs) != 1 || !strings.Contains(rejs[0].Reason, "larger than") {
		t.Errorf("file size limit not enforced: %v", rejs)
	}
	many := ruleYAML("  sel:\n    A|windash: '-a -b -c -d -e -f'\n  condition: sel\n")
	if _, rejs := ParseRules("wd.yml", []byte(many), Config{}); len(rejs) != 1 || !strings.Contains(rejs[0].Reason, "more than 1024") {
		t.Errorf("variant limit not enforced: %v", rejs)
	}
	re := ruleYAML("  sel:\n    A|re: '(a{1000}){1000}'\n  condition: sel\n")
	if _, rejs := ParseRules("re.yml", []byte(re), Config{}); len(rejs) != 1 {
		t.Errorf("regex complexity limit not enforced: %v", rejs)
	}
	docs := strings.Repeat("---\ntitle: x\n", 300)
	if _, rejs := ParseRules("docs.yml", []byte(docs), Config{}); !strings.Contains(rejs[len(rejs)-1].Reason, "more than 256 documents") {
		t.Errorf("document limit not enforced")
	}
}
