package sigma

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

// regressionEvents reads every JSON event of the regression suite.
func regressionEvents(t testing.TB) []Event {
	t.Helper()
	root := shareddata.Dir(t, "detect", "sigma", "regression_data")
	var out []Event
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || filepath.Ext(path) != ".json" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		evs, err := ParseJSONEvents(data, JSONOptions{})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, e := range evs {
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// benignEvents generates n events that look like ordinary hospital
// workstation and network traffic: Sysmon process, file and registry
// events, Zeek connections, sshd logins. Seeded: the same every run.
func benignEvents(n int) []Event {
	rng := rand.New(rand.NewPCG(1, 2))
	apps := []string{"EpicCare", "PACSViewer", "Outlook", "chrome", "AcroRd32", "Teams", "InfusionMgr", "LabClient"}
	out := make([]Event, 0, n)
	for i := range n {
		app := apps[rng.IntN(len(apps))]
		switch i % 10 {
		case 0, 1, 2, 3:
			out = append(out, sysmonEvent("1", map[string]any{
				"Image":             fmt.Sprintf(`C:\Program Files\%s\%s.exe`, app, app),
				"OriginalFileName":  app + ".exe",
				"CommandLine":       fmt.Sprintf(`"C:\Program Files\%s\%s.exe" --profile ward%d --session %d`, app, app, rng.IntN(40), rng.IntN(1<<20)),
				"ParentImage":       `C:\Windows\explorer.exe`,
				"ParentCommandLine": `C:\Windows\Explorer.EXE`,
				"User":              fmt.Sprintf(`HOSP\nurse%03d`, rng.IntN(500)),
				"IntegrityLevel":    "Medium",
				"CurrentDirectory":  fmt.Sprintf(`C:\Users\nurse%03d\`, rng.IntN(500)),
				"Hashes":            fmt.Sprintf("SHA256=%064X", rng.Uint64()),
			}))
		case 4, 5:
			out = append(out, sysmonEvent("11", map[string]any{
				"Image":          fmt.Sprintf(`C:\Program Files\%s\%s.exe`, app, app),
				"TargetFilename": fmt.Sprintf(`C:\Users\nurse%03d\AppData\Local\%s\cache\%d.tmp`, rng.IntN(500), app, rng.IntN(1<<16)),
			}))
		case 6:
			out = append(out, sysmonEvent("13", map[string]any{
				"EventType":    "SetValue",
				"Image":        fmt.Sprintf(`C:\Program Files\%s\%s.exe`, app, app),
				"TargetObject": fmt.Sprintf(`HKU\S-1-5-21-1000\Software\%s\Settings\Window%d`, app, rng.IntN(10)),
				"Details":      fmt.Sprintf("DWORD (0x%08x)", rng.IntN(1000)),
			}))
		case 7, 8:
			out = append(out, FromDetect(zeekConn(rng)))
		default:
			out = append(out, FromDetect(&detect.Event{
				Source: "syslog", Product: "sshd", Host: "pacs01", Class: detect.ClassAuthentication,
				Message: fmt.Sprintf("Accepted publickey for svc%d from 10.20.%d.%d port %d ssh2", rng.IntN(9), rng.IntN(255), rng.IntN(255), 1024+rng.IntN(60000)),
			}))
		}
	}
	return out
}

func sysmonEvent(id string, data map[string]any) *JSONEvent {
	obj := map[string]any{"Event": map[string]any{
		"System": map[string]any{
			"EventID": id, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "ward3-ws12.hosp.local",
			"Provider": map[string]any{"#attributes": map[string]any{"Name": "Microsoft-Windows-Sysmon"}},
		},
		"EventData": data,
	}}
	e, err := NewJSONEvent(obj, JSONOptions{})
	if err != nil {
		panic(err)
	}
	return e
}

func zeekConn(rng *rand.Rand) *detect.Event {
	e := &detect.Event{Source: "zeek", Product: "zeek:conn", Class: detect.ClassNetworkActivity, Protocol: "tcp"}
	e.Fields = map[string]string{
		"id.orig_h": fmt.Sprintf("10.20.%d.%d", rng.IntN(255), rng.IntN(255)),
		"id.resp_h": fmt.Sprintf("10.30.%d.%d", rng.IntN(255), rng.IntN(255)),
		"id.resp_p": []string{"104", "11112", "2575", "443", "445"}[rng.IntN(5)],
		"proto":     "tcp", "conn_state": "SF", "service": "dicom",
	}
	return e
}

// benchMix is the benchmark's event mix: every regression event (which
// match) and nine generated ordinary events for each of them.
func benchMix(t testing.TB) []Event {
	reg := regressionEvents(t)
	mix := append(slices.Clone(reg), benignEvents(9*len(reg))...)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(mix), func(i, j int) { mix[i], mix[j] = mix[j], mix[i] })
	return mix
}

func benchEngine(b *testing.B) (*Engine, []Event) {
	sh := loadShared(b)
	e, _ := NewEngine(sh.rules, Options{})
	mix := benchMix(b)
	for _, ev := range mix { // build every log source's rule set first
		e.Match(ev)
	}
	return e, mix
}

// BenchmarkEngine is the compiled path: log-source subsets, the exact
// value index and the literal automaton.
func BenchmarkEngine(b *testing.B) {
	e, mix := benchEngine(b)
	hits := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.MatchFunc(mix[i%len(mix)], func(*detect.Detection) { hits++ })
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(hits)/float64(b.N), "detections/event")
}

// BenchmarkNaive evaluates every rule on every event: the baseline.
func BenchmarkNaive(b *testing.B) {
	e, mix := benchEngine(b)
	var c evalCtx
	hits := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		hits += len(e.matchNaive(mix[i%len(mix)], &c))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(hits)/float64(b.N), "detections/event")
}

// BenchmarkEngineParallel runs Match from GOMAXPROCS goroutines.
func BenchmarkEngineParallel(b *testing.B) {
	e, mix := benchEngine(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(mix))
		for pb.Next() {
			e.MatchFunc(mix[i%len(mix)], func(*detect.Detection) {})
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestEngineAgreesWithNaive checks that the index and prefilter never lose
// a match: on the benchmark mix the compiled path and the naive evaluator
// find the same rules for every event.
func TestEngineAgreesWithNaive(t *testing.T) {
	sh := loadShared(t)
	e, _ := NewEngine(sh.rules, Options{})
	var c evalCtx
	total := 0
	for i, ev := range benchMix(t) {
		var got, want []string
		for _, h := range e.matchRules(ev) {
			got = append(got, h.r.r.ID)
		}
		for _, r := range e.matchNaive(ev, &c) {
			want = append(want, r.r.ID)
		}
		total += len(want)
		if !slices.Equal(got, want) {
			t.Errorf("event %d: engine matched %v, naive %v", i, got, want)
		}
	}
	if total == 0 {
		t.Fatal("no event matched any rule: the comparison proves nothing")
	}
	t.Logf("%d matches agree", total)
}

func TestBenignEventsMostlyQuiet(t *testing.T) {
	sh := loadShared(t)
	e, _ := NewEngine(sh.rules, Options{})
	n := 0
	var rules []string
	for _, ev := range benignEvents(2000) {
		for _, d := range e.Match(ev) {
			n++
			rules = append(rules, d.Title)
		}
	}
	slices.Sort(rules)
	rules = slices.Compact(rules)
	t.Logf("%d detections on 2000 generated events: %s", n, strings.Join(rules, "; "))
}
