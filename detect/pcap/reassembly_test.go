package pcap

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

func mllpFrame(id string) []byte {
	return []byte("\x0bMSH|^~\\&|HIS_ADT|GENHOSP|LIS|GENHOSP|20240101||ADT^A01|" + id + "|P|2.5.1\rPID|1||X\r\x1c\x0d")
}

// hl7Stream is three MLLP messages; controlIDs lists them.
var hl7Stream = slices.Concat(mllpFrame("M1"), mllpFrame("M2"), mllpFrame("M3"))

func controlIDs(evs []detect.Event) []string {
	var ids []string
	for _, e := range ofClass(evs, detect.ClassHL7Activity) {
		ids = append(ids, e.HL7.ControlID)
	}
	return ids
}

func TestReassemblyOrder(t *testing.T) {
	open, data, closing := session(hl7Stream, nil, 17)
	rng := rand.New(rand.NewPCG(1, 2))
	shuffled := slices.Clone(data)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	overlapping := []seg{{true, 0, "A", hl7Stream[:40]}, {true, 30, "A", hl7Stream[30:90]}, {true, 20, "A", hl7Stream[20:50]}, {true, 85, "A", hl7Stream[85:]}}
	tests := []struct {
		name string
		data []seg
	}{
		{"in order", data},
		{"reversed", reversed(data)},
		{"shuffled", shuffled},
		{"retransmitted", slices.Concat(data[:3], data[:5], data[3:], data[2:4])},
		{"overlapping", overlapping},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, st := readBytes(t, capture(t, testConn, slices.Concat(open, tt.data, closing), 0), Options{})
			if ids := controlIDs(evs); !slices.Equal(ids, []string{"M1", "M2", "M3"}) {
				t.Fatalf("messages %q", ids)
			}
			if st.ReassemblyDrops != 0 || st.AppErrors != 0 || st.Flows != 1 {
				t.Fatalf("stats %+v", st)
			}
			flow := ofClass(evs, detect.ClassNetworkActivity)[0]
			if flow.Fields["end_reason"] != "fin" || flow.App != "hl7" || flow.Src.Port != testConn.cport {
				t.Fatalf("flow %+v", flow)
			}
		})
	}
}

func TestReassemblyLoss(t *testing.T) {
	open, data, closing := session(hl7Stream, nil, 17)
	lost := slices.Concat(data[:2], data[3:]) // bytes 34..50 of M1 never arrive
	evs, st := readBytes(t, capture(t, testConn, slices.Concat(open, lost, closing), 0), Options{})
	if ids := controlIDs(evs); !slices.Equal(ids, []string{"M2", "M3"}) {
		t.Fatalf("messages after a loss %q, want M1 lost and M2, M3 parsed", ids)
	}
	if st.ReassemblyDrops == 0 {
		t.Fatalf("the gap was not counted: %+v", st)
	}
}

// TestReassemblyLimits feeds out-of-order data past the buffer limits and
// checks the limits hold after every packet and that drops are counted.
func TestReassemblyLimits(t *testing.T) {
	open, data, closing := session(bytes.Repeat(hl7Stream, 20), nil, 64)
	pkts := slices.Concat(open, reversed(data), closing)
	r, err := pcapgo.NewReader(bytes.NewReader(capture(t, testConn, pkts, 0)))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{MaxFlowBuffer: 1000, MaxTotalBuffer: 1500, MaxSegments: 8}
	e := newEngine(detect.SinkFunc(func(*detect.Event) {}), opts)
	for {
		b, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e.packet(b, ci, r.LinkType())
		for _, f := range e.flows {
			for _, h := range f.tcp.half {
				if h.buffered > opts.MaxFlowBuffer || len(h.segs) > opts.MaxSegments {
					t.Fatalf("flow buffer %d bytes in %d segments over the limits", h.buffered, len(h.segs))
				}
			}
		}
		if e.buffered > opts.MaxTotalBuffer {
			t.Fatalf("total buffered %d over %d", e.buffered, opts.MaxTotalBuffer)
		}
	}
	e.finish("eof")
	if e.stats.ReassemblyDrops == 0 || e.buffered != 0 {
		t.Fatalf("drops %d, still buffered %d", e.stats.ReassemblyDrops, e.buffered)
	}
}

func TestFlowLimit(t *testing.T) {
	open, data, _ := session(hl7Stream, nil, 1000)
	var conns []conn
	for i := range 5 {
		c := testConn
		c.cport = uint16(41000 + i)
		conns = append(conns, c)
	}
	evs, st := readBytes(t, captureMany(t, conns, slices.Concat(open, data)), Options{MaxFlows: 2})
	if st.Flows != 2 || st.FlowsDropped == 0 || len(ofClass(evs, detect.ClassNetworkActivity)) != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func reversed(s []seg) []seg {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// captureMany writes the same segments for several connections, one
// connection after another, without closing them.
func captureMany(t *testing.T, conns []conn, segs []seg) []byte {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		r, err := pcapgo.NewReader(bytes.NewReader(capture(t, c, segs, 0)))
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			if err := w.WritePacket(ci, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

func TestTruncatedPackets(t *testing.T) {
	open, data, closing := session(hl7Stream, nil, 100)
	evs, st := readBytes(t, capture(t, testConn, slices.Concat(open, data, closing), 80), Options{})
	if st.Truncated == 0 || st.ReassemblyDrops == 0 || st.DecodeErrors != 0 || st.Flows != 1 {
		t.Fatalf("stats %+v", st)
	}
	if ids := controlIDs(evs); len(ids) != 0 {
		t.Fatalf("messages parsed from truncated packets: %q", ids)
	}
	flow := ofClass(evs, detect.ClassNetworkActivity)[0]
	if flow.BytesOut != int64(len(hl7Stream)) {
		t.Fatalf("flow bytes %d, want the %d on the wire", flow.BytesOut, len(hl7Stream))
	}
}

func TestContentBeatsPort(t *testing.T) {
	c := conn{client: net.IPv4(10, 0, 0, 1), server: net.IPv4(10, 0, 0, 2), cport: 50000, sport: 8080}
	open, data, closing := session(hl7Stream, nil, 500)
	evs, _ := readBytes(t, capture(t, c, slices.Concat(open, data, closing), 0), Options{})
	if ids := controlIDs(evs); len(ids) != 3 || ofClass(evs, detect.ClassNetworkActivity)[0].App != "hl7" {
		t.Fatalf("HL7 on port 8080 not recognised: %q", ids)
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := Read(context.Background(), bytes.NewReader([]byte("not a capture file")), detect.SinkFunc(func(*detect.Event) {}), Options{}); err == nil {
		t.Fatal("garbage accepted")
	}
	b, err := os.ReadFile(shareddata.Dir(t, "detect", "synthetic", "hl7", "hl7_mllp_synthetic.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	st, err := Read(context.Background(), bytes.NewReader(b[:len(b)-30]), detect.SinkFunc(func(*detect.Event) { n++ }), Options{})
	if err == nil || st.Packets == 0 || n == 0 {
		t.Fatalf("cut file: err %v, %d packets, %d events (want an error after what decoded)", err, st.Packets, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, bytes.NewReader(b), detect.SinkFunc(func(*detect.Event) {}), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	open, data, closing := session(hl7Stream, nil, 17)
	f.Add(capture(f, testConn, slices.Concat(open, data, closing), 0))
	for _, b := range fragmentSeeds(f) {
		f.Add(b)
	}
	for _, rel := range []string{"synthetic/dicom", "synthetic/hl7", "pcap/zeek-traces"} {
		dir, ok := shareddata.Path("detect", rel)
		if !ok {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 40000 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		opts := Options{MaxFlows: 8, MaxFlowBuffer: 4096, MaxTotalBuffer: 8192, MaxSegments: 8}
		var n int64
		st, _ := Read(context.Background(), bytes.NewReader(b), detect.SinkFunc(func(*detect.Event) { n++ }), opts)
		if st.Events != n || st.Flows > st.Packets {
			t.Fatalf("stats %+v, %d events seen", st, n)
		}
	})
}
