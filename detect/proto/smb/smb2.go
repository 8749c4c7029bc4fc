package smb

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/airtight/airtight/detect"
)

// SMB2 commands (MS-SMB2 2.2.1.2).
var smb2Names = []string{
	"NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT",
	"CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL",
	"ECHO", "QUERY_DIRECTORY", "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO",
	"OPLOCK_BREAK",
}

const (
	cmd2Negotiate    = 0
	cmd2SessionSetup = 1
	cmd2TreeConnect  = 3
	cmd2Create       = 5
	smb2HeaderLen    = 64
	smb2FlagResponse = 0x1
)

// Dialect names a dialect revision, e.g. 0x0311 → "3.1.1".
func Dialect(d uint16) string {
	switch d {
	case 0x0202:
		return "2.0.2"
	case 0x0210:
		return "2.1"
	case 0x0222:
		return "2.2.2"
	case 0x0224:
		return "2.2.4"
	case 0x02ff:
		return "2.???"
	case 0x0300:
		return "3.0"
	case 0x0302:
		return "3.0.2"
	case 0x0310:
		return "3.1.0"
	case 0x0311:
		return "3.1.1"
	}
	return fmt.Sprintf("0x%04x", d)
}

func dialectVersion(d uint16) int {
	if d >= 0x0300 && d != 0x02ff {
		return 3
	}
	return 2
}

// smb2Hdr is the part of an SMB2 header airtight reads.
type smb2Hdr struct {
	status   uint32
	command  uint16
	response bool
	next     uint32
	msgID    uint64
	treeID   uint32
}

func parseSMB2Header(m []byte) (smb2Hdr, error) {
	if len(m) < smb2HeaderLen {
		return smb2Hdr{}, fmt.Errorf("%w: SMB2 header of %d bytes", ErrMalformed, len(m))
	}
	if [4]byte(m[:4]) != protoSMB2 || binary.LittleEndian.Uint16(m[4:6]) != smb2HeaderLen {
		return smb2Hdr{}, fmt.Errorf("%w: SMB2 header has a bad protocol id or structure size", ErrMalformed)
	}
	return smb2Hdr{
		status:   binary.LittleEndian.Uint32(m[8:12]),
		command:  binary.LittleEndian.Uint16(m[12:14]),
		response: binary.LittleEndian.Uint32(m[16:20])&smb2FlagResponse != 0,
		next:     binary.LittleEndian.Uint32(m[20:24]),
		msgID:    binary.LittleEndian.Uint64(m[24:32]),
		treeID:   binary.LittleEndian.Uint32(m[36:40]),
	}, nil
}

func smb2Name(cmd uint16) string {
	if int(cmd) < len(smb2Names) {
		return smb2Names[cmd]
	}
	return fmt.Sprintf("SMB2-0x%04x", cmd)
}

// smb2 walks the commands of a (possibly compounded) SMB2 message.
func (c *Conn) smb2(m []byte, ts time.Time) error {
	for i := 0; ; i++ {
		if i >= c.lim.MaxCompound {
			return fmt.Errorf("%w: more than %d compounded SMB2 commands", ErrMalformed, c.lim.MaxCompound)
		}
		h, err := parseSMB2Header(m)
		if err != nil {
			return fmt.Errorf("compounded command %d: %w", i, err)
		}
		c.command2(h, m, ts)
		if h.next == 0 {
			return nil
		}
		if h.next < smb2HeaderLen || h.next%8 != 0 || uint64(h.next) > uint64(len(m)) {
			if uint64(h.next) > uint64(len(m)) && len(m) >= c.lim.MaxKeep-smb2HeaderLen {
				return nil // the rest was not kept
			}
			return fmt.Errorf("%w: SMB2 NextCommand %d in a %d-byte message", ErrMalformed, h.next, len(m))
		}
		m = m[h.next:]
	}
}

// command2 handles one SMB2 command; m starts at its header.
func (c *Conn) command2(h smb2Hdr, m []byte, ts time.Time) {
	body := m[smb2HeaderLen:]
	switch h.command {
	case cmd2Negotiate:
		c.negotiate2(h, m, body, ts)
	case cmd2SessionSetup:
		e := c.event(ts, c.v2(), "SESSION_SETUP", h.response)
		if h.response {
			c.respond(e, h.status)
		}
		c.sink.Event(e)
	case cmd2TreeConnect:
		c.treeConnect2(h, m, body, ts)
	case cmd2Create:
		if h.response || len(body) < 48 {
			return
		}
		e := c.event(ts, c.v2(), "CREATE", false)
		e.SMB.Share = c.trees[uint64(h.treeID)]
		e.SMB.File = slice16(m, int(binary.LittleEndian.Uint16(body[44:])), int(binary.LittleEndian.Uint16(body[46:])))
		c.sink.Event(e)
	}
}

// v2 is the SMB version for events of an SMB2 connection: 3 once a 3.x
// dialect was negotiated.
func (c *Conn) v2() int {
	if c.version >= 2 {
		return c.version
	}
	return 2
}

// negotiate2: requests list dialect revisions (MS-SMB2 2.2.3), responses
// carry the chosen one (2.2.4).
func (c *Conn) negotiate2(h smb2Hdr, m, body []byte, ts time.Time) {
	e := c.event(ts, 2, "NEGOTIATE", h.response)
	if h.response {
		c.respond(e, h.status)
		if len(body) >= 6 && h.status == 0 {
			d := binary.LittleEndian.Uint16(body[4:6])
			c.version = dialectVersion(d)
			e.SMB.Version = c.version
			e.SMB.Dialects = []string{Dialect(d)}
			if d == 0x0311 && len(body) >= 64 {
				c.contexts(e, m, int(binary.LittleEndian.Uint32(body[60:])), int(binary.LittleEndian.Uint16(body[6:])))
			}
		}
		c.sink.Event(e)
		return
	}
	if len(body) >= 36 {
		n := min(int(binary.LittleEndian.Uint16(body[2:4])), c.lim.MaxDialects)
		for i := 0; i < n && 36+2*i+2 <= len(body); i++ {
			d := binary.LittleEndian.Uint16(body[36+2*i:])
			e.SMB.Dialects = append(e.SMB.Dialects, Dialect(d))
			e.SMB.Version = max(e.SMB.Version, dialectVersion(d))
			if d == 0x0311 {
				c.contexts(e, m, int(binary.LittleEndian.Uint32(body[28:])), int(binary.LittleEndian.Uint16(body[32:])))
			}
		}
	}
	c.sink.Event(e)
}

// treeConnect2: the request's path is at PathOffset from the header
// (MS-SMB2 2.2.9); the response is paired by MessageId.
func (c *Conn) treeConnect2(h smb2Hdr, m, body []byte, ts time.Time) {
	e := c.event(ts, c.v2(), "TREE_CONNECT", h.response)
	if h.response {
		c.respond(e, h.status)
		e.SMB.Share = c.shares[h.msgID]
		delete(c.shares, h.msgID)
		if h.status == 0 && e.SMB.Share != "" {
			remember(c.trees, uint64(h.treeID), e.SMB.Share, c.lim.MaxPending)
		}
		c.sink.Event(e)
		return
	}
	if len(body) >= 8 {
		e.SMB.Share = slice16(m, int(binary.LittleEndian.Uint16(body[4:])), int(binary.LittleEndian.Uint16(body[6:])))
		remember(c.shares, h.msgID, e.SMB.Share, c.lim.MaxPending)
	}
	c.sink.Event(e)
}

var compressionNames = []string{"NONE", "LZNT1", "LZ77", "LZ77+HUFFMAN", "PATTERN_V1", "LZ4"}

// contexts reads the SMB 3.1.1 negotiate contexts (MS-SMB2 2.2.3.1) at
// offset off from the header, and records the compression algorithms
// offered or chosen: compression is the code path of SMBGhost.
func (c *Conn) contexts(e *detect.Event, m []byte, off, count int) {
	var algos []string
	for i := 0; i < count && i < c.lim.MaxDialects && off >= 0 && off+8 <= len(m); i++ {
		typ := binary.LittleEndian.Uint16(m[off:])
		n := int(binary.LittleEndian.Uint16(m[off+2:]))
		data := m[off+8 : min(len(m), off+8+n)]
		if typ == 3 && len(data) >= 8 {
			k := int(binary.LittleEndian.Uint16(data))
			for j := 0; j < k && j < c.lim.MaxDialects && 8+2*j+2 <= len(data); j++ {
				a := binary.LittleEndian.Uint16(data[8+2*j:])
				if int(a) < len(compressionNames) {
					algos = append(algos, compressionNames[a])
				} else {
					algos = append(algos, fmt.Sprintf("0x%04x", a))
				}
			}
		}
		off += 8 + (n+7)&^7
	}
	if len(algos) > 0 {
		if e.Fields == nil {
			e.Fields = map[string]string{}
		}
		e.Fields["smb.compression_algorithms"] = strings.Join(algos, ",")
	}
}

// slice16 decodes the UTF-16LE string of n bytes at off in m.
func slice16(m []byte, off, n int) string {
	if off < 0 || n <= 0 || off >= len(m) {
		return ""
	}
	end := min(len(m), off+n)
	return utf16z(m[off:end], maxName)
}

// transform notes an SMB3 encrypted message (MS-SMB2 2.2.41), once per
// connection: its content is not readable.
func (c *Conn) transform(ts time.Time) {
	if c.encrypted {
		return
	}
	c.encrypted = true
	c.version = 3
	c.sink.Event(c.event(ts, 3, "ENCRYPTED", false))
}

// compression checks an SMB 3.1.1 compression transform header (MS-SMB2
// 2.2.42): OriginalCompressedSegmentSize, CompressionAlgorithm, Flags,
// Offset (or Length when chained). SMBGhost (CVE-2020-0796) sends an
// original size and offset whose sum overflows 32 bits in the server's
// buffer computation; any original size beyond what a message can hold,
// or an offset beyond the message, is flagged.
func (c *Conn) compression(m []byte, toServer bool, ts time.Time) error {
	const hdrLen = 16
	if len(m) < hdrLen {
		return fmt.Errorf("%w: compression transform header of %d bytes", ErrMalformed, len(m))
	}
	orig := binary.LittleEndian.Uint32(m[4:8])
	algo := binary.LittleEndian.Uint16(m[8:10])
	flags := binary.LittleEndian.Uint16(m[10:12])
	offset := binary.LittleEndian.Uint32(m[12:16])
	e := c.event(ts, 3, "COMPRESSION_TRANSFORM", !toServer)
	e.Fields = map[string]string{"smb.compression_algorithm": fmt.Sprintf("0x%04x", algo)}
	chained := flags&1 != 0
	switch {
	case orig > c.lim.MaxOriginalSize:
		e.SMB.Anomaly = "compression-transform"
	case !chained && uint64(orig)+uint64(offset) > 0xFFFFFFFF:
		e.SMB.Anomaly = "compression-transform"
	case !chained && len(m) < c.lim.MaxKeep && uint64(offset) > uint64(len(m)-hdrLen):
		e.SMB.Anomaly = "compression-transform"
	}
	c.sink.Event(e)
	return nil
}
