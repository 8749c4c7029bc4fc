// Package pcap turns packet captures into detect.Events: it reads pcap and
// pcapng files (gopacket/pcapgo) or captures live on Linux without libpcap
// (AF_PACKET through gopacket/afpacket), decodes Ethernet, 802.1Q,
// IPv4/IPv6, TCP and UDP, reassembles TCP streams in bounded memory, and
// hands the streams of DICOM, HL7/MLLP and SMB connections to their
// analyzers (detect/proto/...). IPv4 and IPv6 fragments are reassembled
// and IPv6 extension headers skipped before TCP and UDP, so that splitting
// a datagram does not hide it from the analyzers. Every flow ends in one
// network_activity event.
//
// All limits (flows, buffered bytes per flow and in total, PDU and message
// sizes) are hard: over a limit data is dropped and counted in Stats, memory
// never grows with the input. Payloads never reach events or logs.
package pcap

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/proto/dicomul"
	"github.com/airtight/airtight/detect/proto/mllp"
	"github.com/airtight/airtight/detect/proto/smb"
)

// Options configure decoding and reassembly. Zero values take the defaults
// of DefaultOptions.
type Options struct {
	Logger *slog.Logger
	// MaxFlows bounds the flows tracked at once; packets of new flows over
	// it are counted in Stats.FlowsDropped and otherwise ignored.
	MaxFlows int
	// MaxFlowBuffer bounds the out-of-order bytes buffered per TCP
	// direction; MaxTotalBuffer bounds them over all flows. Over a limit
	// the reassembler skips the missing bytes (a gap) or drops the
	// segment, and counts it in Stats.ReassemblyDrops.
	MaxFlowBuffer  int
	MaxTotalBuffer int
	// MaxSegments bounds the out-of-order segments held per TCP direction.
	MaxSegments int
	// IdleTimeout ends flows without packets for this long (capture time).
	IdleTimeout time.Duration
	// NoAnalyzers turns off the application analyzers: only flows are
	// emitted (App still set by port).
	NoAnalyzers bool
	// MaxFragDatagrams bounds the IP datagrams in reassembly at once;
	// fragments of new datagrams over it are dropped and counted in
	// Stats.FragmentDrops.
	MaxFragDatagrams int
	// MaxFragments bounds the disjoint pieces held per datagram.
	MaxFragments int
	// MaxFragBuffer bounds the fragment bytes held over all datagrams
	// (with a fixed overhead per piece); MaxDatagramSize bounds one
	// reassembled datagram (at most 65,535, the IP limit). A datagram over
	// a limit is dropped and its fragments counted in Stats.FragmentDrops.
	MaxFragBuffer   int
	MaxDatagramSize int
	// FragTimeout drops a partial datagram this long after its first
	// fragment (capture time).
	FragTimeout time.Duration
	DICOM       dicomul.Limits
	MLLP        mllp.Limits
	SMB         smb.Limits
}

// DefaultOptions: 65,536 flows, 256 KiB buffered per direction, 64 MiB in
// total, 512 segments per direction, 2 minutes idle timeout; 4,096 IP
// datagrams in reassembly, 256 pieces each, 16 MiB in total, 30 seconds
// (Linux's ipfrag_time).
func DefaultOptions() Options {
	return Options{
		MaxFlows:       1 << 16,
		MaxFlowBuffer:  256 << 10,
		MaxTotalBuffer: 64 << 20,
		MaxSegments:    512,
		IdleTimeout:    2 * time.Minute,

		MaxFragDatagrams: 4096,
		MaxFragments:     256,
		MaxFragBuffer:    16 << 20,
		MaxDatagramSize:  maxDatagram,
		FragTimeout:      30 * time.Second,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxFlows <= 0 {
		o.MaxFlows = d.MaxFlows
	}
	if o.MaxFlowBuffer <= 0 {
		o.MaxFlowBuffer = d.MaxFlowBuffer
	}
	if o.MaxTotalBuffer <= 0 {
		o.MaxTotalBuffer = d.MaxTotalBuffer
	}
	if o.MaxSegments <= 0 {
		o.MaxSegments = d.MaxSegments
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = d.IdleTimeout
	}
	o.withFragDefaults(d)
	return o
}

// Stats count what a Read or Capture saw.
type Stats struct {
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"` // on-the-wire length of all packets
	// Flows counts flows tracked (TCP connections, UDP and other IP
	// conversations).
	Flows int64 `json:"flows"`
	// DecodeErrors counts packets whose headers did not decode.
	DecodeErrors int64 `json:"decode_errors"`
	// Truncated counts packets shorter than on the wire (snap length) or
	// than their IP header says.
	Truncated int64 `json:"truncated"`
	// ReassemblyDrops counts TCP segments dropped and gaps skipped because
	// of buffer limits, lost packets or truncation.
	ReassemblyDrops int64 `json:"reassembly_drops"`
	// FlowsDropped counts packets of new flows refused at MaxFlows.
	FlowsDropped int64 `json:"flows_dropped"`
	// Unsupported counts packets that are not IP (ARP, LLDP...) and IPv6
	// packets with more than 8 extension headers. (ESP and other upper
	// layers are tracked as flows without ports.)
	Unsupported int64 `json:"unsupported"`
	// Fragments counts IPv4 and IPv6 fragments; Reassembled the datagrams
	// completed from them. FragmentDrops counts fragments discarded:
	// malformed, inconsistent, over a limit, timed out or incomplete at
	// the end.
	Fragments     int64 `json:"fragments"`
	Reassembled   int64 `json:"reassembled"`
	FragmentDrops int64 `json:"fragment_drops"`
	// FragmentOverlaps counts datagrams whose fragments overlapped, and
	// FragmentTiny first fragments too short for the TCP/UDP header: both
	// are classic IDS evasion and also reported on the flow's event
	// (Fields "ip.fragment_overlap", "ip.fragment_tiny").
	FragmentOverlaps int64 `json:"fragment_overlaps"`
	FragmentTiny     int64 `json:"fragment_tiny"`
	// AppErrors counts malformed application PDUs and messages.
	AppErrors int64 `json:"app_errors"`
	Events    int64 `json:"events"`
}

// pcapngMagic is the block type of a pcapng section header block.
var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// packetSource is what Read needs from pcapgo's readers.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// Read decodes a pcap or pcapng stream, emits events to sink, and returns
// the counts. It stops at the end of r, at ctx's end, or at a broken file
// record (returning what it decoded with the error); open flows are ended
// and emitted before it returns.
func Read(ctx context.Context, r io.Reader, sink detect.Sink, opts Options) (Stats, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	src, linkOf, err := openSource(br)
	if err != nil {
		return Stats{}, err
	}
	e := newEngine(sink, opts)
	defer e.finish("eof")
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			e.finish("eof")
			return e.stats, ctx.Err()
		}
		data, ci, err := src.ZeroCopyReadPacketData()
		if errors.Is(err, io.EOF) {
			e.finish("eof")
			return e.stats, nil
		}
		if err != nil {
			e.finish("eof")
			return e.stats, fmt.Errorf("pcap: reading packet %d: %w", e.stats.Packets+1, err)
		}
		e.packet(data, ci, linkOf(ci))
	}
}

// openSource picks the pcapng or pcap reader by the file's magic number.
func openSource(br *bufio.Reader) (packetSource, func(gopacket.CaptureInfo) layers.LinkType, error) {
	magic, err := br.Peek(4)
	if err != nil {
		return nil, nil, fmt.Errorf("pcap: reading file header: %w", err)
	}
	if bytes.Equal(magic, pcapngMagic) {
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, nil, fmt.Errorf("pcap: pcapng section header: %w", err)
		}
		def := ng.LinkType()
		return ng, func(ci gopacket.CaptureInfo) layers.LinkType {
			if len(ci.AncillaryData) > 0 {
				if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
					return lt
				}
			}
			return def
		}, nil
	}
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return nil, nil, fmt.Errorf("pcap: file header: %w", err)
	}
	lt := pr.LinkType()
	return pr, func(gopacket.CaptureInfo) layers.LinkType { return lt }, nil
}

func (o *Options) withFragDefaults(d Options) {
	if o.MaxFragDatagrams <= 0 {
		o.MaxFragDatagrams = d.MaxFragDatagrams
	}
	if o.MaxFragments <= 0 {
		o.MaxFragments = d.MaxFragments
	}
	if o.MaxFragBuffer <= 0 {
		o.MaxFragBuffer = d.MaxFragBuffer
	}
	if o.MaxDatagramSize <= 0 || o.MaxDatagramSize > maxDatagram {
		o.MaxDatagramSize = d.MaxDatagramSize
	}
	if o.FragTimeout <= 0 {
		o.FragTimeout = d.FragTimeout
	}
}
