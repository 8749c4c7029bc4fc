// Package netflow turns NetFlow v5, NetFlow v9 and IPFIX export packets
// into detect.Events, one network_activity event per flow record, using
// goflow2's decoders (github.com/netsampler/goflow2/v2/decoders). Templates
// are kept per exporter and observation domain in bounded caches; a
// bounded number of exporters is remembered, the least recently heard
// forgotten first. It also serves a UDP collector.
package netflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/netsampler/goflow2/v2/decoders/netflow"
	"github.com/netsampler/goflow2/v2/decoders/netflowlegacy"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// Source is the Event.Source of every event from this package.
const Source = "netflow"

// Defaults for Options.
const (
	DefaultMaxExporters = 1024
	DefaultMaxTemplates = 512 // per exporter, all observation domains together
	MaxPacket           = 65535
)

// Options bound a Decoder; zero values mean the defaults.
type Options struct {
	MaxExporters int
	MaxTemplates int
	// MaxFields bounds the source fields kept per event (default 512).
	MaxFields int
}

// Errors for packets that cannot be decoded.
var (
	ErrShort   = errors.New("packet too short")
	ErrVersion = errors.New("not NetFlow v5, v9 or IPFIX")
	ErrDecode  = errors.New("malformed packet")
)

// Decoder decodes export packets. It is safe for concurrent use; packets
// are decoded one at a time.
type Decoder struct {
	mu           sync.Mutex
	maxExporters int
	maxTemplates int
	maxFields    int
	exporters    map[string]*exporter
	clock        int64 // packets decoded, the recency of exporters
	names        map[uint32]string
	stats        DecoderStats
}

type exporter struct {
	templates *templateCache
	lastSeen  int64
}

// DecoderStats counts what a decoder did.
type DecoderStats struct {
	Packets          int64 // packets decoded (good or bad)
	Flows            int64 // flow records turned into events
	Bad              int64 // packets that failed to decode (in part or whole)
	MissingTemplate  int64 // data sets skipped for want of their template
	OptionRecords    int64 // options data records (exporter metadata), not flows
	RefusedTemplates int64 // templates refused as describing empty records
	Exporters        int   // exporters with templates now
}

// NewDecoder returns a decoder with empty template caches.
func NewDecoder(o Options) *Decoder {
	d := &Decoder{
		maxExporters: o.MaxExporters, maxTemplates: o.MaxTemplates, maxFields: o.MaxFields,
		exporters: map[string]*exporter{}, names: map[uint32]string{},
	}
	if d.maxExporters <= 0 {
		d.maxExporters = DefaultMaxExporters
	}
	if d.maxTemplates <= 0 {
		d.maxTemplates = DefaultMaxTemplates
	}
	if d.maxFields <= 0 {
		d.maxFields = feed.DefaultMaxFields
	}
	return d
}

// Stats returns the decoder's counters so far.
func (d *Decoder) Stats() DecoderStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.stats
	st.Exporters = len(d.exporters)
	for _, x := range d.exporters {
		st.RefusedTemplates += x.templates.refused
	}
	return st
}

// Decode decodes one export packet from the named exporter (its address)
// and hands one event per flow record to sink. It returns the number of
// flows. Data sets whose template has not been seen yet are skipped and
// counted, not an error; a malformed packet is an error, after the flows
// decoded before the damage.
func (d *Decoder) Decode(exporterAddr string, pkt []byte, sink detect.Sink) (int, error) {
	if len(pkt) < 4 {
		return 0, ErrShort
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stats.Packets++
	var (
		n   int
		err error
	)
	switch v := binary.BigEndian.Uint16(pkt); v {
	case 5:
		n, err = d.decodeV5(exporterAddr, pkt, sink)
	case 9, 10:
		n, err = d.decodeTemplated(exporterAddr, pkt, sink)
	default:
		err = fmt.Errorf("%w (version %d)", ErrVersion, v)
	}
	d.stats.Flows += int64(n)
	if err != nil {
		d.stats.Bad++
	}
	return n, err
}

func (d *Decoder) decodeV5(exporterAddr string, pkt []byte, sink detect.Sink) (int, error) {
	const header, record = 24, 48
	if len(pkt) < header {
		return 0, fmt.Errorf("%w: v5 header", ErrShort)
	}
	count := int(binary.BigEndian.Uint16(pkt[2:]))
	if len(pkt) < header+count*record {
		return 0, fmt.Errorf("%w: v5 header counts %d records, packet holds %d", ErrDecode, count, (len(pkt)-header)/record)
	}
	var p netflowlegacy.PacketNetFlowV5
	if err := netflowlegacy.DecodeMessageVersion(bytes.NewBuffer(pkt), &p); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	for i := range p.Records {
		sink.Event(v5Event(exporterAddr, &p, &p.Records[i]))
	}
	return len(p.Records), nil
}

func (d *Decoder) decodeTemplated(exporterAddr string, pkt []byte, sink detect.Sink) (int, error) {
	x := d.exporter(exporterAddr)
	var (
		v9    netflow.NFv9Packet
		ipfix netflow.IPFIXPacket
	)
	err := netflow.DecodeMessageVersion(bytes.NewBuffer(pkt), x.templates, &v9, &ipfix)
	h := header{exporter: exporterAddr}
	sets := v9.FlowSets
	if v9.Version == 9 {
		h.version, h.domain, h.unixSecs, h.uptime = 9, v9.SourceId, v9.UnixSeconds, v9.SystemUptime
	} else {
		h.version, h.domain, h.unixSecs = 10, ipfix.ObservationDomainId, ipfix.ExportTime
		sets = ipfix.FlowSets
	}
	n := 0
	for _, set := range sets {
		n += d.flowSet(&h, set, sink)
	}
	if err != nil && !onlyMissingTemplates(err) {
		return n, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	return n, nil
}

// onlyMissingTemplates reports whether err says nothing worse than that
// some data sets had no template yet.
func onlyMissingTemplates(err error) bool {
	var fe *netflow.FlowError
	for _, e := range unjoin(err) {
		if !errors.As(e, &fe) || !errors.Is(e, netflow.ErrorTemplateNotFound) {
			return false
		}
	}
	return true
}

// unjoin flattens errors.Join trees below goflow2's DecoderError wrappers.
func unjoin(err error) []error {
	for {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			var out []error
			for _, e := range j.Unwrap() {
				out = append(out, unjoin(e)...)
			}
			return out
		}
		var de *netflow.DecoderError
		if errors.As(err, &de) && de.Err != nil && de.Err != err {
			err = de.Err
			continue
		}
		return []error{err}
	}
}

func (d *Decoder) flowSet(h *header, set any, sink detect.Sink) int {
	switch s := set.(type) {
	case netflow.DataFlowSet:
		for _, rec := range s.Records {
			sink.Event(d.templatedEvent(h, rec.Values))
		}
		return len(s.Records)
	case netflow.OptionsDataFlowSet:
		d.stats.OptionRecords += int64(len(s.Records))
	case netflow.RawFlowSet:
		d.stats.MissingTemplate++
	}
	return 0
}

// exporter returns the template state of an exporter, forgetting the least
// recently heard one when there are too many.
func (d *Decoder) exporter(addr string) *exporter {
	d.clock++
	x, ok := d.exporters[addr]
	if !ok {
		if len(d.exporters) >= d.maxExporters {
			d.evictOldest()
		}
		x = &exporter{templates: newTemplateCache(d.maxTemplates)}
		d.exporters[addr] = x
	}
	x.lastSeen = d.clock
	return x
}

func (d *Decoder) evictOldest() {
	var oldest string
	var seen int64 = -1
	for addr, x := range d.exporters {
		if seen < 0 || x.lastSeen < seen {
			oldest, seen = addr, x.lastSeen
		}
	}
	d.stats.RefusedTemplates += d.exporters[oldest].templates.refused
	delete(d.exporters, oldest)
}
