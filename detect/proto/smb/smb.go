// Package smb parses SMB traffic (SMB1/CIFS, SMB2 and SMB3, over NetBIOS
// session service or direct TCP) from a reassembled TCP stream and emits
// detect.Events of class smb_activity: negotiated dialects, session setup
// and tree connect outcomes, share paths, file opens, transaction
// sub-commands, and the protocol patterns known from exploitation:
// TRANS2 SESSION_SETUP (DoublePulsar), NT TRANSACT data continued by
// TRANS2 secondaries (EternalBlue's FEA list overflow) and compression
// transform headers with impossible sizes (SMBGhost, CVE-2020-0796).
package smb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"

	"github.com/airtight/airtight/detect"
)

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("smb: malformed message")

// Protocol identifiers at the start of an SMB message.
var (
	protoSMB1        = [4]byte{0xff, 'S', 'M', 'B'}
	protoSMB2        = [4]byte{0xfe, 'S', 'M', 'B'}
	protoTransform   = [4]byte{0xfd, 'S', 'M', 'B'} // SMB3 encrypted
	protoCompression = [4]byte{0xfc, 'S', 'M', 'B'} // SMB 3.1.1 compression transform
)

// IsSMB reports whether b starts with an SMB protocol identifier.
func IsSMB(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	p := [4]byte(b[:4])
	return p == protoSMB1 || p == protoSMB2 || p == protoTransform || p == protoCompression
}

// Limits bound what the parser keeps.
type Limits struct {
	// MaxKeep is how many bytes of each message are kept for parsing;
	// the rest (file data) is skipped.
	MaxKeep int
	// MaxCompound bounds the SMB2 commands chained in one message.
	MaxCompound int
	// MaxDialects bounds the dialects read from a NEGOTIATE.
	MaxDialects int
	// MaxPending bounds the requests remembered to pair with responses.
	MaxPending int
	// MaxOriginalSize is the largest plausible uncompressed size in a
	// compression transform header; larger is an anomaly.
	MaxOriginalSize uint32
}

// DefaultLimits: 64 KiB kept per message, 32 compounded commands, 64
// dialects, 256 pending requests, 16 MiB uncompressed.
func DefaultLimits() Limits {
	return Limits{MaxKeep: 64 << 10, MaxCompound: 32, MaxDialects: 64, MaxPending: 256, MaxOriginalSize: 16 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxKeep < 128 {
		l.MaxKeep = d.MaxKeep
	}
	if l.MaxCompound <= 0 {
		l.MaxCompound = d.MaxCompound
	}
	if l.MaxDialects <= 0 {
		l.MaxDialects = d.MaxDialects
	}
	if l.MaxPending <= 0 {
		l.MaxPending = d.MaxPending
	}
	if l.MaxOriginalSize == 0 {
		l.MaxOriginalSize = d.MaxOriginalSize
	}
	return l
}

// Conn follows one TCP connection carrying SMB. Feed it each direction's
// reassembled bytes in order. It is not safe for concurrent use.
type Conn struct {
	base    detect.Event
	sink    detect.Sink
	lim     Limits
	dirs    [2]framer
	version int // negotiated SMB version, 0 until known
	// requests remembered to complete their responses, by SMB1 MID or
	// SMB2 MessageId
	dialects  map[uint64][]string
	shares    map[uint64]string // pending tree connects: request id → path
	trees     map[uint64]string // connected trees: tree id → path
	ntTrans   map[uint16]bool   // SMB1 MIDs of NT_TRANSACT requests
	encrypted bool
}

// NewConn returns a Conn whose events copy base (endpoints, protocol,
// source); base.Src is the client.
func NewConn(base detect.Event, sink detect.Sink, lim Limits) *Conn {
	return &Conn{
		base: base, sink: sink, lim: lim.withDefaults(),
		dialects: map[uint64][]string{}, shares: map[uint64]string{}, trees: map[uint64]string{},
		ntTrans: map[uint16]bool{},
	}
}

// framer is one direction's NetBIOS session service framing state
// (RFC 1002 section 4.3; direct TCP on 445 uses the same 4-byte header).
type framer struct {
	broken bool
	hdr    [4]byte
	hn     int
	left   int    // message bytes not yet consumed
	typ    byte   // NetBIOS session packet type
	msg    []byte // kept prefix of the message
}

// NetBIOS session packet types.
const (
	nbMessage   = 0x00
	nbRequest   = 0x81
	nbPositive  = 0x82
	nbNegative  = 0x83
	nbRetarget  = 0x84
	nbKeepalive = 0x85
)

func dirIndex(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}

// Feed consumes the next bytes of one direction. A framing error stops
// that direction and is returned; a malformed SMB message is returned but
// parsing goes on with the next message.
func (c *Conn) Feed(toServer bool, b []byte, ts time.Time) error {
	f := &c.dirs[dirIndex(toServer)]
	var first error
	for len(b) > 0 && !f.broken {
		n, done, err := f.step(b, c.lim.MaxKeep)
		b = b[n:]
		if err != nil {
			f.broken, f.msg = true, nil
			return err
		}
		if done && f.typ == nbMessage {
			if err := c.message(f.msg, toServer, ts); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// step consumes a prefix of b; done reports a complete message.
func (f *framer) step(b []byte, keep int) (n int, done bool, err error) {
	if f.hn < 4 {
		n = copy(f.hdr[f.hn:], b)
		f.hn += n
		if f.hn < 4 {
			return n, false, nil
		}
		f.typ = f.hdr[0]
		switch f.typ {
		case nbMessage, nbRequest, nbPositive, nbNegative, nbRetarget, nbKeepalive:
		default:
			return n, false, fmt.Errorf("%w: NetBIOS session packet type 0x%02x", ErrMalformed, f.typ)
		}
		f.left = int(f.hdr[1])<<16 | int(f.hdr[2])<<8 | int(f.hdr[3])
		f.msg = f.msg[:0]
		if f.left == 0 {
			f.hn = 0
			return n, true, nil
		}
		return n, false, nil
	}
	n = min(len(b), f.left)
	if f.typ == nbMessage {
		if room := keep - len(f.msg); room > 0 {
			f.msg = append(f.msg, b[:min(n, room)]...)
		}
	}
	f.left -= n
	if f.left == 0 {
		f.hn = 0
		return n, true, nil
	}
	return n, false, nil
}

// Gap tells the Conn bytes of one direction were lost; framing cannot be
// recovered, so that direction stops.
func (c *Conn) Gap(toServer bool) {
	f := &c.dirs[dirIndex(toServer)]
	f.broken, f.msg = true, nil
}

// Close releases buffers.
func (c *Conn) Close(ts time.Time) {
	for i := range c.dirs {
		c.dirs[i] = framer{broken: true}
	}
}

// message parses one SMB message (a kept prefix of it).
func (c *Conn) message(m []byte, toServer bool, ts time.Time) error {
	if len(m) < 4 {
		return fmt.Errorf("%w: %d-byte message", ErrMalformed, len(m))
	}
	switch [4]byte(m[:4]) {
	case protoSMB1:
		return c.smb1(m, ts)
	case protoSMB2:
		return c.smb2(m, ts)
	case protoTransform:
		c.transform(ts)
		return nil
	case protoCompression:
		return c.compression(m, toServer, ts)
	}
	return fmt.Errorf("%w: protocol id % x", ErrMalformed, m[:4])
}

func (c *Conn) event(ts time.Time, version int, command string, response bool) *detect.Event {
	e := c.base
	e.Time = ts
	e.Class = detect.ClassSMBActivity
	e.App = "smb"
	e.Activity = "request"
	if response {
		e.Activity = "response"
	}
	e.Fields = nil
	e.SMB = &detect.SMB{Version: version, Command: command}
	return &e
}

// ntStatus maps an NT status to detect.Event.Status for responses:
// success, failure for errors (severity 3), "" for warnings and for
// STATUS_MORE_PROCESSING_REQUIRED, the normal middle of a logon.
func ntStatus(s uint32) string {
	switch {
	case s == 0:
		return "success"
	case s == 0xC0000016:
		return ""
	case s>>30 == 3:
		return "failure"
	}
	return ""
}

func (c *Conn) respond(e *detect.Event, status uint32) {
	e.SMB.Status = status
	e.Status = ntStatus(status)
}

// remember stores v under k in m unless m is full.
func remember[K comparable, V any](m map[K]V, k K, v V, max int) {
	if len(m) >= max {
		clear(m)
	}
	m[k] = v
}

// treeKey keys SMB1 TIDs apart from SMB2 TreeIds in Conn.trees.
func treeKey(tid uint16) uint64 { return 1<<32 | uint64(tid) }

// utf16z decodes a NUL-terminated UTF-16LE string from b.
func utf16z(b []byte, max int) string {
	var u []uint16
	for i := 0; i+1 < len(b) && len(u) < max; i += 2 {
		v := binary.LittleEndian.Uint16(b[i:])
		if v == 0 {
			break
		}
		u = append(u, v)
	}
	return string(utf16.Decode(u))
}

// cstring decodes a NUL-terminated 8-bit string from b.
func cstring(b []byte, max int) string {
	for i, c := range b {
		if c == 0 || i >= max {
			return string(b[:i])
		}
	}
	return string(b)
}

// maxName bounds decoded names (paths, dialects) in characters.
const maxName = 512
