//go:build linux

package pcap

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/testtool"
)

// TestCaptureLoopback captures an MLLP exchange on the loopback interface.
// It needs root (CAP_NET_RAW) and is skipped otherwise.
func TestCaptureLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var evs []detect.Event
	sink := detect.SinkFunc(func(e *detect.Event) { mu.Lock(); evs = append(evs, *e); mu.Unlock() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		st  Stats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := Capture(ctx, "lo", sink, Options{})
		done <- result{st, err}
	}()
	time.Sleep(300 * time.Millisecond) // let the socket bind before traffic starts
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		_, _ = c.Read(buf)
		_, _ = c.Write([]byte("\x0bMSH|^~\\&|LIS|H|HIS|H|2024||ACK^A01|A1|P|2.5.1\rMSA|AA|M1\r\x1c\x0d"))
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(mllpFrame("M1")); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Read(make([]byte, 4096))
	c.Close()
	time.Sleep(500 * time.Millisecond)
	cancel()
	r := <-done
	if r.err != nil {
		testtool.Missing(t, "AF_PACKET capture unavailable here: %v", r.err)
	}
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	var got []string
	for _, e := range evs {
		if e.Class == detect.ClassHL7Activity && e.Dst.Port == port {
			got = append(got, e.Activity+" "+e.HL7.ControlID)
		}
	}
	if len(got) != 2 || got[0] != "message M1" || got[1] != "ack A1" {
		t.Fatalf("HL7 events on port %d: %q (stats %+v)", port, got, r.st)
	}
}
