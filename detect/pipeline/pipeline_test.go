package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/baseline"
	"github.com/airtight/airtight/detect/builtin"
)

var t0 = time.Date(2026, 11, 14, 22, 0, 0, 0, time.UTC)

func flow(at time.Time, src, dst netip.Addr, port uint16) detect.Event {
	return detect.Event{Time: at, Class: detect.ClassNetworkActivity, Source: "netflow", Protocol: "tcp",
		Src: detect.Endpoint{IP: src, Port: 50000}, Dst: detect.Endpoint{IP: dst, Port: port}}
}

func addr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 70, byte(i >> 8), byte(i)}) }

// fakeDetector emits one detection per event, keyed by the event's port.
type fakeDetector struct {
	sev func(e *detect.Event) detect.Severity
}

func (f fakeDetector) Observe(e *detect.Event, emit func(*detect.Detection)) {
	sev := detect.Severity("low")
	if f.sev != nil {
		sev = f.sev(e)
	}
	emit(&detect.Detection{Rule: "test.fake.rule", Severity: sev, Attack: []string{"T1046"}, Device: e.Src.IP.String(),
		DeviceID: e.Src.DeviceID, FirstSeen: e.Time, LastSeen: e.Time, Count: 1,
		Evidence: map[string]any{"port": int(e.Dst.Port), "long": strings.Repeat("x", 1000), "dst": e.Dst.IP.String()},
		Key:      fmt.Sprint("fake|", e.Dst.Port)})
}

type panicky struct{}

func (panicky) Observe(e *detect.Event, _ func(*detect.Detection)) {
	if e.Dst.Port == 666 {
		panic("boom")
	}
}

func TestReplayMergesInTimeOrder(t *testing.T) {
	dir := detect.NewMemDirectory()
	if err := dir.Add(detect.DeviceRef{ID: 7, IP: addr(1)}); err != nil {
		t.Fatal(err)
	}
	var events []detect.Event
	for i := range 10 { // given newest first
		events = append(events, flow(t0.Add(time.Duration(10-i)*time.Second), addr(1), addr(2), 445))
	}
	events = append(events, flow(t0, addr(3), addr(2), 22), flow(t0.Add(time.Second), addr(3), addr(2), 666))
	var outputs []detect.Detection
	cfg := Config{Directory: dir, Detectors: []detect.Detector{panicky{}, fakeDetector{}}, MaxEvidence: 2,
		Output: func(d detect.Detection) { outputs = append(outputs, d) }}
	alerts, st, err := Replay(context.Background(), cfg, events)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 3 {
		t.Fatalf("%d alerts, want 3: %+v", len(alerts), alerts)
	}
	first := alerts[0]
	if first.Key != "fake|22" || alerts[1].Key != "fake|445" || alerts[2].Key != "fake|666" {
		t.Errorf("order %s %s %s", alerts[0].Key, alerts[1].Key, alerts[2].Key)
	}
	smb := alerts[1]
	if smb.Count != 10 || !smb.FirstSeen.Equal(t0.Add(time.Second)) || !smb.LastSeen.Equal(t0.Add(10*time.Second)) {
		t.Errorf("merged %d, %v – %v", smb.Count, smb.FirstSeen, smb.LastSeen)
	}
	if smb.DeviceID != 7 {
		t.Errorf("device id %d, want 7 from the directory", smb.DeviceID)
	}
	if len(smb.Evidence) != 2 || len(smb.Evidence["long"].(string)) != maxEvidenceText {
		t.Errorf("evidence not bounded: %d keys", len(smb.Evidence))
	}
	if st.Received != 12 || st.Processed != 12 || st.Detections != 12 || st.Alerts != 3 || st.Panics != 1 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
	// Three new alerts, then the held updates of the 445 alert at the end.
	if len(outputs) != 4 || outputs[3].Key != "fake|445" || outputs[3].Count != 10 {
		t.Errorf("%d outputs, want 4 with the flushed 445 alert last: %+v", len(outputs), outputs)
	}
	if events[0].Src.DeviceID != 0 {
		t.Error("Replay changed the caller's events")
	}
}

func TestOutputOnSeverityRiseAndInterval(t *testing.T) {
	sev := func(e *detect.Event) detect.Severity {
		if e.Dst.Port == 2 {
			return "critical"
		}
		return "low"
	}
	var outputs []detect.Detection
	cfg := Config{Detectors: []detect.Detector{fakeDetector{sev: sev}}, UpdateEvery: time.Minute,
		Output: func(d detect.Detection) { outputs = append(outputs, d) }}
	mk := func(s float64, port uint16) detect.Event {
		e := flow(t0.Add(time.Duration(s*float64(time.Second))), addr(1), addr(2), port)
		return e
	}
	// All keyed "fake|<port>": use one port to merge, one to raise.
	events := []detect.Event{mk(0, 1), mk(10, 1), mk(70, 1), mk(80, 1)}
	if _, _, err := Replay(context.Background(), cfg, events); err != nil {
		t.Fatal(err)
	}
	if len(outputs) != 3 || outputs[0].Count != 1 || outputs[1].Count != 3 || outputs[2].Count != 4 {
		t.Errorf("outputs %d: %+v", len(outputs), outputs)
	}
	m := detect.Detection{Severity: "low", Count: 1}
	if !merge(&m, &detect.Detection{Severity: "critical", Attack: []string{"T1210"}}, nil) || m.Severity != "critical" || m.Count != 2 {
		t.Errorf("merge %+v", m)
	}
}

// TestBurstIsAbsorbedOrCounted sends ten times the queue size while the
// detectors are held up: every event is either processed or counted as
// dropped, nothing blocks, and the pipeline goes on afterwards.
func TestBurstIsAbsorbedOrCounted(t *testing.T) {
	const queue = 256
	gate := make(chan struct{})
	var once sync.Once
	slow := detect.Detector(gateDetector{gate: gate})
	p, err := New(Config{QueueSize: queue, Detectors: []detect.Detector{slow}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	for i := range 10 * queue {
		e := flow(t0.Add(time.Duration(i)*time.Millisecond), addr(i), addr(0), 80)
		p.Event(&e)
	}
	st := p.Stats()
	if st.Received+st.Dropped != 10*queue {
		t.Fatalf("received %d + dropped %d != %d sent", st.Received, st.Dropped, 10*queue)
	}
	if st.Received > queue+1 || st.Dropped < 9*queue-1 {
		t.Errorf("received %d, dropped %d with a queue of %d held up", st.Received, st.Dropped, queue)
	}
	once.Do(func() { close(gate) })
	p.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st2 := p.Stats(); st2.Processed != st2.Received || st2.Received != st.Received {
		t.Errorf("after the burst: %+v", st2)
	}
	e := flow(t0, addr(1), addr(0), 80)
	p.Event(&e)
	if p.Stats().Dropped != st.Dropped+1 {
		t.Error("an event after Close was not counted as dropped")
	}
}

type gateDetector struct{ gate chan struct{} }

func (g gateDetector) Observe(*detect.Event, func(*detect.Detection)) { <-g.gate }

func TestRunStopsOnCancel(t *testing.T) {
	gate := make(chan struct{})
	p, _ := New(Config{QueueSize: 16, Detectors: []detect.Detector{gateDetector{gate: gate}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	for i := range 10 {
		e := flow(t0, addr(i), addr(0), 80)
		if err := p.Submit(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	close(gate)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	st := p.Stats()
	if st.Processed+st.Dropped != 10 {
		t.Errorf("processed %d + dropped %d != 10 submitted", st.Processed, st.Dropped)
	}
	if err := p.Submit(ctx, &detect.Event{}); err == nil {
		t.Error("Submit after cancel succeeded")
	}
}

func TestSinkCopiesEvents(t *testing.T) {
	var seen []string
	rec := recorder{f: func(e *detect.Event) { seen = append(seen, e.DICOM.CallingAE+e.Fields["k"]) }}
	p, _ := New(Config{Detectors: []detect.Detector{rec}})
	e := detect.Event{Time: t0, DICOM: &detect.DICOM{CallingAE: "A"}, Fields: map[string]string{"k": "1"}}
	p.Event(&e)
	e.DICOM.CallingAE, e.Fields["k"] = "B", "2" // the input reuses its event
	p.Event(&e)
	p.Close()
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[A1 B2]" {
		t.Errorf("detectors saw %v, want [A1 B2]", seen)
	}
}

type recorder struct{ f func(*detect.Event) }

func (r recorder) Observe(e *detect.Event, _ func(*detect.Detection)) { r.f(e) }

func TestPanicLogNamesNoEventData(t *testing.T) {
	var logs bytes.Buffer
	p, _ := New(Config{Detectors: []detect.Detector{panicky{}}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	e := flow(t0, addr(1), addr(2), 666)
	e.HL7 = &detect.HL7{SendingApp: "DOE^JANE"}
	p.Event(&e)
	p.Close()
	_ = p.Run(context.Background())
	if !strings.Contains(logs.String(), "detector panicked") || strings.Contains(logs.String(), "DOE") {
		t.Errorf("log: %s", logs.String())
	}
}

func TestAlertsBounded(t *testing.T) {
	var events []detect.Event
	for i := range 100 {
		events = append(events, flow(t0.Add(time.Duration(i)*time.Second), addr(1), addr(2), uint16(1000+i)))
	}
	alerts, st, err := Replay(context.Background(), Config{Detectors: []detect.Detector{fakeDetector{}}, MaxAlerts: 10}, events)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 10 || st.Evicted != 90 || st.Alerts != 100 {
		t.Errorf("%d alerts kept, stats %+v", len(alerts), st)
	}
}

// TestReplayHospitalNight runs the built-ins and the baseline over a night
// of a small hospital: normal DICOM, HL7 and file-server traffic, then a
// worm. Only the attack may alert.
func TestReplayHospitalNight(t *testing.T) {
	dir, err := LoadInventory(strings.NewReader(inventoryCSV))
	if err != nil {
		t.Fatal(err)
	}
	dets, err := builtin.All(builtin.Config{Directory: dir})
	if err != nil {
		t.Fatal(err)
	}
	events := normalNight(180)
	normal, _, err := Replay(context.Background(), Config{Directory: dir, Detectors: dets}, events)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range normal {
		t.Errorf("normal traffic alerted: %s on %s %v", a.Rule, a.Device, a.Evidence)
	}
	dets, _ = builtin.All(builtin.Config{Directory: dir})
	attacker := netip.MustParseAddr("10.16.0.21") // the CT scanner, device 1
	for i := range 40 {
		events = append(events, flow(t0.Add(3*time.Hour+time.Duration(i)*time.Second), attacker, addr(i), 445))
	}
	alerts, _, err := Replay(context.Background(), Config{Directory: dir, Detectors: dets}, events)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Rule != builtin.RuleSMBSpread || alerts[0].Device != "1" || alerts[0].Count != 1 {
		t.Fatalf("alerts %+v, want one SMB spread on device 1", alerts)
	}
}

const inventoryCSV = `asset_tag,manufacturer,model,kind,criticality,network_zone,ip,hostname,ae_title,hl7_application,status
RGH-1,GE HealthCare,Revolution CT,ct-scanner,diagnostic,imaging-vlan,10.16.0.21,ct-01,CT_MC0101,,active
RGH-2,Sectra,PACS,pacs-server,diagnostic,imaging-vlan,10.16.0.5,pacs,PACS_MAIN,,active
RGH-3,Roche,cobas 8000,lab-analyzer,diagnostic,lab-vlan,10.40.0.20,ana-01,,ANALYZER01^LAB,active
RGH-4,Epic,Bridges,hl7-interface-engine,administrative,dmz,10.40.0.9,lis,,LIS,active
RGH-5,Dell,File server,file-server,administrative,corporate,10.60.0.2,files,,,active
RGH-6,BD,Alaris,infusion-pump,life-sustaining,clinical-wireless,10.32.0.40,pump-01,,,decommissioned
`

// normalNight is a night of ordinary traffic: C-STOREs, lab results and
// their ACKs, clients of the file server, pumps talking to their server.
func normalNight(clients int) []detect.Event {
	ct, pacs := netip.MustParseAddr("10.16.0.21"), netip.MustParseAddr("10.16.0.5")
	ana, lis := netip.MustParseAddr("10.40.0.20"), netip.MustParseAddr("10.40.0.9")
	files := netip.MustParseAddr("10.60.0.2")
	var out []detect.Event
	for m := range 180 {
		at := t0.Add(time.Duration(m) * time.Minute)
		store := flow(at, ct, pacs, 104)
		store.Class, store.App = detect.ClassDICOMActivity, "dicom"
		store.DICOM = &detect.DICOM{CallingAE: "CT_MC0101", CalledAE: "PACS_MAIN", PDU: "A-ASSOCIATE-RQ"}
		result := flow(at, ana, lis, 2575)
		result.Class, result.App = detect.ClassHL7Activity, "hl7"
		result.HL7 = &detect.HL7{SendingApp: "ANALYZER01", SendingFacility: "LAB", MessageType: "ORU^R01", PatientData: true}
		ack := flow(at.Add(time.Second), lis, ana, 40000)
		ack.Class, ack.App = detect.ClassHL7Activity, "hl7"
		ack.HL7 = &detect.HL7{SendingApp: "LIS", MessageType: "ACK^R01", AckCode: "AA"}
		out = append(out, store, result, ack, flow(at, addr(m%clients), files, 445), flow(at, netip.MustParseAddr("10.32.0.40"), netip.MustParseAddr("10.32.0.2"), 443))
	}
	return out
}

func TestLoadInventory(t *testing.T) {
	dir, err := LoadInventory(strings.NewReader(inventoryCSV))
	if err != nil {
		t.Fatal(err)
	}
	if dir.Len() != 5 {
		t.Errorf("%d devices, want 5 (the decommissioned pump left out)", dir.Len())
	}
	ref, ok := dir.LookupAE("CT_MC0101")
	if !ok || ref.ID != 1 || ref.IP != netip.MustParseAddr("10.16.0.21") || ref.Kind != "ct-scanner" || ref.Zone != "imaging-vlan" || ref.Criticality != "diagnostic" {
		t.Errorf("CT: %+v", ref)
	}
	if ref, ok := dir.LookupHL7App("ANALYZER01", "LAB"); !ok || ref.ID != 3 {
		t.Errorf("analyzer: %+v %v", ref, ok)
	}
	if _, ok := dir.LookupIP(netip.MustParseAddr("10.32.0.40")); ok {
		t.Error("decommissioned device in the directory")
	}
	dup := inventoryCSV + "RGH-9,X,Y,printer,administrative,corporate,10.16.0.21,p,,,active\n"
	_, err = LoadInventory(strings.NewReader(dup))
	if !errors.Is(err, detect.ErrDuplicate) || !strings.Contains(err.Error(), "line 8") || strings.Contains(err.Error(), "10.16.0.21") {
		t.Errorf("duplicate address: %v", err)
	}
	if _, err := LoadInventory(strings.NewReader("asset_tag\nx\n")); err == nil {
		t.Error("header without required columns accepted")
	}
}

// TestLoadInventoryExample loads the inventory package's example file.
func TestLoadInventoryExample(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "inventory", "testdata", "devices-example.csv"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	dir, err := LoadInventory(f)
	if err != nil {
		t.Fatal(err)
	}
	if dir.Len() == 0 {
		t.Error("no devices")
	}
}

func FuzzLoadInventory(f *testing.F) {
	f.Add([]byte(inventoryCSV))
	if data, err := os.ReadFile(filepath.Join("..", "..", "inventory", "testdata", "devices-example.csv")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("asset_tag,manufacturer,model,kind,criticality,ip,ae_title\nA,B,C,D,diagnostic,::ffff:10.0.0.1,X\nB,B,C,D,diagnostic,10.0.0.1,Y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir, err := LoadInventory(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i := range dir.Len() {
			_ = i
		}
	})
}

func TestBaselineInPipeline(t *testing.T) {
	b, err := baseline.New(baseline.Config{Learn: 2 * time.Hour, MinHourEvents: 1000})
	if err != nil {
		t.Fatal(err)
	}
	events := normalNight(5)
	rogue := flow(t0.Add(150*time.Minute), netip.MustParseAddr("10.20.9.77"), netip.MustParseAddr("10.16.0.5"), 104)
	rogue.DICOM = &detect.DICOM{CallingAE: "ROGUE_AE", CalledAE: "PACS_MAIN", PDU: "A-ASSOCIATE-RQ"}
	events = append(events, rogue)
	alerts, _, err := Replay(context.Background(), Config{Detectors: []detect.Detector{b}}, events)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, a := range alerts {
		rules = append(rules, a.Rule+"@"+a.Device)
	}
	want := "[airtight.baseline.new_ae_title@10.16.0.5 airtight.baseline.new_peer@10.16.0.5]"
	if fmt.Sprint(rules) != want {
		t.Errorf("alerts %v, want %s", rules, want)
	}
}

// windowed is a detector whose window is judged only when it ends.
type windowed struct{ flushes []time.Time }

func (w *windowed) Observe(*detect.Event, func(*detect.Detection)) {}
func (w *windowed) Flush(now time.Time, emit func(*detect.Detection)) {
	w.flushes = append(w.flushes, now)
	emit(&detect.Detection{Rule: "few-events", Title: "Too few heartbeats", Severity: "medium", Device: "x", LastSeen: now})
}

// TestFlusherWindows: detectors with end-judged windows are flushed every
// minute of event time and once more at the end, and what they emit
// becomes an alert.
func TestFlusherWindows(t *testing.T) {
	w := &windowed{}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var events []detect.Event
	for i := range 5 {
		events = append(events, detect.Event{Time: t0.Add(time.Duration(i) * 40 * time.Second), Class: detect.ClassLog, Source: "test"})
	}
	alerts, _, err := Replay(context.Background(), Config{Detectors: []detect.Detector{w}}, events)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.flushes) < 2 || !w.flushes[len(w.flushes)-1].Equal(t0.Add(160*time.Second)) {
		t.Errorf("flushes at %v", w.flushes)
	}
	if len(alerts) != 1 || alerts[0].Rule != "few-events" {
		t.Errorf("alerts = %+v", alerts)
	}
}
