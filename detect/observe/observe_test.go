package observe

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/detect"
)

var t0 = time.Date(2026, 3, 10, 9, 30, 15, 0, time.UTC)

func clock() time.Time { return t0 }

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// testDirectory holds a CT scanner known by address, a PACS registered by
// AE title only, and a modality registered with both.
func testDirectory(t *testing.T) *detect.MemDirectory {
	t.Helper()
	dir := detect.NewMemDirectory()
	for _, d := range []detect.DeviceRef{
		{ID: 1, AssetTag: "CT-0001", Zone: "imaging", IP: ip("10.20.0.5"), AETitle: "CT01"},
		{ID: 2, AssetTag: "PACS-01", Zone: "datacenter", AETitle: "PACS"},
		{ID: 3, AssetTag: "US-0003", Zone: "imaging", IP: ip("10.20.0.3"), AETitle: "US03"},
		{ID: 4, AssetTag: "LAB-01", Zone: "lab", IP: ip("10.30.0.4"), HL7App: "LIS^MAIN"},
	} {
		if err := dir.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func dicomEvent(src, dst, calling, called string) *detect.Event {
	return &detect.Event{Time: t0, Class: detect.ClassDICOMActivity, Source: "pcap", App: "dicom", Protocol: "tcp",
		Src: detect.Endpoint{IP: ip(src), Port: 50123}, Dst: detect.Endpoint{IP: ip(dst), Port: 104},
		Packets: 3, BytesIn: 100, BytesOut: 400, DICOM: &detect.DICOM{CallingAE: calling, CalledAE: called, PDU: "A-ASSOCIATE-RQ"}}
}

func flowEvent(src, dst string, sport, dport uint16) *detect.Event {
	return &detect.Event{Time: t0, Class: detect.ClassNetworkActivity, Source: "netflow", Protocol: "tcp",
		Src: detect.Endpoint{IP: ip(src), Port: sport, MAC: "00:1A:2B:3C:4D:5E"}, Dst: detect.Endpoint{IP: ip(dst), Port: dport},
		Packets: 10, BytesOut: 5000}
}

func TestResolution(t *testing.T) {
	o := New(Config{Directory: testDirectory(t), Now: clock})
	o.Event(dicomEvent("10.20.0.5", "10.40.0.9", "CT01", "PACS"))  // device to device (PACS by AE title)
	o.Event(dicomEvent("10.20.0.5", "10.40.0.9", "CT01", "PACS"))  // the same link again
	o.Event(dicomEvent("10.20.0.66", "10.40.0.9", "US03", "PACS")) // a registered title from another address
	o.Event(flowEvent("10.20.0.77", "10.20.0.5", 51000, 443))      // an unknown talker
	o.Event(flowEvent("10.20.0.5", "203.0.113.9", 40000, 443))     // to the internet
	o.Event(&detect.Event{Time: t0, Class: detect.ClassHL7Activity, Source: "pcap", App: "hl7", Protocol: "tcp",
		Src: detect.Endpoint{IP: ip("10.30.0.4"), Port: 40100}, Dst: detect.Endpoint{IP: ip("10.30.0.200"), Port: 2575},
		HL7: &detect.HL7{SendingApp: "LIS", SendingFacility: "MAIN", ReceivingApp: "EHR", ReceivingFacility: "MAIN", MessageType: "ORU^R01"}})
	got := o.Flush()

	ct := detect.Talker{DeviceID: 1, IP: ip("10.20.0.5"), Label: "CT-0001", Zone: "imaging"}
	pacs := detect.Talker{DeviceID: 2, IP: ip("10.40.0.9"), Label: "PACS-01", Zone: "datacenter"}
	lab := detect.Talker{DeviceID: 4, IP: ip("10.30.0.4"), Label: "LAB-01", Zone: "lab"}
	at := func(l detect.Link) detect.Link { l.FirstSeen, l.LastSeen = t0, t0; return l }
	want := []detect.Link{
		at(detect.Link{Src: ct, Dst: pacs, App: "dicom", Protocol: "tcp", Port: 104, Events: 2, Packets: 6, Bytes: 1000, AETitles: []string{"CT01>PACS"}}),
		at(detect.Link{Src: ct, Dst: detect.Talker{IP: ip("203.0.113.9")}, Protocol: "tcp", Port: 443, Events: 1, Packets: 10, Bytes: 5000}),
		at(detect.Link{Src: lab, Dst: detect.Talker{IP: ip("10.30.0.200")}, App: "hl7", Protocol: "tcp", Port: 2575, Events: 1, HL7Apps: []string{"LIS^MAIN>EHR^MAIN"}}),
		at(detect.Link{Src: detect.Talker{IP: ip("10.20.0.66")}, Dst: pacs, App: "dicom", Protocol: "tcp", Port: 104, Events: 1, Packets: 3, Bytes: 500, AETitles: []string{"US03>PACS"}}),
		at(detect.Link{Src: detect.Talker{IP: ip("10.20.0.77")}, Dst: ct, Protocol: "tcp", Port: 443, Events: 1, Packets: 10, Bytes: 5000}),
	}
	if d := cmp.Diff(want, got.Links, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); d != "" {
		t.Errorf("links (-want +got):\n%s", d)
	}
	disc := func(d detect.Discovered) detect.Discovered {
		d.FirstSeen, d.LastSeen, d.Status, d.Events = t0, t0, detect.DiscoveredNew, 1
		return d
	}
	wantDisc := []detect.Discovered{
		disc(detect.Discovered{IP: ip("10.20.0.66"), AETitle: "US03", Apps: []string{"dicom"}}),
		disc(detect.Discovered{IP: ip("10.20.0.77"), MAC: "00:1a:2b:3c:4d:5e", Apps: []string{"tcp/443"}}),
		disc(detect.Discovered{IP: ip("10.30.0.200"), HL7App: "EHR^MAIN", Apps: []string{"hl7"}}),
	}
	if d := cmp.Diff(wantDisc, got.Discovered, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); d != "" {
		t.Errorf("discovered (-want +got):\n%s", d)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("flushed batch does not validate: %v", err)
	}
	if again := o.Flush(); !again.Empty() {
		t.Errorf("second flush is not empty: %+v", again)
	}
}

func TestNoDirectory(t *testing.T) {
	o := New(Config{Now: clock})
	o.Event(flowEvent("10.0.0.1", "10.0.0.2", 50000, 22))
	o.Event(flowEvent("10.0.0.2", "10.0.0.1", 22, 50000)) // the answer: same service port
	o.Event(flowEvent("10.0.0.1", "224.0.0.251", 5353, 5353))
	got := o.Flush()
	var ports []string
	for _, l := range got.Links {
		ports = append(ports, l.Src.Name()+">"+l.Dst.Name()+" "+l.Service())
	}
	if d := cmp.Diff([]string{"10.0.0.1>10.0.0.2 tcp/22", "10.0.0.1>224.0.0.251 tcp/5353", "10.0.0.2>10.0.0.1 tcp/22"}, ports); d != "" {
		t.Errorf("links (-want +got):\n%s", d)
	}
	var disc []string
	for _, d := range got.Discovered {
		disc = append(disc, d.Ident()+" "+strings.Join(d.Apps, ","))
	}
	// The multicast group is not a device.
	if d := cmp.Diff([]string{"ip:10.0.0.1 tcp/22,tcp/5353", "ip:10.0.0.2 tcp/22"}, disc); d != "" {
		t.Errorf("discovered (-want +got):\n%s", d)
	}
}

func TestRates(t *testing.T) {
	o := New(Config{Now: func() time.Time { return t0.Add(5 * time.Minute) }})
	for i, src := range []string{"syslog", "syslog", "netflow", "syslog"} {
		o.Event(&detect.Event{Time: t0.Add(time.Duration(i) * 30 * time.Second), Class: detect.ClassLog, Source: src})
	}
	o.Event(&detect.Event{Class: detect.ClassAuthentication, Source: "syslog"}) // no time: now
	m := t0.Truncate(time.Minute)
	// +0s and +30s fall in minute 30; +60s (netflow) and +90s in minute 31.
	want := []detect.RateCount{
		{Minute: m, Source: "syslog", Class: "log", Count: 2},
		{Minute: m.Add(time.Minute), Source: "netflow", Class: "log", Count: 1},
		{Minute: m.Add(time.Minute), Source: "syslog", Class: "log", Count: 1},
		{Minute: m.Add(5 * time.Minute), Source: "syslog", Class: "authentication", Count: 1},
	}
	got := o.Flush()
	if d := cmp.Diff(want, got.Rates); d != "" {
		t.Errorf("rates (-want +got):\n%s", d)
	}
	if len(got.Links) != 0 || len(got.Discovered) != 0 {
		t.Errorf("events without addresses made links or devices: %+v", got)
	}
}

// A sender's wrong clock does not move its counts: times more than
// MaxSkew away from the Observer's clock are replaced by the clock.
func TestClockSkew(t *testing.T) {
	o := New(Config{Now: clock})
	for _, at := range []time.Time{t0.Add(-4 * time.Minute), t0.Add(-time.Hour), t0.Add(365 * 24 * time.Hour), {}} {
		e := flowEvent("10.0.0.1", "10.0.0.2", 50000, 22)
		e.Time = at
		o.Event(e)
	}
	got := o.Flush()
	l := got.Links[0]
	if l.Events != 4 || !l.FirstSeen.Equal(t0.Add(-4*time.Minute)) || !l.LastSeen.Equal(t0) {
		t.Errorf("link = %+v", l)
	}
	if len(got.Rates) != 2 || got.Rates[1].Count != 3 || !got.Rates[1].Minute.Equal(t0.Truncate(time.Minute)) {
		t.Errorf("rates = %+v", got.Rates)
	}
}

func TestBounds(t *testing.T) {
	o := New(Config{MaxLinks: 2, MaxDiscovered: 3, MaxRates: 2, Now: clock})
	for i := range 5 {
		e := flowEvent(fmt.Sprintf("10.0.0.%d", i+1), "10.0.1.1", 50000, 443)
		e.Time = t0.Add(time.Duration(i) * time.Minute)
		o.Event(e)
	}
	o.Event(flowEvent("10.0.0.1", "10.0.1.1", 50000, 443)) // an existing link still counts
	got := o.Flush()
	if len(got.Links) != 2 || got.Links[0].Events != 2 {
		t.Errorf("links = %+v, want 2, the first with 2 events", got.Links)
	}
	if len(got.Discovered) != 3 {
		t.Errorf("%d discovered devices, want the limit 3", len(got.Discovered))
	}
	if len(got.Rates) != 2 {
		t.Errorf("%d rate buckets, want the limit 2", len(got.Rates))
	}
	want := Stats{Events: 6, DroppedLinks: 3, DroppedDiscovered: 3, DroppedRates: 3}
	if d := cmp.Diff(want, o.Stats()); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
	// After a flush there is room again.
	o.Event(flowEvent("10.0.0.9", "10.0.1.1", 50000, 443))
	if got := o.Flush(); len(got.Links) != 1 {
		t.Errorf("after flush: %d links", len(got.Links))
	}
}

func TestSourcesBounded(t *testing.T) {
	o := New(Config{Now: clock})
	for i := range maxSources + 10 {
		o.Event(&detect.Event{Time: t0, Class: detect.ClassLog, Source: fmt.Sprintf("src-%d", i)})
	}
	got := o.Flush()
	other := int64(0)
	for _, r := range got.Rates {
		if r.Source == "other" {
			other = r.Count
		}
	}
	if len(got.Rates) != maxSources+1 || other != 10 {
		t.Errorf("%d rate rows, %d other; want %d and 10", len(got.Rates), other, maxSources+1)
	}
}

func TestNamesBounded(t *testing.T) {
	o := New(Config{Now: clock})
	for i := range 20 {
		o.Event(dicomEvent("10.0.0.1", "10.0.0.2", fmt.Sprintf("SCU%d", i), "PACS"))
	}
	got := o.Flush()
	if n := len(got.Links[0].AETitles); n != detect.MaxLinkNames {
		t.Errorf("%d AE titles on the link, want %d", n, detect.MaxLinkNames)
	}
	if a := got.Discovered[0]; a.AETitle != "SCU0" || a.Events != 20 {
		t.Errorf("caller = %+v, want its first AE title and 20 events", a)
	}
}

func TestHostileText(t *testing.T) {
	o := New(Config{Now: clock})
	e := dicomEvent("10.0.0.1", "10.0.0.2", "AE\x00\x1b[31mEVIL-LONGER-THAN-16", "\xff\xfe")
	e.Src.Hostname = strings.Repeat("h\n", 400)
	e.Src.MAC = strings.Repeat("aa:", 100)
	e.App = "<script>" + strings.Repeat("x", 100)
	e.Source = strings.Repeat("s", 1000)
	o.Event(e)
	got := o.Flush()
	if err := got.Validate(); err != nil {
		t.Fatalf("batch from hostile text does not validate: %v", err)
	}
	if d := got.Discovered[0]; len(d.AETitle) > 16 || strings.ContainsAny(d.Hostname, "\n") || len(d.Hostname) > 253 {
		t.Errorf("discovered = %+v", d)
	}
}

func TestMergeRetries(t *testing.T) {
	o := New(Config{Directory: testDirectory(t), Now: clock})
	o.Event(dicomEvent("10.20.0.5", "10.40.0.9", "CT01", "PACS"))
	o.Event(flowEvent("10.20.0.77", "10.20.0.5", 51000, 443))
	first := o.Flush()
	o.Event(dicomEvent("10.20.0.5", "10.40.0.9", "CT01", "PACS"))
	o.Merge(first) // storing it failed: it goes back
	got := o.Flush()
	if len(got.Links) != 2 || got.Links[0].Events != 2 || len(got.Discovered) != 1 || len(got.Rates) != 2 {
		t.Errorf("after merge: %+v", got)
	}
}

func TestConcurrent(t *testing.T) {
	o := New(Config{Directory: testDirectory(t), Now: clock})
	var wg sync.WaitGroup
	var flushed []*detect.Observations
	var mu sync.Mutex
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				o.Event(flowEvent(fmt.Sprintf("10.0.%d.%d", g, i%50+1), "10.20.0.5", 50000, 443))
				if i%100 == 0 {
					f := o.Flush()
					mu.Lock()
					flushed = append(flushed, f)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	flushed = append(flushed, o.Flush())
	var events int64
	for _, f := range flushed {
		for _, l := range f.Links {
			events += l.Events
		}
	}
	if events != 2000 {
		t.Errorf("links count %d events over all flushes, want 2000", events)
	}
}

// FuzzObserve feeds events with arbitrary names and addresses: the
// observer never panics and what it flushes always validates.
func FuzzObserve(f *testing.F) {
	f.Add("10.20.0.5", "10.40.0.9", uint16(50123), uint16(104), "dicom", "CT01", "PACS", "LIS", "MAIN", "ct-1.local", "00:1a:2b:3c:4d:5e", "pcap")
	f.Add("::ffff:10.0.0.1", "fe80::1", uint16(0), uint16(0), "", "", "", "", "", "", "", "")
	f.Add("203.0.113.5", "255.255.255.255", uint16(5353), uint16(60000), "HL7", "A\x00B", "\xff", "A^B|C", "\n", "h\x7f", "zz", "syslog")
	f.Fuzz(func(t *testing.T, src, dst string, sport, dport uint16, app, calling, called, sapp, sfac, host, mac, source string) {
		o := New(Config{Directory: testDirectory(t), MaxLinks: 4, MaxDiscovered: 4, MaxRates: 4, Now: clock})
		s, _ := netip.ParseAddr(src)
		d, _ := netip.ParseAddr(dst)
		e := &detect.Event{Time: t0, Class: detect.ClassDICOMActivity, Source: source, App: app, Protocol: "tcp",
			Src: detect.Endpoint{IP: s, Port: sport, Hostname: host, MAC: mac}, Dst: detect.Endpoint{IP: d, Port: dport, Hostname: host},
			DICOM: &detect.DICOM{CallingAE: calling, CalledAE: called},
			HL7:   &detect.HL7{SendingApp: sapp, SendingFacility: sfac, ReceivingApp: called}}
		for range 3 {
			o.Event(e)
		}
		got := o.Flush()
		if err := got.Validate(); err != nil {
			t.Fatalf("flushed batch does not validate: %v", err)
		}
		o.Merge(got)
		if err := o.Flush().Validate(); err != nil {
			t.Fatalf("merged batch does not validate: %v", err)
		}
	})
}
