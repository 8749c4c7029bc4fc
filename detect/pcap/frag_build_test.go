package pcap

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Builders of fragmented test captures.

// span is one fragment: bytes [off, end) of a datagram's payload (the
// bytes after the IP header). off is a multiple of 8.
type span struct{ off, end int }

// plan cuts a payload of n bytes into fragments, in sending order.
type plan func(n int) []span

// chunks cuts in order, size bytes a fragment.
func chunks(size int) plan {
	return func(n int) []span {
		var s []span
		for off := 0; off < n; off += size {
			s = append(s, span{off, min(off+size, n)})
		}
		return s
	}
}

func reversedPlan(p plan) plan {
	return func(n int) []span {
		s := p(n)
		slices.Reverse(s)
		return s
	}
}

// overlapped cuts fragments of 2*step bytes every step bytes: each
// overlaps the next by step.
func overlapped(step int) plan {
	return func(n int) []span {
		var s []span
		for off := 0; off < n; off += step {
			s = append(s, span{off, min(off+2*step, n)})
			if off+2*step >= n {
				break
			}
		}
		return s
	}
}

// tinyFirst sends an 8-byte first fragment (shorter than a TCP header)
// and the rest.
func tinyFirst(n int) []span { return []span{{0, 8}, {8, n}} }

// randomCover covers the payload with fragments of random length that
// overlap at random, sent in random order.
func randomCover(rng *rand.Rand) plan {
	return func(n int) []span {
		var s []span
		for off := 0; off < n; {
			end := min(off+8*(1+rng.IntN(12)), n)
			s = append(s, span{off, end})
			back := 8 * rng.IntN(3)
			off = max(end-back, off+8)
			if end == n {
				break
			}
		}
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		return s
	}
}

const ethLen = 14

// fragment4 splits the IPv4 packet in an Ethernet frame into fragments
// by p; frames that are not IPv4, or that p leaves whole, come back
// unchanged. mutate, when not nil, may change the bytes of fragment i.
func fragment4(t testing.TB, frame []byte, id uint16, p plan, mutate func(i int, data []byte)) [][]byte {
	t.Helper()
	if len(frame) < ethLen+20 || binary.BigEndian.Uint16(frame[12:14]) != 0x0800 {
		return [][]byte{frame}
	}
	ip := frame[ethLen:]
	ihl, total := int(ip[0]&0x0f)*4, int(binary.BigEndian.Uint16(ip[2:4]))
	payload := ip[ihl:total]
	spans := p(len(payload))
	if len(spans) == 1 && spans[0] == (span{0, len(payload)}) {
		return [][]byte{frame}
	}
	var out [][]byte
	for i, s := range spans {
		data := slices.Clone(payload[s.off:s.end])
		if mutate != nil {
			mutate(i, data)
		}
		out = append(out, ipv4Fragment(frame, id, s.off, s.end < len(payload), data))
	}
	return out
}

// ipv4Fragment rewrites the IPv4 packet in frame into the fragment of
// data at byte offset off.
func ipv4Fragment(frame []byte, id uint16, off int, more bool, data []byte) []byte {
	ihl := int(frame[ethLen]&0x0f) * 4
	f := slices.Concat(frame[:ethLen+ihl], data)
	h := f[ethLen:]
	binary.BigEndian.PutUint16(h[2:4], uint16(ihl+len(data)))
	binary.BigEndian.PutUint16(h[4:6], id)
	fo := uint16(off / 8)
	if more {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(h[6:8], fo)
	binary.BigEndian.PutUint16(h[10:12], 0)
	binary.BigEndian.PutUint16(h[10:12], ipChecksum(h[:ihl]))
	return f
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// writeGroups writes an Ethernet pcap: group i at 1 ms × i, every frame
// of a group (the fragments of one packet) with the same timestamp.
func writeGroups(t testing.TB, groups [][][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, g := range groups {
		for _, f := range g {
			ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f), Length: len(f)}
			if err := w.WritePacket(ci, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

// whole leaves a packet unfragmented.
func whole(n int) []span { return []span{{0, n}} }

// fragmentedCapture builds the segments of c, each fragmented by p, and
// says how many were fragmented.
func fragmentedCapture(t testing.TB, c conn, segs []seg, p plan, mutate func(i int, data []byte)) ([]byte, int) {
	var groups [][][]byte
	n := 0
	for i, s := range segs {
		g := fragment4(t, c.frame(t, s), uint16(100+i), p, mutate)
		if len(g) > 1 {
			n++
		}
		groups = append(groups, g)
	}
	return writeGroups(t, groups), n
}

// udpFrame is an Ethernet/IPv4/UDP frame with n payload bytes.
func udpFrame(t testing.TB, n int) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(10, 20, 2, 5).To4(), DstIP: net.IPv4(10, 20, 5, 20).To4()}
	udp := &layers.UDP{SrcPort: 40001, DstPort: 514}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, eth, ip, udp, gopacket.Payload(bytes.Repeat([]byte("<13>x "), n/6+1)[:n]))
}

// IPv6 extension headers for tests, each 8 bytes (24 for AH) with the
// next-header byte patched in by frame6.
func extHeader(typ uint8) []byte {
	switch typ {
	case ipv6AuthHeader:
		return append([]byte{0, 4}, make([]byte, 22)...) // (4+2)*4 = 24 bytes
	case ipv6Routing:
		return []byte{0, 0, 4, 0, 0, 0, 0, 0} // segments left 0
	}
	return []byte{0, 0, 1, 4, 0, 0, 0, 0} // options: one PadN
}

var testConn6 = conn{client: net.ParseIP("fd00::2:5"), server: net.ParseIP("fd00::5:10"), cport: 40000, sport: 2575}

// frame6 builds s over IPv6 with the extension headers unfrag before and
// frag after a fragment header; without spans there is no fragment header
// and frag follows unfrag. It returns the frames, one per fragment.
func frame6(t testing.TB, c conn, s seg, unfrag, frag []uint8, id uint32, p plan) [][]byte {
	t.Helper()
	src, dst, tcp := c.tcp(s)
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	plain := serialize(t, eth, ip, tcp, gopacket.Payload(s.data))
	hdr, upper := plain[:ethLen+40], plain[ethLen+40:]
	if p == nil {
		all := slices.Concat(unfrag, frag)
		return [][]byte{ipv6Frame(hdr, firstOf(all, 6), slices.Concat(chain(all, 6), upper))}
	}
	fragmentable := slices.Concat(chain(frag, 6), upper)
	var out [][]byte
	for _, sp := range p(len(fragmentable)) {
		fh := []byte{firstOf(frag, 6), 0, 0, 0, 0, 0, 0, 0}
		fo := uint16(sp.off)
		if sp.end < len(fragmentable) {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:4], fo)
		binary.BigEndian.PutUint32(fh[4:8], id)
		out = append(out, ipv6Frame(hdr, firstOf(unfrag, ipv6Fragment), slices.Concat(chain(unfrag, ipv6Fragment), fh, fragmentable[sp.off:sp.end])))
	}
	return out
}

// chain builds extension headers of the given types, the last naming
// next.
func chain(types []uint8, next uint8) []byte {
	var b []byte
	for i, typ := range types {
		h := extHeader(typ)
		h[0] = next
		if i+1 < len(types) {
			h[0] = types[i+1]
		}
		b = append(b, h...)
	}
	return b
}

func firstOf(types []uint8, otherwise uint8) uint8 {
	if len(types) > 0 {
		return types[0]
	}
	return otherwise
}

// ipv6Frame puts payload (extension headers and upper layer) behind the
// Ethernet and IPv6 headers in hdr, setting next header and length.
func ipv6Frame(hdr []byte, next uint8, payload []byte) []byte {
	f := slices.Concat(hdr, payload)
	ip := f[ethLen:]
	binary.BigEndian.PutUint16(ip[4:6], uint16(len(payload)))
	ip[6] = next
	return f
}
