package sqlstore

import (
	"context"

	"encoding/json"
	"fmt"
	"github.com/airtight/airtight"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/fleet"
	"github.com/airtight/airtight/vuln/risk"
)

// vulnBenchFleet sizes the platform benchmark: 100,000 devices over 2,000
// product versions of 20 components each, 3,000 advisories.
var vulnBenchFleet = fleet.Config{Seed: 7, Devices: 100_000, Products: 2_000, Components: 20, Advisories: 3_000}

// fleetRecords turns a generated fleet into inventory records: product
// version i is "Maker i/5%20", "Model i/5", version "i%5.0"; devices spread
// over criticalities and network zones.
func fleetRecords(fl *fleet.Fleet) ([]inventory.Record, map[string]int) {
	index := map[string]int{}
	for i, p := range fl.Products {
		index[p.ID] = i
	}
	recs := make([]inventory.Record, len(fl.Devices))
	for i, d := range fl.Devices {
		p := index[d.Product]
		recs[i] = inventory.Record{Line: i + 2, Manufacturer: fmt.Sprintf("Maker %d", p/5%20), Model: fmt.Sprintf("Model %d", p/5),
			Kind: []inventory.Kind{"ct-scanner", "infusion-pump", "patient-monitor"}[p%3], Criticality: inventory.Criticalities[p/5%4],
			Version: fmt.Sprintf("%d.0", p%5),
			Device: inventory.Device{AssetTag: d.ID, SerialNumber: "SN" + d.ID,
				NetworkZone: []string{"clinical", "imaging", "guest", "isolated"}[i%4],
				Hostname:    fmt.Sprintf("host-%d.example", i), IP: fmt.Sprintf("10.%d.%d.%d", i/62500, i/250%250, i%250+1)}}
	}
	return recs, index
}

// fleetSBOM is a CycloneDX JSON SBOM of a generated product version.
func fleetSBOM(p fleet.Product) []byte {
	type comp struct {
		Type    string `json:"type"`
		Name    string `json:"name"`
		Version string `json:"version"`
		PURL    string `json:"purl,omitempty"`
		CPE     string `json:"cpe,omitempty"`
	}
	doc := struct {
		Format     string `json:"bomFormat"`
		Spec       string `json:"specVersion"`
		Components []comp `json:"components"`
	}{"CycloneDX", "1.5", nil}
	for _, c := range p.Components {
		doc.Components = append(doc.Components, comp{"library", c.Name, c.Version, c.PURL, c.CPE})
	}
	b, _ := json.Marshal(doc)
	return b
}

// setupVulnFleet imports the fleet's devices, one SBOM per product version
// and the advisories, and returns the store and a context acting in the
// hospital.
func setupVulnFleet(b testing.TB, cfg fleet.Config) (*DB, *Vuln, context.Context) {
	b.Helper()
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "vuln.db"))
	if err != nil {
		b.Fatal(err)
	}
	o := &airtight.Organization{Slug: "fleet", Name: "Fleet", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(context.Background(), o); err != nil {
		b.Fatal(err)
	}
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(o.ID, "bench"))
	b.Cleanup(func() { db.Close() })
	fl := fleet.Generate(cfg)
	recs, index := fleetRecords(fl)
	if _, err := db.ImportDevices(ctx, recs); err != nil {
		b.Fatal(err)
	}
	rows, err := db.query(ctx, `SELECT pv.id, m.name, p.model, pv.version FROM product_versions pv
		JOIN products p ON p.id = pv.product_id JOIN manufacturers m ON m.id = p.manufacturer_id`)
	if err != nil {
		b.Fatal(err)
	}
	ids := map[string]int64{}
	for rows.Next() {
		var id int64
		var m, p, v string
		if err := rows.Scan(&id, &m, &p, &v); err != nil {
			b.Fatal(err)
		}
		ids[m+"|"+p+"|"+v] = id
	}
	rows.Close()
	v := NewVuln(db, nil, nil)
	for _, p := range fl.Products {
		i := index[p.ID]
		id, ok := ids[fmt.Sprintf("Maker %d|Model %d|%d.0", i/5%20, i/5, i%5)]
		if !ok {
			continue // no device drew this product version
		}
		if _, err := v.PutSBOM(ctx, id, p.ID+".cdx.json", fleetSBOM(p)); err != nil {
			b.Fatal(err)
		}
	}
	kev := map[string]string{}
	for i, a := range fl.Advisories {
		if i%50 == 0 {
			kev[a.Aliases[0]] = "2024-01-02"
		}
	}
	if _, err := v.ImportAdvisories(vulnSys(), vuln.AdvisoryImport{Advisories: fl.Advisories, KEV: kev}); err != nil {
		b.Fatal(err)
	}
	return db, v, ctx
}

// BenchmarkVulnPlatform100k measures the risk list (first page of 50) and
// the patch plan of a 100,000-device fleet over 2,000 product versions,
// against listing a page of devices as the baseline, in the same run. It
// reports the heap allocated per operation and the peak heap in use.
func BenchmarkVulnPlatform100k(b *testing.B) {
	db, v, ctx := setupVulnFleet(b, vulnBenchFleet)
	var rs []vuln.DeviceRisk
	var plan []*vuln.PlanEntry
	cases := []struct {
		name string
		op   func() error
	}{
		{"devices-baseline", func() error { _, err := db.ListDevices(ctx, inventory.DeviceFilter{}); return err }},
		{"risklist", func() (err error) { rs, err = v.RiskList(ctx, 50); return err }},
		{"plan", func() (err error) { plan, err = v.Plan(ctx); return err }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := tc.op(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/op")
			b.ReportMetric(float64(after.HeapInuse)/(1<<20), "MB-heap")
		})
	}
	b.Logf("risk list: %d rows; plan: %d entries", len(rs), len(plan))
}

// TestRiskListPerDevice checks the class-based risk list and plan against
// scoring every device × finding one by one, on a small generated fleet.
func TestRiskListPerDevice(t *testing.T) {
	db, v, ctx := setupVulnFleet(t, fleet.Config{Seed: 3, Devices: 400, Products: 40, Components: 20, Advisories: 400})
	byVersion, err := v.openFindings(ctx, airtight.ActorFrom(ctx).OrgID)
	must(t, err)
	rows, err := db.query(ctx, `SELECT d.id, d.product_version_id, d.asset_tag, d.network_zone, p.criticality, pv.end_of_support
		FROM devices d JOIN product_versions pv ON pv.id = d.product_version_id JOIN products p ON p.id = d.product_id ORDER BY d.id`)
	must(t, err)
	devs := map[int64][]versionDevice{}
	for rows.Next() {
		var d versionDevice
		must(t, rows.Scan(&d.id, &d.versionID, &d.tag, &d.zone, &d.criticality, &d.endOfSupport))
		devs[d.versionID] = append(devs[d.versionID], d)
	}
	rows.Close()
	now := db.Now()
	var want []vuln.DeviceRisk
	for vid, fs := range byVersion {
		for _, d := range devs[vid] {
			r := vuln.DeviceRisk{DeviceID: d.id, AssetTag: d.tag, VersionID: vid, Score: -1, Findings: len(fs)}
			for _, f := range fs {
				s := risk.Finding(f.Finding(), asset(d), now)
				r.KEV = r.KEV || f.KEV
				if s.Value > r.Score {
					r.Score, r.Explain = s.Value, f.Advisory+": "+s.Explain()
				}
			}
			want = append(want, r)
		}
	}
	sort.Slice(want, func(i, j int) bool {
		if want[i].Score != want[j].Score {
			return want[i].Score > want[j].Score
		}
		return want[i].DeviceID < want[j].DeviceID
	})
	if len(want) < 100 {
		t.Fatalf("only %d devices with findings: the fleet does not exercise the ranking", len(want))
	}
	for _, limit := range []int{7, 50, 500} {
		got, err := v.RiskList(ctx, limit)
		must(t, err)
		w := want[:min(limit, len(want))]
		if len(got) != len(w) {
			t.Fatalf("limit %d: %d rows, want %d", limit, len(got), len(w))
		}
		for i := range w {
			if got[i] != w[i] {
				t.Fatalf("limit %d row %d: %+v, want %+v", limit, i, got[i], w[i])
			}
		}
	}
	plan, err := v.Plan(ctx)
	must(t, err)
	if len(plan) == 0 {
		t.Fatal("empty plan")
	}
	for _, e := range plan {
		top, explain := -1, ""
		for _, f := range byVersion[e.VersionID] {
			if f.Fixed != e.Fixed {
				continue
			}
			for _, d := range devs[e.VersionID] {
				if s := risk.Finding(f.Finding(), asset(d), now); s.Value > top {
					top, explain = s.Value, f.Advisory+" on "+d.tag+": "+s.Explain()
				}
			}
		}
		if e.Top != max(top, 0) || e.Explain != explain || e.Devices != len(devs[e.VersionID]) {
			t.Errorf("plan entry %d: top %d %q devices %d; want %d %q %d", e.ID, e.Top, e.Explain, e.Devices, top, explain, len(devs[e.VersionID]))
		}
	}
}
