package dicomul

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/airtight/airtight/detect"
)

// Conn follows one TCP connection carrying a DICOM association and emits
// an event per association PDU and per DIMSE command. Feed it the
// reassembled bytes of each direction in arrival order. It is not safe for
// concurrent use.
type Conn struct {
	base     detect.Event
	sink     detect.Sink
	lim      Limits
	dirs     [2]stream // 0: requestor → acceptor, 1: acceptor → requestor
	calling  string
	called   string
	identity bool
	contexts map[byte]presCtx
}

type presCtx struct {
	abstract string
	enc      encoding
}

// stream is one direction's PDU framing state.
type stream struct {
	broken bool
	hdr    [headerLen]byte
	hn     int
	typ    byte
	left   uint32 // body bytes of the current PDU not yet consumed
	body   []byte // whole body of a non-P-DATA PDU
	// P-DATA-TF, streamed PDV by PDV.
	pdv     [pdvHeaderLen]byte
	pn      int
	room    uint32 // PDU bytes left when the current PDV header started
	pdvLeft int
	pdvCtx  byte
	pdvCmd  bool
	pdvLast bool
	cmd     []byte
	cmdOver bool
	ds      scanner
	dsOn    bool
	pending *detect.Event // a command waiting for its data set
}

// NewConn returns a Conn whose events copy base (endpoints, protocol,
// source) with base.Src the association requestor.
func NewConn(base detect.Event, sink detect.Sink, lim Limits) *Conn {
	return &Conn{base: base, sink: sink, lim: lim.withDefaults(), contexts: map[byte]presCtx{}}
}

func dirIndex(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}

// Feed consumes the next bytes of one direction. A malformed PDU returns
// an error naming the problem (never data set values) and stops parsing
// that direction; later calls for it return nil.
func (c *Conn) Feed(toServer bool, b []byte, ts time.Time) error {
	s := &c.dirs[dirIndex(toServer)]
	for len(b) > 0 && !s.broken {
		n, err := c.step(s, b, ts)
		if err != nil {
			s.broken = true
			s.body, s.cmd = nil, nil
			return err
		}
		b = b[n:]
	}
	return nil
}

// Gap tells the Conn that bytes of one direction were lost; PDU framing
// cannot be recovered, so that direction stops.
func (c *Conn) Gap(toServer bool) {
	s := &c.dirs[dirIndex(toServer)]
	s.broken = true
	s.body, s.cmd = nil, nil
}

// Close emits commands still waiting for their data set.
func (c *Conn) Close(ts time.Time) {
	for i := range c.dirs {
		c.flushPending(&c.dirs[i])
	}
}

// preallocBody is the most buffer a PDU header makes the Conn reserve
// before the body's bytes arrive.
const preallocBody = 4 << 10

// step consumes a prefix of b and returns its length.
func (c *Conn) step(s *stream, b []byte, ts time.Time) (int, error) {
	if s.hn < headerLen {
		n := copy(s.hdr[s.hn:], b)
		s.hn += n
		if s.hn < headerLen {
			return n, nil
		}
		typ, length, err := header(s.hdr[:], c.lim)
		if err != nil {
			return n, err
		}
		s.typ, s.left = typ, length
		if typ != TypePDataTF {
			// The length is the sender's claim: memory grows with the
			// bytes that really arrive, not with a 6-byte header.
			s.body = make([]byte, 0, min(length, preallocBody))
		}
		return n, c.endIfDone(s, ts)
	}
	if s.typ == TypePDataTF {
		n, err := c.pdata(s, b, ts)
		if err != nil {
			return n, err
		}
		return n, c.endIfDone(s, ts)
	}
	n := min(len(b), int(s.left))
	s.body = append(s.body, b[:n]...)
	s.left -= uint32(n)
	return n, c.endIfDone(s, ts)
}

func (c *Conn) endIfDone(s *stream, ts time.Time) error {
	if s.left > 0 {
		return nil
	}
	s.hn = 0
	if s.typ == TypePDataTF {
		if s.pn > 0 || s.pdvLeft > 0 {
			return fmt.Errorf("%w: P-DATA-TF ends inside a PDV", ErrMalformed)
		}
		return nil
	}
	body := s.body
	s.body = nil
	p, err := parseBody(s.typ, body, c.lim)
	if err != nil {
		return err
	}
	c.handle(p, ts)
	return nil
}

// pdata consumes P-DATA-TF body bytes: PDV headers and PDV data.
func (c *Conn) pdata(s *stream, b []byte, ts time.Time) (int, error) {
	if s.pdvLeft == 0 {
		if s.pn == 0 {
			s.room = s.left
		}
		n := min(copy(s.pdv[s.pn:], b), int(s.left))
		s.pn += n
		s.left -= uint32(n)
		if s.pn < pdvHeaderLen {
			if s.left == 0 {
				return n, fmt.Errorf("%w: PDV header truncated", ErrMalformed)
			}
			return n, nil
		}
		s.pn = 0
		h, err := pdvHeader(s.pdv[:], int(s.room))
		if err != nil {
			return n, err
		}
		s.pdvLeft, s.pdvCtx, s.pdvCmd, s.pdvLast = h.dataLen, h.ctx, h.command, h.last
		if s.pdvLeft == 0 {
			return n, c.fragmentEnd(s, ts)
		}
		return n, nil
	}
	n := min(len(b), s.pdvLeft)
	c.fragment(s, b[:n])
	s.pdvLeft -= n
	s.left -= uint32(n)
	if s.pdvLeft == 0 {
		return n, c.fragmentEnd(s, ts)
	}
	return n, nil
}

// fragment takes PDV data: command bytes are kept (bounded) until the last
// fragment, data set bytes only pass through the patient-tag scanner.
func (c *Conn) fragment(s *stream, b []byte) {
	if s.pdvCmd {
		if len(s.cmd)+len(b) > c.lim.MaxCommandLength {
			s.cmdOver = true
			return
		}
		s.cmd = append(s.cmd, b...)
		return
	}
	if !s.dsOn {
		s.ds.reset(c.contexts[s.pdvCtx].enc)
		s.dsOn = true
	}
	s.ds.feed(b)
}

func (c *Conn) fragmentEnd(s *stream, ts time.Time) error {
	if !s.pdvLast {
		return nil
	}
	if !s.pdvCmd {
		c.dataSetEnd(s, ts)
		return nil
	}
	cmd, over := s.cmd, s.cmdOver
	s.cmd, s.cmdOver = s.cmd[:0], false
	if over {
		return fmt.Errorf("%w: command set longer than %d bytes", ErrMalformed, c.lim.MaxCommandLength)
	}
	dc, err := ParseCommand(cmd)
	if err != nil {
		return err
	}
	c.command(s, dc, ts)
	return nil
}

func (c *Conn) dataSetEnd(s *stream, ts time.Time) {
	found := s.dsOn && s.ds.found
	s.dsOn = false
	if s.pending != nil {
		s.pending.DICOM.PatientData = found
		c.flushPending(s)
		return
	}
	if found {
		e := c.event(ts, "P-DATA-TF", "data")
		e.DICOM.PatientData = true
		c.sink.Event(e)
	}
}

func (c *Conn) flushPending(s *stream) {
	if s.pending == nil {
		return
	}
	e := s.pending
	s.pending = nil
	if s.dsOn && s.ds.found {
		e.DICOM.PatientData = true
	}
	c.sink.Event(e)
}

func (c *Conn) command(s *stream, dc *Command, ts time.Time) {
	c.flushPending(s)
	e := c.event(ts, "P-DATA-TF", "command")
	e.DICOM.Command = dc.Name()
	e.DICOM.SOPClassUID = dc.SOPClassUID
	if dc.HasStatus {
		e.DICOM.Status = int(dc.Status)
		e.Status = statusClass(dc.Status)
	}
	if dc.MoveOriginator != "" {
		e.Fields = map[string]string{"dicom.move_originator_ae": dc.MoveOriginator}
	}
	if dc.MoveDest != "" {
		if e.Fields == nil {
			e.Fields = map[string]string{}
		}
		e.Fields["dicom.move_destination_ae"] = dc.MoveDest
	}
	if dc.HasDataSet {
		s.pending = e
		return
	}
	c.sink.Event(e)
}

// handle emits the event of a whole association PDU and updates the
// association state.
func (c *Conn) handle(p *PDU, ts time.Time) {
	switch p.Type {
	case TypeAssociateRQ:
		c.associateRQ(p.Associate, ts)
	case TypeAssociateAC:
		c.associateAC(p.Associate, ts)
	case TypeAssociateRJ:
		e := c.event(ts, p.Name(), "reject")
		e.Status = "failure"
		e.DICOM.RejectResult = int(p.Reject.Result)
		e.DICOM.RejectSource = int(p.Reject.Source)
		e.DICOM.RejectReason = int(p.Reject.Reason)
		c.sink.Event(e)
	case TypeReleaseRQ, TypeReleaseRP:
		c.sink.Event(c.event(ts, p.Name(), "release"))
	case TypeAbort:
		e := c.event(ts, p.Name(), "abort")
		e.Status = "failure"
		e.Fields = map[string]string{
			"dicom.abort_source": strconv.Itoa(int(p.Abort.Source)),
			"dicom.abort_reason": strconv.Itoa(int(p.Abort.Reason)),
		}
		c.sink.Event(e)
	}
}

func (c *Conn) associateRQ(a *Associate, ts time.Time) {
	c.calling, c.called = a.CallingAE, a.CalledAE
	c.identity = a.UserInfo.UserIdentity
	clear(c.contexts)
	var syntaxes []string
	for _, pc := range a.Contexts {
		if len(c.contexts) >= c.lim.MaxItems {
			break
		}
		enc := encUnknown
		if len(pc.TransferSyntaxes) == 1 {
			enc = transferEncoding(pc.TransferSyntaxes[0])
		}
		c.contexts[pc.ID] = presCtx{abstract: pc.AbstractSyntax, enc: enc}
		syntaxes = append(syntaxes, pc.AbstractSyntax)
	}
	e := c.event(ts, "A-ASSOCIATE-RQ", "associate")
	e.Fields = associateFields(a)
	if len(syntaxes) > 0 {
		e.Fields["dicom.abstract_syntaxes"] = strings.Join(syntaxes, ",")
	}
	if a.UserInfo.UserIdentity {
		e.Fields["dicom.user_identity_type"] = strconv.Itoa(int(a.UserInfo.UserIdentityType))
	}
	c.sink.Event(e)
}

func (c *Conn) associateAC(a *Associate, ts time.Time) {
	if c.calling == "" && c.called == "" {
		c.calling, c.called = a.CallingAE, a.CalledAE
	}
	c.identity = c.identity || a.UserInfo.UserIdentity
	accepted := 0
	for _, pc := range a.Contexts {
		if pc.Result != 0 {
			continue
		}
		accepted++
		pcx, ok := c.contexts[pc.ID]
		if !ok && len(c.contexts) >= c.lim.MaxItems {
			continue
		}
		if len(pc.TransferSyntaxes) > 0 {
			pcx.enc = transferEncoding(pc.TransferSyntaxes[0])
		}
		c.contexts[pc.ID] = pcx
	}
	e := c.event(ts, "A-ASSOCIATE-AC", "accept")
	e.Status = "success"
	e.Fields = associateFields(a)
	e.Fields["dicom.accepted_contexts"] = strconv.Itoa(accepted)
	c.sink.Event(e)
}

func associateFields(a *Associate) map[string]string {
	f := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	put("dicom.application_context", a.ApplicationContext)
	put("dicom.implementation_class_uid", a.UserInfo.ImplementationClass)
	put("dicom.implementation_version", a.UserInfo.ImplementationVersion)
	if a.UserInfo.MaxLength > 0 {
		f["dicom.max_pdu_length"] = strconv.FormatUint(uint64(a.UserInfo.MaxLength), 10)
	}
	return f
}

func (c *Conn) event(ts time.Time, pdu, activity string) *detect.Event {
	e := c.base
	e.Time = ts
	e.Class = detect.ClassDICOMActivity
	e.App = "dicom"
	e.Activity = activity
	e.Fields = nil
	e.DICOM = &detect.DICOM{CallingAE: c.calling, CalledAE: c.called, PDU: pdu, UserIdentity: c.identity}
	return &e
}
