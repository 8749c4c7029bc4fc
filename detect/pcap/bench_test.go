package pcap

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

func benchCaptures(b *testing.B) [][]byte {
	var caps [][]byte
	for _, f := range []string{"synthetic/dicom/dicom_hospital_synthetic.pcap", "synthetic/dicom/dicom_pynetdicom_pdus.pcap", "synthetic/hl7/hl7_mllp_synthetic.pcap"} {
		data, err := os.ReadFile(shareddata.Dir(b, "detect", f))
		if err != nil {
			b.Fatal(err)
		}
		caps = append(caps, data)
	}
	return caps
}

// BenchmarkRead measures Read (decoding, flows, reassembly, DICOM and
// HL7 analyzers) over the synthetic captures, looped in memory.
func BenchmarkRead(b *testing.B) {
	caps := benchCaptures(b)
	sink := detect.SinkFunc(func(*detect.Event) {})
	var packets int64
	start := time.Now()
	for b.Loop() {
		for _, c := range caps {
			st, err := Read(context.Background(), bytes.NewReader(c), sink, Options{})
			if err != nil {
				b.Fatal(err)
			}
			packets += st.Packets
		}
	}
	b.ReportMetric(float64(packets)/time.Since(start).Seconds(), "packets/s")
}

// BenchmarkBaselinePacketSource is the baseline: gopacket's PacketSource
// decoding every packet fully (no flows, no reassembly).
func BenchmarkBaselinePacketSource(b *testing.B) {
	caps := benchCaptures(b)
	var packets int64
	start := time.Now()
	for b.Loop() {
		for _, c := range caps {
			r, err := pcapgo.NewReader(bytes.NewReader(c))
			if err != nil {
				b.Fatal(err)
			}
			src := gopacket.NewPacketSource(r, r.LinkType())
			for p := range src.Packets() {
				_ = p.TransportLayer()
				packets++
			}
		}
	}
	b.ReportMetric(float64(packets)/time.Since(start).Seconds(), "packets/s")
}

// BenchmarkReadFragmented is BenchmarkRead over the same captures with
// every IPv4 packet cut into 64-byte fragments.
func BenchmarkReadFragmented(b *testing.B) {
	var caps [][]byte
	for _, f := range []string{"synthetic/dicom/dicom_hospital_synthetic.pcap", "synthetic/dicom/dicom_pynetdicom_pdus.pcap", "synthetic/hl7/hl7_mllp_synthetic.pcap"} {
		c, _ := refragment(b, shareddata.Dir(b, "detect", f), chunks(64))
		caps = append(caps, c)
	}
	sink := detect.SinkFunc(func(*detect.Event) {})
	var packets int64
	start := time.Now()
	for b.Loop() {
		for _, c := range caps {
			st, err := Read(context.Background(), bytes.NewReader(c), sink, Options{})
			if err != nil || st.FragmentDrops != 0 {
				b.Fatalf("stats %+v, err %v", st, err)
			}
			packets += st.Packets
		}
	}
	b.ReportMetric(float64(packets)/time.Since(start).Seconds(), "packets/s")
}
