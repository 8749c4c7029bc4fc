// Package bench measures detection end to end: raw log lines normalised
// to detect.Event by the ingest parsers, then run through the compiled
// Sigma engine with the shared SigmaHQ subset loaded. Baseline in the same
// run: normalisation alone.
package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/syslog"
	"github.com/airtight/airtight/detect/sigma"
	"github.com/airtight/airtight/internal/shareddata"
)

// lines is a realistic mix of forwarded logs from a hospital network:
// Windows process creation and logons (RFC 5424 with structured data),
// sshd on Linux appliances, and RFC 3164 lines from network gear.
func lines(n int) [][]byte {
	base := time.Date(2026, 11, 14, 8, 0, 0, 0, time.UTC)
	tmpl := []string{
		`<14>1 %s ws-ward-%02d.hosp.example Microsoft-Windows-Security-Auditing - 4688 [win@32473 NewProcessName="C:\\Program Files\\EpicCare\\epic%d.exe" CommandLine="epic.exe --profile ward%d" ParentProcessName="C:\\Windows\\explorer.exe"] A new process has been created.`,
		`<14>1 %s ws-ward-%02d.hosp.example Microsoft-Windows-Security-Auditing - 4624 [win@32473 TargetUserName="nurse%03d" IpAddress="10.20.%d.17" LogonType="3"] An account was successfully logged on.`,
		`<38>1 %s lab-gw-%02d sshd 2211 - - Accepted publickey for svc%03d from 10.20.%d.40 port 52211 ssh2`,
		`<86>%s core-sw-%02d dhcpd: DHCPACK on 10.20.%d.%d to 02:00:0a:14:01:15 via eth1`,
	}
	out := make([][]byte, n)
	for i := range out {
		t := base.Add(time.Duration(i) * time.Second)
		switch k := i % len(tmpl); k {
		case 3:
			out[i] = fmt.Appendf(nil, tmpl[k], t.Format(time.Stamp), i%50, i%200, i%250)
		default:
			out[i] = fmt.Appendf(nil, tmpl[k], t.Format(time.RFC3339Nano), i%50, i%500, i%200)
		}
	}
	return out
}

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
	in := lines(10_000)
	p := syslog.NewParser(syslog.Options{})
	b.ResetTimer()
	for b.Loop() {
		parseAll(b, p, in)
	}
	b.ReportMetric(float64(len(in)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkNormaliseAndMatch adds the Sigma engine with every shared rule.
func BenchmarkNormaliseAndMatch(b *testing.B) {
	in := lines(10_000)
	p := syslog.NewParser(syslog.Options{})
	eng := loadEngine(b)
	hits := 0
	emit := func(*detect.Detection) { hits++ }
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
