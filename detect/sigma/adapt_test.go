package sigma

import (
	"bytes"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/google/go-cmp/cmp"
)

func TestDetectEventFields(t *testing.T) {
	ev := FromDetect(&detect.Event{
		Source: "syslog", Product: "Microsoft-Windows-Sysmon", Class: detect.ClassProcessActivity,
		Src:     detect.Endpoint{IP: netip.MustParseAddr("10.1.2.3"), Port: 50000},
		Dst:     detect.Endpoint{IP: netip.MustParseAddr("10.9.9.9"), Port: 445},
		Process: &detect.Process{Path: `C:\x\vssadmin.exe`, CommandLine: "vssadmin delete shadows /all", ParentPath: `C:\w\cmd.exe`, User: "HOSP\\it"},
		File:    &detect.File{Path: `C:\data\a.locked`},
		Fields:  map[string]string{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "1", "Image": `C:\own\image.exe`},
	})
	for name, want := range map[string]string{
		"Image":           `C:\own\image.exe`, // the event's own field wins
		"CommandLine":     "vssadmin delete shadows /all",
		"ParentImage":     `C:\w\cmd.exe`,
		"User":            "HOSP\\it",
		"SourceIp":        "10.1.2.3",
		"src_ip":          "10.1.2.3",
		"id.orig_h":       "10.1.2.3",
		"DestinationIp":   "10.9.9.9",
		"DestinationPort": "445",
		"TargetFilename":  `C:\data\a.locked`,
		"dst_endpoint.ip": "10.9.9.9",
	} {
		if got, ok := ev.Field(name); !ok || got != want {
			t.Errorf("Field(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	src := ev.LogSource()
	if src.Product != "windows" || !slices.Contains(src.Services, "sysmon") || !slices.Contains(src.Categories, "process_creation") {
		t.Errorf("log source %+v", src)
	}
	// Values covers every value Field returns.
	var vals []string
	ev.Values(func(_, v string) bool { vals = append(vals, v); return true })
	for _, name := range []string{"CommandLine", "ParentImage", "SourceIp", "DestinationPort", "TargetFilename", "User"} {
		v, _ := ev.Field(name)
		if !slices.Contains(vals, v) {
			t.Errorf("Values lacks %s=%q", name, v)
		}
	}
}

func TestDetectLogSource(t *testing.T) {
	for _, tc := range []struct {
		ev                     detect.Event
		product, svc, category string
	}{
		{detect.Event{Source: "zeek", Product: "zeek:conn"}, "zeek", "conn", ""},
		{detect.Event{Source: "zeek", Product: "zeek:dns"}, "zeek", "dns", "dns"},
		{detect.Event{Source: "syslog", Product: "sshd"}, "linux", "sshd", ""},
		{detect.Event{Source: "syslog", Product: "sshd"}, "linux", "auth", ""},
		{detect.Event{Source: "syslog", Product: "Microsoft-Windows-Security-Auditing", Fields: map[string]string{"EventID": "4625"}}, "windows", "security", ""},
		{detect.Event{Source: "jsonl", Fields: map[string]string{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": "13"}}, "windows", "sysmon", "registry_set"},
		{detect.Event{Source: "syslog", Product: "Microsoft-Windows-Sysmon", Class: detect.ClassFileActivity, Activity: "rename", Fields: map[string]string{"Channel": "x"}}, "windows", "", "file_rename"},
	} {
		src := detectLogSource(&tc.ev)
		if src.Product != tc.product || tc.svc != "" && !slices.Contains(src.Services, tc.svc) || tc.category != "" && !slices.Contains(src.Categories, tc.category) {
			t.Errorf("%s/%s: got %+v, want %s %s %s", tc.ev.Source, tc.ev.Product, src, tc.product, tc.svc, tc.category)
		}
	}
}

func TestJSONEventWindows(t *testing.T) {
	evs, err := ParseJSONEvents([]byte(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,
	"Channel":"Microsoft-Windows-Sysmon/Operational","TimeCreated":{"#attributes":{"SystemTime":"2025-10-25T17:47:01.671694Z"}},"Correlation":null},
	"EventData":{"Image":"C:\\a.exe","Source Name":"RTP","ProcessId":42}}}
	{"a":{"b":[1,"two"]},"c":true}`), JSONOptions{})
	if err != nil || len(evs) != 2 {
		t.Fatalf("ParseJSONEvents: %d events, %v", len(evs), err)
	}
	w := evs[0]
	for name, want := range map[string]string{
		"Image": `C:\a.exe`, "EventID": "1", "Provider_Name": "Microsoft-Windows-Sysmon", "SourceName": "RTP",
		"Source Name": "RTP", "ProcessId": "42", "Event.System.Channel": "Microsoft-Windows-Sysmon/Operational",
	} {
		if got, ok := w.Field(name); !ok || got != want {
			t.Errorf("Field(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := w.Field("Correlation"); ok {
		t.Error("null field should be absent")
	}
	if !w.Time().Equal(time.Date(2025, 10, 25, 17, 47, 1, 671694000, time.UTC)) {
		t.Errorf("time %v", w.Time())
	}
	if src := w.LogSource(); src.Product != "windows" || !slices.Contains(src.Categories, "process_creation") {
		t.Errorf("log source %+v", src)
	}
	if got, _ := evs[1].Field("a.b.1"); got != "two" {
		t.Errorf("array element a.b.1 = %q", got)
	}
	if got, _ := evs[1].Field("c"); got != "true" {
		t.Errorf("bool c = %q", got)
	}
	if _, err := ParseJSONEvents([]byte(strings.Repeat(`{"a":`, 40)+"1"+strings.Repeat("}", 40)), JSONOptions{}); err == nil {
		t.Error("depth limit not enforced")
	}
}

func TestDetectionContents(t *testing.T) {
	e := mustEngine(t, ruleYAML("  sel:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: whoami\n  filter:\n    User: SYSTEM\n  condition: sel and not filter\n"), Config{})
	ev := FromDetect(&detect.Event{
		Time: t0, Source: "jsonl", Src: detect.Endpoint{IP: netip.MustParseAddr("10.1.1.1"), DeviceID: 77},
		Process: &detect.Process{Path: `C:\Windows\cmd.exe`, CommandLine: "cmd /c whoami", User: "nurse"},
		Fields:  map[string]string{"Channel": "Security"},
	})
	ds := e.Match(ev)
	if len(ds) != 1 {
		t.Fatalf("got %d detections, want 1", len(ds))
	}
	want := &detect.Detection{
		Rule: "r1", Title: "t", Author: "Test Author", Severity: "high", Attack: []string{"T1059.001"},
		Device: "77", DeviceID: 77, FirstSeen: t0, LastSeen: t0, Count: 1,
		Evidence: map[string]any{"Image": `C:\Windows\cmd.exe`, "CommandLine": "cmd /c whoami"},
		Key:      "r1|77",
	}
	if d := cmp.Diff(want, ds[0]); d != "" {
		t.Errorf("detection (-want +got):\n%s", d)
	}
}

func TestSeverity(t *testing.T) {
	for level, want := range map[string]detect.Severity{"informational": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical", "": "medium"} {
		if got := (&Rule{Level: level}).Severity(); got != want {
			t.Errorf("level %q → %q, want %q", level, got, want)
		}
	}
}

// TestNoEventValuesInLogs checks that the engine's logger never receives
// event values (which may carry user names and paths).
func TestNoEventValuesInLogs(t *testing.T) {
	var buf bytes.Buffer
	rules, _ := ParseRules("r.yml", []byte(ruleYAML("  sel:\n    CommandLine|contains: secret-token\n  condition: sel\n")), Config{})
	e, _ := NewEngine(rules, Options{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	e.Match(jsonEvent(t, map[string]any{"CommandLine": "run secret-token DOE^JANE"}))
	if !strings.Contains(buf.String(), "rule subset compiled") {
		t.Fatalf("expected engine diagnostics, got %q", buf.String())
	}
	if strings.Contains(buf.String(), "DOE^JANE") || strings.Contains(buf.String(), "secret-token") {
		t.Errorf("log output carries event values: %s", buf.String())
	}
}
