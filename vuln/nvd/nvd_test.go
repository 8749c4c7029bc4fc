package nvd

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/airtight/airtight/vuln"
)

func TestParsePage(t *testing.T) {
	data, err := os.ReadFile("testdata/page.json")
	if err != nil {
		t.Fatal(err)
	}
	if !Detect(data) {
		t.Fatal("not detected")
	}
	advs, err := Parse("page.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(advs) != 1 {
		t.Fatalf("%d advisories, want 1 (rejected left out)", len(advs))
	}
	a := advs[0]
	if a.ID != "CVE-2099-1000" || a.Summary != "Overflow in acme rtos." || a.CVSS != 9.1 || a.Vector != "CVSS:3.0/AV:N" ||
		len(a.Aliases) != 1 || len(a.Configurations) != 3 {
		t.Fatalf("advisory %+v", a)
	}
	and := a.Configurations[1]
	if and.Operator != "AND" || len(and.Nodes) != 2 || and.Nodes[1].Matches[0].Vulnerable || and.Nodes[0].Matches[0].EndIncluding != "2.4a" {
		t.Errorf("AND configuration %+v", and)
	}
}

func TestParseSingle(t *testing.T) {
	doc := `{"id":"CVE-2099-2","sourceIdentifier":"a","vulnStatus":"Analyzed","affected":[],"configurations":[]}`
	if !Detect([]byte(doc)) {
		t.Fatal("not detected")
	}
	advs, err := Parse("one.json", []byte(doc))
	if err != nil || len(advs) != 1 || advs[0].ID != "CVE-2099-2" {
		t.Fatalf("%+v %v", advs, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"syntax", `{"vulnerabilities":[`, "x.json"},
		{"no id", `{"vulnerabilities":[{"cve":{"vulnStatus":"x"}}]}`, "x.json: vulnerabilities[0].cve.id: missing"},
		{"null cve", `{"vulnerabilities":[{}]}`, "x.json: vulnerabilities[0].cve: missing"},
		{"neither", `{"foo":1}`, "neither"},
		{"bad cpe", `{"id":"CVE-1","configurations":[{"nodes":[{"cpeMatch":[{"criteria":"cpe:2.3:a:x"}]}]}]}`,
			"x.json: configurations[0].nodes[0].cpeMatch[0]: criteria: CPE 2.3 name has 2 attributes"},
		{"bad operator", `{"id":"CVE-1","configurations":[{"operator":"XOR"}]}`, "configurations[0].operator"},
		{"two bounds", `{"id":"CVE-1","configurations":[{"nodes":[{"cpeMatch":[{"criteria":"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*","versionEndIncluding":"1","versionEndExcluding":"2"}]}]}]}`, "both"},
		{"type", `{"id":"CVE-1","configurations":[{"negate":"yes"}]}`, "x.json:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.json", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			var pe *vuln.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("%T is not a *vuln.ParseError", err)
			}
		})
	}
}

func TestParseCPE(t *testing.T) {
	tests := []struct {
		in      string
		vendor  string
		product string
		version string
		vkind   Kind
		glob    bool
		err     bool
	}{
		{"cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*", "wolfssl", "wolfssl", "4.8.1", Value, false, false},
		{"cpe:2.3:o:Amazon:FreeRTOS:*:*:*:*:-:*:*:*", "amazon", "freertos", "", Any, false, false},
		{"cpe:2.3:h:medtronic:minimed_508:-:*:*:*:*:*:*:*", "medtronic", "minimed_508", "", NA, false, false},
		{`cpe:2.3:a:x:y:1.0\:beta:*:*:*:*:*:*:*`, "x", "y", "1.0:beta", Value, false, false},
		{`cpe:2.3:a:the_jquery_foundation:jquery\!:3.1*:*:*:*:*:*:*:*`, "the_jquery_foundation", "jquery!", "3.1*", Value, true, false},
		{`cpe:2.3:a:x:y:1\*:*:*:*:*:*:*:*`, "x", "y", "1*", Value, false, false},
		{"cpe:/a:chan:fatfs:r0.13", "chan", "fatfs", "r0.13", Value, false, false},
		{"cpe:2.3:a:x:y:1:*:*:*:*:*:*", "", "", "", 0, false, true},
		{"cpe:2.3:q:x:y:1:*:*:*:*:*:*:*", "", "", "", 0, false, true},
		{"cpe:2.3:a:x::1:*:*:*:*:*:*:*", "", "", "", 0, false, true},
		{`cpe:2.3:a:x:y:1\`, "", "", "", 0, false, true},
		{"pkg:npm/x@1", "", "", "", 0, false, true},
	}
	for _, tt := range tests {
		c, err := ParseCPE(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("%s: error %v", tt.in, err)
			continue
		}
		if tt.err {
			continue
		}
		v := c.Get(Version)
		if c.Get(Vendor).S != tt.vendor || c.Get(Product).S != tt.product || v.Kind != tt.vkind || v.S != tt.version || v.Glob != tt.glob {
			t.Errorf("%s: %+v", tt.in, c)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{{"3.1*", "3.1.4", true}, {"3.1*", "3.2", false}, {"?.0", "1.0", true}, {`1\*`, "1*", true}, {`1\*`, "12", false},
		{"*a*a*a*a*b", strings.Repeat("a", 500), false}} {
		if got := glob(tt.p, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	data, _ := os.ReadFile("testdata/page.json")
	f.Add(data)
	f.Add([]byte(`{"id":"CVE-1","configurations":[{"nodes":[{"cpeMatch":[{"criteria":"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		advs, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		for _, a := range advs {
			for _, c := range a.Configurations {
				for _, n := range c.Nodes {
					for _, m := range n.Matches {
						if _, err := ParseCPE(m.Criteria); err != nil {
							t.Fatalf("accepted criteria %q: %v", m.Criteria, err)
						}
					}
				}
			}
		}
	})
}

func FuzzParseCPE(f *testing.F) {
	f.Add("cpe:2.3:a:x:y:1.0\\:beta:*:*:*:*:*:*:*")
	f.Add("cpe:/a:x:y:1%20")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCPE(s)
		if err == nil {
			_ = c.String()
		}
	})
}
