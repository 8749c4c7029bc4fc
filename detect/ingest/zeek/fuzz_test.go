package zeek

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
	"github.com/airtight/airtight/internal/shareddata"
)

const tsvHeader = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\torig_pkts\tresp_pkts\ttunnel_parents\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tcount\tcount\tset[string]\n"

// FuzzReadFile: no input panics the reader; every record is an event or
// a counted rejection.
func FuzzReadFile(f *testing.F) {
	f.Add([]byte(tsvHeader + "1.5\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1.0\t1\t2\tSF\t1\t1\t(empty)\n"))
	if b, err := os.ReadFile("testdata/conn.json"); err == nil {
		f.Add(b)
	}
	if dir, ok := shareddata.Path("detect", "zeek-logs", "zeek-baseline"); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		for _, p := range files[:min(len(files), 3)] {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	lim := feed.Limits{MaxLine: 2048, MaxFields: 32, MaxDepth: 4}
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int64
		st, err := ReadFile(context.Background(), "fuzz.log", bytes.NewReader(data), detect.SinkFunc(func(e *detect.Event) {
			n++
			if len(e.Fields) > 32 {
				t.Fatalf("%d fields over the limit", len(e.Fields))
			}
		}), Options{Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		if st.Events != n || st.Events+st.Bad > st.Records+int64(strings.Count(string(data), "#")) {
			t.Fatalf("inconsistent stats %+v for %d events", st, n)
		}
	})
}

func BenchmarkReadTSV(b *testing.B) {
	var buf strings.Builder
	buf.WriteString(tsvHeader)
	const lines = 1000
	for i := range lines {
		fmt.Fprintf(&buf, "1700000000.%06d\tC%d\t10.20.%d.%d\t%d\t203.0.113.50\t11112\ttcp\tdicom\t1.25\t%d\t%d\tSF\t10\t12\t(empty)\n",
			i, i, i/250, i%250, 40000+i, 1000+i, 2000+i)
	}
	data := buf.String()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var events int64
	for b.Loop() {
		st, err := ReadFile(context.Background(), "conn.log", strings.NewReader(data), detect.SinkFunc(func(*detect.Event) {}), Options{})
		if err != nil || st.Events != lines {
			b.Fatal(st, err)
		}
		events += st.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
