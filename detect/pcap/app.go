package pcap

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/airtight/airtight/detect/proto/dicomul"
	"github.com/airtight/airtight/detect/proto/mllp"
	"github.com/airtight/airtight/detect/proto/smb"
)

// analyzer parses the reassembled byte streams of one TCP connection.
type analyzer interface {
	Feed(toServer bool, b []byte, ts time.Time) error
	Gap(toServer bool)
	Close(ts time.Time)
}

// appState identifies a flow's application and runs its analyzer.
type appState struct {
	name     string // by port at first, by content once decided
	decided  bool
	pending  []chunk // stream bytes held until the content is identified
	held     int
	analyzer analyzer
	failed   [2]bool // the analyzer reported an error in this direction
}

type chunk struct {
	dir  int
	data []byte
	ts   time.Time
}

// identifyBytes is how many stream bytes are held to identify content.
const identifyBytes = 96

var tcpPorts = map[uint16]string{
	21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "dns", 80: "http",
	88: "kerberos", 104: "dicom", 110: "pop3", 135: "dce-rpc", 139: "smb",
	143: "imap", 389: "ldap", 443: "tls", 445: "smb", 502: "modbus",
	514: "syslog", 601: "syslog", 636: "ldaps", 1433: "mssql", 2575: "hl7",
	2761: "dicom-tls", 2762: "dicom-tls", 3306: "mysql", 3389: "rdp",
	5432: "postgresql", 5900: "vnc", 6514: "syslog-tls", 8080: "http",
	11112: "dicom",
}

var udpPorts = map[uint16]string{
	53: "dns", 67: "dhcp", 68: "dhcp", 69: "tftp", 123: "ntp", 137: "netbios-ns",
	138: "netbios-dgm", 161: "snmp", 162: "snmp", 514: "syslog", 1900: "ssdp",
	2055: "netflow", 4739: "ipfix", 5353: "mdns", 6343: "sflow",
}

// portApp names the application of a server port (or, when the server
// port is unknown, the client port).
func portApp(proto uint8, server, client uint16) string {
	var m map[uint16]string
	switch layers.IPProtocol(proto) {
	case layers.IPProtocolTCP:
		m = tcpPorts
	case layers.IPProtocolUDP:
		m = udpPorts
	default:
		return ""
	}
	if a, ok := m[server]; ok {
		return a
	}
	return m[client]
}

// sniff identifies an application from the first bytes a side sent.
// more is true when b is too short to tell.
func sniff(b []byte) (app string, more bool) {
	switch {
	case len(b) == 0:
		return "", true
	case b[0] == 0x0b:
		if len(b) < 4 {
			return "", true
		}
		if string(b[1:4]) == "MSH" {
			return "hl7", false
		}
	case b[0] == dicomul.TypeAssociateRQ:
		return sniffDICOM(b)
	case b[0] == 0x00:
		if len(b) < 8 {
			return "", true
		}
		if smb.IsSMB(b[4:8]) {
			return "smb", false
		}
	case bytes.HasPrefix(b, []byte("SSH-")):
		return "ssh", false
	}
	return "", false
}

// sniffDICOM recognises an A-ASSOCIATE-RQ: PDU type 1, protocol version 1,
// printable AE titles and the application context item first.
func sniffDICOM(b []byte) (string, bool) {
	const appCtxAt = 6 + 68
	if len(b) <= appCtxAt {
		return "", true
	}
	n := binary.BigEndian.Uint32(b[2:6])
	if b[1] != 0 || n < 68 || n > 1<<16 || binary.BigEndian.Uint16(b[6:8]) != 1 || b[appCtxAt] != 0x10 {
		return "", false
	}
	for _, c := range b[10:42] {
		if c < 0x20 || c > 0x7e {
			return "", false
		}
	}
	return "dicom", false
}

// appData passes in-order stream bytes towards the analyzer.
func (e *engine) appData(f *flow, d int, data []byte, ts time.Time) {
	a := &f.app
	if len(data) == 0 || e.opts.NoAnalyzers {
		return
	}
	if !a.decided {
		a.pending = append(a.pending, chunk{dir: d, data: bytes.Clone(data), ts: ts})
		a.held += len(data)
		app, more := sniff(e.firstBytes(a))
		if more && a.held < identifyBytes {
			return
		}
		e.decide(f, app)
		return
	}
	e.feed(f, d, data, ts)
}

// firstBytes is what the first side to send has sent so far.
func (e *engine) firstBytes(a *appState) []byte {
	if len(a.pending) == 1 {
		return a.pending[0].data
	}
	var b []byte
	for _, c := range a.pending {
		if c.dir == a.pending[0].dir {
			b = append(b, c.data...)
		}
	}
	return b
}

// decide settles the application (content beats port), starts its
// analyzer and replays the held bytes.
func (e *engine) decide(f *flow, byContent string) {
	a := &f.app
	a.decided = true
	if byContent != "" {
		a.name = byContent
	}
	a.analyzer = e.newAnalyzer(f)
	pending := a.pending
	a.pending, a.held = nil, 0
	for _, c := range pending {
		e.feed(f, c.dir, c.data, c.ts)
	}
}

func (e *engine) newAnalyzer(f *flow) analyzer {
	base := e.baseEvent(f)
	switch f.app.name {
	case "dicom":
		return dicomul.NewConn(base, e.sink, e.opts.DICOM)
	case "hl7":
		return mllp.NewConn(base, e.sink, e.opts.MLLP)
	case "smb":
		return smb.NewConn(base, e.sink, e.opts.SMB)
	}
	return nil
}

func (e *engine) feed(f *flow, d int, data []byte, ts time.Time) {
	a := &f.app
	if a.analyzer == nil || a.failed[d] {
		return
	}
	if err := a.analyzer.Feed(d == 0, data, ts); err != nil {
		a.failed[d] = true
		e.stats.AppErrors++
		e.opts.Logger.Debug("pcap: application data did not parse", "app", a.name,
			"client", f.client.String(), "server", f.server.String(), "err", err)
	}
}

// appGap tells the analyzer that bytes of one direction were lost.
func (e *engine) appGap(f *flow, d int) {
	a := &f.app
	if !a.decided {
		e.decide(f, "")
	}
	if a.analyzer != nil {
		a.analyzer.Gap(d == 0)
	}
}

func (e *engine) closeApp(f *flow) {
	a := &f.app
	if !a.decided && len(a.pending) > 0 {
		app, _ := sniff(e.firstBytes(a))
		e.decide(f, app)
	}
	if a.analyzer != nil {
		a.analyzer.Close(f.last)
		a.analyzer = nil
	}
}
