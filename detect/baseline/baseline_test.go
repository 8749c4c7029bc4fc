package baseline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
)

var day0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

var (
	ctIP   = netip.MustParseAddr("10.16.0.21")
	pacsIP = netip.MustParseAddr("10.16.0.5")
	risIP  = netip.MustParseAddr("10.16.0.7")
	pumpIP = netip.MustParseAddr("10.32.0.40")
	lisIP  = netip.MustParseAddr("10.40.0.9")
	anaIP  = netip.MustParseAddr("10.40.0.20")
	badIP  = netip.MustParseAddr("10.20.9.77")
)

func dicomStore(t time.Time, src, dst netip.Addr, calling, called string) detect.Event {
	return detect.Event{
		Time: t, Class: detect.ClassDICOMActivity, Activity: "associate", Source: "pcap", Protocol: "tcp", App: "dicom",
		Src: detect.Endpoint{IP: src, Port: 50123}, Dst: detect.Endpoint{IP: dst, Port: 104},
		DICOM: &detect.DICOM{CallingAE: calling, CalledAE: called, PDU: "A-ASSOCIATE-RQ"},
	}
}

func hl7Msg(t time.Time, src, dst netip.Addr, app, fac string) detect.Event {
	return detect.Event{
		Time: t, Class: detect.ClassHL7Activity, Source: "pcap", Protocol: "tcp", App: "hl7",
		Src: detect.Endpoint{IP: src, Port: 40000}, Dst: detect.Endpoint{IP: dst, Port: 2575},
		HL7: &detect.HL7{SendingApp: app, SendingFacility: fac, MessageType: "ORU^R01", ControlID: "MSG1", PatientData: true},
	}
}

func flow(t time.Time, src, dst netip.Addr, port uint16) detect.Event {
	return detect.Event{
		Time: t, Class: detect.ClassNetworkActivity, Activity: "traffic", Source: "netflow", Protocol: "tcp",
		Src: detect.Endpoint{IP: src, Port: 51000}, Dst: detect.Endpoint{IP: dst, Port: port},
	}
}

// learnWeek feeds a week of normal, office-hours traffic: CT → PACS C-STOREs,
// analyzer → LIS results, pump → its server, CT → RIS worklist.
func learnWeek(t *testing.T, b *Baseline) []*detect.Detection {
	t.Helper()
	var got []*detect.Detection
	emit := func(d *detect.Detection) { got = append(got, d) }
	for d := range 7 {
		for h := 8; h < 18; h++ {
			for m := 0; m < 60; m += 10 {
				at := day0.Add(time.Duration(d)*24*time.Hour + time.Duration(h-9)*time.Hour + time.Duration(m)*time.Minute)
				for _, e := range []detect.Event{
					dicomStore(at, ctIP, pacsIP, "CT_MC0101", "PACS_MAIN"),
					hl7Msg(at, anaIP, lisIP, "ANALYZER01", "LAB"),
					flow(at, pumpIP, netip.MustParseAddr("10.32.0.2"), 443),
					flow(at, ctIP, risIP, 104),
				} {
					b.Observe(&e, emit)
				}
			}
		}
	}
	return got
}

func newBaseline(t *testing.T, cfg Config) *Baseline {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLearningThenDeviations(t *testing.T) {
	after := day0.Add(8*24*time.Hour + 2*time.Hour) // a weekday, 11:00, after learning
	tests := []struct {
		name   string
		event  detect.Event
		rules  []string // expected, in order
		device string
	}{
		{"normal C-STORE", dicomStore(after, ctIP, pacsIP, "CT_MC0101", "PACS_MAIN"), nil, ""},
		{"normal HL7 result", hl7Msg(after, anaIP, lisIP, "ANALYZER01", "LAB"), nil, ""},
		{"normal pump flow", flow(after, pumpIP, netip.MustParseAddr("10.32.0.2"), 443), nil, ""},
		{"new peer, ordinary port", flow(after, pumpIP, netip.MustParseAddr("10.32.0.3"), 8080), nil, ""},
		{"new peer on SMB", flow(after, badIP, pumpIP, 445), []string{RuleNewPeer}, pumpIP.String()},
		{"new AE title calls PACS", dicomStore(after, badIP, pacsIP, "ROGUE_AE", "PACS_MAIN"),
			[]string{RuleNewPeer, RuleNewAETitle}, pacsIP.String()},
		{"known peer, new AE title", dicomStore(after, ctIP, pacsIP, "CT_OTHER", "PACS_MAIN"), []string{RuleNewAETitle}, pacsIP.String()},
		{"new HL7 sender", hl7Msg(after, anaIP, lisIP, "UNKNOWN_APP", "UNKNOWN_FAC"), []string{RuleNewHL7Sender}, ""},
		{"known peer, new sensitive port", flow(after, ctIP, risIP, 22), []string{RuleNewPort}, risIP.String()},
		{"pump active at 3 a.m.", flow(day0.Add(8*24*time.Hour-6*time.Hour), pumpIP, netip.MustParseAddr("10.32.0.2"), 443),
			[]string{RuleUnusualHour}, pumpIP.String()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBaseline(t, Config{Learn: 7 * 24 * time.Hour, MinHourEvents: 100})
			if got := learnWeek(t, b); len(got) != 0 {
				t.Fatalf("%d detections while learning, first %s", len(got), got[0].Rule)
			}
			var rules []string
			var devs []string
			b.Observe(&tc.event, func(d *detect.Detection) {
				rules = append(rules, d.Rule)
				devs = append(devs, d.Device)
				checkDetection(t, d)
			})
			if fmt.Sprint(rules) != fmt.Sprint(tc.rules) {
				t.Fatalf("rules %v, want %v", rules, tc.rules)
			}
			if tc.device != "" && !strings.Contains(strings.Join(devs, " "), tc.device) {
				t.Errorf("devices %v, want one to be %s", devs, tc.device)
			}
			// The same deviation again is adopted: no second alert.
			n := 0
			e := tc.event
			e.Time = e.Time.Add(time.Minute)
			b.Observe(&e, func(*detect.Detection) { n++ })
			if n != 0 {
				t.Errorf("%d detections the second time", n)
			}
		})
	}
}

func checkDetection(t *testing.T, d *detect.Detection) {
	t.Helper()
	if d.Title == "" || d.Summary == "" || d.Action == "" || d.Severity == "" || len(d.Attack) == 0 || d.Key == "" || d.Device == "" {
		t.Errorf("incomplete detection %+v", d)
	}
	if !strings.HasPrefix(d.Rule, "airtight.baseline.") {
		t.Errorf("rule %q", d.Rule)
	}
}

func TestNothingWhileLearning(t *testing.T) {
	b := newBaseline(t, Config{Learn: time.Hour})
	n := 0
	for i := range 50 {
		e := flow(day0.Add(time.Duration(i)*time.Minute), badIP, netip.AddrFrom4([4]byte{10, 1, 1, byte(i)}), 445)
		b.Observe(&e, func(*detect.Detection) { n++ })
	}
	if n != 0 {
		t.Fatalf("%d detections while learning", n)
	}
	if !b.Learning(Key{IP: badIP}, day0.Add(59*time.Minute)) || b.Learning(Key{IP: badIP}, day0.Add(61*time.Minute)) {
		t.Error("learning period is not one hour from the first event")
	}
}

func TestRateLimitPerDevice(t *testing.T) {
	b := newBaseline(t, Config{Learn: time.Hour, AlertBurst: 3, AlertEvery: 10 * time.Minute})
	seed := flow(day0, pumpIP, pacsIP, 443)
	b.Observe(&seed, func(*detect.Detection) {})
	n := 0
	at := day0.Add(2 * time.Hour)
	for i := range 20 { // 20 new peers on SMB within 20 seconds
		e := flow(at.Add(time.Duration(i)*time.Second), netip.AddrFrom4([4]byte{10, 9, 9, byte(i)}), pumpIP, 445)
		b.Observe(&e, func(d *detect.Detection) {
			if d.Device == pumpIP.String() {
				n++
			}
		})
	}
	if n != 3 {
		t.Errorf("%d detections for the pump, want the burst of 3", n)
	}
	if st := b.Stats(); st.Suppressed != 17 {
		t.Errorf("suppressed %d, want 17", st.Suppressed)
	}
	e := flow(at.Add(20*time.Minute), netip.MustParseAddr("10.9.9.200"), pumpIP, 445)
	b.Observe(&e, func(d *detect.Detection) {
		if d.Device == pumpIP.String() {
			n++
		}
	})
	if n != 4 {
		t.Errorf("%d detections after the bucket refilled, want 4", n)
	}
}

func TestSaturatedSetStopsChecking(t *testing.T) {
	b := newBaseline(t, Config{Learn: time.Hour, MaxPeers: 8})
	for i := range 20 { // a server with many clients while learning
		e := flow(day0.Add(time.Duration(i)*time.Second), netip.AddrFrom4([4]byte{10, 5, 5, byte(i)}), pacsIP, 104)
		b.Observe(&e, func(*detect.Detection) {})
	}
	n := 0
	e := flow(day0.Add(2*time.Hour), netip.MustParseAddr("10.5.5.99"), pacsIP, 104)
	b.Observe(&e, func(d *detect.Detection) {
		if d.Rule == RuleNewPeer && d.Device == pacsIP.String() {
			n++
		}
	})
	if n != 0 {
		t.Error("saturated peer set still alerts")
	}
	if b.Stats().Saturated == 0 {
		t.Error("saturation not counted")
	}
}

func TestDevicesBounded(t *testing.T) {
	b := newBaseline(t, Config{MaxDevices: 100})
	for i := range 1000 {
		e := flow(day0, netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), netip.MustParseAddr("8.8.8.8"), 53)
		b.Observe(&e, func(*detect.Detection) {})
	}
	if st := b.Stats(); st.Devices != 100 || st.Evicted != 900 {
		t.Errorf("stats %+v, want 100 devices, 900 evicted", st)
	}
}

func TestDeviceIDKeysAndPublicAddresses(t *testing.T) {
	b := newBaseline(t, Config{})
	e := flow(day0, pumpIP, netip.MustParseAddr("203.0.113.50"), 443)
	e.Src.DeviceID = 42
	b.Observe(&e, func(*detect.Detection) {})
	if st := b.Stats(); st.Devices != 1 {
		t.Fatalf("%d devices, want 1 (the public address is not a device)", st.Devices)
	}
	if b.Learning(Key{ID: 42}, day0) != true {
		t.Error("device 42 not tracked")
	}
	if _, ok := b.devs.Peek(Key{ID: 42}); !ok {
		t.Error("device 42 not keyed by id")
	}
}

func TestSnapshotRestoreKeepsLearning(t *testing.T) {
	b := newBaseline(t, Config{MinHourEvents: 100})
	learnWeek(t, b)
	var buf bytes.Buffer
	if err := b.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"CT_MC0101", "ANALYZER01", "PACS_MAIN"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("snapshot holds %q in clear", secret)
		}
	}
	r := newBaseline(t, Config{MinHourEvents: 100})
	if err := r.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if r.Stats().Devices != b.Stats().Devices {
		t.Fatalf("restored %d devices, had %d", r.Stats().Devices, b.Stats().Devices)
	}
	var again bytes.Buffer
	if err := r.Snapshot(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != buf.String() {
		t.Error("snapshot of the restored baseline differs")
	}
	after := day0.Add(8 * 24 * time.Hour)
	normal := dicomStore(after, ctIP, pacsIP, "CT_MC0101", "PACS_MAIN")
	rogue := dicomStore(after, ctIP, pacsIP, "ROGUE_AE", "PACS_MAIN")
	var rules []string
	for _, e := range []detect.Event{normal, rogue} {
		r.Observe(&e, func(d *detect.Detection) { rules = append(rules, d.Rule) })
	}
	if fmt.Sprint(rules) != fmt.Sprint([]string{RuleNewAETitle}) {
		t.Errorf("after restore: %v, want only the new AE title", rules)
	}
}

func TestRestoreRejects(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{"version": 1, "learn": "1h", "devices": []any{map[string]any{
			"ip": "10.0.0.1", "first": "2026-01-01T00:00:00Z", "last_seen": "2026-01-02T00:00:00Z", "events": 3,
			"hours": make([]int, 24), "peers": []uint64{1, 2, 3}, "ports": []uint64{443},
		}}}
	}
	tests := []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"good", func(map[string]any) {}, ""},
		{"version", func(m map[string]any) { m["version"] = 2 }, "version"},
		{"unknown field", func(m map[string]any) { m["extra"] = 1 }, "unknown field"},
		{"public address", func(m map[string]any) { dev(m)["ip"] = "8.8.8.8" }, "private address"},
		{"id and address", func(m map[string]any) { dev(m)["id"] = 5 }, "private address"},
		{"neither", func(m map[string]any) { delete(dev(m), "ip") }, "private address"},
		{"too many peers", func(m map[string]any) { dev(m)["peers"] = make([]uint64, 65) }, "limit"},
		{"unsorted", func(m map[string]any) { dev(m)["peers"] = []uint64{3, 1} }, "sorted"},
		{"port range", func(m map[string]any) { dev(m)["ports"] = []uint64{70000} }, "range"},
		{"times", func(m map[string]any) { dev(m)["last_seen"] = "2025-01-01T00:00:00Z" }, "order"},
		{"hours length", func(m map[string]any) { dev(m)["hours"] = make([]int, 25) }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := good()
			tc.change(m)
			data, _ := json.Marshal(m)
			b := newBaseline(t, Config{})
			err := b.Restore(bytes.NewReader(data))
			switch {
			case tc.want == "" && err != nil && tc.name == "good":
				t.Fatalf("error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			case err != nil && b.Stats().Devices != 0:
				t.Fatal("a failed restore changed the baseline")
			}
		})
	}
}

func dev(m map[string]any) map[string]any { return m["devices"].([]any)[0].(map[string]any) }

func FuzzRestore(f *testing.F) {
	b := newBaselineF(f)
	learnWeekF(b)
	var buf bytes.Buffer
	if err := b.Snapshot(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"devices":[{"id":3,"first":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"version":1,"devices":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, _ := New(Config{Learn: time.Hour, MaxPeers: 4})
		if err := b.Restore(bytes.NewReader(data)); err != nil {
			return
		}
		e := flow(day0.Add(48*time.Hour), pumpIP, badIP, 445)
		b.Observe(&e, func(*detect.Detection) {})
		var out bytes.Buffer
		if err := b.Snapshot(&out); err != nil {
			t.Fatal(err)
		}
		if err := newBaselineNoT().Restore(&out); err != nil {
			t.Fatalf("own snapshot after restore rejected: %v", err)
		}
	})
}

func newBaselineF(f *testing.F) *Baseline {
	b, err := New(Config{Learn: time.Hour, MaxPeers: 4})
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func newBaselineNoT() *Baseline {
	b, _ := New(Config{Learn: time.Hour, MaxPeers: 4})
	return b
}

func learnWeekF(b *Baseline) {
	for i := range 30 {
		at := day0.Add(time.Duration(i) * time.Minute)
		for _, e := range []detect.Event{dicomStore(at, ctIP, pacsIP, "CT_MC0101", "PACS_MAIN"), hl7Msg(at, anaIP, lisIP, "ANALYZER01", "LAB")} {
			b.Observe(&e, func(*detect.Detection) {})
		}
	}
}
