package match

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/fleet"
)

// TestIndexIncremental adds advisories one by one to an evaluated index
// and compares every product version's findings with a full evaluation
// of an index built with all advisories.
func TestIndexIncremental(t *testing.T) {
	f := fleet.Generate(fleet.Config{Seed: 1, Devices: 100, Products: 40, Components: 60, Advisories: 400})
	base, extra := f.Advisories[:300], f.Advisories[300:]
	ix := NewIndex(base)
	full := NewIndex(f.Advisories)
	for _, p := range f.Products {
		ix.AddProduct(p.ID, p.Components)
		full.AddProduct(p.ID, p.Components)
	}
	ix.Evaluate()
	if full.Evaluate() == 0 {
		t.Fatal("fleet gives no findings")
	}
	touched := 0
	for _, a := range extra {
		touched += len(ix.Add(a))
	}
	if touched == 0 {
		t.Fatal("no new advisory touched a product")
	}
	if got := ix.Add(extra[0]); got != nil {
		t.Errorf("re-adding an advisory touched %v", got)
	}
	for _, p := range f.Products {
		got, want := keys(ix.Findings(p.ID)), keys(full.Findings(p.ID))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: incremental %d findings, full %d", p.ID, len(got), len(want))
		}
	}
}

func keys(fs []vuln.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s|%s|%s|%s", f.Component, f.Advisory, f.Status, f.Fixed))
	}
	sort.Strings(out)
	return out
}

// The benchmark fleet: 100,000 devices on 2,000 product versions of 300
// components each, 50,000 advisories. Generated once per process.
var (
	benchOnce  sync.Once
	benchFleet *fleet.Fleet
)

func bigFleet() *fleet.Fleet {
	benchOnce.Do(func() {
		benchFleet = fleet.Generate(fleet.Config{Seed: 42, Devices: 100000, Products: 2000, Components: 300, Advisories: 50000})
	})
	return benchFleet
}

func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// BenchmarkFleetEvaluate is a full evaluation: index the advisories,
// evaluate every product version, fan the findings out to the devices.
func BenchmarkFleetEvaluate(b *testing.B) {
	f := bigFleet()
	before := heapMB()
	var ix *Index
	var perProduct, perDevice int
	for b.Loop() {
		ix = NewIndex(f.Advisories)
		for _, p := range f.Products {
			ix.AddProduct(p.ID, p.Components)
		}
		perProduct = ix.Evaluate()
		perDevice = 0
		for _, d := range f.Devices {
			perDevice += len(ix.Findings(d.Product))
		}
	}
	b.ReportMetric(float64(perProduct), "findings/product-versions")
	b.ReportMetric(float64(perDevice), "findings/devices")
	b.ReportMetric(heapMB()-before, "heap-MB")
	runtime.KeepAlive(ix)
}

// BenchmarkFleetAddAdvisory is the re-evaluation after one new advisory
// on an evaluated fleet.
func BenchmarkFleetAddAdvisory(b *testing.B) {
	f := bigFleet()
	ix := NewIndex(f.Advisories)
	for _, p := range f.Products {
		ix.AddProduct(p.ID, p.Components)
	}
	ix.Evaluate()
	gen := fleet.Generate(fleet.Config{Seed: 42, Devices: 0, Products: 0, Components: 300, Advisories: 0})
	touched := 0
	for b.Loop() {
		a := gen.NewAdvisory()
		a.ID = "NEW-" + a.ID
		touched += len(ix.Add(a))
	}
	b.ReportMetric(float64(touched)/float64(b.N), "product-versions/op")
}

// BenchmarkSBOMScan scans one product version's SBOM against the 50,000
// advisories: with the package/CPE index, and with the naive baseline
// that checks every component against every advisory.
func BenchmarkSBOMScan(b *testing.B) {
	f := bigFleet()
	comps := f.Products[0].Components
	b.Run("indexed", func(b *testing.B) {
		p, c := NewPackages(f.Advisories), NewCPEs(f.Advisories)
		n := 0
		for b.Loop() {
			n = len(Components(p, c, comps))
		}
		b.ReportMetric(float64(n), "findings")
	})
	b.Run("naive", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n = len(naive(f.Advisories, comps))
		}
		b.ReportMetric(float64(n), "findings")
	})
}

// naive matches every component against every advisory, building a
// one-advisory matcher each time: the baseline an index must beat.
func naive(advs []vuln.Advisory, comps []vuln.Component) []vuln.Finding {
	var out []vuln.Finding
	for _, c := range comps {
		key := componentKey(c)
		for i := range advs {
			a := &advs[i]
			for j := range a.Affected {
				af := &a.Affected[j]
				if packageKey(af.Ecosystem, af.Package) != key {
					continue
				}
				pu, _ := parsePURL(c.PURL)
				eco, _ := pu.osvName()
				if f, ok := matchPackage(c, eco, pu.version, pkgEntry{a, af}); ok {
					out = append(out, f)
				}
			}
			if len(a.Configurations) > 0 && c.CPE != "" {
				out = append(out, NewCPEs(advs[i:i+1]).Match(c)...)
			}
		}
	}
	return out
}
