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
	frag      defragmenter
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
	ipTotalLen int      // bytes after the IP headers, as the headers say
	frag       fragInfo // set when p was reassembled from fragments
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
	var ip ipInfo
	var haveL4 bool
	for _, t := range d.types {
		switch t {
		case layers.LayerTypeEthernet:
			p.srcMAC, p.dstMAC = d.eth.SrcMAC, d.eth.DstMAC
		case layers.LayerTypeIPv4:
			ip = e.ipv4Info(&p)
		case layers.LayerTypeIPv6:
			ip = e.ipv6Info(&p)
		case layers.LayerTypeTCP:
			haveL4 = true
			e.fromTCP(&p)
		case layers.LayerTypeUDP:
			haveL4 = true
			e.fromUDP(&p)
		}
	}
	if !ip.ok {
		e.stats.Unsupported++
		return p, false
	}
	switch {
	case haveL4:
	case ip.frag || (ip.v6 && isIPv6Ext(p.proto)):
		if !e.upper(&p, ip) {
			return p, false
		}
	case p.proto == 6 || p.proto == 17:
		e.stats.Unsupported++
		return p, false
	}
	if p.missing < 0 {
		p.missing = 0
	}
	p.src = netip.AddrPortFrom(ip.src.Unmap(), p.src.Port())
	p.dst = netip.AddrPortFrom(ip.dst.Unmap(), p.dst.Port())
	return p, true
}

// ipInfo is what the innermost IP header says.
type ipInfo struct {
	ok       bool
	v6       bool
	frag     bool // an IPv4 fragment
	src, dst netip.Addr
	rest     []byte // the bytes after the IP header (and IPv6 hop-by-hop options)
}

func (e *engine) ipv4Info(p *pkt) ipInfo {
	h := &e.dec.ip4
	src, _ := netip.AddrFromSlice(h.SrcIP.To4())
	dst, _ := netip.AddrFromSlice(h.DstIP.To4())
	p.proto = uint8(h.Protocol)
	p.ipTotalLen = int(h.Length) - int(h.IHL)*4
	frag := h.Flags&layers.IPv4MoreFragments != 0 || h.FragOffset != 0
	return ipInfo{ok: true, frag: frag, src: src, dst: dst, rest: h.Payload}
}

func (e *engine) ipv6Info(p *pkt) ipInfo {
	h := &e.dec.ip6
	src, _ := netip.AddrFromSlice(h.SrcIP)
	dst, _ := netip.AddrFromSlice(h.DstIP)
	p.proto = uint8(h.NextHeader)
	p.ipTotalLen = int(h.Length)
	if hbh := h.HopByHop; hbh != nil { // gopacket decodes it with the IPv6 header
		p.proto = uint8(hbh.NextHeader)
		p.ipTotalLen -= hbh.ActualLength
	}
	return ipInfo{ok: true, v6: true, src: src, dst: dst, rest: h.Payload}
}

func (e *engine) fromTCP(p *pkt) {
	t := &e.dec.tcp
	p.src, p.dst = netip.AddrPortFrom(netip.Addr{}, uint16(t.SrcPort)), netip.AddrPortFrom(netip.Addr{}, uint16(t.DstPort))
	p.tcp, p.payload = t, t.Payload
	p.missing = p.ipTotalLen - int(t.DataOffset)*4 - len(p.payload)
}

func (e *engine) fromUDP(p *pkt) {
	u := &e.dec.udp
	p.src, p.dst = netip.AddrPortFrom(netip.Addr{}, uint16(u.SrcPort)), netip.AddrPortFrom(netip.Addr{}, uint16(u.DstPort))
	p.payload = u.Payload
}

// tick advances capture time and ends idle flows now and then.
func (e *engine) tick(ts time.Time) {
	if ts.After(e.now) {
		e.now = ts
	}
	e.tickFragments()
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
