package pcap

import (
	"encoding/binary"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// IPv6 extension headers skipped to reach the upper layer (RFC 8200
// section 4; hop-by-hop options are decoded by gopacket with the IPv6
// header). ESP (50) is not skipped: what follows it is encrypted.
const (
	ipv6Routing     = 43
	ipv6Fragment    = 44
	ipv6AuthHeader  = 51
	ipv6DestOptions = 60
)

// maxIPv6Ext bounds the extension headers walked in one packet.
const maxIPv6Ext = 8

func isIPv6Ext(nh uint8) bool {
	switch nh {
	case ipv6Routing, ipv6Fragment, ipv6AuthHeader, ipv6DestOptions:
		return true
	}
	return false
}

// upper finds the upper layer of a packet the layer parser stopped at:
// it reassembles IPv4 fragments, or skips IPv6 extension headers
// (reassembling IPv6 fragments), then decodes TCP or UDP. It returns
// false when the packet yields nothing now: held for reassembly, dropped
// or undecodable (each counted).
func (e *engine) upper(p *pkt, ip ipInfo) bool {
	var b []byte
	var proto uint8
	var ok bool
	if ip.frag {
		b, proto, ok = e.fragment4(p, ip)
	} else {
		b, proto, ok = e.walkIPv6(p, ip)
	}
	if !ok {
		return false
	}
	p.proto = proto
	return e.decodeL4(p, b)
}

// fragment4 takes in an IPv4 fragment; it returns the datagram's payload
// once complete.
func (e *engine) fragment4(p *pkt, ip ipInfo) ([]byte, uint8, bool) {
	h := &e.dec.ip4
	if p.ipTotalLen < 0 || len(ip.rest) < p.ipTotalLen { // cut by the snap length
		e.stats.Fragments++
		e.stats.FragmentDrops++
		return nil, 0, false
	}
	fr := fragment{
		key:   fragKey{src: ip.src, dst: ip.dst, id: uint32(h.Id), proto: uint8(h.Protocol)},
		off:   int(h.FragOffset) * 8,
		more:  h.Flags&layers.IPv4MoreFragments != 0,
		proto: uint8(h.Protocol),
		hdr:   int(h.IHL) * 4,
		data:  ip.rest[:p.ipTotalLen],
	}
	return e.reassembled(p, fr)
}

// reassembled runs fr through reassembly and, when it completes a
// datagram, makes p describe it.
func (e *engine) reassembled(p *pkt, fr fragment) ([]byte, uint8, bool) {
	data, proto, info, ok := e.defrag(fr)
	if !ok {
		return nil, 0, false
	}
	p.frag, p.ipTotalLen = info, len(data)
	return data, proto, true
}

// walkIPv6 skips extension headers from p.proto over ip.rest and returns
// the upper layer's bytes and protocol.
func (e *engine) walkIPv6(p *pkt, ip ipInfo) ([]byte, uint8, bool) {
	nh, b := p.proto, ip.rest
	defragged := false
	for range maxIPv6Ext {
		switch {
		case !isIPv6Ext(nh):
			return b, nh, true
		case nh == ipv6Fragment && defragged: // a fragment in a reassembled datagram
			e.stats.Fragments++
			e.stats.FragmentDrops++
			return nil, 0, false
		case nh == ipv6Fragment:
			fr, ok := e.ipv6Fragment(p, ip, b)
			if !ok {
				return nil, 0, false
			}
			if b, nh, ok = e.reassembled(p, fr); !ok {
				return nil, 0, false
			}
			defragged = true
		default:
			n, ok := extLen(nh, b)
			if !ok {
				e.stats.DecodeErrors++
				return nil, 0, false
			}
			nh, b = b[0], b[n:]
			p.ipTotalLen -= n
		}
	}
	e.stats.Unsupported++
	return nil, 0, false
}

// extLen is the length of the extension header nh at the start of b;
// ok is false when b cannot hold it.
func extLen(nh uint8, b []byte) (int, bool) {
	if len(b) < 8 {
		return 0, false
	}
	n := (int(b[1]) + 1) * 8
	if nh == ipv6AuthHeader { // RFC 4302: length in 4-octet units, minus 2
		n = (int(b[1]) + 2) * 4
	}
	return n, n <= len(b)
}

// ipv6Fragment decodes the fragment header at the start of b.
func (e *engine) ipv6Fragment(p *pkt, ip ipInfo, b []byte) (fragment, bool) {
	const hdrLen = 8
	if len(b) < hdrLen {
		e.stats.DecodeErrors++
		return fragment{}, false
	}
	n := p.ipTotalLen - hdrLen
	if n < 0 || len(b)-hdrLen < n { // cut by the snap length
		e.stats.Fragments++
		e.stats.FragmentDrops++
		return fragment{}, false
	}
	offMore := binary.BigEndian.Uint16(b[2:4])
	return fragment{
		key:   fragKey{src: ip.src, dst: ip.dst, id: binary.BigEndian.Uint32(b[4:8])},
		off:   int(offMore &^ 7),
		more:  offMore&1 != 0,
		proto: b[0],
		hdr:   len(ip.rest) - len(b) + hdrLen, // the unfragmentable part
		data:  b[hdrLen : hdrLen+n],
	}, true
}

// decodeL4 decodes TCP or UDP from b into p; other protocols are tracked
// without ports.
func (e *engine) decodeL4(p *pkt, b []byte) bool {
	var err error
	switch layers.IPProtocol(p.proto) {
	case layers.IPProtocolTCP:
		if err = e.dec.tcp.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err == nil {
			e.fromTCP(p)
		}
	case layers.IPProtocolUDP:
		if err = e.dec.udp.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err == nil {
			e.fromUDP(p)
		}
	}
	if err != nil {
		e.stats.DecodeErrors++
		e.opts.Logger.Debug("pcap: upper layer did not decode", "packet", e.stats.Packets, "err", err)
		return false
	}
	return true
}
