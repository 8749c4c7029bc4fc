package netflow

import (
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/netsampler/goflow2/v2/decoders/netflow"
	"github.com/netsampler/goflow2/v2/decoders/netflowlegacy"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// header is what a v9 or IPFIX packet header tells about its records.
type header struct {
	exporter string
	version  uint16
	domain   uint32
	unixSecs uint32 // export time
	uptime   uint32 // v9: exporter uptime in ms at export
}

// exportTime is the packet's export time.
func (h *header) exportTime() time.Time { return time.Unix(int64(h.unixSecs), 0).UTC() }

// sinceBoot turns a v9 sysUpTime stamp (ms) into wall time.
func (h *header) sinceBoot(ms uint64) time.Time {
	return beforeExport(h.exportTime(), h.uptime, uint32(ms))
}

// beforeExport places a sysUpTime stamp relative to the export time. The
// difference is taken modulo 2^32, as the exporter's counter wraps (a flow
// that began just before a wrap, or at "-1", is a moment before export).
func beforeExport(export time.Time, uptime, stamp uint32) time.Time {
	return export.Add(-time.Duration(uptime-stamp) * time.Millisecond)
}

func newEvent(exporterAddr, product string) *detect.Event {
	return &detect.Event{
		Class:    detect.ClassNetworkActivity,
		Activity: "traffic",
		Source:   Source,
		Product:  product,
		Host:     exporterAddr,
		Fields:   map[string]string{"exporter": exporterAddr},
	}
}

func v5Event(exporterAddr string, p *netflowlegacy.PacketNetFlowV5, r *netflowlegacy.RecordsNetFlowV5) *detect.Event {
	e := newEvent(exporterAddr, "netflow:v5")
	export := time.Unix(int64(p.UnixSecs), int64(p.UnixNSecs)).UTC()
	boot := func(ms uint32) time.Time { return beforeExport(export, p.SysUptime, ms) }
	e.Time = boot(r.First)
	e.Src.IP, e.Src.Port = v4(uint32(r.SrcAddr)), r.SrcPort
	e.Dst.IP, e.Dst.Port = v4(uint32(r.DstAddr)), r.DstPort
	e.Protocol = feed.ProtocolName(int(r.Proto))
	e.BytesOut, e.Packets = int64(r.DOctets), int64(r.DPkts)
	f := e.Fields
	f["flow_start"] = e.Time.Format(time.RFC3339Nano)
	f["flow_end"] = boot(r.Last).Format(time.RFC3339Nano)
	f["next_hop"] = v4(uint32(r.NextHop)).String()
	f["input"] = strconv.Itoa(int(r.Input))
	f["output"] = strconv.Itoa(int(r.Output))
	f["tcp_flags"] = strconv.Itoa(int(r.TCPFlags))
	f["tos"] = strconv.Itoa(int(r.Tos))
	f["src_as"] = strconv.Itoa(int(r.SrcAS))
	f["dst_as"] = strconv.Itoa(int(r.DstAS))
	f["sampling_interval"] = strconv.Itoa(int(p.SamplingInterval & 0x3fff))
	return e
}

func v4(a uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], a)
	return netip.AddrFrom4(b)
}

// Information elements airtight reads (IPFIX numbers, shared with v9 for
// the first 127).
const (
	ieOctets, iePackets          = 1, 2
	ieProto                      = 4
	ieSrcPort, ieDstPort         = 7, 11
	ieSrcV4, ieDstV4             = 8, 12
	ieOutBytes, ieOutPkts        = 23, 24 // v9 OUT_BYTES/OUT_PKTS
	ieLast, ieFirst              = 21, 22 // sysUpTime ms
	ieSrcV6, ieDstV6             = 27, 28
	ieOctetTotal, iePacketTotal  = 85, 86
	ieStartSec, ieEndSec         = 150, 151
	ieStartMs, ieEndMs           = 152, 153
	ieStartUs, ieEndUs           = 154, 155 // NTP format in IPFIX; skipped
	ieStartDelta, ieEndDelta     = 158, 159 // µs before export
	ieInitOctets, ieRespOctets   = 231, 232 // Cisco ASA NSEL and others
	ieInitPackets, ieRespPackets = 298, 299
)

// flowTimes collects the start and end stamps a record carries.
type flowTimes struct{ start, end time.Time }

func (d *Decoder) templatedEvent(h *header, values []netflow.DataField) *detect.Event {
	product := "ipfix"
	if h.version == 9 {
		product = "netflow:v9"
	}
	e := newEvent(h.exporter, product)
	e.Fields["observation_domain"] = strconv.FormatUint(uint64(h.domain), 10)
	var ft flowTimes
	var total struct{ octets, packets int64 }
	for _, v := range values {
		b, ok := v.Value.([]byte)
		if !ok {
			continue
		}
		if v.PenProvided {
			d.setField(e, v, b)
			continue
		}
		d.apply(e, h, &ft, v.Type, b)
		switch v.Type {
		case ieOctetTotal:
			total.octets = int64(uintOf(b))
		case iePacketTotal:
			total.packets = int64(uintOf(b))
		}
		d.setField(e, v, b)
	}
	if e.BytesOut == 0 {
		e.BytesOut = total.octets
	}
	if e.Packets == 0 {
		e.Packets = total.packets
	}
	e.Time = ft.start
	if e.Time.IsZero() {
		e.Time = h.exportTime()
	}
	if !ft.start.IsZero() {
		e.Fields["flow_start"] = ft.start.Format(time.RFC3339Nano)
	}
	if !ft.end.IsZero() {
		e.Fields["flow_end"] = ft.end.Format(time.RFC3339Nano)
	}
	return e
}

// apply sets the event's own fields from one standard element.
func (d *Decoder) apply(e *detect.Event, h *header, ft *flowTimes, typ uint16, b []byte) {
	switch typ {
	case ieSrcV4, ieSrcV6:
		e.Src.IP = addr(b)
	case ieDstV4, ieDstV6:
		e.Dst.IP = addr(b)
	case ieSrcPort:
		e.Src.Port = uint16(uintOf(b))
	case ieDstPort:
		e.Dst.Port = uint16(uintOf(b))
	case ieProto:
		e.Protocol = feed.ProtocolName(int(uintOf(b)))
	case ieOctets, ieInitOctets:
		e.BytesOut += int64(uintOf(b))
	case iePackets, ieInitPackets:
		e.Packets += int64(uintOf(b))
	case ieRespOctets:
		e.BytesIn += int64(uintOf(b))
	case ieRespPackets:
		e.Packets += int64(uintOf(b))
	case ieOutBytes:
		if h.version == 9 {
			e.BytesIn += int64(uintOf(b))
		}
	default:
		flowTime(h, ft, typ, b)
	}
}

func flowTime(h *header, ft *flowTimes, typ uint16, b []byte) {
	n := uintOf(b)
	var t time.Time
	switch typ {
	case ieFirst, ieLast:
		if h.version == 9 {
			t = h.sinceBoot(n)
		}
	case ieStartSec, ieEndSec:
		t = time.Unix(int64(n), 0).UTC()
	case ieStartMs, ieEndMs:
		t = time.UnixMilli(int64(n)).UTC()
	case ieStartDelta, ieEndDelta:
		t = h.exportTime().Add(-time.Duration(n) * time.Microsecond)
	default:
		return
	}
	switch typ {
	case ieFirst, ieStartSec, ieStartMs, ieStartDelta:
		ft.start = t
	default:
		ft.end = t
	}
}

// setField keeps one element in Fields under its IANA (or v9) name, or
// "pen<PEN>.<id>" for an enterprise element, within the field limit.
func (d *Decoder) setField(e *detect.Event, v netflow.DataField, b []byte) {
	if len(e.Fields) >= d.maxFields {
		return
	}
	e.Fields[d.name(v)] = format(v, b)
}

func (d *Decoder) name(v netflow.DataField) string {
	k := uint32(v.Type)
	if v.PenProvided {
		return "pen" + strconv.FormatUint(uint64(v.Pen), 10) + "." + strconv.Itoa(int(v.Type))
	}
	if n, ok := d.names[k]; ok {
		return n
	}
	n := netflow.IPFIXTypeToString(v.Type)
	if n == "" || n == "Unassigned" || n == "Assigned for NetFlow v9 compatibility" {
		n = "ie" + strconv.Itoa(int(v.Type))
	}
	if len(d.names) < 4096 {
		d.names[k] = n
	}
	return n
}

// addressTypes are elements holding an IP address; macTypes a MAC.
var (
	addressTypes = map[uint16]bool{8: true, 12: true, 15: true, 18: true, 27: true, 28: true, 62: true, 63: true, 130: true, 131: true, 225: true, 226: true, 281: true, 282: true}
	macTypes     = map[uint16]bool{56: true, 57: true, 80: true, 81: true}
)

func format(v netflow.DataField, b []byte) string {
	switch {
	case !v.PenProvided && addressTypes[v.Type] && (len(b) == 4 || len(b) == 16):
		return addr(b).String()
	case !v.PenProvided && macTypes[v.Type] && len(b) == 6:
		return net.HardwareAddr(b).String()
	case len(b) <= 8:
		return strconv.FormatUint(uintOf(b), 10)
	case printable(b):
		return string(trimNUL(b))
	}
	return hex.EncodeToString(b)
}

func addr(b []byte) netip.Addr {
	a, ok := netip.AddrFromSlice(b)
	if !ok {
		return netip.Addr{}
	}
	return a.Unmap()
}

// uintOf reads a big-endian unsigned integer of up to 8 bytes (reduced-size
// encoding, RFC 7011 6.2); longer values read as 0.
func uintOf(b []byte) uint64 {
	if len(b) > 8 {
		return 0
	}
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

func printable(b []byte) bool {
	b = trimNUL(b)
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
