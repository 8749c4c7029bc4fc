package demo

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/airtight/airtight/inventory"
	"github.com/google/go-cmp/cmp"
)

func TestCatalog(t *testing.T) {
	cat := Catalog()
	kinds := map[inventory.Kind]bool{}
	models := map[string]bool{}
	makers := map[string]string{} // lowercase -> spelling
	fdaRE := regexp.MustCompile(`^[A-Z]{3}$`)
	for _, m := range cat {
		name := m.Manufacturer + " " + m.Model
		kinds[m.Kind] = true
		if _, ok := inventory.Kinds[m.Kind]; !ok {
			t.Errorf("%s: kind %q is not in inventory.Kinds", name, m.Kind)
		}
		key := strings.ToLower(m.Manufacturer + "|" + m.Model)
		if models[key] {
			t.Errorf("%s: listed twice", name)
		}
		models[key] = true
		if s, ok := makers[strings.ToLower(m.Manufacturer)]; ok && s != m.Manufacturer {
			t.Errorf("maker spelled %q and %q", s, m.Manufacturer)
		}
		makers[strings.ToLower(m.Manufacturer)] = m.Manufacturer
		if m.FDACode != "" && !fdaRE.MatchString(m.FDACode) {
			t.Errorf("%s: FDA code %q", name, m.FDACode)
		}
		if n := len(m.Versions); n < 2 || n > 4 {
			t.Errorf("%s: %d versions, want 2-4", name, n)
		}
		if _, ok := zoneBase[m.Zone]; !ok {
			t.Errorf("%s: zone %q has no IP plan", name, m.Zone)
		}
		r := inventory.Record{Manufacturer: m.Manufacturer, Model: m.Model, Kind: m.Kind, FDAProductCode: m.FDACode,
			Criticality: m.Criticality, Version: m.Versions[0], Device: inventory.Device{AssetTag: "X"}}
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(kinds) < 32 {
		t.Errorf("catalog has %d kinds, want at least 32", len(kinds))
	}
	if makers[strings.ToLower(makerManufacturer)] != makerManufacturer {
		t.Errorf("maker tenant's manufacturer %q is not in the catalog", makerManufacturer)
	}
	for _, p := range profiles {
		for _, d := range p.depts {
			if _, ok := deptInfo[d]; !ok {
				t.Errorf("%s: department %q has no code", p.kind, d)
			}
		}
		if len(p.ae) > 5 {
			t.Errorf("%s: AE prefix %q too long", p.kind, p.ae)
		}
	}
}

func TestGenerateRecordsDeterministic(t *testing.T) {
	a, b := GenerateRecords(500, 7), GenerateRecords(500, 7)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different fleets (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, GenerateRecords(500, 8)) {
		t.Error("seeds 7 and 8 give the same fleet")
	}
}

func TestGenerateRecordsSizes(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 2, 35, 143, 144, 360, 1001} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			recs := GenerateRecords(n, 1)
			if want := max(n, 0); len(recs) != want {
				t.Fatalf("got %d records, want %d", len(recs), want)
			}
			for i := range recs {
				if err := recs[i].Validate(); err != nil {
					t.Fatalf("record %d (%s %s) invalid: %v", i, recs[i].Manufacturer, recs[i].Model, err)
				}
			}
		})
	}
}

func TestGenerateRecordsDefaultFleet(t *testing.T) {
	recs := GenerateRecords(DefaultDevices, DefaultSeed)
	kinds := map[inventory.Kind]int{}
	philips := 0
	for _, r := range recs {
		kinds[r.Kind]++
		if r.Manufacturer == makerManufacturer {
			philips++
		}
	}
	if len(kinds) < 30 {
		t.Errorf("%d kinds in the default fleet, want at least 30: %v", len(kinds), kinds)
	}
	if philips == 0 {
		t.Errorf("no %s devices for the maker tenant's grant", makerManufacturer)
	}
}

// TestGenerateRecordsUnique checks the identifiers of a large fleet.
func TestGenerateRecordsUnique(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	recs := GenerateRecords(n, 42)
	fields := map[string]func(*inventory.Record) string{
		"asset_tag": func(r *inventory.Record) string { return r.Device.AssetTag },
		"serial":    func(r *inventory.Record) string { return r.Device.SerialNumber },
		"hostname":  func(r *inventory.Record) string { return r.Device.Hostname },
		"mac":       func(r *inventory.Record) string { return r.Device.MAC },
		"ip":        func(r *inventory.Record) string { return r.Device.IP },
		"ae_title":  func(r *inventory.Record) string { return r.Device.AETitle },
	}
	for name, get := range fields {
		seen := make(map[string]int, n)
		for i := range recs {
			v := get(&recs[i])
			if v == "" {
				continue
			}
			if j, ok := seen[v]; ok {
				t.Errorf("%s %q on records %d and %d", name, v, j, i)
				break
			}
			seen[v] = i
		}
	}
	for i := range recs {
		if err := recs[i].Validate(); err != nil {
			t.Fatalf("record %d invalid: %v", i, err)
		}
	}
}

func TestGenerateRecordsNetworkTraits(t *testing.T) {
	dicom := map[inventory.Kind]bool{}
	hl7 := map[string]bool{}
	for _, m := range Catalog() {
		dicom[m.Kind] = m.DICOM
		if m.HL7 != "" {
			hl7[m.Manufacturer+"|"+m.Model] = true
		}
	}
	aeRE := regexp.MustCompile(`^[A-Z0-9_]{1,16}$`)
	var ae, msgs int
	for _, r := range GenerateRecords(5000, 3) {
		d := r.Device
		switch {
		case dicom[r.Kind] && !aeRE.MatchString(d.AETitle):
			t.Errorf("%s %s: AE title %q", r.Kind, d.AssetTag, d.AETitle)
		case !dicom[r.Kind] && d.AETitle != "":
			t.Errorf("%s %s is not a DICOM kind but has AE title %q", r.Kind, d.AssetTag, d.AETitle)
		}
		if (d.HL7Application != "") != hl7[r.Manufacturer+"|"+r.Model] {
			t.Errorf("%s %s: HL7 application %q", r.Model, d.AssetTag, d.HL7Application)
		}
		if d.AETitle != "" {
			ae++
		}
		if d.HL7Application != "" {
			msgs++
		}
		if !strings.HasPrefix(d.IP, "10.") {
			t.Errorf("%s: IP %s outside 10/8", d.AssetTag, d.IP)
		}
	}
	if ae == 0 || msgs == 0 {
		t.Errorf("%d AE titles and %d HL7 applications, want some of each", ae, msgs)
	}
}

func TestGenerateRecordsDistribution(t *testing.T) {
	const n = 20_000
	recs := GenerateRecords(n, 5)
	kinds := map[inventory.Kind]int{}
	status := map[inventory.Status]int{}
	zones := map[string]int{}
	sitesSeen := map[string]int{}
	for _, r := range recs {
		kinds[r.Kind]++
		status[r.Device.Status]++
		zones[r.Device.NetworkZone]++
		sitesSeen[r.Device.Site]++
		d := r.Device
		if d.FirstSeen.After(d.LastSeen) || d.LastSeen.After(Base) {
			t.Fatalf("%s: first seen %v, last seen %v, base %v", d.AssetTag, d.FirstSeen, d.LastSeen, Base)
		}
	}
	for k, c := range kinds {
		if c > kinds["infusion-pump"] {
			t.Errorf("%s (%d) outnumbers infusion pumps (%d)", k, c, kinds["infusion-pump"])
		}
	}
	checks := []struct {
		name     string
		got      int
		min, max int // per 20,000
	}{
		{"infusion pumps", kinds["infusion-pump"], 3000, 6000},
		{"patient monitors", kinds["patient-monitor"], 2000, 4000},
		{"CT scanners", kinds["ct-scanner"], 20, 100},
		{"MR scanners", kinds["mr-scanner"], 10, 80},
		{"active", status[inventory.StatusActive], 17_000, 19_000},
		{"quarantined", status[inventory.StatusQuarantined], 100, 1000},
		{"decommissioned", status[inventory.StatusDecommissioned], 200, 1200},
		{"maintenance", status[inventory.StatusMaintenance], 500, 1500},
		{"main campus", sitesSeen["Main Campus"], 15_000, 19_000},
		{"outpatient center", sitesSeen["Northside Outpatient Center"], 100, 3000},
		{"cancer center", sitesSeen["Riverside Cancer Center"], 100, 3000},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s: %d, want %d-%d", c.name, c.got, c.min, c.max)
		}
	}
	if len(zones) != len(zoneBase) {
		t.Errorf("zones used: %v, want all of %d", zones, len(zoneBase))
	}
}

func TestShareCounts(t *testing.T) {
	for _, n := range []int{1, 10, 143, 144, 360, 99_999} {
		counts := shareCounts(n)
		sum := 0
		for _, c := range counts {
			sum += c
		}
		if sum != n {
			t.Errorf("shareCounts(%d) sums to %d", n, sum)
		}
	}
}

func BenchmarkGenerateRecords(b *testing.B) {
	for _, n := range []int{DefaultDevices, 10_000, inventory.MaxCSVRows} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				GenerateRecords(n, 1)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
		})
	}
}
