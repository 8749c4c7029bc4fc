package pcap

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// seg is one TCP segment of a test capture.
type seg struct {
	fromClient bool
	seq        uint32 // relative to the sender's ISN + 1
	flags      string // any of "S", "A", "F", "R"
	data       []byte
}

// conn describes a test TCP connection.
type conn struct {
	client, server net.IP
	cport, sport   uint16
}

var testConn = conn{client: net.IPv4(10, 20, 2, 5), server: net.IPv4(10, 20, 5, 10), cport: 40000, sport: 2575}

const isnC, isnS = 1000, 5000

// capture writes the segments as an Ethernet pcap, one per millisecond.
func capture(t testing.TB, c conn, segs []seg, snaplen int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(uint32(max(snaplen, 65535)), layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range segs {
		frame := c.frame(t, s)
		ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame)}
		if snaplen > 0 && len(frame) > snaplen {
			frame, ci.CaptureLength = frame[:snaplen], snaplen
		}
		if err := w.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func (c conn) frame(t testing.TB, s seg) []byte {
	src, dst, tcp := c.tcp(s)
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.To4(), DstIP: dst.To4()}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, eth, ip, tcp, gopacket.Payload(s.data))
}

// tcp returns the addresses and TCP header of s.
func (c conn) tcp(s seg) (src, dst net.IP, tcp *layers.TCP) {
	src, dst, sp, dp, isn, peer := c.client, c.server, c.cport, c.sport, uint32(isnC), uint32(isnS)
	if !s.fromClient {
		src, dst, sp, dp, isn, peer = c.server, c.client, c.sport, c.cport, isnS, isnC
	}
	tcp = &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Window: 65535, Seq: isn + 1 + s.seq, Ack: peer + 1}
	for _, f := range s.flags {
		switch f {
		case 'S':
			tcp.SYN, tcp.Seq = true, isn
		case 'A':
			tcp.ACK = true
		case 'F':
			tcp.FIN = true
		case 'R':
			tcp.RST = true
		}
	}
	return src, dst, tcp
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	out := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(out, opts, ls...); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// session returns a handshake, the data segments, and a FIN exchange;
// data holds the client's stream and reply the server's.
func session(clientData, serverData []byte, chunk int) (open []seg, data []seg, close []seg) {
	open = []seg{{true, 0, "S", nil}, {false, 0, "SA", nil}, {true, 0, "A", nil}}
	for off := 0; off < len(clientData); off += chunk {
		data = append(data, seg{true, uint32(off), "A", clientData[off:min(off+chunk, len(clientData))]})
	}
	for off := 0; off < len(serverData); off += chunk {
		data = append(data, seg{false, uint32(off), "A", serverData[off:min(off+chunk, len(serverData))]})
	}
	close = []seg{
		{true, uint32(len(clientData)), "FA", nil},
		{false, uint32(len(serverData)), "FA", nil},
		{true, uint32(len(clientData)) + 1, "A", nil},
	}
	return open, data, close
}
