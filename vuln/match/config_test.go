package match

import (
	"strings"
	"testing"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/nvd"
)

// configFixture holds NVD CVE API 2.0 configurations in the shapes NVD
// publishes: firmware AND device (ICS and medical devices), an operating
// system on listed hardware, an application running on an OS range, a
// negated node ("not on"), a negated configuration, an AND node inside a
// single-node configuration, and two configurations joined by OR.
const configFixture = `{"format":"NVD_CVE","resultsPerPage":7,"vulnerabilities":[
{"cve":{"id":"CVE-2098-0001","vulnStatus":"Analyzed","configurations":[{"operator":"AND","nodes":[
  {"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:o:philips:intellivue_mx40_firmware:*:*:*:*:*:*:*:*","versionEndExcluding":"B.06.18"}]},
  {"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:h:philips:intellivue_mx40:-:*:*:*:*:*:*:*"}]}]}]}},
{"cve":{"id":"CVE-2098-0002","vulnStatus":"Analyzed","configurations":[{"operator":"AND","nodes":[
  {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:o:windriver:vxworks:*:*:*:*:*:*:*:*","versionStartIncluding":"6.5","versionEndIncluding":"7.0"}]},
  {"operator":"OR","cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:h:siemens:simatic_s7-1500:-:*:*:*:*:*:*:*"},
    {"vulnerable":false,"criteria":"cpe:2.3:h:ge:carescape_b450:-:*:*:*:*:*:*:*"}]}]}]}},
{"cve":{"id":"CVE-2098-0003","vulnStatus":"Analyzed","configurations":[{"operator":"AND","nodes":[
  {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:wolfssl:wolfssl:*:*:*:*:*:*:*:*","versionEndExcluding":"5.5.0"}]},
  {"operator":"OR","cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*","versionStartIncluding":"5.4","versionEndExcluding":"5.11"}]}]}]}},
{"cve":{"id":"CVE-2098-0004","vulnStatus":"Analyzed","configurations":[{"operator":"AND","nodes":[
  {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:acme:viewer:*:*:*:*:*:*:*:*","versionEndExcluding":"3.0"}]},
  {"operator":"OR","negate":true,"cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}]}]}]}},
{"cve":{"id":"CVE-2098-0005","vulnStatus":"Analyzed","configurations":[{"negate":true,"nodes":[
  {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:acme:legacy:1.0:*:*:*:*:*:*:*"}]}]}]}},
{"cve":{"id":"CVE-2098-0006","vulnStatus":"Analyzed","configurations":[{"nodes":[
  {"operator":"AND","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:acme:agent:*:*:*:*:*:*:*:*","versionEndIncluding":"2.1"},
    {"vulnerable":false,"criteria":"cpe:2.3:a:acme:agent_plugin:*:*:*:*:*:*:*:*"}]}]}]}},
{"cve":{"id":"CVE-2098-0007","vulnStatus":"Analyzed","configurations":[
  {"operator":"AND","nodes":[
    {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:acme:dicom_server:*:*:*:*:*:*:*:*","versionEndExcluding":"4.0"}]},
    {"operator":"OR","cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:debian:debian_linux:10.0:*:*:*:*:*:*:*"}]}]},
  {"operator":"AND","nodes":[
    {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:acme:dicom_server:*:*:*:*:*:*:*:*","versionEndExcluding":"4.0"}]},
    {"operator":"OR","cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:redhat:enterprise_linux:8.0:*:*:*:*:*:*:*"}]}]}]}}]}`

func TestConfigurations(t *testing.T) {
	advs, err := nvd.Parse("configs.json", []byte(configFixture))
	if err != nil {
		t.Fatal(err)
	}
	m := NewCPEs(advs)
	comp := func(cpe string) vuln.Component { return vuln.Component{Name: strings.Split(cpe, ":")[4], CPE: cpe} }
	mx40fw := comp("cpe:2.3:o:philips:intellivue_mx40_firmware:B.06.10:*:*:*:*:*:*:*")
	mx40 := comp("cpe:2.3:h:philips:intellivue_mx40:-:*:*:*:*:*:*:*")
	vx := comp("cpe:2.3:o:windriver:vxworks:6.9:*:*:*:*:*:*:*")
	wolf := comp("cpe:2.3:a:wolfssl:wolfssl:5.2.0:*:*:*:*:*:*:*")
	viewer := comp("cpe:2.3:a:acme:viewer:2.0:*:*:*:*:*:*:*")
	dicom := comp("cpe:2.3:a:acme:dicom_server:3.1:*:*:*:*:*:*:*")
	dev := func(maker, model, ver string) *vuln.Device {
		return &vuln.Device{Manufacturer: maker, Model: model, Version: ver}
	}
	tests := []struct {
		name     string
		c        vuln.Component
		sbom     []vuln.Component
		dev      *vuln.Device
		advisory string // "" for no finding
		status   vuln.Status
		reason   string
	}{
		{"firmware and device, device CPE in SBOM", mx40fw, []vuln.Component{mx40fw, mx40}, nil,
			"CVE-2098-0001", vuln.StatusAffected, "condition met"},
		{"firmware and device, no platform evidence", mx40fw, []vuln.Component{mx40fw}, nil,
			"CVE-2098-0001", vuln.StatusNeedsReview, "only when running on cpe:2.3:h:philips:intellivue_mx40"},
		{"firmware and device, inventoried device is the hardware", mx40fw, nil, dev("Philips Medical Systems", "IntelliVue MX40", "B.06.10"),
			"CVE-2098-0001", vuln.StatusAffected, "condition met"},
		{"firmware and device, another model of the maker", mx40fw, nil, dev("Philips", "IntelliVue MX800", "B.06.10"), "", "", ""},
		{"firmware and device, device of another maker", mx40fw, nil, dev("GE Healthcare", "CARESCAPE B450", "2.0"),
			"CVE-2098-0001", vuln.StatusNeedsReview, "review"},
		{"firmware out of range", comp("cpe:2.3:o:philips:intellivue_mx40_firmware:B.06.18:*:*:*:*:*:*:*"), []vuln.Component{mx40}, nil, "", "", ""},
		{"hardware alone is not vulnerable", mx40, []vuln.Component{mx40}, dev("Philips", "IntelliVue MX40", "B.06.10"), "", "", ""},
		{"OS on listed hardware, second hardware in SBOM", vx, []vuln.Component{comp("cpe:2.3:h:ge:carescape_b450:-:*:*:*:*:*:*:*")}, nil,
			"CVE-2098-0002", vuln.StatusAffected, "condition met"},
		{"OS on listed hardware, device is that hardware", vx, nil, dev("GE Healthcare", "CARESCAPE B450", "2.0"),
			"CVE-2098-0002", vuln.StatusAffected, "condition met"},
		{"OS on listed hardware, unknown hardware", vx, nil, dev("Acme", "Pump 9", "1"),
			"CVE-2098-0002", vuln.StatusNeedsReview, "simatic_s7-1500"},
		{"OS on listed hardware, OS out of range", comp("cpe:2.3:o:windriver:vxworks:6.4:*:*:*:*:*:*:*"), nil, dev("GE", "CARESCAPE B450", "2.0"), "", "", ""},
		{"application on an OS in range", wolf, []vuln.Component{comp("cpe:2.3:o:linux:linux_kernel:5.10.2:*:*:*:*:*:*:*")}, nil,
			"CVE-2098-0003", vuln.StatusAffected, "condition met"},
		{"application on an OS out of range", wolf, []vuln.Component{comp("cpe:2.3:o:linux:linux_kernel:6.1:*:*:*:*:*:*:*")}, nil, "", "", ""},
		{"application, OS without version", wolf, []vuln.Component{{Name: "linux", CPE: "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"}}, nil,
			"CVE-2098-0003", vuln.StatusNeedsReview, "linux_kernel"},
		{"application on an OS range, OS version from the component", wolf, []vuln.Component{{Name: "linux", Version: "5.4",
			CPE: "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"}}, nil, "CVE-2098-0003", vuln.StatusAffected, "condition met"},
		{"negated node, excluded platform present", viewer, []vuln.Component{comp("cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*")}, nil, "", "", ""},
		{"negated node, platform unknown", viewer, nil, nil, "CVE-2098-0004", vuln.StatusNeedsReview, "not cpe:2.3:o:microsoft:windows"},
		{"negated configuration", comp("cpe:2.3:a:acme:legacy:1.0:*:*:*:*:*:*:*"), nil, nil, "", "", ""},
		{"AND node, both entries present", comp("cpe:2.3:a:acme:agent:2.0:*:*:*:*:*:*:*"),
			[]vuln.Component{comp("cpe:2.3:a:acme:agent_plugin:1.0:*:*:*:*:*:*:*")}, nil, "CVE-2098-0006", vuln.StatusAffected, "condition met"},
		{"AND node, second entry unknown", comp("cpe:2.3:a:acme:agent:2.0:*:*:*:*:*:*:*"), nil, nil,
			"CVE-2098-0006", vuln.StatusNeedsReview, "with cpe:2.3:a:acme:agent_plugin"},
		{"two configurations, second holds", dicom, []vuln.Component{comp("cpe:2.3:o:redhat:enterprise_linux:8.0:*:*:*:*:*:*:*")}, nil,
			"CVE-2098-0007", vuln.StatusAffected, "enterprise_linux"},
		{"two configurations, platform of another version", dicom, []vuln.Component{comp("cpe:2.3:o:redhat:enterprise_linux:9.0:*:*:*:*:*:*:*"),
			comp("cpe:2.3:o:debian:debian_linux:11.0:*:*:*:*:*:*:*")}, nil, "", "", ""},
		{"two configurations, neither platform known", dicom, nil, nil, "CVE-2098-0007", vuln.StatusNeedsReview, "review"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := m.MatchOn(tt.c, Platform{Components: tt.sbom, Device: tt.dev})
			if tt.advisory == "" {
				if len(fs) != 0 {
					t.Fatalf("findings %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
			}
			if f := fs[0]; f.Advisory != tt.advisory || f.Status != tt.status || !strings.Contains(f.Reason, tt.reason) {
				t.Errorf("finding %s %s %q; want %s %s with %q", f.Advisory, f.Status, f.Reason, tt.advisory, tt.status, tt.reason)
			}
		})
	}
}

// TestTriLogic checks the three-valued operators configurations use.
func TestTriLogic(t *testing.T) {
	for _, tt := range []struct{ a, b, and, or tri }{
		{yes, yes, yes, yes}, {yes, unknown, unknown, yes}, {yes, no, no, yes},
		{unknown, unknown, unknown, unknown}, {unknown, no, no, unknown}, {no, no, no, no},
	} {
		if min(tt.a, tt.b) != tt.and || max(tt.a, tt.b) != tt.or {
			t.Errorf("%v %v: and %v or %v", tt.a, tt.b, min(tt.a, tt.b), max(tt.a, tt.b))
		}
	}
	if yes.not() != no || no.not() != yes || unknown.not() != unknown {
		t.Error("not")
	}
}
