package netflow

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

// BenchmarkDecode measures flows/s for v5, v9 (with its template cached)
// and IPFIX data packets from the logstash fixtures.
func BenchmarkDecode(b *testing.B) {
	dir := shareddata.Dir(b, "detect", "netflow", "logstash-codec-netflow")
	for _, bc := range []struct{ name, tpl, data string }{
		{"v5", "", "netflow5_test_microtik.dat"},
		{"v9", "netflow9_test_macaddr_tpl.dat", "netflow9_test_macaddr_data.dat"},
		{"ipfix", "ipfix_test_openbsd_pflow_tpl.dat", "ipfix_test_openbsd_pflow_data.dat"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d := NewDecoder(Options{})
			sink := detect.SinkFunc(func(*detect.Event) {})
			if bc.tpl != "" {
				d.Decode("e", read(b, dir, bc.tpl), sink)
			}
			pkt := read(b, dir, bc.data)
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			var flows int
			for b.Loop() {
				n, err := d.Decode("e", pkt, sink)
				if err != nil || n == 0 {
					b.Fatal(n, err)
				}
				flows += n
			}
			b.ReportMetric(float64(flows)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func read(b *testing.B, dir, name string) []byte {
	p, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		b.Fatal(err)
	}
	return p
}
