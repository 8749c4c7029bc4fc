package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/internal/shareddata"
)

// associateRQ is a DICOM A-ASSOCIATE-RQ asking for Verification.
func associateRQ(calling, called string) []byte {
	item := func(typ byte, v []byte) []byte {
		h := []byte{typ, 0, 0, 0}
		binary.BigEndian.PutUint16(h[2:], uint16(len(v)))
		return append(h, v...)
	}
	ae := func(s string) []byte {
		b := bytes.Repeat([]byte(" "), 16)
		copy(b, s)
		return b
	}
	body := slices.Concat([]byte{0, 1, 0, 0}, ae(called), ae(calling), make([]byte, 32),
		item(0x10, []byte("1.2.840.10008.3.1.1.1")),
		item(0x20, slices.Concat([]byte{1, 0, 0, 0}, item(0x30, []byte("1.2.840.10008.1.1")), item(0x40, []byte("1.2.840.10008.1.2")))),
		item(0x50, item(0x51, []byte{0, 0, 0x40, 0})))
	pdu := []byte{1, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(pdu[2:], uint32(len(body)))
	return append(pdu, body...)
}

var dicomConn = conn{client: net.IPv4(10, 20, 1, 21), server: net.IPv4(10, 20, 5, 10), cport: 50123, sport: 104}

// withoutIPFields drops the "ip.*" fields fragmentation adds to flow
// events, so that events of fragmented and whole traffic compare equal.
func withoutIPFields(evs []detect.Event) []detect.Event {
	out := slices.Clone(evs)
	for i := range out {
		if out[i].Fields != nil {
			out[i].Fields = maps.Clone(out[i].Fields)
			maps.DeleteFunc(out[i].Fields, func(k, _ string) bool { return strings.HasPrefix(k, "ip.") })
		}
	}
	return out
}

func sameEvents(t *testing.T, got, want []detect.Event) {
	t.Helper()
	got, want = withoutIPFields(got), withoutIPFields(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events differ from the unfragmented capture:\n got %+v\nwant %+v", got, want)
	}
}

// fragmentTestCases are an HL7 message stream and a DICOM association
// request, each in a whole TCP session.
func fragmentTestCases() []struct {
	name  string
	c     conn
	segs  []seg
	check func(t *testing.T, evs []detect.Event)
} {
	hOpen, hData, hClose := session(hl7Stream, nil, 1000)
	dOpen, dData, dClose := session(associateRQ("CT_SCANNER01", "PACS_MAIN"), nil, 1000)
	// without the last ACK, which comes after the flow ended
	return []struct {
		name  string
		c     conn
		segs  []seg
		check func(t *testing.T, evs []detect.Event)
	}{
		{"hl7", testConn, slices.Concat(hOpen, hData, hClose[:2]), func(t *testing.T, evs []detect.Event) {
			if ids := controlIDs(evs); !slices.Equal(ids, []string{"M1", "M2", "M3"}) {
				t.Fatalf("HL7 messages %q", ids)
			}
		}},
		{"dicom", dicomConn, slices.Concat(dOpen, dData, dClose[:2]), func(t *testing.T, evs []detect.Event) {
			want := []dicomSummary{{Src: "10.20.1.21", Dst: "10.20.5.10:104", Calling: "CT_SCANNER01", Called: "PACS_MAIN", PDU: "A-ASSOCIATE-RQ"}}
			if got := summarize(evs); !slices.Equal(got, want) {
				t.Fatalf("DICOM events %+v", got)
			}
		}},
	}
}

func TestFragmentedIPv4(t *testing.T) {
	corrupt := func(i int, data []byte) { // the overlapping bytes of the second fragment lie
		if i == 1 {
			for j := range min(24, len(data)) {
				data[j] ^= 0xff
			}
		}
	}
	plans := []struct {
		name                    string
		p                       plan
		mutate                  func(int, []byte)
		overlap, conflict, tiny bool
	}{
		{name: "in order", p: chunks(64)},
		{name: "8-byte fragments", p: chunks(8), tiny: true},
		{name: "out of order", p: reversedPlan(chunks(48))},
		{name: "overlapping", p: overlapped(24), overlap: true},
		{name: "tiny first fragment", p: tinyFirst, tiny: true},
		{name: "conflicting overlap, first wins", p: firstOverlapped, mutate: corrupt, overlap: true, conflict: true},
	}
	for _, tc := range fragmentTestCases() {
		t.Run(tc.name, func(t *testing.T) {
			wantCap, _ := fragmentedCapture(t, tc.c, tc.segs, whole, nil)
			want, _ := readBytes(t, wantCap, Options{})
			tc.check(t, want)
			for _, pl := range plans {
				t.Run(pl.name, func(t *testing.T) {
					b, n := fragmentedCapture(t, tc.c, tc.segs, pl.p, pl.mutate)
					evs, st := readBytes(t, b, Options{})
					sameEvents(t, evs, want)
					if n == 0 || st.Reassembled != int64(n) || st.FragmentDrops != 0 || st.Unsupported != 0 || st.DecodeErrors != 0 || st.ReassemblyDrops != 0 || st.AppErrors != 0 {
						t.Fatalf("%d packets fragmented, stats %+v", n, st)
					}
					flow := ofClass(evs, detect.ClassNetworkActivity)[0]
					wantFields := map[string]string{"ip.fragments": strconv.Itoa(n)}
					if pl.overlap {
						wantFields["ip.fragment_overlap"] = strconv.Itoa(n)
					}
					if pl.conflict {
						wantFields["ip.fragment_conflict"] = strconv.Itoa(n)
					}
					if pl.tiny {
						wantFields["ip.fragment_tiny"] = strconv.Itoa(n)
					}
					if got := ipFields(flow); !maps.Equal(got, wantFields) {
						t.Fatalf("flow fields %v, want %v", got, wantFields)
					}
					if (st.FragmentOverlaps > 0) != pl.overlap || (st.FragmentTiny > 0) != pl.tiny {
						t.Fatalf("stats %+v", st)
					}
				})
			}
		})
	}
}

// firstOverlapped sends bytes 0-31, then 8 to the end.
func firstOverlapped(n int) []span {
	if n <= 32 {
		return whole(n)
	}
	return []span{{0, 32}, {8, n}}
}

func ipFields(e detect.Event) map[string]string {
	m := maps.Clone(e.Fields)
	maps.DeleteFunc(m, func(k, _ string) bool { return !strings.HasPrefix(k, "ip.") })
	return m
}

// TestFragmentedRandom covers the payloads with fragments of random
// sizes, overlaps and order.
func TestFragmentedRandom(t *testing.T) {
	for _, tc := range fragmentTestCases() {
		wantCap, _ := fragmentedCapture(t, tc.c, tc.segs, whole, nil)
		want, _ := readBytes(t, wantCap, Options{})
		for seed := range uint64(40) {
			b, n := fragmentedCapture(t, tc.c, tc.segs, randomCover(rand.New(rand.NewPCG(seed, 7))), nil)
			evs, st := readBytes(t, b, Options{})
			sameEvents(t, evs, want)
			// fragments that arrive after their datagram completed start a
			// new one, dropped at the end
			if st.Reassembled != int64(n) {
				t.Fatalf("%s seed %d: %d fragmented, stats %+v", tc.name, seed, n, st)
			}
		}
	}
}

// TestFragmentedSharedCaptures fragments every packet of the synthetic
// DICOM and HL7 captures and expects the events of the originals.
func TestFragmentedSharedCaptures(t *testing.T) {
	for i, f := range []string{"synthetic/dicom/dicom_hospital_synthetic.pcap", "synthetic/dicom/dicom_pynetdicom_pdus.pcap", "synthetic/hl7/hl7_mllp_synthetic.pcap"} {
		t.Run(f, func(t *testing.T) {
			path := shareddata.Dir(t, "detect", f)
			want, _ := collect(t, path, Options{})
			if len(want) <= len(ofClass(want, detect.ClassNetworkActivity)) {
				t.Fatal("no application events: the test would prove nothing")
			}
			b, n := refragment(t, path, randomCover(rand.New(rand.NewPCG(uint64(i), 9))))
			evs, st := readBytes(t, b, Options{})
			sameEvents(t, evs, want)
			if n == 0 || st.Reassembled != int64(n) || st.DecodeErrors != 0 || st.AppErrors != 0 {
				t.Fatalf("%d fragmented, stats %+v", n, st)
			}
		})
	}
}

// refragment rewrites an Ethernet capture with every IPv4 packet
// fragmented by p, keeping the timestamps.
func refragment(t testing.TB, path string, p plan) ([]byte, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("%s: link type %v, want Ethernet", path, r.LinkType())
	}
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := 0; ; i++ {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		frags := fragment4(t, data, uint16(i), p, nil)
		if len(frags) > 1 {
			n++
		}
		for _, fr := range frags {
			ci.CaptureLength, ci.Length = len(fr), len(fr)
			if err := w.WritePacket(ci, fr); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes(), n
}

func TestIPv6ExtensionHeaders(t *testing.T) {
	open, data, closing := session(hl7Stream, nil, 1000)
	segs := slices.Concat(open, data, closing)
	build := func(unfrag, frag []uint8, p plan) []byte {
		var groups [][][]byte
		for i, s := range segs {
			pl := p
			if p != nil && len(s.data) == 0 {
				pl = nil // fragment the data segments only
			}
			groups = append(groups, frame6(t, testConn6, s, unfrag, frag, uint32(7000+i), pl))
		}
		return writeGroups(t, groups)
	}
	want, st := readBytes(t, build(nil, nil, nil), Options{})
	if ids := controlIDs(want); !slices.Equal(ids, []string{"M1", "M2", "M3"}) || st.Flows != 1 {
		t.Fatalf("plain IPv6: messages %q, stats %+v", ids, st)
	}
	if f := ofClass(want, detect.ClassNetworkActivity)[0]; f.Src.IP.String() != "fd00::2:5" || f.Dst.Port != 2575 {
		t.Fatalf("plain IPv6 flow %+v", f)
	}
	const hbh, dst, rt, ah = 0, ipv6DestOptions, ipv6Routing, ipv6AuthHeader
	tests := []struct {
		name         string
		unfrag, frag []uint8
		p            plan
		fragmented   int
	}{
		{name: "hop-by-hop", unfrag: []uint8{hbh}},
		{name: "hop-by-hop, destination, routing, destination", unfrag: []uint8{hbh, dst, rt, dst}},
		{name: "authentication header", unfrag: []uint8{rt, ah}},
		{name: "fragments", p: chunks(32), fragmented: 1},
		{name: "fragments after hop-by-hop and routing, destination options inside", unfrag: []uint8{hbh, rt}, frag: []uint8{dst}, p: reversedPlan(chunks(64)), fragmented: 1},
		{name: "overlapping fragments", unfrag: []uint8{hbh}, p: overlapped(16), fragmented: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, st := readBytes(t, build(tt.unfrag, tt.frag, tt.p), Options{})
			sameEvents(t, evs, want)
			if st.Reassembled != int64(tt.fragmented) || st.Unsupported != 0 || st.DecodeErrors != 0 || st.ReassemblyDrops != 0 || st.FragmentDrops != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestIPv6Unsupported(t *testing.T) {
	s := seg{true, 0, "A", []byte("x")}
	esp := frame6(t, testConn6, s, nil, nil, 0, nil)[0]
	esp[ethLen+6] = 50 // ESP: what follows is encrypted
	tooMany := frame6(t, testConn6, s, []uint8{ipv6DestOptions, ipv6DestOptions, ipv6DestOptions, ipv6DestOptions, ipv6DestOptions, ipv6DestOptions, ipv6DestOptions, ipv6DestOptions, ipv6DestOptions}, nil, 0, nil)[0]
	cut := frame6(t, testConn6, s, []uint8{ipv6Routing}, nil, 0, nil)[0]
	cut[ethLen+40+1] = 200 // routing header longer than the packet
	for _, tt := range []struct {
		name                     string
		frame                    []byte
		unsupported, decodeError int64
	}{
		{"esp", esp, 0, 0}, // tracked as protocol 50 without ports
		{"too many headers", tooMany, 1, 0},
		{"header past the end", cut, 0, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, st := readBytes(t, writeGroups(t, [][][]byte{{tt.frame}}), Options{})
			if st.Unsupported != tt.unsupported || st.DecodeErrors != tt.decodeError {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// limitEngine feeds frames to an engine one by one and checks after each
// that the reassembly limits hold.
type limitEngine struct {
	t    *testing.T
	e    *engine
	opts Options
	ts   time.Time
}

func newLimitEngine(t *testing.T, opts Options) *limitEngine {
	return &limitEngine{t: t, e: newEngine(detect.SinkFunc(func(*detect.Event) {}), opts), opts: opts.withDefaults(), ts: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (l *limitEngine) feed(after time.Duration, frames ...[]byte) {
	l.ts = l.ts.Add(after)
	for _, f := range frames {
		l.e.packet(f, gopacket.CaptureInfo{Timestamp: l.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
		df := &l.e.frag
		if len(df.dgrams) > l.opts.MaxFragDatagrams || df.held > l.opts.MaxFragBuffer {
			l.t.Fatalf("%d datagrams holding %d bytes: over the limits", len(df.dgrams), df.held)
		}
		sum := 0
		for _, dg := range df.dgrams {
			sum += dg.held
			if len(dg.pieces) > l.opts.MaxFragments {
				l.t.Fatalf("%d pieces in a datagram", len(dg.pieces))
			}
		}
		if sum != df.held {
			l.t.Fatalf("held %d, datagrams hold %d", df.held, sum)
		}
	}
}

func TestFragmentLimits(t *testing.T) {
	frame := udpFrame(t, 1000)
	firstOnly := func(l *limitEngine, n int) {
		for i := range n {
			l.feed(time.Millisecond, fragment4(t, frame, uint16(i), chunks(128), nil)[0])
		}
	}
	tests := []struct {
		name               string
		opts               Options
		run                func(l *limitEngine)
		reassembled, drops int64
	}{
		{"partial datagrams over MaxFragDatagrams", Options{MaxFragDatagrams: 16}, func(l *limitEngine) { firstOnly(l, 200) }, 0, 200},
		{"partial datagrams over MaxFragBuffer", Options{MaxFragBuffer: 1000}, func(l *limitEngine) { firstOnly(l, 50) }, 0, 50},
		{"the table frees after FragTimeout", Options{MaxFragDatagrams: 16}, func(l *limitEngine) {
			firstOnly(l, 100)
			l.feed(31*time.Second, fragment4(t, frame, 9999, chunks(128), nil)...)
		}, 1, 100},
		{"completed within FragTimeout", Options{}, func(l *limitEngine) {
			fr := fragment4(t, frame, 1, chunks(512), nil)
			l.feed(0, fr[0])
			l.feed(29*time.Second, fr[1])
		}, 1, 0},
		{"expired after FragTimeout", Options{}, func(l *limitEngine) {
			fr := fragment4(t, frame, 1, chunks(512), nil)
			l.feed(0, fr[0])
			l.feed(31*time.Second, fr[1])
		}, 0, 2},
		{"more pieces than MaxFragments", Options{MaxFragments: 32}, func(l *limitEngine) {
			l.feed(0, fragment4(t, frame, 1, chunks(8), nil)...)
		}, 0, 126},
		{"datagram over MaxDatagramSize", Options{MaxDatagramSize: 600}, func(l *limitEngine) {
			l.feed(0, fragment4(t, frame, 1, chunks(512), nil)...)
		}, 0, 2},
		{"past 65,535 bytes (ping of death)", Options{}, func(l *limitEngine) {
			l.feed(0, ipv4Fragment(frame, 1, 0, true, make([]byte, 64)), ipv4Fragment(frame, 1, 65512, false, make([]byte, 16)))
		}, 0, 2},
		{"two different ends", Options{}, func(l *limitEngine) {
			l.feed(0, ipv4Fragment(frame, 1, 64, false, make([]byte, 64)), ipv4Fragment(frame, 1, 64, false, make([]byte, 32)))
		}, 0, 2},
		{"data past the end", Options{}, func(l *limitEngine) {
			l.feed(0, ipv4Fragment(frame, 1, 64, false, make([]byte, 64)), ipv4Fragment(frame, 1, 128, true, make([]byte, 64)))
		}, 0, 2},
		{"not a multiple of 8", Options{}, func(l *limitEngine) {
			l.feed(0, ipv4Fragment(frame, 1, 0, true, make([]byte, 12)))
		}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimitEngine(t, tt.opts)
			tt.run(l)
			l.e.finish("eof")
			st := l.e.stats
			if st.Reassembled != tt.reassembled || st.FragmentDrops != tt.drops || st.Flows != tt.reassembled || l.e.frag.held != 0 || len(l.e.frag.dgrams) != 0 {
				t.Fatalf("stats %+v, still held %d bytes in %d datagrams", st, l.e.frag.held, len(l.e.frag.dgrams))
			}
		})
	}
}

func TestUncovered(t *testing.T) {
	held := []piece{{8, []byte("abcdefgh")}, {24, []byte("ijklmnop")}}
	tests := []struct {
		name              string
		off               int
		data              string
		gaps              []piece
		overlap, conflict bool
	}{
		{"before", 0, "01234567", []piece{{0, []byte("01234567")}}, false, false},
		{"between", 16, "qrstuvwx", []piece{{16, []byte("qrstuvwx")}}, false, false},
		{"same bytes again", 8, "abcdefgh", nil, true, false},
		{"different bytes again", 8, "abcdefgX", nil, true, true},
		{"across both", 0, "01234567abcdefghqrstuvwxijklmnop01234567",
			[]piece{{0, []byte("01234567")}, {16, []byte("qrstuvwx")}, {32, []byte("01234567")}}, true, false},
		{"tail of one", 12, "efghqrst", []piece{{16, []byte("qrst")}}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gaps, overlap, conflict := uncovered(held, tt.off, []byte(tt.data))
			if !reflect.DeepEqual(gaps, tt.gaps) || overlap != tt.overlap || conflict != tt.conflict {
				t.Fatalf("got %+v overlap %v conflict %v", gaps, overlap, conflict)
			}
		})
	}
}

// fragmentSeeds are fuzz seeds with IPv4 and IPv6 fragments.
func fragmentSeeds(t testing.TB) [][]byte {
	open, data, closing := session(hl7Stream, nil, 1000)
	segs := slices.Concat(open, data, closing)
	overlapping, _ := fragmentedCapture(t, testConn, segs, overlapped(24), nil)
	tiny, _ := fragmentedCapture(t, testConn, segs, tinyFirst, nil)
	var groups [][][]byte
	for i, s := range segs {
		groups = append(groups, frame6(t, testConn6, s, []uint8{0}, []uint8{ipv6DestOptions}, uint32(i), chunks(32)))
	}
	return [][]byte{overlapping, tiny, writeGroups(t, groups)}
}
