package pcap

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/airtight/airtight/detect"
)

// engine decodes packets, tracks flows and drives reassembly and the
// analyzers. One engine serves one Read or Capture; it is not safe for
// concurrent use.
type engine struct {
	opts      Options
	sink      detect.Sink
	stats     Stats
	flows     map[flowKey]*flow
	closed    map[flowKey]time.Time // recently ended TCP flows, absorbing late packets
	buffered  int                   // out-of-order bytes held by all flows
	now       time.Time
	lastSweep time.Time
	finished  bool
	dec       decoder
}

func newEngine(sink detect.Sink, opts Options) *engine {
	e := &engine{
		opts:   opts.withDefaults(),
		flows:  map[flowKey]*flow{},
		closed: map[flowKey]time.Time{},
	}
	e.sink = detect.SinkFunc(func(ev *detect.Event) {
		e.stats.Events++
		sink.Event(ev)
	})
	e.dec.init()
	return e
}

// decoder holds the preallocated layers of gopacket's DecodingLayerParser,
// one parser per first layer (link type).
type decoder struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	lo      layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	tcp     layers.TCP
	udp     layers.UDP
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	types   []gopacket.LayerType
}

func (d *decoder) init() {
	d.parsers = map[gopacket.LayerType]*gopacket.DecodingLayerParser{}
	d.types = make([]gopacket.LayerType, 0, 8)
}

// parser returns the parser starting at first, built on first use.
func (d *decoder) parser(first gopacket.LayerType) *gopacket.DecodingLayerParser {
	if p := d.parsers[first]; p != nil {
		return p
	}
	p := gopacket.NewDecodingLayerParser(first, &d.eth, &d.dot1q, &d.sll, &d.lo, &d.ip4, &d.ip6, &d.tcp, &d.udp)
	p.IgnoreUnsupported = true
	d.parsers[first] = p
	return p
}

// firstLayer maps a link type to the layer decoding starts with.
func firstLayer(lt layers.LinkType, data []byte) (gopacket.LayerType, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12: // 12: LINKTYPE_RAW on OpenBSD
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6, true
		}
		return layers.LayerTypeIPv4, true
	}
	return 0, false
}

// pkt is one decoded packet, as the flow table needs it.
type pkt struct {
	src, dst   netip.AddrPort
	proto      uint8
	srcMAC     []byte
	dstMAC     []byte
	tcp        *layers.TCP
	payload    []byte
	missing    int // payload bytes the IP header promises beyond what was captured
	ts         time.Time
	ipTotalLen int
}

// packet handles one captured frame.
func (e *engine) packet(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType) {
	e.stats.Packets++
	e.stats.Bytes += int64(ci.Length)
	e.tick(ci.Timestamp)
	snapCut := ci.CaptureLength < ci.Length
	if snapCut {
		e.stats.Truncated++
	}
	p, ok := e.decode(data, lt, snapCut)
	if !ok {
		return
	}
	p.ts = ci.Timestamp
	e.track(&p)
}

// decode runs the layer parser; ok is false when the packet carries no
// flow (counted as a decode error or unsupported).
func (e *engine) decode(data []byte, lt layers.LinkType, snapCut bool) (pkt, bool) {
	d := &e.dec
	first, ok := firstLayer(lt, data)
	if !ok {
		e.stats.Unsupported++
		return pkt{}, false
	}
	parser := d.parser(first)
	parser.Truncated = false
	if err := parser.DecodeLayers(data, &d.types); err != nil {
		if !snapCut {
			e.stats.DecodeErrors++
			e.opts.Logger.Debug("pcap: packet did not decode", "packet", e.stats.Packets, "err", err)
		}
		return pkt{}, false
	}
	if parser.Truncated && !snapCut {
		e.stats.Truncated++
	}
	return e.fromLayers()
}

func (e *engine) fromLayers() (pkt, bool) {
	d := &e.dec
	var p pkt
	var srcIP, dstIP netip.Addr
	var haveIP, haveL4 bool
	var srcPort, dstPort uint16
	for _, t := range d.types {
		switch t {
		case layers.LayerTypeEthernet:
			p.srcMAC, p.dstMAC = d.eth.SrcMAC, d.eth.DstMAC
		case layers.LayerTypeIPv4:
			srcIP, _ = netip.AddrFromSlice(d.ip4.SrcIP.To4())
			dstIP, _ = netip.AddrFromSlice(d.ip4.DstIP.To4())
			p.proto, haveIP = uint8(d.ip4.Protocol), true
			p.ipTotalLen = int(d.ip4.Length) - int(d.ip4.IHL)*4
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				e.stats.Unsupported++
				return p, false
			}
		case layers.LayerTypeIPv6:
			srcIP, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			dstIP, _ = netip.AddrFromSlice(d.ip6.DstIP)
			p.proto, haveIP = uint8(d.ip6.NextHeader), true
			p.ipTotalLen = int(d.ip6.Length)
		case layers.LayerTypeTCP:
			srcPort, dstPort, haveL4 = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort), true
			p.tcp, p.payload = &d.tcp, d.tcp.Payload
			p.missing = p.ipTotalLen - int(d.tcp.DataOffset)*4 - len(p.payload)
		case layers.LayerTypeUDP:
			srcPort, dstPort, haveL4 = uint16(d.udp.SrcPort), uint16(d.udp.DstPort), true
			p.payload = d.udp.Payload
		}
	}
	if !haveIP {
		e.stats.Unsupported++
		return p, false
	}
	if !haveL4 && (p.proto == 6 || p.proto == 17) {
		e.stats.Unsupported++ // IPv6 extension headers before TCP/UDP
		return p, false
	}
	if p.missing < 0 {
		p.missing = 0
	}
	p.src = netip.AddrPortFrom(srcIP.Unmap(), srcPort)
	p.dst = netip.AddrPortFrom(dstIP.Unmap(), dstPort)
	return p, true
}

// tick advances capture time and ends idle flows now and then.
func (e *engine) tick(ts time.Time) {
	if ts.After(e.now) {
		e.now = ts
	}
	every := e.opts.IdleTimeout / 4
	if e.lastSweep.IsZero() {
		e.lastSweep = e.now
		return
	}
	if e.now.Sub(e.lastSweep) >= every {
		e.lastSweep = e.now
		e.sweep(e.now)
	}
}
