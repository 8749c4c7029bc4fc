package jsonl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
	"github.com/airtight/airtight/detect/ingest/internal/ingesttest"
	"github.com/airtight/airtight/internal/shareddata"
)

func readAll(t *testing.T, name string, data []byte) ([]detect.Event, feed.Stats) {
	t.Helper()
	c := ingesttest.NewCollector()
	st, err := ReadFile(context.Background(), name, bytes.NewReader(data), c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Events(), st
}

func TestSharedECS(t *testing.T) {
	p := shareddata.Dir(t, "detect", "syslog", "synthetic", "json_events_hospital.ndjson")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	events, st := readAll(t, "json_events_hospital.ndjson", data)
	if st.Events != 6 || st.Bad != 0 {
		t.Fatalf("stats %+v", st)
	}
	renames := ingesttest.Count(events, func(e *detect.Event) bool {
		return e.Class == detect.ClassFileActivity && e.Activity == "rename" && strings.HasSuffix(e.File.NewPath, ".lockbit") &&
			e.Process.Name == "svch0st.exe" && e.Host == "ws-rad-07"
	})
	want(t, renames, 2)
	want(t, events[0].Time, time.Date(2023, 11, 14, 22, 36, 20, 0, time.UTC))
	want(t, events[0].Fields["file.extension"], "lockbit")
	signedFW, unsigned := events[3], events[4]
	want(t, signedFW.File.Signed, "yes")
	want(t, unsigned.File.Signed, "no")
	want(t, unsigned.Dst.Hostname, "PUMP-0043")
	want(t, unsigned.Status, "success")
	want(t, unsigned.Fields["firmware.to"], "3.1.4-custom")
	bulk := events[5]
	want(t, bulk.Class, detect.ClassNetworkActivity)
	want(t, bulk.App, "dicom")
	want(t, bulk.BytesOut, int64(48213554))
	want(t, bulk.Dst.IP, netip.MustParseAddr("203.0.113.50"))
	want(t, bulk.DICOM.CallingAE, "PACS_MAIN")
	want(t, bulk.Fields["dicom.c_store_count"], "412")
}

// TestSigmaRegressionData reads every Sigma regression event: each
// parses, Windows events get their flat Sigma names.
func TestSigmaRegressionData(t *testing.T) {
	root := shareddata.Dir(t, "detect", "sigma", "regression_data")
	var files, windows int
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		files++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		events, st := readAll(t, filepath.Base(p), data)
		if st.Bad != 0 || st.Events == 0 {
			t.Errorf("%s: %+v", p, st)
			return nil
		}
		for _, e := range events {
			if e.Fields["Event.System.EventID"] != "" {
				windows++
				if e.Fields["EventID"] != e.Fields["Event.System.EventID"] {
					t.Errorf("%s: EventID alias missing", p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 150 || windows < files/2 {
		t.Errorf("%d files, %d Windows events", files, windows)
	}
	p := filepath.Join(root, "rules-emerging-threats/2025/Malware/Grixba/proc_creation_win_malware_grixba_recon/af688c76-4ce4-4309-bfdd-e896f01acf27.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Skip("Grixba sample not staged")
	}
	events, _ := readAll(t, "grixba.json", data)
	e := events[0]
	want(t, e.Class, detect.ClassProcessActivity)
	want(t, e.Fields["Image"], `C:\Users\xodih\Downloads\GRB_NET.exe`)
	want(t, e.Process.CommandLine, "GRB_NET.exe  -m:scan -i:f -d:list.txt")
	want(t, e.Process.ParentPath, `C:\Windows\System32\cmd.exe`)
	want(t, e.Process.PID, 10116)
	want(t, e.Host, "swachchhanda")
	want(t, e.Time, time.Date(2025, 11, 26, 5, 11, 27, 927693000, time.UTC))
}

func TestFlatWindows(t *testing.T) {
	line := `{"EventID":4625,"Channel":"Security","Computer":"ws1","TargetUserName":"admin","IpAddress":"10.1.1.1","TimeCreated":"2024-01-01T00:00:00Z"}`
	e, err := Parse([]byte(line), feed.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, e.Class, detect.ClassAuthentication)
	want(t, e.Status, "failure")
	want(t, e.User, "admin")
	want(t, e.Src.IP, netip.MustParseAddr("10.1.1.1"))
}

// TestOCSFRoundTrip: an event airtight wrote reads back equal.
func TestOCSFRoundTrip(t *testing.T) {
	in := detect.Event{
		Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), Class: detect.ClassDICOMActivity, Activity: "reject", Status: "failure",
		Source: "pcap", Product: "dicom", Src: detect.Endpoint{IP: netip.MustParseAddr("10.20.9.77"), Port: 40000},
		Dst:    detect.Endpoint{IP: netip.MustParseAddr("10.20.1.21"), Port: 104, Hostname: "pacs"},
		DICOM:  &detect.DICOM{CallingAE: "ROGUE_AE", CalledAE: "PACS_MAIN", PDU: "A-ASSOCIATE-RJ", RejectReason: 3},
		Fields: map[string]string{"k": "v"}, BytesIn: 10,
	}
	line, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	events, st := readAll(t, "ocsf.jsonl", append(line, '\n'))
	if st.Events != 1 {
		t.Fatalf("stats %+v", st)
	}
	if diff := cmp.Diff(in, events[0], cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}

func TestRejects(t *testing.T) {
	in := "{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"a\":{\"b\":{\"c\":{\"d\":{}}}}}\n" +
		"{\"message\":\"ok\"}\n" +
		"{\"message\": \"patient DOE^JANE\", \n" + // broken line in a line-delimited file
		"{\"class_uid\":\"x\",\"source\":\"y\"}\n"
	c := ingesttest.NewCollector()
	st, err := ReadFile(context.Background(), "in.jsonl", strings.NewReader(in), c, Options{Limits: feed.Limits{MaxDepth: 3}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, st.Events, int64(2))
	want(t, st.Bad, int64(2))
	if !errors.Is(st.Errors[0], feed.ErrTooDeep) || !strings.HasPrefix(st.Errors[1].Error(), "in.jsonl:3:") {
		t.Errorf("errors %v", st.Errors)
	}
	for _, e := range st.Errors {
		if strings.Contains(e.Error(), "DOE") {
			t.Errorf("error quotes input: %v", e)
		}
	}
}

func TestHandler(t *testing.T) {
	c := ingesttest.NewCollector()
	srv := httptest.NewServer(&Handler{Sink: c, MaxBody: 1024})
	defer srv.Close()
	body := `{"@timestamp":"2024-01-01T00:00:00Z","event":{"category":["authentication"],"outcome":"failure"},"user":{"name":"bob"}}` + "\nnot json\n"
	resp, err := http.Post(srv.URL, "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var r Response
	json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	want(t, resp.StatusCode, http.StatusOK)
	want(t, r.Events, int64(1))
	want(t, r.Bad, int64(1))
	want(t, c.Events()[0].Class, detect.ClassAuthentication)
	want(t, c.Events()[0].User, "bob")

	resp, err = http.Post(srv.URL, "application/x-ndjson", strings.NewReader(strings.Repeat(`{"message":"x"}`+"\n", 200)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want(t, resp.StatusCode, http.StatusRequestEntityTooLarge)

	resp, err = http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want(t, resp.StatusCode, http.StatusMethodNotAllowed)
}

// FuzzParse: no input panics; fields stay within the limit.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"@timestamp":"2023-11-14T22:36:20.000Z","event":{"category":["file"],"action":"rename"},"file":{"path":"a.lockbit"}}`))
	f.Add([]byte(`{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"c:\\x.exe"}}}`))
	f.Add([]byte(`{"class_uid":3002,"source":"syslog","src_endpoint":{"ip":"10.0.0.1"}}`))
	f.Add([]byte(`{"firmware":{"to":"1"},"event":{"category":["network"]}}`))
	lim := feed.Limits{MaxFields: 30, MaxDepth: 6}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data, lim)
		if err == nil && len(e.Fields) > 40 {
			t.Fatalf("%d fields", len(e.Fields))
		}
		ReadFile(context.Background(), "fuzz", bytes.NewReader(data), detect.SinkFunc(func(*detect.Event) {}), Options{Limits: lim, MaxDocument: 4096})
	})
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
