package policy

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
	"github.com/google/go-cmp/cmp"
)

func loadExample(t *testing.T) *Policy {
	t.Helper()
	p, err := Load("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// report builds a report with n findings per type and the given
// unscannable reasons.
func report(counts map[dlp.Type]int, unscannable ...string) *dlp.Report {
	r := &dlp.Report{}
	for t, n := range counts {
		for i := 0; i < n; i++ {
			r.Findings = append(r.Findings, dlp.Located{Finding: dlp.Finding{Type: t, Start: i, End: i + 1}})
		}
	}
	for _, u := range unscannable {
		r.Unscannable = append(r.Unscannable, dlp.Unscannable{Part: "secret-patient-name.zip", Reason: u})
	}
	return r
}

func TestDecideExample(t *testing.T) {
	p := loadExample(t)
	mail := func(rcpts ...string) dlp.Destination {
		return p.Destination(dlp.ChannelSMTP, "dr.who@hospital.example", rcpts, "")
	}
	web := func(host string) dlp.Destination {
		return p.Destination(dlp.ChannelICAP, "10.0.0.5", nil, host)
	}
	tests := []struct {
		name   string
		rep    *dlp.Report
		dst    dlp.Destination
		action dlp.Action
		rule   string
		reason string
	}{
		{"ssn to external mail", report(map[dlp.Type]int{dlp.Name: 3, dlp.SSN: 1}), mail("x@gmail.example"),
			dlp.ActionBlock, "ssn-external", "3 NAME, 1 SSN to an external recipient: rule 'ssn-external'"},
		{"ssn internal falls to phi-internal", report(map[dlp.Type]int{dlp.SSN: 1}), mail("a@lab.hospital.example"),
			dlp.ActionLog, "phi-internal", "1 SSN to an internal recipient: rule 'phi-internal'"},
		{"one external recipient makes it external", report(map[dlp.Type]int{dlp.SSN: 2}), mail("a@hospital.example", "b@Evil.Example"),
			dlp.ActionBlock, "ssn-external", ""},
		{"research partner any identifier", report(map[dlp.Type]int{dlp.Date: 1}), mail("p@data.research-partner.example"),
			dlp.ActionSecure, "research-partner", ""},
		{"names to external below threshold", report(map[dlp.Type]int{dlp.Name: 2}), mail("x@gmail.example"),
			dlp.ActionLog, "default", "2 NAME to an external recipient: default for smtp"},
		{"names and mrn to external", report(map[dlp.Type]int{dlp.Name: 2, dlp.MRN: 1}), mail("x@gmail.example"),
			dlp.ActionSecure, "phi-external-mail", ""},
		{"uncounted types do not reach min_total", report(map[dlp.Type]int{dlp.IP: 5}), mail("x@gmail.example"),
			dlp.ActionLog, "default", ""},
		{"clean external mail", report(nil), mail("x@gmail.example"),
			dlp.ActionLog, "default", "no identifiers to an external recipient: default for smtp"},
		{"unscannable external", report(nil, "encrypted archive"), mail("x@gmail.example"),
			dlp.ActionBlock, "unscannable-external", "no identifiers and 1 unscannable part (encrypted archive) to an external recipient: rule 'unscannable-external'"},
		{"unscannable internal uses channel default", report(nil, "too large", "too large"), mail("a@hospital.example"),
			dlp.ActionBlock, "default", "no identifiers and 2 unscannable parts (too large) to an internal recipient: default for smtp"},
		{"upload to dropbox", report(map[dlp.Type]int{dlp.Phone: 1}), web("www.dropbox.com"),
			dlp.ActionQuarantine, "phi-upload-file-sharing", "1 PHONE to an external web host: rule 'phi-upload-file-sharing'"},
		{"apex dropbox.com is not *.dropbox.com", report(map[dlp.Type]int{dlp.Phone: 1}), web("dropbox.com"),
			dlp.ActionLog, "default", ""},
		{"upload host with port", report(map[dlp.Type]int{dlp.SSN: 1}), web("upload.example.org:8443"),
			dlp.ActionBlock, "ssn-external", ""},
		{"bulk external api", report(map[dlp.Type]int{dlp.Date: 30, dlp.ZIP: 20}), p.Destination(dlp.ChannelAPI, "", nil, "x.example"),
			dlp.ActionBlock, "bulk-external", "30 DATE, 20 ZIP via api to an external destination: rule 'bulk-external'"},
		{"internal web host", report(map[dlp.Type]int{dlp.SSN: 1}), web("ehr.hospital.example"),
			dlp.ActionLog, "phi-internal", ""},
		{"nil report is unscannable", nil, mail("x@gmail.example"),
			dlp.ActionBlock, "unscannable-external", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(tt.rep, tt.dst)
			if d.Action != tt.action || d.Rule != tt.rule {
				t.Fatalf("Decide = %s by %q (%s), want %s by %q", d.Action, d.Rule, d.Reason, tt.action, tt.rule)
			}
			if tt.reason != "" && d.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", d.Reason, tt.reason)
			}
			if strings.Contains(d.Reason, "secret-patient-name") {
				t.Errorf("reason leaks a part name: %q", d.Reason)
			}
			if tt.rep != nil {
				if diff := cmp.Diff(tt.rep.Counts(), d.Types); diff != "" {
					t.Errorf("types (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCountConditions(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		rule Rule
		have map[dlp.Type]int
		want bool
	}{
		{"no condition matches nothing found", Rule{}, nil, true},
		{"types alone needs one", Rule{Types: []dlp.Type{dlp.SSN}}, map[dlp.Type]int{dlp.Name: 4}, false},
		{"types alone one found", Rule{Types: []dlp.Type{dlp.SSN}}, map[dlp.Type]int{dlp.SSN: 1}, true},
		{"counts any reached", Rule{Counts: map[dlp.Type]int{dlp.Name: 3, dlp.SSN: 1}}, map[dlp.Type]int{dlp.SSN: 1}, true},
		{"counts none reached", Rule{Counts: map[dlp.Type]int{dlp.Name: 3, dlp.SSN: 1}}, map[dlp.Type]int{dlp.Name: 2}, false},
		{"min_count per type", Rule{MinCount: 3}, map[dlp.Type]int{dlp.Name: 2, dlp.Date: 2}, false},
		{"min_count reached", Rule{MinCount: 3}, map[dlp.Type]int{dlp.Name: 3}, true},
		{"min_total across types", Rule{MinTotal: 4}, map[dlp.Type]int{dlp.Name: 2, dlp.Date: 2}, true},
		{"min_total restricted to types", Rule{MinTotal: 4, Types: []dlp.Type{dlp.Name}}, map[dlp.Type]int{dlp.Name: 2, dlp.Date: 2}, false},
		{"counts and min_total both needed", Rule{Counts: map[dlp.Type]int{dlp.SSN: 1}, MinTotal: 5}, map[dlp.Type]int{dlp.SSN: 1}, false},
		{"unscannable true with none", Rule{Unscannable: &yes}, nil, false},
		{"unscannable false with none", Rule{Unscannable: &no}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rule.Name, tt.rule.Action = "r", dlp.ActionBlock
			p, err := New(nil, nil, []Rule{tt.rule})
			if err != nil {
				t.Fatal(err)
			}
			d := p.Decide(report(tt.have), dlp.Destination{Channel: dlp.ChannelAPI})
			if got := d.Rule == "r"; got != tt.want {
				t.Errorf("matched = %v, want %v (%s)", got, tt.want, d.Reason)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // substring of the error
	}{
		{"empty", "", "empty policy"},
		{"version", "version: 2\n", "p.yaml:1: version must be 1"},
		{"unknown top key", "version: 1\nrulez: []\n", "line 2: unknown key rulez"},
		{"unknown rule key", "version: 1\nrules:\n  - name: a\n    action: block\n    min_totl: 3\n", "line 5: unknown key min_totl"},
		{"unknown default key", "version: 1\ndefaults:\n  smtp: {action: log, unscanable: log}\n", "line 3: unknown key unscanable"},
		{"no name", "version: 1\nrules:\n  - action: log\n", "p.yaml:3: rule 1: name is required"},
		{"bad action named", "version: 1\nrules:\n  - name: a\n    action: log\n  - name: b\n    action: burn\n", "p.yaml:5: rule 2: b: action must be"},
		{"bad type", "version: 1\nrules:\n  - name: a\n    action: log\n    types: [NAMES]\n", `unknown identifier type "NAMES"`},
		{"bad count", "version: 1\nrules:\n  - name: a\n    action: log\n    counts: {SSN: 0}\n", "SSN must be at least 1"},
		{"bad channel", "version: 1\nrules:\n  - name: a\n    action: log\n    channels: [fax]\n", `unknown channel "fax"`},
		{"bad destination", "version: 1\nrules:\n  - name: a\n    action: log\n    destination: outside\n", "destination must be"},
		{"bad pattern", "version: 1\nrules:\n  - name: a\n    action: log\n    hosts: [\"a*.example\"]\n", "not a domain"},
		{"bad internal", "version: 1\ninternal_domains: [\"exa mple.org\"]\n", "p.yaml:2: internal_domains"},
		{"duplicate", "version: 1\nrules:\n  - {name: a, action: log}\n  - {name: a, action: block}\n", `p.yaml:4: rule 2: duplicate name "a"`},
		{"default channel", "version: 1\ndefaults:\n  pigeon: {action: log}\n", `p.yaml:3: defaults: unknown channel "pigeon"`},
		{"default action", "version: 1\ndefaults:\n  smtp: {action: maybe}\n", "p.yaml:3: defaults smtp: unknown action"},
		{"wrong shape", "- a\n- b\n", "cannot unmarshal"},
		{"two documents", "version: 1\n---\nversion: 1\n", "more than one YAML document"},
		{"negative", "version: 1\nrules:\n  - {name: a, action: log, min_total: -1}\n", "must not be negative"},
		{"too large", "version: 1\n#" + strings.Repeat("x", MaxFileBytes), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse accepted %q", tt.doc)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := Default()
	ext := p.Destination(dlp.ChannelSMTP, "a@b.example", []string{"c@d.example"}, "")
	if !ext.External {
		t.Fatal("with no internal domains every recipient is external")
	}
	tests := []struct {
		rep  *dlp.Report
		want dlp.Action
	}{
		{report(map[dlp.Type]int{dlp.MRN: 1}), dlp.ActionBlock},
		{report(map[dlp.Type]int{dlp.Name: 2, dlp.Date: 1}), dlp.ActionBlock},
		{report(map[dlp.Type]int{dlp.Name: 2}), dlp.ActionLog},
		{report(nil, "encrypted"), dlp.ActionBlock},
		{report(nil), dlp.ActionLog},
	}
	for _, tt := range tests {
		if got := p.Decide(tt.rep, ext).Action; got != tt.want {
			t.Errorf("Decide(%v) = %s, want %s", tt.rep.Counts(), got, tt.want)
		}
	}
}

func TestDomain(t *testing.T) {
	for in, want := range map[string]string{
		"a@B.Example":          "b.example",
		"<x@y.example>":        "y.example",
		"host.example:443":     "host.example",
		"Host.Example.":        "host.example",
		"[2001:db8::1]:443":    "2001:db8::1",
		"2001:db8::1":          "2001:db8::1",
		"\"odd@local\"@z.test": "z.test",
		"":                     "",
	} {
		if got := Domain(in); got != want {
			t.Errorf("Domain(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tt := range []struct {
		pat, dom string
		want     bool
	}{
		{"example.org", "EXAMPLE.org", true},
		{"example.org", "a.example.org", false},
		{"*.example.org", "a.example.org", true},
		{"*.example.org", "a.b.example.org", true},
		{"*.example.org", "example.org", false},
		{"*.example.org", "badexample.org", false},
		{"*", "x", true},
		{"*", "", false},
	} {
		if got := MatchDomain(tt.pat, tt.dom); got != tt.want {
			t.Errorf("MatchDomain(%q, %q) = %v", tt.pat, tt.dom, got)
		}
	}
}

func TestStrength(t *testing.T) {
	order := []dlp.Action{dlp.ActionAllow, dlp.ActionLog, dlp.ActionRedact, dlp.ActionSecure, dlp.ActionQuarantine, dlp.ActionBlock}
	for i := 1; i < len(order); i++ {
		if Stronger(order[i-1], order[i]) != order[i] || Stronger(order[i], order[i-1]) != order[i] {
			t.Errorf("%s should be stronger than %s", order[i], order[i-1])
		}
	}
	if Strength("bogus") != Strength(dlp.ActionBlock) {
		t.Error("unknown actions must count as block")
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/example.yaml", "default.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("version: 1\nrules:\n  - {name: a, action: log, counts: {SSN: 1}}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		d := p.Decide(report(map[dlp.Type]int{dlp.Name: 2, dlp.SSN: 1}, "x"), p.Destination(dlp.ChannelSMTP, "a@b", []string{"c@d"}, "h"))
		if Strength(d.Action) < 0 || d.Rule == "" || d.Reason == "" {
			t.Fatalf("bad decision %+v", d)
		}
	})
}
