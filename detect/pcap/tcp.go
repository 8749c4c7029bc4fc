package pcap

import (
	"slices"
	"time"
)

// tcpState is the reassembly state of a TCP connection.
type tcpState struct {
	half [2]halfStream
	rst  bool
}

// halfStream reassembles one direction: bytes are delivered in sequence
// order; segments ahead of the next expected byte wait in segs (bounded).
type halfStream struct {
	started  bool
	next     uint32 // next sequence number to deliver
	segs     []segment
	buffered int
	fin      bool
}

type segment struct {
	seq     uint32
	data    []byte
	missing int // bytes after data lost to truncation
}

// seqDiff is a - b in sequence space (RFC 1982 arithmetic).
func seqDiff(a, b uint32) int64 { return int64(int32(a - b)) }

// segment handles one TCP packet of flow f in direction d.
func (e *engine) segment(f *flow, d int, p *pkt) {
	t, h := p.tcp, &f.tcp.half[d]
	if t.SYN {
		h.started, h.next = true, t.Seq+1
	}
	if !h.started && (len(p.payload) > 0 || p.missing > 0) {
		h.started, h.next = true, t.Seq // picked up mid-stream
	}
	if len(p.payload) > 0 || p.missing > 0 {
		seq := t.Seq
		if t.SYN {
			seq++
		}
		if p.missing > 0 {
			e.stats.ReassemblyDrops++
		}
		e.insert(f, d, segment{seq: seq, data: p.payload, missing: p.missing}, p.ts)
	}
	if t.FIN {
		h.fin = true
	}
	switch {
	case t.RST:
		f.tcp.rst = true
		e.endFlow(f, "rst")
	case f.tcp.half[0].fin && f.tcp.half[1].fin:
		e.endFlow(f, "fin")
	}
}

// insert delivers s if it is next in sequence, else buffers it within the
// limits, skipping the gap when the limits are reached.
func (e *engine) insert(f *flow, d int, s segment, ts time.Time) {
	h := &f.tcp.half[d]
	off := seqDiff(s.seq, h.next)
	if off <= 0 {
		e.deliver(f, d, s, ts)
		e.drain(f, d, ts)
		return
	}
	size := len(s.data)
	for !e.room(h, size) && len(h.segs) > 0 {
		e.skipGap(f, d, ts) // free the buffer: give up waiting for the hole
		if seqDiff(s.seq, h.next) <= 0 {
			e.deliver(f, d, s, ts)
			e.drain(f, d, ts)
			return
		}
	}
	if !e.room(h, size) {
		e.stats.ReassemblyDrops++
		return
	}
	s.data = slices.Clone(s.data)
	i, _ := slices.BinarySearchFunc(h.segs, s.seq, func(x segment, seq uint32) int {
		return int(seqDiff(x.seq, h.next) - seqDiff(seq, h.next))
	})
	h.segs = slices.Insert(h.segs, i, s)
	h.buffered += size
	e.buffered += size
}

func (e *engine) room(h *halfStream, size int) bool {
	return len(h.segs) < e.opts.MaxSegments &&
		h.buffered+size <= e.opts.MaxFlowBuffer &&
		e.buffered+size <= e.opts.MaxTotalBuffer
}

// deliver hands the part of s at or after h.next to the analyzer.
func (e *engine) deliver(f *flow, d int, s segment, ts time.Time) {
	h := &f.tcp.half[d]
	behind := -seqDiff(s.seq, h.next)
	end := int64(len(s.data) + s.missing)
	if behind >= end {
		return // retransmission of delivered bytes
	}
	if behind < int64(len(s.data)) {
		data := s.data[behind:]
		h.next += uint32(len(data))
		e.appData(f, d, data, ts)
		behind = 0
	} else {
		behind -= int64(len(s.data))
	}
	if lost := int64(s.missing) - behind; lost > 0 {
		h.next += uint32(lost)
		e.appGap(f, d)
	}
}

// drain delivers buffered segments that have become next in sequence.
func (e *engine) drain(f *flow, d int, ts time.Time) {
	h := &f.tcp.half[d]
	for len(h.segs) > 0 && seqDiff(h.segs[0].seq, h.next) <= 0 {
		s := h.segs[0]
		h.segs = h.segs[1:]
		h.buffered -= len(s.data)
		e.buffered -= len(s.data)
		e.deliver(f, d, s, ts)
	}
	if len(h.segs) == 0 {
		h.segs = nil
	}
}

// skipGap gives up on the bytes before the first buffered segment.
func (e *engine) skipGap(f *flow, d int, ts time.Time) {
	h := &f.tcp.half[d]
	if len(h.segs) == 0 {
		return
	}
	e.stats.ReassemblyDrops++
	h.next = h.segs[0].seq
	e.appGap(f, d)
	e.drain(f, d, ts)
}

// flushTCP delivers what is buffered at the end of a flow, skipping gaps.
func (e *engine) flushTCP(f *flow) {
	for d := range f.tcp.half {
		for len(f.tcp.half[d].segs) > 0 {
			e.skipGap(f, d, f.last)
		}
	}
}
