package pcap

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// IP fragment reassembly (IPv4, RFC 791 and RFC 815; IPv6, RFC 8200
// section 4.5), in bounded memory and keyed on capture time.
//
// Overlapping fragments are resolved "first wins": bytes already held are
// kept and the overlapping part of a later fragment is discarded (RFC 5722
// has IPv6 receivers drop such datagrams; an IDS that did the same would be
// blind to what a permissive host accepts, so the datagram is kept and the
// overlap is counted and reported on the flow as an evasion signal).

// maxDatagram is the largest reassembled payload an IP header can
// describe.
const maxDatagram = 65535

// pieceOverhead is what one held piece costs beyond its bytes (the piece
// and its share of the slice), counted against MaxFragBuffer so that
// floods of tiny fragments are bounded too.
const pieceOverhead = 48

// fragKey identifies a datagram in reassembly: source, destination,
// identification and, for IPv4, the protocol (RFC 791). IPv6 keys leave
// proto 0: the fragment at offset 0 names the upper layer.
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

// fragment is one fragment as decoded from its IP header.
type fragment struct {
	key   fragKey
	off   int   // byte offset in the datagram
	more  bool  // more fragments follow
	proto uint8 // upper-layer protocol
	hdr   int   // IP header bytes in front of the datagram, for its size limit
	data  []byte
}

func (fr *fragment) end() int { return fr.off + len(fr.data) }

// datagram is a datagram in reassembly: disjoint pieces sorted by offset.
type datagram struct {
	first  time.Time // capture time of its first fragment
	pieces []piece
	have   int // payload bytes held
	held   int // have plus overhead, as counted against MaxFragBuffer
	frags  int // fragments taken in
	size   int // total length, once the last fragment arrived; else -1
	proto  uint8
	info   fragInfo
}

type piece struct {
	off  int
	data []byte
}

func (p piece) end() int { return p.off + len(p.data) }

// fragInfo is what a reassembled datagram tells its flow.
type fragInfo struct {
	reassembled bool
	overlap     bool // fragments overlapped
	conflict    bool // overlapping fragments disagreed on some bytes
	tiny        bool // the first fragment cannot hold the TCP/UDP header
}

// fragCounts accumulates fragInfo over a flow.
type fragCounts struct {
	datagrams, overlaps, conflicts, tiny int64
}

func (c *fragCounts) add(fi fragInfo) {
	if !fi.reassembled {
		return
	}
	c.datagrams++
	if fi.overlap {
		c.overlaps++
	}
	if fi.conflict {
		c.conflicts++
	}
	if fi.tiny {
		c.tiny++
	}
}

// defragmenter holds the datagrams in reassembly.
type defragmenter struct {
	dgrams    map[fragKey]*datagram
	held      int       // bytes held over all datagrams (with overhead)
	out       []byte    // the last reassembled datagram, reused
	lastSweep time.Time // capture time of the last expiry sweep
}

// minUpper is the smallest first fragment that holds the header of the
// upper-layer protocol; 0 when unknown.
func minUpper(proto uint8) int {
	switch proto {
	case 6:
		return 20
	case 17:
		return 8
	}
	return 0
}

// defrag takes in one fragment. When it completes its datagram, defrag
// returns the datagram's payload (valid until the next call), its
// upper-layer protocol and ok true.
func (e *engine) defrag(fr fragment) (data []byte, proto uint8, info fragInfo, ok bool) {
	e.stats.Fragments++
	if !e.validFragment(&fr) {
		e.stats.FragmentDrops++
		return nil, 0, fragInfo{}, false
	}
	if fr.off == 0 && !fr.more { // an IPv6 atomic fragment (RFC 6946)
		return fr.data, fr.proto, fragInfo{}, true
	}
	dg := e.datagramOf(fr.key)
	if dg == nil {
		e.stats.FragmentDrops++
		return nil, 0, fragInfo{}, false
	}
	if !e.addFragment(fr.key, dg, &fr) {
		return nil, 0, fragInfo{}, false
	}
	if dg.size < 0 || dg.have != dg.size {
		return nil, 0, fragInfo{}, false
	}
	e.stats.Reassembled++
	dg.info.reassembled = true
	return e.assemble(fr.key, dg), dg.proto, dg.info, true
}

// validFragment checks one fragment on its own: non-final fragments carry
// a multiple of 8 bytes, none ends past the largest datagram.
func (e *engine) validFragment(fr *fragment) bool {
	if fr.more && (len(fr.data) == 0 || len(fr.data)%8 != 0) {
		return false
	}
	return fr.hdr+fr.end() <= min(maxDatagram, e.opts.MaxDatagramSize)
}

// datagramOf finds or starts fr's datagram; nil when the table is full.
func (e *engine) datagramOf(k fragKey) *datagram {
	df := &e.frag
	if dg := df.dgrams[k]; dg != nil {
		if e.now.Sub(dg.first) <= e.opts.FragTimeout {
			return dg
		}
		e.dropDatagram(k, dg) // expired: this fragment starts afresh
	}
	if len(df.dgrams) >= e.opts.MaxFragDatagrams {
		e.expireFragments(e.now)
	}
	if len(df.dgrams) >= e.opts.MaxFragDatagrams {
		return nil
	}
	if df.dgrams == nil {
		df.dgrams = map[fragKey]*datagram{}
	}
	dg := &datagram{first: e.now, size: -1}
	df.dgrams[k] = dg
	return dg
}

// addFragment merges fr into dg, first wins. It returns false when the
// fragment or the whole datagram was dropped.
func (e *engine) addFragment(k fragKey, dg *datagram, fr *fragment) bool {
	if !fr.more {
		if (dg.size >= 0 && dg.size != fr.end()) || (len(dg.pieces) > 0 && dg.pieces[len(dg.pieces)-1].end() > fr.end()) {
			e.dropDatagram(k, dg) // two different ends: inconsistent, as Linux does
			e.stats.FragmentDrops++
			return false
		}
		dg.size = fr.end()
	} else if dg.size >= 0 && fr.end() > dg.size {
		e.dropDatagram(k, dg)
		e.stats.FragmentDrops++
		return false
	}
	if fr.off == 0 {
		dg.proto = fr.proto
		if n := minUpper(fr.proto); n > 0 && len(fr.data) < n && fr.more {
			dg.info.tiny = true
			e.stats.FragmentTiny++
		}
	}
	if fr.key.proto != 0 { // IPv4: the protocol is part of the key
		dg.proto = fr.key.proto
	}
	gaps, overlap, conflict := uncovered(dg.pieces, fr.off, fr.data)
	if overlap {
		if !dg.info.overlap {
			e.stats.FragmentOverlaps++
		}
		dg.info.overlap = true
		dg.info.conflict = dg.info.conflict || conflict
	}
	if !e.fragRoom(dg, gaps) {
		e.dropDatagram(k, dg)
		e.stats.FragmentDrops++
		return false
	}
	dg.frags++
	for _, g := range gaps {
		g.data = bytes.Clone(g.data)
		i, _ := slices.BinarySearchFunc(dg.pieces, g.off, func(p piece, off int) int { return p.off - off })
		dg.pieces = slices.Insert(dg.pieces, i, g)
		dg.have += len(g.data)
		dg.held += len(g.data) + pieceOverhead
		e.frag.held += len(g.data) + pieceOverhead
	}
	return true
}

// fragRoom says whether the new pieces fit the per-datagram and total
// limits.
func (e *engine) fragRoom(dg *datagram, gaps []piece) bool {
	add := 0
	for _, g := range gaps {
		add += len(g.data) + pieceOverhead
	}
	return len(dg.pieces)+len(gaps) <= e.opts.MaxFragments &&
		e.frag.held+add <= e.opts.MaxFragBuffer
}

// uncovered returns the parts of [off, off+len(data)) no piece holds yet,
// whether any part was already held, and whether a held part differs
// from data. The returned pieces alias data.
func uncovered(pieces []piece, off int, data []byte) (gaps []piece, overlap, conflict bool) {
	at, end := off, off+len(data)
	for _, p := range pieces {
		if p.end() <= at {
			continue
		}
		if p.off >= end {
			break
		}
		if p.off > at {
			gaps = append(gaps, piece{off: at, data: data[at-off : p.off-off]})
		}
		lo, hi := max(at, p.off), min(end, p.end())
		overlap = true
		if !bytes.Equal(p.data[lo-p.off:hi-p.off], data[lo-off:hi-off]) {
			conflict = true
		}
		at = hi
	}
	if at < end {
		gaps = append(gaps, piece{off: at, data: data[at-off:]})
	}
	return gaps, overlap, conflict
}

// assemble copies the complete datagram into the reused buffer and
// forgets it.
func (e *engine) assemble(k fragKey, dg *datagram) []byte {
	df := &e.frag
	out := slices.Grow(df.out[:0], dg.size)[:dg.size]
	for _, p := range dg.pieces {
		copy(out[p.off:], p.data)
	}
	df.out = out
	df.held -= dg.held
	delete(df.dgrams, k)
	return out
}

// dropDatagram forgets an incomplete datagram, counting its fragments.
func (e *engine) dropDatagram(k fragKey, dg *datagram) {
	e.stats.FragmentDrops += int64(dg.frags)
	e.frag.held -= dg.held
	delete(e.frag.dgrams, k)
}

// expireFragments drops datagrams whose first fragment is older than
// FragTimeout.
func (e *engine) expireFragments(now time.Time) {
	df := &e.frag
	df.lastSweep = now
	for k, dg := range df.dgrams {
		if now.Sub(dg.first) > e.opts.FragTimeout {
			e.dropDatagram(k, dg)
		}
	}
}

// tickFragments expires old datagrams every quarter FragTimeout of
// capture time.
func (e *engine) tickFragments() {
	df := &e.frag
	if len(df.dgrams) > 0 && e.now.Sub(df.lastSweep) >= e.opts.FragTimeout/4 {
		e.expireFragments(e.now)
	}
}

// finishFragments drops what is still in reassembly at the end.
func (e *engine) finishFragments() {
	for k, dg := range e.frag.dgrams {
		e.dropDatagram(k, dg)
	}
}

// fields reports fragmentation on a flow's event, only when there was
// some: "ip.fragments" datagrams were reassembled, of which
// "ip.fragment_overlap" had overlapping fragments ("ip.fragment_conflict"
// with different bytes in the overlap) and "ip.fragment_tiny" a first
// fragment too short for the TCP/UDP header.
func (c *fragCounts) fields(m map[string]string) {
	for _, f := range []struct {
		name string
		n    int64
	}{
		{"ip.fragments", c.datagrams},
		{"ip.fragment_overlap", c.overlaps},
		{"ip.fragment_conflict", c.conflicts},
		{"ip.fragment_tiny", c.tiny},
	} {
		if f.n > 0 {
			m[f.name] = strconv.FormatInt(f.n, 10)
		}
	}
}
