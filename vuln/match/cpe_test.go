package match

import (
	"os"
	"strings"
	"testing"

	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/cyclonedx"
	"github.com/airtight/airtight/vuln/feed"
	"github.com/airtight/airtight/vuln/nvd"
)

const nvdFixture = `{"format":"NVD_CVE","resultsPerPage":3,"vulnerabilities":[
{"cve":{"id":"CVE-2099-0100","vulnStatus":"Analyzed","metrics":{"cvssMetricV31":[{"cvssData":{"baseScore":9.8,"vectorString":"CVSS:3.1/AV:N"}}]},
 "configurations":[{"nodes":[{"operator":"OR","cpeMatch":[
   {"vulnerable":true,"criteria":"cpe:2.3:o:amazon:freertos:*:*:*:*:*:*:*:*","versionEndExcluding":"10.4.3"}]}]}]}},
{"cve":{"id":"CVE-2099-0101","vulnStatus":"Analyzed","configurations":[{"nodes":[{"operator":"OR","cpeMatch":[
   {"vulnerable":true,"criteria":"cpe:2.3:a:wolfssl:wolfssl:*:*:*:*:*:*:*:*","versionStartExcluding":"4.0.0","versionEndIncluding":"5.1.0"},
   {"vulnerable":true,"criteria":"cpe:2.3:a:wolfssl:wolfssl:3.9.0:*:*:*:*:*:*:*"},
   {"vulnerable":true,"criteria":"cpe:2.3:a:wolfssl:wolfssl_plugin:1.0:*:*:*:*:wordpress:*:*"}]}]}]}},
{"cve":{"id":"CVE-2099-0102","vulnStatus":"Analyzed","configurations":[{"operator":"AND","nodes":[
   {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:o:acme:pump_firmware:*:*:*:*:*:*:*:*","versionEndIncluding":"2.4a"}]},
   {"operator":"OR","cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:h:acme:pump:-:*:*:*:*:*:*:*"}]}]},
   {"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:apache:log4net:*:*:*:*:*:*:*:*","versionEndExcluding":"2.0.10"}]}]}]}}]}`

func cpeMatcher(t *testing.T) *CPEs {
	t.Helper()
	advs, err := nvd.Parse("fixture.json", []byte(nvdFixture))
	if err != nil {
		t.Fatal(err)
	}
	return NewCPEs(advs)
}

func TestCPEs(t *testing.T) {
	m := cpeMatcher(t)
	pump := vuln.Component{Name: "pump", CPE: "cpe:2.3:h:acme:pump:-:*:*:*:*:*:*:*"}
	tests := []struct {
		name             string
		c                vuln.Component
		sbom             []vuln.Component
		advisory         string // "" for no finding
		status           vuln.Status
		minConf, maxConf float64
		fixed, reason    string
	}{
		{"below end excluding", vuln.Component{Name: "FreeRTOS", Version: "10.0.1", CPE: "cpe:2.3:o:amazon:freertos:10.0.1:*:*:*:-:*:*:*"},
			nil, "CVE-2099-0100", vuln.StatusAffected, 1, 1, "10.4.3", "before 10.4.3"},
		{"at end excluding", vuln.Component{CPE: "cpe:2.3:o:amazon:freertos:10.4.3:*:*:*:*:*:*:*"}, nil, "", "", 0, 0, "", ""},
		{"version from component", vuln.Component{Version: "9.0", CPE: "cpe:2.3:o:amazon:freertos:*:*:*:*:*:*:*:*"},
			nil, "CVE-2099-0100", vuln.StatusAffected, 1, 1, "10.4.3", "version 9.0"},
		{"no version", vuln.Component{Name: "FreeRTOS", CPE: "cpe:2.3:o:amazon:freertos:*:*:*:*:*:*:*:*"},
			nil, "CVE-2099-0100", vuln.StatusNeedsReview, 0.4, 0.6, "", "no version"},
		{"alias vendor", vuln.Component{CPE: "cpe:2.3:o:freertos:freertos:10.0.1:*:*:*:*:*:*:*"},
			nil, "CVE-2099-0100", vuln.StatusAffected, 0.9, 0.99, "10.4.3", "alias"},
		{"part differs", vuln.Component{CPE: "cpe:2.3:a:amazon:freertos:10.0.1:*:*:*:*:*:*:*"},
			nil, "CVE-2099-0100", vuln.StatusAffected, 0.85, 0.95, "10.4.3", "part o in NVD, a in the SBOM"},
		{"other vendor same product", vuln.Component{CPE: "cpe:2.3:o:other:freertos:10.0.1:*:*:*:*:*:*:*"}, nil, "", "", 0, 0, "", ""},
		{"product prefix is not a match", vuln.Component{CPE: "cpe:2.3:o:amazon:freertos_plus_tcp:1.0:*:*:*:*:*:*:*"}, nil, "", "", 0, 0, "", ""},
		{"start excluding, end including", vuln.Component{CPE: "cpe:2.3:a:wolfssl:wolfssl:5.1.0:*:*:*:*:*:*:*"},
			nil, "CVE-2099-0101", vuln.StatusAffected, 1, 1, "", "up to and including 5.1.0"},
		{"at start excluding", vuln.Component{CPE: "cpe:2.3:a:wolfssl:wolfssl:4.0.0:*:*:*:*:*:*:*"}, nil, "", "", 0, 0, "", ""},
		{"exact criteria version", vuln.Component{CPE: "cpe:2.3:a:wolfssl:wolfssl:3.9:*:*:*:*:*:*:*"},
			nil, "CVE-2099-0101", vuln.StatusAffected, 1, 1, "", "affected version 3.9.0"},
		{"other target_sw", vuln.Component{CPE: "cpe:2.3:a:wolfssl:wolfssl_plugin:1.0:*:*:*:*:joomla:*:*"}, nil, "", "", 0, 0, "", ""},
		{"running on, platform unknown", vuln.Component{CPE: "cpe:2.3:o:acme:pump_firmware:2.3:*:*:*:*:*:*:*"},
			nil, "CVE-2099-0102", vuln.StatusNeedsReview, 0.6, 0.75, "", "only when running on cpe:2.3:h:acme:pump"},
		{"running on, platform in SBOM", vuln.Component{CPE: "cpe:2.3:o:acme:pump_firmware:2.4a:*:*:*:*:*:*:*"},
			[]vuln.Component{pump}, "CVE-2099-0102", vuln.StatusAffected, 0.9, 0.96, "", "condition met"},
		{"platform alone is not vulnerable", pump, []vuln.Component{pump}, "", "", 0, 0, "", ""},
		{"firmware after range", vuln.Component{CPE: "cpe:2.3:o:acme:pump_firmware:2.5:*:*:*:*:*:*:*"}, nil, "", "", 0, 0, "", ""},
		{"trimmed vendor", vuln.Component{CPE: "cpe:2.3:a:the_apache_software_foundation:log4net:2.0.8:*:*:*:*:*:*:*"},
			nil, "CVE-2099-0102", vuln.StatusAffected, 0.9, 0.99, "2.0.10", "after alias"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := m.MatchIn(tt.c, tt.sbom)
			if tt.advisory == "" {
				if len(fs) != 0 {
					t.Fatalf("findings %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
			}
			f := fs[0]
			if f.Advisory != tt.advisory || f.Status != tt.status || f.Confidence < tt.minConf || f.Confidence > tt.maxConf ||
				f.Fixed != tt.fixed || f.Method != vuln.MethodCPE || !strings.Contains(f.Reason, tt.reason) {
				t.Errorf("finding %+v; want %s %s confidence in [%v, %v] fixed %q reason with %q",
					f, tt.advisory, tt.status, tt.minConf, tt.maxConf, tt.fixed, tt.reason)
			}
		})
	}
}

func TestComponentsCombined(t *testing.T) {
	cm := cpeMatcher(t)
	pm := NewPackages(nil)
	sbom := []vuln.Component{
		{Name: "FreeRTOS", Version: "10.0.1", PURL: "pkg:github/freertos/freertos", CPE: "cpe:2.3:o:amazon:freertos:10.0.1:*:*:*:*:*:*:*"},
		{Name: "chip", PURL: "pkg:generic/chip", CPE: "cpe:2.3:h:acme:chip:*:*:*:*:*:*:*:*"},
		{Name: "bad", Version: "1", CPE: "cpe:2.3:a:broken"},
	}
	var got []string
	for _, f := range Components(pm, cm, sbom) {
		got = append(got, f.Component+" "+f.Advisory+" "+string(f.Method)+" "+string(f.Status))
	}
	want := "pkg:github/freertos/freertos CVE-2099-0100 cpe affected|pkg:generic/chip  purl needs_review|bad@1  purl needs_review|bad@1  cpe needs_review"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("got  %s\nwant %s", g, want)
	}
}

// TestSharedNVDMedicalDevice scans the medical-device case-study SBOM
// against the NVD samples: the FreeRTOS and wolfSSL CVEs must be found by
// CPE, and nothing else may match by CPE.
func TestSharedNVDMedicalDevice(t *testing.T) {
	sbomPath := shareddata.Dir(t, "vuln", "sbom", "medical-device-case-study", "extended.sbom.json")
	advs, err := feed.Load(shareddata.Dir(t, "vuln", "nvd"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(sbomPath)
	if err != nil {
		t.Fatal(err)
	}
	comps, err := cyclonedx.Parse(sbomPath, data)
	if err != nil {
		t.Fatal(err)
	}
	withCPE := 0
	for _, c := range comps {
		if c.CPE != "" {
			withCPE++
		}
	}
	found := map[string][]string{}
	for _, f := range Components(NewPackages(advs), NewCPEs(advs), comps) {
		if f.Method != vuln.MethodCPE {
			continue
		}
		t.Logf("%s %s %s %.2f fixed=%q: %s", f.Component, f.Advisory, f.Status, f.Confidence, f.Fixed, f.Reason)
		found[f.Component] = append(found[f.Component], f.Advisory)
	}
	t.Logf("%d NVD records, %d components (%d with a CPE), CPE findings: %v", len(advs), len(comps), withCPE, found)
	var freertos, wolfssl []string
	for k, ids := range found {
		switch {
		case strings.Contains(strings.ToLower(k), "freertos"):
			freertos = append(freertos, ids...)
		case strings.Contains(strings.ToLower(k), "wolfssl"):
			wolfssl = append(wolfssl, ids...)
		default:
			t.Errorf("unexpected CPE finding for %s: %v", k, ids)
		}
	}
	if strings.Join(freertos, ",") != "CVE-2021-31571" || strings.Join(wolfssl, ",") != "CVE-2022-25638" {
		t.Errorf("FreeRTOS %v, wolfSSL %v; want CVE-2021-31571 and CVE-2022-25638", freertos, wolfssl)
	}
}
