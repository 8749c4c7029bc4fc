package pcap

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/airtight/airtight/detect"
)

// flowKey identifies a flow regardless of direction: a is the smaller
// endpoint.
type flowKey struct {
	a, b  netip.AddrPort
	proto uint8
}

func keyOf(p *pkt) flowKey {
	a, b := p.src, p.dst
	if b.Compare(a) < 0 {
		a, b = b, a
	}
	return flowKey{a: a, b: b, proto: p.proto}
}

// flow is one tracked conversation; index 0 of the per-direction arrays
// is client → server.
type flow struct {
	key            flowKey
	client, server netip.AddrPort
	cliMAC, srvMAC string
	start, last    time.Time
	packets        int64
	bytes          [2]int64 // payload bytes per direction
	tcp            *tcpState
	app            appState
	frag           *fragCounts // datagrams reassembled from IP fragments; nil if none
	endReason      string
}

// dir is 0 when p goes client → server.
func (f *flow) dir(p *pkt) int {
	if p.src == f.client {
		return 0
	}
	return 1
}

// track accounts p to its flow, creating the flow when new.
func (e *engine) track(p *pkt) {
	k := keyOf(p)
	f := e.flows[k]
	if f == nil {
		if !e.admit(k, p) {
			return
		}
		f = e.newFlow(k, p)
	}
	f.last = p.ts
	f.packets++
	if p.frag.reassembled {
		if f.frag == nil {
			f.frag = &fragCounts{}
		}
		f.frag.add(p.frag)
	}
	d := f.dir(p)
	f.bytes[d] += int64(len(p.payload) + p.missing)
	if f.tcp != nil && p.tcp != nil {
		e.segment(f, d, p)
	}
}

// admit decides whether a packet of an untracked flow starts a new one.
func (e *engine) admit(k flowKey, p *pkt) bool {
	if _, gone := e.closed[k]; gone {
		if p.tcp == nil || !p.tcp.SYN {
			return false // a late packet of a flow already ended
		}
		delete(e.closed, k)
	}
	if len(e.flows) >= e.opts.MaxFlows {
		e.sweep(e.now)
	}
	if len(e.flows) >= e.opts.MaxFlows {
		e.stats.FlowsDropped++
		return false
	}
	return true
}

func (e *engine) newFlow(k flowKey, p *pkt) *flow {
	f := &flow{key: k, start: p.ts}
	client, server := orient(p)
	f.client, f.server = client, server
	src, dst := macString(p.srcMAC), macString(p.dstMAC)
	if client == p.src {
		f.cliMAC, f.srvMAC = src, dst
	} else {
		f.cliMAC, f.srvMAC = dst, src
	}
	if p.proto == uint8(layers.IPProtocolTCP) {
		f.tcp = &tcpState{}
	}
	f.app.name = portApp(p.proto, client.Port(), server.Port())
	e.flows[k] = f
	e.stats.Flows++
	return f
}

func macString(m []byte) string {
	if len(m) == 0 {
		return ""
	}
	return net.HardwareAddr(m).String()
}

// orient says which end is the client: the sender of a SYN, the receiver
// of a SYN-ACK, else the end whose port is not a known service (or the
// higher port).
func orient(p *pkt) (client, server netip.AddrPort) {
	if t := p.tcp; t != nil && t.SYN {
		if t.ACK {
			return p.dst, p.src
		}
		return p.src, p.dst
	}
	sp, dp := p.src.Port(), p.dst.Port()
	srcKnown, dstKnown := portApp(p.proto, sp, 0) != "", portApp(p.proto, dp, 0) != ""
	switch {
	case dstKnown && !srcKnown:
		return p.src, p.dst
	case srcKnown && !dstKnown:
		return p.dst, p.src
	case sp < dp:
		return p.dst, p.src
	}
	return p.src, p.dst
}

// endFlow flushes reassembly, closes the analyzer and emits the flow.
func (e *engine) endFlow(f *flow, reason string) {
	if f.endReason != "" {
		return
	}
	f.endReason = reason
	if f.tcp != nil {
		e.flushTCP(f)
	}
	e.closeApp(f)
	delete(e.flows, f.key)
	if f.tcp != nil {
		if len(e.closed) >= e.opts.MaxFlows {
			clear(e.closed)
		}
		e.closed[f.key] = f.last
	}
	e.sink.Event(e.flowEvent(f))
}

func (e *engine) flowEvent(f *flow) *detect.Event {
	activity := "traffic"
	if reason := f.endReason; reason == "fin" || reason == "rst" {
		activity = "close"
	}
	ev := e.baseEvent(f)
	ev.Time = f.start
	ev.Class = detect.ClassNetworkActivity
	ev.Activity = activity
	ev.App = f.app.name
	ev.BytesOut, ev.BytesIn = f.bytes[0], f.bytes[1]
	ev.Packets = f.packets
	ev.Fields = map[string]string{
		"end_reason":  f.endReason,
		"duration_ms": strconv.FormatInt(f.last.Sub(f.start).Milliseconds(), 10),
	}
	if f.frag != nil {
		f.frag.fields(ev.Fields)
	}
	return &ev
}

// baseEvent is what every event of a flow shares: endpoints, protocol,
// source.
func (e *engine) baseEvent(f *flow) detect.Event {
	return detect.Event{
		Source:   "pcap",
		Src:      detect.Endpoint{IP: f.client.Addr(), Port: f.client.Port(), MAC: f.cliMAC},
		Dst:      detect.Endpoint{IP: f.server.Addr(), Port: f.server.Port(), MAC: f.srvMAC},
		Protocol: protoName(f.key.proto),
	}
}

func protoName(p uint8) string {
	switch layers.IPProtocol(p) {
	case layers.IPProtocolTCP:
		return "tcp"
	case layers.IPProtocolUDP:
		return "udp"
	case layers.IPProtocolICMPv4, layers.IPProtocolICMPv6:
		return "icmp"
	}
	return strconv.Itoa(int(p))
}

// sweep ends flows idle since before now - IdleTimeout and forgets old
// closed flows, in start order so that output is deterministic.
func (e *engine) sweep(now time.Time) {
	limit := now.Add(-e.opts.IdleTimeout)
	var idle []*flow
	for _, f := range e.flows {
		if f.last.Before(limit) {
			idle = append(idle, f)
		}
	}
	e.endAll(idle, "idle")
	for k, t := range e.closed {
		if t.Before(limit) {
			delete(e.closed, k)
		}
	}
}

func (e *engine) endAll(fs []*flow, reason string) {
	slices.SortFunc(fs, func(a, b *flow) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		if c := a.key.a.Compare(b.key.a); c != 0 {
			return c
		}
		return a.key.b.Compare(b.key.b)
	})
	for _, f := range fs {
		e.endFlow(f, reason)
	}
}

// finish ends every open flow (end of capture). It is idempotent.
func (e *engine) finish(reason string) {
	if e.finished {
		return
	}
	e.finished = true
	e.finishFragments()
	fs := make([]*flow, 0, len(e.flows))
	for _, f := range e.flows {
		fs = append(fs, f)
	}
	e.endAll(fs, reason)
}
