package observe

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/airtight/airtight/detect"
)

// benchEvents are flows between 200 hosts, a quarter of them in the
// directory, with DICOM among them: the mix a hospital network gives.
func benchEvents(b *testing.B) ([]detect.Event, *detect.MemDirectory) {
	b.Helper()
	dir := detect.NewMemDirectory()
	for i := range 50 {
		if err := dir.Add(detect.DeviceRef{ID: int64(i + 1), AssetTag: fmt.Sprintf("BM-%04d", i), Zone: "clinical",
			IP: netip.AddrFrom4([4]byte{10, 20, 0, byte(i + 1)})}); err != nil {
			b.Fatal(err)
		}
	}
	evs := make([]detect.Event, 1024)
	for i := range evs {
		e := detect.Event{Time: t0, Class: detect.ClassNetworkActivity, Source: "netflow", Protocol: "tcp",
			Src:     detect.Endpoint{IP: netip.AddrFrom4([4]byte{10, 20, 0, byte(i%200 + 1)}), Port: 50000},
			Dst:     detect.Endpoint{IP: netip.AddrFrom4([4]byte{10, 20, 0, byte(i*7%200 + 1)}), Port: 443},
			Packets: 4, BytesOut: 1200}
		if i%8 == 0 {
			e.Class, e.App, e.Source, e.Dst.Port = detect.ClassDICOMActivity, "dicom", "pcap", 104
			e.DICOM = &detect.DICOM{CallingAE: "MOD", CalledAE: "PACS"}
		}
		evs[i] = e
	}
	return evs, dir
}

// BenchmarkSink compares the Observer's cost per event with a sink that
// does nothing, in the same run: the difference is what the monitor's fan
// out adds in front of the pipeline.
func BenchmarkSink(b *testing.B) {
	evs, dir := benchEvents(b)
	sinks := []struct {
		name string
		sink func() detect.Sink
	}{
		{"noop", func() detect.Sink { return detect.SinkFunc(func(*detect.Event) {}) }},
		{"observer", func() detect.Sink { return New(Config{Directory: dir}) }},
	}
	for _, s := range sinks {
		b.Run(s.name, func(b *testing.B) {
			sink := s.sink()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				sink.Event(&evs[i&1023])
				i++
			}
		})
	}
}

// BenchmarkObserverParallel measures contention on the Observer's mutex
// with every CPU feeding it.
func BenchmarkObserverParallel(b *testing.B) {
	evs, dir := benchEvents(b)
	o := New(Config{Directory: dir})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			o.Event(&evs[i&1023])
			i++
		}
	})
}
