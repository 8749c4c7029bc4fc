package web

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/detect"
)

func talker(id int64, ip, tag, zone string) detect.Talker {
	return detect.Talker{DeviceID: id, IP: netip.MustParseAddr(ip), Label: tag, Zone: zone}
}

// sampleLinks is a small imaging department: a CT scanner and an
// ultrasound sending to the PACS, the lab system sending results to the
// EHR interface engine, an unknown laptop mounting a file share, and a
// monitor talking to the internet. Most bytes first, as the store lists.
func sampleLinks() []*detect.Link {
	ct := talker(11, "10.20.0.5", "CT-0001", "imaging")
	us := talker(12, "10.20.0.6", "US-0002", "imaging")
	pacs := talker(21, "10.40.0.9", "PACS-01", "datacenter")
	lis := talker(31, "10.30.0.4", "LAB-01", "lab")
	ehr := talker(22, "10.40.0.10", "HL7-ENGINE", "datacenter")
	mon := talker(41, "10.10.0.8", "MON-0008", "clinical")
	laptop := detect.Talker{IP: netip.MustParseAddr("10.20.0.77")}
	cloud := detect.Talker{IP: netip.MustParseAddr("203.0.113.50")}
	seen := func(l *detect.Link) *detect.Link {
		l.FirstSeen, l.LastSeen = testNow.Add(-20*time.Hour), testNow.Add(-5*time.Minute)
		return l
	}
	return []*detect.Link{
		seen(&detect.Link{Src: ct, Dst: pacs, App: "dicom", Protocol: "tcp", Port: 104, Events: 420, Packets: 90000, Bytes: 2_400_000_000, AETitles: []string{"CT01>PACS"}}),
		seen(&detect.Link{Src: us, Dst: pacs, App: "dicom", Protocol: "tcp", Port: 11112, Events: 40, Bytes: 310_000_000, AETitles: []string{"US02>PACS"}}),
		seen(&detect.Link{Src: laptop, Dst: pacs, App: "smb", Protocol: "tcp", Port: 445, Events: 12, Bytes: 5_200_000}),
		seen(&detect.Link{Src: mon, Dst: cloud, Protocol: "tcp", Port: 443, Events: 30, Bytes: 900_000}),
		seen(&detect.Link{Src: lis, Dst: ehr, App: "hl7", Protocol: "tcp", Port: 2575, Events: 800, Bytes: 640_000, HL7Apps: []string{"LIS^MAIN>EHR^MAIN"}}),
		seen(&detect.Link{Src: pacs, Dst: pacs, Protocol: "udp", Port: 514, Events: 2, Bytes: 300}),
	}
}

func sampleRates(start time.Time) []detect.RateBucket {
	b := func(h int, src map[string]int64) detect.RateBucket {
		return detect.RateBucket{Start: start.Add(time.Duration(h) * time.Hour), BySource: src, ByClass: map[string]int64{}}
	}
	return []detect.RateBucket{
		b(0, map[string]int64{"netflow": 1200, "syslog": 300}),
		b(5, map[string]int64{"netflow": 1000, "pcap": 50, "zeek": 5, "jsonl": 2, "suricata": 1}),
		b(23, map[string]int64{"syslog": 7}),
		b(-1, map[string]int64{"syslog": 99999}), // before the window
	}
}

// networkCalls installs a fake observation service and records what the
// page asked for.
func networkCalls(e *env, links []*detect.Link) *[]string {
	var calls []string
	e.h.cfg.Network = &fakeNetwork{
		ListLinksFn: func(_ context.Context, since time.Time, limit int) ([]*detect.Link, error) {
			calls = append(calls, fmt.Sprintf("links %s %d", since.Format(time.RFC3339), limit))
			return links, nil
		},
		EventRatesFn: func(_ context.Context, since time.Time, step time.Duration) ([]detect.RateBucket, error) {
			calls = append(calls, fmt.Sprintf("rates %s %s", since.Format(time.RFC3339), step))
			return sampleRates(since), nil
		},
		AlertTrendFn: func(_ context.Context, since time.Time) ([]detect.AlertTrendPoint, error) {
			calls = append(calls, "alerts "+since.Format(time.RFC3339))
			return []detect.AlertTrendPoint{
				{Day: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), Counts: map[string]int{"high": 2, "critical": 1}},
				{Day: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), Counts: map[string]int{"low": 4}},
			}, nil
		},
	}
	return &calls
}

func TestNetworkPage(t *testing.T) {
	e := newEnv(t)
	calls := networkCalls(e, sampleLinks())
	w := e.do(t, auditor(), "GET", "/network", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d:\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	wantAll(t, body,
		"<h1>Network</h1>", "What this page shows", "Red dots are systems that are not in your inventory",
		`<a href="/network" class="nav-item is-active" aria-current="page">`,
		`<svg class="chart chart-network"`, "<title id=\"netmap-t\">Who talks to whom, last 24 hours</title>",
		"Not in the inventory: 10.20.0.77.", "the 6 busiest links between 8 systems", "<strong>1 not in the inventory</strong>",
		`stroke-dasharray="7 4"`, "HL7: orders, results and patient admissions",
		`<a class="strong" href="/devices/11">CT-0001</a>`, "DICOM (imaging), port 104", "2.4 GB", `<span class="mono">CT01&gt;PACS</span>`,
		`<span class="mono">10.20.0.77</span> <a class="badge sev-badge sev-high" href="/discovered">Not in inventory</a>`,
		`<span class="badge dlp-external">Internet</span>`, "tcp/443", "5 min ago",
		`<svg class="chart chart-timeline chart-rates"`, "Packet capture <strong>50</strong>", "Other inputs <strong>3</strong>",
		"NetFlow/IPFIX <strong>2,200</strong>", "2,565 events in the last 24 hours",
		`<svg class="chart chart-timeline chart-alert-trend"`, "7 alerts first raised in the last 30 days",
		"Critical <strong>1</strong>", "9 Mar 2026: 3 alerts (High 2, Critical 1)",
	)
	want := []string{"links 2026-03-09T12:00:00Z 200", "rates 2026-03-09T13:00:00Z 1h0m0s", "alerts 2026-02-09T00:00:00Z"}
	if d := cmp.Diff(want, *calls); d != "" {
		t.Errorf("service calls (-want +got):\n%s", d)
	}
	checkCSP(t, body)
}

func TestNetworkNotConfigured(t *testing.T) {
	e := newEnv(t)
	for _, target := range []string{"/network", "/discovered"} {
		w := e.do(t, admin(), "GET", target, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", target, w.Code)
		}
		wantAll(t, w.Body.String(), "Network monitoring is not set up")
	}
	if w := e.do(t, admin(), "GET", "/discovered/adopted.csv", nil); w.Code != http.StatusNotFound {
		t.Errorf("adopted.csv without monitoring: status %d", w.Code)
	}
}

func TestNetworkEmptyAndErrors(t *testing.T) {
	e := newEnv(t)
	networkCalls(e, nil)
	wantAll(t, e.do(t, admin(), "GET", "/network", nil).Body.String(), "No traffic seen yet", "No traffic seen in the last 24 hours.")
	e.h.cfg.Network.(*fakeNetwork).ListLinksFn = func(context.Context, time.Time, int) ([]*detect.Link, error) {
		return nil, errInternal
	}
	w := e.do(t, admin(), "GET", "/network", nil)
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), errInternal.Error()) {
		t.Errorf("store failure: status %d", w.Code)
	}
}

// The map is drawn the same way every time; the golden file shows it.
func TestNetworkMapGolden(t *testing.T) {
	links := sampleLinks()
	got := string(layoutMap(links).svg()) + "\n"
	golden := filepath.Join("testdata", "network_map.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./web/ -run TestNetworkMapGolden -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("map differs from %s (-want +got):\n%s", golden, d)
	}
	for range 5 { // the layout does not depend on map iteration order
		if again := string(layoutMap(sampleLinks()).svg()) + "\n"; again != got {
			t.Fatal("the map is not deterministic")
		}
	}
	wantAll(t, got, `class="net-link net-dicom"`, `class="net-link net-hl7"`, `class="net-link net-smb"`, `class="net-link net-other"`,
		`<g class="net-node net-node-unknown"><title>10.20.0.77 (not in the inventory)</title>`,
		`<title>CT-0001 → PACS-01: DICOM (imaging), port 104, 2.4 GB in 420 events</title>`,
		`<title>203.0.113.50 (outside the hospital)</title>`, `<a href="/devices/21" class="chart-link">`)
	if n := strings.Count(got, "<path "); n != len(links) {
		t.Errorf("%d lines, want one per link (%d)", n, len(links))
	}
}

func TestNetworkMapColumns(t *testing.T) {
	m := layoutMap(sampleLinks())
	if d := cmp.Diff([]string{"clinical", "datacenter", "imaging", "lab", colUnknown, colInternet}, m.cols); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	var links []*detect.Link
	for i := range 10 {
		src := talker(int64(i+1), fmt.Sprintf("10.0.%d.1", i), fmt.Sprintf("D-%d", i), fmt.Sprintf("zone-%02d", i))
		dst := talker(100, "10.9.9.9", "CORE", "zone-00")
		links = append(links, &detect.Link{Src: src, Dst: dst, Events: 1})
	}
	m = layoutMap(links)
	if len(m.cols) != mapMaxCols || m.cols[len(m.cols)-1] != colOther || m.cols[0] != "zone-00" {
		t.Errorf("columns with 10 zones: %v", m.cols)
	}
	for _, n := range m.nodes {
		if n.x < 0 || n.x > mapWidth || n.y < mapTop || n.y > float64(m.height) {
			t.Errorf("node %s placed off the map at %v,%v", n.key, n.x, n.y)
		}
	}
	// Nodes within a column are one row apart, ordered by label.
	zone0 := slices.DeleteFunc(slices.Clone(m.nodes), func(n *mapNode) bool { return n.col != 0 })
	if len(zone0) != 2 || zone0[0].t.Label != "CORE" || zone0[1].y-zone0[0].y != mapRowH {
		t.Errorf("zone-00 column: %+v", zone0)
	}
}

func TestRateFigure(t *testing.T) {
	start := time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)
	f := rateFigure(sampleRates(start), start)
	var legend []string
	for _, l := range f.Legend {
		legend = append(legend, fmt.Sprintf("%s=%d/%s", l.Label, l.Value, l.Class))
	}
	want := []string{"NetFlow/IPFIX=2200/stage-valid", "Syslog=307/stage-plan", "Packet capture=50/stage-soon", "Zeek=5/stage-now", "Other inputs=3/dlp-allowed"}
	if d := cmp.Diff(want, legend); d != "" {
		t.Errorf("legend (-want +got):\n%s", d)
	}
	if len(f.Rows) != 24 || f.Rows[0].Label != "13:00" || f.Rows[5].Total != 1058 || f.Rows[23].Counts[1] != 7 || f.Total != 2565 {
		t.Errorf("rows = %+v total %d", f.Rows, f.Total)
	}
	if n := strings.Count(string(f.Chart), `<g class="tl-col">`); n != 24 {
		t.Errorf("%d columns, want 24", n)
	}
}

func TestHostileNetworkEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	e := newEnv(t)
	links := sampleLinks()
	links[0].Src.Label, links[0].Src.Zone, links[0].AETitles = evil, evil, []string{evil}
	links[0].App = evil
	networkCalls(e, links)
	w := e.do(t, admin(), "GET", "/network", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	wantNone(t, w.Body.String(), "<script>alert")
	checkCSP(t, w.Body.String())
}
