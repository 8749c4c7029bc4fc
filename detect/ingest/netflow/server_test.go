package netflow

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/internal/ingesttest"
	"github.com/airtight/airtight/internal/shareddata"
)

// TestUDPCollector sends a v9 template packet, then its data, to a
// collector on 127.0.0.1:0: the data decodes with the template learnt
// from the same exporter.
func TestUDPCollector(t *testing.T) {
	dir := shareddata.Dir(t, "detect", "netflow", "logstash-codec-netflow")
	d := NewDecoder(Options{})
	c := ingesttest.NewCollector()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { (&Server{Decoder: d, Sink: c}).ServeUDP(ctx, pc) })
	defer func() { cancel(); wg.Wait() }()

	conn, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i, f := range []string{"netflow9_test_cisco_asa_1_tpl.dat", "netflow9_test_cisco_asa_1_data.dat"} {
		pkt, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(pkt); err != nil {
			t.Fatal(err)
		}
		waitPackets(t, d, int64(i+1)) // in order: the template first
	}
	events := c.Events()
	if len(events) != 14 {
		t.Fatalf("%d flows, want 14", len(events))
	}
	for _, e := range events {
		if e.Host != "127.0.0.1" || e.Class != detect.ClassNetworkActivity || !e.Src.IP.IsValid() {
			t.Errorf("event %+v", e)
		}
	}
	if st := d.Stats(); st.Exporters != 1 || st.Bad != 0 {
		t.Errorf("stats %+v", st)
	}
}

// waitPackets waits until the decoder has seen n packets; the deadline
// only guards against a hang.
func waitPackets(t *testing.T, d *Decoder, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for d.Stats().Packets < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d packets decoded, want %d", d.Stats().Packets, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
