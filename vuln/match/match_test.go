package match

import (
	"testing"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/feed"
)

func load(t *testing.T) []vuln.Advisory {
	t.Helper()
	advs, err := feed.Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return advs
}

func dev(id, manufacturer, model, version string) vuln.Device {
	return vuln.Device{ID: id, Manufacturer: manufacturer, Model: model, Version: version}
}

func TestDevices(t *testing.T) {
	m := NewDevices(load(t))
	tests := []struct {
		name             string
		dev              vuln.Device
		status           vuln.Status // "" for no finding
		minConf, maxConf float64
		fixed            string
	}{
		{"below range", dev("d1", "ACME Medical Inc", "InfuseMax 3000", "B.06.17"), vuln.StatusAffected, 1, 1, "B.06.18"},
		{"fixed version", dev("d2", "Acme", "InfuseMax 3000", "B.06.18"), vuln.StatusFixed, 1, 1, ""},
		{"newer version", dev("d3", "Acme", "InfuseMax 3000", "B.07.01"), "", 0, 0, ""},
		{"model in product", dev("d4", "Acme Corp.", "InfuseMax", "A.01"), vuln.StatusAffected, 0.8, 0.9, "B.06.18"},
		{"no version", dev("d5", "Acme", "InfuseMax 3000", ""), vuln.StatusNeedsReview, 0.4, 0.6, "B.06.18"},
		{"free-text version", dev("d6", "Acme", "Gateway", "2.0"), vuln.StatusNeedsReview, 0.4, 0.6, ""},
		{"same free text", dev("d7", "Acme", "Gateway", "igs"), vuln.StatusAffected, 1, 1, ""},
		{"other vendor", dev("d8", "Globex", "InfuseMax 3000", "A.01"), "", 0, 0, ""},
		{"other product", dev("d9", "Acme", "Ventilator", "A.01"), "", 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := m.Match(tt.dev)
			if tt.status == "" {
				if len(fs) != 0 {
					t.Fatalf("findings %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
			}
			f := fs[0]
			if f.Status != tt.status || f.Confidence < tt.minConf || f.Confidence > tt.maxConf || f.Fixed != tt.fixed ||
				f.Device != tt.dev.ID || f.Method != vuln.MethodDevice || f.Advisory != "TEST-CSAF-01" || f.Reason == "" {
				t.Errorf("finding %+v; want status %s, confidence in [%v, %v], fixed %q", f, tt.status, tt.minConf, tt.maxConf, tt.fixed)
			}
		})
	}
}

func TestPackages(t *testing.T) {
	m := NewPackages(load(t))
	tests := []struct {
		name, purl string
		status     vuln.Status
		fixed      string
	}{
		{"go below fix", "pkg:golang/example.com/mod@v1.2.2", vuln.StatusAffected, "1.2.3"},
		{"go fixed", "pkg:golang/example.com/mod@v1.2.3", "", ""},
		{"go last_affected", "pkg:golang/example.com/mod@v2.1.0", vuln.StatusAffected, ""},
		{"go after last_affected", "pkg:golang/example.com/mod@v2.1.1", "", ""},
		{"go pseudo-version", "pkg:golang/example.com/mod@v0.0.0-20200101000000-abcdef123456", vuln.StatusAffected, "1.2.3"},
		{"go incompatible", "pkg:golang/example.com/mod@v2.0.5+incompatible", vuln.StatusAffected, ""},
		{"pypi normalised name, pre-release", "pkg:pypi/test.pkg@1.4rc1", vuln.StatusAffected, "1.4.post1"},
		{"pypi post-release fixed", "pkg:pypi/test_pkg@1.4.post1", "", ""},
		{"pypi listed version", "pkg:pypi/test-pkg@0.9", vuln.StatusAffected, ""},
		{"pypi before introduced", "pkg:pypi/test-pkg@0.8", "", ""},
		{"no version", "pkg:pypi/test-pkg", vuln.StatusNeedsReview, ""},
		{"no ecosystem", "pkg:generic/freertos@10.0.1", vuln.StatusNeedsReview, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := m.Match(vuln.Component{PURL: tt.purl})
			if tt.status == "" {
				if len(fs) != 0 {
					t.Fatalf("findings %+v, want none", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Status != tt.status || fs[0].Fixed != tt.fixed || fs[0].Component != tt.purl {
				t.Fatalf("findings %+v; want one %s fixed %q", fs, tt.status, tt.fixed)
			}
		})
	}
}

func TestVendorMatch(t *testing.T) {
	tests := []struct {
		manufacturer, vendor string
		want                 float64
	}{
		{"GE Healthcare", "General Electric (GE)", 1},
		{"GE HealthCare", "GE Healthcare", 1},
		{"BD", "Becton, Dickinson and Company (BD)", 1},
		{"Becton Dickinson", "Becton, Dickinson and Company (BD)", 1},
		{"Philips", "Phillips", 1},
		{"GE Healthcare", "Silex Technology and GE Healthcare", 0.9},
		{"Dräger", "Draeger Medical Systems", 1},
		{"Natus", "Natus Medical, Inc. (Natus)", 1},
		{"Medtronic", "Philips", 0},
	}
	for _, tt := range tests {
		if got, _ := vendorMatch(tt.manufacturer, tt.vendor); got != tt.want {
			t.Errorf("vendorMatch(%q, %q) = %v, want %v", tt.manufacturer, tt.vendor, got, tt.want)
		}
	}
}

// A product name that carries a version series bounds an "all versions"
// entry: ICSMA-18-058-02 lists "IntelliSpace Portal 8.0.x" and "7.0.x",
// each with vers:all/*.
func TestNameSeries(t *testing.T) {
	for _, tt := range []struct{ name, series string }{
		{"IntelliSpace Portal 8.0.x", "8.0.x"},
		{"Alaris PC Unit v9.33", "9.33"},
		{"Some Gateway Version 3.4", "3.4"},
		{"CARESCAPE R2.5", "2.5"},
		{"IntelliVue MX40", ""},
		{"Alaris 8015", ""},
		{"Spectrum IQ", ""},
	} {
		if got, _ := nameSeries(tt.name); got != tt.series {
			t.Errorf("nameSeries(%q) = %q, want %q", tt.name, got, tt.series)
		}
	}
	advs := []vuln.Advisory{{ID: "ICSMA-18-058-02", Affected: []vuln.Affected{
		{Vendor: "Phillips", Product: "IntelliSpace Portal 8.0.x", VersionExpr: "vers:all/*", Status: vuln.StatusAffected},
		{Vendor: "Phillips", Product: "IntelliSpace Portal 7.0.x", VersionExpr: "vers:all/*", Status: vuln.StatusAffected},
	}}}
	d := NewDevices(advs)
	for _, tt := range []struct {
		version string
		want    bool
	}{{"8.0.2", true}, {"7.0", true}, {"11.1", false}, {"9.0", false}} {
		got := len(d.Match(vuln.Device{ID: "x", Manufacturer: "Philips", Model: "IntelliSpace Portal", Version: tt.version})) > 0
		if got != tt.want {
			t.Errorf("version %s matched %v, want %v", tt.version, got, tt.want)
		}
	}
}
