package pipeline

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/baseline"
	"github.com/airtight/airtight/detect/builtin"
)

// mixedStream is a hospital's mix of events: mostly flows, then SMB, DICOM,
// HL7, logons, file and process events, across a few thousand devices.
func mixedStream(n int) []detect.Event {
	out := make([]detect.Event, n)
	pacs, lis := netip.MustParseAddr("10.16.0.5"), netip.MustParseAddr("10.40.0.9")
	for i := range out {
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		src := netip.AddrFrom4([4]byte{10, byte(16 + i%4*8), byte(i / 256 % 16), byte(i % 256)})
		e := flow(at, src, netip.AddrFrom4([4]byte{10, 60, 0, byte(i % 7)}), []uint16{443, 445, 104, 2575, 53}[i%5])
		switch i % 10 {
		case 5:
			e.Class, e.SMB = detect.ClassSMBActivity, &detect.SMB{Version: 3, Command: "READ", Share: "scans", File: "a.pdf"}
		case 6:
			e.Dst.IP, e.Class = pacs, detect.ClassDICOMActivity
			e.DICOM = &detect.DICOM{CallingAE: "CT_" + fmt.Sprint(i%50), CalledAE: "PACS_MAIN", PDU: "A-ASSOCIATE-RQ"}
		case 7:
			e.Dst.IP, e.Class = lis, detect.ClassHL7Activity
			e.HL7 = &detect.HL7{SendingApp: "ANALYZER" + fmt.Sprint(i%20), MessageType: "ORU^R01", PatientData: true}
		case 8:
			e = detect.Event{Time: at, Class: detect.ClassAuthentication, Status: "success", User: "user" + fmt.Sprint(i%300), Src: e.Src, Host: "ehr"}
		case 9:
			if i%20 == 9 {
				e = detect.Event{Time: at, Class: detect.ClassFileActivity, Activity: "write", Host: "ws" + fmt.Sprint(i%40),
					File: &detect.File{Path: `C:\data\f` + fmt.Sprint(i%1000) + ".docx"}}
			} else {
				e = detect.Event{Time: at, Class: detect.ClassProcessActivity, Activity: "launch", Host: "ws" + fmt.Sprint(i%40),
					Process: &detect.Process{CommandLine: `C:\Windows\System32\svchost.exe -k netsvcs -p`, Path: `C:\Windows\System32\svchost.exe`}}
			}
		}
		out[i] = e
	}
	return out
}

func benchDirectory(b *testing.B) *detect.MemDirectory {
	var sb strings.Builder
	sb.WriteString("asset_tag,manufacturer,model,kind,criticality,ip,ae_title\n")
	for i := range 2000 {
		fmt.Fprintf(&sb, "T%d,M,X,infusion-pump,life-sustaining,10.32.%d.%d,\n", i, i/256, i%256)
	}
	for i := range 50 {
		fmt.Fprintf(&sb, "C%d,M,CT,ct-scanner,diagnostic,10.16.1.%d,CT_%d\n", i, i, i)
	}
	dir, err := LoadInventory(strings.NewReader(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkPipeline measures events per second through Submit, Run and
// the detectors: all built-ins plus the baseline, against a pass-through
// pipeline with no detectors in the same run.
func BenchmarkPipeline(b *testing.B) {
	stream := mixedStream(100_000)
	dir := benchDirectory(b)
	b.Run("passthrough", func(b *testing.B) { benchRun(b, stream, Config{Directory: dir}) })
	b.Run("builtins+baseline", func(b *testing.B) {
		dets, err := builtin.All(builtin.Config{Directory: dir})
		if err != nil {
			b.Fatal(err)
		}
		bl, _ := baseline.New(baseline.Config{Learn: time.Minute})
		benchRun(b, stream, Config{Directory: dir, Detectors: append(dets, bl)})
	})
}

func benchRun(b *testing.B, stream []detect.Event, cfg Config) {
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	n := 0
	start := time.Now()
	for b.Loop() {
		e := stream[n%len(stream)]
		e.Time = t0.Add(time.Duration(n) * 10 * time.Millisecond) // time moves on across laps
		if err := p.Submit(ctx, &e); err != nil {
			b.Fatal(err)
		}
		n++
	}
	p.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
	st := p.Stats()
	b.ReportMetric(float64(st.Detections), "detections")
	if st.Dropped != 0 || st.Processed != uint64(n) {
		b.Fatalf("stats %+v after %d events", st, n)
	}
}
