// Package dicomul parses the DICOM upper layer protocol (DICOM PS3.8): the
// PDUs of an association, the DIMSE command sets carried in P-DATA-TF, and
// whether data sets carry patient identification. It turns a reassembled
// TCP stream into detect.Events of class dicom_activity.
//
// It never keeps credential bytes (user identity sub-items) or data set
// values: only the presence of a user identity and of patient data is
// recorded.
package dicomul

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// PDU types (PS3.8 section 9.3).
const (
	TypeAssociateRQ = 0x01
	TypeAssociateAC = 0x02
	TypeAssociateRJ = 0x03
	TypePDataTF     = 0x04
	TypeReleaseRQ   = 0x05
	TypeReleaseRP   = 0x06
	TypeAbort       = 0x07
)

// headerLen is the length of a PDU header: type, reserved, 32-bit length.
const headerLen = 6

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("dicomul: malformed PDU")

// TypeName is the PS3.8 name of a PDU type, e.g. "A-ASSOCIATE-RQ".
func TypeName(t byte) string {
	switch t {
	case TypeAssociateRQ:
		return "A-ASSOCIATE-RQ"
	case TypeAssociateAC:
		return "A-ASSOCIATE-AC"
	case TypeAssociateRJ:
		return "A-ASSOCIATE-RJ"
	case TypePDataTF:
		return "P-DATA-TF"
	case TypeReleaseRQ:
		return "A-RELEASE-RQ"
	case TypeReleaseRP:
		return "A-RELEASE-RP"
	case TypeAbort:
		return "A-ABORT"
	}
	return fmt.Sprintf("PDU-0x%02x", t)
}

func validType(t byte) bool { return t >= TypeAssociateRQ && t <= TypeAbort }

// PDU is one parsed upper-layer PDU. Exactly one of the pointer fields is
// set, according to Type.
type PDU struct {
	Type      byte
	Length    uint32 // body length from the header
	Associate *Associate
	Reject    *Reject
	Data      *PData
	Abort     *Abort
}

// Name is the PS3.8 name of the PDU's type.
func (p *PDU) Name() string { return TypeName(p.Type) }

// Reject is an A-ASSOCIATE-RJ.
type Reject struct {
	Result, Source, Reason byte
}

// Abort is an A-ABORT.
type Abort struct {
	Source, Reason byte
}

// PData is a P-DATA-TF: one or more presentation data values.
type PData struct {
	PDVs []PDV
}

// PDV is one presentation data value item.
type PDV struct {
	ContextID byte
	Command   bool // message control header bit 0: command (else data set)
	Last      bool // message control header bit 1: last fragment
	Data      []byte
}

// Limits bound what the parser accepts and keeps.
type Limits struct {
	// MaxPDULength is the largest PDU body accepted (the header's length
	// field); larger PDUs are a decode error.
	MaxPDULength uint32
	// MaxAssociateLength bounds A-ASSOCIATE-RQ/AC bodies, which are kept
	// whole while parsing.
	MaxAssociateLength uint32
	// MaxItems bounds the items of an A-ASSOCIATE PDU, the presentation
	// contexts kept per association and the PDVs of a P-DATA-TF.
	MaxItems int
	// MaxCommandLength bounds a reassembled DIMSE command set.
	MaxCommandLength int
}

// DefaultLimits are generous for real devices: PDUs up to 4 MiB (DICOM
// peers negotiate 16 KiB to 1 MiB), 64 KiB association requests, 256 items,
// 64 KiB command sets.
func DefaultLimits() Limits {
	return Limits{
		MaxPDULength:       4 << 20,
		MaxAssociateLength: 64 << 10,
		MaxItems:           256,
		MaxCommandLength:   64 << 10,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxPDULength == 0 {
		l.MaxPDULength = d.MaxPDULength
	}
	if l.MaxAssociateLength == 0 {
		l.MaxAssociateLength = d.MaxAssociateLength
	}
	if l.MaxItems <= 0 {
		l.MaxItems = d.MaxItems
	}
	if l.MaxCommandLength <= 0 {
		l.MaxCommandLength = d.MaxCommandLength
	}
	return l
}

// header parses a PDU header and checks it against the limits.
func header(b []byte, lim Limits) (typ byte, n uint32, err error) {
	if len(b) < headerLen {
		return 0, 0, fmt.Errorf("%w: header needs %d bytes, have %d", ErrMalformed, headerLen, len(b))
	}
	typ, n = b[0], binary.BigEndian.Uint32(b[2:6])
	switch {
	case !validType(typ):
		return typ, n, fmt.Errorf("%w: unknown PDU type 0x%02x", ErrMalformed, typ)
	case n > lim.MaxPDULength:
		return typ, n, fmt.Errorf("%w: %s length %d over limit %d", ErrMalformed, TypeName(typ), n, lim.MaxPDULength)
	case (typ == TypeAssociateRQ || typ == TypeAssociateAC) && n > lim.MaxAssociateLength:
		return typ, n, fmt.Errorf("%w: %s length %d over limit %d", ErrMalformed, TypeName(typ), n, lim.MaxAssociateLength)
	}
	return typ, n, nil
}

// ParsePDU parses one whole PDU (header and body) at the start of b and
// returns it with the number of bytes it used.
func ParsePDU(b []byte, lim Limits) (*PDU, int, error) {
	lim = lim.withDefaults()
	typ, n, err := header(b, lim)
	if err != nil {
		return nil, 0, err
	}
	end := headerLen + int(n)
	if len(b) < end {
		return nil, 0, fmt.Errorf("%w: %s body needs %d bytes, have %d", ErrMalformed, TypeName(typ), n, len(b)-headerLen)
	}
	p, err := parseBody(typ, b[headerLen:end], lim)
	if err != nil {
		return nil, 0, err
	}
	p.Length = n
	return p, end, nil
}

func parseBody(typ byte, body []byte, lim Limits) (*PDU, error) {
	p := &PDU{Type: typ}
	var err error
	switch typ {
	case TypeAssociateRQ, TypeAssociateAC:
		p.Associate, err = parseAssociate(typ, body, lim)
	case TypeAssociateRJ:
		p.Reject, err = parseReject(body)
	case TypePDataTF:
		p.Data, err = parsePData(body, lim)
	case TypeAbort:
		p.Abort, err = parseAbort(body)
	case TypeReleaseRQ, TypeReleaseRP:
		err = fixedBody(typ, body, 4)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func fixedBody(typ byte, body []byte, n int) error {
	if len(body) != n {
		return fmt.Errorf("%w: %s body is %d bytes, want %d", ErrMalformed, TypeName(typ), len(body), n)
	}
	return nil
}

func parseReject(body []byte) (*Reject, error) {
	if err := fixedBody(TypeAssociateRJ, body, 4); err != nil {
		return nil, err
	}
	return &Reject{Result: body[1], Source: body[2], Reason: body[3]}, nil
}

func parseAbort(body []byte) (*Abort, error) {
	if err := fixedBody(TypeAbort, body, 4); err != nil {
		return nil, err
	}
	return &Abort{Source: body[2], Reason: body[3]}, nil
}

// pdvHeaderLen is a PDV item's length field plus context ID and message
// control header.
const pdvHeaderLen = 6

func parsePData(body []byte, lim Limits) (*PData, error) {
	d := &PData{}
	for off := 0; off < len(body); {
		if len(d.PDVs) >= lim.MaxItems {
			return nil, fmt.Errorf("%w: P-DATA-TF has more than %d PDVs", ErrMalformed, lim.MaxItems)
		}
		h, err := pdvHeader(body[off:], len(body)-off)
		if err != nil {
			return nil, fmt.Errorf("PDV at offset %d: %w", off, err)
		}
		start := off + pdvHeaderLen
		end := start + h.dataLen
		d.PDVs = append(d.PDVs, PDV{ContextID: h.ctx, Command: h.command, Last: h.last, Data: body[start:end]})
		off = end
	}
	return d, nil
}

type pdvHdr struct {
	dataLen       int
	ctx           byte
	command, last bool
}

// pdvHeader parses a PDV item header from b; room is how many bytes of the
// PDU remain from the header's start.
func pdvHeader(b []byte, room int) (pdvHdr, error) {
	if len(b) < pdvHeaderLen {
		return pdvHdr{}, fmt.Errorf("%w: PDV header truncated", ErrMalformed)
	}
	n := binary.BigEndian.Uint32(b[0:4])
	if n < 2 || uint64(n)+4 > uint64(room) {
		return pdvHdr{}, fmt.Errorf("%w: PDV length %d does not fit the PDU (%d bytes left)", ErrMalformed, n, room)
	}
	mch := b[5]
	return pdvHdr{dataLen: int(n) - 2, ctx: b[4], command: mch&1 != 0, last: mch&2 != 0}, nil
}

// trimUID removes the NUL or space padding of a UID or AE title.
func trimUID(b []byte) string {
	return strings.TrimRight(string(b), "\x00 ")
}

// trimAE removes the space (and stray NUL) padding of an AE title.
func trimAE(b []byte) string {
	return strings.Trim(string(b), "\x00 ")
}
