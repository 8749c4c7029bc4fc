package cli

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/sqlstore"
	"github.com/airtight/airtight/vuln"
)

// TestVulnImportIntoServer: a real ICSMA advisory with the KEV catalog,
// imported into the server database, flags the devices whose manufacturer,
// model and version it names and raises a KEV alert; importing it again
// changes nothing.
func TestVulnImportIntoServer(t *testing.T) {
	icsma := shareddata.Dir(t, "vuln", "csaf-icsma", "2020", "icsma-20-049-01.json")
	kev := shareddata.Dir(t, "vuln", "kev", "known_exploited_vulnerabilities.json")
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "riverside", "--name", "Riverside General")
	csv := filepath.Join(t.TempDir(), "devices.csv")
	writeTestFile(t, csv, "asset_tag,manufacturer,model,kind,criticality,version,network_zone\n"+
		"TELE-1,Spacelabs,Xhibit Telemetry Receiver (XTR) Model number 96280,telemetry,life-supporting,1.0.2,clinical\n"+
		"TELE-2,Spacelabs,Xhibit Telemetry Receiver (XTR) Model number 96280,telemetry,life-supporting,1.0.3,clinical\n"+
		"CT-1,GE HealthCare,Revolution CT,ct-scanner,diagnostic,1.2,imaging\n")
	mustRun(t, data, "", "device", "import", "--org", "riverside", csv)

	out, errOut, err := run(t, data, "", "vuln", "import", "--advisories", icsma, "--advisories", kev)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "1 added, 0 changed, 0 unchanged") || !strings.Contains(out, "evaluated 1 product version(s)") ||
		!strings.Contains(out, "1 alert(s)") || !strings.Contains(errOut, "loading 2 path(s)...") {
		t.Fatalf("import output:\n%s\nstderr:\n%s", out, errOut)
	}
	out = mustRun(t, data, "", "vuln", "import", "--advisories", icsma, "--advisories", kev)
	if !strings.Contains(out, "0 added, 0 changed, 1 unchanged") || !strings.Contains(out, "evaluated 0 product version(s)") {
		t.Errorf("re-import output:\n%s", out)
	}

	db, err := sqlstore.Open(context.Background(), filepath.Join(data, "airtight.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	org, err := db.FindOrganizationBySlug(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(org.ID, "test"))
	fs, _, err := sqlstore.NewVuln(db, nil, nil).ListFindings(ctx, vuln.FindingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Version != "1.0.2" || !fs[0].KEV || fs[0].Devices != 1 || !strings.Contains(strings.Join(fs[0].Aliases, " "), "CVE-2019-0708") {
		t.Fatalf("findings = %+v", fs)
	}

	out = mustRun(t, data, "", "vuln", "evaluate")
	if !strings.Contains(out, "evaluated 3 product version(s): 1 open finding(s), 0 new") {
		t.Errorf("evaluate output: %s", out)
	}
	sbom := filepath.Join(t.TempDir(), "ct.cdx.json")
	writeTestFile(t, sbom, `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"example.com/mod","version":"v1.0.0","purl":"pkg:golang/example.com/mod@v1.0.0"}]}`)
	ct, err := db.ListDevices(ctx, inventoryQuery("CT-1"))
	if err != nil || len(ct.Devices) != 1 {
		t.Fatalf("CT device: %v %v", ct, err)
	}
	out = mustRun(t, data, "", "vuln", "sbom", "add", "--org", "riverside", "--version", itoa64(ct.Devices[0].ProductVersionID), sbom)
	if !strings.Contains(out, "cyclonedx-json, 1 components") {
		t.Errorf("sbom add output: %s", out)
	}
	if _, _, err := run(t, data, "", "vuln", "sbom", "add", "--org", "riverside", "--version", "999999", sbom); err == nil {
		t.Error("sbom add to a missing version succeeded")
	}
}

// TestFeedFetcher: feeds are fetched with conditional requests; an
// unchanged feed (304) is not imported again; a changed one is.
func TestFeedFetcher(t *testing.T) {
	doc := `{"id":"GO-2099-0001","aliases":["CVE-2099-0100"],"affected":[{"package":{"ecosystem":"Go","name":"example.com/mod"},
		"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}`
	var etag atomic.Value
	etag.Store(`"v1"`)
	var gets, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		tag := etag.Load().(string)
		if r.Header.Get("If-None-Match") == tag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", tag)
		w.Header().Set("Last-Modified", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat))
		body := doc
		if tag != `"v1"` {
			body = strings.Replace(doc, "1.2.0", "1.3.0", 1)
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := newFeedFetcher([]string{srv.URL + "/osv/GO-2099-0001.json?key=secret"}, t.TempDir(), sqlstore.NewVuln(db, nil, nil), slog.New(slog.DiscardHandler))
	steps := []struct {
		name            string
		etag            string
		added, changed  int
		imported        bool
		wantNotModified int32
	}{
		{"first fetch", `"v1"`, 1, 0, true, 0},
		{"unchanged", `"v1"`, 0, 0, false, 1},
		{"changed", `"v2"`, 0, 1, true, 1},
	}
	for _, st := range steps {
		etag.Store(st.etag)
		res, err := f.run(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if (res != nil) != st.imported || res != nil && (res.Added != st.added || res.Changed != st.changed) {
			t.Errorf("%s: result %+v", st.name, res)
		}
		if got := notModified.Load(); got != st.wantNotModified {
			t.Errorf("%s: %d conditional 304s, want %d", st.name, got, st.wantNotModified)
		}
	}
	if gets.Load() != 3 {
		t.Errorf("%d requests, want 3", gets.Load())
	}
	if got := redactFeed("https://user:pw@feeds.example/a.json?key=secret"); got != "https://feeds.example/a.json" {
		t.Errorf("redactFeed = %q", got)
	}
}

func TestParseVulnSettings(t *testing.T) {
	tests := []struct {
		feeds, interval string
		want            time.Duration
		n               int
		ok              bool
	}{
		{"", "", 0, 0, true},
		{"https://a.example/kev.json, /srv/osv.zip", "6h", 6 * time.Hour, 2, true},
		{"https://a.example/kev.json", "0", 0, 1, true},
		{"https://a.example/kev.json", "10s", 0, 1, false},
		{"https://a.example/kev.json", "daily", 0, 1, false},
		{"", "1h", 0, 0, false},
	}
	for _, tt := range tests {
		s, err := parseVulnSettings(tt.feeds, tt.interval)
		if (err == nil) != tt.ok || err == nil && (s.Interval != tt.want || len(s.Feeds) != tt.n) {
			t.Errorf("parseVulnSettings(%q, %q) = %+v, %v", tt.feeds, tt.interval, s, err)
		}
	}
}

func inventoryQuery(q string) inventory.DeviceFilter { return inventory.DeviceFilter{Query: q} }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestVulnImportRecalls: 'vuln import --advisories' takes an openFDA
// device recall file; an open Class I recall of an inventoried pump gives a
// needs_review finding and one alert, and importing it again changes nothing.
func TestVulnImportRecalls(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "riverside", "--name", "Riverside General")
	csv := filepath.Join(t.TempDir(), "devices.csv")
	writeTestFile(t, csv, "asset_tag,manufacturer,model,kind,criticality,version,network_zone\n"+
		"PUMP-1,Medtronic MiniMed,MiniMed 630G,insulin-pump,life-sustaining,4.2,clinical\n"+
		"CT-1,GE HealthCare,Revolution CT,ct-scanner,diagnostic,1.2,imaging\n")
	mustRun(t, data, "", "device", "import", "--org", "riverside", csv)
	recalls := filepath.Join(t.TempDir(), "device-recall.json")
	writeTestFile(t, recalls, `{"meta":{"results":{"skip":0,"limit":1,"total":1}},"results":[{"product_res_number":"Z-1544-2024",
		"res_event_number":"94012","classification":"Class I","recall_status":"Open, Classified","event_date_initiated":"2024-03-12",
		"recalling_firm":"Medtronic MiniMed, Inc.","product_description":"MiniMed 630G Insulin Pump, Model MMT-1715",
		"reason_for_recall":"The reservoir may not lock in place.","code_info":"All serial numbers","product_code":"LZG",
		"openfda":{"device_name":"Pump, Infusion, Insulin","device_class":"2"}}]}`)

	out, errOut, err := run(t, data, "", "vuln", "import", "--advisories", recalls)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "1 added, 0 changed, 0 unchanged; recalls 1") || !strings.Contains(out, "evaluated 1 product version(s): 1 open finding(s), 1 new") ||
		!strings.Contains(out, "1 alert(s)") || !strings.Contains(errOut, "1 recalls") {
		t.Fatalf("import output:\n%s\nstderr:\n%s", out, errOut)
	}
	out = mustRun(t, data, "", "vuln", "import", "--advisories", recalls)
	if !strings.Contains(out, "0 added, 0 changed, 1 unchanged") || !strings.Contains(out, "evaluated 0 product version(s)") {
		t.Errorf("re-import output:\n%s", out)
	}

	db, err := sqlstore.Open(context.Background(), filepath.Join(data, "airtight.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	org, err := db.FindOrganizationBySlug(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(org.ID, "test"))
	fs, _, err := sqlstore.NewVuln(db, nil, nil).ListFindings(ctx, vuln.FindingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Advisory != "Z-1544-2024" || fs[0].Status != vuln.StatusNeedsReview || fs[0].RecallClass != "I" || fs[0].Devices != 1 {
		t.Fatalf("findings = %+v", fs)
	}
}
