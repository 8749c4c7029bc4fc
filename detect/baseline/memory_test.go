package baseline

import (
	"bytes"
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
)

// fleet is the size of the simulated hospital: the default MaxDevices.
const fleet = 100_000

// servers are the first devices of the fleet: DNS, NTP, management
// stations, PACS, RIS, interface engine, LIS and application servers.
// The rest are clients that each talk to a few of them.
const servers = 1000

const (
	srvDNS = iota
	srvNTP
	srvNMS    // polls every device over SNMP and SSH
	srvWebMgr // reaches every device's web console
	srvPACS
	srvRIS
	srvEngine // HL7 interface engine: sends ADT and orders
	srvLIS    // receives analyzer results
)

// fleetEndpoint is device i of the fleet on port: addresses 10.x.y.z, one
// in five keyed by its inventory id as a resolver would do.
func fleetEndpoint(i int, port uint16) detect.Endpoint {
	ep := detect.Endpoint{IP: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Port: port}
	if i%5 == 0 {
		ep.DeviceID = int64(i) + 1
	}
	return ep
}

// fleetKey is the baseline key of device i.
func fleetKey(i int) Key {
	k, _ := KeyOf(fleetEndpoint(i, 0))
	return k
}

// fleetEvents returns a day of ordinary traffic of device i: for a client a
// few application servers, DNS and NTP, inbound management on its own
// ports, and for one in ten DICOM associations (two AE titles), for one in
// twenty HL7 it receives (two senders) and results it sends.
func fleetEvents(i int) []detect.Event {
	at := day0.Add(time.Duration(i%(24*3600)) * time.Second)
	tcp := func(src, dst int, dport uint16) detect.Event {
		return detect.Event{
			Time: at, Class: detect.ClassNetworkActivity, Activity: "traffic", Source: "netflow", Protocol: "tcp",
			Src: fleetEndpoint(src, 50000+uint16(i%1000)), Dst: fleetEndpoint(dst, dport),
		}
	}
	if i < servers { // servers talk among themselves too
		return []detect.Event{tcp(i, (i+1)%servers, 443), tcp(i, srvDNS, 53)}
	}
	appPorts := []uint16{443, 8443, 104, 2575, 1433}
	evs := []detect.Event{
		tcp(i, srvDNS, 53), tcp(i, srvNTP, 123),
		tcp(i, 8+i%(servers-8), 443),
		tcp(i, 8+(i*7+3)%(servers-8), appPorts[i%len(appPorts)]),
		tcp(srvNMS, i, 161), tcp(srvNMS, i, 22), tcp(srvWebMgr, i, 443),
	}
	if i%10 == 0 {
		store := tcp(i, srvPACS, 104)
		store.Class, store.App = detect.ClassDICOMActivity, "dicom"
		store.DICOM = &detect.DICOM{CallingAE: fmt.Sprintf("MOD%05d", i), CalledAE: "PACS_MAIN", PDU: "A-ASSOCIATE-RQ"}
		mwl := store
		mwl.Dst = fleetEndpoint(srvRIS, 104)
		mwl.DICOM = &detect.DICOM{CallingAE: store.DICOM.CallingAE, CalledAE: "RIS_MWL", PDU: "A-ASSOCIATE-RQ"}
		evs = append(evs, store, mwl)
	}
	if i%20 == 0 {
		hl7 := func(src, dst int, app, fac, typ string) detect.Event {
			e := tcp(src, dst, 2575)
			e.Class, e.App = detect.ClassHL7Activity, "hl7"
			e.HL7 = &detect.HL7{SendingApp: app, SendingFacility: fac, MessageType: typ, ControlID: "MSG1"}
			return e
		}
		evs = append(evs,
			hl7(srvEngine, i, "ADT", "HOSP", "ADT^A01"), hl7(srvEngine, i, "ORDERS", "HOSP", "ORM^O01"),
			hl7(i, srvLIS, fmt.Sprintf("ANALYZER%05d", i), "LAB", "ORU^R01"))
	}
	return evs
}

// feedFleet has b learn device i's day.
func feedFleet(b *Baseline, i int) {
	for _, e := range fleetEvents(i) {
		b.Observe(&e, func(*detect.Detection) {})
	}
}

// heapPerDevice runs fill and reports the live heap it added per device.
func heapPerDevice(devices int, fill func()) float64 {
	before := liveHeap()
	fill()
	return float64(liveHeap()-before) / float64(devices)
}

// liveHeap returns the live heap. It collects twice: buffers parked in
// sync.Pools (encoding/json's) survive one collection.
func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// learnFleet returns a Baseline that learned the fleet's day, and the heap
// bytes per device it holds.
func learnFleet(tb testing.TB) (*Baseline, float64) {
	tb.Helper()
	b, err := New(Config{})
	if err != nil {
		tb.Fatal(err)
	}
	per := heapPerDevice(fleet, func() {
		for i := range fleet {
			feedFleet(b, i)
		}
	})
	runtime.KeepAlive(b)
	if st := b.Stats(); st.Devices != fleet || st.Evicted != 0 || st.Detections != 0 {
		tb.Fatalf("stats %+v, want %d devices, none evicted, no detections while learning", st, fleet)
	}
	return b, per
}

// Memory budgets per device, generous: they catch a representation that
// grows by a multiple, not noise.
const (
	heapBudget          = 1024 // measured 506
	snapshotBudget      = 1024 // measured 256
	worstHeapBudget     = 2560 // measured 1449
	worstSnapshotBudget = 2560 // measured 1652
)

// TestMemory100k learns a day of a 100,000-device hospital and checks the
// heap and snapshot bytes per device (bytes, not time), that the fleet's
// sets are what the workload should give, and that the state restored from
// the snapshot stays within the same heap budget.
func TestMemory100k(t *testing.T) {
	if testing.Short() {
		t.Skip("learns 100,000 devices")
	}
	b, per := learnFleet(t)
	t.Logf("heap: %.0f bytes per device", per)
	if per > heapBudget {
		t.Errorf("heap %.0f bytes per device, budget %d", per, heapBudget)
	}

	// A client has learned the sets the workload gives it.
	p, ok := b.devs.Peek(fleetKey(servers + 1))
	if !ok {
		t.Fatal("client device not held")
	}
	if len(p.peers) != 6 || len(p.ports) != 3 || p.peersFull || p.portsFull {
		t.Errorf("client: %d peers, %d ports (full %v %v), want 6 and 3", len(p.peers), len(p.ports), p.peersFull, p.portsFull)
	}
	p, _ = b.devs.Peek(fleetKey(2 * servers))
	if len(p.aes) != 2 || len(p.hl7) != 2 {
		t.Errorf("DICOM and HL7 client: %d AE titles, %d HL7 senders, want 2 and 2", len(p.aes), len(p.hl7))
	}
	p, _ = b.devs.Peek(fleetKey(srvDNS))
	if !p.peersFull || p.peers != nil {
		t.Errorf("DNS server: peers full %v with %d values, want saturated and released", p.peersFull, len(p.peers))
	}

	var snap bytes.Buffer
	if err := b.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	perSnap := float64(snap.Len()) / fleet
	t.Logf("snapshot: %.0f bytes per device", perSnap)
	if perSnap > snapshotBudget {
		t.Errorf("snapshot %.0f bytes per device, budget %d", perSnap, snapshotBudget)
	}

	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	perRestored := heapPerDevice(fleet, func() {
		if err := r.Restore(&snap); err != nil {
			t.Fatal(err)
		}
	})
	runtime.KeepAlive(r)
	runtime.KeepAlive(b) // held on both sides of the measurement: not counted
	runtime.KeepAlive(&snap)
	t.Logf("restored: %.0f bytes per device", perRestored)
	if r.Stats().Devices != fleet {
		t.Fatalf("restored %d devices, want %d", r.Stats().Devices, fleet)
	}
	if perRestored > heapBudget {
		t.Errorf("restored heap %.0f bytes per device, budget %d", perRestored, heapBudget)
	}
}

// TestMemoryWorstDevice checks the bound: devices with every set one value
// short of its default limit, where the sets weigh most.
func TestMemoryWorstDevice(t *testing.T) {
	if testing.Short() {
		t.Skip("learns 630,000 events")
	}
	const n = 10_000
	b := newBaseline(t, Config{})
	per := heapPerDevice(n, func() { fillAlmostFull(b, n) })
	runtime.KeepAlive(b)
	if st := b.Stats(); st.Devices != n || st.Saturated != 0 {
		t.Fatalf("stats %+v, want %d devices, no set saturated", st, n)
	}
	p, _ := b.devs.Peek(fleetKey(servers))
	if len(p.peers) != 63 || len(p.ports) != 31 || len(p.aes) != 15 || len(p.hl7) != 15 {
		t.Fatalf("sets %d %d %d %d, want 63 31 15 15", len(p.peers), len(p.ports), len(p.aes), len(p.hl7))
	}
	var snap bytes.Buffer
	if err := b.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	perSnap := float64(snap.Len()) / n
	t.Logf("heap %.0f, snapshot %.0f bytes per device", per, perSnap)
	if per > worstHeapBudget || perSnap > worstSnapshotBudget {
		t.Errorf("heap %.0f, snapshot %.0f bytes per device, budgets %d and %d", per, perSnap, worstHeapBudget, worstSnapshotBudget)
	}
}

// BenchmarkMemory100k reports the heap bytes per device after learning a
// day of a 100,000-device hospital, the snapshot bytes per device, and the
// heap per device after restoring that snapshot. "worst" is the bound:
// every set one value short of full (10,000 devices, per device).
func BenchmarkMemory100k(b *testing.B) {
	b.Run("fleet", func(b *testing.B) {
		for range b.N {
			bl, per := learnFleet(b)
			var snap bytes.Buffer
			if err := bl.Snapshot(&snap); err != nil {
				b.Fatal(err)
			}
			perSnap := float64(snap.Len()) / fleet
			bl = nil // not counted in the restored heap
			r, _ := New(Config{})
			perRestored := heapPerDevice(fleet, func() {
				if err := r.Restore(&snap); err != nil {
					b.Fatal(err)
				}
			})
			runtime.KeepAlive(r)
			runtime.KeepAlive(&snap) // held on both sides of the measurement: not counted
			b.ReportMetric(per, "B/device")
			b.ReportMetric(perSnap, "snapshot-B/device")
			b.ReportMetric(perRestored, "restored-B/device")
		}
	})
	b.Run("worst", func(b *testing.B) {
		const n = 10_000
		for range b.N {
			bl, _ := New(Config{})
			per := heapPerDevice(n, func() { fillAlmostFull(bl, n) })
			if st := bl.Stats(); st.Devices != n || st.Saturated != 0 {
				b.Fatalf("stats %+v, want %d devices, no set saturated", st, n)
			}
			var snap bytes.Buffer
			if err := bl.Snapshot(&snap); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(per, "B/device")
			b.ReportMetric(float64(snap.Len())/n, "snapshot-B/device")
		}
	})
}

// fillAlmostFull brings devices 0..n-1 to one value short of every
// default limit: 63 peers (outside addresses, which are no devices
// themselves), 31 ports, 15 AE titles and 15 HL7 senders.
func fillAlmostFull(b *Baseline, n int) {
	for i := range n {
		for j := range 63 {
			e := detect.Event{
				Time: day0, Class: detect.ClassNetworkActivity, Protocol: "tcp",
				Src: detect.Endpoint{IP: netip.AddrFrom4([4]byte{198, 51, 100, byte(j)}), Port: 40000},
				Dst: fleetEndpoint(servers+i, 1000+uint16(j%31)),
			}
			switch {
			case j < 15:
				e.DICOM = &detect.DICOM{CallingAE: fmt.Sprintf("AE%02d", j), CalledAE: "SCP"}
			case j < 30:
				e.HL7 = &detect.HL7{SendingApp: fmt.Sprintf("APP%02d", j), SendingFacility: "HOSP", MessageType: "ORU^R01"}
			}
			b.Observe(&e, func(*detect.Detection) {})
		}
	}
}

// BenchmarkObserve100k is the time per event for a fleet already learned.
func BenchmarkObserve100k(b *testing.B) {
	bl, _ := learnFleet(b)
	evs := make([][]detect.Event, 1000)
	for j := range evs {
		evs[j] = fleetEvents(servers + j*97)
	}
	b.ResetTimer()
	n := 0
	for i := range b.N {
		for _, e := range evs[i%len(evs)] {
			bl.Observe(&e, func(*detect.Detection) {})
			n++
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "events/op")
}
