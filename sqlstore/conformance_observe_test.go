package sqlstore

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/detect"
)

// observeBatch is one minute of observations at now: a CT scanner sending
// images to the PACS, an unknown laptop on the imaging network, and rates
// of two inputs.
func observeBatch(now time.Time) *detect.Observations {
	ct := detect.Talker{DeviceID: 7, IP: netip.MustParseAddr("10.20.0.5"), Label: "CT-0001", Zone: "imaging"}
	pacs := detect.Talker{DeviceID: 9, IP: netip.MustParseAddr("10.40.0.9"), Label: "PACS-01", Zone: "datacenter"}
	laptop := detect.Talker{IP: netip.MustParseAddr("10.20.0.77")}
	m := now.Truncate(time.Minute)
	return &detect.Observations{
		Links: []detect.Link{
			{Src: ct, Dst: pacs, App: "dicom", Protocol: "tcp", Port: 104, Events: 3, Packets: 30, Bytes: 9000,
				FirstSeen: now.Add(-30 * time.Second), LastSeen: now, AETitles: []string{"CT01>PACS"}},
			{Src: laptop, Dst: pacs, Protocol: "tcp", Port: 445, App: "smb", Events: 1, Packets: 2, Bytes: 100, FirstSeen: now, LastSeen: now},
		},
		Rates: []detect.RateCount{
			{Minute: m, Source: "pcap", Class: "dicom_activity", Count: 3},
			{Minute: m, Source: "netflow", Class: "network_activity", Count: 10},
		},
		Discovered: []detect.Discovered{
			{IP: laptop.IP, MAC: "00:1a:2b:3c:4d:5e", Apps: []string{"smb"}, Events: 1, FirstSeen: now, LastSeen: now},
		},
	}
}

func addrCmp() cmp.Option { return cmp.Comparer(func(a, b netip.Addr) bool { return a == b }) }

// Observations add up per link, hour and minute; discovered devices merge
// and keep their status; decisions are audited; another organization
// sees nothing of it and cannot decide.
func testObservations(t *testing.T, f *fixture) {
	must(t, f.db.RecordObservations(f.a, observeBatch(f.now)))
	f.now = f.now.Add(2 * time.Minute)
	second := observeBatch(f.now)
	second.Links[0].AETitles = []string{"CT01>PACS", "CT01>PACS_ARCH"}
	second.Discovered[0].Apps = []string{"tcp/22"}
	second.Discovered[0].Hostname = "laptop-7"
	must(t, f.db.RecordObservations(f.a, second))

	links, err := f.db.ListLinks(f.a, f.now.Add(-24*time.Hour), 10)
	must(t, err)
	if len(links) != 2 {
		t.Fatalf("%d links, want 2", len(links))
	}
	got := links[0]
	if got.App != "dicom" || got.Events != 6 || got.Packets != 60 || got.Bytes != 18000 || got.Src.Label != "CT-0001" ||
		got.Dst.DeviceID != 9 || got.Dst.IP != netip.MustParseAddr("10.40.0.9") || got.Port != 104 ||
		!got.FirstSeen.Equal(f.now.Add(-150*time.Second)) || !got.LastSeen.Equal(f.now) {
		t.Errorf("dicom link = %+v", got)
	}
	if d := cmp.Diff([]string{"CT01>PACS", "CT01>PACS_ARCH"}, got.AETitles); d != "" {
		t.Errorf("ae titles (-want +got):\n%s", d)
	}
	if l := links[1]; l.Src.Known() || l.Src.IP != netip.MustParseAddr("10.20.0.77") || l.Bytes != 200 {
		t.Errorf("laptop link = %+v", l)
	}
	top, err := f.db.ListLinks(f.a, f.now.Add(-time.Hour), 1)
	must(t, err)
	if len(top) != 1 || top[0].App != "dicom" {
		t.Errorf("top link by bytes = %+v", top)
	}
	later, err := f.db.ListLinks(f.a, f.now.Add(2*time.Hour), 0)
	must(t, err)
	if len(later) != 0 {
		t.Errorf("links with traffic after now: %d", len(later))
	}
	wantCode(t, errOf(f.db.ListLinks(f.a, f.now, 5000)), airtight.EInvalid)

	testRates(t, f)
	testDiscovered(t, f)

	// Another hospital sees none of it.
	if l, _ := f.db.ListLinks(f.b, f.now.Add(-24*time.Hour), 0); len(l) != 0 {
		t.Errorf("org b lists %d links", len(l))
	}
	if r, _ := f.db.EventRates(f.b, f.now.Add(-time.Hour), time.Hour); len(r) != 0 {
		t.Errorf("org b reads %d rate buckets", len(r))
	}
	if dv, _, _ := f.db.ListDiscovered(f.b, "", "", 0); len(dv) != 0 {
		t.Errorf("org b lists %d discovered devices", len(dv))
	}
}

func testRates(t *testing.T, f *fixture) {
	rates, err := f.db.EventRates(f.a, f.now.Add(-time.Hour), time.Minute)
	must(t, err)
	if len(rates) != 2 || rates[0].BySource["netflow"] != 10 || rates[1].BySource["pcap"] != 3 ||
		rates[1].ByClass["dicom_activity"] != 3 || rates[1].Start.Sub(rates[0].Start) != 2*time.Minute {
		t.Errorf("per-minute rates = %+v", rates)
	}
	hourly, err := f.db.EventRates(f.a, f.now.Add(-24*time.Hour), time.Hour)
	must(t, err)
	if len(hourly) != 1 || hourly[0].BySource["netflow"] != 20 || hourly[0].BySource["pcap"] != 6 ||
		!hourly[0].Start.Equal(f.now.Truncate(time.Hour)) {
		t.Errorf("hourly rates = %+v", hourly)
	}
	for _, bad := range []time.Duration{0, 30 * time.Second, 90 * time.Second, 48 * time.Hour} {
		wantCode(t, errOf(f.db.EventRates(f.a, f.now.Add(-time.Hour), bad)), airtight.EInvalid)
	}
	wantCode(t, errOf(f.db.EventRates(f.a, f.now.Add(-365*24*time.Hour), time.Minute)), airtight.EInvalid)
}

func testDiscovered(t *testing.T, f *fixture) {
	list, next, err := f.db.ListDiscovered(f.a, detect.DiscoveredNew, "", 0)
	must(t, err)
	if len(list) != 1 || next != "" {
		t.Fatalf("discovered = %+v next %q", list, next)
	}
	dv := list[0]
	if dv.IP != netip.MustParseAddr("10.20.0.77") || dv.Events != 2 || dv.MAC != "00:1a:2b:3c:4d:5e" || dv.Hostname != "laptop-7" ||
		!slices.Equal(dv.Apps, []string{"smb", "tcp/22"}) || dv.Status != detect.DiscoveredNew || !dv.LastSeen.Equal(f.now) {
		t.Errorf("discovered device = %+v", dv)
	}
	wantCode(t, errOf(f.db.SetDiscoveredStatus(f.b, dv.ID, detect.DiscoveredIgnored)), airtight.ENotFound)
	wantCode(t, errOf(f.db.SetDiscoveredStatus(f.a, dv.ID, "deleted")), airtight.EInvalid)
	wantCode(t, errOf(f.db.SetDiscoveredStatus(f.a, 999999, detect.DiscoveredAdopted)), airtight.ENotFound)
	wantCode(t, errOf3(f.db.ListDiscovered(f.a, "gone", "", 0)), airtight.EInvalid)
	adopted, err := f.db.SetDiscoveredStatus(f.a, dv.ID, detect.DiscoveredAdopted)
	must(t, err)
	if adopted.Status != detect.DiscoveredAdopted || adopted.UpdatedBy != "admin@hospital-a" || !adopted.UpdatedAt.Equal(f.now) {
		t.Errorf("adopted = %+v", adopted)
	}
	// Seen again: the counts grow, the decision stays.
	f.now = f.now.Add(time.Minute)
	must(t, f.db.RecordObservations(f.a, observeBatch(f.now)))
	if l, _, _ := f.db.ListDiscovered(f.a, detect.DiscoveredNew, "", 0); len(l) != 0 {
		t.Errorf("an adopted device is new again: %+v", l)
	}
	l, _, err := f.db.ListDiscovered(f.a, detect.DiscoveredAdopted, "", 0)
	must(t, err)
	if len(l) != 1 || l[0].Events != 3 {
		t.Errorf("adopted list = %+v", l)
	}
	var actions []string
	for _, e := range f.entries() {
		if e.TargetType == "discovered_device" {
			actions = append(actions, e.Action)
			if !strings.Contains(string(e.Summary), "10.20.0.77") || e.OrgID != f.orgA.ID {
				t.Errorf("audit entry %+v", e)
			}
		}
	}
	if d := cmp.Diff([]string{"discovered.adopt"}, actions); d != "" {
		t.Errorf("audit entries (-want +got):\n%s", d)
	}
	// Setting the status it has is no change, and no audit entry.
	_, err = f.db.SetDiscoveredStatus(f.a, dv.ID, detect.DiscoveredAdopted)
	must(t, err)
}

// Discovered devices page by id; bad input is refused before storage.
func testObservationPagesAndLimits(t *testing.T, f *fixture) {
	b := &detect.Observations{}
	for i := range 7 {
		ip := netip.AddrFrom4([4]byte{10, 9, 0, byte(i + 1)})
		b.Discovered = append(b.Discovered, detect.Discovered{IP: ip, Events: 1, FirstSeen: f.now, LastSeen: f.now})
	}
	must(t, f.db.RecordObservations(f.a, b))
	var seen []string
	cursor := ""
	for range 4 {
		page, next, err := f.db.ListDiscovered(f.a, "", cursor, 3)
		must(t, err)
		for _, dv := range page {
			seen = append(seen, dv.IP.String())
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if len(seen) != 7 || seen[0] != "10.9.0.7" || seen[6] != "10.9.0.1" {
		t.Errorf("pages gave %v", seen)
	}
	wantCode(t, errOf3(f.db.ListDiscovered(f.a, "", "x", 0)), airtight.EInvalid)

	bad := []*detect.Observations{
		{Links: []detect.Link{{Src: detect.Talker{DeviceID: 1}, FirstSeen: f.now, LastSeen: f.now}}},                                              // no destination
		{Rates: []detect.RateCount{{Minute: f.now.Add(time.Second), Source: "x", Count: 1}}},                                                      // not a whole minute
		{Discovered: []detect.Discovered{{IP: netip.MustParseAddr("10.0.0.1"), Hostname: "a\nb", FirstSeen: f.now, LastSeen: f.now}}},             // control character
		{Discovered: []detect.Discovered{{AETitle: strings.Repeat("A", 17), FirstSeen: f.now, LastSeen: f.now}}},                                  // AE title too long
		{Links: []detect.Link{{Src: detect.Talker{DeviceID: 1}, Dst: detect.Talker{DeviceID: 2}, Events: -1, FirstSeen: f.now, LastSeen: f.now}}}, // negative
		{Rates: make([]detect.RateCount, detect.MaxBatchRates+1)},                                                                                 // too many
	}
	for i, o := range bad {
		if err := f.db.RecordObservations(f.a, o); airtight.ErrorCode(err) != airtight.EInvalid {
			t.Errorf("bad batch %d: err %v, want invalid", i, err)
		}
	}
	wantCode(t, f.db.RecordObservations(t.Context(), observeBatch(f.now)), airtight.EUnauthorized)
	wantCode(t, errOf(f.db.ListLinks(t.Context(), f.now, 0)), airtight.EUnauthorized)
}

// The alert trend counts alerts per day of first sighting and severity;
// pruning drops counts older than the cut and leaves decisions.
func testAlertTrendAndPrune(t *testing.T, f *fixture) {
	_, err := raise(f, "k1", alert.High)
	must(t, err)
	_, err = raise(f, "k2", alert.High)
	must(t, err)
	day0 := f.now
	f.now = f.now.Add(24 * time.Hour)
	_, err = raise(f, "k3", alert.Critical)
	must(t, err)
	_, err = raise(f, "k1", alert.High) // a repeat: still first seen on day 0
	must(t, err)
	trend, err := f.db.AlertTrend(f.a, day0.Add(-48*time.Hour))
	must(t, err)
	want := []detect.AlertTrendPoint{
		{Day: day0.Truncate(24 * time.Hour), Counts: map[string]int{"high": 2}},
		{Day: day0.Truncate(24 * time.Hour).Add(24 * time.Hour), Counts: map[string]int{"critical": 1}},
	}
	if d := cmp.Diff(want, trend); d != "" {
		t.Errorf("alert trend (-want +got):\n%s", d)
	}
	if tb, _ := f.db.AlertTrend(f.b, day0.Add(-48*time.Hour)); len(tb) != 0 {
		t.Errorf("org b trend = %+v", tb)
	}

	old := f.now
	must(t, f.db.RecordObservations(f.a, observeBatch(old)))
	must(t, f.db.RecordObservations(f.b, observeBatch(old)))
	dv, _, err := f.db.ListDiscovered(f.a, "", "", 0)
	must(t, err)
	f.now = f.now.Add(40 * 24 * time.Hour)
	fresh := observeBatch(f.now)
	fresh.Discovered = nil
	fresh.Links = fresh.Links[:1]
	must(t, f.db.RecordObservations(f.a, fresh))
	ignored := &detect.Observations{Discovered: []detect.Discovered{{IP: netip.MustParseAddr("10.1.1.1"), Events: 1, FirstSeen: old, LastSeen: old}}}
	must(t, f.db.RecordObservations(f.a, ignored))
	kept, _, err := f.db.ListDiscovered(f.a, "", "", 1)
	must(t, err)
	_, err = f.db.SetDiscoveredStatus(f.a, kept[0].ID, detect.DiscoveredIgnored)
	must(t, err)

	n, err := f.db.PruneObservations(f.a, f.now.Add(-detect.ObservationRetention))
	must(t, err)
	// The old hour of both links, the laptop's link, two rate rows, the
	// undecided laptop: the ignored device stays.
	if n != 6 {
		t.Errorf("pruned %d rows, want 6", n)
	}
	links, err := f.db.ListLinks(f.a, old.Add(-time.Hour), 0)
	must(t, err)
	if len(links) != 1 || links[0].Events != 3 {
		t.Errorf("after prune: links %+v", links)
	}
	rates, err := f.db.EventRates(f.a, f.now.Add(-24*time.Hour), time.Hour)
	must(t, err)
	if len(rates) != 1 {
		t.Errorf("after prune: rates %+v", rates)
	}
	left, _, err := f.db.ListDiscovered(f.a, "", "", 0)
	must(t, err)
	if len(left) != 1 || left[0].Status != detect.DiscoveredIgnored || len(dv) != 1 {
		t.Errorf("after prune: discovered %+v", left)
	}
	if l, _ := f.db.ListLinks(f.b, old.Add(-time.Hour), 0); len(l) != 2 {
		t.Errorf("pruning org a touched org b: %d links left", len(l))
	}
}

func raise(f *fixture, key string, sev alert.Severity) (*alert.Alert, error) {
	a, _, err := f.db.Raise(f.a, &alert.Alert{Source: "detect", Kind: "test", Key: key, Severity: sev, Title: "t", Summary: "s", Action: "a"})
	return a, err
}

// testObserve runs the observation tests, each on a fresh database.
func testObserve(t *testing.T, open func(t *testing.T) *DB) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Record", testObservations},
		{"PagesAndLimits", testObservationPagesAndLimits},
		{"AlertTrendAndPrune", testAlertTrendAndPrune},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newFixture(t, open(t))) })
	}
}
