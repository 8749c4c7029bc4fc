package eve

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
	"github.com/airtight/airtight/detect/ingest/internal/ingesttest"
)

func readTestdata(t *testing.T) []detect.Event {
	t.Helper()
	b, err := os.ReadFile("testdata/eve.json")
	if err != nil {
		t.Fatal(err)
	}
	c := ingesttest.NewCollector()
	st, err := ReadFile(context.Background(), "eve.json", bytes.NewReader(b), c, feed.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if lines := int64(bytes.Count(b, []byte("\n"))); st.Records != lines || st.Events != lines || st.Bad != 0 {
		t.Fatalf("stats %+v, want %d events", st, lines)
	}
	return c.Events()
}

func TestEVE(t *testing.T) {
	ev := readTestdata(t)
	byType := map[string]*detect.Event{}
	for i := range ev {
		if _, ok := byType[ev[i].Product]; !ok {
			byType[ev[i].Product] = &ev[i]
		}
	}
	alert := byType["suricata:alert"]
	want(t, alert.Class, detect.ClassNetworkActivity)
	want(t, alert.Activity, "alert")
	want(t, alert.Fields["alert.signature_id"], "2024218")
	want(t, alert.Fields["alert.severity"], "1")
	want(t, alert.Fields["alert.category"], "Attempted Administrator Privilege Gain")
	want(t, alert.Fields["alert.metadata.mitre_technique_id"], "T1210")
	want(t, alert.Message, "ET EXPLOIT Possible ETERNALBLUE Probe MS17-010 (MSF style)")
	want(t, alert.Time, time.Date(2023, 11, 14, 22, 36, 1, 123456000, time.UTC))
	want(t, alert.Dst.Port, uint16(445))
	want(t, alert.App, "smb")

	smb1 := ev[1]
	want(t, smb1.Class, detect.ClassSMBActivity)
	want(t, smb1.SMB.Version, 1)
	want(t, smb1.SMB.Command, "TRANS2")
	want(t, smb1.SMB.Status, uint32(0xc0000002))
	smb3 := ev[2]
	want(t, smb3.SMB.Version, 3)
	want(t, smb3.SMB.Dialects[0], "3.11")
	want(t, smb3.SMB.Share, `\\PACS01\radiology`)
	want(t, smb3.SMB.File, `exports\report1.docx.lockbit`)
	want(t, smb3.Activity, "create")

	flow := byType["suricata:flow"]
	want(t, flow.Class, detect.ClassNetworkActivity)
	want(t, flow.BytesOut, int64(48213554))
	want(t, flow.BytesIn, int64(912044))
	want(t, flow.Packets, int64(49032))
	want(t, flow.Time, time.Date(2023, 11, 14, 22, 37, 0, 0, time.UTC))
	want(t, flow.Dst.IP, netip.MustParseAddr("203.0.113.50"))
	want(t, flow.App, "") // "failed" is no protocol

	want(t, byType["suricata:dns"].Fields["dns.rrname"], "www.iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com")
	want(t, byType["suricata:http"].Fields["http.url"], "/fw/pump-3.1.5.bin")
	want(t, byType["suricata:tls"].Fields["tls.ja3.hash"], "e7d705a3286e19ea42f587b344ee6865")
	fi := byType["suricata:fileinfo"]
	want(t, fi.Class, detect.ClassFileActivity)
	want(t, fi.File.Hash[:8], "9f86d081")
	want(t, byType["suricata:anomaly"].Message, "decoder.ipv4.trunc_pkt")
	stats := byType["suricata:stats"]
	want(t, stats.Class, detect.ClassLog)
	want(t, stats.Fields["stats.capture.kernel_packets"], "10230")
}

func TestRejects(t *testing.T) {
	lim := feed.Limits{MaxDepth: 3, MaxFields: 8, MaxLine: 300}
	in := strings.Join([]string{
		`{"event_type":"flow","src_ip":"10.0.0.1"}`,
		`{"no_type":1}`,
		`not json at all, patient DOE^JANE`,
		`{"event_type":"x","a":{"b":{"c":{"d":1}}}}`,
		`{"event_type":"x","a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8}`,
		`{"event_type":"x","pad":"` + strings.Repeat("z", 400) + `"}`,
		`{"event_type":"x"} {"event_type":"y"}`,
		`[1,2]`,
	}, "\n")
	var n int
	st, err := ReadFile(context.Background(), "eve.json", strings.NewReader(in), detect.SinkFunc(func(*detect.Event) { n++ }), lim)
	if err != nil {
		t.Fatal(err)
	}
	want(t, n, 1)
	want(t, st.Bad, int64(7))
	wantErrs := []error{feed.ErrSyntax, feed.ErrSyntax, feed.ErrTooDeep, feed.ErrTooManyFields, feed.ErrLineTooLong, feed.ErrSyntax, feed.ErrSyntax}
	for i, w := range wantErrs {
		if !errors.Is(st.Errors[i], w) {
			t.Errorf("error %d = %v, want %v", i, st.Errors[i], w)
		}
		if strings.Contains(st.Errors[i].Error(), "DOE") {
			t.Errorf("error %d quotes the input: %v", i, st.Errors[i])
		}
	}
}

// FuzzParse: no input panics; fields stay within the limit.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/eve.json"); err == nil {
		for _, l := range bytes.Split(b, []byte("\n")) {
			f.Add(l)
		}
	}
	f.Add([]byte(`{"event_type":"alert","alert":{"metadata":{"a":[1,{"b":[[]]}]}}}`))
	lim := feed.Limits{MaxFields: 40, MaxDepth: 5}
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := Parse(line, lim)
		if err == nil && (len(e.Fields) > 40 || e.Source != Source) {
			t.Fatalf("bad event %+v", e)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/eve.json")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(lines[i%len(lines)], feed.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
