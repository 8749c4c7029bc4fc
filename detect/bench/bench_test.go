package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/syslog"
	"github.com/airtight/airtight/detect/sigma"
	"github.com/airtight/airtight/internal/shareddata"
)

func loadEngine(b *testing.B) *sigma.Engine {
	root := shareddata.Dir(b, "detect", "sigma")
	var rules []*sigma.Rule
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting"} {
		rs, _, err := sigma.LoadDir(filepath.Join(root, d), sigma.Config{})
		if err != nil {
			b.Fatal(err)
		}
		rules = append(rules, rs...)
	}
	eng, _ := sigma.NewEngine(rules, sigma.Options{Workers: 1})
	b.ReportMetric(float64(len(rules)), "rules")
	return eng
}

func parseAll(b *testing.B, p *syslog.Parser, in [][]byte) []*detect.Event {
	out := make([]*detect.Event, len(in))
	for i, l := range in {
		e, err := p.Parse(l)
		if err != nil {
			b.Fatalf("line %d: %v", i, err)
		}
		out[i] = e
	}
	return out
}

// BenchmarkNormalise is the baseline: syslog lines to events.
func BenchmarkNormalise(b *testing.B) {
	in := Lines(10_000)
	p := syslog.NewParser(syslog.Options{})
	b.ResetTimer()
	for b.Loop() {
		parseAll(b, p, in)
	}
	b.ReportMetric(float64(len(in)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkNormaliseAndMatch adds the Sigma engine with every shared rule.
func BenchmarkNormaliseAndMatch(b *testing.B) {
	in := Lines(10_000)
	p := syslog.NewParser(syslog.Options{})
	eng := loadEngine(b)
	hits := 0
	emit := func(*detect.Detection) { hits++ }
	// Warm up: the engine compiles each log source's rule subset on its
	// first event; the benchmark measures the steady state.
	for _, e := range parseAll(b, p, in[:100]) {
		eng.Observe(e, emit)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, e := range parseAll(b, p, in) {
			eng.Observe(e, emit)
		}
	}
	b.ReportMetric(float64(len(in)*b.N)/b.Elapsed().Seconds(), "events/s")
	if os.Getenv("BENCH_VERBOSE") != "" {
		b.Logf("%d detections", hits)
	}
}
